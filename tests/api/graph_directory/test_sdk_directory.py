"""The directory endpoints driven by msgraph-sdk, unmodified, over the https test server of
tests/api/sdk/conftest.py: a group made, a user and a nested group added by `$ref` (a cycle refused,
DIR-06), members built as User and Group, memberOf, a role assigned and removed through
roleManagement (DIR-05 for a User administrator), an application's secret through addPassword."""
from __future__ import annotations

import pytest

from tests.conftest import portal_upn, row_counts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
LICENCE_TEMPLATE = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
GLOBAL_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10"


def _error(excinfo) -> tuple[int, str, str]:
    return excinfo.value.response_status_code, excinfo.value.error.code, excinfo.value.error.message


def test_dir06_groups_members_and_memberof_through_the_graph_sdk(sdk_tenant, https_server):
    """DIR-06: nested groups through the SDK, a cycle refused in Graph's shape, writing nothing."""
    from msgraph.generated.models.group import Group
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.reference_create import ReferenceCreate
    from msgraph.generated.models.user import User

    from users_app.models import DirectoryUser

    olivia = str(DirectoryUser.objects.get(user_principal_name=portal_upn("olivia")).pk)
    token = https_server.user_token("grpadmin")

    def ref(object_id):
        return ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{object_id}")

    async def build(client, adapter):
        outer = await client.groups.post(Group(display_name="SDK outer", mail_enabled=False, mail_nickname="sdkouter",
                                               security_enabled=True))
        inner = await client.groups.post(Group(display_name="SDK inner", mail_enabled=False, mail_nickname="sdkinner",
                                               security_enabled=True))
        await client.groups.by_group_id(outer.id).members.ref.post(ref(olivia))
        await client.groups.by_group_id(outer.id).members.ref.post(ref(inner.id))
        await client.groups.by_group_id(inner.id).members.ref.post(ref(olivia))
        members = await client.groups.by_group_id(outer.id).members.get()
        member_of = await client.users.by_user_id(olivia).transitive_member_of.get()
        return outer, inner, members, member_of

    outer, inner, members, member_of = https_server.graph(token, build)
    assert sorted(type(m).__name__ for m in members.value) == ["Group", "User"]
    assert {m.display_name for m in member_of.value} >= {"SDK outer", "SDK inner"}
    assert next(m for m in members.value if isinstance(m, User)).user_principal_name == portal_upn("olivia")

    before = row_counts()

    async def cycle(client, adapter):
        with pytest.raises(ODataError) as refused:
            await client.groups.by_group_id(inner.id).members.ref.post(ref(outer.id))
        with pytest.raises(ODataError) as again:
            await client.groups.by_group_id(outer.id).members.ref.post(ref(olivia))
        return refused, again

    refused, again = https_server.graph(token, cycle)
    status, code, message = _error(refused)
    assert (status, code) == (400, "Request_BadRequest") and message.startswith("DIR-06")
    assert _error(again)[2].endswith("modified properties: 'members'.")
    assert row_counts() == before


def test_dir05_roles_and_an_application_secret_through_the_graph_sdk(sdk_tenant, https_server):
    """DIR-05: a Privileged role administrator assigns and removes a role through roleManagement; a
    User administrator is refused making a Global administrator, writing nothing."""
    from msgraph.generated.applications.item.add_password.add_password_post_request_body import (
        AddPasswordPostRequestBody,
    )
    from msgraph.generated.models.application import Application
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.password_credential import PasswordCredential
    from msgraph.generated.models.unified_role_assignment import UnifiedRoleAssignment

    from users_app.models import AdminRoleAssignment, DirectoryUser

    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))

    def assignment(template):
        return UnifiedRoleAssignment(odata_type="#microsoft.graph.unifiedRoleAssignment", role_definition_id=template,
                                     principal_id=str(olivia.pk), directory_scope_id="/")

    async def assign(client, adapter):
        made = await client.role_management.directory.role_assignments.post(assignment(LICENCE_TEMPLATE))
        roles = await client.users.by_user_id(str(olivia.pk)).member_of.get()
        await client.role_management.directory.role_assignments.by_unified_role_assignment_id(made.id).delete()
        role = await client.directory_roles_with_role_template_id(LICENCE_TEMPLATE).get()
        return made, roles, role

    made, roles, role = https_server.graph(https_server.user_token("pradmin"), assign)
    assert made.principal_id == str(olivia.pk) and made.role_definition_id == LICENCE_TEMPLATE
    assert [r.role_template_id for r in roles.value if type(r).__name__ == "DirectoryRole"] == [LICENCE_TEMPLATE]
    assert role.display_name == "License Administrator"
    assert not AdminRoleAssignment.objects.filter(user=olivia).exists()

    before = row_counts()

    async def refused(client, adapter):
        with pytest.raises(ODataError) as excinfo:
            await client.role_management.directory.role_assignments.post(assignment(GLOBAL_TEMPLATE))
        return excinfo

    status, code, message = _error(https_server.graph(https_server.user_token("useradmin"), refused))
    assert (status, code) == (403, "Authorization_RequestDenied") and message.startswith("DIR-05")
    assert row_counts() == before

    async def register(client, adapter):
        app = await client.applications.post(Application(display_name="SDK registered"))
        secret = await client.applications.by_application_id(app.id).add_password.post(
            AddPasswordPostRequestBody(password_credential=PasswordCredential(display_name="ci")))
        principal = await client.service_principals_with_app_id(app.app_id).get()
        return app, secret, principal

    app, secret, principal = https_server.graph(https_server.user_token("appadmin"), register)
    assert secret.secret_text and secret.key_id and principal.app_id == app.app_id
    assert principal.service_principal_type == "Application"
