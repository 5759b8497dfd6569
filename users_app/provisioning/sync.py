"""The triggers of the rules engine: where its decisions are applied.

Every trigger goes through here: the background sync of an environment
(SYNC-01, SYNC-05, SYNC-08; set-based, background.py), first access (SYNC-02),
admin add (SYNC-03), refresh (SYNC-04) and diagnostics (DIAG-03). Each builds
snapshots, calls engine.decide, writes only what changed through the one
writer (writes.py), in one transaction, and records a SyncRun (SYNC-07).
"""
from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from environments_app.models import Environment
from users_app import bulk
from users_app.changes import change_counter
from users_app.choices import MembershipType, SyncStatus, SyncTrigger, TeamType, UserType
from users_app.models import DirectoryUser, GroupMembership, GroupOwner, SyncRun, SystemUser, Team, TeamMembership

from . import background, rules, snapshots
from .engine import decide
from .outcomes import REPORTED_COLUMNS, SYNC_06, conflict_entry, conflicts_among, decision_entry, outcome_of
from .types import Action, CheckResult, Decision, EnvironmentSnapshot, Trigger, UserSnapshot
from .writes import RecordWriter, apply_decision


def _audited(name: str):
    """A one-user trigger a person starts is an audited action (users_app.services.records)."""
    from users_app.services.records import audited_user_sync

    return audited_user_sync(name)


STALE_RUN_AFTER = timedelta(hours=1)
KEEP_EMPTY_RUNS_FOR = timedelta(days=1)


@dataclass
class UserSyncResult:
    """What one trigger did to one user's record (the JSON of sign_in, add_user, refresh_user)."""

    environment: str
    user: str
    outcome: str
    status: str
    refused_by: list[str] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)
    decision: Decision | None = None
    systemuser: SystemUser | None = None
    run: SyncRun | None = None

    def as_dict(self) -> dict:
        return {"environment": self.environment, "user": self.user, "outcome": self.outcome, "status": self.status,
                "refused_by": list(self.refused_by), "changed_fields": list(self.changed_fields)}


@dataclass
class Diagnosis:
    """DIAG-01: the checks of one user in one environment, after a refresh (DIAG-03)."""

    environment: str
    user: str
    status: str
    verdict: str
    checks: list[CheckResult]
    refresh: UserSyncResult | None = None

    def as_dict(self) -> dict:
        return {"environment": self.environment, "user": self.user, "status": self.status, "verdict": self.verdict,
                "checks": [c.as_dict() for c in self.checks]}


# --- Runs ------------------------------------------------------------------------------


def _start_run(environment: Environment, trigger: str, *, initiated_by: str = "", full: bool = True,
               wait: bool = True, timeout: float = 600.0, queued_run: SyncRun | None = None) -> SyncRun:
    """Create the run row (or move a queued one to running). A background sync takes the
    environment's lock (one running background run per environment, a conditional unique
    constraint) and waits for a running one."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with transaction.atomic():
                if queued_run is not None:
                    SyncRun.objects.filter(pk=queued_run.pk).update(status=SyncStatus.RUNNING, started_at=timezone.now())
                    queued_run.refresh_from_db()
                    return queued_run
                return SyncRun.objects.create(environment=environment, trigger=trigger, status=SyncStatus.RUNNING,
                                              initiated_by=initiated_by, full=full)
        except IntegrityError:
            stale = timezone.now() - STALE_RUN_AFTER
            SyncRun.objects.filter(environment=environment, trigger=trigger, status=SyncStatus.RUNNING,
                                   started_at__lt=stale).update(status=SyncStatus.FAILED, error="Abandoned run.")
            if not wait or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _finish_run(run: SyncRun, counts: dict, decisions: list[dict], *, status=SyncStatus.SUCCEEDED, error="") -> SyncRun:
    for name, value in counts.items():
        setattr(run, name, value)
    run.decisions = decisions
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save()
    return run


def sync_runs_prune(*, environment: Environment, now=None) -> int:
    """SYNC-07: background runs that changed nothing are kept for a day, then only the latest."""
    now = now or timezone.now()
    empty = SyncRun.objects.filter(environment=environment, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.SUCCEEDED,
                                   added=0, enabled=0, disabled=0, updated=0)
    latest = empty.order_by("-started_at", "-id").values_list("id", flat=True).first()
    deleted, _ = empty.filter(started_at__lt=now - KEEP_EMPTY_RUNS_FOR).exclude(id=latest).delete()
    return deleted


# --- Background sync ---------------------------------------------------------------------


def environment_sync(*, environment: Environment, initiated_by: str = "", full: bool = True, wait: bool = True,
                     queued_run: SyncRun | None = None, rehearsal: bool = False) -> SyncRun:
    """SYNC-01: apply the directory to one environment by the trigger table, set-based
    (background.py). Unless `full`, only what changed since the environment's last completed
    run is read; a change that concerns everyone (tenant-wide, or the environment's settings)
    makes it a full pass anyway. `rehearsal` (an impact preview, rolled back by its caller):
    the run takes no lock, so that it never waits for a running background sync; its row is
    written only when it ends."""
    if rehearsal:
        run = SyncRun(environment=environment, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.RUNNING,
                      initiated_by=initiated_by, full=full)
    else:
        run = _start_run(environment, SyncTrigger.SCHEDULE, initiated_by=initiated_by, full=full, wait=wait,
                         queued_run=queued_run)
    try:
        try:
            with transaction.atomic():
                counts, decisions = _environment_sync_body(environment, run, full=full)
        except IntegrityError:
            # SYNC-06 conflicts are found before writing; one can still come from a request that wrote
            # between the run's reads and its writes (a sign-in adding the same user): decide again.
            with transaction.atomic():
                counts, decisions = _environment_sync_body(environment, run, full=full)
    except Exception as exc:  # a configuration error stops the run and is recorded
        _finish_run(run, {}, [], status=SyncStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        if isinstance(exc, IntegrityError):
            raise rules.sync_write_refusal(environment.name) from exc
        raise
    _finish_run(run, counts, decisions)
    sync_runs_prune(environment=environment)
    return run


def _environment_sync_body(environment: Environment, run: SyncRun, *, full: bool) -> tuple[dict, list[dict]]:
    # The counter first: every change numbered up to it is visible to the reads that follow.
    run.change_number, tenant_wide = change_counter()
    if not environment.dataverse or environment.is_on_premises:
        return dict.fromkeys(SyncRun.COUNT_FIELDS, 0), []  # ENV-02, ONPREM-01: nothing to synchronise
    since = None if full else _last_change_number(environment)
    settings_changed = Environment.objects.filter(pk=environment.pk, change_number__gt=since or 0).exists()
    if since is not None and (tenant_wide > since or settings_changed):
        since = None
    recheck = _last_conflicts(environment) if since is not None else frozenset()
    counts, decisions, run.full = background.sync_body(
        environment, since=since, recheck=recheck, entry_for=lambda decision, outcome, changed: decision_entry(
            background.UPN_PLACEHOLDER, outcome, decision, changed))
    return counts, decisions


def _last_run(environment: Environment):
    return SyncRun.objects.filter(environment=environment, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.SUCCEEDED,
                                  change_number__isnull=False).order_by("-id")


def _last_change_number(environment: Environment) -> int | None:
    """Where the last completed background run of the environment stopped reading."""
    return _last_run(environment).values_list("change_number", flat=True).first()


def _last_conflicts(environment: Environment) -> frozenset:
    """The directory users whose write SYNC-06 refused in the last completed background run."""
    decisions = _last_run(environment).values_list("decisions", flat=True).first() or []
    return frozenset(uuid.UUID(e["object_id"]) for e in decisions if e.get("outcome") == "conflict" and e.get("object_id"))


def environment_sync_queue(*, environment: Environment, initiated_by: str = "schedule") -> SyncRun | None:
    """The periodic sync's first step: a queued run for the environment's task, unless one already
    waits (a conditional unique constraint keeps one queued background run per environment).
    Environments without Dataverse and on-premises ones have nothing to synchronise (ENV-02, ONPREM-01)."""
    if not environment.dataverse or environment.is_on_premises:
        return None
    try:
        with transaction.atomic():
            return SyncRun.objects.create(environment=environment, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.QUEUED,
                                          initiated_by=initiated_by)
    except IntegrityError:
        return None


def environment_sync_queued(*, run_id: int) -> SyncRun:
    """Run a queued background sync (the task's body); a run gone from the queue is left alone."""
    run = SyncRun.objects.select_related("environment").get(pk=run_id)
    if run.status != SyncStatus.QUEUED:
        return run
    return environment_sync(environment=run.environment, initiated_by=run.initiated_by, full=False, queued_run=run)


def directory_sync(*, environments=None, initiated_by: str = "", full: bool = True,
                   rehearsal: bool = False) -> list[SyncRun]:
    """The background sync of every environment (or the given ones), sorted by name."""
    qs = environments if environments is not None else Environment.objects.order_by(Lower("name"))
    return [environment_sync(environment=env, initiated_by=initiated_by, full=full, rehearsal=rehearsal) for env in qs]


# --- One user: sign-in, admin add, refresh, diagnostics -------------------------------------


def _one_user(environment: Environment, directory_user: DirectoryUser) -> tuple[EnvironmentSnapshot, UserSnapshot, dict | None, dict | None]:
    env = snapshots.environment_snapshot(environment)
    user = snapshots.directory_snapshots([directory_user.id])[directory_user.id]
    rows = snapshots.records_of(environment, filters=Q(azureactivedirectoryobjectid=directory_user.id))
    row = rows[0] if rows else None
    stub = None
    if row is None:
        stubs = snapshots.records_of(environment, filters=Q(user_type=UserType.STUB, domainname__iexact=user.upn))
        stub = stubs[0] if stubs else None
    return env, user, row, stub


def _release_upn(environment: Environment, user: UserSnapshot) -> None:
    """SYNC-08: a record of an older directory object holding this UPN is refreshed first, so
    that it takes the altered UPN of its deleted directory user and frees this one."""
    others = SystemUser.objects.filter(environment=environment, domainname__iexact=user.upn).exclude(
        Q(azureactivedirectoryobjectid=user.object_id) | Q(user_type=UserType.STUB)).exclude(azureactivedirectoryobjectid=None)
    for other in others:
        directory_user = DirectoryUser.objects.filter(id=other.azureactivedirectoryobjectid).first()
        if directory_user is not None:
            _apply_one(environment, directory_user, Trigger.REFRESH, record_run=False, release=False)


class _LostRace(IntegrityError):
    """Another request wrote this user's record between this one's read and its write."""


def _apply_one(environment: Environment, directory_user: DirectoryUser, trigger: Trigger, *,
               record_run: bool = True, initiated_by: str = "", release: bool = True, save_run: bool = True) -> UserSyncResult:
    """One user, one transaction. Two requests for the same new user at the same moment (two
    sign-ins, a sign-in and a sync) both decide "add": the database keeps one record (SYNC-06)
    and the request that lost the race decides again, now seeing the record. A user name another
    record keeps is found before writing and refuses the request by SYNC-06 (never a traceback)."""
    for attempt in range(3):
        try:
            return _apply_one_once(environment, directory_user, trigger, record_run=record_run,
                                   initiated_by=initiated_by, release=release, save_run=save_run)
        except IntegrityError as exc:
            if attempt == 2:
                raise rules.user_write_refusal(directory_user.login_name, environment.name) from exc
    raise AssertionError("unreachable")


def _apply_one_once(environment: Environment, directory_user: DirectoryUser, trigger: Trigger, *,
                    record_run: bool, initiated_by: str, release: bool = True, save_run: bool = True) -> UserSyncResult:
    with transaction.atomic():
        env, user, row, stub = _one_user(environment, directory_user)
        record = None
        if row is not None:
            direct, via_teams = snapshots.role_names_by_record([row["id"]], environment)
            lost = snapshots.app_pass_units_lost(environment) if row["uses_app_pass"] and not row["isdisabled"] else frozenset()
            record = snapshots.record_snapshot(row, direct.get(row["id"], ()), via_teams.get(row["id"], ()), app_pass_lost=lost)
        decision = decide(user=user, environment=env, record=record, trigger=trigger)
        target = row
        if row is None and decision.action == Action.ADD:
            target = stub
        online = environment.dataverse and not environment.is_on_premises
        conflict = False
        if online and decision.action not in (Action.LEAVE, Action.REFUSE) and (
                target is None or target["domainname"].lower() != user.upn.lower()):
            # The record is added or takes a new name: records of older directory objects holding
            # the name give it up first (SYNC-08); a name another record keeps refuses the write (SYNC-06).
            if release:
                _release_upn(environment, user)
            conflicts = conflicts_among([("this", target["domainname"] if target else None, user.upn)], environment)
            if "this" in conflicts and row is None and SystemUser.objects.filter(
                    environment=environment, azureactivedirectoryobjectid=user.object_id).exists():
                # Not a name another user keeps: a request for this same user (a sign-in, an add, a
                # sync) committed its record after this one read none. Decide again, now seeing it.
                raise _LostRace(f"{user.upn} was added by another request meanwhile")
            if "this" in conflicts:
                conflict = True
                entry = conflict_entry(user.upn, conflicts["this"], creating=target is None)
                status = "absent" if row is None else ("disabled" if row["isdisabled"] else "enabled")
                decision = dataclasses.replace(decision, action=Action.REFUSE, status=status, refused_by=(SYNC_06,),
                                               reason=entry["text"])
        changed: list[str] = []
        outcome = outcome_of(decision, [])
        systemuser = None
        if online and not conflict:
            writer = RecordWriter(environment, timezone.now())
            outcome, changed = apply_decision(writer, bulk.db_id(user.object_id), user.profile_dict(), target, decision)
            writer.flush()
            record_id = target["id"] if target else None
            systemuser = SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid=user.object_id).first() \
                if record_id is None else SystemUser.objects.get(id=record_id)
            if trigger == Trigger.SIGN_IN and systemuser is not None and not systemuser.isdisabled:
                group_teams_refresh(systemuser=systemuser, user=user)
        elif conflict and row is not None:
            systemuser = SystemUser.objects.get(id=row["id"])
        status = decision.status
        if systemuser is None and decision.action in (Action.LEAVE, Action.REFUSE) and row is None:
            status = "absent"
        refused_by = list(decision.refused_by) if (status != "enabled" or outcome == "refused") else []
        result = UserSyncResult(environment=environment.name, user=directory_user.login_name, outcome=outcome,
                                status=status, refused_by=refused_by,
                                changed_fields=[f for f in changed if f in REPORTED_COLUMNS],
                                decision=decision, systemuser=systemuser)
        if record_run:
            counts = dict.fromkeys(SyncRun.COUNT_FIELDS, 0)
            if outcome in counts:
                counts[outcome] += 1
            entry = {**(conflict_entry(user.upn, conflicts["this"], creating=target is None) if conflict
                        else decision_entry(user.upn, outcome, decision, changed)), "object_id": str(user.object_id)}
            run = SyncRun(environment=environment, trigger=trigger, status=SyncStatus.SUCCEEDED, full=False,
                          initiated_by=initiated_by, finished_at=timezone.now(), decisions=[entry],
                          refused=int(outcome == "refused"), **counts)
            result.run = run
    if record_run and save_run:
        # Recorded even when the request was refused (run records aside, nothing is written).
        result.run.save()
    return result


@_audited("Sign in to environment")
def user_sign_in(*, environment: Environment, directory_user: DirectoryUser) -> UserSyncResult:
    """SYNC-02: first access applies the table to the user at once."""
    return _apply_one(environment, directory_user, Trigger.SIGN_IN, initiated_by=directory_user.login_name)


@_audited("Add user")
def environment_user_add(*, environment: Environment, directory_user: DirectoryUser, initiated_by: str = "",
                         save_run: bool = True) -> UserSyncResult:
    """SYNC-03: an admin's on-demand add; reports which rules refused. Unless `save_run`, its run
    is left unsaved for the action that adds several users (environment_users_add)."""
    return _apply_one(environment, directory_user, Trigger.ADMIN, initiated_by=initiated_by, save_run=save_run)


def environment_users_add(*, environment: Environment, directory_users, initiated_by: str = "") -> list[UserSyncResult]:
    """SYNC-03 for one Add user action of several users: each user in its own transaction, as
    alone, and the action recorded as ONE run (SYNC-07) with a decision per user and the counts summed."""
    results: list[UserSyncResult] = []
    try:
        for directory_user in directory_users:
            results.append(environment_user_add(environment=environment, directory_user=directory_user,
                                                initiated_by=initiated_by, save_run=False))
    finally:
        runs = [r.run for r in results if r.run is not None]
        if runs:
            run = SyncRun.objects.create(
                environment=environment, trigger=SyncTrigger.ADMIN, status=SyncStatus.SUCCEEDED, full=False,
                initiated_by=initiated_by, finished_at=timezone.now(), decisions=[d for r in runs for d in r.decisions],
                refused=sum(r.refused for r in runs), **{name: sum(getattr(r, name) for r in runs) for name in SyncRun.COUNT_FIELDS})
            for result in results:
                result.run = run
    return results


@_audited("Refresh user")
def environment_user_refresh(*, environment: Environment, directory_user: DirectoryUser, initiated_by: str = "") -> UserSyncResult:
    """SYNC-04: refresh one record now; never adds."""
    return _apply_one(environment, directory_user, Trigger.REFRESH, initiated_by=initiated_by)


def environment_user_import_add(*, environment: Environment, directory_user: DirectoryUser) -> UserSyncResult:
    """STUB-05: an import's pre-provisioning is an on-demand add, recorded by the import's run."""
    return _apply_one(environment, directory_user, Trigger.IMPORT, record_run=False)


@_audited("Run diagnostics")
def environment_user_diagnose(*, environment: Environment, directory_user: DirectoryUser, initiated_by: str = "") -> Diagnosis:
    """DIAG-01/03: refresh from the directory first, then report every check."""
    rules.check_online(on_premises=environment.is_on_premises)
    refresh = _apply_one(environment, directory_user, Trigger.DIAGNOSE, initiated_by=initiated_by)
    decision = refresh.decision
    checks = list(decision.checks)
    systemuser = refresh.systemuser
    if systemuser is not None:
        checks.append(CheckResult("MODE-01", "pass", f"Access mode: {systemuser.get_accessmode_display()}"
                                  + (" (setup user, MODE-02)." if systemuser.setupuser else ".")))
        checks.append(rules.check_sign_in_allowed(snapshots.record_snapshot(
            {"isdisabled": systemuser.isdisabled, "accessmode": systemuser.accessmode, "user_type": systemuser.user_type,
             "uses_app_pass": systemuser.uses_app_pass, "non_interactive_slot": systemuser.non_interactive_slot})))
    verdict = "entitled" if decision.entitled else "not_entitled"
    return Diagnosis(environment=environment.name, user=directory_user.login_name, status=refresh.status,
                     verdict=verdict, checks=checks, refresh=refresh)


def group_teams_refresh(*, systemuser: SystemUser, user: UserSnapshot) -> None:
    """ROLE-07: group teams show a member after first access, by the team's membership type."""
    teams = list(Team.objects.filter(environment_id=systemuser.environment_id,
                                     teamtype__in=(TeamType.SECURITY_GROUP, TeamType.OFFICE_GROUP)))
    if not teams:
        return
    group_ids = [t.azureactivedirectoryobjectid for t in teams]
    member_of = set(GroupMembership.objects.filter(user_id=user.object_id, group_id__in=group_ids).values_list("group_id", flat=True))
    owner_of = set(GroupOwner.objects.filter(user_id=user.object_id, group_id__in=group_ids).values_list("group_id", flat=True))
    want, drop = [], []
    for team in teams:
        group = team.azureactivedirectoryobjectid
        qualifies = {
            MembershipType.MEMBERS_AND_GUESTS: group in member_of,
            MembershipType.MEMBERS: group in member_of and not user.is_guest,
            MembershipType.OWNERS: group in owner_of and not user.is_guest,
            MembershipType.GUESTS: group in member_of and user.is_guest,
        }[team.membershiptype]
        (want if qualifies else drop).append(team.id)
    TeamMembership.objects.bulk_create([TeamMembership(team_id=t, systemuser=systemuser) for t in want], ignore_conflicts=True)
    TeamMembership.objects.filter(systemuser=systemuser, team_id__in=drop).delete()


