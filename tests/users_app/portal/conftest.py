"""Fixtures of the environment screens' tests: an application user in Sales, an on-premises
environment read from Active Directory, and stub users made by a data import in Service."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from environments_app.choices import Deployment
from users_app.models import AppRegistration
from users_app.services import records
from users_app.services.environments import environment_create


@pytest.fixture
def erp_app_user(portal_tenant):
    app = AppRegistration.objects.get(name="ERP connector")
    return records.app_user_create(environment=portal_tenant["sales"], app=app, roles=["Basic User"],
                                   email="erp@contoso.com")


AD_USERS = [
    {"logon_name": "CONTOSO\\ann", "first_name": "Ann", "last_name": "Berg", "telephone": "555-0100",
     "email": "ann@contoso.local", "city": "Oslo", "state": "Oslo", "home_phone": "555-0199"},
    {"logon_name": "CONTOSO\\bob", "first_name": "Bob", "last_name": "Lind", "city": "Bergen"},
]


@pytest.fixture
def onprem(portal_tenant):
    return environment_create(name="Contoso On-Premises", deployment=Deployment.ON_PREMISES, ad_users=AD_USERS)


@pytest.fixture
def imported(portal_tenant):
    """Service after a data import: ghost@ owns two accounts, spirit@ one, both stub users (STUB-01)."""
    from users_app.services.imports import parse_accounts_csv, records_import
    records_import(environment=portal_tenant["service"], rows=parse_accounts_csv(
        "name,owner\nFourth Coffee,ghost@fabrikam.com\nBlue Yonder,ghost@fabrikam.com\nLitware,spirit@fabrikam.com\n"))
    return portal_tenant["service"]


@pytest.fixture
def followed_text():
    """Follow a redirect and answer the page's text (the messages show there)."""
    def follow(client, response) -> str:
        assert response.status_code == 302
        return client.get(response["Location"]).content.decode()
    return follow


@pytest.fixture
def assert_sorts_both_ways():
    """Every orderable column of the table sorts both ways: 200 and the table's element."""
    def check(client, table_class, url):
        for name, column in table_class.base_columns.items():
            if column.orderable is False:
                continue
            for sort in (name, f"-{name}"):
                response = client.get(url, {"sort": sort}, HTTP_HX_REQUEST="true")
                assert response.status_code == 200, (table_class.__name__, sort)
                assert f'id="{table_class.container_id}"' in response.content.decode()
    return check


@pytest.fixture
def queries_of():
    """The number of queries a GET of the URL runs (it must answer 200)."""
    def count(client, url) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)
    return count
