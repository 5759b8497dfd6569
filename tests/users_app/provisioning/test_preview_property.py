"""Impact previews (services/previews.py) against the real thing, over generated tenants.

A generated tenant (members and guests, blocked and soft-deleted users, SKUs of each kind with few
seats, users with and without a usage location, nested security groups, owners, admin roles, a
Microsoft 365 group, several environments of each type with security groups, app-pass capacity)
and a generated list of directory and environment edits, made through the real services. Some
edits are refused by a rule (no seat left, no usage location, a group cycle, a security group where
none is allowed, a second Default environment, ...): the preview of the list up to such an edit
raises the same refusal, and the example goes on without the edit.

- The preview of the edits, full, equals what making them and then running a full background sync
  does: the counts of each environment, its list of changed users, and its whole decision log.
- The database after a preview, or after a refused preview, is what it was before, row for row in
  every table (on SQLite the table of the ids handed out too).
- `pending()` after edits made without a sync equals what the next incremental sync then does.
- An incremental preview equals a full one (counts and changed users) once every environment's
  last run completed.

The edits are made by the command line, by an admin held to its role (some edits are then refused
for want of the right), or by a Global reader, whose previews are rehearsed as whoever may make
the change. Pending is also checked after some environments were synced between the edits.

The suite runs 200 examples of each property (about a minute each on SQLite; CI's PostgreSQL pass
runs 50, set by .ci/run, since the property is about the order of events, not the database). For a
longer hunt (500 of each passed when this was written):

    PREVIEW_EXAMPLES=400 .venv/bin/python -m pytest tests/users_app/provisioning/test_preview_property.py -q -p no:cacheprovider
"""
from __future__ import annotations

import os

import pytest
from django.apps import apps
from django.db import connection, transaction
from hypothesis import event, given, settings
from hypothesis import strategies as st

from environments_app.models import Environment
from users_app.models import DirectoryGroup, DirectoryUser
from users_app.provisioning import sync
from users_app.provisioning.rules import RuleViolation
from users_app.services import audit, directory, previews
from users_app.services.environments import environment_update
from users_app.tenant_file import load_tenant
from tests.builders import sku, tenant_file, user

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = int(os.environ.get("PREVIEW_EXAMPLES", "200"))
DOMAIN = "prev.onmicrosoft.com"
SKUS = ("DV", "M365", "OFF")
ROLES = ("Global Administrator", "Power Platform Administrator", "Dynamics 365 Administrator", "User Administrator")
GROUPS = ("G0", "G1", "G2")  # security groups; T0 is the Microsoft 365 group of the Teams environments
ENV_TYPES = ("Production", "Sandbox", "Default", "Developer", "Teams", "Trial")
SETTINGS = ("allow_role_assignment_on_disabled_users", "sales_installed", "do_not_remove_roles_on_change_business_unit")
CHANGED = ("added", "enabled", "disabled", "updated")
FILE_LICENCES = ([], ["DV"], ["M365"], ["DV", "OFF"], ["OFF"], ["DV", "M365"], ["M365", "OFF"])


class Rollback(Exception):
    pass


def rolled_back(fn):
    """Run fn in a savepoint, keep what it answers, undo what it wrote."""
    kept = {}
    try:
        with transaction.atomic():
            kept["value"] = fn()
            raise Rollback
    except Rollback:
        pass
    return kept["value"]


# --- The tenant ----------------------------------------------------------------------------------

person_st = st.fixed_dictionaries({
    "licences": st.sampled_from([["DV"], ["DV"], ["DV", "M365"], ["M365"], ["OFF"], []]),
    "usage": st.sampled_from(["US"] * 5 + [None]),
    "roles": st.lists(st.sampled_from(ROLES), unique=True, max_size=1),
    "enabled": st.sampled_from([True, True, True, False]),
    "deleted": st.sampled_from([None] * 5 + ["soft"]),
    "guest": st.sampled_from([False] * 4 + [True]),
    "home": st.booleans(),
    "groups": st.lists(st.sampled_from(GROUPS + ("T0",)), unique=True, max_size=3),
    "owns": st.lists(st.sampled_from(GROUPS + ("T0",)), unique=True, max_size=1),
})
environment_st = st.fixed_dictionaries({
    "type": st.sampled_from(ENV_TYPES),
    "group": st.sampled_from([None, None, "G0", "G1", "G2"]),
    "app_pass": st.sampled_from([False, False, True]),
    "capacity": st.integers(0, 2),
    "dataverse": st.sampled_from([True] * 7 + [False]),
    "creator": st.integers(0, 5),
    "setting": st.sampled_from((None,) + SETTINGS),
})
tenant_st = st.fixed_dictionaries({
    "people": st.lists(person_st, min_size=3, max_size=7),
    "spare_seats": st.lists(st.integers(0, 1), min_size=3, max_size=3),
    "nesting": st.sampled_from(["none", "G1 in G0", "G2 in G1 in G0", "G2 in G0"]),
    "environments": st.lists(environment_st, min_size=2, max_size=4),
    "marketing": st.booleans(),
    "sign_ins": st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), max_size=3),
})


def upn_of(i: int) -> str:
    return f"p{i}@{DOMAIN}"


def build(t: dict) -> dict:
    """The tenant file of a generated tenant (every reference valid, no more licences than seats)."""
    people, users = t["people"], []
    for i, p in enumerate(people):
        licences = p["licences"] if p["usage"] else []
        users.append(user(upn_of(i), given_name=f"P{i}", surname="Prev", display_name=f"P{i} Prev",
                          usage_location=p["usage"], licences=licences, admin_roles=p["roles"], enabled=p["enabled"],
                          deleted=p["deleted"], user_type="Guest" if p["guest"] else "Member",
                          home_tenant_licences=["DV"] if p["home"] else []))
    used = {code: sum(code in u["licences"] and not u["deleted"] for u in users) for code in SKUS}
    kinds = {"DV": "dataverse", "M365": "m365", "OFF": "office"}
    skus = [sku(code, f"Licence {code}", seats=used[code] + spare, kind=kinds[code])
            for code, spare in zip(SKUS, t["spare_seats"])]
    chain = {"none": [], "G1 in G0": [("G0", "G1")], "G2 in G1 in G0": [("G0", "G1"), ("G1", "G2")],
             "G2 in G0": [("G0", "G2")]}[t["nesting"]]
    groups = []
    for name in GROUPS + ("T0",):
        members = [upn_of(i) for i, p in enumerate(people) if name in p["groups"]]
        members += [child for parent, child in chain if parent == name]
        groups.append({"name": name, "type": "m365" if name == "T0" else "security", "members": members,
                       "owners": [upn_of(i) for i, p in enumerate(people) if name in p["owns"]]})
    environments, has_default = [], False
    for n, e in enumerate(t["environments"]):
        kind = e["type"]
        if kind == "Default" and has_default:
            kind = "Sandbox"
        has_default = has_default or kind == "Default"
        env = {"name": f"Env{n}", "type": kind, "dataverse": e["dataverse"],
               "licence_type": "app_pass" if e["app_pass"] else "standard", "app_pass_capacity": e["capacity"]}
        if e["group"] and kind in ("Production", "Sandbox", "Trial"):
            env["security_group"] = e["group"]
        if kind == "Teams":
            env["teams_group"] = "T0"
        if kind == "Developer":
            env["created_by"] = upn_of(e["creator"] % len(people))
        if e["setting"]:
            env[e["setting"]] = True
        environments.append(env)
    return tenant_file(name="Prev", domain=DOMAIN, marketing_licence=t["marketing"], skus=skus, users=users,
                       groups=groups, environments=environments)


def load(t: dict) -> dict:
    """Load the tenant; answer the ids the edits name (stable across rollbacks)."""
    data = build(t)
    load_tenant(data)
    return {"users": [directory.directory_user_find(u["upn"]).pk for u in data["users"]],
            "groups": [DirectoryGroup.objects.get(name=name).pk for name in GROUPS + ("T0",)],
            "environments": [Environment.objects.get(name=e["name"]).pk for e in data["environments"]]}


def sign_in(t: dict, ids: dict) -> None:
    """A few first accesses: records that exist before the sync (some of which it then disables)."""
    for u, e in t["sign_ins"]:
        person = DirectoryUser.objects.get(pk=ids["users"][u % len(ids["users"])])
        if not person.is_deleted:
            env = Environment.objects.get(pk=ids["environments"][e % len(ids["environments"])])
            sync.user_sign_in(environment=env, directory_user=person)


# --- The edits -----------------------------------------------------------------------------------

KINDS = ("licence+", "licence-", "block", "unblock", "delete", "restore", "usage", "job", "member+", "member-",
         "nest", "unnest", "owner+", "owner-", "role+", "role-", "env-group", "env-type", "env-licence-type",
         "env-capacity", "env-setting", "marketing", "file", "rename")
# The edits that decide most often come up more often.
LIKELY = ("licence+", "licence-", "block", "unblock", "member+", "member-", "env-group", "delete")
edit_st = st.tuples(st.sampled_from(KINDS + LIKELY), st.integers(0, 6), st.integers(0, 6))
edits_st = st.lists(edit_st, max_size=10)


def apply_edit(ids: dict, edit: tuple) -> None:
    """One edit through its service; every object is read afresh (a preview rolls back what it changed)."""
    kind, a, b = edit
    person = DirectoryUser.objects.get(pk=ids["users"][a % len(ids["users"])])
    group = DirectoryGroup.objects.get(pk=ids["groups"][b % 4])
    env = Environment.objects.get(pk=ids["environments"][a % len(ids["environments"])])
    match kind:
        case "licence+":
            directory.licence_assign(user=person, sku=SKUS[b % 3])
        case "licence-":
            directory.licence_remove(user=person, sku=SKUS[b % 3])
        case "block" | "unblock":
            directory.directory_user_update(user=person, account_enabled=kind == "unblock")
        case "delete":
            directory.directory_user_delete(user=person)
        case "restore":
            directory.directory_user_restore(user=person)
        case "usage":
            directory.directory_user_update(user=person, usage_location=(None, "FR", "US")[b % 3])
        case "job":
            directory.directory_user_update(user=person, job_title=f"Title {b}")
        case "member+":
            directory.group_member_add(group=group, user=person)
        case "member-":
            directory.group_member_remove(group=group, user=person)
        case "nest" | "unnest":
            child = DirectoryGroup.objects.get(pk=ids["groups"][a % 3])
            service = directory.group_member_add if kind == "nest" else directory.group_member_remove
            service(group=group, member_group=child)
        case "owner+":
            directory.group_owner_add(group=group, user=person)
        case "owner-":
            directory.group_owner_remove(group=group, user=person)
        case "role+":
            directory.admin_role_assign(user=person, role=ROLES[b % len(ROLES)])
        case "role-":
            directory.admin_role_remove(user=person, role=ROLES[b % len(ROLES)])
        case "env-group":
            target = None if b % 4 == 3 else DirectoryGroup.objects.get(pk=ids["groups"][b % 4])
            environment_update(environment=env, security_group=target)
        case "env-type":
            environment_update(environment=env, type=ENV_TYPES[b % len(ENV_TYPES)])
        case "env-licence-type":
            environment_update(environment=env, licence_type="standard" if env.licence_type == "app_pass" else "app_pass")
        case "env-capacity":
            environment_update(environment=env, app_pass_capacity=b % 3)
        case "env-setting":
            name = SETTINGS[b % len(SETTINGS)]
            environment_update(environment=env, **{name: not getattr(env, name)})
        case "marketing":
            directory.tenant_update(marketing_licence=not directory.tenant_get().marketing_licence)
        case "rename":  # the names the rules and the log read, and the order environments sync in
            directory.group_update(group=group, name=f"{group.name}r")
            environment_update(environment=env, name=f"{'A' if env.name[0] != 'A' else 'Z'}{env.name}")
        case "file":  # a tenant file: one user's licences and sign-in, one group's members replaced
            name = person.original_user_principal_name or person.user_principal_name
            load_tenant({"users": [{"upn": name, "licences": FILE_LICENCES[b % len(FILE_LICENCES)],
                                    "enabled": not person.account_enabled}],
                         "groups": [{"name": group.name, "members": [name]}]})


def apply(ids: dict, edits) -> None:
    for edit in edits:
        apply_edit(ids, edit)


def refusal(exc: RuleViolation) -> tuple:
    return type(exc).__name__, exc.rule, exc.code, exc.message


def sort_out(ids: dict, edits) -> tuple[list, list]:
    """Make the edits one by one (then undo them): the accepted ones, and (accepted before it,
    refused edit, its refusal) for each one a rule refused."""
    def attempt():
        accepted, refused = [], []
        for edit in edits:
            try:
                with transaction.atomic():
                    apply_edit(ids, edit)
            except RuleViolation as exc:
                refused.append((list(accepted), edit, refusal(exc)))
            else:
                accepted.append(edit)
        return accepted, refused
    return rolled_back(attempt)


# --- What a run did, what a preview says, what the database holds ---------------------------------


def decisions(entries) -> list[dict]:
    return sorted((dict(e) for e in entries), key=lambda e: (e["upn"].lower(), e["outcome"]))


def named(entry: dict) -> str:
    """The user of a change: the directory user's UPN, its original UPN when it is deleted."""
    person = DirectoryUser.objects.filter(pk=entry["object_id"]).first() if entry.get("object_id") else None
    if person is None:
        person = DirectoryUser.objects.filter(user_principal_name=entry["upn"]).first()
    if person is not None and person.deleted_state and person.original_user_principal_name:
        return person.original_user_principal_name
    return entry["upn"]


def run_shape(runs) -> list[dict]:
    """What the real runs did, from their counts and decision logs."""
    shape = []
    for run in runs:
        log = list(run.decision_log)
        changes = sorted(({"user": named(e), "outcome": e["outcome"], "status": e["status"],
                           "refused_by": list(e["refused_by"]), "changed_fields": list(e["changed_fields"])}
                          for e in log if e["outcome"] in CHANGED), key=lambda c: c["user"].lower())
        shape.append({"environment": run.environment.name, **run.counts(), "changes": changes,
                      "decisions": decisions(log)})
    return shape


def impact_shape(impact: previews.Impact) -> list[dict]:
    return [{**e.as_dict(), "decisions": decisions(e.decisions)} for e in impact.environments]


def without_decisions(shape: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "decisions"} for e in shape]


def dump() -> dict:
    """Every table, every row, every column, rows sorted (and on SQLite the ids handed out)."""
    tables = set(connection.introspection.table_names())
    models = {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed}
    assert models <= tables
    if connection.vendor == "sqlite":
        tables.add("sqlite_sequence")
    quote = connection.ops.quote_name
    out = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {quote(table)}")
            rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()]
            out[table] = sorted(rows, key=repr)
    return out


def acting(kind: str, ids: dict) -> tuple[audit.Actor, bool]:
    """(who makes the edits, whether that one only reads): the command line, an admin of the
    directory held to its role, or a Global reader, whose previews are rehearsed as whoever may
    make the change."""
    if kind == "operator":
        return audit.OPERATOR_ACTOR, False
    person = DirectoryUser.objects.get(pk=ids["users"][0])
    return audit.Actor.for_directory_user(person, {kind}), kind == "Global Reader"


def check_refusals(ids: dict, refused: list, actor: audit.Actor, reader: bool) -> None:
    """Previewing the accepted edits and then a refused one raises that refusal, and writes nothing
    (refusals are written when the actor's block ends: the dump is taken after it)."""
    for before, edit, expected in refused[:2]:
        event(f"refused by {expected[1]}")
        state = dump()
        with pytest.raises(RuleViolation) as caught, audit.acting_as(actor):
            previews.preview(lambda before=before, edit=edit: apply(ids, [*before, edit]), full=True, as_reader=reader)
        assert refusal(caught.value) == expected, edit
        assert dump() == state


# --- The properties ------------------------------------------------------------------------------

ACTORS = ("operator", "operator", "License Administrator", "User Administrator", "Groups Administrator", "Global Reader")


@settings(max_examples=EXAMPLES)
@given(t=tenant_st, edits=edits_st, synced_first=st.booleans(), who=st.sampled_from(ACTORS))
def test_preview_equals_making_the_edits_then_a_full_sync(t, edits, synced_first, who):
    """The preview of the edits is what making them and a full sync then do; it writes nothing."""
    try:
        with transaction.atomic():
            ids = load(t)
            if synced_first:
                sync.directory_sync(full=True)
            sign_in(t, ids)
            actor, reader = acting(who, ids)
            maker = audit.OPERATOR_ACTOR if reader else actor  # a reader's change is rehearsed unrestricted
            with audit.acting_as(maker):
                accepted, refused = sort_out(ids, edits)
            check_refusals(ids, refused, actor, reader)

            before = dump()
            with audit.acting_as(actor):
                impact = previews.preview(lambda: apply(ids, accepted), full=True, as_reader=reader)
            assert dump() == before
            event("users change" if impact.changed else "no user changes")
            if synced_first:
                with audit.acting_as(actor):
                    incremental = previews.preview(lambda: apply(ids, accepted), full=False, as_reader=reader)
                assert without_decisions(impact_shape(incremental)) == without_decisions(impact_shape(impact))

            with audit.acting_as(maker):
                apply(ids, accepted)
            real = run_shape(sync.directory_sync(full=True))
            assert impact_shape(impact) == real
            raise Rollback
    except Rollback:
        pass


@settings(max_examples=EXAMPLES)
@given(t=tenant_st, edits=edits_st, between=st.integers(0, 10), synced=st.lists(st.booleans(), min_size=4, max_size=4))
def test_pending_equals_what_the_next_sync_does(t, edits, between, synced):
    """Edits made elsewhere, some environments synced in between: pending is what the next sync does."""
    try:
        with transaction.atomic():
            ids = load(t)
            sync.directory_sync(full=True)
            sign_in(t, ids)
            accepted, _ = sort_out(ids, edits)
            apply(ids, accepted[:between])
            some = Environment.objects.filter(pk__in=[pk for pk, s in zip(ids["environments"], synced) if s])
            sync.directory_sync(environments=list(some.order_by("name")), full=False)
            apply(ids, accepted[between:])  # the background sync has not run since

            before = dump()
            waiting = previews.pending()
            assert dump() == before
            full = previews.preview(None, full=True)
            assert dump() == before
            assert without_decisions(impact_shape(waiting)) == without_decisions(impact_shape(full))

            real = run_shape(sync.directory_sync(full=False))
            assert impact_shape(waiting) == real
            raise Rollback
    except Rollback:
        pass
