"""Graph applications and servicePrincipals (DIR-08) through the API: an app registration is one
application and one service principal, each with an application (client) id and an object id; the
secret is shown once. DIR-05: only Global and Application administrators (or an app granted
Application.ReadWrite.All) register applications."""
from __future__ import annotations

import pytest

from tests.api.conftest import ERP_APP_ID
from tests.conftest import row_counts
from users_app.models import AppRegistration, AuditEntry

pytestmark = pytest.mark.django_db


def test_dir08_applications_and_service_principals_share_the_client_id(portal_tenant, api):
    """DIR-08: a registration has an application (client) id and an object id."""
    token = api.user_token("appadmin")
    response = api.post("/v1.0/applications", token, {"@odata.type": "#microsoft.graph.application",
                                                       "displayName": "Payroll sync"})
    assert response.status_code == 201, response.content
    created = response.json()
    app = AppRegistration.objects.get(name="Payroll sync")
    assert created["id"] == str(app.object_id) and created["appId"] == str(app.app_id)
    assert AuditEntry.objects.filter(action="Register application").exists()

    listed = api.get("/v1.0/applications", token, **{"$filter": f"appId eq '{app.app_id}'"}).json()["value"]
    assert [a["displayName"] for a in listed] == ["Payroll sync"]
    assert api.get(f"/v1.0/applications/{app.object_id}", token, **{"$select": "appId"}).json() == {
        "id": str(app.object_id), "appId": str(app.app_id)}
    assert api.patch(f"/v1.0/applications/{app.object_id}", token, {"displayName": "Payroll"}).status_code == 204
    assert AppRegistration.objects.get(pk=app.pk).name == "Payroll"

    principals = api.get("/v1.0/servicePrincipals", token).json()["value"]
    assert len(principals) == AppRegistration.objects.count() == 2
    mine = next(p for p in principals if p["appId"] == str(app.app_id))
    assert mine["servicePrincipalType"] == "Application" and mine["displayName"] == "Payroll"
    assert mine["id"] != str(app.object_id)
    assert api.get(f"/v1.0/servicePrincipals/{mine['id']}", token).json() == mine
    by_app = api.get("/v1.0/servicePrincipals", token, **{"$filter": f"appId eq '{ERP_APP_ID}'"}).json()["value"]
    assert [p["displayName"] for p in by_app] == ["ERP connector"]
    assert api.error(api.get("/v1.0/servicePrincipals/00000000-0000-0000-0000-0000000000ff", token))[0] == 404
    # The SDK's alternate keys: applications(appId='...') and servicePrincipals(appId='...').
    assert api.get(f"/v1.0/applications(appId='{app.app_id}')", token).json()["id"] == str(app.object_id)
    assert api.get(f"/v1.0/servicePrincipals(appId='{app.app_id}')", token).json() == mine
    assert api.error(api.get("/v1.0/servicePrincipals(appId='nope')", token))[0] == 404


def test_add_password_shows_the_secret_once_and_it_gives_a_token(portal_tenant, api):
    token = api.user_token("global")
    erp = AppRegistration.objects.get(app_id=ERP_APP_ID)
    response = api.post(f"/v1.0/applications/{erp.object_id}/addPassword", token,
                        {"passwordCredential": {"displayName": "CI"}})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"customKeyIdentifier", "displayName", "endDateTime", "keyId", "startDateTime",
                         "secretText", "hint"}
    assert body["displayName"] == "CI" and body["hint"] == body["secretText"][:3]
    assert body["secretText"] not in AppRegistration.objects.get(pk=erp.pk).secret_hash
    issued = api.token_response(grant_type="client_credentials", client_id=ERP_APP_ID, client_secret=body["secretText"],
                                scope="https://graph.microsoft.com/.default")
    assert issued.status_code == 200
    shown = api.get(f"/v1.0/applications/{erp.object_id}", token).json()["passwordCredentials"]
    assert shown[0]["keyId"] == body["keyId"] and shown[0]["secretText"] is None


def test_dir05_only_application_administrators_register_apps(portal_tenant, api):
    """DIR-05: a User administrator and an app without Application.ReadWrite.All are refused, in
    Graph's shape, writing nothing; an app with that permission registers one."""
    erp = AppRegistration.objects.get(app_id=ERP_APP_ID)
    for token in (api.user_token("useradmin"), api.app_token(["Directory.ReadWrite.All"])):
        before = row_counts()
        for response in (api.post("/v1.0/applications", token, {"displayName": "Refused"}),
                         api.patch(f"/v1.0/applications/{erp.object_id}", token, {"displayName": "Renamed"}),
                         api.post(f"/v1.0/applications/{erp.object_id}/addPassword", token, {})):
            status, code, message = api.error(response)
            assert (status, code) == (403, "Authorization_RequestDenied") and message.startswith("DIR-05"), message
        assert row_counts() == before
    created = api.post("/v1.0/applications", api.app_token(["Application.ReadWrite.All"]), {"displayName": "By an app"})
    assert created.status_code == 201


def test_bad_application_input_is_a_400_or_404(portal_tenant, api):
    token = api.user_token("global")
    before = row_counts()
    assert api.error(api.post("/v1.0/applications", token, {}))[:2] == (400, "Request_BadRequest")
    assert api.error(api.post("/v1.0/applications", token, {"displayName": ["x"]}))[0] == 400
    assert api.error(api.post("/v1.0/applications", token, {"displayName": "X", "web": {}}))[0] == 400
    assert api.error(api.get("/v1.0/applications/zzz", token))[:2] == (404, "Request_ResourceNotFound")
    assert api.error(api.get("/v1.0/applications", token, **{"$filter": "appId eq 'zzz'"}))[0] == 400
    erp = AppRegistration.objects.get(app_id=ERP_APP_ID)
    assert api.error(api.patch(f"/v1.0/applications/{erp.object_id}", token, {"displayName": "x" * 300}))[0] == 400
    assert api.error(api.post(f"/v1.0/applications/{erp.object_id}/addPassword", token,
                              {"passwordCredential": "x"}))[0] == 400
    assert row_counts() == before
