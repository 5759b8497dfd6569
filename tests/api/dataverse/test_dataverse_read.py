"""The Dataverse Web API: lists (OData options, keyset paging behind absolute nextLinks), single
rows, WhoAmI, the EntityDefinitions look-ups the Dataverse client makes, $metadata, and the
answers to what it does not take (users_app/api/dataverse/)."""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest

from environments_app.models import SecurityRole
from tests.conftest import portal_upn, row_counts
from users_app.models import SystemUser
from users_app.services.records import role_assign

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


def _pages(api, url, token, *, page_size, **params):
    """Every page of a list, following @odata.nextLink (absolute) with the same Prefer header."""
    headers = {"Prefer": f"odata.maxpagesize={page_size}"}
    response = api.get(url, token, headers=headers, **params)
    pages = []
    while True:
        assert response.status_code == 200, response.content
        assert response["Preference-Applied"] == f"odata.maxpagesize={page_size}"
        body = response.json()
        pages.append(body)
        link = body.get("@odata.nextLink")
        if not link:
            return pages
        assert link.startswith(HOST + "/dataverse/"), link
        response = api.client.get(link[len(HOST):], **api._headers(token, headers))


def test_list_pages_over_more_rows_than_a_page_with_a_filter_and_a_select(dv, app_token, api):
    expected = list(SystemUser.objects.filter(environment=dv.environment, isdisabled=False)
                    .order_by("id").values_list("systemuserid", flat=True))
    assert len(expected) > 4
    pages = _pages(api, dv.url("systemusers"), app_token, page_size=2,
                   **{"$select": "fullname,domainname", "$filter": "isdisabled eq false"})
    assert len(pages) == (len(expected) + 1) // 2
    rows = [row for page in pages for row in page["value"]]
    assert [uuid.UUID(r["systemuserid"]) for r in rows] == expected  # the key always, in pk order
    assert all(set(r) == {"@odata.etag", "systemuserid", "fullname", "domainname"} for r in rows)
    assert pages[0]["@odata.context"].endswith("$metadata#systemusers(systemuserid,fullname,domainname)")


def test_top_caps_the_whole_list_and_leaves_the_next_links(dv, app_token, api):
    pages = _pages(api, dv.url("systemusers"), app_token, page_size=2, **{"$top": "3", "$select": "fullname"})
    assert [len(p["value"]) for p in pages] == [2, 1]
    assert "%24top" not in pages[0]["@odata.nextLink"] and "$top" not in pages[0]["@odata.nextLink"]


def test_orderby_count_and_the_sdk_form_encoding(dv, app_token, api):
    # As the sync client sends it: %24 keys, '+' for spaces.
    response = api.client.get(dv.url("systemusers") + "?%24select=fullname%2Cdomainname&%24filter=isdisabled+eq+false"
                              "+and+contains(domainname%2C%27TEST%27)&%24orderby=fullname+desc&%24count=true",
                              **api._headers(app_token, None))
    assert response.status_code == 200, response.content
    body = response.json()
    names = [r["fullname"] for r in body["value"]]
    expected = list(SystemUser.objects.filter(environment=dv.environment, isdisabled=False,
                                              domainname__icontains="test").order_by("-fullname", "-id")
                    .values_list("fullname", flat=True))
    assert names == expected and body["@odata.count"] == len(expected)
    assert "Preference-Applied" not in response  # no Prefer: the default page of 5,000


def test_lookups_expand_and_the_other_entity_sets(dv, app_token, api):
    sysadmin = SystemUser.objects.get(environment=dv.environment, domainname=portal_upn("sysadmin"))
    response = api.get(dv.url("systemusers"), app_token, **{
        "$select": "domainname,_businessunitid_value",
        "$filter": f"domainname eq '{sysadmin.domainname}' and _businessunitid_value eq {sysadmin.businessunit.businessunitid}",
        "$expand": "systemuserroles_association($select=name),teammembership_association($select=name),"
                   "businessunitid($select=name)"})
    assert response.status_code == 200, response.content
    [row] = response.json()["value"]
    assert row["_businessunitid_value"] == str(sysadmin.businessunit.businessunitid)
    assert "System Administrator" in [r["name"] for r in row["systemuserroles_association"]]
    assert all("roleid" in r for r in row["systemuserroles_association"])
    assert row["businessunitid"]["name"] == sysadmin.businessunit.name
    assert [t["name"] for t in row["teammembership_association"]] == list(sysadmin.teams.values_list("name", flat=True))
    # The role look-up the Dataverse client's docs show.
    roles = api.get(dv.url("roles"), app_token, **{"$select": "name,_businessunitid_value",
                                                   "$filter": "name eq 'System Administrator'"}).json()["value"]
    assert roles and all(r["name"] == "System Administrator" and "roleid" in r for r in roles)
    for entity_set, key in (("teams", "teamid"), ("businessunits", "businessunitid"), ("accounts", "accountid"),
                            ("positions", "positionid")):
        response = api.get(dv.url(entity_set), app_token)
        assert response.status_code == 200, (entity_set, response.content)
        assert all(key in r for r in response.json()["value"])


def test_retrieve_one_with_select_and_expand_and_its_404_and_400(dv, app_token, api):
    plain = SystemUser.objects.get(environment=dv.environment, domainname=portal_upn("plain"))
    response = api.client.get(dv.url(f"systemusers({plain.systemuserid})") + "?$select=fullname,domainname,isdisabled,title"
                              "&$expand=systemuserroles_association($select=name)", **api._headers(app_token, None))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["systemuserid"] == str(plain.systemuserid) and body["domainname"] == plain.domainname
    assert body["isdisabled"] is False and isinstance(body["systemuserroles_association"], list)
    missing = uuid.uuid4()
    status, code, message = api.error(api.get(dv.url(f"systemusers({missing})"), app_token))
    assert (status, code, message) == (404, "0x80040217", f"systemuser With Id = {missing} Does Not Exist")
    status, code, _ = api.error(api.get(dv.url("systemusers(not-a-guid)"), app_token))
    assert (status, code) == (400, "0x80048d19")


def test_whoami_for_an_app_and_for_a_user(dv, app_user, app_token, api):
    body = api.get(dv.url("WhoAmI"), app_token).json()
    assert body["UserId"] == str(app_user.systemuserid)
    assert body["BusinessUnitId"] == str(app_user.businessunit.businessunitid)
    assert body["OrganizationId"] == str(dv.environment.environment_id)
    sysadmin = SystemUser.objects.get(environment=dv.environment, domainname=portal_upn("sysadmin"))
    assert api.get(dv.url("WhoAmI"), api.user_token("sysadmin")).json()["UserId"] == str(sysadmin.systemuserid)


def test_entity_definitions_lookups_the_dataverse_client_makes(dv, app_token, api):
    response = api.get(dv.url("EntityDefinitions"), app_token, **{
        "$select": "LogicalName,EntitySetName,PrimaryIdAttribute", "$filter": "LogicalName eq 'systemuser'"})
    [row] = response.json()["value"]
    assert (row["EntitySetName"], row["PrimaryIdAttribute"], row["LogicalName"]) == ("systemusers", "systemuserid", "systemuser")
    full = api.get(dv.url("EntityDefinitions"), app_token, **{
        "$select": "MetadataId,LogicalName,SchemaName,EntitySetName,PrimaryNameAttribute,PrimaryIdAttribute",
        "$filter": "LogicalName eq 'role'"}).json()["value"][0]
    assert full["EntitySetName"] == "roles" and full["PrimaryNameAttribute"] == "name" and full["MetadataId"]
    assert api.get(dv.url("EntityDefinitions"), app_token, **{"$filter": "LogicalName eq 'nothing'"}).json()["value"] == []
    one = api.get(dv.url("EntityDefinitions(LogicalName='team')"), app_token).json()
    assert one["EntitySetName"] == "teams"
    picklists = api.client.get(
        dv.url("EntityDefinitions(LogicalName='systemuser')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata")
        + "?$select=LogicalName&$expand=OptionSet($select=Options)", **api._headers(app_token, None))
    assert picklists.status_code == 200, picklists.content
    accessmode = next(p for p in picklists.json()["value"] if p["LogicalName"] == "accessmode")
    options = {o["Value"]: o["Label"]["LocalizedLabels"][0]["Label"] for o in accessmode["OptionSet"]["Options"]}
    assert options[0] == "Read-Write" and options[4] == "Non-interactive"
    assert accessmode["OptionSet"]["Options"][0]["Label"]["UserLocalizedLabel"]["Label"] == "Read-Write"
    attributes = api.get(dv.url("EntityDefinitions(LogicalName='systemuser')/Attributes"), app_token).json()["value"]
    assert {"domainname", "businessunitid"} <= {a["LogicalName"] for a in attributes}
    assert api.get(dv.url("EntityDefinitions(LogicalName='nothing')"), app_token).status_code == 404


def test_the_service_document_lists_the_entity_sets(dv, app_token, api):
    body = api.get(dv.root, app_token).json()
    assert [s["name"] for s in body["value"]] == ["systemusers", "teams", "roles", "businessunits", "accounts", "positions"]


def test_metadata_is_csdl_of_the_six_entity_types(dv, app_token, api):
    response = api.get(dv.url("$metadata"), app_token)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    edm = "{http://docs.oasis-open.org/odata/ns/edm}"
    types = {t.get("Name") for t in root.iter(f"{edm}EntityType")}
    assert types == {"systemuser", "team", "role", "businessunit", "account", "position"}
    sets = {s.get("Name") for s in root.iter(f"{edm}EntitySet")}
    assert sets == {"systemusers", "teams", "roles", "businessunits", "accounts", "positions"}


@pytest.mark.parametrize("path, params, status", [
    ("systemusers", {"sql": "SELECT fullname FROM systemuser"}, 400),
    ("$batch", {}, 400),
    ("systemusers/Microsoft.Dynamics.CRM.CreateMultiple", {}, 400),
    ("RetrieveUserPrivileges(UserId=1)", {}, 400),
    ("contacts", {}, 404),
    ("systemusers", {"$filter": "password eq 'x'"}, 400),
    ("systemusers", {"$filter": "domainname eq"}, 400),
    ("systemusers", {"$select": "nothing"}, 400),
    ("systemusers", {"$orderby": "nothing desc"}, 400),
    ("systemusers", {"$expand": "nothing"}, 400),
    ("systemusers", {"$expand": "systemuserroles_association($top=1)"}, 400),
    ("systemusers", {"$top": "many"}, 400),
    ("systemusers", {"$skiptoken": "forged"}, 400),
    ("systemusers", {"$count": "maybe"}, 400),
    ("systemusers", {"$search": "plain"}, 400),
])
def test_what_the_api_does_not_take_is_a_clear_error_in_dataverse_shape(dv, app_token, api, path, params, status):
    response = api.get(dv.url(path), app_token, **params)
    got, code, message = api.error(response)
    assert got == status and code.startswith("0x") and message


def test_bad_page_size_unknown_environment_and_no_token(dv, app_token, api):
    status, code, _ = api.error(api.get(dv.url("systemusers"), app_token, headers={"Prefer": "odata.maxpagesize=x"}))
    assert (status, code) == (400, "0x80048d19")
    missing = uuid.uuid4()
    status, code, message = api.error(api.get(f"/dataverse/{missing}/api/data/v9.2/systemusers", app_token))
    assert (status, code) == (404, "0x80040217") and str(missing) in message
    status, code, _ = api.error(api.get(dv.url("systemusers")))
    assert (status, code) == (401, "0x80072560")


def test_a_user_without_a_role_may_not_read_ROLE_01(dv, api):
    """ROLE-01: a record that holds no security role reads nothing: 403 0x80040220, writes nothing."""
    plain = SystemUser.objects.get(environment=dv.environment, domainname=portal_upn("plain"))
    assert not plain.roles.exists() and not SecurityRole.objects.filter(teams__members=plain).exists()
    token = api.user_token("plain")
    before = row_counts()
    status, code, message = api.error(api.get(dv.url("systemusers"), token))
    assert (status, code) == (403, "0x80040220")
    assert message.startswith(f"ROLE-01: Principal user (Id={plain.systemuserid}, type=8) is missing prvReadUser privilege")
    assert row_counts() == before


def test_a_user_holding_a_role_reads_but_may_not_write(dv, api):
    """ROLE-01: reads need a role; writes need System Administrator (403 0x80040220)."""
    plain = SystemUser.objects.get(environment=dv.environment, domainname=portal_upn("plain"))
    role_assign(systemuser=plain, role="Basic User")
    token = api.user_token("plain")
    before = row_counts()
    assert api.get(dv.url("systemusers"), token, **{"$select": "fullname"}).status_code == 200
    status, code, message = api.error(api.patch(dv.url(f"systemusers({plain.systemuserid})"), token,
                                                {"internalemailaddress": "x@example.com"}, headers={"If-Match": "*"}))
    assert (status, code) == (403, "0x80040220")
    assert message.startswith(f"ROLE-01: Principal user (Id={plain.systemuserid}, type=8) is missing prvWriteUser privilege")
    assert row_counts() == before


@pytest.mark.parametrize("method, path, params, body", [
    ("get", "systemusers", {"$orderby": "fullname sideways"}, None),
    ("get", "systemusers", {"$top": "-1"}, None),
    ("get", "systemusers", {"$select": ""}, None),
    ("get", "systemusers", {"$expand": "systemuserroles_association("}, None),
    ("get", "systemusers", {"$expand": "businessunitid($select=nothing)"}, None),
    ("get", "systemusers", {"$filter": "contains(fullname, 3)"}, None),
    ("get", "systemusers", {"$filter": "_businessunitid_value eq 'not-a-guid'"}, None),
    ("get", "systemusers", {"$filter": "accessmode eq 'x'"}, None),
    ("get", "systemusers", {"$filter": "accessmode eq 99999999999999999999", "$count": "true"}, None),
    ("get", "systemusers", {"$filter": "createdon gt 2020-01-01T00:00:00Z"}, None),
    ("get", "systemusers", {"$filter": "not (accessmode ge 1) or fullname le 'm'"}, None),
    ("get", "systemusers('abc')", {}, None),
    ("get", "systemusers(systemuserid=00000000-0000-0000-0000-000000000000)", {}, None),
    ("get", "systemusers(00000000-0000-0000-0000-000000000000)/nothing", {}, None),
    ("get", "systemusers(00000000-0000-0000-0000-000000000000)/systemuserroles_association", {}, None),
    ("get", "EntityDefinitions(LogicalName='systemuser')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata", {}, None),
    ("get", "EntityDefinitions(abc)", {}, None),
    ("get", "EntityDefinitions", {"$filter": "SchemaName eq 'x'"}, None),
    ("get", "EntityDefinitions", {"$select": "Nothing"}, None),
    ("post", "systemusers", {}, ["not", "an", "object"]),
    ("post", "teams", {}, {"name": 3}),
    ("post", "teams", {}, {"name": "x", "teamtype": 2}),
    ("post", "accounts", {}, {"name": "x", "ownerid@odata.bind": 5}),
    ("patch", "systemusers", {}, {}),
    ("put", "systemusers", {}, {}),
])
def test_malformed_requests_get_a_4xx_in_dataverse_shape_never_a_500(dv, app_token, api, method, path, params, body):
    url = dv.url(path)
    headers = api._headers(app_token, {"Prefer": "odata.include-annotations=\"*\",junk"})
    if method == "get":
        response = api.client.get(url, params, **headers)
    else:
        import json
        response = getattr(api.client, method)(url, json.dumps(body), content_type="application/json", **headers)
    if response.status_code < 400:
        assert response.status_code == 200, response.content
        return
    status, code, message = api.error(response)
    assert 400 <= status < 500 and code.startswith("0x") and message, (status, message)
