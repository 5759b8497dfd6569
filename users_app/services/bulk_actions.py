"""The grid's bulk commands: one action applied to several users, each user in its own
transaction, so that one refused user undoes nothing for another, and a report per user of what
each rule decided, in the shape Add user reports it (JSON-safe: kept in the session for the page
shown after a redirect).

A report row: {"id", "upn", "name", "outcome", "status", "refused_by": [rule IDs], "checks":
[{"rule", "reason", "fix"}], "note", "level"}; `level` is success, warning (done, with something
to follow up, e.g. roles removed by ROLE-06) or error (refused).

Every action here calls the one-user service (users_app.services.records, .directory,
users_app.provisioning.sync): no rule is decided twice. Callers import this module:
`from users_app.services import bulk_actions; bulk_actions.roles_add_many(...)`."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from environments_app.models import BusinessUnit, Environment
from users_app.models import DirectoryUser, Sku, SystemUser, Team
from users_app.provisioning import sync
from users_app.provisioning.rules import RuleViolation
from users_app.services import directory, records


@dataclass
class Done:
    """What an action did for one user: its outcome word and an optional note (warning when set)."""

    outcome: str
    note: str = ""
    warning: bool = False
    status: str = ""
    refused_by: list[str] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)


def row(*, id, upn: str, name: str, outcome: str, status: str = "", refused_by=(), checks=(), note: str = "",
        level: str = "success") -> dict:
    return {"id": str(id), "upn": upn, "name": name, "outcome": outcome, "status": status,
            "refused_by": list(refused_by), "checks": list(checks), "note": note, "level": level}


def each_user(users: Iterable, apply: Callable[[object], Done | str], *, describe: Callable[[object], dict]) -> list[dict]:
    """`apply(user)` for each user, each in its own transaction; a refusal (a rule's, or a bad
    value's) rolls back that user's changes only and is reported with its rule and reason.
    `describe(user)` gives the row's id, upn and name."""
    results = []
    for user in users:
        who = describe(user)
        try:
            with transaction.atomic():
                done = apply(user)
        except RuleViolation as refusal:
            results.append(row(**who, outcome="refused", refused_by=[refusal.rule],
                               checks=[{"rule": refusal.rule, "reason": refusal.message, "fix": ""}], level="error"))
            continue
        done = done if isinstance(done, Done) else Done(str(done))
        level = "error" if done.outcome == "refused" else ("warning" if done.warning or done.refused_by else "success")
        results.append(row(**who, outcome=done.outcome, status=done.status, refused_by=done.refused_by,
                           checks=done.checks, note=done.note, level=level))
    return results


def counts(results: list[dict]) -> dict:
    """How many rows were done, done with a warning, refused."""
    return {"total": len(results), "done": sum(r["level"] != "error" for r in results),
            "warnings": sum(r["level"] == "warning" for r in results),
            "refused": sum(r["level"] == "error" for r in results)}


# --- An environment's users (Power Platform admin center) --------------------------------------


def _record(user: SystemUser) -> dict:
    return {"id": user.systemuserid, "upn": user.domainname, "name": user.fullname or user.domainname}


def roles_add_many(*, systemusers: Iterable[SystemUser], roles: list[str]) -> list[dict]:
    """Manage security roles for several users: each gets the chosen roles (by name, the role of
    the user's own business unit), keeping the roles it holds (ROLE-02 per user)."""
    def apply(user: SystemUser) -> Done:
        added = [name for name in roles if records.role_assign(systemuser=user, role=name)]
        if not added:
            return Done("no change", note="Already holds " + ", ".join(roles) + ".")
        return Done("roles assigned", note="Assigned: " + ", ".join(added) + ".")
    return each_user(systemusers, apply, describe=_record)


def team_add_many(*, systemusers: Iterable[SystemUser], team: Team) -> list[dict]:
    """Add to team: each user joins an owner or access team (ROLE-07), keeping its other teams."""
    def apply(user: SystemUser) -> Done:
        member = user.teams.filter(pk=team.pk).exists()
        records.team_memberships_set(systemuser=user, teams=[team], within=[team])
        return Done("no change", note=f"Already a member of {team.name}.") if member else Done(
            "added to team", note=f"Member of {team.name}.")
    return each_user(systemusers, apply, describe=_record)


def business_unit_change_many(*, systemusers: Iterable[SystemUser], business_unit: BusinessUnit,
                              move_records: bool = False) -> list[dict]:
    """Change business unit for several users; ROLE-06 removes each one's roles (unless the
    environment keeps them), which the row says, as a warning to assign new ones."""
    def apply(user: SystemUser) -> Done:
        if user.businessunit_id == business_unit.pk:
            return Done("no change", note=f"Already in {business_unit.name}.")
        result = records.business_unit_change(systemuser=user, business_unit=business_unit, move_records=move_records)
        removed = result["roles_removed"]
        note = f"Moved to {business_unit.name}."
        if removed:
            note += f" {removed} security roles removed (ROLE-06): assign roles of the new business unit."
        return Done("moved", note=note, warning=bool(removed))
    return each_user(systemusers, apply, describe=_record)


def refresh_many(*, environment: Environment, systemusers: Iterable[SystemUser], initiated_by: str = "") -> list[dict]:
    """Refresh user for several users (SYNC-04): each record against the directory now; the row
    names the rules that disabled or refused it."""
    def apply(user: SystemUser) -> Done:
        directory_user = records.systemuser_directory_user(systemuser=user, action="refresh")
        result = sync.environment_user_refresh(environment=environment, directory_user=directory_user,
                                               initiated_by=initiated_by)
        decision = result.decision
        checks = [*decision.checks, *decision.extra] if decision is not None else []
        changed = ", ".join(result.changed_fields)
        return Done(result.outcome, status=result.status, refused_by=list(result.refused_by),
                    checks=[c.as_dict() for c in checks if c.rule in result.refused_by],
                    note=f"Changed: {changed}." if changed else "No field changed.")
    return each_user(systemusers, apply, describe=_record)


# --- Active users (Microsoft 365 admin center) --------------------------------------------------


def _person(user: DirectoryUser) -> dict:
    return {"id": user.pk, "upn": user.user_principal_name, "name": user.display_name or user.user_principal_name}


def licence_change_many(*, users: Iterable[DirectoryUser], sku: Sku, add: bool) -> list[dict]:
    """Manage product licences for several users: add or remove one licence for each (DIR-02 seats,
    DIR-10 usage location, DIR-05 for the acting admin), each user on its own: once the seats run
    out, the rest are refused and the ones before keep theirs."""
    def apply(user: DirectoryUser) -> Done:
        held = any(a.sku_id == sku.pk for a in user.licence_assignments.all())
        if held == add:
            return Done("no change", note=f"{'Already holds' if add else 'Does not hold'} {sku.name}.")
        if add:
            directory.licence_assign(user=user, sku=sku)
            return Done("licence assigned", note=f"{sku.name} assigned.")
        directory.licence_remove(user=user, sku=sku)
        return Done("licence removed", note=f"{sku.name} removed.")
    return each_user(users, apply, describe=_person)


def sign_in_set_many(*, users: Iterable[DirectoryUser], allowed: bool) -> list[dict]:
    """Block or unblock sign-in for several users (DIR-05: a User administrator may not block a
    Global administrator: that user is refused, the others are done)."""
    def apply(user: DirectoryUser) -> Done:
        if user.account_enabled == allowed:
            return Done("no change", note="Sign-in already " + ("allowed." if allowed else "blocked."))
        directory.directory_user_update(user=user, account_enabled=allowed)
        return Done("sign-in allowed" if allowed else "sign-in blocked")
    return each_user(users, apply, describe=_person)
