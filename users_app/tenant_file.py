"""The tenant file (shared/spec/cli.md, "Tenant file"): make the directory and the
environments match a JSON description, idempotently.

Three steps, all inside one transaction: parse (shape, types, enum values:
`tenant-file`), plan (references and rules against the database and the file
together: `not-found`, `usage_location`, DIR-02, DIR-06, DIR-10, ENV-06), then
apply, writing only what differs. Any refusal leaves the database exactly as it was.

A tenant of 100,000 users loads in seconds: the directory is read in a few queries,
users, licences, roles, memberships and ownerships are written set-based (executemany
INSERTs or COPY, UPDATEs, DELETEs by primary key), all stamped with the load's one change
number (users_app.changes); the few lifecycle changes (passwords, deletions, restores)
and the environments go through the services, which keep their rules.
"""
from __future__ import annotations

import json
import math
import sys
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, is_password_usable
from django.db import transaction
from django.db.backends.base.operations import BaseDatabaseOperations

from environments_app.choices import TYPES_WITHOUT_SECURITY_GROUP, Deployment, EnvironmentType, LicenceType
from environments_app.models import Environment
from users_app import bulk
from users_app.bulk import DbId
from users_app.changes import change_number_next
from users_app.choices import AdminRole, DeletedState, DirectoryUserType, GroupType, SkuKind
from users_app.models import (
    AdminRoleAssignment,
    AppRegistration,
    DirectoryGroup,
    DirectoryUser,
    GroupMembership,
    GroupOwner,
    LicenceAssignment,
    Sku,
    SystemUser,
    Tenant,
)
from users_app.passwords import password_problems
from users_app.provisioning.rules import RuleViolation
from users_app.provisioning.rules.text import CONTROL, check_text
from users_app.services import directory as dir_svc
from users_app.services import environments as env_svc

TENANT_FILE = "tenant-file"
NOT_FOUND = "not-found"
MISSING: Any = object()

TOP_KEYS = ("tenant", "skus", "users", "groups", "apps", "environments")
TENANT_KEYS = {"name": "str", "domain": "str", "marketing_licence": "bool"}
SKU_KEYS = {"sku": "str", "name": "str", "seats": "int", "kind": "str", "service_plans": "list_str"}
APP_KEYS = {"name": "str", "app_id": "str"}
# file key -> DirectoryUser field
USER_PROFILE = {
    "display_name": "display_name", "given_name": "given_name", "surname": "surname", "job_title": "job_title",
    "mail": "mail", "office_phone": "business_phone", "mobile_phone": "mobile_phone", "street": "street_address",
    "city": "city", "state": "state", "postal_code": "postal_code", "country": "country",
}
USER_KEYS = {
    "upn": "str", **{k: "str?" for k in USER_PROFILE}, "usage_location": "str?", "enabled": "bool",
    "deleted": "str?", "user_type": "str", "licences": "list_str", "home_tenant_licences": "list_str",
    "admin_roles": "list_str", "custom_attributes": "dict", "password": "str?",
}
GROUP_KEYS = {"name": "str", "type": "str", "members": "list_str", "owners": "list_str"}
ENV_BOOL_KEYS = ("dataverse", "sales_installed", "allow_role_assignment_on_disabled_users",
                 "app_user_status_editable", "allow_delete_disabled_users",
                 "do_not_remove_roles_on_change_business_unit")
ENV_KEYS = {
    "name": "str", "type": "str", "security_group": "str?", "teams_group": "str?", "created_by": "str?",
    "licence_type": "str", "app_pass_capacity": "int", "deployment": "str", "ad_users": "list_dict",
    "region": "str", "url": "str", **{k: "bool" for k in ENV_BOOL_KEYS},
}
AD_USER_KEYS = {k: "str?" for k in env_svc.AD_USER_KEYS}
ENV_DEFAULTS = {
    "type": EnvironmentType.PRODUCTION.value, "dataverse": True, "deployment": Deployment.ONLINE.value,
    "licence_type": LicenceType.STANDARD.value, "app_pass_capacity": 0, "sales_installed": False,
    "allow_role_assignment_on_disabled_users": False, "app_user_status_editable": False,
    "allow_delete_disabled_users": False, "do_not_remove_roles_on_change_business_unit": False,
}
DELETED_VALUES = (None, "soft", "hard")


# --- limits: what the columns hold ------------------------------------------------------------


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _int_max(model, name: str) -> int:
    """The largest value the column holds, the same on every database (PostgreSQL's integer)."""
    return BaseDatabaseOperations.integer_field_ranges[model._meta.get_field(name).get_internal_type()][1]


TEXT_MAX = 1024  # text that is no column of its own: enum values, references by name, JSON text
PASSWORD_MAX = 256  # Microsoft Entra's longest password
CUSTOM_ATTRIBUTES_DEPTH = 8  # custom_attributes: objects and lists nested at most this deep
INT64 = (-(2**63), 2**63 - 1)  # numbers in custom_attributes
_SYSTEMUSER_OF_AD = {"logon_name": "domainname", "first_name": "firstname", "last_name": "lastname",
                     "telephone": "address1_telephone1", "email": "internalemailaddress", "city": "address1_city",
                     "state": "address1_stateorprovince", "home_phone": "homephone"}
# key table -> {key: the longest text it takes}, read from the model fields the key is stored in.
_UPN_MAX = _max_length(DirectoryUser, "user_principal_name")
_SKU_MAX = _max_length(Sku, "sku_part_number")
_GROUP_MAX = _max_length(DirectoryGroup, "name")
TEXT_LIMITS = {
    id(TENANT_KEYS): {"name": _max_length(Tenant, "name"), "domain": _max_length(Tenant, "domain")},
    id(SKU_KEYS): {"sku": _SKU_MAX, "name": _max_length(Sku, "name"), "service_plans": TEXT_MAX},
    id(APP_KEYS): {"name": _max_length(AppRegistration, "name")},
    id(USER_KEYS): {"upn": _UPN_MAX, **{k: _max_length(DirectoryUser, f) for k, f in USER_PROFILE.items()},
                    "licences": _SKU_MAX, "home_tenant_licences": _SKU_MAX, "password": PASSWORD_MAX},
    id(GROUP_KEYS): {"name": _GROUP_MAX, "members": max(_UPN_MAX, _GROUP_MAX), "owners": _UPN_MAX},
    id(ENV_KEYS): {"name": _max_length(Environment, "name"), "security_group": _GROUP_MAX, "teams_group": _GROUP_MAX,
                   "created_by": _UPN_MAX, "region": _max_length(Environment, "region"),
                   "url": _max_length(Environment, "url")},
    id(AD_USER_KEYS): {k: _max_length(SystemUser, f) for k, f in _SYSTEMUSER_OF_AD.items()},
}
INT_LIMITS = {"seats": _int_max(Sku, "seats"), "app_pass_capacity": _int_max(Environment, "app_pass_capacity")}


# --- parse: shape, types and enum values (tenant-file) --------------------------------------


def _fail(message: str) -> None:
    raise RuleViolation(TENANT_FILE, message)


def _shown(value) -> str:
    """A value of the file, short and printable, for a message (never the whole of a huge or
    deeply nested value)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return f"a number of {len(str(abs(value)))} digits" if abs(value) < 10**4000 else "a huge number"
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _text(where: str, value: str, max_length: int) -> None:
    """tenant-file: text longer than its column, or holding a control character (check_text)."""
    try:
        check_text(where, value, max_length=max_length)
    except RuleViolation as exc:
        raise RuleViolation(TENANT_FILE, str(exc)) from None


def _texts(obj: dict, keys: dict[str, str], where: str, name: str | None = None) -> None:
    """Refuse the first text of an object (type-checked) that is longer than its column or holds
    a control character, lists of text item by item, and a number beyond its column; the object's
    name (`name` key) first, then the others named `where (name).key`."""
    limits = TEXT_LIMITS.get(id(keys), {})
    search = CONTROL.search
    if name is not None and type(obj.get(name)) is str:
        _text(f"{where}.{name}", obj[name], limits.get(name, TEXT_MAX))
        where = f"{where} ({obj[name]})"
    for key, value in obj.items():
        if type(value) is str:
            limit = limits.get(key, TEXT_MAX)
            if len(value) > limit or search(value):
                _text(f"{where}.{key}", value, limit)
        elif type(value) is list and keys[key] == "list_str":
            limit = limits.get(key, TEXT_MAX)
            for n, item in enumerate(value):
                if len(item) > limit or search(item):
                    _text(f"{where}.{key}[{n}]", item, limit)
        elif type(value) is int and keys[key] == "int" and value > _limit(keys, key):
            _fail(f"{where}.{key}: {_shown(value)} is more than {_limit(keys, key)}, the most it can be.")


def _json_value(value, where: str, depth: int = 0) -> None:
    """custom_attributes: JSON the database stores on every engine (text checked, numbers within
    64 bits, no NaN or infinity) and nested at most CUSTOM_ATTRIBUTES_DEPTH deep."""
    if depth > CUSTOM_ATTRIBUTES_DEPTH:
        _fail(f"{where}: nested more than {CUSTOM_ATTRIBUTES_DEPTH} levels deep.")
    if isinstance(value, str):
        if len(value) > TEXT_MAX or CONTROL.search(value):
            _text(where, value, TEXT_MAX)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not INT64[0] <= value <= INT64[1]:
            _fail(f"{where}: {_shown(value)} does not fit in 64 bits.")
    elif isinstance(value, float):
        if not math.isfinite(value):
            _fail(f"{where}: {_shown(value)} is not a number JSON can store; use a finite number.")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                _fail(f"{where}: a key must be text, not {_shown(key)}.")
            if len(key) > TEXT_MAX or CONTROL.search(key):
                _text(f"{where} (a key)", key, TEXT_MAX)
            _json_value(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _json_value(item, f"{where}[{n}]", depth + 1)
    else:
        _fail(f"{where}: {type(value).__name__} is not a JSON value.")


def _password(password: str, *, upn: str, display_name: str, where: str) -> None:
    """Finding 12: a tenant file's password meets the portal's password rules (Django's validators,
    against the UPN and display name), as every password a person chooses does; a weak one
    refuses the file (it is usable at once: no forced change follows)."""
    problems = password_problems(password, upn=upn, display_name=display_name)
    if problems:
        _fail(f"{where}.password: " + " ".join(problems))


_TYPE_CHECKS = {
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "dict": lambda v: isinstance(v, dict),
    "list_str": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "list_dict": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
}
_EXPECTED = {"str": "text", "bool": "true or false", "int": "a whole number", "dict": "an object",
             "list_str": "a list of text", "list_dict": "a list of objects"}


def _check_type(value, kind: str, where: str):
    nullable = kind.endswith("?")
    kind = kind.rstrip("?")
    if value is None:
        if nullable:
            return None
        _fail(f"{where} must not be null.")
    if not _TYPE_CHECKS[kind](value):
        _fail(f"{where} must be {_EXPECTED[kind]}, not {_shown(value)}.")
    return value


def _object(data, keys: dict[str, str], where: str, required: tuple[str, ...] = (), name: str | None = None) -> dict:
    """The object's keys known, the required ones given, every value of its type, every text
    within its column's length and free of control characters, every number within its
    column (_texts); `name` is the key that names the object in messages."""
    if not isinstance(data, dict):
        _fail(f"{where} must be an object.")
    unknown = data.keys() - keys.keys()
    if unknown:
        _fail(f"{where} has unknown key(s) {', '.join(_shown(k) for k in sorted(unknown, key=str))}; allowed: {', '.join(keys)}.")
    for key in required:
        if key not in data or data[key] in (None, ""):
            _fail(f"{where} needs a non-empty {key!r}.")
    checks = _compiled(keys)
    search = CONTROL.search
    bad = False  # a text or number beyond its limit: _texts says which (100,000 users: no message built)
    for key, value in data.items():  # the fast path of _check_type: no message built unless it fails
        exact, check, nullable, limit = checks[key]
        if type(value) is exact:
            if limit is not None:
                if exact is str:
                    if len(value) > limit or search(value):
                        bad = True
                elif value > limit:
                    bad = True
            continue
        if value is None and nullable:
            continue
        if value is None or not check(value):
            _check_type(value, keys[key], f"{where}.{key}")
        if limit is not None and type(value) is list:  # a list of text
            for item in value:
                if len(item) > limit or search(item):
                    bad = True
    if bad:
        _texts(data, keys, where, name)
    return dict(data)


_EXACT = {"str": str, "bool": bool, "int": int, "dict": dict}


class _NoExactType:
    """No value is of this type: lists always take the full check."""
_COMPILED: dict[int, tuple] = {}


def _limit(keys: dict[str, str], key: str) -> int | None:
    """The longest text (str, list_str) or the largest number (int) the key takes; None: no limit here."""
    kind = keys[key].rstrip("?")
    if kind in ("str", "list_str"):
        return TEXT_LIMITS.get(id(keys), {}).get(key, TEXT_MAX)
    if kind == "int":
        return INT_LIMITS.get(key, INT64[1])
    return None


def _compiled(keys: dict[str, str]) -> dict[str, tuple]:
    """key -> (the exact type that passes at once, the full check, nullable, limit), per key table."""
    cached = _COMPILED.get(id(keys))
    if cached is not None and cached[0] is keys:
        return cached[1]
    table = {key: (_EXACT.get(kind.rstrip("?"), _NoExactType), _TYPE_CHECKS[kind.rstrip("?")], kind.endswith("?"),
                   _limit(keys, key))
             for key, kind in keys.items()}
    _COMPILED[id(keys)] = (keys, table)
    return table


def _enum(value, allowed, where: str) -> None:
    if value is not MISSING and value not in allowed:
        _fail(f"{where} is {_shown(value)}; allowed: {', '.join(str(a) for a in allowed)}.")


def _no_duplicates(items: list[dict], key: str, where: str) -> None:
    seen = Counter(item[key].lower() for item in items)
    dup = [k for k, n in seen.items() if n > 1]
    if dup:
        _fail(f"{where}: {key} {dup[0]!r} appears more than once.")


def parse(data) -> dict:
    """Check the file's shape: objects, known keys, types, enum values."""
    if not isinstance(data, dict):
        _fail("the file must hold one JSON object with tenant, skus, users, groups, apps, environments.")
    unknown = sorted(set(data) - set(TOP_KEYS), key=str)
    if unknown:
        _fail(f"unknown top-level key(s) {', '.join(_shown(k) for k in unknown)}; allowed: {', '.join(TOP_KEYS)}.")
    for key in TOP_KEYS[1:]:
        if key in data and not isinstance(data[key], list):
            _fail(f"{key} must be a list.")
    spec: dict = {}
    spec["tenant"] = _object(data["tenant"], TENANT_KEYS, "tenant") if data.get("tenant") is not None else {}

    spec["skus"] = [_object(s, SKU_KEYS, f"skus[{i}]", ("sku",), "sku") for i, s in enumerate(data.get("skus") or [])]
    for i, s in enumerate(spec["skus"]):
        _enum(s.get("kind", MISSING), SkuKind.values, f"skus[{i}].kind")
        if s.get("seats", 0) < 0:
            _fail(f"skus[{i}].seats must be 0 or more.")
    _no_duplicates(spec["skus"], "sku", "skus")

    spec["users"] = [_object(u, USER_KEYS, f"users[{i}]", ("upn",), "upn") for i, u in enumerate(data.get("users") or [])]
    user_types, admin_roles = frozenset(DirectoryUserType.values), frozenset(AdminRole.values)
    for i, u in enumerate(spec["users"]):  # messages are built only for what fails (100,000 users)
        upn = u["upn"]
        if "@" not in upn or upn != upn.strip() or " " in upn:
            _fail(f"users[{i}] ({upn}): upn must be a user name like name@domain.")
        if "custom_attributes" in u:
            _json_value(u["custom_attributes"], f"users[{i}] ({upn}).custom_attributes")
        if u.get("password") is not None:
            _password(u["password"], upn=upn, display_name=u.get("display_name") or "", where=f"users[{i}] ({upn})")
        if u.get("deleted") not in DELETED_VALUES:
            _enum(u["deleted"], DELETED_VALUES, f"users[{i}] ({upn}).deleted")
        if "user_type" in u and u["user_type"] not in user_types:
            _enum(u["user_type"], DirectoryUserType.values, f"users[{i}] ({upn}).user_type")
        for role in u.get("admin_roles", ()):
            if role not in admin_roles:
                _enum(role, AdminRole.values, f"users[{i}] ({upn}).admin_roles")
        if u.get("usage_location") is not None:
            u["usage_location"] = _usage_location(u["usage_location"], f"users[{i}] ({upn})")
        for key in USER_PROFILE.keys() & u.keys():
            if u[key] is None:
                u[key] = ""
    _no_duplicates(spec["users"], "upn", "users")

    spec["groups"] = [_object(g, GROUP_KEYS, f"groups[{i}]", ("name",), "name")
                      for i, g in enumerate(data.get("groups") or [])]
    for i, g in enumerate(spec["groups"]):
        _enum(g.get("type", MISSING), GroupType.values, f"groups[{i}].type")
    _no_duplicates(spec["groups"], "name", "groups")

    spec["apps"] = [_object(a, APP_KEYS, f"apps[{i}]", ("app_id",)) for i, a in enumerate(data.get("apps") or [])]
    for i, a in enumerate(spec["apps"]):
        try:
            a["app_id"] = uuid.UUID(a["app_id"])
        except ValueError:
            _fail(f"apps[{i}].app_id {_shown(a['app_id'])} is not a GUID.")
    if len({a["app_id"] for a in spec["apps"]}) != len(spec["apps"]):
        _fail("apps: an app_id appears more than once.")

    spec["environments"] = [_object(e, ENV_KEYS, f"environments[{i}]", ("name",), "name")
                            for i, e in enumerate(data.get("environments") or [])]
    for i, e in enumerate(spec["environments"]):
        where = f"environments[{i}] ({e['name']})"
        _enum(e.get("type", MISSING), EnvironmentType.values, f"{where}.type")
        _enum(e.get("licence_type", MISSING), LicenceType.values, f"{where}.licence_type")
        _enum(e.get("deployment", MISSING), Deployment.values, f"{where}.deployment")
        if e.get("app_pass_capacity", 0) < 0:
            _fail(f"{where}.app_pass_capacity must be 0 or more.")
        if "ad_users" in e:
            e["ad_users"] = [_object(a, AD_USER_KEYS, f"{where}.ad_users[{j}]", ("logon_name",), "logon_name")
                             for j, a in enumerate(e["ad_users"])]
            logons = Counter(a["logon_name"].strip().lower() for a in e["ad_users"])
            if any(n > 1 for n in logons.values()):
                _fail(f"{where}.ad_users: a logon_name appears more than once.")
    _no_duplicates(spec["environments"], "name", "environments")
    return spec


def _usage_location(value: str, where: str) -> str | None:
    """A usage location is empty (none) or two letters; letters are upper-cased (DIR-10)."""
    if len(value) == 2 and value.isupper() and value.isascii() and value.isalpha():
        return value
    if value == "":
        return None
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise RuleViolation("usage_location", f"{where}: usage_location {value!r} is not a two-letter country code "
                                              "(e.g. US), nor empty.")
    return value.upper()


# --- plan: references and rules against the database and the file together -------------------

# The directory user columns the load compares (with the portal sign-in's, for passwords).
USER_COLUMNS = (
    "id", "user_principal_name", "original_user_principal_name", "original_mail", "deleted_state",
    *USER_PROFILE.values(), "usage_location", "account_enabled", "user_type", "custom_attributes",
    "home_tenant_licences", "account_id", "must_change_password", "account__username", "account__is_active",
    "account__password",
)


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _login_name(row: dict) -> str:
    """The UPN a user is known by, even while deleted (DIR-11)."""
    return row["original_user_principal_name"] if row["deleted_state"] else row["user_principal_name"]


@dataclass
class UserPlan:
    entry: dict
    existing: dict | None  # the row of the live or soft-deleted match; None: a new user (or nothing, when hard)
    target: str  # "", "soft" or "hard"
    licences: list[str]  # final licences, lower-case part numbers (for target "" or "soft")
    current_licences: set[str] = field(default_factory=set)
    current_roles: set[str] = field(default_factory=set)
    key: str = ""  # the lower-case UPN

    def __post_init__(self) -> None:
        self.key = self.entry["upn"].lower()


class _Directory:
    """The database's directory, read once in a few set-based queries (values, not model
    instances), for matching, final-state checks and the differences to write."""

    def __init__(self) -> None:
        self.live: dict[str, dict] = {}
        self.deleted: dict[str, dict] = {}  # soft-deleted, by original UPN (newest first)
        self.hard: set[str] = set()
        self.state: dict = {}  # user id -> deleted state
        self.taken: set[str] = set()  # every UPN in the table, lower-case (altered ones of deleted users too)
        rows = bulk.raw(DirectoryUser.objects.order_by("-deleted_on", "-created_on").values_list(*USER_COLUMNS))
        for values in rows:
            row = dict(zip(USER_COLUMNS, values))
            self.state[row["id"]] = row["deleted_state"]
            self.taken.add(row["user_principal_name"].lower())
            if not row["deleted_state"]:
                self.live[row["user_principal_name"].lower()] = row
            elif row["deleted_state"] == DeletedState.SOFT:
                self.deleted.setdefault(row["original_user_principal_name"].lower(), row)
            else:
                self.hard.add(row["original_user_principal_name"].lower())
        self.licence_rows: dict[tuple, int] = {}  # (user id, lower-case part number) -> assignment id
        self.licences: dict = defaultdict(set)
        for pk, user_id, part in bulk.raw(LicenceAssignment.objects.values_list("id", "user_id", "sku__sku_part_number")):
            self.licence_rows[(user_id, part.lower())] = pk
            self.licences[user_id].add(part.lower())
        self.role_rows: dict[tuple, int] = {}  # (user id, role) -> assignment id
        self.roles: dict = defaultdict(set)
        for pk, user_id, role in bulk.raw(AdminRoleAssignment.objects.values_list("id", "user_id", "role")):
            self.role_rows[(user_id, role)] = pk
            self.roles[user_id].add(role)
        self.skus = {s.sku_part_number.lower(): s for s in Sku.objects.all()}
        self.groups = {g.name.lower(): g for g in DirectoryGroup.objects.all()}

    def match(self, upn: str) -> dict | None:
        """A live user holding the UPN, else a soft-deleted user whose original UPN it is (DIR-11)."""
        key = upn.lower()
        return self.live.get(key) or self.deleted.get(key)


def _plan_users(spec: dict, db: _Directory) -> dict[str, UserPlan]:
    plans: dict[str, UserPlan] = {}
    known_skus = {s["sku"].lower() for s in spec["skus"]} | set(db.skus)
    for entry in spec["users"]:
        existing = db.match(entry["upn"])
        current = existing["deleted_state"] if existing else ""
        target = entry["deleted"] if "deleted" in entry else current
        target = target or ""
        current_licences = db.licences.get(existing["id"], set()) if existing else set()
        licences = [s.lower() for s in entry["licences"]] if "licences" in entry else sorted(current_licences)
        licences = list(dict.fromkeys(licences))
        for sku in licences:
            if sku not in known_skus:
                raise RuleViolation(NOT_FOUND, f"{entry['upn']}: no licence (SKU) {sku.upper()} in the file or the tenant.")
        plan = UserPlan(entry=entry, existing=existing, target=target, licences=licences,
                        current_licences=set(current_licences),
                        current_roles=set(db.roles.get(existing["id"], set())) if existing else set())
        if target != "hard":
            usage = entry["usage_location"] if "usage_location" in entry else (existing["usage_location"] if existing else None)
            if licences and not usage:
                raise RuleViolation("DIR-10", f"{entry['upn']} is given licences but has no usage location; "
                                              "set usage_location (a two-letter country code) first.")
            if existing is None and plan.key in db.taken:
                raise RuleViolation("user_principal_name", f"{entry['upn']}: the user name is already in use in the "
                                                           "directory (by a deleted user's altered name).")
        plans[plan.key] = plan
    return plans


def _check_seats(spec: dict, db: _Directory, plans: dict[str, UserPlan]) -> None:
    """DIR-02 on the final state: live holders of each SKU against its (final) seats."""
    covered = {p.existing["id"] for p in plans.values() if p.existing is not None}
    used: Counter = Counter()
    for user_id, part in db.licence_rows:
        if user_id not in covered and not db.state.get(user_id):
            used[part] += 1
    for plan in plans.values():
        if plan.target == "":
            used.update(plan.licences)
    seats = {k: (s.seats, s.name) for k, s in db.skus.items()}
    for s in spec["skus"]:
        key = s["sku"].lower()
        old = seats.get(key)
        seats[key] = (s.get("seats", old[0] if old else 0), s.get("name", old[1] if old else s["sku"]))
    for key, count in sorted(used.items()):
        total, name = seats.get(key, (0, key))
        if count > total:
            raise RuleViolation("DIR-02", f"The file assigns {count} licences of {name} ({key.upper()}) "
                                          f"but it has {total} seats.")


def _plan_groups(spec: dict, db: _Directory, plans: dict[str, UserPlan]) -> dict[str, dict]:
    """Resolve members and owners; refuse unknown names (not-found) and cycles (DIR-06)."""
    final_types = {k: g.group_type for k, g in db.groups.items()}
    for g in spec["groups"]:
        key = g["name"].lower()
        final_types[key] = g.get("type", final_types.get(key, GroupType.SECURITY))

    def user_exists(upn: str) -> bool:
        key = upn.lower()
        if key in plans:
            return plans[key].target != "hard"
        return db.match(upn) is not None

    resolved: dict[str, dict] = {}
    for g in spec["groups"]:
        key = g["name"].lower()
        item: dict = {"entry": g, "users": MISSING, "groups": MISSING, "owners": MISSING}
        if "members" in g:
            users, groups = [], []
            for name in g["members"]:
                if "@" in name and user_exists(name):
                    users.append(name.lower())
                elif name.lower() in final_types:
                    groups.append(name.lower())
                elif user_exists(name):
                    users.append(name.lower())
                elif plans.get(name.lower()) is not None:
                    raise RuleViolation(NOT_FOUND, f"Group {g['name']}: member {name} is permanently deleted in the "
                                                   "file; remove it from the members.")
                else:
                    raise RuleViolation(NOT_FOUND, f"Group {g['name']}: member {name} is neither a user nor a group "
                                                   "of the file or the tenant.")
            item["users"], item["groups"] = list(dict.fromkeys(users)), list(dict.fromkeys(groups))
        if "owners" in g:
            for name in g["owners"]:
                if not user_exists(name):
                    raise RuleViolation(NOT_FOUND, f"Group {g['name']}: owner {name} is not a user of the file or the tenant.")
            item["owners"] = list(dict.fromkeys(n.lower() for n in g["owners"]))
        resolved[key] = item

    # DIR-06: the final graph of nested groups has no cycle.
    names = {gid: name.lower() for name, gid in ((g.name, g.pk) for g in db.groups.values())}
    edges: dict[str, set[str]] = defaultdict(set)
    nested_now: dict[str, set[str]] = defaultdict(set)  # the nesting as it is, by lower-case names
    for parent, child in GroupMembership.objects.filter(member_group__isnull=False).values_list("group_id", "member_group_id"):
        nested_now[names[parent]].add(names[child])
        if not (names[parent] in resolved and resolved[names[parent]]["groups"] is not MISSING):
            edges[names[parent]].add(names[child])
    for key, item in resolved.items():
        if item["groups"] is not MISSING:
            edges[key] = set(item["groups"])
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for child in edges.get(node, ()):
            if state.get(child) == 1:
                cycle = path[path.index(child):] + [child] if child in path else [node, child]
                raise RuleViolation("DIR-06", "Nested groups would form a cycle: " + " > ".join(cycle) + ".")
            if child not in state:
                visit(child, path + [child])
        state[node] = 2

    for node in list(edges):
        if node not in state:
            visit(node, [node])
    return {"resolved": resolved, "types": final_types, "nested_now": nested_now}


def _plan_environments(spec: dict, db: _Directory, plans: dict[str, UserPlan], groups: dict) -> list[dict]:
    types = groups["types"]
    existing = {e.name.lower(): e for e in Environment.objects.all()}
    planned = []
    final_defaults = {k for k, e in existing.items() if e.type == EnvironmentType.DEFAULT}
    for e in spec["environments"]:
        key = e["name"].lower()
        env = existing.get(key)
        where = f"Environment {e['name']}"

        def final(name, _env=env, _e=e):
            if name in _e:
                return _e[name]
            if _env is not None:
                return getattr(_env, name)
            return ENV_DEFAULTS.get(name)

        env_type = final("type")
        for ref in ("security_group", "teams_group"):
            name = e.get(ref)
            if name and name.lower() not in types:
                raise RuleViolation(NOT_FOUND, f"{where}: {ref} {name} is not a group of the file or the tenant.")
        creator = e.get("created_by")
        if creator:
            plan = plans.get(creator.lower())
            if (plan is not None and plan.target == "hard") or (plan is None and db.match(creator) is None):
                raise RuleViolation(NOT_FOUND, f"{where}: created_by {creator} is not a user of the file or the tenant.")
        has_group = bool(e["security_group"]) if "security_group" in e else bool(env and env.security_group_object_id)
        if has_group and env_type in TYPES_WITHOUT_SECURITY_GROUP:
            raise RuleViolation("ENV-06", f"{where}: a {EnvironmentType(env_type).label} environment cannot have "
                                          "a security group.")
        if env_type == EnvironmentType.DEFAULT:
            final_defaults.add(key)
        else:
            final_defaults.discard(key)
        if e.get("teams_group") and types[e["teams_group"].lower()] != GroupType.M365:
            raise RuleViolation("ENV-07", f"{where}: teams_group {e['teams_group']} must be a Microsoft 365 group (type m365).")
        dataverse, deployment = final("dataverse"), final("deployment")
        if deployment == Deployment.ON_PREMISES and not dataverse:
            _fail(f"{where}: an on-premises deployment always has its database (dataverse true).")
        if env is not None:
            if "deployment" in e and e["deployment"] != env.deployment:
                _fail(f"{where}: the deployment of an existing environment cannot change.")
            if "dataverse" in e and env.dataverse and not e["dataverse"]:
                raise RuleViolation("ENV-02", f"{where} has a Dataverse database; it cannot be removed.")
        if e.get("ad_users") and deployment != Deployment.ON_PREMISES:
            raise RuleViolation("ONPREM-01", f"{where} is online: ad_users are for on-premises environments.")
        planned.append({"entry": e, "existing": env})
    if len(final_defaults) > 1:
        raise RuleViolation("ENV-06", "The tenant can have only one Default environment; the file would leave "
                                      f"{len(final_defaults)}.")
    return planned


# --- apply -----------------------------------------------------------------------------------

class _Writer(bulk.Writer):
    """The load's writes (bulk.Writer), every row stamped with the load's one change number,
    taken at the first write (a load that writes nothing takes none), tenant-wide only when the
    load changes the tenant, a SKU or a group (name, type, nesting, a new one)."""

    def __init__(self, *, tenant_wide: bool) -> None:
        super().__init__(number=lambda: change_number_next(tenant_wide=tenant_wide))
        self.stamped: set = set()  # users already stamped with the number

    def stamp_users(self, user_ids) -> None:
        """The number on users whose licence, membership, ownership or role the load removes."""
        todo = [pk for pk in set(user_ids) if pk not in self.stamped]
        for chunk in bulk.chunks(todo, self.in_chunk):
            DirectoryUser.objects.filter(pk__in=chunk).update(change_number=self.number)
        self.stamped.update(todo)

    def delete(self, model, pks: list, *, users=()) -> None:
        """Delete rows by primary key without a signal per row; their users are stamped first."""
        if not pks:
            return
        self.number  # noqa: B018 - a removal is a change: numbered even when no user is stamped (nesting)
        self.stamp_users(users)
        super().delete(model, pks)


class _Summary:
    def __init__(self) -> None:
        self.counts: dict[str, Counter] = {k: Counter() for k in ("tenant", "skus", "apps", "users", "groups", "environments")}

    def add(self, kind: str, what: str, n: int = 1) -> None:
        self.counts[kind][what] += n

    def as_dict(self) -> dict:
        keys = ("created", "updated", "unchanged")
        out = {}
        for kind, counter in self.counts.items():
            extra = [k for k in counter if k not in keys]
            out[kind] = {k: counter.get(k, 0) for k in (*keys, *sorted(extra))}
        return out


def _sku_values(s: dict) -> dict:
    return {"sku_part_number": s["sku"], **{k: s[k] for k in ("name", "seats", "kind", "service_plans") if k in s}}


def _is_tenant_wide(spec: dict, db: _Directory, groups_plan: dict, tenant: Tenant | None) -> bool:
    """Does the load change what concerns every user: the tenant, a SKU, a group's name or type,
    a new group, or the nesting of groups? (Then every environment's next sync is a full pass.)"""
    if tenant is None or any(getattr(tenant, k) != v for k, v in spec["tenant"].items()):
        return True
    for s in spec["skus"]:
        sku = db.skus.get(s["sku"].lower())
        if sku is None or any(getattr(sku, k) != v for k, v in _sku_values(s).items()):
            return True
    for g in spec["groups"]:
        group = db.groups.get(g["name"].lower())
        if group is None or g["name"] != group.name or ("type" in g and g["type"] != group.group_type):
            return True
    nested_now = groups_plan["nested_now"]
    return any(item["groups"] is not MISSING and set(item["groups"]) != nested_now.get(key, set())
               for key, item in groups_plan["resolved"].items())


def _apply_tenant(spec: dict, tenant: Tenant | None, w: _Writer, summary: _Summary) -> None:
    values = spec["tenant"]
    if tenant is None:
        Tenant.objects.bulk_create([Tenant(**values, change_number=w.number)])
        summary.add("tenant", "created")
        return
    changed = {k: v for k, v in values.items() if getattr(tenant, k) != v}
    if changed:
        Tenant.objects.filter(pk=tenant.pk).update(**changed, change_number=w.number)
    summary.add("tenant", "updated" if changed else "unchanged")


def _apply_skus(spec: dict, db: _Directory, w: _Writer, summary: _Summary) -> dict[str, int]:
    """SKUs created or changed; returns every SKU's pk by lower-case part number."""
    skus = {k: s.pk for k, s in db.skus.items()}
    new = []
    for s in spec["skus"]:
        key = s["sku"].lower()
        sku = db.skus.get(key)
        if sku is None:
            new.append(Sku(sku_part_number=s["sku"], name=s.get("name", s["sku"]), seats=s.get("seats", 0),
                           kind=s.get("kind", SkuKind.OFFICE), service_plans=s.get("service_plans", []),
                           change_number=w.number))
            summary.add("skus", "created")
            continue
        changed = {k: v for k, v in _sku_values(s).items() if getattr(sku, k) != v}
        if changed:
            Sku.objects.filter(pk=sku.pk).update(**changed, change_number=w.number)
        summary.add("skus", "updated" if changed else "unchanged")
    for sku in Sku.objects.bulk_create(new):
        skus[sku.sku_part_number.lower()] = sku.pk
    return skus


def _apply_apps(spec: dict, summary: _Summary) -> None:
    existing = {a.app_id: a for a in AppRegistration.objects.filter(app_id__in=[a["app_id"] for a in spec["apps"]])}
    for a in spec["apps"]:
        app = existing.get(a["app_id"])
        if app is None:
            dir_svc.app_registration_create(name=a.get("name") or str(a["app_id"]), app_id=a["app_id"])
            summary.add("apps", "created")
        elif "name" in a and a["name"] != app.name:
            dir_svc.app_registration_update(app=app, name=a["name"])
            summary.add("apps", "updated")
        else:
            summary.add("apps", "unchanged")


_SIMPLE_USER_KEYS = {"usage_location": "usage_location", "enabled": "account_enabled", "user_type": "user_type",
                     "custom_attributes": "custom_attributes", "home_tenant_licences": "home_tenant_licences"}


def _profile_changes(plan: UserPlan) -> dict:
    """The directory columns the file changes on an existing user (compared, never blindly
    written), as directory_user_update would write them: on a soft-deleted user a UPN or mail
    goes to the original and the altered value follows (DIR-11)."""
    entry, row = plan.entry, plan.existing
    deleted = bool(row["deleted_state"])
    changes: dict = {}
    if entry["upn"] != _login_name(row):  # matched ignoring case: only the spelling changes
        if deleted:
            changes["original_user_principal_name"] = entry["upn"]
            changes["user_principal_name"] = f"{bulk.hex_id(row['id'])}{entry['upn']}"
        else:
            changes["user_principal_name"] = entry["upn"]
    for key, fname in USER_PROFILE.items():
        if key not in entry:
            continue
        value = entry[key]
        if fname == "mail" and deleted:
            if value != row["original_mail"]:
                changes["original_mail"] = value
                changes["mail"] = f"{bulk.hex_id(row['id'])}{value}" if value else value
        elif value != row[fname]:
            changes[fname] = value
    for key, fname in _SIMPLE_USER_KEYS.items():
        if key not in entry:
            continue
        current = _json(row[fname]) if fname in ("custom_attributes", "home_tenant_licences") else row[fname]
        if current != entry[key]:
            changes[fname] = entry[key]
    return changes


def _password_differs(row: dict, password: str) -> bool:
    encoded = row["account__password"]
    if row["account_id"] is None or row["must_change_password"] or not is_password_usable(encoded):
        return True
    return not check_password(password, encoded)  # no setter: never rehashes (no write)


def _instance(user_id) -> DirectoryUser:
    return DirectoryUser.objects.select_related("account").get(pk=user_id)


def _apply_users(plans: dict[str, UserPlan], skus: dict[str, int], w: _Writer, db: _Directory,
                 summary: _Summary) -> dict[str, DbId]:
    """Every user of the file, set-based: licence and role removals, profile changes and
    creations, then the lifecycle changes of a few (passwords, deletions, restores) through
    the directory services, then licence and role additions. Returns the object id of every
    user of the file that is not permanently deleted, by lower-case UPN."""
    ids: dict[str, DbId] = {}
    changed: set[str] = set()
    licence_deletes, role_deletes, removed_from = [], [], set()
    profile_updates, account_updates = [], []
    new_users, role_rows, licence_rows = [], [], []
    lifecycle: list[UserPlan] = []  # password, soft delete or restore: through the services
    # New object ids are random, handed out in ascending order: rows go into the indexes in order.
    new_ids = iter(sorted(bulk.db_id(uuid.uuid4()) for p in plans.values() if p.existing is None and p.target != "hard"))
    passwords: set[str] = set()  # users whose password the file sets or changes

    for key, plan in plans.items():
        entry, row = plan.entry, plan.existing
        if plan.target == "hard":
            if row is not None:
                dir_svc.directory_user_purge(user=_instance(row["id"]))  # rare: licences, groups, roles, sign-in go
                summary.add("users", "purged")
            else:
                summary.add("users", "unchanged")
            continue
        if row is None:
            user_id = next(new_ids)
            new_users.append({
                "id": user_id, "user_principal_name": entry["upn"],
                **{column: entry.get(name, "") for name, column in USER_PROFILE.items()},
                "usage_location": entry.get("usage_location"), "account_enabled": entry.get("enabled", True),
                "user_type": entry.get("user_type", DirectoryUserType.MEMBER),
                "custom_attributes": entry.get("custom_attributes") or {},
                "home_tenant_licences": list(entry.get("home_tenant_licences", ())),
            })
            role_rows += [{"user_id": user_id, "role": r} for r in dict.fromkeys(entry.get("admin_roles", ()))]
            licence_rows += [{"user_id": user_id, "sku_id": skus[s]} for s in plan.licences]
            if entry.get("password") is not None:
                passwords.add(key)
            if entry.get("password") is not None or plan.target == "soft":
                lifecycle.append(plan)
            summary.add("users", "created")
            ids[key] = user_id
            continue

        user_id = ids[key] = row["id"]
        for sku in plan.current_licences - set(plan.licences):
            licence_deletes.append(db.licence_rows[(user_id, sku)])
            removed_from.add(user_id)
            changed.add(key)
        for sku in plan.licences:
            if sku not in plan.current_licences:
                licence_rows.append({"user_id": user_id, "sku_id": skus[sku]})
                changed.add(key)
        profile = _profile_changes(plan)
        if profile:
            profile_updates.append((user_id, profile))
            changed.add(key)
            if row["account_id"] is not None:  # the portal sign-in follows (directory_user_update)
                upn = profile.get("user_principal_name", row["user_principal_name"])
                active = bool(profile.get("account_enabled", row["account_enabled"])) and not row["deleted_state"]
                username = dir_svc._username_for(upn)
                if (username, active) != (row["account__username"], row["account__is_active"]):
                    account_updates.append((row["account_id"], username, active))
        if "admin_roles" in entry and set(entry["admin_roles"]) != plan.current_roles:
            want = list(dict.fromkeys(entry["admin_roles"]))
            for role in plan.current_roles - set(want):
                role_deletes.append(db.role_rows[(user_id, role)])
                removed_from.add(user_id)
            role_rows += [{"user_id": user_id, "role": r} for r in want if r not in plan.current_roles]
            changed.add(key)
        if entry.get("password") is not None and _password_differs(row, entry["password"]):
            passwords.add(key)
        if key in passwords or plan.target != row["deleted_state"]:
            lifecycle.append(plan)
            changed.add(key)

    licence_rows.sort(key=itemgetter("user_id"))  # in index order (sorted is stable: SKUs keep theirs)
    # Removals first (they free seats), then the rows as the file wants them.
    w.delete(LicenceAssignment, licence_deletes, users=removed_from)
    w.delete(AdminRoleAssignment, role_deletes, users=removed_from)
    w.insert(DirectoryUser, new_users)
    w.update(DirectoryUser, profile_updates)
    w.stamped.update(u for u, _ in profile_updates)
    User = get_user_model()
    for account_id, username, active in account_updates:
        User.objects.filter(pk=account_id).update(username=username, is_active=active)

    # The lifecycle of a few users, by the directory services' own rules (DIR-01, DIR-04, DIR-11).
    for plan in lifecycle:
        user = _instance(ids[plan.key])
        if plan.key in passwords:
            dir_svc.directory_user_set_password(user=user, password=plan.entry["password"])
        if plan.target == "soft" and not user.deleted_state:
            dir_svc.directory_user_delete(user=user)
            summary.add("users", "deleted")
        elif plan.target == "" and user.deleted_state == DeletedState.SOFT:
            dir_svc.directory_user_restore(user=user)  # DIR-04: window, name free, seats of its kept licences
            summary.add("users", "restored")

    w.insert(LicenceAssignment, licence_rows)
    w.insert(AdminRoleAssignment, role_rows)
    for key, plan in plans.items():
        if plan.existing is not None and plan.target != "hard":
            summary.add("users", "updated" if key in changed else "unchanged")
    return ids


def _user_id(name: str, ids: dict[str, DbId], db: _Directory) -> DbId:
    key = name.lower()
    return ids[key] if key in ids else db.match(key)["id"]


def _apply_groups(spec: dict, groups_plan: dict, ids: dict[str, DbId], db: _Directory, w: _Writer,
                  summary: _Summary) -> dict[str, DbId]:
    """Groups, their members and owners, set-based; returns every group's id by lower-case name."""
    group_ids = {k: bulk.db_id(g.pk) for k, g in db.groups.items()}
    changed: set[str] = set()
    new_groups, group_updates = [], []
    for g in spec["groups"]:
        key = g["name"].lower()
        group = db.groups.get(key)
        if group is None:
            group_ids[key] = bulk.db_id(uuid.uuid4())
            new_groups.append({"id": group_ids[key], "name": g["name"], "group_type": g.get("type", GroupType.SECURITY)})
            summary.add("groups", "created")
            changed.add(key)
            continue
        values = {"name": g["name"], "group_type": g.get("type", group.group_type)}
        values = {k: v for k, v in values.items() if getattr(group, k) != v}
        if values:
            group_updates.append((group_ids[key], values))
            changed.add(key)
    w.insert(DirectoryGroup, new_groups)
    w.update(DirectoryGroup, group_updates)

    members: dict = defaultdict(dict)  # group id -> {user id: membership id}
    nested: dict = defaultdict(dict)  # group id -> {child group id: membership id}
    for pk, group_id, user_id, child_id in bulk.raw(GroupMembership.objects.values_list("id", "group_id", "user_id",
                                                                                    "member_group_id")):
        if user_id is not None:
            members[group_id][user_id] = pk
        else:
            nested[group_id][child_id] = pk
    owners: dict = defaultdict(dict)  # group id -> {user id: ownership id}
    for pk, group_id, user_id in bulk.raw(GroupOwner.objects.values_list("id", "group_id", "user_id")):
        owners[group_id][user_id] = pk

    member_deletes, owner_deletes, removed_from = [], [], set()
    member_rows, nested_rows, owner_rows = [], [], []
    for key, item in groups_plan["resolved"].items():
        group_id = group_ids[key]
        if item["owners"] is not MISSING:
            want = {_user_id(u, ids, db) for u in item["owners"]}
            current = owners[group_id]
            gone = [u for u in current if u not in want]
            owner_deletes += [current[u] for u in gone]
            removed_from.update(gone)
            owner_rows += [{"group_id": group_id, "user_id": u} for u in want if u not in current]
            if gone or want - current.keys():
                changed.add(key)
        if item["users"] is not MISSING:
            want = {_user_id(u, ids, db) for u in item["users"]}
            current = members[group_id]
            gone = [u for u in current if u not in want]
            member_deletes += [current[u] for u in gone]
            removed_from.update(gone)
            member_rows += [{"group_id": group_id, "user_id": u} for u in want if u not in current]
            want_groups = {group_ids[n] for n in item["groups"]}
            current_groups = nested[group_id]
            gone_groups = [g for g in current_groups if g not in want_groups]
            member_deletes += [current_groups[g] for g in gone_groups]
            nested_rows += [{"group_id": group_id, "member_group_id": g} for g in want_groups if g not in current_groups]
            if gone or want - current.keys() or gone_groups or want_groups - current_groups.keys():
                changed.add(key)
    # Removals of every group first, then additions: the final graph has no cycle (checked),
    # so no step on the way makes one.
    w.delete(GroupMembership, member_deletes, users=removed_from)
    w.delete(GroupOwner, owner_deletes, users=removed_from)
    member_rows.sort(key=itemgetter("group_id", "user_id"))  # in index order
    w.insert(GroupMembership, member_rows)
    w.insert(GroupMembership, nested_rows)
    w.insert(GroupOwner, owner_rows)
    for g in spec["groups"]:
        key = g["name"].lower()
        if key in db.groups:
            summary.add("groups", "updated" if key in changed else "unchanged")
    return group_ids


def _apply_environments(planned: list[dict], group_ids: dict[str, DbId], ids: dict[str, DbId],
                        db: _Directory, summary: _Summary) -> None:
    """A few environments: through the environment services (scaffolding, ENV-06, ONPREM-02)."""
    # Environments that stop being Default go first, so that another may become it (ENV-06).
    planned = sorted(planned, key=lambda p: p["entry"].get("type") == EnvironmentType.DEFAULT)
    for p in planned:
        e, env = p["entry"], p["existing"]
        refs: dict = {}
        for ref in ("security_group", "teams_group"):
            if ref in e:
                refs[ref] = DirectoryGroup.objects.get(pk=group_ids[e[ref].lower()]) if e[ref] else None
        if "created_by" in e:
            refs["created_by"] = DirectoryUser.objects.get(pk=_user_id(e["created_by"], ids, db)) if e["created_by"] else None
        plain = {k: e[k] for k in ENV_KEYS if k in e and k not in ("name", "ad_users", *refs)}
        if env is None:
            values = {**ENV_DEFAULTS, **plain, **refs}
            env_svc.environment_create(name=e["name"], ad_users=e.get("ad_users", ()), **values)
            summary.add("environments", "created")
            continue
        updates = {k: v for k, v in plain.items() if getattr(env, k) != v}
        if e["name"] != env.name:
            updates["name"] = e["name"]
        for ref, obj in refs.items():
            current = getattr(env, env_svc._OBJECT_FIELDS[ref])
            if (obj.pk if obj is not None else None) != current:
                updates[ref] = obj
        if updates:
            env_svc.environment_update(environment=env, **updates)
        added = 0
        if e.get("ad_users"):
            present = {d.lower() for d in SystemUser.objects.filter(environment=env).values_list("domainname", flat=True)}
            new = [a for a in e["ad_users"] if a["logon_name"].strip().lower() not in present]
            if new:
                added = env_svc.environment_add_ad_users(environment=env, ad_users=new)  # ONPREM-02
        summary.add("environments", "updated" if (updates or added) else "unchanged")


def load_tenant(data: dict) -> dict:
    """Make the directory and the environments match the tenant file `data` (cli.md).

    Refuses the whole file with RuleViolation (nothing written) for: a malformed file
    (`tenant-file`), an unknown name in a reference (`not-found`), a usage location that
    is not two letters (`usage_location`), licences beyond seats (DIR-02), a licence
    without usage location (DIR-10), a nested-group cycle (DIR-06), a security group on
    a Default / Developer / Teams environment or a second Default (ENV-06). Loading the
    same file twice writes nothing the second time (and takes no change number).

    One transaction; the directory is read in a few queries and written set-based (a
    100,000-user file in seconds), every row it writes stamped with one change number;
    a few lifecycle changes (passwords, deletions, restores) and the environments go
    through their services. Returns counts per kind of object."""
    spec = parse(data)
    with transaction.atomic():
        if spec["users"]:  # DIR-02 is checked on the final state: no seat may be taken meanwhile
            list(Sku.objects.select_for_update().values_list("pk", flat=True))
        db = _Directory()
        plans = _plan_users(spec, db)
        _check_seats(spec, db, plans)
        groups_plan = _plan_groups(spec, db, plans)
        envs_plan = _plan_environments(spec, db, plans, groups_plan)

        tenant = Tenant.objects.order_by("pk").first()
        writer = _Writer(tenant_wide=_is_tenant_wide(spec, db, groups_plan, tenant))
        summary = _Summary()
        if spec["tenant"] or tenant is None:
            _apply_tenant(spec, tenant, writer, summary)
        skus = _apply_skus(spec, db, writer, summary)
        _apply_apps(spec, summary)
        ids = _apply_users(plans, skus, writer, db, summary)
        group_ids = _apply_groups(spec, groups_plan, ids, db, writer, summary)
        _apply_environments(envs_plan, group_ids, ids, db, summary)
    return summary.as_dict()


def load_tenant_file(path) -> dict:
    """Read a tenant file (JSON; YAML too when PyYAML is installed) and load it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleViolation(TENANT_FILE, f"{path}: no such file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleViolation(TENANT_FILE, f"{path}: cannot be read ({exc}).") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml  # noqa: PLC0415
        except ImportError:
            raise RuleViolation(TENANT_FILE, f"{path}: YAML needs PyYAML, which is not installed; use JSON.") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RuleViolation(TENANT_FILE, f"{path}: invalid YAML ({str(exc).splitlines()[0]}).") from None
        except RecursionError:
            raise RuleViolation(TENANT_FILE, f"{path}: nested too deeply to read.") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RuleViolation(TENANT_FILE, f"{path}: invalid JSON ({exc}).") from None
        except RecursionError:  # e.g. 100,000 nested [: the decoder gives up before the end
            raise RuleViolation(TENANT_FILE, f"{path}: invalid JSON (nested too deeply to read).") from None
        except ValueError:  # the only other: a number of more than sys.get_int_max_str_digits() digits
            raise RuleViolation(TENANT_FILE, f"{path}: invalid JSON (a number of more than "
                                             f"{sys.get_int_max_str_digits()} digits).") from None
    return load_tenant(data)
