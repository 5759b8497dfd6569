"""The trigger table at the top of rules.md's ELIG section, as one pure function.

| trigger | no SystemUser | disabled SystemUser | enabled SystemUser |
| background sync | add if background-entitled | enable if background-entitled | disable if not on-demand-entitled; else update |
| first access, admin add, refresh | add if on-demand-entitled (refresh never adds) | enable if on-demand-entitled | disable if not on-demand-entitled; else update |
"""
from __future__ import annotations

from . import rules
from .types import (
    NOT_SYNCHRONISED_TYPES,
    Action,
    CheckResult,
    Decision,
    EnvironmentSnapshot,
    Mode,
    RecordSnapshot,
    Trigger,
    UserSnapshot,
)


def failing(checks) -> tuple[str, ...]:
    return tuple(c.rule for c in checks if c.failed)


def decide(*, user: UserSnapshot, environment: EnvironmentSnapshot, record: RecordSnapshot | None,
           trigger: Trigger) -> Decision:
    """What the trigger does to this user's record in this environment, and why."""
    env = environment
    if env.on_premises:
        refusal = CheckResult(rules.ONPREM_01, "fail", "On-premises environments take no directory users.")
        status = "absent" if record is None else ("disabled" if record.isdisabled else "enabled")
        return Decision(Action.LEAVE if trigger == Trigger.SCHEDULE else Action.REFUSE, status,
                        refused_by=(rules.ONPREM_01,), extra=(refusal,), reason=refusal.reason)
    if record is not None and record.user_type in NOT_SYNCHRONISED_TYPES:
        # Application, stub and placeholder users are never synchronised (APP, STUB-01, MODE-05, MODE-07).
        return Decision(Action.LEAVE, "disabled" if record.isdisabled else "enabled",
                        reason=f"{record.user_type} users are not synchronised with the directory.")

    on_demand = rules.evaluate(user, env, record, Mode.ON_DEMAND)
    checks = tuple(on_demand) + (rules.check_security_role(user, env, record, Mode.ON_DEMAND),)
    on_demand_failures = failing(on_demand)
    if trigger == Trigger.SCHEDULE:
        add_failures = failing(rules.evaluate(user, env, record, Mode.BACKGROUND))
    else:
        add_failures = on_demand_failures

    if trigger == Trigger.SIGN_IN:
        sign_in = rules.check_sign_in_allowed(record)
        if sign_in.failed:
            return Decision(Action.REFUSE, "disabled" if record.isdisabled else "enabled", checks=checks,
                            refused_by=(rules.MODE_03,), extra=(sign_in,), reason=sign_in.reason)

    accessmode, user_type, setupuser = rules.access_mode_for(user, record)
    uses_app_pass = rules.licence_basis(user, env, record, Mode.ON_DEMAND) == "app_pass"
    kept = dict(accessmode=accessmode, user_type=user_type, setupuser=setupuser, uses_app_pass=uses_app_pass)

    if record is None:
        if add_failures or trigger in (Trigger.REFRESH, Trigger.DIAGNOSE):
            # Refresh never adds (SYNC-04), nor do diagnostics, which refresh first (DIAG-03).
            action = Action.LEAVE if trigger in (Trigger.SCHEDULE, Trigger.REFRESH, Trigger.DIAGNOSE) else Action.REFUSE
            return Decision(action, "absent", checks=checks, refused_by=on_demand_failures if trigger != Trigger.SCHEDULE else add_failures,
                            reason="Not entitled." if add_failures else "Refresh and diagnostics never add a user.")
        return Decision(Action.ADD, "enabled", checks=checks, default_roles=rules.default_roles_on_add(user, env),
                        reason="Entitled: added.", **kept)
    if record.isdisabled:
        if add_failures:
            return Decision(Action.UPDATE, "disabled", checks=checks, refused_by=add_failures,
                            reason="Not entitled: stays disabled.", **{**kept, "uses_app_pass": False})
        return Decision(Action.ENABLE, "enabled", checks=checks, reason="Entitled again: enabled.", **kept)
    if on_demand_failures:
        return Decision(Action.DISABLE, "disabled", checks=checks, refused_by=on_demand_failures,
                        reason="No longer entitled: disabled.", **{**kept, "uses_app_pass": False})
    return Decision(Action.UPDATE, "enabled", checks=checks, reason="Entitled: kept up to date.", **kept)
