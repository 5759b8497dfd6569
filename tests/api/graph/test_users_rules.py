"""The rules a Graph users call can trigger (DIR-01, DIR-02, DIR-04, DIR-05, DIR-10, DIR-11): each
refusal in Graph's shape with the rule ID in the message, writing nothing (row_counts()), and
the audit log naming the API caller. Licences, subscribedSkus and deleted items are covered here
too, with their refusals."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import portal_upn, row_counts

USERS = "/v1.0/users"
DELETED = "/v1.0/directory/deletedItems"


def _user(local: str):
    from users_app.models import DirectoryUser

    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def _sku_id(part: str) -> str:
    from users_app.models import Sku

    return str(Sku.objects.get(sku_part_number=part).sku_id)


def _fill_seats(part: str) -> None:
    """Test set-up: no seat left on the licence."""
    from users_app.models import Sku
    from users_app.services.directory import seats_used

    sku = Sku.objects.get(sku_part_number=part)
    sku.seats = seats_used(sku)
    sku.save(update_fields=["seats"])


def _refused(api, response, status: int, code: str, rule: str, before: dict) -> str:
    got_status, got_code, message = api.error(response)
    assert (got_status, got_code) == (status, code), message
    assert message.startswith(f"{rule}: "), message
    assert row_counts() == before, "a refusal writes nothing"
    return message


NEW_USER = {"@odata.type": "#microsoft.graph.user", "accountEnabled": True, "displayName": "Nina New",
            "mailNickname": "nina", "userPrincipalName": "nina@contoso.onmicrosoft.com", "usageLocation": "US",
            "passwordProfile": {"password": "Nina-Pass-2026!", "forceChangePasswordNextSignIn": True}}


# --- DIR-01 -------------------------------------------------------------------------------------


def test_dir_01_create_with_force_change_makes_the_password_temporary(portal_tenant, api):
    """DIR-01: forceChangePasswordNextSignIn -> the user must change it; the token endpoint says so."""
    from users_app.models import DirectoryUser

    created = api.post(USERS, api.user_token("global"), NEW_USER)
    assert created.status_code == 201
    nina = DirectoryUser.objects.get(pk=created.json()["id"])
    assert nina.must_change_password and nina.account.check_password("Nina-Pass-2026!")
    refused = api.token_response(grant_type="password", username="nina@contoso.onmicrosoft.com", password="Nina-Pass-2026!")
    assert refused.status_code == 400 and "DIR-01" in refused.json()["error_description"]


# --- DIR-05 -------------------------------------------------------------------------------------


def test_dir_05_a_user_administrator_cannot_delete_a_global_administrator(portal_tenant, api):
    token = api.user_token("useradmin")
    before = row_counts()
    message = _refused(api, api.delete(f"{USERS}/{_user('global').pk}", token), 403,
                       "Authorization_RequestDenied", "DIR-05", before)
    assert "Global Administrator" in message or "Global administrator" in message
    assert not _user("global").is_deleted


def test_dir_05_a_user_administrator_cannot_block_a_global_administrator(portal_tenant, api):
    token = api.user_token("useradmin")
    before = row_counts()
    _refused(api, api.patch(f"{USERS}/{portal_upn('global')}", token, {"jobTitle": "Boss", "accountEnabled": False}),
             403, "Authorization_RequestDenied", "DIR-05", before)
    global_admin = _user("global")
    assert global_admin.account_enabled and global_admin.job_title == ""


def test_dir_05_a_license_administrator_cannot_create_users(portal_tenant, api):
    token = api.user_token("licadmin")
    before = row_counts()
    _refused(api, api.post(USERS, token, NEW_USER), 403, "Authorization_RequestDenied", "DIR-05", before)


def test_dir_05_an_app_without_permissions_is_refused(portal_tenant, api):
    """DIR-05: an app granted nothing may neither read nor write the directory."""
    token = api.app_token([])
    before = row_counts()
    _refused(api, api.post(USERS, token, NEW_USER), 403, "Authorization_RequestDenied", "DIR-05", before)
    _refused(api, api.patch(f"{USERS}/{_user('plain').pk}", token, {"jobTitle": "x"}), 403,
             "Authorization_RequestDenied", "DIR-05", before)
    assert api.error(api.get(USERS, token))[:2] == (403, "Authorization_RequestDenied")


def test_dir_05_a_read_only_app_cannot_write(portal_tenant, api):
    token = api.app_token(["User.Read.All"])
    before = row_counts()
    _refused(api, api.delete(f"{USERS}/{_user('plain').pk}", token), 403, "Authorization_RequestDenied", "DIR-05", before)


def test_dir_05_a_user_without_an_admin_role_cannot_change_others_or_licences(portal_tenant, api):
    token = api.user_token("plain")
    before = row_counts()
    _refused(api, api.patch(f"{USERS}/{_user('olivia').pk}", token, {"jobTitle": "x"}), 403,
             "Authorization_RequestDenied", "DIR-05", before)
    _refused(api, api.post(f"{USERS}/{_user('plain').pk}/assignLicense", token,
                           {"addLicenses": [{"skuId": _sku_id("E3"), "disabledPlans": []}], "removeLicenses": []}),
             403, "Authorization_RequestDenied", "DIR-05", before)


def test_dir_05_a_patch_refused_in_part_writes_none_of_it(portal_tenant, api):
    """DIR-05: a License administrator may set the usage location but not reset a password: the
    whole PATCH is refused and the usage location stays."""
    token = api.user_token("licadmin")
    before = row_counts()
    _refused(api, api.patch(f"{USERS}/{_user('olivia').pk}", token, {
        "usageLocation": "FR", "passwordProfile": {"password": "Any-Pass-2026!", "forceChangePasswordNextSignIn": False}}),
        403, "Authorization_RequestDenied", "DIR-05", before)
    assert _user("olivia").usage_location == "US"


def test_an_app_with_user_readwrite_all_acts_as_a_user_administrator_and_is_audited(portal_tenant, api):
    """DIR-05: User.ReadWrite.All stands for the User administrator role: it creates users, and is
    refused on a Global administrator as a User administrator is. The audit log names the app."""
    from users_app.models import AuditEntry

    token = api.app_token(["User.ReadWrite.All"])
    assert api.post(USERS, token, NEW_USER).status_code == 201
    entry = AuditEntry.objects.filter(action="Add user").latest("pk")
    assert (entry.actor_kind, entry.actor, entry.via, entry.outcome) == ("app", "ERP connector", "graph", "done")
    before = row_counts()
    _refused(api, api.delete(f"{USERS}/{_user('global').pk}", token), 403, "Authorization_RequestDenied", "DIR-05", before)
    refusal = AuditEntry.objects.filter(action="Delete user").latest("pk")
    assert (refusal.actor, refusal.outcome, refusal.rule) == ("ERP connector", "refused", "DIR-05")


def test_an_api_write_is_audited_with_the_calling_user(portal_tenant, api):
    from users_app.models import AuditEntry

    token = api.user_token("useradmin")
    olivia = _user("olivia")
    assert api.patch(f"{USERS}/{olivia.pk}", token, {"jobTitle": "Director"}).status_code == 204
    entry = AuditEntry.objects.filter(action="Update user").latest("pk")
    assert (entry.actor_kind, entry.actor, entry.actor_object_id, entry.via) == (
        "directory", portal_upn("useradmin"), _user("useradmin").pk, "graph")
    assert ["job_title", "", "Director"] in entry.changes


# --- licences: assignLicense, licenseDetails, subscribedSkus (DIR-02, DIR-10) -----------------------


def test_assign_and_remove_licenses_answer_the_user_with_its_licenses(portal_tenant, api):
    token = api.user_token("licadmin")
    olivia = _user("olivia")
    url = f"{USERS}/{olivia.pk}/assignLicense"
    response = api.post(url, token, {"addLicenses": [{"disabledPlans": [], "skuId": _sku_id("DYN")}],
                                     "removeLicenses": [_sku_id("E3")]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(olivia.pk) and body["assignedLicenses"] == [{"skuId": _sku_id("DYN"), "disabledPlans": []}]
    details = api.get(f"{USERS}/{olivia.pk}/licenseDetails", token).json()["value"]
    assert [(d["skuId"], d["skuPartNumber"]) for d in details] == [(_sku_id("DYN"), "DYN")]
    removed = api.post(url, token, {"addLicenses": [], "removeLicenses": [_sku_id("DYN")]}).json()
    assert removed["assignedLicenses"] == []


def test_subscribed_skus_count_seats_in_graphs_shape(portal_tenant, api):
    from users_app.models import Sku

    Sku.objects.filter(sku_part_number="E3").update(service_plans=["EXCHANGE_S_ENTERPRISE", "TEAMS1"])
    skus = {s["skuPartNumber"]: s for s in api.get("/v1.0/subscribedSkus", api.user_token("licadmin")).json()["value"]}
    e3 = skus["E3"]
    assert e3["skuId"] == _sku_id("E3") and e3["appliesTo"] == "User" and e3["capabilityStatus"] == "Enabled"
    assert e3["consumedUnits"] == 3 and e3["prepaidUnits"] == {"enabled": 20, "suspended": 0, "warning": 0, "lockedOut": 0}
    assert [p["servicePlanName"] for p in e3["servicePlans"]] == ["EXCHANGE_S_ENTERPRISE", "TEAMS1"]
    assert len({p["servicePlanId"] for p in e3["servicePlans"]}) == 2
    assert skus["DYN"]["consumedUnits"] == 4


def test_dir_02_assign_license_beyond_the_seats_is_refused_all_or_nothing(portal_tenant, api):
    """DIR-02: no seat left: the whole request (a removal too) is refused and nothing is written."""
    _fill_seats("DYN")
    token = api.user_token("licadmin")
    before = row_counts()
    message = _refused(api, api.post(f"{USERS}/{_user('olivia').pk}/assignLicense", token, {
        "addLicenses": [{"skuId": _sku_id("DYN"), "disabledPlans": []}], "removeLicenses": [_sku_id("E3")]}),
        400, "Request_BadRequest", "DIR-02", before)
    assert "No seats left" in message
    assert list(_user("olivia").licence_assignments.values_list("sku__sku_part_number", flat=True)) == ["E3"]


def test_dir_02_deleting_a_user_frees_its_seat_at_once(portal_tenant, api):
    _fill_seats("DYN")
    token = api.user_token("useradmin")
    assert api.delete(f"{USERS}/{_user('plain').pk}", token).status_code == 204
    response = api.post(f"{USERS}/{_user('olivia').pk}/assignLicense", token,
                        {"addLicenses": [{"skuId": _sku_id("DYN"), "disabledPlans": []}], "removeLicenses": []})
    assert response.status_code == 200


def test_dir_10_assign_license_without_a_usage_location_is_refused(portal_tenant, api):
    """DIR-10: a licence needs a usage location."""
    from users_app.services import directory

    user, _ = directory.directory_user_create(user_principal_name="nowhere@contoso.onmicrosoft.com",
                                              display_name="No Where", temporary_password=False)
    token = api.user_token("licadmin")
    before = row_counts()
    message = _refused(api, api.post(f"{USERS}/{user.pk}/assignLicense", token, {
        "addLicenses": [{"skuId": _sku_id("E3"), "disabledPlans": []}], "removeLicenses": []}),
        400, "Request_BadRequest", "DIR-10", before)
    assert "usage location" in message


def test_dir_10_clearing_the_usage_location_of_a_licensed_user_is_refused(portal_tenant, api):
    """DIR-10: a licensed user keeps a usage location."""
    token = api.user_token("global")
    before = row_counts()
    _refused(api, api.patch(f"{USERS}/{_user('olivia').pk}", token, {"usageLocation": None}),
             400, "Request_BadRequest", "DIR-10", before)
    assert _user("olivia").usage_location == "US"


@pytest.mark.parametrize("body, word", [
    ({"addLicenses": [{"skuId": "6fd2c87f-b296-42f0-b197-1e91e994b900", "disabledPlans": []}], "removeLicenses": []},
     "6fd2c87f-b296-42f0-b197-1e91e994b900"),
    ({"addLicenses": [], "removeLicenses": ["not-a-guid"]}, "removeLicenses"),
    ({"addLicenses": [{"skuId": 5}], "removeLicenses": []}, "addLicenses.skuId"),
    ({"addLicenses": "E3", "removeLicenses": []}, "addLicenses"),
    ({"addLicenses": [{"skuId": "{E3}", "disabledPlans": ["x"]}], "removeLicenses": []}, "disabledPlans"),
    ({}, "addLicenses"),
])
def test_a_malformed_assign_license_or_an_unknown_sku_is_a_400(portal_tenant, api, body, word):
    token = api.user_token("licadmin")
    body = {k: ([{**i, "skuId": _sku_id("E3")} if isinstance(i, dict) and i.get("skuId") == "{E3}" else i for i in v]
                if isinstance(v, list) else v) for k, v in body.items()}
    before = row_counts()
    status, code, message = api.error(api.post(f"{USERS}/{_user('olivia').pk}/assignLicense", token, body))
    assert (status, code) == (400, "Request_BadRequest") and word in message
    assert row_counts() == before


# --- deleted items (DIR-04, DIR-11, DIR-02) -------------------------------------------------------


def test_dir_11_a_deleted_user_is_not_found_by_id_or_upn_and_shows_its_altered_name(portal_tenant, api):
    """DIR-11: deleted, the user is gone from /users (404 by id and by UPN) and listed in deleted
    items with the object id put in front of its UPN and mail; restoring puts them back (DIR-04)."""
    token = api.user_token("useradmin")
    olivia = _user("olivia")
    assert api.delete(f"{USERS}/{portal_upn('olivia')}", token).status_code == 204
    for key in (olivia.pk, portal_upn("olivia")):
        assert api.error(api.get(f"{USERS}/{key}", token))[:2] == (404, "Request_ResourceNotFound")
        assert api.error(api.patch(f"{USERS}/{key}", token, {"jobTitle": "x"}))[:2] == (404, "Request_ResourceNotFound")
    listed = api.get(f"{DELETED}/microsoft.graph.user", token, **{"$select": "id,userPrincipalName,mail,deletedDateTime"})
    [item] = listed.json()["value"]
    assert item["@odata.type"] == "#microsoft.graph.user" and item["id"] == str(olivia.pk)
    assert item["userPrincipalName"] == olivia.pk.hex + portal_upn("olivia")
    assert item["mail"] == olivia.pk.hex + "olivia@contoso.com" and item["deletedDateTime"]
    assert api.get(f"{DELETED}/{olivia.pk}", token).json()["userPrincipalName"] == item["userPrincipalName"]
    restored = api.post(f"{DELETED}/{olivia.pk}/restore", token)
    assert restored.status_code == 200 and restored.json()["userPrincipalName"] == portal_upn("olivia")
    assert restored.json()["@odata.type"] == "#microsoft.graph.user"
    assert api.get(f"{USERS}/{portal_upn('olivia')}", token).status_code == 200
    assert api.get(f"{DELETED}/microsoft.graph.user", token).json()["value"] == []
    assert api.error(api.get(f"{DELETED}/{olivia.pk}", token))[:2] == (404, "Request_ResourceNotFound")


def test_deleted_items_are_paged_with_absolute_next_links(portal_tenant, api):
    from users_app.services import directory

    for n in range(7):
        user, _ = directory.directory_user_create(user_principal_name=f"gone-{n}@contoso.onmicrosoft.com",
                                                  temporary_password=False)
        directory.directory_user_delete(user=user)
    token = api.user_token("global")
    page = api.get(f"{DELETED}/microsoft.graph.user", token, **{"$top": "3", "$select": "id"}).json()
    ids = [u["id"] for u in page["value"]]
    while "@odata.nextLink" in page:
        assert page["@odata.nextLink"].startswith("http://testserver/v1.0/directory/deletedItems/microsoft.graph.user?")
        page = api.client.get(page["@odata.nextLink"], HTTP_AUTHORIZATION=f"Bearer {token}").json()
        ids += [u["id"] for u in page["value"]]
    assert len(ids) == len(set(ids)) == 7
    # The SDK's cast (directory.deleted_items.graph_user) asks for the short name.
    assert len(api.get(f"{DELETED}/graph.user", token).json()["value"]) == 7
    assert api.get(f"{DELETED}/microsoft.graph.group", token).json() == {"value": []}


def test_dir_04_restore_after_30_days_is_refused(portal_tenant, api):
    """DIR-04: restorable for 30 days only."""
    from django.utils import timezone

    from users_app.models import DirectoryUser

    token = api.user_token("useradmin")
    olivia = _user("olivia")
    assert api.delete(f"{USERS}/{olivia.pk}", token).status_code == 204
    DirectoryUser.objects.filter(pk=olivia.pk).update(deleted_on=timezone.now() - timedelta(days=31))
    before = row_counts()
    message = _refused(api, api.post(f"{DELETED}/{olivia.pk}/restore", token), 400, "Request_BadRequest", "DIR-04", before)
    assert "30 days" in message


def test_dir_04_restore_is_refused_when_a_live_user_took_the_name(portal_tenant, api):
    """DIR-04: a user comes back under its original UPN, which no live user may hold."""
    token = api.user_token("useradmin")
    olivia = _user("olivia")
    assert api.delete(f"{USERS}/{olivia.pk}", token).status_code == 204
    assert api.post(USERS, token, {**NEW_USER, "userPrincipalName": portal_upn("olivia"), "mailNickname": "olivia"}).status_code == 201
    before = row_counts()
    _refused(api, api.post(f"{DELETED}/{olivia.pk}/restore", token), 400, "Request_BadRequest", "DIR-04", before)


def test_dir_02_restore_rechecks_the_seats_of_kept_licences(portal_tenant, api):
    """DIR-02: a deleted user's licence holds no seat; restoring needs one free again."""
    token = api.user_token("useradmin")
    plain = _user("plain")
    assert api.delete(f"{USERS}/{plain.pk}", token).status_code == 204
    _fill_seats("DYN")
    before = row_counts()
    message = _refused(api, api.post(f"{DELETED}/{plain.pk}/restore", token), 400, "Request_BadRequest", "DIR-02", before)
    assert portal_upn("plain") in message
    from users_app.models import DirectoryUser

    assert DirectoryUser.objects.get(pk=plain.pk).deleted_state == "soft"


def test_dir_05_a_user_administrator_cannot_restore_or_purge_a_deleted_global_administrator(portal_tenant, api):
    from users_app.services import audit, directory

    global_admin = _user("global")
    with audit.acting_as(audit.OPERATOR_ACTOR):
        directory.directory_user_delete(user=global_admin)
    token = api.user_token("useradmin")
    before = row_counts()
    _refused(api, api.post(f"{DELETED}/{global_admin.pk}/restore", token), 403, "Authorization_RequestDenied", "DIR-05", before)
    _refused(api, api.delete(f"{DELETED}/{global_admin.pk}", token), 403, "Authorization_RequestDenied", "DIR-05", before)


def test_purge_deletes_for_good(portal_tenant, api):
    """DIR-04: permanently deleted, the user can no longer be restored or found."""
    token = api.user_token("useradmin")
    olivia = _user("olivia")
    assert api.delete(f"{USERS}/{olivia.pk}", token).status_code == 204
    assert api.delete(f"{DELETED}/{olivia.pk}", token).status_code == 204
    olivia.refresh_from_db()
    assert olivia.deleted_state == "hard" and not olivia.licence_assignments.exists()
    for call in (api.get(f"{DELETED}/{olivia.pk}", token), api.post(f"{DELETED}/{olivia.pk}/restore", token)):
        assert api.error(call)[:2] == (404, "Request_ResourceNotFound")
    assert api.error(api.get(f"{DELETED}/not-a-guid", token))[:2] == (404, "Request_ResourceNotFound")
