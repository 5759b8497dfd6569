"""The Dataverse Web API's writes, each through the service its screen calls: create (systemusers
by the on-demand add, SYNC-03; teams; accounts), PATCH of a systemuser, delete, and the
associations of roles and teams."""
from __future__ import annotations

from django.http import HttpResponse

from users_app.models import DirectoryUser, SystemUser, Team
from users_app.provisioning import rules
from users_app.provisioning.sync import environment_user_add
from users_app.services import audit, records

from .. import errors
from ..endpoint import json_body
from ..errors import DATAVERSE
from .access import Context
from .entities import SETS, SYSTEMUSER, EntitySet
from .query import bound, guid_of, no_content

# PATCH /systemusers(<id>): what each column goes through.
SERVICE_COLUMNS = ("internalemailaddress", "accessmode", "isdisabled")
DIRECTORY_COLUMNS = ("domainname", "fullname", "firstname", "lastname", "jobtitle", "title", "address1_telephone1",
                     "mobilephone", "homephone", "address1_line1", "address1_city", "address1_stateorprovince",
                     "address1_postalcode", "address1_country")


def request_body(request) -> dict:
    body = json_body(request, DATAVERSE)
    return {k: v for k, v in body.items() if not (k.startswith("@odata.") or ("@" in k and not k.endswith("@odata.bind")))}


def check_columns(entity: EntitySet, body: dict, allowed) -> None:
    for name in body:
        if name not in allowed:
            if name.endswith("@odata.bind") or name in entity.by_name:
                raise errors.bad_request(DATAVERSE, f"'{name}' cannot be set here on {entity.logical}.")
            raise errors.bad_request(DATAVERSE, f"The property '{name}' does not exist on type '{entity.type_name}'.")


def text_of(body: dict, name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise errors.bad_request(DATAVERSE, f"'{name}' is required.")
        return None
    if not isinstance(value, str):
        raise errors.bad_request(DATAVERSE, f"Invalid value for '{name}': a string is expected.")
    return value


def create_systemuser(ctx: Context, body: dict) -> SystemUser:
    """SYNC-03: the on-demand add of Add user, for the directory user named by
    azureactivedirectoryobjectid or domainname; the directory's values fill the record (FIELD-01)."""
    ctx.require_write("prvCreateUser")
    check_columns(SYSTEMUSER, body, (*DIRECTORY_COLUMNS, "internalemailaddress", "azureactivedirectoryobjectid",
                                      "businessunitid@odata.bind"))
    object_id, domain = text_of(body, "azureactivedirectoryobjectid"), text_of(body, "domainname")
    if not object_id and not domain:
        raise errors.bad_request(DATAVERSE, "A systemuser is created from a directory user: give domainname or "
                                            "azureactivedirectoryobjectid.")
    unit = bound(ctx, body.get("businessunitid@odata.bind"), "businessunitid@odata.bind", SETS["businessunits"])
    users = DirectoryUser.objects.filter(deleted_state="")
    if object_id:
        users = users.filter(pk=guid_of(object_id, SYSTEMUSER))
    if domain:
        users = users.filter(user_principal_name__iexact=domain.strip())
    directory_user = users.first()
    if directory_user is None:
        raise errors.ApiError(404, errors.DV_NOT_FOUND, f"The user {domain or object_id} was not found in the directory.")
    existing = SystemUser.objects.filter(environment=ctx.environment, azureactivedirectoryobjectid=directory_user.pk).first()
    if existing is not None:
        raise errors.ApiError(400, errors.DV_DUPLICATE, f"SYNC-06: A record with matching key values already exists: "
                                                        f"systemuser {existing.systemuserid} ({existing.domainname}).")
    result = environment_user_add(environment=ctx.environment, directory_user=directory_user,
                                  initiated_by=audit.current_actor().name)
    rules.check_admitted(result.refused_by, user_name=directory_user.login_name, environment_name=ctx.environment.name)
    record = result.systemuser
    if record is None:
        raise errors.ApiError(400, errors.DV_RULE, f"SYNC-03: {directory_user.login_name} was not added to "
                                                   f"{ctx.environment.name} ({result.outcome}).")
    if unit is not None and unit.pk != record.businessunit_id:
        records.business_unit_change(systemuser=record, business_unit=unit)
    return record


def create_team(ctx: Context, body: dict) -> Team:
    ctx.require_write("prvCreateTeam")
    check_columns(SETS["teams"], body, ("name", "description", "teamtype", "businessunitid@odata.bind",
                                         "administratorid@odata.bind"))
    name = (text_of(body, "name", required=True) or "").strip()
    if not name:
        raise errors.bad_request(DATAVERSE, "Invalid value for 'name': a team needs a name.")
    teamtype = body.get("teamtype", 0)
    if not isinstance(teamtype, int) or isinstance(teamtype, bool) or teamtype not in (0, 1):
        raise errors.bad_request(DATAVERSE, "Invalid value for 'teamtype': 0 (Owner) or 1 (Access); group teams "
                                            "follow their directory group (ROLE-07).")
    unit = bound(ctx, body.get("businessunitid@odata.bind"), "businessunitid@odata.bind", SETS["businessunits"])
    admin = bound(ctx, body.get("administratorid@odata.bind"), "administratorid@odata.bind", SYSTEMUSER)
    return records.team_create(environment=ctx.environment, name=name, business_unit=unit, teamtype=teamtype,
                               description=text_of(body, "description") or "", administrator=admin)


def create_account(ctx: Context, body: dict):
    ctx.require_write("prvCreateAccount")
    check_columns(SETS["accounts"], body, ("name", "ownerid@odata.bind"))
    name = (text_of(body, "name", required=True) or "").strip()
    if not name:
        raise errors.bad_request(DATAVERSE, "Invalid value for 'name': an account needs a name.")
    owner = ctx.record
    if body.get("ownerid@odata.bind") is not None:
        owner = bound(ctx, body["ownerid@odata.bind"], "ownerid@odata.bind", SYSTEMUSER)
    return records.account_create(environment=ctx.environment, name=name, owner=owner)


def delete_row(ctx: Context, entity: EntitySet, row) -> HttpResponse:
    if entity.name == "systemusers":
        raise errors.ApiError(403, errors.DV_DELETE_REFUSED,
                              "LIFE-05: The Delete message is not supported for the systemuser entity: users are "
                              "disabled, not deleted (remove the user from the environment's security group or "
                              "its licence in the directory).")
    if entity.name == "teams":
        ctx.require_write("prvDeleteTeam")
        records.team_delete(team=row)
        return no_content()
    raise errors.ApiError(405, errors.DV_BAD_REQUEST, f"{entity.name} are not deleted through this API.",
                          headers={"Allow": "GET"})


def update_systemuser(ctx: Context, record: SystemUser, body: dict) -> None:
    """PATCH: each column through the service its screen uses, all in one audited action."""
    ctx.require_write("prvWriteUser")
    binds = {"businessunitid@odata.bind": SETS["businessunits"], "parentsystemuserid@odata.bind": SYSTEMUSER,
             "positionid@odata.bind": SETS["positions"]}
    check_columns(SYSTEMUSER, body, (*SERVICE_COLUMNS, *DIRECTORY_COLUMNS, *binds))
    # Parse every value first: a malformed one refuses the whole PATCH before anything is written.
    email = text_of(body, "internalemailaddress")
    mode = body.get("accessmode")
    if "accessmode" in body and (not isinstance(mode, int) or isinstance(mode, bool)):
        raise errors.bad_request(DATAVERSE, "Invalid value for 'accessmode': a whole number (0 Read-Write, "
                                            "1 Administrative, 2 Read, 4 Non-interactive).")
    disabled = body.get("isdisabled")
    if "isdisabled" in body and not isinstance(disabled, bool):
        raise errors.bad_request(DATAVERSE, "Invalid value for 'isdisabled': true or false.")
    rows = {name: bound(ctx, body[name], name, target) for name, target in binds.items() if name in body}
    if "businessunitid@odata.bind" in rows and rows["businessunitid@odata.bind"] is None:
        raise errors.bad_request(DATAVERSE, "Invalid value for 'businessunitid@odata.bind': every user has a business unit.")
    fields = {("jobtitle" if name == "title" else name): body[name] for name in DIRECTORY_COLUMNS if name in body}
    for name, value in fields.items():
        if not isinstance(value, str):
            raise errors.bad_request(DATAVERSE, f"Invalid value for '{name}': a string is expected.")
    before = records.systemuser_state(record)
    with audit.action("Update user (Web API)", target=record, environment=ctx.environment) as entry:
        if fields:
            # Online records follow the directory (FIELD): the hand edit refuses them (ONPREM-02).
            records.on_premises_user_update(systemuser=record, **fields)
        if "isdisabled" in body:
            records.app_user_set_status(systemuser=record, enabled=not disabled)  # LIFE-01, APP-03
        if email is not None:
            records.primary_email_set(systemuser=fresh(record), email=email)  # FIELD-04
        if "accessmode" in body:
            records.access_mode_set(systemuser=fresh(record), mode=mode, actor_roles=ctx.caller.roles,
                                    actor_record=ctx.record)  # MODE-01..04
        if "businessunitid@odata.bind" in rows:
            records.business_unit_change(systemuser=fresh(record), business_unit=rows["businessunitid@odata.bind"])
        if "parentsystemuserid@odata.bind" in rows:
            records.manager_set(systemuser=fresh(record), manager=rows["parentsystemuserid@odata.bind"])
        if "positionid@odata.bind" in rows:
            records.position_set(systemuser=fresh(record), position=rows["positionid@odata.bind"])
        after = records.systemuser_state(fresh(record))
        for name, value in after.items():
            entry.change(name, before.get(name), value)


def fresh(record: SystemUser) -> SystemUser:
    return SystemUser.objects.select_related("environment", "businessunit").get(pk=record.pk)



def associate(pair: dict, nav: str, *, add: bool) -> None:
    if nav == "systemuserroles_association":
        user, role = pair["systemusers"], pair["roles"]
        if add:
            if not records.role_assign(systemuser=user, role=role):  # ROLE-02
                raise errors.ApiError(400, errors.DV_DUPLICATE, f"Cannot insert duplicate key: {user.domainname} "
                                                                f"already holds the role '{role.name}'.")
        else:
            records.role_remove(systemuser=user, role=role)
    elif nav == "teammembership_association":
        team, user = pair["teams"], pair["systemusers"]
        if add:
            records.team_member_add(team=team, systemuser=user)  # ROLE-07
        else:
            records.team_member_remove(team=team, systemuser=user)
    else:
        team, role = pair["teams"], pair["roles"]
        roles = set(team.roles.all())
        roles = roles | {role} if add else roles - {role}
        records.team_roles_set(team=team, roles=roles)
