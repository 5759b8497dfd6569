"""The tenant file's apps[].permissions (cli.md, "Tenant file"): the Microsoft Graph application
permissions granted to an app registration (admin consent), applied through its service; a name
outside admin_roles.APPLICATION_PERMISSIONS refuses the whole file, naming the field."""
import pytest

from users_app.models import AppRegistration, AuditEntry
from users_app.provisioning.rules import InvalidInput
from users_app.tenant_file import load_tenant

from tests.builders import person, tenant_file
from tests.conftest import row_counts

pytestmark = pytest.mark.django_db
APP_ID = "00000000-0000-0000-0000-0000000000aa"


def data(**app):
    return tenant_file(users=[person("alice")], apps=[{"name": "ERP connector", "app_id": APP_ID, **app}])


def app():
    return AppRegistration.objects.get(app_id=APP_ID)


def test_permissions_are_granted_on_create_and_changed_by_a_later_file():
    load_tenant(data(permissions=["User.ReadWrite.All", "Group.Read.All"]))
    assert app().application_permissions == ["Group.Read.All", "User.ReadWrite.All"]
    assert AuditEntry.objects.filter(action="Grant admin consent").exists()

    summary = load_tenant(data(permissions=["User.Read.All"]))
    assert app().application_permissions == ["User.Read.All"]
    assert summary["apps"]["updated"] == 1


def test_the_same_permissions_again_write_nothing_and_no_key_leaves_them():
    load_tenant(data(permissions=["User.ReadWrite.All"]))
    before = row_counts()
    summary = load_tenant(data(permissions=["User.ReadWrite.All"]))
    assert summary["apps"]["unchanged"] == 1
    load_tenant(data())  # no "permissions": left as they are
    assert app().application_permissions == ["User.ReadWrite.All"]
    assert row_counts() == before


def test_an_empty_list_revokes_every_permission():
    load_tenant(data(permissions=["User.ReadWrite.All"]))
    load_tenant(data(permissions=[]))
    assert app().application_permissions == []


@pytest.mark.parametrize("permissions, named", [
    (["Mail.Send"], '"Mail.Send" is not a Microsoft Graph application permission'),
    ("User.Read.All", "apps[0].permissions"),
    ([3], "apps[0].permissions"),
])
def test_a_bad_permission_refuses_the_file_naming_the_field_and_writes_nothing(permissions, named):
    load_tenant(data())
    before = row_counts()
    with pytest.raises(InvalidInput) as refused:
        load_tenant(data(permissions=permissions))
    assert "apps[0].permissions" in str(refused.value) and named in str(refused.value)
    assert row_counts() == before
    assert app().application_permissions == []
