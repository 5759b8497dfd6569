"""Microsoft's SDKs, unmodified, against the portal served over https (tests/api/sdk/conftest.py):
msgraph-sdk 1.65 for Microsoft Graph, PowerPlatform-Dataverse-Client 1.1 (its sync client, https
only) for the Dataverse Web API, and plain requests for the calls neither SDK has (the Dataverse
$ref associations, WhoAmI, the Power Platform admin API), with the headers the Dataverse client sends.

The issue's Tests list, in order: a user made with a password, licensed (and the seat refusal,
DIR-02), added to an environment's security group, added by the sync; systemusers listed with a
filter, a select and paging; FIELD-04 after an update; ROLE-02 on a disabled user; an application
user's token acting as itself (APP-04) and refused once disabled; addUser refused with the rule
named (ELIG-04); 1,000 users paged through with msgraph_core's PageIterator.
"""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.api.sdk.conftest import ERP_APP_ID, SEAT_SKU
from tests.builders import DOMAIN
from tests.conftest import row_counts

NEW_PASSWORD = "Sdk-Created-2026!"
# msgraph-sdk's generated request builders warn about their own deprecated classes on every call.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _new_user(local: str):
    from msgraph.generated.models.password_profile import PasswordProfile
    from msgraph.generated.models.user import User

    return User(account_enabled=True, display_name=f"{local.capitalize()} Sdk", given_name=local.capitalize(),
                surname="Sdk", mail_nickname=local, user_principal_name=f"{local}@{DOMAIN}", usage_location="US",
                password_profile=PasswordProfile(password=NEW_PASSWORD, force_change_password_next_sign_in=False))


def _sku_id(part_number: str) -> uuid.UUID:
    from users_app.models import Sku

    return Sku.objects.get(sku_part_number=part_number).sku_id


def _assign(sku_id):
    from msgraph.generated.models.assigned_license import AssignedLicense
    from msgraph.generated.users.item.assign_license.assign_license_post_request_body import (
        AssignLicensePostRequestBody,
    )

    return AssignLicensePostRequestBody(add_licenses=[AssignedLicense(sku_id=sku_id, disabled_plans=[])],
                                        remove_licenses=[])


def _rows_but_sync_runs() -> dict:
    """row_counts() but the sync history: an on-demand add records its run, refused or not (SYNC-07)."""
    return {label: count for label, count in row_counts().items() if label != "users_app.SyncRun"}


def _graph_error(excinfo) -> tuple[int, str, str]:
    error = excinfo.value
    return error.response_status_code, error.error.code, error.error.message


def test_a_user_created_with_a_password_licensed_and_added_to_the_group_reaches_dataverse_through_the_sync(
        sdk_tenant, https_server):
    """Graph: POST /users with a passwordProfile, assignLicense, the security group's members/$ref;
    then the real directory_sync adds them to Sales, where the Dataverse client finds them."""
    from msgraph.generated.models.reference_create import ReferenceCreate

    from users_app.models import DirectoryGroup
    from users_app.provisioning.sync import directory_sync

    sales = sdk_tenant["sales"]
    group = DirectoryGroup.objects.get(name="Sales-Env")
    token, dyn = https_server.user_token("global"), _sku_id("DYN")

    async def provision(client, adapter):
        created = await client.users.post(_new_user("sdknew"))
        licensed = await client.users.by_user_id(created.id).assign_license.post(_assign(dyn))
        await client.groups.by_group_id(str(group.id)).members.ref.post(
            ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{created.id}"))
        details = await client.users.by_user_id(created.id).license_details.get()
        return created, licensed, details

    created, licensed, details = https_server.graph(token, provision)
    assert created.user_principal_name == f"sdknew@{DOMAIN}" and licensed.id == created.id
    assert [d.sku_part_number for d in details.value] == ["DYN"]
    # The password given works: the new user gets a token with it.
    assert https_server.user_token("sdknew", NEW_PASSWORD)

    directory_sync()
    with https_server.dataverse(sales, https_server.user_token("sysadmin")) as dataverse:
        found = list(dataverse.records.list("systemuser", select=["domainname", "isdisabled"],
                                            filter=f"domainname eq 'sdknew@{DOMAIN}'"))
    assert [(r["domainname"], r["isdisabled"]) for r in found] == [(f"sdknew@{DOMAIN}", False)]
    assert found[0]["systemuserid"]


def test_assign_license_beyond_the_seats_is_refused_with_dir_02_and_writes_nothing(sdk_tenant, https_server):
    """DIR-02: the one seat of SEAT goes to the first user; the second assignment is a 400 in Graph's
    shape naming the rule, and writes nothing."""
    from kiota_abstractions.api_error import APIError

    token = https_server.user_token("global")
    seat = _sku_id(SEAT_SKU)

    async def first(client, adapter):
        one = await client.users.post(_new_user("seatone"))
        two = await client.users.post(_new_user("seattwo"))
        await client.users.by_user_id(one.id).assign_license.post(_assign(seat))
        return two

    two = https_server.graph(token, first)
    before = row_counts()
    with pytest.raises(APIError) as refused:
        https_server.graph(token, lambda client, adapter: client.users.by_user_id(two.id).assign_license.post(
            _assign(seat)))
    status, code, message = _graph_error(refused)
    assert status == 400 and code == "Request_BadRequest" and "DIR-02" in message
    assert row_counts() == before


def test_systemusers_listed_with_a_filter_a_select_and_pages_smaller_than_the_list(sdk_tenant, https_server):
    """The Dataverse client's list: $filter, $select, $orderby and Prefer: odata.maxpagesize, the
    client following the absolute nextLinks over https until the last page."""
    from users_app.models import SystemUser

    sales = sdk_tenant["sales"]
    expected = sorted(SystemUser.objects.filter(environment=sales, isdisabled=False).values_list("domainname", flat=True))
    assert len(expected) > 3
    with https_server.dataverse(sales, https_server.user_token("sysadmin")) as dataverse:
        pages = list(dataverse.records.list_pages("systemuser", select=["fullname", "domainname"],
                                                  filter="isdisabled eq false", orderby=["domainname asc"], page_size=3))
    rows = [row for page in pages for row in page]
    assert len(pages) == -(-len(expected) // 3) and all(len(page) <= 3 for page in pages)
    assert [row["domainname"] for row in rows] == expected
    assert all(row["systemuserid"] and "isdisabled" not in row for row in rows)


def test_field_04_primary_email_edited_through_the_api_is_kept_by_the_sync(sdk_tenant, https_server):
    """FIELD-04: internalemailaddress set through the Dataverse client's update; the directory's mail
    then changes (Graph PATCH) and the sync runs: the edited address stays."""
    from msgraph.generated.models.user import User

    from users_app.models import DirectoryUser, SystemUser
    from users_app.provisioning.sync import directory_sync

    sales = sdk_tenant["sales"]
    record = SystemUser.objects.get(environment=sales, domainname=f"plain@{DOMAIN}")
    with https_server.dataverse(sales, https_server.user_token("sysadmin")) as dataverse:
        dataverse.records.update("systemuser", str(record.systemuserid), {"internalemailaddress": "edited@contoso.com"})
        https_server.graph(https_server.user_token("global"), lambda client, adapter: client.users.by_user_id(
            f"plain@{DOMAIN}").patch(User(mail="moved@contoso.com")))
        assert DirectoryUser.objects.get(user_principal_name=f"plain@{DOMAIN}").mail == "moved@contoso.com"
        directory_sync()
        row = dataverse.records.retrieve("systemuser", str(record.systemuserid), select=["internalemailaddress"])
    assert row["internalemailaddress"] == "edited@contoso.com"


def test_role_02_a_role_associated_to_a_disabled_user_is_refused_and_writes_nothing(sdk_tenant, https_server):
    """ROLE-02: systemuserroles_association/$ref (raw requests with the Dataverse client's headers:
    the SDK has no $ref API) works for an enabled user and is refused for one the sync disabled
    (blocked in the directory through Graph), with roleFailureDuetoUserIsDisabled, writing nothing."""
    from msgraph.generated.models.user import User

    from users_app.models import SystemUser
    from users_app.provisioning.sync import directory_sync

    sales = sdk_tenant["sales"]
    token = https_server.user_token("sysadmin")
    with https_server.dataverse(sales, token) as dataverse:
        roles = list(dataverse.records.list("role", select=["name", "_businessunitid_value"],
                                            filter="name eq 'Basic User'"))
    role_id = roles[0]["roleid"]
    headers, api = https_server.dataverse_headers(token), https_server.web_api(sales)
    body = {"@odata.id": f"{api}/roles({role_id})"}

    enabled = SystemUser.objects.get(environment=sales, domainname=f"d365admin@{DOMAIN}")
    response = requests.post(f"{api}/systemusers({enabled.systemuserid})/systemuserroles_association/$ref",
                             json=body, headers=headers, timeout=30)
    assert response.status_code == 204, response.text
    assert enabled.roles.filter(roleid=role_id).exists()

    https_server.graph(https_server.user_token("global"), lambda client, adapter: client.users.by_user_id(
        f"plain@{DOMAIN}").patch(User(account_enabled=False)))
    directory_sync()
    disabled = SystemUser.objects.get(environment=sales, domainname=f"plain@{DOMAIN}")
    assert disabled.isdisabled
    before = row_counts()
    response = requests.post(f"{api}/systemusers({disabled.systemuserid})/systemuserroles_association/$ref",
                             json=body, headers=headers, timeout=30)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert "ROLE-02" in error["message"] and "roleFailureDuetoUserIsDisabled" in f"{error['code']} {error['message']}"
    assert row_counts() == before


def test_app_04_an_application_users_token_acts_as_itself_and_is_refused_once_disabled(sdk_tenant, https_server):
    """APP-04: the app registration's client-credentials token, in Sales where it has an application
    user holding a role: WhoAmI names the application user and the Dataverse client lists; once
    the application user is disabled, both are refused in Dataverse's shape naming APP-04."""
    from PowerPlatform.Dataverse.core.errors import HttpError

    from users_app.models import AppRegistration
    from users_app.services.records import app_user_create, app_user_set_status

    sales = sdk_tenant["sales"]
    app_user = app_user_create(environment=sales, app=AppRegistration.objects.get(app_id=ERP_APP_ID),
                               roles=["Basic User"])
    token = https_server.app_token()
    headers, api = https_server.dataverse_headers(token), https_server.web_api(sales)

    who = requests.get(f"{api}/WhoAmI", headers=headers, timeout=30)
    assert who.status_code == 200, who.text
    assert who.json()["UserId"] == str(app_user.systemuserid)
    with https_server.dataverse(sales, token) as dataverse:
        assert list(dataverse.records.list("systemuser", select=["domainname"], top=2))

    app_user_set_status(systemuser=app_user, enabled=False)
    before = row_counts()
    who = requests.get(f"{api}/WhoAmI", headers=headers, timeout=30)
    assert who.status_code in (401, 403) and "APP-04" in who.json()["error"]["message"], who.text
    with https_server.dataverse(sales, token) as dataverse, pytest.raises(HttpError) as refused:
        list(dataverse.records.list("systemuser", select=["domainname"], top=2))
    assert refused.value.status_code in (401, 403) and "APP-04" in str(refused.value)
    assert row_counts() == before


def test_add_user_through_the_admin_api_is_refused_with_the_rule_named_and_writes_nothing(sdk_tenant, https_server):
    """SYNC-03 through the Power Platform admin API's addUser: olivia@ is not a member of Sales'
    security group, so the on-demand add is refused naming ELIG-04, and nothing is written."""
    from users_app.models import DirectoryUser

    sales = sdk_tenant["sales"]
    headers = {"Authorization": f"Bearer {https_server.user_token('global')}", "Accept": "application/json"}
    base = f"{https_server.url}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"
    listed = requests.get(base, params={"api-version": "2020-10-01"}, headers=headers, timeout=30)
    assert listed.status_code == 200, listed.text
    [name] = [e["name"] for e in listed.json()["value"] if e["properties"]["displayName"] == sales.name]

    olivia = DirectoryUser.objects.get(user_principal_name=f"olivia@{DOMAIN}")
    before = _rows_but_sync_runs()
    response = requests.post(f"{base}/{name}/addUser", params={"api-version": "2020-10-01"},
                             json={"ObjectId": str(olivia.id)}, headers=headers, timeout=30)
    assert 400 <= response.status_code < 500, response.text
    assert "ELIG-04" in response.json()["error"]["message"]
    assert _rows_but_sync_runs() == before


@pytest.mark.slow
def test_page_iterator_pages_through_a_thousand_users(sdk_tenant, https_server):
    """msgraph_core's PageIterator follows the absolute @odata.nextLinks of GET /users?$top=100
    through 1,000 more users than the small tenant: every user once, in ten pages or more."""
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder
    from msgraph_core.tasks.page_iterator import PageIterator

    from tests.api.sdk.conftest import sdk_tenant_data
    from tests.builders import user
    from users_app.models import DirectoryUser
    from users_app.choices import DeletedState
    from users_app.tenant_file import load_tenant

    data = sdk_tenant_data()
    data["users"] += [user(f"bulk{n:04d}", display_name=f"Bulk {n:04d}") for n in range(1000)]
    load_tenant(data)
    expected = set(DirectoryUser.objects.filter(deleted_state=DeletedState.NONE).values_list("user_principal_name", flat=True))
    assert len(expected) >= 1000

    async def walk(client, adapter):
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(select=["id", "userPrincipalName"], top=100)
        first = await client.users.get(UsersRequestBuilder.UsersRequestBuilderGetRequestConfiguration(
            query_parameters=query))
        seen = []

        def collect(item):
            seen.append(item.user_principal_name)
            return True

        iterator = PageIterator(first, adapter)
        await iterator.iterate(collect)
        return seen

    seen = https_server.graph(https_server.user_token("global"), walk)
    assert len(seen) == len(expected) and set(seen) == expected
