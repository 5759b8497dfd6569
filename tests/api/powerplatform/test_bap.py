"""The Power Platform admin API (BAP) subset: environments in the real service's shape, addUser
(SYNC-03, acting as the caller) and addAppUser (APP-01/02), each refusal in BAP's error shape with
the rule named, writing nothing; rights as the portal's Power Platform screens."""
import pytest

from environments_app.models import Environment
from users_app.models import DirectoryUser, SystemUser
from users_app.tenant_file import load_tenant

from tests.builders import person
from tests.conftest import portal_tenant_data, portal_upn, row_counts

BASE = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"
V = "?api-version=2020-10-01"
ERP_APP_ID = "00000000-0000-0000-0000-000000000001"


def url(environment=None, action=""):
    if environment is None:
        return BASE + V
    name = environment if isinstance(environment, str) else str(environment.environment_id)
    return f"{BASE}/{name}{'/' + action if action else ''}{V}"


def counts_but_sync_history():
    """Rows of every model but the audit log and the sync history: a refused add is recorded in
    Sync history, as the Add user screen's refusal is (SYNC-07), and writes nothing else."""
    return {k: v for k, v in row_counts().items() if k != "users_app.SyncRun"}


def load_more(*, users=(), environments=()):
    data = portal_tenant_data()
    data["users"] += list(users)
    data["environments"] += list(environments)
    load_tenant(data)


# --- environments ------------------------------------------------------------------------------


def test_environment_list_in_bap_shape(portal_tenant, api):
    response = api.get(url(), api.user_token("global"))
    assert response.status_code == 200
    value = {e["properties"]["displayName"]: e for e in response.json()["value"]}
    assert set(value) == {"Sales", "Service"}
    sales = value["Sales"]
    env = portal_tenant["sales"]
    assert sales["name"] == str(env.environment_id)
    assert sales["id"] == f"/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{env.environment_id}"
    assert sales["type"] == "Microsoft.BusinessAppPlatform/scopes/environments"
    assert sales["location"] == env.region
    props = sales["properties"]
    assert props["environmentSku"] == "Production" and value["Service"]["properties"]["environmentSku"] == "Sandbox"
    assert props["provisioningState"] == "Succeeded" and props["databaseType"] == "CommonDataService"
    assert props["states"]["management"]["id"] == "Ready"
    linked = props["linkedEnvironmentMetadata"]
    assert linked["instanceUrl"] == f"https://testserver:8443/dataverse/{env.environment_id}/"
    assert linked["securityGroupId"] == str(env.security_group_object_id)
    assert value["Service"]["properties"]["linkedEnvironmentMetadata"]["securityGroupId"] is None


def test_the_instance_url_is_the_request_origin_over_https(portal_tenant, api):
    token = api.user_token("global")
    response = api.client.get(url(portal_tenant["sales"]), secure=True, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json()["properties"]["linkedEnvironmentMetadata"]["instanceUrl"] == \
        f"https://testserver/dataverse/{portal_tenant['sales'].environment_id}/"


def test_an_environment_without_dataverse_has_no_linked_metadata(portal_tenant, api):
    load_more(environments=[{"name": "Teams chat", "dataverse": False}])
    env = Environment.objects.get(name="Teams chat")
    body = api.get(url(env), api.user_token("ppadmin")).json()
    assert body["properties"]["databaseType"] == "None" and "linkedEnvironmentMetadata" not in body["properties"]


@pytest.mark.parametrize("local", ["global", "ppadmin", "d365admin", "greader"])
def test_power_platform_admins_and_a_global_reader_read_environments(portal_tenant, api, local):
    token = api.user_token(local)
    assert api.get(url(), token).status_code == 200
    assert api.get(url(portal_tenant["service"]), token).status_code == 200


@pytest.mark.parametrize("local", ["plain", "useradmin", "licadmin", "sysadmin", "appadmin"])
def test_others_are_refused_in_bap_shape(portal_tenant, api, local):
    status, code, message = api.error(api.get(url(), api.user_token(local)))
    assert (status, code) == (403, "AuthorizationFailed")
    assert "Power Platform administrator" in message
    status, code, _ = api.error(api.get(url(portal_tenant["sales"]), api.user_token(local)))
    assert (status, code) == (403, "AuthorizationFailed")


def test_an_app_token_is_refused_whatever_its_graph_permissions(portal_tenant, api):
    token = api.app_token(["Directory.ReadWrite.All", "Directory.Read.All", "RoleManagement.ReadWrite.Directory"])
    status, code, message = api.error(api.get(url(), token))
    assert (status, code) == (403, "AuthorizationFailed") and "application's token" in message


def test_no_token_is_401_in_bap_shape(portal_tenant, api):
    status, code, _ = api.error(api.get(url()))
    assert (status, code) == (401, "AuthenticationFailed")


@pytest.mark.parametrize("name", ["00000000-0000-0000-0000-00000000abcd", "not-a-guid", "Default-x"])
def test_an_unknown_environment_is_404_environment_not_found(portal_tenant, api, name):
    status, code, _ = api.error(api.get(url(name), api.user_token("global")))
    assert (status, code) == (404, "EnvironmentNotFound")


def test_a_dynamics_365_admin_manages_only_environments_it_may(portal_tenant, api):
    """DIR-05 as the screens apply it: a Dynamics 365 administrator outside an environment's
    security group may not add users to it."""
    sales = portal_tenant["sales"]
    from users_app.models import GroupMembership
    GroupMembership.objects.filter(group_id=sales.security_group_object_id,
                                   user__user_principal_name=portal_upn("d365admin")).delete()
    target = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    before = row_counts()
    status, code, message = api.error(api.post(url(sales, "addUser"), api.user_token("d365admin"),
                                               {"ObjectId": str(target.pk)}))
    assert (status, code) == (403, "AuthorizationFailed") and "security group" in message
    assert row_counts() == before


# --- addUser (SYNC-03) -----------------------------------------------------------------------------


def test_add_user_adds_through_the_on_demand_add(portal_tenant, api):
    """SYNC-03: the Add user screen's path, acting as the caller."""
    load_more(users=[person("newbie", licences=("DYN",))])
    newbie = DirectoryUser.objects.get(user_principal_name=portal_upn("newbie"))
    service = portal_tenant["service"]
    assert not SystemUser.objects.filter(environment=service, azureactivedirectoryobjectid=newbie.pk).exists()
    response = api.post(url(service, "addUser"), api.user_token("ppadmin"),
                        {"@odata.type": "ignored", "ObjectId": str(newbie.pk)})
    assert response.status_code == 200, response.content
    body = response.json()
    record = SystemUser.objects.get(environment=service, azureactivedirectoryobjectid=newbie.pk)
    assert body["systemUserId"] == str(record.systemuserid) and body["status"] == "enabled"
    assert not record.isdisabled


def test_add_user_refused_by_elig_04_names_the_rule_and_writes_nothing(portal_tenant, api):
    """ELIG-04: not in the environment's security group; BAP's shape, the rule named, nothing
    written (but the sync history's record of the refused attempt)."""
    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    sales = portal_tenant["sales"]
    before = counts_but_sync_history()
    status, code, message = api.error(api.post(url(sales, "addUser"), api.user_token("global"), {"ObjectId": str(olivia.pk)}))
    assert (status, code) == (400, "UserProvisioningFailed")
    assert message.startswith("ELIG-") and "ELIG-04" in message
    assert counts_but_sync_history() == before


def test_add_user_refused_by_elig_03_without_a_licence(portal_tenant, api):
    """ELIG-03: no qualifying licence."""
    load_more(users=[person("nolicence")])
    user = DirectoryUser.objects.get(user_principal_name=portal_upn("nolicence"))
    before = counts_but_sync_history()
    status, code, message = api.error(api.post(url(portal_tenant["service"], "addUser"), api.user_token("global"),
                                               {"ObjectId": str(user.pk)}))
    assert (status, code) == (400, "UserProvisioningFailed") and message.startswith("ELIG-03")
    assert counts_but_sync_history() == before


def test_add_user_to_an_environment_without_dataverse_is_env_02(portal_tenant, api):
    """ENV-02: no Dataverse, no user records."""
    load_more(environments=[{"name": "Teams chat", "dataverse": False}])
    user = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    before = row_counts()
    status, code, message = api.error(api.post(url(Environment.objects.get(name="Teams chat"), "addUser"),
                                               api.user_token("global"), {"ObjectId": str(user.pk)}))
    assert (status, code) == (400, "UserProvisioningFailed") and message.startswith("ENV-02")
    assert row_counts() == before


def test_a_global_reader_cannot_add_users(portal_tenant, api):
    """DIR-05 as the screens apply it: a Global reader changes nothing."""
    user = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    before = row_counts()
    status, code, message = api.error(api.post(url(portal_tenant["service"], "addUser"), api.user_token("greader"),
                                               {"ObjectId": str(user.pk)}))
    assert (status, code) == (403, "AuthorizationFailed") and "Global reader" in message
    assert row_counts() == before


@pytest.mark.parametrize("body, named", [
    ({}, "ObjectId"), ({"ObjectId": 12}, "ObjectId"), ({"ObjectId": "nope"}, "ObjectId"),
    ({"ObjectId": ["a"]}, "ObjectId"), ({"ObjectId": None}, "ObjectId"),
])
def test_a_malformed_add_user_body_is_400_naming_the_field(portal_tenant, api, body, named):
    before = row_counts()
    status, code, message = api.error(api.post(url(portal_tenant["service"], "addUser"), api.user_token("global"), body))
    assert (status, code) == (400, "InvalidRequestContent") and named in message
    assert row_counts() == before


def test_add_user_body_not_json_or_not_an_object_is_400(portal_tenant, api):
    token = api.user_token("global")
    target = url(portal_tenant["service"], "addUser")
    response = api.client.post(target, "{nope", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.error(response)[:2] == (400, "InvalidRequestContent")
    response = api.client.post(target, "[1]", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.error(response)[:2] == (400, "InvalidRequestContent")


def test_add_user_of_an_unknown_or_deleted_user_is_404(portal_tenant, api):
    token = api.user_token("global")
    status, code, _ = api.error(api.post(url(portal_tenant["service"], "addUser"), token,
                                         {"ObjectId": "00000000-0000-0000-0000-00000000dead"}))
    assert (status, code) == (404, "UserNotFound")


def test_get_on_add_user_is_405(portal_tenant, api):
    response = api.get(url(portal_tenant["service"], "addUser"), api.user_token("global"))
    assert response.status_code == 405 and "error" in response.json()


# --- addAppUser (APP-01/02/05) ---------------------------------------------------------------------


def test_add_app_user_creates_the_application_user(portal_tenant, api):
    """APP-01: the application user of an app registration, in the root business unit."""
    sales = portal_tenant["sales"]
    response = api.post(url(sales, "addAppUser"), api.user_token("ppadmin"), {"servicePrincipalAppId": ERP_APP_ID})
    assert response.status_code == 200, response.content
    record = SystemUser.objects.get(environment=sales, applicationid=ERP_APP_ID)
    assert response.json()["systemUserId"] == str(record.systemuserid)
    assert record.businessunit.parentbusinessunit is None and not record.isdisabled


def test_a_second_application_user_is_refused_by_app_05_and_writes_nothing(portal_tenant, api):
    """APP-05: one application user per app registration per environment."""
    sales, token = portal_tenant["sales"], api.user_token("global")
    assert api.post(url(sales, "addAppUser"), token, {"servicePrincipalAppId": ERP_APP_ID}).status_code == 200
    before = row_counts()
    status, code, message = api.error(api.post(url(sales, "addAppUser"), token, {"servicePrincipalAppId": ERP_APP_ID}))
    assert (status, code) == (400, "UserProvisioningFailed") and message.startswith("APP-05")
    assert row_counts() == before


def test_add_app_user_without_dataverse_is_env_02(portal_tenant, api):
    """ENV-02: an environment without Dataverse has no application users."""
    load_more(environments=[{"name": "Teams chat", "dataverse": False}])
    before = row_counts()
    status, code, message = api.error(api.post(url(Environment.objects.get(name="Teams chat"), "addAppUser"),
                                               api.user_token("global"), {"servicePrincipalAppId": ERP_APP_ID}))
    assert (status, code) == (400, "UserProvisioningFailed") and message.startswith("ENV-02")
    assert row_counts() == before


def test_add_app_user_refusals_of_form_and_rights(portal_tenant, api):
    sales, token = portal_tenant["sales"], api.user_token("global")
    before = row_counts()
    assert api.error(api.post(url(sales, "addAppUser"), token, {"servicePrincipalAppId": "x"}))[:2] == \
        (400, "InvalidRequestContent")
    assert api.error(api.post(url(sales, "addAppUser"), token,
                              {"servicePrincipalAppId": "00000000-0000-0000-0000-0000000000ff"}))[:2] == \
        (404, "ApplicationNotFound")
    assert api.error(api.post(url(sales, "addAppUser"), api.user_token("greader"),
                              {"servicePrincipalAppId": ERP_APP_ID}))[:2] == (403, "AuthorizationFailed")
    assert api.error(api.post(url(sales, "addAppUser"), api.app_token(["Application.ReadWrite.All"]),
                              {"servicePrincipalAppId": ERP_APP_ID}))[:2] == (403, "AuthorizationFailed")
    assert {k: v for k, v in row_counts().items() if k != "users_app.AppRegistration"} == \
        {k: v for k, v in before.items() if k != "users_app.AppRegistration"}
