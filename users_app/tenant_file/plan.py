"""The tenant file's plan: references and rules checked against the database and the file
together, on the final state (`not-found`, `user_principal_name`, DIR-02, DIR-06, DIR-10,
ENV-02, ENV-06, ENV-07, ONPREM-01), before anything is written. The rules' own checks decide;
the plan only words their refusals for the file."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from environments_app.choices import Deployment, EnvironmentType
from environments_app.models import Environment
from users_app import bulk
from users_app.choices import DeletedState, GroupType
from users_app.models import AdminRoleAssignment, DirectoryGroup, DirectoryUser, GroupMembership, LicenceAssignment, Sku
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput, RuleViolation

from .schema import ENV_DEFAULTS, MISSING, NOT_FOUND, USER_PROFILE, _fail

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
                raise InvalidInput(NOT_FOUND, f"{entry['upn']}: no licence (SKU) {sku.upper()} in the file or the tenant.")
        plan = UserPlan(entry=entry, existing=existing, target=target, licences=licences,
                        current_licences=set(current_licences),
                        current_roles=set(db.roles.get(existing["id"], set())) if existing else set())
        if target != "hard":
            usage = entry["usage_location"] if "usage_location" in entry else (existing["usage_location"] if existing else None)
            if licences:
                try:
                    rules.check_usage_location(usage_location=usage)
                except RuleViolation as exc:
                    raise exc.reworded(f"{entry['upn']} is given licences but has no usage location; "
                                       "set usage_location (a two-letter country code) first.") from None
            if existing is None and plan.key in db.taken:
                raise InvalidInput("user_principal_name", f"{entry['upn']}: the user name is already in use in the "
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
        try:
            rules.check_licence_seats(sku_name=name, seats=total, used=count, adding=0)
        except RuleViolation as exc:
            raise exc.reworded(f"The file assigns {count} licences of {name} ({key.upper()}) "
                               f"but it has {total} seats.") from None


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
                    raise InvalidInput(NOT_FOUND, f"Group {g['name']}: member {name} is permanently deleted in the "
                                                   "file; remove it from the members.")
                else:
                    raise InvalidInput(NOT_FOUND, f"Group {g['name']}: member {name} is neither a user nor a group "
                                                   "of the file or the tenant.")
            item["users"], item["groups"] = list(dict.fromkeys(users)), list(dict.fromkeys(groups))
        if "owners" in g:
            for name in g["owners"]:
                if not user_exists(name):
                    raise InvalidInput(NOT_FOUND, f"Group {g['name']}: owner {name} is not a user of the file or the tenant.")
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
    rules.check_no_group_cycle(edges)
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
                raise InvalidInput(NOT_FOUND, f"{where}: {ref} {name} is not a group of the file or the tenant.")
        creator = e.get("created_by")
        if creator:
            plan = plans.get(creator.lower())
            if (plan is not None and plan.target == "hard") or (plan is None and db.match(creator) is None):
                raise InvalidInput(NOT_FOUND, f"{where}: created_by {creator} is not a user of the file or the tenant.")
        has_group = bool(e["security_group"]) if "security_group" in e else bool(env and env.security_group_object_id)
        try:
            rules.check_security_group_allowed(env_type=env_type, has_security_group=has_group)
        except RuleViolation as exc:  # "A Teams environment ..." -> "Environment X: a Teams environment ..."
            raise exc.reworded(f"{where}: {exc.message[:1].lower()}{exc.message[1:]}") from None
        if env_type == EnvironmentType.DEFAULT:
            final_defaults.add(key)
        else:
            final_defaults.discard(key)
        if e.get("teams_group"):
            try:
                rules.check_teams_group_type(group_name=e["teams_group"], group_type=types[e["teams_group"].lower()])
            except RuleViolation as exc:
                raise exc.reworded(f"{where}: teams_group {e['teams_group']} must be a Microsoft 365 group "
                                   "(type m365).") from None
        dataverse, deployment = final("dataverse"), final("deployment")
        if deployment == Deployment.ON_PREMISES and not dataverse:
            _fail(f"{where}: an on-premises deployment always has its database (dataverse true).")
        if env is not None:
            if "deployment" in e and e["deployment"] != env.deployment:
                _fail(f"{where}: the deployment of an existing environment cannot change.")
            if "dataverse" in e:
                rules.check_dataverse_kept(name=where, had_dataverse=env.dataverse, dataverse=e["dataverse"])
        try:
            rules.check_ad_users_on_premises(name=where, on_premises=deployment == Deployment.ON_PREMISES,
                                             has_ad_users=bool(e.get("ad_users")))
        except RuleViolation as exc:
            raise exc.reworded(f"{where} is online: ad_users are for on-premises environments.") from None
        planned.append({"entry": e, "existing": env})
    try:
        rules.check_one_default_environment(defaults=final_defaults)
    except RuleViolation as exc:
        raise exc.reworded("The tenant can have only one Default environment; the file would leave "
                           f"{len(final_defaults)}.") from None
    return planned
