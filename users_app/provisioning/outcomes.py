"""What a decision writes into a record and how a run reports it: shared by every trigger
(sync.py, one user at a time) and the set-based background sync (background.py)."""
from __future__ import annotations

from users_app.choices import UserType

from . import rules
from .types import Action, Decision

OUTCOME_OF_ACTION = {Action.ADD: "added", Action.ENABLE: "enabled", Action.DISABLE: "disabled", Action.REFUSE: "refused"}
REPORTED_COLUMNS = rules.FIELD_COLUMNS + ("isdisabled", "accessmode")


def target_values(decision: Decision, profile: dict[str, str], row: dict | None) -> dict:
    """The column values the decision asks for (FIELD, MODE-02, isdisabled)."""
    creating = row is None or row["user_type"] == UserType.STUB
    values = rules.synchronised_fields(profile, creating=creating,
                                       email_edited=bool(row and row["internalemailaddress_edited"]))
    values.update(
        isdisabled=decision.status != "enabled",
        accessmode=decision.accessmode,
        user_type=decision.user_type,
        setupuser=decision.setupuser,
        uses_app_pass=decision.uses_app_pass,
    )
    if decision.action == Action.ENABLE:
        values["invitestatuscode"] = 0  # LIFE-01: a re-enabled user needs a new invitation
    return values


def diff(row: dict, values: dict) -> list[str]:
    return [name for name, value in values.items() if name in row and row[name] != value]


def outcome_of(decision: Decision, changed: list[str]) -> str:
    if decision.action in OUTCOME_OF_ACTION:
        return OUTCOME_OF_ACTION[decision.action]
    return "updated" if changed else "unchanged"


def decision_entry(upn: str, outcome: str, decision: Decision, changed: list[str]) -> dict:
    """SYNC-07: one line of a run's decision log."""
    passing = [c for c in decision.checks if c.result == "pass" and c.rule == rules.ELIG_03]
    text = decision.reason
    if outcome in ("added", "enabled") and passing:
        text = f"{decision.reason} {passing[0].reason}"
    elif decision.refused_by:
        failed = [c.reason for c in decision.checks + decision.extra if c.failed and c.rule in decision.refused_by]
        text = f"{decision.reason} " + " ".join(failed)
    return {
        "upn": upn, "outcome": outcome,
        "rules": list(decision.refused_by) or [c.rule for c in passing],
        "changed_fields": [f for f in changed if f in REPORTED_COLUMNS],
        "level": "warning" if outcome in ("disabled", "refused") else "info", "text": text.strip(),
    }
