"""What the audit log records of each object a records action changes (users_app.services.audit.audited),
and the sync's one-user triggers as audited actions."""
from __future__ import annotations

from environments_app.models import SecurityRole
from users_app.models import Account, SystemUser, Team
from users_app.services import audit


def _name(obj) -> str | None:
    return None if obj is None else (getattr(obj, "domainname", None) or getattr(obj, "name", None) or str(obj))


PROFILE_LABELS = {"firstname": "first name", "lastname": "last name", "jobtitle": "job title",
                  "address1_telephone1": "main phone", "mobilephone": "mobile phone", "homephone": "home phone",
                  "address1_city": "city", "address1_stateorprovince": "state or province"}


def systemuser_state(systemuser: SystemUser, kwargs=None) -> dict:
    """A user record's fields as the audit log shows them (read before and after a change)."""
    state = {
        "access mode": systemuser.get_accessmode_display(),
        "user type": systemuser.get_user_type_display(),
        "status": "Disabled" if systemuser.isdisabled else "Enabled",
        "deleted": bool(systemuser.deletedstate),
        "business unit": _name(systemuser.businessunit),
        "manager": _name(systemuser.parentsystemuser),
        "position": _name(systemuser.position),
        "primary email": systemuser.internalemailaddress,
        "invitation": systemuser.get_invitestatuscode_display(),
        "security roles": sorted(systemuser.roles.values_list("name", flat=True)),
        "teams": sorted(systemuser.teams.values_list("name", flat=True)),
    }
    for name, label in PROFILE_LABELS.items():
        state[label] = getattr(systemuser, name)
    return state


def team_state(team: Team, kwargs=None) -> dict:
    return {
        "name": team.name, "description": team.description, "business unit": _name(team.businessunit),
        "team type": team.get_teamtype_display(), "administrator": _name(team.administrator),
        "members": sorted(team.members.values_list("domainname", flat=True)),
        "security roles": sorted(team.roles.values_list("name", flat=True)),
    }


def role_holders(role: SecurityRole, kwargs=None) -> dict:
    return {"holders": sorted(SystemUser.objects.filter(role_assignments__role=role).values_list("domainname", flat=True))}


def account_state(account: Account, kwargs=None) -> dict:
    return {"name": account.name, "owner": _name(account.owner),
            "shared with": sorted(account.shared_with.values_list("domainname", flat=True))}


def owned_counts(*users: SystemUser) -> dict:
    return {f"records owned by {user.domainname}": Account.objects.filter(owner=user).count() for user in users}


def _record_state(directory_user, kwargs) -> dict:
    """The directory user's record in the environment, as the audit log shows it ({} if none)."""
    record = SystemUser.objects.filter(environment=kwargs["environment"],
                                       azureactivedirectoryobjectid=directory_user.pk).first()
    return systemuser_state(record) if record is not None else {}


def _sync_refusal(result) -> tuple[str, str] | None:
    """A one-user trigger answers a refusal (the eligibility rules) instead of raising one."""
    result = getattr(result, "refresh", None) or result  # a diagnosis carries its refresh
    if getattr(result, "outcome", "") != "refused":
        return None
    decision = result.decision
    reasons = [f"{c.rule}: {c.reason}" for c in (*decision.checks, *decision.extra)
               if c.failed and c.rule in decision.refused_by] if decision is not None else []
    rule = result.refused_by[0] if result.refused_by else "refused"
    return rule, " ".join(reasons) or f"Refused by {', '.join(result.refused_by)}."


def audited_user_sync(name: str):
    """The sync's one-user triggers a person starts (Add user, Refresh user, Run diagnostics, the
    first access of a sign-in; users_app/provisioning/sync.py) as audited actions: the record
    before -> after, a refusal by the rules as refused. They manage their own transactions (the
    run's record outlives a refusal), so the entry is written after them. The background sync is
    not audited per user: its SyncRun says what it did."""
    return audit.audited(name, target="directory_user", state=_record_state, refusal=_sync_refusal, atomic=False)
