"""The record of every sync run with its per-user decisions (SYNC-07)."""
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from django.db import models

from environments_app.models import Environment

from ..choices import SyncStatus, SyncTrigger


class SyncRun(models.Model):
    """Every run of every trigger, with its counts and per-user decisions (SYNC-07)."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=20, choices=SyncTrigger.choices)
    status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    full = models.BooleanField(default=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    added = models.PositiveIntegerField(default=0)
    enabled = models.PositiveIntegerField(default=0)
    disabled = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    not_entitled = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    # Per user whose record changed, and per refused on-demand request:
    # {"upn", "object_id", "outcome", "rules": [...], "changed_fields": [...], "level", "text"}.
    decisions = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    initiated_by = models.CharField(max_length=255, blank=True)

    # The change counter this run started from: the next incremental run reads what came after.
    change_number = models.BigIntegerField(null=True, blank=True)

    COUNT_FIELDS = ("added", "enabled", "disabled", "updated", "unchanged", "not_entitled")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["environment", "-started_at"], name="syncrun_env_started")]
        constraints = [
            # Only one background sync of an environment runs at a time.
            models.UniqueConstraint(
                fields=["environment"],
                condition=models.Q(status=SyncStatus.RUNNING, trigger=SyncTrigger.SCHEDULE),
                name="one_running_background_sync",
            ),
            # ... and at most one waits in the queue: the periodic task does not pile them up.
            models.UniqueConstraint(
                fields=["environment"],
                condition=models.Q(status=SyncStatus.QUEUED, trigger=SyncTrigger.SCHEDULE),
                name="one_queued_background_sync",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} of {self.environment} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.enabled or self.disabled or self.updated)

    # The triggers in an admin's words (the history's list and the run's title).
    TRIGGER_LABELS = {SyncTrigger.SCHEDULE: "Background sync", SyncTrigger.SIGN_IN: "First access",
                      SyncTrigger.ADMIN: "Add user", SyncTrigger.REFRESH: "Refresh user",
                      SyncTrigger.DIAGNOSE: "Run diagnostics", SyncTrigger.IMPORT: "Data import"}

    @property
    def trigger_label(self) -> str:
        return self.TRIGGER_LABELS.get(self.trigger, self.get_trigger_display())

    def counts(self) -> dict:
        return {name: getattr(self, name) for name in self.COUNT_FIELDS}

    @property
    def decision_log(self) -> "DecisionLog":
        """The decisions one row per user, however compactly they are stored."""
        return DecisionLog(self.decisions or [])


class DecisionLog(Sequence):
    """A run's decision log (SYNC-07), one entry per user. The background sync stores one entry
    per distinct decision with the names of the users it applied to ("users") and `{upn}` in
    its text; the other triggers store one entry per user. Expanded lazily, a page at a time."""

    def __init__(self, entries: list[dict]):
        self.entries = entries
        self.starts = list(accumulate((len(e["users"]) if "users" in e else 1 for e in entries), initial=0))

    def __len__(self) -> int:
        return self.starts[-1]

    def _one(self, index: int) -> dict:
        at = bisect_right(self.starts, index) - 1
        entry = self.entries[at]
        if "users" not in entry:
            return entry
        upn = entry["users"][index - self.starts[at]]
        expanded = {key: value for key, value in entry.items() if key != "users"}
        return {**expanded, "upn": upn, "text": entry["text"].replace("{upn}", upn)}

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._one(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._one(index)
