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
        "upn": upn, "outcome": outcome, "status": decision.status, "refused_by": list(decision.refused_by),
        "rules": list(decision.refused_by) or [c.rule for c in passing],
        "changed_fields": [f for f in changed if f in REPORTED_COLUMNS],
        "level": "warning" if outcome in ("disabled", "refused") else "info", "text": text.strip(),
    }


# --- SYNC-06: one record per user name, even when the directory and an environment disagree ---------

SYNC_06 = "SYNC-06"
HOLDER_KINDS = {UserType.STUB: "a stub user (made by an import for an owner who had no record)",
                UserType.APPLICATION: "an application user", UserType.DELEGATED_ADMIN: "a placeholder user",
                UserType.SUPPORT: "a placeholder user"}


def moving_name(record_id: int) -> str:
    """The name a record holds for a moment, inside a run's transaction, while its user name changes:
    unique by its id, and never a user name (it has no @)."""
    return f"~sync-06-moving-{record_id}~"


def upn_conflicts(moves: dict, holders: dict[str, set]) -> set:
    """SYNC-06, decided before anything is written: the writes that would give a record a user name
    another record keeps. `moves`: key -> (current lower-case name or None for a new record, new
    lower-case name), for every planned write that changes a record's name or adds a record; the keys
    of existing records are their ids. `holders`: lower-case name -> keys of the records holding it now,
    for every name some move goes to. A record that moves away frees its name, unless its own move is
    refused; every move into a name that would end with two records is refused, until none is left
    (a refused move keeps its record's current name, which may refuse another move). Answers the keys
    of the refused moves: those users' writes are skipped, whatever else they change, and logged."""
    refused: set = set()
    while True:
        occupants: dict[str, set] = {}
        for name, keys in holders.items():
            for key in keys:
                if key not in moves or key in refused:
                    occupants.setdefault(name, set()).add(key)
        for key, (_current, new) in moves.items():
            if key not in refused:
                occupants.setdefault(new, set()).add(key)
        newly = {key for key, (_current, new) in moves.items()
                 if key not in refused and len(occupants.get(new, ())) > 1}
        if not newly:
            return refused
        refused |= newly


def conflict_entry(upn: str, holder_type: str | None, *, creating: bool) -> dict:
    """SYNC-07: the log line of a user whose write SYNC-06 refused (the run goes on for the others)."""
    holder = HOLDER_KINDS.get(holder_type, "another user's record")
    what = "No record was added for this user" if creating else "This user's record was left as it was"
    return {
        "upn": upn, "outcome": "conflict", "rules": [SYNC_06], "changed_fields": [], "level": "warning",
        "text": (f"{upn} is the user name of {holder} in this environment, and SYNC-06 keeps one record per user name: "
                 f"{what}. Give the directory user another user name and sync again; the other record's business "
                 "records can be moved to this user with Reassign records (STUB-04)."),
    }


def conflicts_among(planned: list[tuple], environment, *, rows: list[dict] | None = None) -> dict:
    """SYNC-06 for a run's planned writes, `planned` = [(key, current name or None, new name)]:
    answers {key of a refused write: user type of a record that keeps the name, or None}."""
    from . import snapshots  # the ORM side, kept out of this module's import

    moves = {key: (current.lower() if current is not None else None, new.lower())
             for key, current, new in planned if current is None or current.lower() != new.lower()}
    if not moves:
        return {}
    holders, types = snapshots.records_holding(environment, {new for _current, new in moves.values()}, rows=rows)
    refused = upn_conflicts(moves, holders)
    answer = {}
    for key in refused:
        others = sorted((k for k in holders.get(moves[key][1], ()) if k != key), key=lambda k: types.get(k) != UserType.STUB)
        answer[key] = types.get(others[0]) if others else None
    return answer
