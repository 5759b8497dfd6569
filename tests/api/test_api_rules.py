"""Rules an API call can trigger that the endpoints' own tests do not reach (the audit of issue 13:
each rule of rules.md reachable through an API has a test that the API answers in its own error
shape, names the rule and writes nothing).

The audit, rule by rule (where each API-reachable rule is tested):
- Graph (tests/api/graph/, tests/api/graph_directory/): DIR-01, DIR-02, DIR-04 (30 days, name taken),
  DIR-05, DIR-06, DIR-08, DIR-10, DIR-11.
- Dataverse (tests/api/dataverse/): ENV-02, ONPREM-01, ONPREM-02, APP-04, ROLE-01, ROLE-02, ROLE-07,
  FIELD-01, FIELD-04, MODE-03, LIFE-01, LIFE-05, SYNC-02, SYNC-03, ELIG-03, ELIG-04.
- Power Platform admin (tests/api/powerplatform/): DIR-05, ENV-02, SYNC-03, SYNC-07, ELIG-03, ELIG-04,
  APP-01, APP-05.
- Here: MODE-04, MODE-05, MODE-07, APP-03, APP-05 (PATCH of an application user), ELIG-02, ELIG-05,
  ROLE-03, ROLE-06, SYNC-06.
- No API reaches: ENV-01, ENV-03..07 (environments are managed in the portal), SYNC-01/04/05/08
  (background sync, Refresh user), STUB-*, DIAG-*, ELIG-06 (never refuses an on-demand add),
  DIR-03/07/09, MODE-01/02/06, APP-02, FIELD-02/03/05/06, ROLE-04/05, LIFE-02..04 (no refusal a
  call can meet; their effects are the services', tested with them).
"""
from __future__ import annotations

import pytest

from tests.api.conftest import ERP_APP_ID
from tests.conftest import portal_upn, row_counts


def _without_sync_runs() -> dict:
    """row_counts() but the Sync history: a refused add is recorded there (SYNC-07), as the screen's is."""
    return {k: v for k, v in row_counts().items() if k != "users_app.SyncRun"}


@pytest.fixture
def dataverse(portal_tenant, api):
    """(org API root of Sales, the ERP connector's token acting as its application user there, a
    System Administrator)."""
    from environments_app.models import SecurityRole
    from users_app.models import AppRegistration
    from users_app.services.records import app_user_create

    sales = portal_tenant["sales"]
    role = SecurityRole.objects.get(environment=sales, name="System Administrator",
                                    business_unit__parentbusinessunit__isnull=True)
    app_user = app_user_create(environment=sales, app=AppRegistration.objects.get(app_id=ERP_APP_ID), roles=[role])
    return f"/dataverse/{sales.environment_id}/api/data/v9.2/", api.app_token(), app_user


def _placeholder(environment, user_type):
    from users_app.models import SystemUser

    return SystemUser.objects.get(environment=environment, user_type=user_type)


@pytest.mark.parametrize("user_type, rule", [("delegated_admin", "MODE-05"), ("support", "MODE-07")])
def test_mode_05_mode_07_a_placeholder_is_not_edited_through_the_dataverse_api(portal_tenant, api, dataverse,
                                                                                 user_type, rule):
    """MODE-05 (delegated admin), MODE-07 (support user): neither placeholder is edited: PATCH of its
    primary e-mail is refused in Dataverse's shape, the rule named, nothing written."""
    from users_app.choices import UserType

    root, token, _app_user = dataverse
    record = _placeholder(portal_tenant["sales"], UserType(user_type))
    before, email = row_counts(), record.internalemailaddress
    response = api.patch(f"{root}systemusers({record.systemuserid})", token, {"internalemailaddress": "x@contoso.com"},
                         headers={"If-Match": "*"})
    status, code, message = api.error(response)
    assert status == 400 and code.startswith("0x8004") and message.startswith(f"{rule}:"), message
    assert row_counts() == before
    record.refresh_from_db()
    assert record.internalemailaddress == email and not record.internalemailaddress_edited


def test_mode_05_no_role_is_associated_to_the_delegated_admin_placeholder(portal_tenant, api, dataverse):
    """MODE-05: the placeholder's roles are not changed through systemuserroles_association/$ref."""
    from environments_app.models import SecurityRole
    from users_app.choices import UserType

    root, token, _app_user = dataverse
    sales = portal_tenant["sales"]
    record = _placeholder(sales, UserType.DELEGATED_ADMIN)
    role = SecurityRole.objects.filter(environment=sales, name="Basic User",
                                       business_unit=record.businessunit).first()
    assert role is not None
    before = row_counts()
    response = api.post(f"{root}systemusers({record.systemuserid})/systemuserroles_association/$ref", token,
                        {"@odata.id": f"http://testserver{root}roles({role.roleid})"})
    status, code, message = api.error(response)
    assert status == 400 and "MODE-05" in message.split(":")[0], message
    assert row_counts() == before


def test_app_03_an_application_users_status_is_not_changed_while_the_setting_is_off(portal_tenant, api, dataverse):
    """APP-03: an application user's status cannot be changed while the environment's "application user
    form allows status edits" is off: PATCH isdisabled is refused, named, and writes nothing."""
    root, token, app_user = dataverse
    assert not portal_tenant["sales"].app_user_status_editable
    before = row_counts()
    response = api.patch(f"{root}systemusers({app_user.systemuserid})", token, {"isdisabled": True},
                         headers={"If-Match": "*"})
    status, code, message = api.error(response)
    assert status == 400 and message.startswith("APP-03:"), message
    assert row_counts() == before
    app_user.refresh_from_db()
    assert app_user.isdisabled is False


def test_app_05_an_application_users_access_mode_is_fixed(portal_tenant, api, dataverse):
    """APP-05: only business unit, e-mail and security roles of an application user are editable: a PATCH
    of its access mode is refused, named, and writes nothing."""
    root, token, app_user = dataverse
    before = row_counts()
    response = api.patch(f"{root}systemusers({app_user.systemuserid})", token, {"accessmode": 0},
                         headers={"If-Match": "*"})
    status, code, message = api.error(response)
    assert status == 400 and message.startswith("APP-05:"), message
    assert row_counts() == before


def _blocked(local: str):
    """A directory user whose sign-in is blocked (ELIG-02), through the directory's service."""
    from users_app.models import DirectoryUser
    from users_app.services.directory import directory_user_update

    user = DirectoryUser.objects.get(user_principal_name=portal_upn(local))
    directory_user_update(user=user, account_enabled=False)
    return DirectoryUser.objects.get(pk=user.pk)


def test_elig_02_the_admin_api_does_not_add_a_blocked_user(portal_tenant, api):
    """ELIG-02: addUser of a directory user whose sign-in is blocked is refused in BAP's shape, the rule
    named; nothing is written but the refusal's entry in Sync history (SYNC-07)."""
    user = _blocked("olivia")
    sales = portal_tenant["sales"]
    token = api.user_token("global")
    before = _without_sync_runs()
    response = api.post(f"/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{sales.environment_id}"
                        "/addUser?api-version=2020-10-01", token, {"ObjectId": str(user.pk)})
    status, code, message = api.error(response)
    assert status == 400 and "ELIG-02" in message.split(":")[0], message
    assert _without_sync_runs() == before


def test_elig_02_a_dataverse_create_of_a_blocked_user_is_refused(portal_tenant, api, dataverse):
    """ELIG-02 through POST /systemusers (the on-demand add, SYNC-03): refused in Dataverse's shape,
    the rule named, nothing written but the refusal's entry in Sync history."""
    from users_app.models import SystemUser

    root, token, _app_user = dataverse
    user = _blocked("olivia")
    before = _without_sync_runs()
    response = api.post(f"{root}systemusers", token, {"azureactivedirectoryobjectid": str(user.pk)})
    status, code, message = api.error(response)
    assert status in (400, 403) and "ELIG-02" in message, message
    assert _without_sync_runs() == before
    assert not SystemUser.objects.filter(environment=portal_tenant["sales"], azureactivedirectoryobjectid=user.pk).exists()


def test_elig_05_the_admin_api_adds_nobody_but_its_creator_to_a_developer_environment(portal_tenant, api):
    """ELIG-05: a Developer environment takes only the user who created it: addUser of anyone else
    (a licensed user) is refused in BAP's shape, the rule named; nothing is written but Sync history."""
    from environments_app.choices import EnvironmentType
    from users_app.models import DirectoryUser, SystemUser
    from users_app.services.environments import environment_create

    creator = DirectoryUser.objects.get(user_principal_name=portal_upn("sysadmin"))
    developer = environment_create(name="Dev sandbox", type=EnvironmentType.DEVELOPER, created_by=creator)
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    token = api.user_token("global")
    before = _without_sync_runs()
    response = api.post(f"/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{developer.environment_id}"
                        "/addUser?api-version=2020-10-01", token, {"ObjectId": str(plain.pk)})
    status, code, message = api.error(response)
    assert status == 400 and "ELIG-05" in message.split(":")[0], message
    assert _without_sync_runs() == before
    assert not SystemUser.objects.filter(environment=developer, azureactivedirectoryobjectid=plain.pk).exists()


def test_mode_04_a_user_without_system_administrator_does_not_change_an_access_mode(portal_tenant, api):
    """MODE-04: changing an access mode needs System Administrator in the environment. Through the
    Dataverse API every write needs it (the prvWriteUser privilege, ROLE-01), so plain@ (Basic User)
    is refused before the change is tried: 403 in Dataverse's shape, the rule named, nothing written."""
    from users_app.models import SystemUser
    from users_app.services.records import role_assign

    sales = portal_tenant["sales"]
    role_assign(systemuser=SystemUser.objects.get(environment=sales, domainname=portal_upn("plain")), role="Basic User")
    root = f"/dataverse/{sales.environment_id}/api/data/v9.2/"
    token = api.user_token("plain")
    assert api.get(f"{root}WhoAmI", token).status_code == 200  # the first access (SYNC-02) is done
    other = SystemUser.objects.get(environment=sales, domainname=portal_upn("d365admin"))
    before, mode = row_counts(), other.accessmode
    response = api.patch(f"{root}systemusers({other.systemuserid})", token, {"accessmode": 2},
                         headers={"If-Match": "*"})
    status, code, message = api.error(response)
    assert status == 403 and code == "0x80040220" and message.startswith("ROLE-01:"), message
    assert row_counts() == before
    other.refresh_from_db()
    assert other.accessmode == mode


def test_role_03_removing_the_last_role_through_the_api_keeps_the_user_enabled(portal_tenant, api, dataverse):
    """ROLE-03: disassociating a user's last security role leaves the record enabled and licensed (the
    API removes it as the real service does; the screens' confirmation is theirs)."""
    from users_app.models import SystemUser
    from users_app.services.records import role_assign

    root, token, _app_user = dataverse
    record = SystemUser.objects.get(environment=portal_tenant["sales"], domainname=portal_upn("plain"))
    role_assign(systemuser=record, role="Basic User")
    roles = list(record.roles.all())
    assert roles
    for role in roles:
        response = api.delete(f"{root}systemusers({record.systemuserid})/systemuserroles_association({role.roleid})/$ref",
                              token)
        assert response.status_code == 204, response.content
    record.refresh_from_db()
    assert not record.roles.exists() and record.isdisabled is False


def test_sync_06_a_second_record_for_the_same_directory_user_is_refused(portal_tenant, api, dataverse):
    """SYNC-06: no environment holds two SystemUsers for one directory user: POST /systemusers for a user
    who has one is refused as a duplicate in Dataverse's shape, named, and writes nothing."""
    from users_app.models import DirectoryUser, SystemUser

    root, token, _app_user = dataverse
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    before = _without_sync_runs()
    for body in ({"azureactivedirectoryobjectid": str(plain.pk)}, {"domainname": plain.user_principal_name}):
        status, code, message = api.error(api.post(f"{root}systemusers", token, body))
        assert status == 400 and code == "0x80040237" and "SYNC-06" in message, message
    assert _without_sync_runs() == before
    assert SystemUser.objects.filter(environment=portal_tenant["sales"], azureactivedirectoryobjectid=plain.pk).count() == 1


def test_role_06_a_business_unit_change_through_the_api_removes_the_users_roles(portal_tenant, api, dataverse):
    """ROLE-06: PATCH businessunitid@odata.bind moves the user through the screen's service, which
    removes the user's security roles (DoNotRemoveRolesOnChangeBusinessUnit is off)."""
    from users_app.models import SystemUser
    from users_app.services.environments import business_unit_create
    from users_app.services.records import role_assign

    root, token, _app_user = dataverse
    sales = portal_tenant["sales"]
    unit = business_unit_create(environment=sales, name="Field sales")
    record = SystemUser.objects.get(environment=sales, domainname=portal_upn("plain"))
    role_assign(systemuser=record, role="Basic User")
    assert record.roles.exists() and not sales.do_not_remove_roles_on_change_business_unit
    response = api.patch(f"{root}systemusers({record.systemuserid})", token,
                         {"businessunitid@odata.bind": f"/businessunits({unit.businessunitid})"}, headers={"If-Match": "*"})
    assert response.status_code == 204, response.content
    record.refresh_from_db()
    assert record.businessunit_id == unit.pk and not record.roles.exists()
