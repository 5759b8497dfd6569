"""The demo's app registrations hold Microsoft Graph application permissions (contoso.json), and
seed_demo writes a fresh client secret of the ERP connector, with its client id and the tenant id,
into the accounts file: the README's client-credentials snippet works right after `make run`."""
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from environments_app.models import Environment
from users_app.demo import seed as demo
from users_app.models import AppRegistration

pytestmark = pytest.mark.django_db


def credentials(path) -> dict[str, str]:
    return dict(re.findall(r"^# (TENANT_ID|CLIENT_ID|CLIENT_SECRET)=(\S+)$", path.read_text(), re.M))


def test_the_accounts_file_holds_working_client_credentials(tmp_path):
    accounts_file = tmp_path / "var" / "demo-accounts.txt"
    call_command("seed_demo", "--accounts-file", str(accounts_file), stdout=io.StringIO())
    erp = AppRegistration.objects.get(app_id=demo.CLIENT_APP_ID)
    assert erp.application_permissions == ["Group.Read.All", "LicenseAssignment.ReadWrite.All", "User.ReadWrite.All"]
    assert AppRegistration.objects.get(name="Reporting service").application_permissions == ["Directory.Read.All"]

    found = credentials(accounts_file)
    assert found["CLIENT_ID"] == demo.CLIENT_APP_ID and len(found["CLIENT_SECRET"]) >= 20
    # The sign-in accounts read from the file are the accounts only (the credentials are comments).
    assert set(demo.read_accounts_file(accounts_file)) <= {a.login for a in demo.DEMO_ACCOUNTS} | {demo.SUPERUSER}

    client = Client()
    response = client.post(f"/{found['TENANT_ID']}/oauth2/v2.0/token", {
        "grant_type": "client_credentials", "client_id": found["CLIENT_ID"], "client_secret": found["CLIENT_SECRET"],
        "scope": "https://graph.microsoft.com/.default"})
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    users = client.get("/v1.0/users", {"$top": "5"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert users.status_code == 200 and len(users.json()["value"]) == 5
    sales = Environment.objects.get(name="Sales")  # the ERP connector's application user is there
    who = client.get(f"/dataverse/{sales.environment_id}/api/data/v9.2/WhoAmI", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert who.status_code == 200, who.content

    # Seeding again changes nothing: the file (and so the secret) stays as it was.
    text = accounts_file.read_text()
    call_command("seed_demo", "--accounts-file", str(accounts_file), stdout=io.StringIO())
    assert accounts_file.read_text() == text
