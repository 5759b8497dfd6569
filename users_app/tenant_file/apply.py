"""The tenant file's apply step: write only what differs from the plan, set-based (bulk.Writer),
every row stamped with the load's one change number; the few lifecycle changes (passwords,
deletions, restores) and the environments go through their services, which keep their rules."""
from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from operator import itemgetter

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, is_password_usable

from environments_app.choices import EnvironmentType
from users_app import bulk
from users_app.bulk import DbId
from users_app.changes import change_number_next
from users_app.choices import DeletedState, DirectoryUserType, GroupType, SkuKind
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
from users_app.services import directory as dir_svc
from users_app.services import environments as env_svc

from .plan import MISSING, UserPlan, _Directory, _json, _login_name
from .schema import ENV_DEFAULTS, ENV_KEYS, USER_PROFILE

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
    """Create or rename app registrations; `permissions`, when given, become exactly the Microsoft
    Graph application permissions granted to the app (admin consent, through its service)."""
    existing = {a.app_id: a for a in AppRegistration.objects.filter(app_id__in=[a["app_id"] for a in spec["apps"]])}
    for a in spec["apps"]:
        app = existing.get(a["app_id"])
        outcome = "unchanged"
        if app is None:
            app, _secret = dir_svc.app_registration_create(name=a.get("name") or str(a["app_id"]), app_id=a["app_id"])
            outcome = "created"
        elif "name" in a and a["name"] != app.name:
            dir_svc.app_registration_update(app=app, name=a["name"])
            outcome = "updated"
        if "permissions" in a and sorted(set(a["permissions"])) != sorted(app.application_permissions or []):
            dir_svc.app_registration_set_permissions(app=app, permissions=a["permissions"])
            outcome = "updated" if outcome == "unchanged" else outcome
        summary.add("apps", outcome)


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
                username = dir_svc.username_for(upn)
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


def _difference(want: set, current: dict) -> tuple[list, list]:
    """From `current` ({id: row id}) to `want`: the ids whose rows go, and the ids to add."""
    return [x for x in current if x not in want], [x for x in want if x not in current]


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
            gone, new = _difference({_user_id(u, ids, db) for u in item["owners"]}, owners[group_id])
            owner_deletes += [owners[group_id][u] for u in gone]
            removed_from.update(gone)
            owner_rows += [{"group_id": group_id, "user_id": u} for u in new]
            if gone or new:
                changed.add(key)
        if item["users"] is not MISSING:
            gone, new = _difference({_user_id(u, ids, db) for u in item["users"]}, members[group_id])
            member_deletes += [members[group_id][u] for u in gone]
            removed_from.update(gone)
            member_rows += [{"group_id": group_id, "user_id": u} for u in new]
            gone_groups, new_groups = _difference({group_ids[n] for n in item["groups"]}, nested[group_id])
            member_deletes += [nested[group_id][g] for g in gone_groups]
            nested_rows += [{"group_id": group_id, "member_group_id": g} for g in new_groups]
            if gone or new or gone_groups or new_groups:
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
