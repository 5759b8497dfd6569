"""The environment user's profile: access mode (MODE-01..04), primary e-mail (FIELD-04), the
on-premises hand edit (ONPREM-02), the Manage user in Dynamics 365 form, and what the profile
refuses (the placeholders, MODE-05 and MODE-07; records without a directory user)."""
from __future__ import annotations

from django.db import IntegrityError, transaction

from environments_app.models import Environment
from users_app.choices import MAX_NON_INTERACTIVE_USERS, AccessMode, AdminRole, UserType
from users_app.models import DirectoryUser, SystemUser
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput, RuleViolation
from users_app.selectors import holds_system_administrator
from users_app.services import audit

from .state import systemuser_state

ACCESS_MODES = {
    "read-write": AccessMode.READ_WRITE,
    "administrative": AccessMode.ADMINISTRATIVE,
    "read": AccessMode.READ,
    "non-interactive": AccessMode.NON_INTERACTIVE,
}
SYSTEM_ACTOR_ROLES = frozenset({AdminRole.GLOBAL.value})  # the command line acts as the system


# --- Access mode (MODE-01..04) ------------------------------------------------------------


@audit.audited("Change access mode", target="systemuser", state=systemuser_state)
def access_mode_set(*, systemuser: SystemUser, mode: str | int, actor_roles: frozenset[str] = SYSTEM_ACTOR_ROLES,
                    actor_record: SystemUser | None = None) -> list[str]:
    """Manage user in Dynamics 365 > Client Access License > Access Mode. Answers the changed columns.
    Two changes that pick the same free non-interactive slot at once: the loser tries the next slot."""
    for _attempt in range(MAX_NON_INTERACTIVE_USERS):
        try:
            return _access_mode_set(systemuser=systemuser, mode=mode, actor_roles=actor_roles, actor_record=actor_record)
        except IntegrityError:
            continue
    # Every attempt lost its slot to a concurrent change: the slots are all taken (MODE-03).
    rules.check_non_interactive_capacity(MAX_NON_INTERACTIVE_USERS)
    raise AssertionError("unreachable")


@transaction.atomic
def _access_mode_set(*, systemuser: SystemUser, mode, actor_roles, actor_record) -> list[str]:
    rules.check_may_change_access_mode(is_system_administrator=holds_system_administrator(systemuser=actor_record),
                                       admin_roles=actor_roles)
    rules.check_placeholder_editable(user_type=systemuser.user_type, action="access mode")
    rules.check_not_stub(user_type=systemuser.user_type, action="change the access mode of")
    rules.check_access_mode_changeable(user_type=systemuser.user_type)
    value = ACCESS_MODES.get(mode, mode) if isinstance(mode, str) else mode
    if value not in ACCESS_MODES.values():
        raise InvalidInput("mode", f"Unknown access mode {mode!r}: one of {', '.join(ACCESS_MODES)}.")
    systemuser = SystemUser.objects.select_for_update().get(pk=systemuser.pk)
    if systemuser.accessmode == value:
        return []
    changes = {"accessmode": value, "setupuser": False}
    if value == AccessMode.NON_INTERACTIVE:
        changes.update(user_type=UserType.NON_INTERACTIVE, non_interactive_slot=_free_slot(systemuser.environment))
    else:
        changes.update(user_type=UserType.REGULAR, non_interactive_slot=None)
    for name, new in changes.items():
        setattr(systemuser, name, new)
    systemuser.save(update_fields=[*changes, "modifiedon"])  # the slot is unique: a concurrent taker fails here
    return ["accessmode"]


def _free_slot(environment: Environment) -> int:
    used = set(SystemUser.objects.filter(environment=environment, non_interactive_slot__isnull=False)
               .values_list("non_interactive_slot", flat=True))
    rules.check_non_interactive_capacity(len(used), MAX_NON_INTERACTIVE_USERS)
    return min(set(range(1, MAX_NON_INTERACTIVE_USERS + 1)) - used)


# --- Primary e-mail (FIELD-04) and the on-premises hand edit (ONPREM-02) --------------------


@audit.audited("Change primary email", target="systemuser", state=systemuser_state)
@transaction.atomic
def primary_email_set(*, systemuser: SystemUser, email: str) -> None:
    """FIELD-04: once an admin edits the primary e-mail, sync leaves it alone."""
    rules.check_placeholder_editable(user_type=systemuser.user_type, action="primary e-mail")
    systemuser.internalemailaddress = email
    systemuser.internalemailaddress_edited = True
    systemuser.save(update_fields=["internalemailaddress", "internalemailaddress_edited", "modifiedon"])


ON_PREMISES_EDITABLE = frozenset({"firstname", "lastname", "address1_telephone1", "homephone", "internalemailaddress",
                                  "address1_city", "address1_stateorprovince", "jobtitle", "mobilephone"})


@audit.audited("Edit user", target="systemuser", state=systemuser_state)
@transaction.atomic
def on_premises_user_update(*, systemuser: SystemUser, **fields) -> list[str]:
    """ONPREM-02: after creation nothing synchronises; the admin edits the record by hand."""
    rules.check_edited_by_hand(on_premises=systemuser.environment.is_on_premises)
    unknown = set(fields) - ON_PREMISES_EDITABLE
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "This field cannot be edited here.")
    changed = [name for name, value in fields.items() if getattr(systemuser, name) != value]
    for name in changed:
        setattr(systemuser, name, fields[name])
    if changed:
        systemuser.save(update_fields=[*changed, "modifiedon"])
    return changed


# --- The profile page ------------------------------------------------------------------------


def systemuser_edit_refusal(*, systemuser: SystemUser) -> RuleViolation | None:
    """Why a user's profile offers no edit actions (the placeholders, MODE-05 and MODE-07), or None.
    Screens show it instead of the forms; the services refuse the same way."""
    try:
        rules.check_placeholder_editable(user_type=systemuser.user_type, action="edit")
    except RuleViolation as exc:
        return exc
    return None


@transaction.atomic
def systemuser_directory_user(*, systemuser: SystemUser, action: str) -> DirectoryUser:
    """The directory user that Refresh user, Run diagnostics and Sign in as this user act on.
    Refused for stub users (STUB-02 for refresh and diagnose, STUB-01 otherwise), on-premises
    records (ONPREM-01), the placeholders (MODE-05, MODE-07) and application users (APP-01),
    none of which follow a directory user."""
    rules.check_not_stub(user_type=systemuser.user_type, action=action)
    rules.check_online(on_premises=systemuser.environment.is_on_premises)
    rules.check_placeholder_synchronised(user_type=systemuser.user_type, action=action)
    rules.check_not_application_user(user_type=systemuser.user_type, action=action)
    directory_user = (DirectoryUser.objects.filter(id=systemuser.azureactivedirectoryobjectid).first()
                      if systemuser.azureactivedirectoryobjectid else None)
    rules.check_directory_user_exists(exists=directory_user is not None)
    return directory_user


@audit.audited("Manage user in Dynamics 365", target="systemuser", state=systemuser_state)
@transaction.atomic
def systemuser_form_save(*, systemuser: SystemUser, mode: str, email: str,
                         actor_roles: frozenset[str] = SYSTEM_ACTOR_ROLES, actor_record: SystemUser | None = None) -> list[str]:
    """Manage user in Dynamics 365 > Save: the Client Access License section's Access Mode (MODE-03,
    MODE-04) and the Primary Email (FIELD-04), all or nothing. Answers what changed."""
    changed = []
    if ACCESS_MODES.get(mode, mode) != systemuser.accessmode:
        # access_mode_set retries in savepoints when a concurrent change takes the same free slot.
        changed += access_mode_set(systemuser=systemuser, mode=mode, actor_roles=actor_roles, actor_record=actor_record)
    if email != systemuser.internalemailaddress:
        primary_email_set(systemuser=SystemUser.objects.get(pk=systemuser.pk), email=email)
        changed.append("internalemailaddress")
    return changed
