"""Dataverse API fixtures: the Sales environment's org URL, an application user for the ERP
connector app (System Administrator), and tokens."""
from __future__ import annotations

import pytest

from tests.api.conftest import ERP_APP_ID


class Dataverse:
    def __init__(self, api, environment):
        self.api = api
        self.environment = environment
        self.root = f"/dataverse/{environment.environment_id}/api/data/v9.2/"

    def url(self, path: str, environment=None) -> str:
        if environment is not None:
            return f"/dataverse/{environment.environment_id}/api/data/v9.2/{path}"
        return self.root + path


@pytest.fixture
def dv(portal_tenant, api):
    return Dataverse(api, portal_tenant["sales"])


@pytest.fixture
def app_user(portal_tenant):
    """The ERP connector's application user in Sales, System Administrator (APP-01)."""
    from environments_app.models import SecurityRole
    from users_app.models import AppRegistration
    from users_app.services.records import app_user_create

    sales = portal_tenant["sales"]
    app = AppRegistration.objects.get(app_id=ERP_APP_ID)
    role = SecurityRole.objects.get(environment=sales, name="System Administrator",
                                    business_unit__parentbusinessunit__isnull=True)
    return app_user_create(environment=sales, app=app, roles=[role])


@pytest.fixture
def app_token(api, app_user):
    return api.app_token([])
