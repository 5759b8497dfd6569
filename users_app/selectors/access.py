"""Reads of the access pages (issue 12): where a directory user gets in, where a group's members
get in, and what the next sync of an environment will do. Nothing here writes.

- A user: in every environment, the engine's own decision (engine.decide over the snapshots of
  provisioning/snapshots.py) for an on-demand trigger, as Run diagnostics decides it without its
  refresh (DIAG-01): one decision per environment.
- A group: the set-based decider of the background sync (provisioning/background.py), once per
  distinct combination of what the rules read, over the group's members, nested groups included.
- Pending: services.previews.pending, the real sync rehearsed and rolled back.

The verdict is DIAG-01's: "gets in" when no ELIG check fails, and the rules that keep a user out
are the failing ELIG checks, in the order refused_by names them.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.functions import Lower

from environments_app.models import Environment
from users_app import bulk
from users_app.choices import AccessMode, SyncStatus, SyncTrigger, UserType
from users_app.models import DirectoryGroup, DirectoryUser, GroupMembership, SyncRun, SystemUser
from users_app.provisioning import rules, snapshots
from users_app.provisioning.background import FULL_PASS_SHARE, _Decider, _read_directory
from users_app.provisioning.engine import decide
from users_app.provisioning.types import Action, CheckResult, Decision, Trigger
from users_app.services import previews

# A group's members are read this many at a time (an IN list every database takes): the cost
# follows the group's size, not the tenant's.
READ_CHUNK = 2000


def _verdict(decision: Decision) -> tuple[bool, tuple[str, ...]]:
    """(gets in, the rules that keep the user out): DIAG-01's verdict, no ELIG check failing. A
    decision without checks (an on-premises environment, ONPREM-01) is its refusal."""
    if not decision.checks:
        return not decision.refused_by, tuple(decision.refused_by)
    failing = tuple(c.rule for c in decision.checks if c.failed and c.rule.startswith("ELIG-"))
    return not failing, failing


def _online(environment: Environment) -> bool:
    return environment.dataverse and not environment.is_on_premises


# --- One user, every environment -----------------------------------------------------------------


@dataclass
class EnvironmentAccess:
    """One environment's row of a user's access page."""

    environment: Environment
    record: dict | None  # the user's SystemUser (state, access mode), None when there is none
    stub: bool  # no record, but a stub user holds the user name (an add takes it over, STUB-05)
    decision: Decision
    gets_in: bool
    rules: tuple[str, ...]
    checks: list[CheckResult] = field(default_factory=list)  # every check, in DIAG-01 order (+ MODE-03)

    @property
    def online(self) -> bool:
        return _online(self.environment)

    @property
    def state(self) -> str:
        if self.record is None:
            return "stub" if self.stub else "absent"
        return "disabled" if self.record["isdisabled"] else "enabled"

    @property
    def access_mode(self) -> str:
        return AccessMode(self.record["accessmode"]).label if self.record else ""

    @property
    def failing(self) -> list[CheckResult]:
        return [c for c in self.checks if c.failed]

    @property
    def next_step(self) -> str:
        """What would change the user's access here: "add" (Add user lets them in), "refresh"
        (Refresh user applies the verdict to the record now: enables or disables it), "fix" (a
        failing check keeps them out: its fix), or "" (nothing to do)."""
        action = self.decision.action
        if self.environment.is_on_premises:
            return ""  # ONPREM-01: directory users are not synchronised there
        if action == Action.ADD:
            return "add"
        if action in (Action.ENABLE, Action.DISABLE):
            return "refresh"
        return "fix" if self.failing else ""


def user_access(*, directory_user: DirectoryUser) -> list[EnvironmentAccess]:
    """Every environment, by name, with the user's record there and the rules' verdict now: one
    decision per environment (engine.decide, an on-demand trigger: what Add user, a first access
    or a refresh would decide), over snapshots read in a few queries per environment."""
    environments = list(Environment.objects.order_by(Lower("name")))
    user = snapshots.directory_snapshots([directory_user.id]).get(directory_user.id)
    if user is None or not environments:
        return []
    rows = {row["environment_id"]: row for row in SystemUser.objects.filter(
        environment__in=environments, azureactivedirectoryobjectid=directory_user.id)
        .values("environment_id", "systemuserid", *snapshots.RECORD_FIELDS)}
    stubs = set(SystemUser.objects.filter(environment__in=environments, user_type=UserType.STUB,
                                          domainname__iexact=user.upn).values_list("environment_id", flat=True))
    answers = []
    for environment in environments:
        row = rows.get(environment.pk)
        record = None
        if row is not None:
            direct, via_teams = snapshots.role_names_by_record([row["id"]], environment)
            lost = snapshots.app_pass_units_lost(environment) if row["uses_app_pass"] and not row["isdisabled"] else frozenset()
            record = snapshots.record_snapshot(row, direct.get(row["id"], ()), via_teams.get(row["id"], ()), app_pass_lost=lost)
        decision = decide(user=user, environment=snapshots.environment_snapshot(environment), record=record,
                          trigger=Trigger.ADMIN)
        checks = [*decision.checks, *decision.extra]
        if record is not None and not environment.is_on_premises:
            checks.append(rules.check_sign_in_allowed(record))  # MODE-03, as Run diagnostics adds it
        gets_in, refusing = _verdict(decision)
        answers.append(EnvironmentAccess(environment=environment, record=row, stub=environment.pk in stubs,
                                         decision=decision, gets_in=gets_in, rules=refusing, checks=checks))
    return answers


def record_directory_user_id(*, systemuserid):
    """The directory user of an environment's user record (None for those not synchronised)."""
    return SystemUser.objects.filter(systemuserid=systemuserid).values_list("azureactivedirectoryobjectid", flat=True).first()


# --- A group's members, every environment ----------------------------------------------------------


@dataclass
class GroupEnvironmentAccess:
    environment: Environment
    members: int
    gets_in: int
    enabled_now: int  # members with an enabled record here now
    reasons: list[tuple[tuple[str, ...], int]]  # the rules keeping members out, most first
    users: list[dict] = field(default_factory=list)  # one per member: id, upn, gets_in, rules, state

    @property
    def kept_out(self) -> int:
        return self.members - self.gets_in

    @property
    def online(self) -> bool:
        return _online(self.environment)


def group_member_ids(group: DirectoryGroup) -> set:
    """The users in the group, directly or through groups nested in it at any depth (DIR-06)."""
    children: dict = defaultdict(set)
    for parent, child in GroupMembership.objects.filter(member_group__isnull=False).values_list("group_id", "member_group_id"):
        children[parent].add(child)
    groups = {group.pk} | snapshots.reachable([group.pk], children)
    return set(GroupMembership.objects.filter(group_id__in=list(groups), user__isnull=False)
               .values_list("user_id", flat=True).distinct())


def _read_members(env, environment: Environment, member_ids: set):
    """What the rules read of the members, and their records here: READ_CHUNK users at a time, or,
    for a group holding a large share of the directory, the whole directory in one pass (as the
    background sync chooses, FULL_PASS_SHARE), the members kept."""
    if len(member_ids) > FULL_PASS_SHARE * max(DirectoryUser.objects.count(), 1):
        directory = _read_directory(env, None)
        wanted = {bulk.db_id(uid) for uid in member_ids}
        directory.rows = [row for row in directory.rows if row[0] in wanted]
        return directory, snapshots.records_of(environment)
    ids = sorted(member_ids)
    directory, records = None, []
    for start in range(0, len(ids), READ_CHUNK):
        chunk = set(ids[start:start + READ_CHUNK])
        part = _read_directory(env, chunk)
        if directory is None:
            directory = part
        else:
            directory.rows += part.rows
            for name in ("kinds", "admin", "direct", "owned"):
                getattr(directory, name).update(getattr(part, name))
        records += snapshots.records_of(environment, filters=Q(azureactivedirectoryobjectid__in=list(chunk)))
    return directory, records


def _environment_members(environment: Environment, member_ids: set) -> list[dict]:
    """Each member's verdict in one environment: the background sync's decider, memoised on what
    the rules read, so thousands of members cost a few queries and a few decisions."""
    env = snapshots.environment_snapshot(environment)
    directory, records = _read_members(env, environment, member_ids)
    rows = directory.rows
    by_object = {bulk.db_id(r["azureactivedirectoryobjectid"]): r for r in records if r["azureactivedirectoryobjectid"]}
    lost = snapshots.app_pass_units_lost(environment) if any(r["uses_app_pass"] for r in by_object.values()) else frozenset()
    decider = _Decider(env, directory)
    verdicts: dict = {}  # one per distinct decision
    answers = []
    for row in rows:
        record_row = by_object.get(row[0])
        record = snapshots.record_snapshot(record_row, app_pass_lost=lost) if record_row is not None else None
        decision = decider.decide(decider.user_key(row), record, env.app_pass_capacity_left)
        gets_in, refusing = verdicts.get(id(decision)) or verdicts.setdefault(id(decision), _verdict(decision))
        state = "absent" if record_row is None else ("disabled" if record_row["isdisabled"] else "enabled")
        answers.append({"id": row[0], "upn": row[1], "gets_in": gets_in, "rules": refusing, "state": state})
    answers.sort(key=lambda a: a["upn"].lower())
    return answers


def group_access(*, group: DirectoryGroup) -> list[GroupEnvironmentAccess]:
    """For every environment, by name: how many of the group's members (nested groups included)
    get in, how many do not and by which rules, and each member's verdict (for the paged list)."""
    member_ids = group_member_ids(group)
    answers = []
    for environment in Environment.objects.order_by(Lower("name")):
        users = _environment_members(environment, member_ids) if member_ids else []
        reasons = Counter(u["rules"] for u in users if not u["gets_in"])
        answers.append(GroupEnvironmentAccess(
            environment=environment, members=len(users), gets_in=sum(u["gets_in"] for u in users),
            enabled_now=sum(u["state"] == "enabled" for u in users),
            reasons=sorted(reasons.items(), key=lambda item: (-item[1], item[0])), users=users))
    return answers


def members_shown(users: list[dict], *, verdict: str = "", rules_filter: str = "") -> list[dict]:
    """The members a group access list shows: all, those who get in ("in"), those kept out
    ("out"), or those kept out by exactly these rules (comma-separated IDs)."""
    if rules_filter:
        wanted = tuple(r for r in rules_filter.split(",") if r)
        return [u for u in users if not u["gets_in"] and u["rules"] == wanted]
    if verdict in ("in", "out"):
        return [u for u in users if u["gets_in"] == (verdict == "in")]
    return users


def with_names(users) -> list[dict]:
    """A page of members with their display names and directory ids (one query)."""
    users = list(users)
    found = {upn: (uid, name) for upn, uid, name in DirectoryUser.objects.filter(
        user_principal_name__in=[u["upn"] for u in users]).values_list("user_principal_name", "id", "display_name")}
    return [{**u, "user_id": found.get(u["upn"], (None, ""))[0], "name": found.get(u["upn"], (None, ""))[1] or u["upn"]}
            for u in users]


# --- What the next sync will do -----------------------------------------------------------------------


def background_sync_running(*, environment: Environment) -> bool:
    """A background run of the environment is under way (it holds the environment's lock, SYNC-01)."""
    return SyncRun.objects.filter(environment=environment, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.RUNNING).exists()


def environment_pending(*, environment: Environment) -> previews.EnvironmentImpact | None:
    """What the next background sync of the environment will do now (services.previews.pending:
    the real sync, rehearsed and rolled back). None where nothing is synchronised (no Dataverse,
    or on premises), and while a background run is under way (what it will leave pending is not
    known until it ends; the rehearsal itself would not wait for it)."""
    if not _online(environment) or background_sync_running(environment=environment):
        return None
    impact = previews.pending(environments=[environment])
    return impact.environments[0] if impact.environments else None


def changes_with_links(environment: Environment, changes) -> list[dict]:
    """A page of pending changes with each user's directory id and record id here (two queries).
    `user` is the UPN, the original UPN of a deleted user (DIR-11), or a record's user name."""
    changes = list(changes)
    named = [c["user"] for c in changes]
    ids: dict = {}
    for upn, original, uid in DirectoryUser.objects.annotate(upn_lower=Lower("user_principal_name")).filter(
            Q(upn_lower__in=[n.lower() for n in named]) | Q(original_user_principal_name__in=named)).values_list(
            "user_principal_name", "original_user_principal_name", "id"):
        ids[upn.lower()] = uid
        if original:
            ids.setdefault(original.lower(), uid)
    records = dict(SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid__in=list(ids.values()))
                   .values_list("azureactivedirectoryobjectid", "systemuserid")) if ids else {}
    shown = []
    for change in changes:
        uid = ids.get(change["user"].lower())
        shown.append({**change, "user_id": uid, "systemuserid": records.get(uid)})
    return shown
