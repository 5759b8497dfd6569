"""The tenant file (shared/spec/cli.md, "Tenant file"): make the directory and the
environments match a JSON description, idempotently.

Three steps, all inside one transaction: parse (shape, types, enum values:
`tenant-file`), plan (references and rules against the database and the file
together: `not-found`, `usage_location`, DIR-02, DIR-06, DIR-10, ENV-06), then
apply through the services, writing only what differs. Any refusal leaves the
database exactly as it was.
"""
from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import check_password
from django.db import transaction

from environments_app.choices import TYPES_WITHOUT_SECURITY_GROUP, Deployment, EnvironmentType, LicenceType
from environments_app.models import Environment
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
from users_app.provisioning.rules import RuleViolation
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


# --- parse: shape, types and enum values (tenant-file) --------------------------------------


def _fail(message: str) -> None:
    raise RuleViolation(TENANT_FILE, message)


def _check_type(value, kind: str, where: str):
    nullable = kind.endswith("?")
    kind = kind.rstrip("?")
    if value is None:
        if nullable:
            return None
        _fail(f"{where} must not be null.")
    ok = {
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "dict": isinstance(value, dict),
        "list_str": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "list_dict": isinstance(value, list) and all(isinstance(v, dict) for v in value),
    }[kind]
    if not ok:
        expected = {"str": "text", "bool": "true or false", "int": "a whole number", "dict": "an object",
                    "list_str": "a list of text", "list_dict": "a list of objects"}[kind]
        _fail(f"{where} must be {expected}, not {json.dumps(value)[:60]}.")
    return value


def _object(data, keys: dict[str, str], where: str, required: tuple[str, ...] = ()) -> dict:
    if not isinstance(data, dict):
        _fail(f"{where} must be an object.")
    unknown = sorted(set(data) - set(keys))
    if unknown:
        _fail(f"{where} has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(keys)}.")
    for key in required:
        if key not in data or data[key] in (None, ""):
            _fail(f"{where} needs a non-empty {key!r}.")
    return {key: _check_type(value, keys[key], f"{where}.{key}") for key, value in data.items()}


def _enum(value, allowed, where: str) -> None:
    if value is not MISSING and value not in allowed:
        _fail(f"{where} is {value!r}; allowed: {', '.join(str(a) for a in allowed)}.")


def _no_duplicates(items: list[dict], key: str, where: str) -> None:
    seen = Counter(item[key].lower() for item in items)
    dup = [k for k, n in seen.items() if n > 1]
    if dup:
        _fail(f"{where}: {key} {dup[0]!r} appears more than once.")


def parse(data) -> dict:
    """Check the file's shape: objects, known keys, types, enum values."""
    if not isinstance(data, dict):
        _fail("the file must hold one JSON object with tenant, skus, users, groups, apps, environments.")
    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        _fail(f"unknown top-level key(s) {', '.join(unknown)}; allowed: {', '.join(TOP_KEYS)}.")
    for key in TOP_KEYS[1:]:
        if key in data and not isinstance(data[key], list):
            _fail(f"{key} must be a list.")
    spec: dict = {}
    spec["tenant"] = _object(data["tenant"], TENANT_KEYS, "tenant") if data.get("tenant") is not None else {}

    spec["skus"] = [_object(s, SKU_KEYS, f"skus[{i}]", ("sku",)) for i, s in enumerate(data.get("skus") or [])]
    for i, s in enumerate(spec["skus"]):
        _enum(s.get("kind", MISSING), SkuKind.values, f"skus[{i}].kind")
        if s.get("seats", 0) < 0:
            _fail(f"skus[{i}].seats must be 0 or more.")
    _no_duplicates(spec["skus"], "sku", "skus")

    spec["users"] = [_object(u, USER_KEYS, f"users[{i}]", ("upn",)) for i, u in enumerate(data.get("users") or [])]
    for i, u in enumerate(spec["users"]):
        where = f"users[{i}] ({u['upn']})"
        if "@" not in u["upn"] or u["upn"] != u["upn"].strip() or " " in u["upn"]:
            _fail(f"{where}: upn must be a user name like name@domain.")
        _enum(u.get("deleted", MISSING), DELETED_VALUES, f"{where}.deleted")
        _enum(u.get("user_type", MISSING), DirectoryUserType.values, f"{where}.user_type")
        for role in u.get("admin_roles", ()):
            _enum(role, AdminRole.values, f"{where}.admin_roles")
        if "usage_location" in u and u["usage_location"] is not None:
            u["usage_location"] = _usage_location(u["usage_location"], where)
        for key in USER_PROFILE:
            if key in u and u[key] is None:
                u[key] = ""
    _no_duplicates(spec["users"], "upn", "users")

    spec["groups"] = [_object(g, GROUP_KEYS, f"groups[{i}]", ("name",)) for i, g in enumerate(data.get("groups") or [])]
    for i, g in enumerate(spec["groups"]):
        _enum(g.get("type", MISSING), GroupType.values, f"groups[{i}].type")
    _no_duplicates(spec["groups"], "name", "groups")

    spec["apps"] = [_object(a, APP_KEYS, f"apps[{i}]", ("app_id",)) for i, a in enumerate(data.get("apps") or [])]
    for i, a in enumerate(spec["apps"]):
        try:
            a["app_id"] = uuid.UUID(a["app_id"])
        except ValueError:
            _fail(f"apps[{i}].app_id {a['app_id']!r} is not a GUID.")
    if len({a["app_id"] for a in spec["apps"]}) != len(spec["apps"]):
        _fail("apps: an app_id appears more than once.")

    spec["environments"] = [_object(e, ENV_KEYS, f"environments[{i}]", ("name",))
                            for i, e in enumerate(data.get("environments") or [])]
    for i, e in enumerate(spec["environments"]):
        where = f"environments[{i}] ({e['name']})"
        _enum(e.get("type", MISSING), EnvironmentType.values, f"{where}.type")
        _enum(e.get("licence_type", MISSING), LicenceType.values, f"{where}.licence_type")
        _enum(e.get("deployment", MISSING), Deployment.values, f"{where}.deployment")
        if e.get("app_pass_capacity", 0) < 0:
            _fail(f"{where}.app_pass_capacity must be 0 or more.")
        if "ad_users" in e:
            e["ad_users"] = [_object(a, AD_USER_KEYS, f"{where}.ad_users[{j}]", ("logon_name",))
                             for j, a in enumerate(e["ad_users"])]
            logons = Counter(a["logon_name"].strip().lower() for a in e["ad_users"])
            if any(n > 1 for n in logons.values()):
                _fail(f"{where}.ad_users: a logon_name appears more than once.")
    _no_duplicates(spec["environments"], "name", "environments")
    return spec


def _usage_location(value: str, where: str) -> str | None:
    """A usage location is empty (none) or two letters; letters are upper-cased (DIR-10)."""
    if value == "":
        return None
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise RuleViolation("usage_location", f"{where}: usage_location {value!r} is not a two-letter country code "
                                              "(e.g. US), nor empty.")
    return value.upper()


# --- plan: references and rules against the database and the file together -------------------


@dataclass
class UserPlan:
    entry: dict
    existing: DirectoryUser | None  # live or soft-deleted match; None: a new user (or nothing, when hard)
    target: str  # "", "soft" or "hard"
    licences: list[str]  # final licences, lower-case part numbers (for target "" or "soft")
    current_licences: set[str] = field(default_factory=set)
    current_roles: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return self.entry["upn"].lower()


class _Directory:
    """The database's directory, read once, for matching and final-state checks."""

    def __init__(self) -> None:
        self.live: dict[str, DirectoryUser] = {}
        self.deleted: dict[str, DirectoryUser] = {}  # soft-deleted, by original UPN (newest first)
        self.hard: set[str] = set()
        users = DirectoryUser.objects.select_related("account").order_by("-deleted_on", "-created_on")
        for user in users:
            if not user.deleted_state:
                self.live[user.user_principal_name.lower()] = user
            elif user.deleted_state == DeletedState.SOFT:
                self.deleted.setdefault(user.original_user_principal_name.lower(), user)
            else:
                self.hard.add(user.original_user_principal_name.lower())
        self.licences: dict = defaultdict(set)
        for user_id, part in LicenceAssignment.objects.values_list("user_id", "sku__sku_part_number"):
            self.licences[user_id].add(part.lower())
        self.roles: dict = defaultdict(set)
        for user_id, role in AdminRoleAssignment.objects.values_list("user_id", "role"):
            self.roles[user_id].add(role)
        self.skus = {s.sku_part_number.lower(): s for s in Sku.objects.all()}
        self.groups = {g.name.lower(): g for g in DirectoryGroup.objects.all()}

    def match(self, upn: str) -> DirectoryUser | None:
        """A live user holding the UPN, else a soft-deleted user whose original UPN it is (DIR-11)."""
        key = upn.lower()
        return self.live.get(key) or self.deleted.get(key)


def _plan_users(spec: dict, db: _Directory) -> dict[str, UserPlan]:
    plans: dict[str, UserPlan] = {}
    file_skus = {s["sku"].lower() for s in spec["skus"]}
    for entry in spec["users"]:
        existing = db.match(entry["upn"])
        current = existing.deleted_state if existing else ""
        target = entry["deleted"] if "deleted" in entry else current
        target = target or ""
        current_licences = db.licences.get(existing.pk, set()) if existing else set()
        licences = [s.lower() for s in entry["licences"]] if "licences" in entry else sorted(current_licences)
        licences = list(dict.fromkeys(licences))
        for sku in licences:
            if sku not in file_skus and sku not in db.skus:
                raise RuleViolation(NOT_FOUND, f"{entry['upn']}: no licence (SKU) {sku.upper()} in the file or the tenant.")
        plan = UserPlan(entry=entry, existing=existing, target=target, licences=licences,
                        current_licences=set(current_licences),
                        current_roles=set(db.roles.get(existing.pk, set())) if existing else set())
        if target != "hard":
            usage = entry["usage_location"] if "usage_location" in entry else (existing.usage_location if existing else None)
            if licences and not usage:
                raise RuleViolation("DIR-10", f"{entry['upn']} is given licences but has no usage location; "
                                              "set usage_location (a two-letter country code) first.")
        plans[plan.key] = plan
    return plans


def _check_seats(spec: dict, db: _Directory, plans: dict[str, UserPlan]) -> None:
    """DIR-02 on the final state: live holders of each SKU against its (final) seats."""
    covered = {p.existing.pk for p in plans.values() if p.existing is not None}
    used: Counter = Counter()
    rows = LicenceAssignment.objects.filter(user__deleted_state=DeletedState.NONE).exclude(user_id__in=covered)
    for part in rows.values_list("sku__sku_part_number", flat=True):
        used[part.lower()] += 1
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
    for parent, child in GroupMembership.objects.filter(member_group__isnull=False).values_list("group_id", "member_group_id"):
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
    return {"resolved": resolved, "types": final_types}


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


def _apply_tenant(spec: dict, summary: _Summary) -> None:
    values = spec["tenant"]
    tenant = Tenant.objects.order_by("pk").first()
    if tenant is None:
        Tenant.objects.create(**values)
        summary.add("tenant", "created")
        return
    changed = [k for k, v in values.items() if getattr(tenant, k) != v]
    for k in changed:
        setattr(tenant, k, values[k])
    if changed:
        tenant.save(update_fields=changed)
    summary.add("tenant", "updated" if changed else "unchanged")


def _apply_skus(spec: dict, db: _Directory, summary: _Summary) -> dict[str, Sku]:
    skus = dict(db.skus)
    for s in spec["skus"]:
        key = s["sku"].lower()
        sku = skus.get(key)
        if sku is None:
            skus[key] = Sku.objects.create(
                sku_part_number=s["sku"], name=s.get("name", s["sku"]), seats=s.get("seats", 0),
                kind=s.get("kind", SkuKind.OFFICE), service_plans=s.get("service_plans", []),
            )
            summary.add("skus", "created")
            continue
        values = {"sku_part_number": s["sku"], **{k: s[k] for k in ("name", "seats", "kind", "service_plans") if k in s}}
        changed = [k for k, v in values.items() if getattr(sku, k) != v]
        for k in changed:
            setattr(sku, k, values[k])
        if changed:
            sku.save(update_fields=changed)
        summary.add("skus", "updated" if changed else "unchanged")
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


def _profile_changes(plan: UserPlan) -> dict:
    """The directory fields the file changes on an existing user (compared, never blindly written)."""
    entry, user = plan.entry, plan.existing
    changes: dict = {}
    deleted = bool(user.deleted_state)
    if entry["upn"] != user.login_name:
        changes["user_principal_name"] = entry["upn"]
    for key, fname in USER_PROFILE.items():
        if key not in entry:
            continue
        current = user.original_mail if (fname == "mail" and deleted) else getattr(user, fname)
        if entry[key] != current:
            changes[fname] = entry[key]
    simple = {"usage_location": "usage_location", "enabled": "account_enabled", "user_type": "user_type",
              "custom_attributes": "custom_attributes", "home_tenant_licences": "home_tenant_licences"}
    for key, fname in simple.items():
        if key in entry:
            value = entry[key]
            if key == "usage_location" and value == "":
                value = None
            if getattr(user, fname) != value:
                changes[fname] = value
    return changes


def _password_differs(user: DirectoryUser, password: str) -> bool:
    account = user.account
    if account is None or user.must_change_password or not account.has_usable_password():
        return True
    return not check_password(password, account.password)  # no setter: never rehashes (no write)


def _apply_users_phase_a(plans: dict[str, UserPlan], skus: dict[str, Sku], summary: _Summary) -> dict[str, DirectoryUser]:
    """Creations, profile changes, deletions and licence removals (they free seats first)."""
    users: dict[str, DirectoryUser] = {}
    for key, plan in plans.items():
        entry = plan.entry
        if plan.target == "hard":
            if plan.existing is not None:
                dir_svc.directory_user_purge(user=plan.existing)
                summary.add("users", "purged")
            else:
                summary.add("users", "unchanged")
            continue
        if plan.existing is None:
            profile = {USER_PROFILE[k]: entry[k] for k in USER_PROFILE if k in entry}
            user, _ = dir_svc.directory_user_create(
                user_principal_name=entry["upn"], **profile,
                usage_location=entry.get("usage_location"), account_enabled=entry.get("enabled", True),
                user_type=entry.get("user_type", DirectoryUserType.MEMBER),
                admin_roles=entry.get("admin_roles", ()), custom_attributes=entry.get("custom_attributes") or {},
                home_tenant_licences=entry.get("home_tenant_licences", ()),
                password=entry.get("password"), temporary_password=False,
            )
            if plan.target == "soft":
                dir_svc.directory_user_delete(user=user)
                dir_svc.licences_set(user=user, skus=[skus[s] for s in plan.licences])  # kept, no seat taken
                summary.add("users", "deleted")
            summary.add("users", "created")
            users[key] = user
            continue

        user = plan.existing
        changed = False
        removed = plan.current_licences - set(plan.licences)
        for sku in sorted(removed):
            dir_svc.licence_remove(user=user, sku=skus[sku])
            changed = True
        profile = _profile_changes(plan)
        if profile:
            dir_svc.directory_user_update(user=user, **profile)
            changed = True
        if "admin_roles" in entry and set(entry["admin_roles"]) != plan.current_roles:
            dir_svc.admin_roles_set(user=user, roles=entry["admin_roles"])
            changed = True
        if entry.get("password") is not None and _password_differs(user, entry["password"]):
            dir_svc.directory_user_set_password(user=user, password=entry["password"])
            changed = True
        if plan.target == "soft" and not user.deleted_state:
            dir_svc.directory_user_delete(user=user)
            summary.add("users", "deleted")
            changed = True
        if plan.target == "soft":
            for sku in plan.licences:
                if sku not in plan.current_licences:
                    dir_svc.licence_assign(user=user, sku=skus[sku])  # a deleted user's licence takes no seat
                    changed = True
        summary.add("users", "updated" if changed else "unchanged")
        users[key] = user
    return users


def _apply_users_phase_b(plans: dict[str, UserPlan], users: dict[str, DirectoryUser], skus: dict[str, Sku],
                         summary: _Summary) -> None:
    """Restores and licence additions, once every seat the file frees is free."""
    for key, plan in plans.items():
        if plan.target != "":
            continue
        user = users[key]
        if user.deleted_state == DeletedState.SOFT:
            dir_svc.directory_user_restore(user=user)
            summary.add("users", "restored")
        held = plan.current_licences if plan.existing is not None else set()
        for sku in plan.licences:
            if sku not in held:
                dir_svc.licence_assign(user=user, sku=skus[sku])


def _find_user(key: str, users: dict[str, DirectoryUser], db: _Directory) -> DirectoryUser:
    return users.get(key) or db.match(key)


def _apply_groups(spec: dict, groups: dict, users: dict[str, DirectoryUser], db: _Directory,
                  summary: _Summary) -> dict[str, DirectoryGroup]:
    objects = dict(db.groups)
    resolved = groups["resolved"]
    changed: set[str] = set()
    for g in spec["groups"]:
        key = g["name"].lower()
        group = objects.get(key)
        if group is None:
            objects[key] = dir_svc.group_create(name=g["name"], group_type=g.get("type", GroupType.SECURITY))
            summary.add("groups", "created")
            changed.add(key)
        elif g["name"] != group.name or ("type" in g and g["type"] != group.group_type):
            dir_svc.group_update(group=group, name=g["name"], group_type=g.get("type"))
            changed.add(key)

    members = defaultdict(set)
    nested = defaultdict(set)
    for group_id, user_id, child_id in GroupMembership.objects.values_list("group_id", "user_id", "member_group_id"):
        (members[group_id] if user_id else nested[group_id]).add(user_id or child_id)
    owners = defaultdict(set)
    for group_id, user_id in GroupOwner.objects.values_list("group_id", "user_id"):
        owners[group_id].add(user_id)

    wanted: dict[str, tuple] = {}
    for key, item in resolved.items():
        group = objects[key]
        if item["owners"] is not MISSING:
            owner_objs = [_find_user(u, users, db) for u in item["owners"]]
            if {u.pk for u in owner_objs} != owners[group.pk]:
                dir_svc.group_owners_set(group=group, users=owner_objs)
                changed.add(key)
        if item["users"] is not MISSING:
            user_objs = [_find_user(u, users, db) for u in item["users"]]
            group_objs = [objects[n] for n in item["groups"]]
            if {u.pk for u in user_objs} != members[group.pk] or {g.pk for g in group_objs} != nested[group.pk]:
                wanted[key] = (group, user_objs, group_objs)
                changed.add(key)
    # Removals of every group first, then additions: the final graph has no cycle (checked),
    # so no step on the way makes one.
    for group, user_objs, group_objs in wanted.values():
        keep = [g for g in group_objs if g.pk in nested[group.pk]]
        dir_svc.group_members_set(group=group, users=user_objs, groups=keep)
    for group, user_objs, group_objs in wanted.values():
        for child in group_objs:
            if child.pk not in nested[group.pk]:
                dir_svc.group_member_add(group=group, member_group=child)
    for g in spec["groups"]:
        key = g["name"].lower()
        if key in db.groups:
            summary.add("groups", "updated" if key in changed else "unchanged")
    return objects


def _apply_environments(planned: list[dict], groups: dict[str, DirectoryGroup], users: dict[str, DirectoryUser],
                        db: _Directory, summary: _Summary) -> None:
    # Environments that stop being Default go first, so that another may become it (ENV-06).
    planned = sorted(planned, key=lambda p: p["entry"].get("type") == EnvironmentType.DEFAULT)
    for p in planned:
        e, env = p["entry"], p["existing"]
        refs: dict = {}
        for ref in ("security_group", "teams_group"):
            if ref in e:
                refs[ref] = groups[e[ref].lower()] if e[ref] else None
        if "created_by" in e:
            refs["created_by"] = _find_user(e["created_by"].lower(), users, db) if e["created_by"] else None
        plain = {k: e[k] for k in ENV_KEYS if k in e and k not in ("name", "ad_users", *refs)}
        if env is None:
            values = {**{k: v for k, v in ENV_DEFAULTS.items()}, **plain, **refs}
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
    same file twice writes nothing the second time. Returns counts per kind of object."""
    spec = parse(data)
    with transaction.atomic():
        db = _Directory()
        plans = _plan_users(spec, db)
        _check_seats(spec, db, plans)
        groups_plan = _plan_groups(spec, db, plans)
        envs_plan = _plan_environments(spec, db, plans, groups_plan)

        summary = _Summary()
        if spec["tenant"] or Tenant.objects.count() == 0:
            _apply_tenant(spec, summary)
        skus = _apply_skus(spec, db, summary)
        _apply_apps(spec, summary)
        users = _apply_users_phase_a(plans, skus, summary)
        _apply_users_phase_b(plans, users, skus, summary)
        groups = _apply_groups(spec, groups_plan, users, db, summary)
        _apply_environments(envs_plan, groups, users, db, summary)
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
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RuleViolation(TENANT_FILE, f"{path}: invalid JSON ({exc}).") from None
    return load_tenant(data)
