"""SYNC: what a sync may write."""
from __future__ import annotations

from .ids import SYNC_01, SYNC_06
from .violation import RuleViolation


def sync_already_running(*, environment_name: str) -> RuleViolation:
    """SYNC-01: one background sync of an environment at a time; Sync now while one runs is
    refused (the caller raises it from the database's error)."""
    return RuleViolation(SYNC_01, f"A background sync of {environment_name} is already running; "
                                  "its result appears in the sync history when it ends.")


def sync_write_refusal(environment_name: str) -> RuleViolation:
    """SYNC-06: a background sync whose writes the database refused (two records would hold the same
    directory object or user name); the caller raises it from the database's error."""
    return RuleViolation(SYNC_06, f"The sync of {environment_name} could not write its changes: two records "
                                  "would hold the same directory object or user name. Nothing was changed; "
                                  "the run is recorded as failed in the environment's Sync history.")


def user_write_refusal(login_name: str, environment_name: str) -> RuleViolation:
    """SYNC-06: a one-user trigger whose write the database still refused after deciding again;
    the caller raises it from the database's error."""
    return RuleViolation(SYNC_06, f"{login_name} could not be written in {environment_name}: "
                                  "another record holds the same directory object or user name, "
                                  "and it did not go away on retry.")
