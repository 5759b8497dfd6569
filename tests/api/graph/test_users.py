"""Graph users through the API as a script sees it: list ($filter, $select, $top, $orderby, $count,
$search, paging by absolute nextLinks), create, get by id or UPN, update, delete, /me and
/organization, and who may read what. The rule refusals are in test_users_rules.py."""
from __future__ import annotations

import pytest

from tests.conftest import portal_upn, row_counts

USERS = "/v1.0/users"
EVENTUAL = {"ConsistencyLevel": "eventual"}


def _id(local: str) -> str:
    from users_app.models import DirectoryUser

    return str(DirectoryUser.objects.get(user_principal_name=portal_upn(local)).pk)


def _follow(api, token, first) -> list[dict]:
    """Every page of a list, following the absolute nextLinks verbatim (no ConsistencyLevel header,
    as the SDK's PageIterator sends them)."""
    pages = [first]
    while "@odata.nextLink" in pages[-1]:
        link = pages[-1]["@odata.nextLink"]
        assert link.startswith("http://testserver/v1.0/users?")
        response = api.client.get(link, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, response.content
        pages.append(response.json())
    return pages


def _create_people(count: int, prefix: str = "probe") -> None:
    from users_app.services import directory

    for n in range(count):
        directory.directory_user_create(user_principal_name=f"{prefix}-{n:02d}@contoso.onmicrosoft.com",
                                        display_name=f"{prefix.capitalize()} {n:02d}", usage_location="US",
                                        temporary_password=False)


def test_list_answers_the_default_property_set_without_select(portal_tenant, api):
    token = api.user_token("global")
    response = api.get(USERS, token)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    first = response.json()["value"][0]
    assert set(first) == {"id", "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                          "officeLocation", "preferredLanguage", "surname", "userPrincipalName"}
    assert "accountEnabled" not in first


def test_paging_over_more_rows_than_a_page_gives_every_live_user_once(portal_tenant, api):
    from users_app.models import DirectoryUser

    _create_people(12)
    token = api.user_token("global")
    first = api.get(USERS, token, **{"$top": "5", "$select": "id,displayName"}).json()
    pages = _follow(api, token, first)
    ids = [u["id"] for page in pages for u in page["value"]]
    assert len(pages) > 2 and all(len(p["value"]) <= 5 for p in pages)
    assert "$top=5" in first["@odata.nextLink"]  # Graph's $top is the page size: kept in the link
    assert len(ids) == len(set(ids))
    assert set(ids) == {str(pk) for pk in DirectoryUser.objects.filter(deleted_state="").values_list("pk", flat=True)}
    assert all(set(u) == {"id", "displayName"} for page in pages for u in page["value"])


def test_paging_in_display_name_order_with_a_filter_and_a_count(portal_tenant, api):
    _create_people(9)
    token = api.user_token("global")
    first = api.get(USERS, token, headers=EVENTUAL, **{
        "$filter": "startswith(displayName,'probe')", "$orderby": "displayName desc", "$top": "4",
        "$count": "true", "$select": "displayName"}).json()
    assert first["@odata.count"] == 9
    names = [u["displayName"] for page in _follow(api, token, first) for u in page["value"]]
    assert names == [f"Probe {n:02d}" for n in range(8, -1, -1)]


@pytest.mark.parametrize("expression, expected", [
    ("userPrincipalName eq '{upn}'", ["global"]),
    ("startswith(userPrincipalName,'lic')", ["licadmin"]),
    ("userPrincipalName eq 'OLIVIA@Contoso.onmicrosoft.com'", ["olivia"]),  # ignoring case, as Graph
    ("mail eq 'Plain@CONTOSO.com' or mail eq 'it''s@contoso.com'", ["plain"]),
    ("mail ne 'plain@contoso.com' and startswith(mail,'pl')", []),
    ("startswith(displayName,'GLOBAL')", ["global"]),  # ignoring case, as Graph
    ("userType in ('Guest', 'Partner')", []),
    ("userPrincipalName in ('{upn}', 'plain@contoso.onmicrosoft.com')", ["global", "plain"]),
    ("userPrincipalName in ('{upn}')", ["global"]),  # a one-item list, as OData writes it
    ("userPrincipalName in ( '{upn}' ) or mail in ('plain@contoso.com',)", ["global", "plain"]),
    ("givenName eq 'Plain' or givenName eq 'Olivia'", ["olivia", "plain"]),
    ("accountEnabled eq true and surname eq 'Test' and startswith(givenName,'O')", ["olivia"]),
    ("startswith(mail,'sys') and usageLocation eq 'US'", ["sysadmin"]),
    ("startswith(displayName,'P') and displayName ne 'Plain Test'", ["ppadmin", "pradmin", "pwadmin"]),
])
def test_filters(portal_tenant, api, expression, expected):
    token = api.user_token("global")
    expression = expression.replace("{upn}", portal_upn("global"))
    response = api.get(USERS, token, **{"$filter": expression, "$select": "userPrincipalName"})
    assert response.status_code == 200, response.content
    assert sorted(u["userPrincipalName"].split("@")[0] for u in response.json()["value"]) == expected


def test_a_filter_form_encoded_as_the_sdk_sends_it(portal_tenant, api):
    token = api.user_token("global")
    url = (f"{USERS}?$count=true&$filter=startswith%28displayName%2C%27plain%27%29"
           f"&$select=id,displayName,userPrincipalName,accountEnabled&$top=2")
    response = api.client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_CONSISTENCYLEVEL="eventual")
    body = response.json()
    assert body["@odata.count"] == 1 and body["value"][0]["accountEnabled"] is True


@pytest.mark.parametrize("params, word", [
    ({"$filter": "preferredLanguage eq 'x'"}, "preferredLanguage"),
    ({"$filter": "displayName eq"}, "$filter"),
    ({"$select": "id,shoeSize"}, "shoeSize"),
    ({"$orderby": "city"}, "city"),
    ({"$top": "1000"}, "$top"),
    ({"$top": "0"}, "$top"),
    ({"$top": "many"}, "$top"),
    ({"$skiptoken": "forged"}, "$skiptoken"),
    ({"$filter": "not accountEnabled"}, "accountEnabled eq false"),
    ({"$filter": "accountEnabled"}, "$filter"),
])
def test_malformed_options_are_a_400_in_graphs_shape(portal_tenant, api, params, word):
    status, code, message = api.error(api.get(USERS, api.user_token("global"), **params))
    assert (status, code) == (400, "Request_BadRequest") and word in message


@pytest.mark.parametrize("expression, name", [
    ("id eq 'not-a-guid'", "id"),
    ("id in ('00000000-0000-0000-0000-000000000001', 'x')", "id"),
    ("displayName eq 'a' or id ne 'y'", "id"),
    ("accountEnabled eq 'yes'", "accountEnabled"),
    ("usageLocation eq 5", "usageLocation"),
    ("createdDateTime ge 'yesterday'", "createdDateTime"),
    ("startswith(displayName, 5)", "String"),
    ("displayName in ('a', true)", "displayName"),
])
def test_a_filter_value_of_the_wrong_type_is_a_400_naming_the_property(portal_tenant, api, expression, name):
    """PostgreSQL refuses such comparisons (it was a 500 there): the API answers first."""
    status, code, message = api.error(api.get(USERS, api.user_token("global"), **{"$filter": expression}))
    assert (status, code) == (400, "Request_BadRequest") and (f"property '{name}'" in message or name in message)


def test_a_filter_on_dates_and_nulls(portal_tenant, api):
    token = api.user_token("global")
    response = api.get(USERS, token, **{"$filter": "createdDateTime ge 2020-01-01T00:00:00Z and jobTitle eq null",
                                        "$select": "id"})
    assert response.status_code == 200, response.content


def test_a_filter_on_ids(portal_tenant, api):
    olivia = _id("olivia")
    response = api.get(USERS, api.user_token("global"), **{"$filter": f"id eq '{olivia}' or id in ('{_id('plain')}', '{_id('global')}')",
                                                           "$select": "id"})
    assert sorted(u["id"] for u in response.json()["value"]) == sorted([olivia, _id("plain"), _id("global")])


def test_count_and_search_need_consistency_level_eventual(portal_tenant, api):
    token = api.user_token("global")
    for params in ({"$count": "true"}, {"$search": '"displayName:plain"'}):
        status, code, message = api.error(api.get(USERS, token, **params))
        assert (status, code) == (400, "Request_BadRequest") and "ConsistencyLevel: eventual" in message
    body = api.get(USERS, token, headers=EVENTUAL, **{"$count": "true", "$top": "3"}).json()
    assert body["@odata.count"] == 14 and len(body["value"]) == 3


def test_search_by_display_name_and_user_principal_name(portal_tenant, api):
    from users_app.list_search import search_index_refresh

    _create_people(4, prefix="searchable")
    search_index_refresh()
    token = api.user_token("global")

    def found(expression):
        response = api.get(USERS, token, headers=EVENTUAL, **{"$search": expression, "$count": "true"})
        assert response.status_code == 200, response.content
        return sorted(u["userPrincipalName"].split("@")[0] for u in response.json()["value"])

    assert found('"displayName:searchable 0"') == [f"searchable-{n:02d}" for n in range(4)]
    assert found('"userPrincipalName:licadmin"') == ["licadmin"]
    assert found('"displayName:olivia" OR "userPrincipalName:plain@"') == ["olivia", "plain"]
    assert found('"displayName:test" AND "userPrincipalName:olivia"') == ["olivia"]
    status, _, message = api.error(api.get(USERS, token, headers=EVENTUAL, **{"$search": "olivia"}))
    assert status == 400 and "property:value" in message


def test_get_by_id_or_upn_case_insensitive_and_percent_encoded(portal_tenant, api):
    token = api.user_token("global")
    olivia = _id("olivia")
    by_id = api.get(f"{USERS}/{olivia}", token).json()
    by_upn = api.get(f"{USERS}/OLIVIA%40contoso.onmicrosoft.com", token).json()
    assert by_id == by_upn and by_id["userPrincipalName"] == portal_upn("olivia")
    selected = api.get(f"{USERS}/{olivia}", token, **{"$select": "accountEnabled,usageLocation"}).json()
    assert selected == {"id": olivia, "accountEnabled": True, "usageLocation": "US"}


@pytest.mark.parametrize("key", ["not-a-guid", "00000000-0000-0000-0000-00000000abcd", "nobody@contoso.onmicrosoft.com"])
def test_an_unknown_user_is_a_404_in_graphs_shape(portal_tenant, api, key):
    status, code, message = api.error(api.get(f"{USERS}/{key}", api.user_token("global")))
    assert (status, code) == (404, "Request_ResourceNotFound") and key in message


def test_create_with_the_sdks_body_answers_201_with_the_id(portal_tenant, api):
    from users_app.models import DirectoryUser

    token = api.user_token("useradmin")
    body = {"@odata.type": "#microsoft.graph.user", "accountEnabled": True, "displayName": "Adele Vance",
            "givenName": "Adele", "mailNickname": "adele", "surname": "Vance", "usageLocation": "US",
            "jobTitle": "Buyer", "city": "Paris", "businessPhones": ["+33 1 23 45 67 89"],
            "passwordProfile": {"forceChangePasswordNextSignIn": False, "password": "Adele-Pass-2026!"},
            "userPrincipalName": "adele@contoso.onmicrosoft.com"}
    response = api.post(USERS, token, body)
    assert response.status_code == 201, response.content
    created = response.json()
    user = DirectoryUser.objects.get(pk=created["id"])
    assert created["userPrincipalName"] == "adele@contoso.onmicrosoft.com" and created["businessPhones"] == ["+33 1 23 45 67 89"]
    assert (user.display_name, user.job_title, user.city, user.usage_location) == ("Adele Vance", "Buyer", "Paris", "US")
    assert user.account.check_password("Adele-Pass-2026!")
    assert api.token_response(grant_type="password", username="adele@contoso.onmicrosoft.com",
                              password="Adele-Pass-2026!").status_code == 200


def test_department_and_office_location_are_created_read_patched_and_filtered(portal_tenant, api):
    """Graph's department and officeLocation: directory-only columns; officeLocation is in the default
    property set, department answers only when $select names it (as in Graph)."""
    from users_app.models import AuditEntry, DirectoryUser

    token = api.user_token("useradmin")
    body = {"accountEnabled": True, "displayName": "Megan Bowen", "mailNickname": "megan",
            "userPrincipalName": "megan@contoso.onmicrosoft.com", "jobTitle": "Marketing Manager",
            "department": "Marketing", "officeLocation": "131/1104",
            "passwordProfile": {"password": "Megan-Pass-2026!", "forceChangePasswordNextSignIn": True}}
    created = api.post(USERS, token, body)
    assert created.status_code == 201, created.content
    assert created.json()["officeLocation"] == "131/1104" and "department" not in created.json()
    url = f"{USERS}/{created.json()['id']}"
    megan = DirectoryUser.objects.get(pk=created.json()["id"])
    assert (megan.department, megan.office_location) == ("Marketing", "131/1104")
    assert api.get(url, token).json()["officeLocation"] == "131/1104"
    assert api.get(url, token, **{"$select": "department,officeLocation"}).json() == {
        "id": str(megan.pk), "department": "Marketing", "officeLocation": "131/1104"}

    assert api.patch(url, token, {"department": "Sales", "officeLocation": "20/2109"}).status_code == 204
    megan.refresh_from_db()
    assert (megan.department, megan.office_location) == ("Sales", "20/2109")
    entry = AuditEntry.objects.filter(action="Update user", target_id=str(megan.pk)).latest("pk")
    assert sorted(entry.changes) == [["department", "Marketing", "Sales"], ["office_location", "131/1104", "20/2109"]]

    for expression in ("department eq 'Sales'", "startswith(department,'Sa')", "officeLocation eq '20/2109'",
                       "department eq 'Sales' and startswith(officeLocation,'20/')"):
        found = api.get(USERS, token, **{"$filter": expression, "$select": "userPrincipalName,department"})
        assert found.status_code == 200, found.content
        assert found.json()["value"] == [{"id": str(megan.pk), "userPrincipalName": "megan@contoso.onmicrosoft.com",
                                          "department": "Sales"}]
    assert api.get(USERS, token, **{"$filter": "department eq 'Marketing'"}).json()["value"] == []

    assert api.patch(url, token, {"department": None, "officeLocation": ""}).status_code == 204
    assert api.get(url, token, **{"$select": "department,officeLocation"}).json() == {
        "id": str(megan.pk), "department": None, "officeLocation": None}


@pytest.mark.parametrize("change, word", [
    ({"passwordProfile": None}, "passwordProfile"),
    ({"mailNickname": ""}, "mailNickname"),
    ({"accountEnabled": "yes"}, "accountEnabled"),
    ({"displayName": 7}, "displayName"),
    ({"id": "00000000-0000-0000-0000-000000000009"}, "id"),
    ({"shoeSize": 44}, "shoeSize"),
    ({"businessPhones": ["1", "2"]}, "businessPhones"),
    ({"passwordProfile": {"password": ""}}, "passwordProfile"),
    ({"userPrincipalName": "no domain"}, "user_principal_name"),
    ({"userPrincipalName": "global@contoso.onmicrosoft.com"}, "already in use"),
    ({"usageLocation": "USA"}, ""),
    ({"department": "x" * 65}, "department"),
    ({"officeLocation": "x" * 129}, "office_location"),
    ({"department": 7}, "department"),
])
def test_a_malformed_create_is_a_400_naming_the_property_and_writes_nothing(portal_tenant, api, change, word):
    token = api.user_token("global")
    body = {"accountEnabled": True, "displayName": "X", "mailNickname": "x", "userPrincipalName": "x@contoso.onmicrosoft.com",
            "passwordProfile": {"password": "Xx-Pass-2026!", "forceChangePasswordNextSignIn": False}, **change}
    before = row_counts()
    status, code, message = api.error(api.post(USERS, token, body))
    assert (status, code) == (400, "Request_BadRequest") and word in message
    assert row_counts() == before


def test_a_body_that_is_not_a_json_object_is_a_400(portal_tenant, api):
    token = api.user_token("global")
    response = api.client.post(USERS, "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.error(response)[:2] == (400, "Request_BadRequest")
    assert api.error(api.post(USERS, token, [1, 2]))[:2] == (400, "Request_BadRequest")


def test_patch_maps_graph_names_to_fields_and_answers_204(portal_tenant, api):
    from users_app.models import DirectoryUser

    token = api.user_token("useradmin")
    response = api.patch(f"{USERS}/{portal_upn('olivia')}", token, {
        "@odata.type": "#microsoft.graph.user", "jobTitle": "Director", "city": "Lyon", "mobilePhone": "+33 6",
        "usageLocation": "FR", "accountEnabled": False, "mailNickname": "olivia"})
    assert response.status_code == 204 and response.content == b""
    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    assert (olivia.job_title, olivia.city, olivia.mobile_phone, olivia.usage_location, olivia.account_enabled) == (
        "Director", "Lyon", "+33 6", "FR", False)
    assert api.patch(f"{USERS}/{olivia.pk}", token, {"jobTitle": None}).status_code == 204
    olivia.refresh_from_db()
    assert olivia.job_title == ""


@pytest.mark.parametrize("body, word", [
    ({"id": "x"}, "'id' is read-only"),
    ({"assignedLicenses": []}, "'assignedLicenses' is read-only"),
    ({"preferredLanguage": "fr-FR"}, "preferredLanguage"),
    ({"favouriteColour": "blue"}, "favouriteColour"),
    ({"mailNickname": "someone-else"}, "mailNickname"),
    ({"jobTitle": "x" * 200}, "job_title"),
    ({"department": "x" * 65}, "department"),
    ({"officeLocation": "x" * 129}, "office_location"),
    ({"accountEnabled": None}, "accountEnabled"),
])
def test_patch_with_an_unknown_or_read_only_property_is_a_400_naming_it(portal_tenant, api, body, word):
    token = api.user_token("global")
    before = row_counts()
    status, code, message = api.error(api.patch(f"{USERS}/{_id('olivia')}", token, body))
    assert (status, code) == (400, "Request_BadRequest") and word in message
    assert row_counts() == before


def test_patch_password_profile_resets_the_password(portal_tenant, api):
    from users_app.models import DirectoryUser

    token = api.user_token("useradmin")
    url = f"{USERS}/{_id('plain')}"
    assert api.patch(url, token, {"passwordProfile": {"password": "New-Pass-2026!",
                                                      "forceChangePasswordNextSignIn": False}}).status_code == 204
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    assert plain.account.check_password("New-Pass-2026!") and not plain.must_change_password
    assert api.patch(url, token, {"passwordProfile": {"password": "Other-Pass-2026!",
                                                      "forceChangePasswordNextSignIn": True}}).status_code == 204
    plain.refresh_from_db()
    assert plain.must_change_password  # DIR-01: a temporary password, changed at the next sign-in


def test_delete_is_a_soft_delete_answering_204(portal_tenant, api):
    from users_app.models import DirectoryUser

    token = api.user_token("useradmin")
    olivia = _id("olivia")
    response = api.delete(f"{USERS}/{olivia}", token)
    assert response.status_code == 204
    assert DirectoryUser.objects.get(pk=olivia).deleted_state == "soft"  # DIR-04
    ids = [u["id"] for u in api.get(USERS, token, **{"$top": "999"}).json()["value"]]
    assert olivia not in ids and len(ids) == 13


def test_me_answers_the_callers_user_and_an_app_gets_graphs_400(portal_tenant, api):
    me = api.get("/v1.0/me", api.user_token("plain"), **{"$select": "id,userPrincipalName,accountEnabled"}).json()
    assert me == {"id": _id("plain"), "userPrincipalName": portal_upn("plain"), "accountEnabled": True}
    status, code, message = api.error(api.get("/v1.0/me", api.app_token(["User.Read.All"])))
    assert (status, code) == (400, "Request_BadRequest")
    assert message == "/me request is only valid with delegated authentication flow."


def test_organization_names_the_tenant_and_its_domain(portal_tenant, api):
    from users_app.models import Tenant

    tenant = Tenant.objects.get()
    body = api.get("/v1.0/organization", api.user_token("plain")).json()
    org = body["value"][0]
    assert org["id"] == str(tenant.tenant_id) and org["displayName"] == tenant.name
    assert org["verifiedDomains"] == [{"name": tenant.domain, "isDefault": True, "isInitial": True, "type": "Managed",
                                       "capabilities": "Email, OfficeCommunicationsOnline"}]


def test_a_user_without_an_admin_role_reads_only_itself(portal_tenant, api):
    token = api.user_token("plain")
    assert api.get(f"{USERS}/{_id('plain')}", token).status_code == 200
    assert api.get(f"{USERS}/{portal_upn('plain')}", token).status_code == 200
    for url in (USERS, f"{USERS}/{_id('olivia')}", "/v1.0/subscribedSkus", "/v1.0/directory/deletedItems/microsoft.graph.user"):
        status, code, message = api.error(api.get(url, token))
        assert (status, code, message) == (403, "Authorization_RequestDenied",
                                           "Insufficient privileges to complete the operation.")


def test_any_admin_role_or_a_granted_app_reads_users(portal_tenant, api):
    for local in ("licadmin", "helpdesk", "greader", "appadmin"):
        assert api.get(USERS, api.user_token(local)).status_code == 200
    assert api.get(USERS, api.app_token(["User.Read.All"])).status_code == 200
    status, code, _ = api.error(api.get(USERS, api.app_token([])))
    assert (status, code) == (403, "Authorization_RequestDenied")


def test_methods_a_url_does_not_take_are_a_405_in_graphs_shape(portal_tenant, api):
    token = api.user_token("global")
    assert api.error(api.delete(USERS, token))[:2] == (405, "Request_BadRequest")
    assert api.error(api.post(f"{USERS}/{_id('plain')}", token, {}))[:2] == (405, "Request_BadRequest")


def test_the_count_segment_answers_text_and_needs_consistency_level(portal_tenant, api):
    token = api.user_token("global")
    response = api.get(f"{USERS}/$count", token, headers=EVENTUAL)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert response.content == b"14"
    filtered = api.get(f"{USERS}/$count", token, headers=EVENTUAL, **{"$filter": "startswith(displayName,'p')"})
    assert filtered.content == b"4"
    status, code, message = api.error(api.get(f"{USERS}/$count", token))
    assert (status, code) == (400, "Request_BadRequest") and "ConsistencyLevel" in message
    assert api.error(api.get(f"{USERS}/$count", api.user_token("plain"), headers=EVENTUAL))[0] == 403


def test_expand_is_refused_rather_than_ignored(portal_tenant, api):
    token = api.user_token("global")
    for url in (USERS, f"{USERS}/{_id('plain')}", "/v1.0/me"):
        status, code, message = api.error(api.get(url, token, **{"$expand": "manager"}))
        assert (status, code) == (400, "Request_BadRequest") and "manager" in message


@pytest.mark.parametrize("url", [USERS, "/v1.0/directory/deletedItems/microsoft.graph.user"])
def test_a_page_costs_the_same_queries_whatever_its_size(portal_tenant, api, url):
    """Keyset paging and licences read once a page: 3 rows or 12 take as many queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from users_app.services import directory

    for n in range(12):
        user, _ = directory.directory_user_create(user_principal_name=f"gone-{n}@contoso.onmicrosoft.com",
                                                  temporary_password=False)
        directory.directory_user_delete(user=user)
    token = api.user_token("global")
    counts = []
    for top in ("3", "12"):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url, token, **{"$select": "id,assignedLicenses", "$top": top})
        assert len(response.json()["value"]) == int(top)
        counts.append(len(queries))
    assert counts[0] == counts[1]
