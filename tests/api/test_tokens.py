"""The token endpoint and bearer authentication, shared by the three APIs (users_app/api/)."""
import time

import pytest

from users_app.api import tokens

from .conftest import ERP_APP_ID

pytestmark = pytest.mark.django_db


def test_client_credentials_give_a_signed_expiring_app_token(portal_tenant, api):
    token = api.app_token(["User.Read.All"])
    claims = tokens.verify(token)
    assert claims["idtyp"] == "app" and claims["appid"] == ERP_APP_ID and claims["roles"] == ["User.Read.All"]
    assert claims["exp"] - claims["iat"] == tokens.LIFETIME_SECONDS


def test_a_wrong_secret_or_unknown_client_gets_no_token(portal_tenant, api):
    wrong = api.token_response(grant_type="client_credentials", client_id=ERP_APP_ID, client_secret="nope")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    unknown = api.token_response(grant_type="client_credentials", client_id="11111111-1111-1111-1111-111111111111",
                                 client_secret="x")
    assert unknown.status_code == 400 and unknown.json()["error"] == "unauthorized_client"
    bad_grant = api.token_response(grant_type="implicit")
    assert bad_grant.status_code == 400 and bad_grant.json()["error"] == "unsupported_grant_type"
    tenant = api.client.post("/fabrikam.onmicrosoft.com/oauth2/v2.0/token", {"grant_type": "password"})
    assert tenant.status_code == 400 and "AADSTS90002" in tenant.json()["error_description"]


def test_the_password_grant_gives_a_user_token(portal_tenant, api):
    claims = tokens.verify(api.user_token("global"))
    assert claims["idtyp"] == "user" and claims["upn"].startswith("global@")
    wrong = api.token_response(grant_type="password", username=claims["upn"], password="wrong")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_a_blocked_user_gets_no_token_and_its_token_stops_working(portal_tenant, api):
    from users_app.models import DirectoryUser

    token = api.user_token("plain")
    user = DirectoryUser.objects.get(user_principal_name__startswith="plain@")
    user.account_enabled = False
    user.save(update_fields=["account_enabled"])
    assert tokens.verify(token)  # still a valid signature ...
    response = api.get("/v1.0/me", token)
    assert response.status_code == 401  # ... but the caller is read afresh


def test_tokens_expire_and_forgeries_are_refused():
    expired = tokens.issue(kind=tokens.USER, tenant_id="t", object_id="o", name="n", lifetime=-10).access_token
    with pytest.raises(tokens.TokenRejected, match="expired"):
        tokens.verify(expired)
    good = tokens.issue(kind=tokens.USER, tenant_id="t", object_id="o", name="n").access_token
    head, body, signature = good.split(".")
    with pytest.raises(tokens.TokenRejected):
        tokens.verify(f"{head}.{body}.{signature[::-1]}")
    with pytest.raises(tokens.TokenRejected):
        tokens.verify("not-a-token")


@pytest.mark.parametrize("url, code", [
    ("/v1.0/users", "InvalidAuthenticationToken"),
    ("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments", "AuthenticationFailed"),
])
def test_no_token_is_a_401_in_the_apis_shape(portal_tenant, api, url, code):
    response = api.get(url)
    assert api.error(response)[:2] == (401, code)
    assert response["WWW-Authenticate"].startswith("Bearer")
    expired = tokens.issue(kind=tokens.USER, tenant_id="t", object_id="o", name="n", lifetime=-1).access_token
    assert api.error(api.get(url, expired))[:2] == (401, code)


def test_the_dataverse_api_answers_401_in_its_shape(portal_tenant, api):
    url = f"/dataverse/{portal_tenant['sales'].environment_id}/api/data/v9.2/WhoAmI"
    status, code, _ = api.error(api.get(url))
    assert (status, code) == (401, "0x80072560")
