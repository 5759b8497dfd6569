"""Impact previews: what a change will do to every environment, before it is made.

A preview is a rehearsal of the real thing, not a second implementation of the rules: inside one
transaction it makes the change through the same service the screen or the command would call,
runs the same set-based background sync (provisioning.sync.directory_sync), reads what that run
did, and rolls everything back. So the preview is, by construction, what saving and then syncing
does; a change that a rule refuses raises the same RuleViolation, as saving would; and nothing
remains afterwards: no row, no run record, no change number (the change counter is a row of the
rolled-back transaction), no audit entry (audit.rehearsing). PostgreSQL does not give back the ids
its sequences handed out inside a rolled-back transaction; those are the only trace.

Its cost is the cost of the change and of the incremental sync that follows it: the sync reads
only what changed since each environment's last run (provisioning/background.py).

`pending()` is the same with no change: what the next background sync will do (the changes made
since the last run), for each environment's Sync history.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.functions import Lower

from environments_app.models import Environment
from users_app.choices import DeletedState
from users_app.models import DirectoryUser, SyncRun
from users_app.provisioning.sync import directory_sync
from users_app.services import audit

CHANGE_OUTCOMES = ("added", "enabled", "disabled", "updated")
CHANGED_COUNTS = CHANGE_OUTCOMES
BY_NAME = 500  # changed users named at most: their original UPNs are looked up by name


@dataclass
class EnvironmentImpact:
    """What the next sync does in one environment: the run's counts and, for every SystemUser whose
    outcome is not `unchanged`, {user, outcome, status, refused_by, changed_fields} sorted by user."""

    environment: Environment
    counts: dict
    changes: list[dict] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)  # the run's decision log, expanded one per user

    @property
    def name(self) -> str:
        return self.environment.name

    @property
    def changed(self) -> int:
        return sum(self.counts.get(name, 0) for name in CHANGED_COUNTS)

    def as_dict(self) -> dict:
        return {"environment": self.name, **self.counts, "changes": list(self.changes)}


@dataclass
class Impact:
    """A preview: one EnvironmentImpact per environment synchronised (sorted by name), and what the
    change itself answered (`result`, e.g. the user a create made; rolled back with the rest)."""

    environments: list[EnvironmentImpact]
    result: object = None

    @property
    def changed(self) -> int:
        return sum(e.changed for e in self.environments)

    @property
    def touched(self) -> list[EnvironmentImpact]:
        """The environments where something changes."""
        return [e for e in self.environments if e.changed]

    def as_dict(self) -> dict:
        return {"environments": [e.as_dict() for e in self.environments]}


def preview(change: Callable[[], object] | None = None, *, environments: Iterable[Environment] | None = None,
            full: bool = False, as_reader: bool = False) -> Impact:
    """Rehearse `change()` (a service call, as the current actor) followed by the background sync of
    every environment (or those given), `full` or incremental as the real one would run, and answer
    what it did; nothing is kept. A RuleViolation of the change propagates, as saving would raise it.
    `as_reader`: the current actor may read but not make the change (a Global reader): it is
    rehearsed as whoever may make it would make it (the screens then offer no Confirm)."""
    with audit.rehearsing(as_actor=audit.REHEARSAL_ACTOR if as_reader else None):
        with transaction.atomic():
            result = change() if change is not None else None
            if environments is not None:
                environments = list(environments)
                # The change may have renamed or created what it names: read the rows again.
                environments = list(Environment.objects.filter(pk__in=[e.pk for e in environments]).order_by(Lower("name")))
            runs = directory_sync(environments=environments, full=full, initiated_by="preview", rehearsal=True)
            impact = Impact([_impact_of(run) for run in runs], result)
            transaction.set_rollback(True)
    return impact


def pending(*, environments: Iterable[Environment] | None = None) -> Impact:
    """What the next background sync will do now (the changes made since each environment's last
    run), writing nothing."""
    return preview(None, environments=environments, full=False)


def _impact_of(run: SyncRun) -> EnvironmentImpact:
    counts = run.counts()
    log = run.decision_log
    expanded = list(log)
    changed = [entry for entry in expanded if entry.get("outcome") in CHANGE_OUTCOMES]
    originals = _original_upns({entry["upn"] for entry in changed})
    changes = sorted(({"user": originals.get(entry["upn"], entry["upn"]), "outcome": entry["outcome"],
                       "status": entry["status"],
                       "refused_by": list(entry.get("refused_by", [])),
                       "changed_fields": list(entry.get("changed_fields", []))} for entry in changed),
                     key=lambda change: change["user"].lower())
    return EnvironmentImpact(environment=run.environment, counts=counts, changes=changes, decisions=expanded)


def _original_upns(upns: set[str]) -> dict[str, str]:
    """DIR-11: a soft-deleted user is named by its original UPN. A few names are looked up by the
    index of lower(user_principal_name), so that a small change reads a few rows, not the directory;
    beyond BY_NAME names, every soft-deleted user is read (one pass, cheaper than that many lookups)."""
    if not upns:
        return {}
    deleted = DirectoryUser.objects.exclude(deleted_state=DeletedState.NONE)
    if len(upns) <= BY_NAME:
        deleted = deleted.annotate(upn_lower=Lower("user_principal_name")).filter(
            upn_lower__in=sorted({upn.lower() for upn in upns}))
    pairs = deleted.values_list("user_principal_name", "original_user_principal_name")
    return {upn: original for upn, original in pairs if upn in upns and original}
