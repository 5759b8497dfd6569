"""Shared test set-up. Data is built through the real services (load_tenant and
friends), never by faking the directory; only pure rule tests use hand-built snapshots."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "portal", deadline=None, max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "60")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("portal")


# --- Portal fixtures -------------------------------------------------------------------------

import pytest  # noqa: E402

from tests.builders import person, sku, tenant_file, upn  # noqa: E402

PORTAL_PASSWORD = "Portal-Pass-2026!"


def portal_upn(local: str) -> str:
    return upn(local)


def portal_tenant_data() -> dict:
    """A small tenant with a sign-in for each kind of admin and an ordinary user."""
    def user(local, licences=("DYN",), roles=(), **extra):
        return person(local, licences=licences, admin_roles=list(roles), password=PORTAL_PASSWORD, **extra)
    return tenant_file(
        skus=[sku("DYN", "Dynamics 365 Sales", seats=20), sku("E3", "Office 365 E3", seats=20, kind="m365")],
        users=[
            user("global", roles=["Global Administrator"]),
            user("ppadmin", licences=(), roles=["Power Platform Administrator"]),
            user("d365admin", roles=["Dynamics 365 Administrator"]),
            user("useradmin", licences=("E3",), roles=["User Administrator"]),
            user("licadmin", licences=("E3",), roles=["License Administrator"]),
            user("sysadmin"),  # System Administrator in Sales only (no directory admin role)
            user("plain"),
            user("olivia", licences=("E3",)),
            # The other Entra admin roles (DIR-05, users_app/provisioning/rules/admin_roles.py), unlicensed.
            user("greader", licences=(), roles=["Global Reader"]),
            user("pradmin", licences=(), roles=["Privileged Role Administrator"]),
            user("helpdesk", licences=(), roles=["Helpdesk Administrator"]),
            user("pwadmin", licences=(), roles=["Password Administrator"]),
            user("grpadmin", licences=(), roles=["Groups Administrator"]),
            user("appadmin", licences=(), roles=["Application Administrator"]),
        ],
        groups=[{"name": "Sales-Env", "members": [portal_upn(n) for n in ("sysadmin", "plain", "d365admin")]}],
        apps=[{"name": "ERP connector", "app_id": "00000000-0000-0000-0000-000000000001"}],
        environments=[{"name": "Sales", "security_group": "Sales-Env"}, {"name": "Service", "type": "Sandbox"}],
    )


@pytest.fixture
def portal_tenant(db):
    """The small tenant, synced, with sysadmin@ holding System Administrator in Sales."""
    from environments_app.models import Environment
    from users_app.models import SystemUser
    from users_app.provisioning.sync import directory_sync
    from users_app.services.records import role_assign
    from users_app.tenant_file import load_tenant

    load_tenant(portal_tenant_data())
    directory_sync()
    sales = Environment.objects.get(name="Sales")
    role_assign(systemuser=SystemUser.objects.get(environment=sales, domainname=portal_upn("sysadmin")), role="System Administrator")
    return {"sales": sales, "service": Environment.objects.get(name="Service")}


@pytest.fixture
def sign_in(client):
    """sign_in("global") -> the test client, signed in as that directory user."""
    from django.contrib.auth import get_user_model

    def _sign_in(local: str):
        client.force_login(get_user_model().objects.get(username=portal_upn(local)))
        return client
    return _sign_in


@pytest.fixture
def csrf_client(db):
    """A test client that enforces the CSRF check as production does (POST with tests.pages.post).
    Not named `browser`: that is playwright's fixture."""
    from django.test import Client

    return Client(enforce_csrf_checks=True)


# --- Commands and row counts, shared by the command-line tests -----------------------------------


def run_command(command, *args, **options) -> tuple[int, str, str]:
    """call_command as a user runs it: (exit code, stdout, stderr)."""
    import io

    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err, **options)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def row_counts() -> dict:
    """Rows of every model but the audit log (a refusal is recorded there): the count a refusal
    must leave as it was."""
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.label != "users_app.AuditEntry"}
