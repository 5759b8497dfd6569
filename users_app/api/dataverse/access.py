"""Who a Dataverse call acts as, in which environment, and what its security roles let it do.

- The environment: 404 in Dataverse's shape when unknown; refused by ENV-02 without a Dataverse
  database and by ONPREM-01 when on-premises.
- An app's token acts as the environment's application user (APP-04, records.application_caller).
- A user's token acts as the user's SystemUser; when there is none yet (or it is disabled) the
  call is the user's first access and goes through the sign-in path (SYNC-02), refusals named.
- Reads need an enabled record holding a security role, directly or through a team (ROLE-01);
  writes need System Administrator (selectors.holds_system_administrator), else 403 0x80040220
  worded as the real service words it.
"""
from __future__ import annotations

from dataclasses import dataclass

from environments_app.models import Environment, SecurityRole
from users_app.models import SystemUser
from users_app.provisioning import rules
from users_app.provisioning.rules import RuleViolation
from users_app.provisioning.sync import user_sign_in
from users_app.selectors import holds_system_administrator
from users_app.services import records

from .. import errors
from ..errors import DATAVERSE

PRINCIPAL_TYPE = 8  # a systemuser principal, as the real service's messages say


@dataclass
class Context:
    environment: Environment
    record: SystemUser  # the caller's SystemUser (an application user for an app's token)
    caller: object

    def require_write(self, privilege: str = "prvWriteUser") -> None:
        if not holds_system_administrator(systemuser=self.record):
            raise denied(self.record, privilege)


def denied(record: SystemUser, privilege: str) -> errors.ApiError:
    return errors.ApiError(403, errors.DV_DENIED,
                           f"ROLE-01: Principal user (Id={record.systemuserid}, type={PRINCIPAL_TYPE}) is missing "
                           f"{privilege} privilege (System Administrator holds it).")


def _refused(violation: RuleViolation) -> errors.ApiError:
    """A refusal of the caller itself (APP-04, SYNC-02...): 403, the rule named first."""
    if isinstance(violation, rules.InvalidInput):
        return errors.from_violation(DATAVERSE, violation)
    return errors.ApiError(403, errors.DV_DENIED, f"{violation.rule}: {violation.message}")


def environment_of(environment_id) -> Environment:
    environment = Environment.objects.filter(environment_id=environment_id).first()
    if environment is None:
        raise errors.ApiError(404, errors.DV_NOT_FOUND, f"organization With Id = {environment_id} Does Not Exist")
    rules.check_has_dataverse(dataverse=environment.dataverse)
    rules.check_online(on_premises=environment.is_on_premises)
    return environment


def _user_record(environment: Environment, directory_user) -> SystemUser:
    record = SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid=directory_user.pk).first()
    if record is not None and not record.isdisabled:
        return record
    # First access (or access after being disabled): the sign-in path decides (SYNC-02).
    result = user_sign_in(environment=environment, directory_user=directory_user)
    rules.check_admitted(result.refused_by, user_name=directory_user.login_name, environment_name=environment.name)
    record = result.systemuser
    if record is None or record.isdisabled:
        raise errors.ApiError(403, errors.DV_DENIED, f"SYNC-02: {directory_user.login_name} has no enabled user "
                                                     f"record in {environment.name}.")
    return record


def context(request, environment_id) -> Context:
    """The environment and the caller's record, allowed to read (403 otherwise)."""
    environment = environment_of(environment_id)
    caller = request.caller
    try:
        if caller.is_app:
            record = records.application_caller(environment=environment, app_id=caller.app.app_id)
        else:
            record = _user_record(environment, caller.user)
    except RuleViolation as violation:
        raise _refused(violation) from None
    holds_role = (record.roles.exists()
                  or SecurityRole.objects.filter(teams__members=record).exists())
    if not holds_role:
        raise denied(record, "prvReadUser")
    return Context(environment, record, caller)
