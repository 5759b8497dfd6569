"""A record's lifecycle: the invitation (LIFE-01) and deletion (LIFE-05)."""
from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction

from users_app.choices import DeletedState, InviteStatus, UserType
from users_app.models import DirectoryUser, SystemUser, SystemUserRole, TeamMembership
from users_app.provisioning import rules
from users_app.services import audit

from .app_users import app_user_delete
from .state import systemuser_state


@audit.audited("Invite user", target="systemuser", state=systemuser_state)
@transaction.atomic
def invitation_send(*, systemuser: SystemUser) -> None:
    """LIFE-01: a user enabled again must be invited again; the invitation is a mail in the outbox."""
    rules.check_invitable(isdisabled=systemuser.isdisabled)
    address = systemuser.internalemailaddress or systemuser.domainname
    send_mail(f"You're invited to {systemuser.environment}", f"Open {systemuser.environment.url} to start.",
              None, [address])
    systemuser.invitestatuscode = InviteStatus.INVITED
    systemuser.save(update_fields=["invitestatuscode", "modifiedon"])


def directory_state_of(systemuser: SystemUser) -> str:
    if systemuser.azureactivedirectoryobjectid is None:
        return DeletedState.HARD
    state = DirectoryUser.objects.filter(id=systemuser.azureactivedirectoryobjectid).values_list("deleted_state", flat=True).first()
    return DeletedState.HARD if state is None else state


@audit.audited(lambda kw: "Permanently delete user" if kw.get("permanent") else "Delete user",
                target="systemuser", state=systemuser_state)
@transaction.atomic
def systemuser_delete(*, systemuser: SystemUser, permanent: bool = False) -> str:
    """LIFE-05: Delete soft-deletes the record (roles and teams removed) once the directory user is
    permanently deleted; Permanently delete removes it once its records are reassigned and the
    environment allows deleting disabled users."""
    rules.check_placeholder_editable(user_type=systemuser.user_type, action="delete")
    if systemuser.user_type == UserType.APPLICATION:
        app_user_delete(systemuser=systemuser)
        return "deleted"
    rules.check_deleted_this_way(user_type=systemuser.user_type)
    if not permanent:
        rules.check_delete_allowed(directory_state=directory_state_of(systemuser), deletedstate=systemuser.deletedstate,
                                   isdisabled=systemuser.isdisabled)
        SystemUserRole.objects.filter(systemuser=systemuser).delete()
        TeamMembership.objects.filter(systemuser=systemuser).delete()
        systemuser.deletedstate = 1
        systemuser.save(update_fields=["deletedstate", "modifiedon"])
        return "soft_deleted"
    rules.check_permanent_delete_allowed(deletedstate=systemuser.deletedstate, owned_records=systemuser.owned_accounts.count(),
                                         allow_delete_disabled_users=systemuser.environment.allow_delete_disabled_users)
    systemuser.delete()
    return "deleted"
