"""The people picker's reads: at most LIMIT matches of a typed text in one scope, through the lists'
search index (users_app.list_search, by way of the lists' own filter sets), and the resolution of a
typed name without JavaScript (an exact user name, or a display name that only one row has).

Scopes (PickerScope.name):
- "directory": the live directory users (the Microsoft 365 side: group members and owners, role holders);
- "addable": the live directory users without a record in an environment (Add user);
- "environment": an environment's users an admin may pick (team members, administrator, manager,
  reassign to, role holders): the MODE-05 / MODE-07 placeholders, stub users and deleted records left out;
- "groups": the directory groups (nested group members).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from environments_app.models import Environment
from users_app import list_search
from users_app.choices import DeletedState, UserType
from users_app.filters.environment_users import EnvironmentUserFilterSet
from users_app.filters.m365 import DirectoryUserFilterSet, GroupFilterSet
from users_app.models import DirectoryGroup, DirectoryUser, SystemUser
from users_app.selectors.structure import environment_user_choices

LIMIT = 10
SCOPES = ("directory", "addable", "environment", "groups")
MAX_QUERY = 100  # a longer text is no name anyone types


@dataclass(frozen=True)
class Match:
    """One option of the picker: the key posted, the name shown, the user name beside it."""
    key: str
    label: str
    detail: str


def directory_users() -> QuerySet[DirectoryUser]:
    return DirectoryUser.objects.filter(deleted_state=DeletedState.NONE)


def addable_users(environment: Environment) -> QuerySet[DirectoryUser]:
    """Directory users without a record in the environment: what
    selectors.environment_users.addable_directory_users selects, as a correlated NOT EXISTS (one
    probe of the unique index sync06_one_record_per_object per row read, not the environment's
    every record read first)."""
    taken = SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid=OuterRef("pk"))
    return directory_users().filter(~Exists(taken))


def environment_users(environment: Environment) -> QuerySet[SystemUser]:
    """The environment's users an admin picks (stub users, who never sign in, left out too)."""
    return environment_user_choices(environment=environment).exclude(user_type=UserType.STUB)


def groups() -> QuerySet[DirectoryGroup]:
    return DirectoryGroup.objects.all()


# What a picker's URL may narrow its scope by (the ones the relation already holds left out):
# environment users not yet in a team / holding a security role; directory users or groups not yet
# members of a group, users not yet its owners or holding an admin role.
NARROWING = ("without_team", "without_role", "not_member_of", "not_owner_of", "without_admin_role")


def scope_queryset(scope: str, environment: Environment | None = None, narrowing: dict | None = None) -> QuerySet:
    narrowing = {name: value for name, value in (narrowing or {}).items() if value}
    if scope == "directory":
        queryset = directory_users()
        if key_like(narrowing.get("not_member_of", "")):
            queryset = queryset.exclude(group_memberships__group_id=narrowing["not_member_of"])
        if key_like(narrowing.get("not_owner_of", "")):
            queryset = queryset.exclude(group_ownerships__group_id=narrowing["not_owner_of"])
        if narrowing.get("without_admin_role"):
            queryset = queryset.exclude(admin_roles__role=narrowing["without_admin_role"])
        return queryset
    if scope == "addable":
        return addable_users(environment)
    if scope == "environment":
        queryset = environment_users(environment)
        if key_like(narrowing.get("without_team") or ""):
            queryset = queryset.exclude(teams__teamid=narrowing["without_team"])
        if key_like(narrowing.get("without_role") or ""):
            queryset = queryset.exclude(roles__roleid=narrowing["without_role"])
        return queryset
    if scope == "groups":
        queryset = groups()
        if key_like(narrowing.get("not_member_of", "")):
            group = narrowing["not_member_of"]
            queryset = queryset.exclude(pk=group).exclude(parent_memberships__group_id=group)
        return queryset
    raise ValueError(f"unknown picker scope {scope!r}")


def _search(queryset: QuerySet, text: str) -> QuerySet:
    """The lists' own search (icontains over their columns, narrowed first by the trigram index)."""
    model = queryset.model
    if model is DirectoryUser:
        return DirectoryUserFilterSet(queryset=queryset).search(queryset, "q", text).order_by("display_name", "id")
    if model is SystemUser:
        return EnvironmentUserFilterSet(queryset=queryset).search(queryset, "q", text).order_by("fullname", "id")
    return GroupFilterSet(queryset=queryset).search(queryset, "q", text).order_by("name")


def match_of(row) -> Match:
    if isinstance(row, DirectoryUser):
        return Match(str(row.pk), row.display_name or row.user_principal_name, row.user_principal_name)
    if isinstance(row, SystemUser):
        state = " (disabled)" if row.isdisabled else ""
        return Match(str(row.systemuserid), (row.fullname or row.domainname) + state, row.domainname)
    return Match(str(row.pk), row.name, row.get_group_type_display())


def key_field(model) -> str:
    return "systemuserid" if model is SystemUser else "pk"


def picker_matches(queryset: QuerySet, text: str, *, exclude=(), limit: int = LIMIT) -> list[Match]:
    """At most `limit` rows of `queryset` whose names hold `text` (nothing for an empty text), the
    keys in `exclude` (already chosen) left out, by name. A few queries whatever the rows.

    A picker wants a handful of matches, not the first ones of the whole directory in name order:
    the trigram index is asked for a small batch of candidates first (BATCHES), and the list's
    own search (every candidate, sorted) runs only when a batch gave too few, so a common
    prefix over 100,000 users reads a few hundred rows, not the thousands that hold it."""
    text = (text or "").strip()[:MAX_QUERY]
    if not text:
        return []
    keys = [key for key in exclude if key_like(key)]
    if keys:
        queryset = queryset.exclude(**{f"{key_field(queryset.model)}__in": keys})
    index = {DirectoryUser: list_search.DIRECTORYUSER, SystemUser: list_search.SYSTEMUSER}.get(queryset.model)
    if index is not None and list_search.usable(text) and connection.vendor in ("sqlite", "postgresql"):
        for batch in BATCHES:
            ids, complete = _first_candidates(index, text, batch)
            rows = list(_search_among(queryset, ids, text)[:limit])
            if len(rows) == limit or complete:
                return [match_of(row) for row in rows]
    return [match_of(row) for row in _search(queryset, text)[:limit]]


BATCHES = (200, 2000)


def _first_candidates(index, text: str, batch: int) -> tuple[list, bool]:
    """The first `batch` rows the trigram index holds `text`'s trigrams for, with the rows it has
    not indexed yet (list_search.candidates' pending rows); `complete` when that was all of them."""
    if connection.vendor == "sqlite":
        key = "rowid" if index.sqlite_rowid_is_key else "user_id"
        matched = f"SELECT {key} FROM {index.search_table} WHERE {index.search_table} MATCH %s LIMIT %s"
        query = list_search._fts5_query(text)
        if index.sqlite_rowid_is_key:
            pending = (f"SELECT id FROM {index.dirty_table} UNION ALL SELECT {index.key} FROM {index.name} WHERE "
                       f"{index.key} > (SELECT coalesce(max(last_id), 0) FROM {list_search.MARK_TABLE} "
                       f"WHERE name = '{index.name}') LIMIT %s")
        else:
            pending = f"SELECT id FROM {index.dirty_table} LIMIT %s"
    else:
        matched = f"SELECT {index.key} FROM {index.search_table} WHERE text LIKE upper(%s) LIMIT %s"
        query = list_search._like_pattern(text)
        pending = f"SELECT DISTINCT {index.key} FROM {index.dirty_table} LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(matched, [query, batch + 1])
        ids = [row[0] for row in cursor.fetchall()]
        complete = len(ids) <= batch
        cursor.execute(pending, [list_search.DENSE + 1])
        waiting = [row[0] for row in cursor.fetchall()]
    if len(waiting) > list_search.DENSE:
        complete = False
    return ids[:batch] + waiting[:list_search.DENSE], complete


def _search_among(queryset: QuerySet, ids: list, text: str) -> QuerySet:
    """The rows of `queryset` among `ids` whose names hold `text`, by name (the list's own condition)."""
    if queryset.model is DirectoryUser:
        condition = DirectoryUserFilterSet(queryset=queryset).search_condition(text)
        return queryset.filter(pk__in=ids).filter(condition).order_by("display_name", "id")
    condition = EnvironmentUserFilterSet(queryset=queryset).search_condition(text)
    return queryset.filter(pk__in=ids).filter(condition).order_by("fullname", "id")


def key_like(value: str) -> bool:
    """Whether `value` is written as a key (a UUID), as the chips post them."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def by_keys(queryset: QuerySet, keys) -> dict[str, object]:
    """The rows of `queryset` with these keys, by key (str)."""
    keys = [key for key in keys if key_like(key)]
    if not keys:
        return {}
    field = key_field(queryset.model)
    return {str(getattr(row, field) if field != "pk" else row.pk): row
            for row in queryset.filter(**{f"{field}__in": keys})}


def resolve_name(queryset: QuerySet, text: str) -> list:
    """What a name typed without JavaScript denotes in `queryset`: the row of that exact user name
    (or group name), else every row of that exact display name (the caller says which: none,
    one, or too many)."""
    model = queryset.model
    # lower(name) = lower(text): the expression the unique indexes of user names hold (iexact is a LIKE).
    if model is DirectoryUser:
        exact, named = "user_principal_name", Q(display_name__iexact=text)
    elif model is SystemUser:
        exact, named = "domainname", Q(fullname__iexact=text)
    else:
        exact, named = "name", None
    found = list(queryset.alias(exact_name=Lower(exact)).filter(exact_name=text.lower())[:2])
    if found or named is None:
        return found
    return list(queryset.filter(named)[:LIMIT])
