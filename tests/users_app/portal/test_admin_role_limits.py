"""Admin roles hold Microsoft's limits (DIR-05), request by request as the security review tried them
(findings 1 to 4), self-elevation (Membership > Add me), and portal sign-ins that cannot be taken over."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import PORTAL_PASSWORD, portal_upn
from users_app.choices import ADMIN_ROLE_TEMPLATE_IDS, AdminRole, DeletedState
from users_app.models import AdminRoleAssignment, AuditEntry, DirectoryUser, LicenceAssignment, SystemUser
from users_app.services import audit, directory

from tests.builders import HX_HEADERS as HX
from tests.users_app.portal.test_m365_wizard import BASICS, LICENCES, step, wizard_id
from tests.users_app.portal.test_m365_wizard import URL as WIZARD

GLOBAL_ROLE_ID = ADMIN_ROLE_TEMPLATE_IDS[AdminRole.GLOBAL]


def dir_user(local: str) -> DirectoryUser:
    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def global_admins() -> set[str]:
    return set(AdminRoleAssignment.objects.filter(role=AdminRole.GLOBAL).values_list("user__user_principal_name", flat=True))


# --- finding 1: a User administrator cannot make anyone a Global administrator --------------------


def test_user_admin_cannot_give_itself_global_admin_on_the_roles_tab(portal_tenant, sign_in):
    me = dir_user("useradmin")
    response = sign_in("useradmin").post(reverse("m365:active_user_roles", args=[me.pk]),
                                         {"roles": [AdminRole.USER, AdminRole.GLOBAL], "confirm": "1"})
    assert response.status_code == 403
    assert portal_upn("useradmin") not in global_admins()


def test_user_admin_cannot_add_or_remove_role_holders(portal_tenant, sign_in):
    client = sign_in("useradmin")
    me, admin = dir_user("useradmin"), dir_user("global")
    assert client.post(reverse("m365:role_holder_add", args=[GLOBAL_ROLE_ID]),
                       {"user": me.pk, "confirm": "1"}).status_code == 403
    assert client.post(reverse("m365:role_holder_remove", args=[GLOBAL_ROLE_ID]),
                       {"user": admin.pk, "confirm": "1"}).status_code == 403
    assert global_admins() == {portal_upn("global")}


def test_user_admin_cannot_create_a_global_admin_and_is_not_offered_the_roles(portal_tenant, sign_in):
    client = sign_in("useradmin")
    w = wizard_id(client)
    step(client, w, "basics", {**BASICS, "username": "backdoor"})
    step(client, w, "licences", LICENCES)
    assert 'name="admin_roles"' not in client.get(f"{WIZARD}?w={w}&step=optional").content.decode()
    step(client, w, "optional", {"role_mode": "admin", "admin_roles": [AdminRole.GLOBAL]})
    users = DirectoryUser.objects.count()
    response = step(client, w, "review", {}, nav="finish", headers=HX)
    assert response.status_code == 409
    text = response.content.decode()
    assert "DIR-05" in text and "temporary-password" not in text
    assert DirectoryUser.objects.count() == users
    refused = AuditEntry.objects.get(action="Add user", outcome="refused")
    assert refused.actor == portal_upn("useradmin") and refused.rule == "DIR-05"


def test_privileged_role_admin_assigns_global_admin_and_global_admin_keeps_its_own(portal_tenant, sign_in):
    plain = dir_user("plain")
    response = sign_in("pradmin").post(reverse("m365:role_holder_add", args=[GLOBAL_ROLE_ID]),
                                       {"user": plain.pk, "confirm": "1"})
    assert response.status_code == 302
    assert portal_upn("plain") in global_admins()
    entry = AuditEntry.objects.get(action="Assign admin role")
    assert entry.actor == portal_upn("pradmin") and entry.via == "portal"
    assert entry.changes == [["admin_roles", [], [AdminRole.GLOBAL.value]]]
    me = dir_user("global")
    response = sign_in("global").post(reverse("m365:active_user_roles", args=[me.pk]), {"roles": [], "confirm": "1"},
                                      headers=HX)
    assert response.status_code == 409 and "own Global administrator" in response.content.decode()
    assert portal_upn("global") in global_admins()


# --- finding 2: no takeover of a Global administrator's account ------------------------------------


def test_user_admin_cannot_reset_block_delete_or_purge_a_global_admin(portal_tenant, sign_in):
    admin = dir_user("global")
    client = sign_in("useradmin")
    response = client.post(reverse("m365:active_user_password_reset", args=[admin.pk]), headers=HX)
    assert response.status_code == 409
    text = response.content.decode()
    assert "DIR-05" in text and "temporary-password" not in text
    assert admin.account.check_password(PORTAL_PASSWORD) or get_user_model().objects.get(
        pk=admin.account_id).check_password(PORTAL_PASSWORD)
    assert client.post(reverse("m365:active_user_block", args=[admin.pk]), {"blocked": "on"},
                       headers=HX).status_code == 409
    assert client.post(reverse("m365:active_user_delete", args=[admin.pk]), {"confirm": "on"}).status_code == 302
    admin.refresh_from_db()
    assert admin.account_enabled and admin.deleted_state == DeletedState.NONE
    # A Global admin deleted by a Global admin: the User admin can neither restore nor purge it.
    with audit.acting_as(audit.OPERATOR_ACTOR):
        other, _ = directory.directory_user_create(user_principal_name="ga2@contoso.onmicrosoft.com",
                                                   admin_roles=[AdminRole.GLOBAL], temporary_password=False)
        directory.directory_user_delete(user=other)
    assert client.post(reverse("m365:active_user_purge", args=[other.pk]), {"confirm": "1"}).status_code in (302, 409)
    other.refresh_from_db()
    assert other.deleted_state == DeletedState.SOFT
    assert AdminRoleAssignment.objects.filter(user=other, role=AdminRole.GLOBAL).exists()


def test_the_user_page_hides_what_the_admin_may_not_do_to_that_user(portal_tenant, sign_in):
    client = sign_in("useradmin")
    on_admin = client.get(reverse("m365:active_user_detail", args=[dir_user("global").pk])).content.decode()
    on_plain = client.get(reverse("m365:active_user_detail", args=[dir_user("plain").pk])).content.decode()
    for command in ("Block sign-in", "Reset password", "Delete user"):
        assert command not in on_admin
        assert command in on_plain


def test_user_admin_resets_an_ordinary_user_and_helpdesk_only_whom_table_a_allows(portal_tenant, sign_in):
    response = sign_in("useradmin").post(reverse("m365:active_user_password_reset", args=[dir_user("plain").pk]))
    assert response.status_code == 200 and re.search(r'id="temporary-password">[^<]+<', response.content.decode())
    helpdesk = sign_in("helpdesk")
    assert helpdesk.post(reverse("m365:active_user_password_reset", args=[dir_user("olivia").pk])).status_code == 200
    assert helpdesk.post(reverse("m365:active_user_password_reset", args=[dir_user("useradmin").pk])).status_code == 409
    assert sign_in("licadmin").post(reverse("m365:active_user_password_reset", args=[dir_user("plain").pk])).status_code == 403


# --- finding 4: the License administrator manages licences ------------------------------------------


def test_licence_admin_assigns_and_removes_licences_and_sets_usage_location(portal_tenant, sign_in):
    client = sign_in("licadmin")
    olivia = dir_user("olivia")
    url = reverse("m365:active_user_licences", args=[olivia.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"skus": ["E3", "DYN"], "confirm": "1"}).status_code == 302
    assert set(LicenceAssignment.objects.filter(user=olivia).values_list("sku__sku_part_number", flat=True)) == {"E3", "DYN"}
    assert client.post(url, {"skus": ["DYN"], "confirm": "1"}).status_code == 302
    assert list(LicenceAssignment.objects.filter(user=olivia).values_list("sku__sku_part_number", flat=True)) == ["DYN"]
    detail = reverse("m365:active_user_detail", args=[olivia.pk])
    form = {"display_name": olivia.display_name, "given_name": olivia.given_name, "surname": olivia.surname,
            "user_principal_name": olivia.user_principal_name, "mail": olivia.mail, "usage_location": "GB"}
    page = client.get(detail).content.decode()
    for name in re.findall(r'name="(\w+)"', page):
        form.setdefault(name, "")
    form.pop("csrfmiddlewaretoken", None)
    form["usage_location"] = "GB"
    form["job_title"] = olivia.job_title
    response = client.post(detail, form)
    assert response.status_code == 302, response.content.decode()[:500]
    olivia.refresh_from_db()
    assert olivia.usage_location == "GB"
    assert re.search(r'name="job_title"[^>]*disabled', page) and not re.search(r'name="usage_location"[^>]*disabled', page)
    form["job_title"] = "Chief"  # a disabled field: what the browser posts is ignored
    assert client.post(detail, form, headers=HX).status_code == 200
    olivia.refresh_from_db()
    assert olivia.job_title != "Chief"
    licadmin = audit.Actor.for_directory_user(dir_user("licadmin"), {AdminRole.LICENCE})
    with pytest.raises(directory.RuleViolation) as refused, audit.acting_as(licadmin):
        directory.directory_user_update(user=olivia, job_title="Chief")
    assert refused.value.rule == "DIR-05"
    assert client.get(reverse("m365:active_user_create")).status_code == 403


def test_licence_admin_cannot_change_the_tenant_subscriptions(portal_tenant, sign_in):
    client = sign_in("licadmin")  # neither the change nor its preview (issue 12: only whoever may make it)
    assert client.post(reverse("m365:tenant_licence_update"), {"marketing_licence": "1", "confirm": "1"}).status_code == 403
    assert client.post(reverse("m365:tenant_licence_update"), {"marketing_licence": "1"}).status_code == 403
    reader = sign_in("greader")  # a Global reader sees the preview, without Confirm
    answer = reader.post(reverse("m365:tenant_licence_update"), {"marketing_licence": "1"})
    assert answer.status_code == 200 and "cannot make this change" in answer.content.decode()


# --- finding 3: sign-ins cannot be taken over --------------------------------------------------------


def test_a_new_directory_user_never_adopts_a_superuser_account(portal_tenant, sign_in):
    User = get_user_model()
    root = User.objects.create_superuser("ops@contoso.onmicrosoft.com", "ops@example.com", "Root-Pass-2026!x")
    client = sign_in("useradmin")
    response = step(client, wizard_id(client), "basics", {**BASICS, "username": "ops"}, headers=HX)
    assert response.status_code == 400
    assert "ops@contoso.onmicrosoft.com is already in use" in response.content.decode()
    root.refresh_from_db()
    assert root.check_password("Root-Pass-2026!x") and root.is_superuser
    assert not DirectoryUser.objects.filter(account=root).exists()


def test_renaming_a_user_to_a_taken_sign_in_name_is_refused_not_a_500(portal_tenant, sign_in):
    get_user_model().objects.create_superuser("ops2@contoso.onmicrosoft.com", "ops@example.com", "Root-Pass-2026!x")
    plain = dir_user("plain")
    with pytest.raises(directory.RuleViolation) as refused:
        with audit.acting_as(audit.OPERATOR_ACTOR):
            directory.directory_user_update(user=plain, user_principal_name="ops2@contoso.onmicrosoft.com")
    assert refused.value.rule == "user_principal_name"
    plain.refresh_from_db()
    assert plain.user_principal_name == portal_upn("plain")


def test_forced_password_change_holds_on_admin_too(portal_tenant, sign_in):
    plain = dir_user("plain")
    plain.must_change_password = True
    plain.save(update_fields=["must_change_password"])
    client = sign_in("plain")
    for path in ("/admin/", "/admin/login/", "/m365/service/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == reverse("password_change"), path


# --- self-elevation: Membership > Add me --------------------------------------------------------------


def test_global_admin_adds_itself_as_system_administrator_and_it_is_audited(portal_tenant, sign_in):
    service = portal_tenant["service"]
    admin = dir_user("global")
    url = reverse("environments:environment_detail", args=[service.environment_id])
    client = sign_in("global")
    assert "Add me" in client.get(url).content.decode()
    response = client.post(reverse("environments:environment_add_me", args=[service.environment_id]), headers=HX)
    assert response.status_code == 200 and "You are a System Administrator" in response.content.decode()
    assert SystemUser.objects.filter(environment=service, azureactivedirectoryobjectid=admin.pk,
                                     roles__name="System Administrator").exists()
    entry = AuditEntry.objects.get(action="Add me as System Administrator")
    assert entry.actor == portal_upn("global") and entry.environment == service.name


def test_only_service_admins_may_add_themselves(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    url = reverse("environments:environment_add_me", args=[sales.environment_id])
    assert sign_in("useradmin").post(url).status_code == 403
    assert sign_in("greader").post(url).status_code == 403
    # System Administrator of Sales, but no admin role: the page is open, self-elevation is not.
    response = sign_in("sysadmin").post(url, headers=HX)
    assert response.status_code in (200, 409)
    assert AuditEntry.objects.filter(action="Add me as System Administrator", outcome="done").count() == 0


def test_control_characters_in_a_name_are_refused_by_the_directory(portal_tenant, sign_in):
    """An escape sequence typed into a name never reaches a terminal."""
    plain = dir_user("plain")
    with pytest.raises(directory.RuleViolation) as refused:
        with audit.acting_as(audit.OPERATOR_ACTOR):
            directory.directory_user_update(user=plain, display_name="Esc\x1b]0;pwned\x07\x1b[2JName")
    assert refused.value.rule == "display_name" and "U+001B" in refused.value.message
    plain.refresh_from_db()
    assert plain.display_name == "Plain Test"
    with pytest.raises(directory.RuleViolation):
        with audit.acting_as(audit.OPERATOR_ACTOR):
            directory.group_create(name="A" * 1000)


def test_system_administrator_has_one_definition_team_roles_included(portal_tenant, sign_in):
    """"System Administrator of this environment" (users_app.selectors.holds_system_administrator):
    an enabled record holding the role directly or through a team. The page gate and MODE-04 agree."""
    from environments_app.models import SecurityRole
    from users_app.models import Team
    from users_app.selectors import holds_system_administrator
    from users_app.services import records

    sales = portal_tenant["sales"]
    plain = SystemUser.objects.get(environment=sales, azureactivedirectoryobjectid=dir_user("plain").pk)
    url = reverse("users:environment_user_list", args=[sales.environment_id])
    assert sign_in("plain").get(url).status_code == 403
    team = Team.objects.create(environment=sales, businessunit=plain.businessunit, name="Admins")
    team.roles.add(SecurityRole.objects.get(environment=sales, name="System Administrator"))
    team.members.add(plain)
    assert holds_system_administrator(systemuser=plain)
    assert sign_in("plain").get(url).status_code == 200
    with audit.acting_as(audit.Actor.for_directory_user(dir_user("plain"), set())):
        records.access_mode_set(systemuser=plain, mode="read", actor_roles=frozenset(), actor_record=plain)
    plain.isdisabled = True
    plain.save(update_fields=["isdisabled"])
    assert not holds_system_administrator(systemuser=plain)
    assert sign_in("plain").get(url).status_code == 403
