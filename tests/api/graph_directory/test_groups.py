"""Graph groups through the API (DIR-06, DIR-05): list, create, read, rename; members and owners
with $ref; memberOf. Each refusal in Graph's shape, with the rule ID, writing nothing."""
from __future__ import annotations

import pytest

from tests.conftest import portal_upn, row_counts
from users_app.models import AuditEntry, DirectoryGroup, DirectoryUser, GroupMembership, GroupOwner

pytestmark = pytest.mark.django_db

GRAPH = "https://graph.microsoft.com/v1.0"
MISSING = "00000000-0000-0000-0000-00000000beef"


def _user(local):
    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def _group(name):
    return DirectoryGroup.objects.get(name=name)


def _new_group(api, token, name, **extra):
    body = {"@odata.type": "#microsoft.graph.group", "displayName": name, "mailEnabled": False,
            "mailNickname": name.replace(" ", ""), "securityEnabled": True, **extra}
    return api.post("/v1.0/groups", token, body)


def test_create_read_rename_and_list_groups(portal_tenant, api):
    token = api.user_token("global")
    response = _new_group(api, token, "Finance", description="Money")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["displayName"] == "Finance" and body["securityEnabled"] is True and body["groupTypes"] == []
    group_id = body["id"]
    assert AuditEntry.objects.filter(action="Add group").exists()

    m365 = api.post("/v1.0/groups", token, {"displayName": "Team M", "mailEnabled": True, "mailNickname": "teamm",
                                             "securityEnabled": False, "groupTypes": ["Unified"]})
    assert m365.status_code == 201 and m365.json()["groupTypes"] == ["Unified"] and m365.json()["mailEnabled"] is True

    got = api.get(f"/v1.0/groups/{group_id}", token, **{"$select": "displayName"})
    assert got.json() == {"id": group_id, "displayName": "Finance"}
    assert api.patch(f"/v1.0/groups/{group_id}", token, {"@odata.type": "#microsoft.graph.group",
                                                          "displayName": "Finance EU"}).status_code == 204
    assert _group("Finance EU").pk.hex == group_id.replace("-", "")

    listed = api.get("/v1.0/groups", token, **{"$filter": "startswith(displayName,'fin')"}).json()
    assert [g["displayName"] for g in listed["value"]] == ["Finance EU"]
    security = api.get("/v1.0/groups", token, **{"$filter": "securityEnabled eq false"}).json()["value"]
    assert [g["displayName"] for g in security] == ["Team M"]
    by_id = api.get("/v1.0/groups", token, **{"$filter": f"id eq '{group_id}'", "$select": "id"}).json()["value"]
    assert by_id == [{"id": group_id}]


def test_create_a_group_with_members_and_owners_bound_in_one_request(portal_tenant, api):
    """members@odata.bind and owners@odata.bind, as Graph's SDK samples create a group: the group,
    its members (a user named twice is added once; a nested group) and owners in one transaction."""
    token = api.user_token("global")
    olivia, plain, sales = _user("olivia"), _user("plain"), _group("Sales-Env")
    response = _new_group(api, token, "Bound", **{
        "members@odata.bind": [f"{GRAPH}/directoryObjects/{olivia.pk}", f"{GRAPH}/users/{olivia.pk}",
                               f"{GRAPH}/groups/{sales.pk}"],
        "owners@odata.bind": [f"{GRAPH}/users/{plain.pk}"]})
    assert response.status_code == 201, response.content
    bound = _group("Bound")
    assert set(GroupMembership.objects.filter(group=bound).values_list("user", "member_group")) == {
        (olivia.pk, None), (None, sales.pk)}
    assert list(GroupOwner.objects.filter(group=bound).values_list("user", flat=True)) == [plain.pk]
    members = api.get(f"/v1.0/groups/{bound.pk}/members", token, **{"$select": "id"}).json()["value"]
    assert sorted(m["@odata.type"] for m in members) == ["#microsoft.graph.group", "#microsoft.graph.user"]

    before = row_counts()
    for extra, status in (({"members@odata.bind": [f"{GRAPH}/users/{olivia.pk}", f"{GRAPH}/users/{MISSING}"]}, 404),
                          ({"owners@odata.bind": [f"{GRAPH}/groups/{sales.pk}"]}, 400),
                          ({"members@odata.bind": f"{GRAPH}/users/{olivia.pk}"}, 400),
                          ({"members@odata.bind": ["https://graph.microsoft.com/v1.0/me"]}, 400)):
        assert api.error(_new_group(api, token, "Half", **extra))[0] == status, extra
    assert row_counts() == before and not DirectoryGroup.objects.filter(name="Half").exists()


def test_dir06_patch_adds_members_bound_all_or_nothing(portal_tenant, api):
    """PATCH /groups/{id} with members@odata.bind adds them with the new name in one transaction: a
    member already there (400), a nested group that would make a cycle (DIR-06) or more than 20
    objects leave the group as it was, name included."""
    token = api.user_token("global")
    sales, olivia, plain = _group("Sales-Env"), _user("olivia"), _user("plain")
    outer = DirectoryGroup.objects.get(pk=_new_group(api, token, "Outer").json()["id"])
    assert api.patch(f"/v1.0/groups/{outer.pk}", token, {
        "displayName": "Outer EU", "members@odata.bind": [f"{GRAPH}/users/{olivia.pk}",
                                                          f"{GRAPH}/groups/{sales.pk}"]}).status_code == 204
    outer.refresh_from_db()
    assert outer.name == "Outer EU" and GroupMembership.objects.filter(group=outer).count() == 2

    before = row_counts()
    cases = (
        ({"members@odata.bind": [f"{GRAPH}/users/{plain.pk}", f"{GRAPH}/users/{olivia.pk}"]}, "Request_BadRequest", "already exist"),
        ({"displayName": "Loop", "members@odata.bind": [f"{GRAPH}/groups/{outer.pk}"]}, "Request_BadRequest", "DIR-06"),
        ({"members@odata.bind": [f"{GRAPH}/users/{plain.pk}"] * 21}, "Request_BadRequest", "at most 20"),
    )
    for body, code, words in cases:
        target = sales if "Loop" in str(body) else outer
        status, got, message = api.error(api.patch(f"/v1.0/groups/{target.pk}", token, body))
        assert (status, got) == (400, code) and words in message, message
    assert row_counts() == before and not DirectoryGroup.objects.filter(name="Loop").exists()


def test_groups_are_paged_with_absolute_next_links(portal_tenant, api):
    token = api.user_token("global")
    for n in range(5):
        assert _new_group(api, token, f"Paged {n}").status_code == 201
    seen, url = [], "/v1.0/groups?$top=2&$filter=startswith(displayName,'Paged')"
    while url:
        body = api.get(url, token).json()
        seen += [g["displayName"] for g in body["value"]]
        url = body.get("@odata.nextLink")
        if url:
            assert url.startswith("http://testserver/v1.0/groups?")
    assert sorted(seen) == [f"Paged {n}" for n in range(5)]


def test_bad_input_is_a_400_or_404_in_graphs_shape(portal_tenant, api):
    token = api.user_token("global")
    before = row_counts()
    assert api.error(api.get("/v1.0/groups/not-a-guid", token))[:2] == (404, "Request_ResourceNotFound")
    assert api.error(api.get("/v1.0/groups", token, **{"$filter": "colour eq 'red'"}))[:2] == (400, "Request_BadRequest")
    assert api.error(api.post("/v1.0/groups", token, {"displayName": 5}))[0] == 400
    assert api.error(api.post("/v1.0/groups", token, {"displayName": "X", "visibility": "Private"}))[0] == 400
    assert api.error(api.post("/v1.0/groups", token, {"displayName": "X", "mailEnabled": True,
                                                        "securityEnabled": False}))[0] == 400
    assert api.error(_new_group(api, token, "Sales-Env"))[0] == 400  # the name is taken
    sales = _group("Sales-Env")
    status, code, message = api.error(api.delete(f"/v1.0/groups/{sales.pk}", token))
    assert status == 405 and "not supported" in message
    assert row_counts() == before


def test_members_with_types_casts_and_select(portal_tenant, api):
    token = api.user_token("global")
    sales = _group("Sales-Env")
    child = DirectoryGroup.objects.create(name="Nested")
    GroupMembership.objects.create(group=sales, member_group=child)
    body = api.get(f"/v1.0/groups/{sales.pk}/members", token).json()
    types = sorted({m["@odata.type"] for m in body["value"]})
    assert types == ["#microsoft.graph.group", "#microsoft.graph.user"]
    assert len(body["value"]) == 4
    users = api.get(f"/v1.0/groups/{sales.pk}/members/graph.user", token, **{"$select": "id,userPrincipalName"}).json()
    assert sorted(u["userPrincipalName"] for u in users["value"]) == sorted(
        portal_upn(n) for n in ("sysadmin", "plain", "d365admin"))
    assert all(set(u) == {"@odata.type", "id", "userPrincipalName"} for u in users["value"])
    groups = api.get(f"/v1.0/groups/{sales.pk}/members/graph.group", token).json()["value"]
    assert [g["displayName"] for g in groups] == ["Nested"]
    paged = api.get(f"/v1.0/groups/{sales.pk}/members", token, **{"$top": "3"}).json()
    assert len(paged["value"]) == 3 and paged["@odata.nextLink"].startswith("http://testserver/")
    rest = api.get(paged["@odata.nextLink"], token).json()
    assert len(rest["value"]) == 1 and "@odata.nextLink" not in rest


def test_add_and_remove_members_by_ref(portal_tenant, api):
    token = api.user_token("global")
    sales, olivia = _group("Sales-Env"), _user("olivia")
    response = api.post(f"/v1.0/groups/{sales.pk}/members/$ref", token,
                        {"@odata.id": f"{GRAPH}/directoryObjects/{olivia.pk}"})
    assert response.status_code == 204, response.content
    assert GroupMembership.objects.filter(group=sales, user=olivia).exists()

    before = row_counts()
    status, code, message = api.error(api.post(f"/v1.0/groups/{sales.pk}/members/$ref", token,
                                               {"@odata.id": f"http://testserver/v1.0/users/{olivia.pk}"}))
    assert (status, code) == (400, "Request_BadRequest")
    assert message == ("One or more added object references already exist for the following modified "
                       "properties: 'members'.")
    missing = api.post(f"/v1.0/groups/{sales.pk}/members/$ref", token,
                       {"@odata.id": f"{GRAPH}/directoryObjects/00000000-0000-0000-0000-0000000000ff"})
    assert api.error(missing)[:2] == (404, "Request_ResourceNotFound")
    assert api.error(api.post(f"/v1.0/groups/{sales.pk}/members/$ref", token, {"@odata.id": "nonsense"}))[0] == 400
    assert api.error(api.post(f"/v1.0/groups/{sales.pk}/members/$ref", token, {}))[0] == 400
    assert row_counts() == before

    finance = _new_group(api, token, "Finance").json()
    nested = api.post(f"/v1.0/groups/{sales.pk}/members/$ref", token, {"@odata.id": f"{GRAPH}/groups/{finance['id']}"})
    assert nested.status_code == 204
    assert GroupMembership.objects.filter(group=sales, member_group_id=finance["id"]).exists()

    assert api.delete(f"/v1.0/groups/{sales.pk}/members/{olivia.pk}/$ref", token).status_code == 204
    assert not GroupMembership.objects.filter(group=sales, user=olivia).exists()
    assert api.delete(f"/v1.0/groups/{sales.pk}/members/{finance['id']}/$ref", token).status_code == 204
    assert api.error(api.delete(f"/v1.0/groups/{sales.pk}/members/{olivia.pk}/$ref", token))[0] == 404


def test_dir06_a_nested_group_that_would_make_a_cycle_is_refused_and_nothing_written(portal_tenant, api):
    """DIR-06: a group may contain groups, never itself through nesting."""
    token = api.user_token("global")
    outer, inner = DirectoryGroup.objects.create(name="Outer"), DirectoryGroup.objects.create(name="Inner")
    GroupMembership.objects.create(group=outer, member_group=inner)
    before = row_counts()
    response = api.post(f"/v1.0/groups/{inner.pk}/members/$ref", token,
                        {"@odata.id": f"{GRAPH}/directoryObjects/{outer.pk}"})
    status, code, message = api.error(response)
    assert (status, code) == (400, "Request_BadRequest") and message.startswith("DIR-06")
    itself = api.post(f"/v1.0/groups/{inner.pk}/members/$ref", token, {"@odata.id": f"{GRAPH}/groups/{inner.pk}"})
    assert api.error(itself)[0] == 400 and api.error(itself)[2].startswith("DIR-06")
    assert row_counts() == before


def test_owners_by_ref(portal_tenant, api):
    token = api.user_token("grpadmin")
    sales, olivia = _group("Sales-Env"), _user("olivia")
    assert api.post(f"/v1.0/groups/{sales.pk}/owners/$ref", token,
                    {"@odata.id": f"{GRAPH}/users/{olivia.pk}"}).status_code == 204
    owners = api.get(f"/v1.0/groups/{sales.pk}/owners", token).json()["value"]
    assert [o["userPrincipalName"] for o in owners] == [portal_upn("olivia")]
    assert owners[0]["@odata.type"] == "#microsoft.graph.user"
    before = row_counts()
    again = api.post(f"/v1.0/groups/{sales.pk}/owners/$ref", token, {"@odata.id": f"{GRAPH}/users/{olivia.pk}"})
    assert api.error(again)[2].endswith("modified properties: 'owners'.")
    a_group = api.post(f"/v1.0/groups/{sales.pk}/owners/$ref", token, {"@odata.id": f"{GRAPH}/groups/{sales.pk}"})
    assert api.error(a_group)[:2] == (400, "Request_BadRequest")  # a group owns no group
    assert row_counts() == before
    assert api.delete(f"/v1.0/groups/{sales.pk}/owners/{olivia.pk}/$ref", token).status_code == 204
    assert not GroupOwner.objects.filter(group=sales).exists()


def test_dir05_a_groups_administrator_manages_members_and_others_are_refused(portal_tenant, api):
    """DIR-05: Groups administrators manage members; a License administrator, a Global reader and an
    app without Group.ReadWrite.All are refused in Graph's shape, writing nothing."""
    sales, olivia = _group("Sales-Env"), _user("olivia")
    ref = {"@odata.id": f"{GRAPH}/directoryObjects/{olivia.pk}"}
    assert api.post(f"/v1.0/groups/{sales.pk}/members/$ref", api.user_token("grpadmin"), ref).status_code == 204
    GroupMembership.objects.filter(group=sales, user=olivia).delete()
    for token in (api.user_token("licadmin"), api.user_token("greader"), api.app_token(["Group.Read.All"])):
        before = row_counts()
        for response in (api.post(f"/v1.0/groups/{sales.pk}/members/$ref", token, ref),
                         _new_group(api, token, "Refused"),
                         api.patch(f"/v1.0/groups/{sales.pk}", token, {"displayName": "Renamed"}),
                         # a bound object that does not exist: refused first, so nothing is probed
                         _new_group(api, token, "Refused", **{"members@odata.bind": [f"{GRAPH}/users/{MISSING}"]}),
                         api.patch(f"/v1.0/groups/{sales.pk}", token, {"members@odata.bind": [f"{GRAPH}/users/{MISSING}"]}),
                         api.delete(f"/v1.0/groups/{sales.pk}/members/{_user('plain').pk}/$ref", token)):
            status, code, message = api.error(response)
            assert (status, code) == (403, "Authorization_RequestDenied") and message.startswith("DIR-05"), message
        assert row_counts() == before
    refusal = AuditEntry.objects.filter(action="Add group member", rule="DIR-05").latest("pk")
    assert refusal.actor == "ERP connector" and refusal.actor_kind == "app"
    app = api.app_token(["Group.ReadWrite.All"])
    assert api.post(f"/v1.0/groups/{sales.pk}/members/$ref", app, ref).status_code == 204
    done = AuditEntry.objects.filter(action="Add group member").latest("pk")
    assert (done.actor, done.outcome, done.via) == ("ERP connector", "done", "graph")


def test_dir05_an_app_without_any_read_permission_cannot_list_groups(portal_tenant, api):
    """DIR-05: an app reads the directory only with a granted read permission."""
    status, code, message = api.error(api.get("/v1.0/groups", api.app_token([])))
    assert (status, code) == (403, "Authorization_RequestDenied") and message.startswith("DIR-05")
    assert api.get("/v1.0/groups", api.app_token(["Group.Read.All"])).status_code == 200


def test_member_of_and_transitive_member_of(portal_tenant, api):
    token = api.user_token("global")
    sales = _group("Sales-Env")
    outer = DirectoryGroup.objects.create(name="All staff")
    GroupMembership.objects.create(group=outer, member_group=sales)
    direct = api.get(f"/v1.0/users/{_user('d365admin').pk}/memberOf", token).json()["value"]
    assert [(o["@odata.type"], o["displayName"]) for o in direct] == [
        ("#microsoft.graph.group", "Sales-Env"), ("#microsoft.graph.directoryRole", "Dynamics 365 Administrator")]
    assert direct[1]["roleTemplateId"] == "44367163-eba1-44c3-98af-f5787879f96a"
    by_upn = api.get(f"/v1.0/users/{portal_upn('d365admin')}/transitiveMemberOf", token).json()["value"]
    assert [o["displayName"] for o in by_upn] == ["All staff", "Sales-Env", "Dynamics 365 Administrator"]
    assert api.error(api.get("/v1.0/users/nobody@nowhere/memberOf", token))[0] == 404
