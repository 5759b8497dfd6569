"""API test helpers: tokens made through the real token endpoint, and calls with them.

    def test_x(portal_tenant, api):
        token = api.user_token("global")          # password grant as global@
        token = api.app_token(["User.ReadWrite.All"])  # ERP connector, granted these permissions
        response = api.get("/v1.0/users", token)
        api.error(response)  -> (status, code, message) in the API's shape
"""
from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.conftest import PORTAL_PASSWORD, portal_upn

ERP_APP_ID = "00000000-0000-0000-0000-000000000001"


class Api:
    def __init__(self):
        self.client = Client()

    # --- tokens, through POST /{tenant}/oauth2/v2.0/token -----------------------------------------
    def token_response(self, **form):
        return self.client.post("/organizations/oauth2/v2.0/token", form)

    def user_token(self, local: str, password: str = PORTAL_PASSWORD) -> str:
        from users_app.models import DirectoryUser

        user = DirectoryUser.objects.get(user_principal_name=portal_upn(local))
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        response = self.token_response(grant_type="password", username=portal_upn(local), password=password,
                                       scope="https://graph.microsoft.com/.default")
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    def app_token(self, permissions=(), app_id: str = ERP_APP_ID) -> str:
        """The app registration's token after granting it `permissions` and giving it a new secret."""
        from users_app.models import AppRegistration
        from users_app.services.directory import apps

        app = AppRegistration.objects.get(app_id=app_id)
        app.application_permissions = list(permissions)
        app.save(update_fields=["application_permissions"])
        secret = apps._app_registration_new_secret(app=app)
        response = self.token_response(grant_type="client_credentials", client_id=app_id, client_secret=secret,
                                       scope="https://graph.microsoft.com/.default")
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    # --- calls ------------------------------------------------------------------------------------
    def _headers(self, token, headers):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        if token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return extra

    def get(self, url, token=None, *, headers=None, **params):
        return self.client.get(url, params or None, **self._headers(token, headers))

    def post(self, url, token=None, body=None, *, headers=None):
        return self.client.post(url, json.dumps(body if body is not None else {}), content_type="application/json",
                                **self._headers(token, headers))

    def patch(self, url, token=None, body=None, *, headers=None):
        return self.client.patch(url, json.dumps(body or {}), content_type="application/json",
                                 **self._headers(token, headers))

    def delete(self, url, token=None, *, headers=None):
        return self.client.delete(url, **self._headers(token, headers))

    @staticmethod
    def error(response) -> tuple[int, str, str]:
        """(status, code, message) of an error in any of the three shapes."""
        body = response.json()["error"]
        return response.status_code, body["code"], body["message"]


@pytest.fixture
def api(db):
    return Api()
