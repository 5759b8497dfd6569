"""The Dataverse Web API's writes: create (SYNC-03), update (FIELD-04, MODE, the columns that follow
the directory), the refused delete (LIFE-05), associations (ROLE-02, ROLE-07), and who may call at
all (APP-04, SYNC-02, ENV-02, ONPREM-01). Each refusal in Dataverse's shape, its rule named, and
nothing written (row_counts() unchanged)."""
from __future__ import annotations

import uuid

import pytest
from PowerPlatform.Dataverse.data._odata_base import _GUID_RE

from environments_app.choices import Deployment
from environments_app.models import SecurityRole
from tests.api.conftest import ERP_APP_ID
from tests.conftest import PORTAL_PASSWORD, portal_upn, row_counts
from users_app.models import Account, AppRegistration, DirectoryGroup, DirectoryUser, SystemUser, Team
from users_app.provisioning.sync import directory_sync
from users_app.services import environments
from users_app.services.directory.groups import group_member_add, group_member_remove
from users_app.services.directory.users import directory_user_create, directory_user_update
from users_app.services.records import access_mode_set, app_user_create, app_user_set_status

pytestmark = pytest.mark.django_db


def _record(environment, local) -> SystemUser:
    return SystemUser.objects.get(environment=environment, domainname=portal_upn(local))


def _counts_but_runs() -> dict:
    """row_counts() less the sync's run records: a refused on-demand add or first access keeps
    its run's record, as the screens' Add user does (users_app/provisioning/sync.py)."""
    counts = row_counts()
    counts.pop("users_app.SyncRun")
    return counts


def _app_user_in(environment):
    role = SecurityRole.objects.get(environment=environment, name="System Administrator",
                                    business_unit__parentbusinessunit__isnull=True)
    return app_user_create(environment=environment, app=AppRegistration.objects.get(app_id=ERP_APP_ID), roles=[role])


def _new_member(local: str, *, group: str = "Sales-Env") -> DirectoryUser:
    user, _ = directory_user_create(user_principal_name=portal_upn(local), display_name=f"{local.title()} Test",
                                    mail=portal_upn(local), licences=["DYN"], usage_location="US",
                                    password=PORTAL_PASSWORD)
    group_member_add(group=DirectoryGroup.objects.get(name=group), user=user)
    return user


# --- Create: the on-demand add (SYNC-03) ---------------------------------------------------------


def test_create_systemuser_is_the_on_demand_add_with_odata_entityid_SYNC_03(portal_tenant, api):
    service = portal_tenant["service"]
    _app_user_in(service)
    token = api.app_token([])
    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    assert not SystemUser.objects.filter(environment=service, azureactivedirectoryobjectid=olivia.pk).exists()
    root = service.business_units.get(parentbusinessunit__isnull=True)
    url = f"/dataverse/{service.environment_id}/api/data/v9.2/systemusers"
    response = api.post(url, token, {"domainname": olivia.user_principal_name, "firstname": "ignored",
                                     "businessunitid@odata.bind": f"/businessunits({root.businessunitid})",
                                     "@odata.type": "Microsoft.Dynamics.CRM.systemuser"})
    assert response.status_code == 204, response.content
    record = SystemUser.objects.get(environment=service, azureactivedirectoryobjectid=olivia.pk)
    assert response["Location"] == f"http://testserver{url}({record.systemuserid})"
    # The Dataverse client takes the first GUID of OData-EntityId as the new row's id.
    assert _GUID_RE.search(response["OData-EntityId"]).group(0) == str(record.systemuserid)
    assert record.firstname == olivia.given_name or record.firstname == "#"  # the directory's values (FIELD-01)
    # The same user again: a duplicate, nothing written.
    before = row_counts()
    status, code, message = api.error(api.post(url, token, {"azureactivedirectoryobjectid": str(olivia.pk)}))
    assert (status, code) == (400, "0x80040237") and str(record.systemuserid) in message
    assert row_counts() == before


def test_create_with_return_representation_answers_201_and_the_row(portal_tenant, api):
    sales = portal_tenant["sales"]
    _app_user_in(sales)
    token = api.app_token([])
    newbie = _new_member("newbie")
    response = api.post(f"/dataverse/{sales.environment_id}/api/data/v9.2/systemusers?$select=domainname", token,
                        {"azureactivedirectoryobjectid": str(newbie.pk)}, headers={"Prefer": "return=representation"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["domainname"] == newbie.user_principal_name
    assert _GUID_RE.search(response["OData-EntityId"]).group(0) == body["systemuserid"]


@pytest.mark.parametrize("local, rule", [("olivia", "ELIG-04"), ("greader", "ELIG-03")])
def test_create_refused_by_the_rules_of_add_user_SYNC_03(portal_tenant, api, local, rule):
    sales = portal_tenant["sales"]
    _app_user_in(sales)
    token = api.app_token([])
    before = _counts_but_runs()
    response = api.post(f"/dataverse/{sales.environment_id}/api/data/v9.2/systemusers", token,
                        {"domainname": portal_upn(local)})
    status, code, message = api.error(response)
    assert status == 400 and code == "0x80040265"
    assert message.startswith(f"{rule}: ") and portal_upn(local) in message
    assert _counts_but_runs() == before


def test_create_needs_a_directory_user_and_known_columns(dv, app_token, api):
    before = row_counts()
    for body, status in (({}, 400), ({"domainname": "nobody@contoso.onmicrosoft.com"}, 404),
                         ({"domainname": portal_upn("olivia"), "favouritecolour": "blue"}, 400),
                         ({"domainname": 7}, 400),
                         ({"domainname": portal_upn("olivia"), "businessunitid@odata.bind": "/teams(1)"}, 400),
                         ({"domainname": portal_upn("olivia"), "businessunitid@odata.bind": f"/businessunits({uuid.uuid4()})"}, 404)):
        got, code, message = api.error(api.post(dv.url("systemusers"), app_token, body))
        assert got == status and code.startswith("0x"), (body, message)
    assert "favouritecolour" in api.error(api.post(dv.url("systemusers"), app_token,
                                                   {"domainname": "x", "favouritecolour": "blue"}))[2]
    assert row_counts() == before


def test_read_only_sets_refuse_create(dv, app_token, api):
    for entity_set in ("roles", "businessunits", "positions"):
        status, code, message = api.error(api.post(dv.url(entity_set), app_token, {"name": "x"}))
        assert status == 405 and "read-only" in message


def test_teams_and_accounts_are_created_through_their_services(dv, app_token, api):
    plain = _record(dv.environment, "plain")
    response = api.post(dv.url("teams"), app_token, {"name": "API team", "description": "made by a script"})
    assert response.status_code == 204, response.content
    team = Team.objects.get(environment=dv.environment, name="API team")
    assert response["OData-EntityId"] == f"teams({team.teamid})"
    assert response["Location"].endswith(dv.url(f"teams({team.teamid})"))
    response = api.post(dv.url("accounts"), app_token, {"name": "Fabrikam",
                                                        "ownerid@odata.bind": f"/systemusers({plain.systemuserid})"})
    assert response.status_code == 204, response.content
    assert Account.objects.get(environment=dv.environment, name="Fabrikam").owner == plain
    # A team name already taken: 400 naming the field, nothing written.
    before = row_counts()
    status, _, message = api.error(api.post(dv.url("teams"), app_token, {"name": "api TEAM"}))
    assert status == 400 and "name" in message
    assert row_counts() == before


# --- Update -----------------------------------------------------------------------------------------


def test_patch_the_primary_email_then_sync_keeps_it_FIELD_04(dv, app_token, api):
    plain = _record(dv.environment, "plain")
    response = api.patch(dv.url(f"systemusers({plain.systemuserid})"), app_token,
                         {"internalemailaddress": "plain.sales@contoso.com"}, headers={"If-Match": "*"})
    assert response.status_code == 204, response.content
    directory_user = DirectoryUser.objects.get(pk=plain.azureactivedirectoryobjectid)
    directory_user_update(user=directory_user, mail="plain.new@contoso.com", job_title="Buyer")
    directory_sync()
    plain.refresh_from_db()
    assert plain.internalemailaddress == "plain.sales@contoso.com"  # FIELD-04: the edited value stays
    assert plain.jobtitle == "Buyer"  # the other columns still follow the directory
    assert plain.internalemailaddress_edited


def test_patch_organisation_lookups_and_access_mode(dv, app_token, api):
    plain, sysadmin = _record(dv.environment, "plain"), _record(dv.environment, "sysadmin")
    east = environments.business_unit_create(environment=dv.environment, name="East")
    response = api.patch(dv.url(f"systemusers({plain.systemuserid})"), app_token, {
        "businessunitid@odata.bind": f"/businessunits({east.businessunitid})",
        "parentsystemuserid@odata.bind": f"/systemusers({sysadmin.systemuserid})",
        "accessmode": 2}, headers={"If-Match": "*"})
    assert response.status_code == 204, response.content
    plain.refresh_from_db()
    assert (plain.businessunit, plain.parentsystemuser, plain.accessmode) == (east, sysadmin, 2)
    row = api.get(dv.url(f"systemusers({plain.systemuserid})"), app_token,
                  **{"$select": "_businessunitid_value,_parentsystemuserid_value,accessmode"}).json()
    assert row["_businessunitid_value"] == str(east.businessunitid)
    assert row["_parentsystemuserid_value"] == str(sysadmin.systemuserid) and row["accessmode"] == 2
    response = api.patch(dv.url(f"systemusers({plain.systemuserid})"), app_token,
                         {"parentsystemuserid@odata.bind": None}, headers={"If-Match": "*"})
    assert response.status_code == 204
    plain.refresh_from_db()
    assert plain.parentsystemuser is None


@pytest.mark.parametrize("body, rule", [
    ({"jobtitle": "Boss"}, "ONPREM-02"),       # follows the directory (FIELD): no hand edit online
    ({"firstname": "Pat"}, "ONPREM-02"),
    ({"isdisabled": True}, "LIFE-01"),         # a regular user is disabled by the directory
])
def test_patch_of_what_follows_the_directory_is_refused_FIELD_LIFE_01(dv, app_token, api, body, rule):
    plain = _record(dv.environment, "plain")
    before = row_counts()
    status, code, message = api.error(api.patch(dv.url(f"systemusers({plain.systemuserid})"), app_token, body,
                                                headers={"If-Match": "*"}))
    assert status == 400 and code == "0x80040265" and message.startswith(f"{rule}: ")
    assert row_counts() == before


def test_patch_is_never_an_upsert_and_names_what_it_does_not_take(dv, app_token, api):
    plain = _record(dv.environment, "plain")
    before = row_counts()
    missing = uuid.uuid4()
    status, code, message = api.error(api.patch(dv.url(f"systemusers({missing})"), app_token,
                                                {"internalemailaddress": "x@contoso.com"}, headers={"If-Match": "*"}))
    assert (status, code, message) == (404, "0x80040217", f"systemuser With Id = {missing} Does Not Exist")
    for body, name in (({"favouritecolour": "blue"}, "favouritecolour"), ({"accessmode": "Read"}, "accessmode"),
                       ({"createdon": "2020-01-01"}, "createdon"), ({"isdisabled": "yes"}, "isdisabled"),
                       ({"positionid@odata.bind": "/positions(nope)"}, "nope"),
                       ({"accessmode": 3}, "mode"), ({"internalemailaddress": ["a"]}, "internalemailaddress")):
        status, code, message = api.error(api.patch(dv.url(f"systemusers({plain.systemuserid})"), app_token, body,
                                                    headers={"If-Match": "*"}))
        assert status == 400 and name in message, (body, message)
    status, _, _ = api.error(api.patch(dv.url("roles(" + str(SecurityRole.objects.first().roleid) + ")"), app_token,
                                       {"name": "x"}))
    assert status == 405
    assert row_counts() == before


def test_the_eighth_non_interactive_user_is_refused_MODE_03(dv, app_token, api):
    locals_ = [f"bot{n}" for n in range(8)]
    for local in locals_:
        _new_member(local)
    directory_sync()
    for local in locals_[:7]:
        access_mode_set(systemuser=_record(dv.environment, local), mode=4)
    last = _record(dv.environment, locals_[7])
    before = row_counts()
    status, code, message = api.error(api.patch(dv.url(f"systemusers({last.systemuserid})"), app_token,
                                                {"accessmode": 4}, headers={"If-Match": "*"}))
    assert status == 400 and message.startswith("MODE-03: ")
    assert row_counts() == before


def test_delete_of_a_systemuser_is_refused_as_the_real_service_does_LIFE_05(dv, app_token, api):
    plain = _record(dv.environment, "plain")
    before = row_counts()
    status, code, message = api.error(api.delete(dv.url(f"systemusers({plain.systemuserid})"), app_token,
                                                 headers={"If-Match": "*"}))
    assert (status, code) == (403, "0x80040227") and message.startswith("LIFE-05: ")
    assert api.delete(dv.url(f"systemusers({uuid.uuid4()})"), app_token).status_code == 404
    assert row_counts() == before


# --- Associations --------------------------------------------------------------------------------


def _role(environment, name="Basic User") -> SecurityRole:
    return SecurityRole.objects.get(environment=environment, name=name, business_unit__parentbusinessunit__isnull=True)


def test_associate_list_and_disassociate_a_role_both_ways(dv, app_token, api):
    plain, role = _record(dv.environment, "plain"), _role(dv.environment)
    ref = dv.url(f"systemusers({plain.systemuserid})/systemuserroles_association/$ref")
    role_url = f"http://testserver{dv.url(f'roles({role.roleid})')}"
    assert api.post(ref, app_token, {"@odata.id": role_url}).status_code == 204
    assert plain.roles.filter(pk=role.pk).exists()
    listed = api.get(dv.url(f"systemusers({plain.systemuserid})/systemuserroles_association"), app_token,
                     **{"$select": "name,roleid"}).json()["value"]
    assert [(r["name"], r["roleid"]) for r in listed] == [("Basic User", str(role.roleid))]
    status, code, _ = api.error(api.post(ref, app_token, {"@odata.id": role_url}))
    assert (status, code) == (400, "0x80040237")
    response = api.delete(dv.url(f"systemusers({plain.systemuserid})/systemuserroles_association({role.roleid})/$ref"),
                          app_token)
    assert response.status_code == 204 and not plain.roles.exists()
    # From the role's side, and the ?$id= form of disassociate.
    plain_url = f"http://testserver{dv.url(f'systemusers({plain.systemuserid})')}"
    assert api.post(dv.url(f"roles({role.roleid})/systemuserroles_association/$ref"), app_token,
                    {"@odata.id": plain_url}).status_code == 204
    assert plain.roles.filter(pk=role.pk).exists()
    response = api.client.delete(ref + f"?$id={role_url}", **api._headers(app_token, None))
    assert response.status_code == 204 and not plain.roles.exists()


def test_a_role_for_a_disabled_user_is_refused_ROLE_02(dv, app_token, api):
    plain = _record(dv.environment, "plain")
    group_member_remove(group=DirectoryGroup.objects.get(name="Sales-Env"),
                        user=DirectoryUser.objects.get(pk=plain.azureactivedirectoryobjectid))
    directory_sync()
    plain.refresh_from_db()
    assert plain.isdisabled
    role = _role(dv.environment)
    before = row_counts()
    response = api.post(dv.url(f"systemusers({plain.systemuserid})/systemuserroles_association/$ref"), app_token,
                        {"@odata.id": f"/roles({role.roleid})"})
    status, code, message = api.error(response)
    assert (status, code) == (400, "0x8004d24b")
    assert message.startswith("ROLE-02: roleFailureDuetoUserIsDisabled") and "Basic User" in message
    assert row_counts() == before


def test_team_membership_from_both_sides_and_the_default_team_refused_ROLE_07(dv, app_token, api):
    plain = _record(dv.environment, "plain")
    api.post(dv.url("teams"), app_token, {"name": "Buyers"})
    team = Team.objects.get(environment=dv.environment, name="Buyers")
    response = api.post(dv.url(f"teams({team.teamid})/teammembership_association/$ref"), app_token,
                        {"@odata.id": f"/systemusers({plain.systemuserid})"})
    assert response.status_code == 204, response.content
    listed = api.get(dv.url(f"systemusers({plain.systemuserid})/teammembership_association"), app_token).json()["value"]
    assert str(team.teamid) in [t["teamid"] for t in listed]
    members = api.get(dv.url(f"teams({team.teamid})/teammembership_association"), app_token).json()["value"]
    assert [m["systemuserid"] for m in members] == [str(plain.systemuserid)]
    response = api.delete(dv.url(f"systemusers({plain.systemuserid})/teammembership_association({team.teamid})/$ref"),
                          app_token)
    assert response.status_code == 204 and not team.members.exists()
    assert api.post(dv.url(f"systemusers({plain.systemuserid})/teammembership_association/$ref"), app_token,
                    {"@odata.id": f"/teams({team.teamid})"}).status_code == 204
    assert team.members.filter(pk=plain.pk).exists()
    default = Team.objects.get(environment=dv.environment, isdefault=True)
    before = row_counts()
    status, code, message = api.error(api.delete(
        dv.url(f"teams({default.teamid})/teammembership_association({plain.systemuserid})/$ref"), app_token))
    assert status == 400 and code == "0x80040265" and message.startswith("ROLE-07: ")
    assert row_counts() == before


def test_a_team_is_deleted_but_not_a_default_team_ENV_05(dv, app_token, api):
    api.post(dv.url("teams"), app_token, {"name": "Short-lived"})
    team = Team.objects.get(environment=dv.environment, name="Short-lived")
    assert api.delete(dv.url(f"teams({team.teamid})"), app_token).status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()
    default = Team.objects.get(environment=dv.environment, isdefault=True)
    before = row_counts()
    status, code, message = api.error(api.delete(dv.url(f"teams({default.teamid})"), app_token))
    assert status == 400 and message.startswith("ENV-05: ")
    assert api.error(api.delete(dv.url(f"roles({_role(dv.environment).roleid})"), app_token))[0] == 405
    assert row_counts() == before


def test_associations_need_system_administrator_and_a_known_row(dv, api):
    sysadmin, plain = _record(dv.environment, "sysadmin"), _record(dv.environment, "plain")
    from users_app.services.records import role_assign
    role_assign(systemuser=plain, role="Basic User")
    before = row_counts()
    status, code, message = api.error(api.post(
        dv.url(f"systemusers({sysadmin.systemuserid})/systemuserroles_association/$ref"), api.user_token("plain"),
        {"@odata.id": f"/roles({_role(dv.environment).roleid})"}))
    assert (status, code) == (403, "0x80040220") and "prvAssignRole" in message
    token = api.user_token("sysadmin")
    for body in ({}, {"@odata.id": "/teams(x)"}, {"@odata.id": f"/roles({uuid.uuid4()})"}):
        status, code, _ = api.error(api.post(
            dv.url(f"systemusers({plain.systemuserid})/systemuserroles_association/$ref"), token, body))
        assert status in (400, 404) and code.startswith("0x")
    assert api.error(api.post(dv.url(f"systemusers({plain.systemuserid})/nothing/$ref"), token, {}))[0] == 400
    assert row_counts() == before


# --- Who may call ------------------------------------------------------------------------------------


def test_an_app_without_an_application_user_is_refused_APP_04(dv, api):
    token = api.app_token([])
    before = row_counts()
    status, code, message = api.error(api.get(dv.url("systemusers"), token))
    assert (status, code) == (403, "0x80040220") and message.startswith("APP-04: ")
    assert row_counts() == before


def test_a_disabled_application_user_is_refused_APP_04(dv, app_user, app_token, api):
    assert api.get(dv.url("WhoAmI"), app_token).status_code == 200
    environments.environment_update(environment=dv.environment, app_user_status_editable=True)
    app_user_set_status(systemuser=app_user, enabled=False)
    before = row_counts()
    status, code, message = api.error(api.get(dv.url("WhoAmI"), app_token))
    assert (status, code) == (403, "0x80040220") and message.startswith("APP-04: ") and "disabled" in message
    assert row_counts() == before


def test_a_user_first_access_goes_through_sign_in_SYNC_02(dv, api):
    newcomer = _new_member("newcomer")
    assert not SystemUser.objects.filter(environment=dv.environment, azureactivedirectoryobjectid=newcomer.pk).exists()
    response = api.get(dv.url("WhoAmI"), api.user_token("newcomer"))
    record = SystemUser.objects.get(environment=dv.environment, azureactivedirectoryobjectid=newcomer.pk)
    assert not record.isdisabled  # the first access added it, as a sign-in does
    # It holds no security role yet (ROLE-01): it reads nothing.
    status, code, message = api.error(response)
    assert (status, code) == (403, "0x80040220") and "prvReadUser" in message


def test_a_user_refused_at_first_access_is_named_SYNC_02(dv, api):
    token = api.user_token("olivia")  # not in the Sales security group
    before = _counts_but_runs()
    status, code, message = api.error(api.get(dv.url("systemusers"), token))
    assert (status, code) == (403, "0x80040220") and message.startswith("ELIG-04: ")
    assert _counts_but_runs() == before


def test_an_environment_without_dataverse_or_on_premises_is_refused_ENV_02_ONPREM_01(portal_tenant, api):
    no_database = environments.environment_create(name="Teamwork", dataverse=False)
    on_premises = environments.environment_create(name="Datacenter", deployment=Deployment.ON_PREMISES)
    token = api.user_token("global")
    before = row_counts()
    for environment, rule in ((no_database, "ENV-02"), (on_premises, "ONPREM-01")):
        for path in ("systemusers", "WhoAmI", "EntityDefinitions", "$metadata"):
            status, code, message = api.error(api.get(f"/dataverse/{environment.environment_id}/api/data/v9.2/{path}",
                                                      token))
            assert status == 400 and code == "0x80040265" and message.startswith(f"{rule}: "), (path, message)
    assert row_counts() == before
