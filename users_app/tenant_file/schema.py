"""The tenant file's schema: its keys, their types, enum values and limits, and `parse`, which
checks a file's shape against them (`tenant-file`, `usage_location`) before anything is read
from the database."""
from __future__ import annotations

import json
import math
import uuid
from collections import Counter
from typing import Any

from django.db.backends.base.operations import BaseDatabaseOperations

from environments_app.choices import Deployment, EnvironmentType, LicenceType
from environments_app.models import Environment
from users_app.choices import AdminRole, DirectoryUserType, GroupType, SkuKind
from users_app.models import AppRegistration, DirectoryGroup, DirectoryUser, Sku, SystemUser, Tenant
from users_app.passwords import password_problems
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput, RuleViolation
from users_app.provisioning.rules.admin_roles import APPLICATION_PERMISSIONS
from users_app.provisioning.rules.text import CONTROL, check_text
from users_app.services import environments as env_svc

TENANT_FILE = "tenant-file"
NOT_FOUND = "not-found"
MISSING: Any = object()

TOP_KEYS = ("tenant", "skus", "users", "groups", "apps", "environments")
TENANT_KEYS = {"name": "str", "domain": "str", "marketing_licence": "bool"}
SKU_KEYS = {"sku": "str", "name": "str", "seats": "int", "kind": "str", "service_plans": "list_str"}
APP_KEYS = {"name": "str", "app_id": "str", "permissions": "list_str"}
# file key -> DirectoryUser field
USER_PROFILE = {
    "display_name": "display_name", "given_name": "given_name", "surname": "surname", "job_title": "job_title",
    "department": "department", "office": "office_location",
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


# --- parse ----------------------------------------------------------------------------------


def _fail(message: str) -> None:
    raise InvalidInput(TENANT_FILE, message)


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
        raise InvalidInput(TENANT_FILE, str(exc)) from None


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
    """A tenant file's password meets the portal's password rules (Django's validators,
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
        for permission in a.get("permissions", ()):
            if permission not in APPLICATION_PERMISSIONS:
                _fail(f"apps[{i}].permissions: {_shown(permission)} is not a Microsoft Graph application permission "
                      f"this tenant offers; the permissions are {', '.join(APPLICATION_PERMISSIONS)}.")
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


_USAGE_LOCATIONS: dict[str, str | None] = {}  # values the check accepted -> what it made of them (few: countries)


def _usage_location(value: str, where: str) -> str | None:
    """A usage location is empty (none) or two letters, upper-cased (rules.check_usage_location_code),
    refused in the file's own words. The check is pure: each distinct value is asked once."""
    try:
        return _USAGE_LOCATIONS[value]
    except KeyError:
        pass
    try:
        code = rules.check_usage_location_code(value, fold_case=True)
    except InvalidInput as exc:
        raise exc.reworded(f"{where}: usage_location {value!r} is not a two-letter country code (e.g. US), "
                           "nor empty.") from None
    _USAGE_LOCATIONS[value] = code
    return code
