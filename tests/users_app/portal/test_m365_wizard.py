"""Microsoft 365 > Add a user: the four-step wizard (DIR-01, DIR-02, DIR-05, DIR-10). Each step
validates on Next, the session keeps what was typed, Back keeps it too, and only Finish writes: the
user, its licences and roles in one transaction, the password shown once."""
import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.builders import HX_HEADERS as HX
from users_app.choices import AdminRole
from users_app.models import AdminRoleAssignment, AuditEntry, DirectoryUser, LicenceAssignment, Sku
from users_app.services import directory
from users_app.views.m365.add_user_wizard import SESSION_KEY

URL = reverse("m365:active_user_create")
UPN = "nora@contoso.onmicrosoft.com"
BASICS = {"given_name": "Nora", "surname": "Quinn", "display_name": "", "username": "nora",
          "domain": "contoso.onmicrosoft.com", "password_mode": "auto", "require_change": "on",
          "email_password_to": ""}
LICENCES = {"usage_location": "US", "licence_mode": "assign", "licences": ["DYN"]}
OPTIONAL = {"role_mode": "user", "job_title": "Buyer", "department": "Purchasing", "office_location": "Oslo HQ",
            "city": "Oslo"}


def wizard_id(client) -> str:
    text = client.get(URL).content.decode()
    return re.search(r'name="w" value="([^"]+)"', text).group(1)


def step(client, w, name, data, nav="next", **kw):
    return client.post(URL, {"w": w, "step": name, "nav": nav, **data}, **kw)


def through_review(client, basics=None, licences=None, optional=None) -> str:
    """Basics, Product licenses and Optional settings, each Next'ed: the wizard's id (now on Review)."""
    w = wizard_id(client)
    for name, data in (("basics", basics or BASICS), ("licences", licences or LICENCES),
                       ("optional", optional or OPTIONAL)):
        response = step(client, w, name, data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])
    return w


def test_basics_validates_on_next_with_field_errors_and_fills_the_display_name(portal_tenant, sign_in):
    client = sign_in("useradmin")
    w = wizard_id(client)
    response = step(client, w, "basics", {**BASICS, "given_name": "", "surname": "", "username": "bad name"})
    text = response.content.decode()
    assert response.status_code == 400 and 'id="add-user-wizard"' in text
    assert "Type a display name" in text and "without spaces" in text
    assert 'aria-current="step">Basics' in text
    response = step(client, w, "basics", BASICS)
    assert response.status_code == 302 and response["Location"] == f"{URL}?w={w}&step=licences"
    # No JS: the server made the display name from first and last name.
    text = client.get(f"{URL}?w={w}&step=basics").content.decode()
    assert 'value="Nora Quinn"' in text
    assert not DirectoryUser.objects.filter(user_principal_name=UPN).exists()  # nothing written yet


def test_basics_refuses_a_taken_name_and_a_weak_typed_password(portal_tenant, sign_in):
    client = sign_in("useradmin")
    w = wizard_id(client)
    text = step(client, w, "basics", {**BASICS, "username": "plain"}).content.decode()
    assert "plain@contoso.onmicrosoft.com is already in use" in text
    response = step(client, w, "basics", {**BASICS, "password_mode": "manual", "password": "password"})
    assert response.status_code == 400 and "too common" in response.content.decode()
    response = step(client, w, "basics", {**BASICS, "password_mode": "manual", "password": ""})
    assert response.status_code == 400 and "Type the password" in response.content.decode()


def test_licences_step_needs_a_location_for_a_licence_and_shows_the_apps(portal_tenant, sign_in):
    Sku.objects.filter(sku_part_number="E3").update(service_plans=["EXCHANGE_S_ENTERPRISE", "TEAMS1"])
    client = sign_in("useradmin")
    w = wizard_id(client)
    step(client, w, "basics", BASICS)
    text = client.get(f"{URL}?w={w}&step=licences").content.decode()
    assert "Apps (2)" in text and "EXCHANGE_S_ENTERPRISE" in text and "TEAMS1" in text
    assert "Create user without product license" in text
    response = step(client, w, "licences", {**LICENCES, "usage_location": ""})
    text = response.content.decode()
    assert response.status_code == 400 and 'href="/rules/DIR-10/"' in text  # the rule as a chip
    response = step(client, w, "licences", {**LICENCES, "licences": []})
    assert response.status_code == 400 and "Pick at least one license" in response.content.decode()
    response = step(client, w, "licences", {"usage_location": "", "licence_mode": "none", "licences": ["DYN"]})
    assert response.status_code == 302  # without a licence, no location is needed


def test_back_keeps_the_values_and_a_later_step_is_not_reachable_before_its_predecessors(portal_tenant, sign_in):
    client = sign_in("useradmin")
    w = wizard_id(client)
    # Review before Basics is done: Basics is shown.
    assert 'aria-current="step">Basics' in client.get(f"{URL}?w={w}&step=review").content.decode()
    step(client, w, "basics", {**BASICS, "display_name": "Nora Q."})
    response = step(client, w, "licences", {"usage_location": "NO", "licence_mode": "assign"}, nav="back")
    assert response.status_code == 302 and response["Location"].endswith("step=basics")
    text = client.get(response["Location"]).content.decode()
    assert 'value="Nora Q."' in text and 'value="nora"' in text
    text = client.get(f"{URL}?w={w}&step=licences").content.decode()
    assert '<option value="NO" selected>' in text  # what Back carried away is kept


def test_optional_settings_offer_only_the_roles_this_admin_may_grant(portal_tenant, sign_in):
    client = sign_in("useradmin")
    w = wizard_id(client)
    step(client, w, "basics", BASICS)
    step(client, w, "licences", LICENCES)
    text = client.get(f"{URL}?w={w}&step=optional").content.decode()
    assert 'name="admin_roles"' not in text and "User (no admin center access)" in text
    assert 'name="job_title"' in text
    # Profile info in the real wizard's order: Job title, Department, Office, Office phone.
    names = re.findall(r'name="(\w+)"', text)
    assert names.index("job_title") + 1 == names.index("department") == names.index("office_location") - 1
    assert names.index("office_location") < names.index("business_phone")
    client = sign_in("global")
    w = wizard_id(client)
    step(client, w, "basics", BASICS)
    step(client, w, "licences", LICENCES)
    text = client.get(f"{URL}?w={w}&step=optional").content.decode()
    assert text.count('name="admin_roles"') == len(AdminRole)
    response = step(client, w, "optional", {"role_mode": "admin"})
    assert response.status_code == 400 and "Pick at least one admin role" in response.content.decode()


def test_review_sums_up_every_step_with_edit_links(portal_tenant, sign_in):
    client = sign_in("useradmin")
    w = through_review(client)
    text = client.get(f"{URL}?w={w}&step=review").content.decode()
    assert "Review and finish" in text and "Nora Quinn" in text and UPN in text
    assert "Automatically created" in text and "Dynamics 365 Sales" in text and "United States" in text
    assert "User (no admin center access)" in text and "Buyer" in text and "Oslo" in text
    assert "<dt>Department</dt><dd>Purchasing</dd>" in text and "<dt>Office</dt><dd>Oslo HQ</dd>" in text
    for name in ("basics", "licences", "optional"):
        assert f"?w={w}&amp;step={name}" in text
    assert "Finish adding" in text and 'class="btn btn-primary"' in text


def test_finish_creates_the_user_once_with_licences_and_roles_and_shows_the_password_once(portal_tenant, sign_in):
    client = sign_in("global")
    w = through_review(client, optional={"role_mode": "admin", "admin_roles": [AdminRole.LICENCE],
                                         "job_title": "Buyer", "department": "Purchasing",
                                         "office_location": "Oslo HQ"})
    response = step(client, w, "review", {}, nav="finish")
    text = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Nora Quinn added to active users" in text and UPN in text and "data-copy=" in text
    password = re.search(r'id="temporary-password">([^<]+)<', text).group(1)
    user = DirectoryUser.objects.get(user_principal_name=UPN)
    assert user.display_name == "Nora Quinn" and user.job_title == "Buyer" and user.usage_location == "US"
    assert (user.department, user.office_location) == ("Purchasing", "Oslo HQ")
    assert user.must_change_password and user.account.check_password(password)
    assert list(LicenceAssignment.objects.filter(user=user).values_list("sku__sku_part_number", flat=True)) == ["DYN"]
    assert list(AdminRoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == [AdminRole.LICENCE]
    assert AuditEntry.objects.filter(action="Add user", outcome="done").count() == 1
    # The session forgot the wizard; Finish again (a reload) writes nothing and shows no password.
    assert w not in client.session.get(SESSION_KEY, {})
    again = step(client, w, "review", {}, nav="finish")
    assert again.status_code == 400 and password not in again.content.decode()
    assert DirectoryUser.objects.filter(user_principal_name=UPN).count() == 1
    for url in (f"{URL}?w={w}&step=review", reverse("m365:active_user_detail", args=[user.pk]),
                reverse("m365:active_user_list")):
        assert password not in client.get(url).content.decode()
    assert len(mail.outbox) == 0


def test_finish_over_htmx_answers_the_wizard_body(portal_tenant, sign_in):
    client = sign_in("useradmin")
    w = wizard_id(client)
    response = step(client, w, "basics", BASICS, headers=HX)
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text and 'aria-current="step">Product licenses' in text
    assert response["HX-Push-Url"] == f"{URL}?w={w}&step=licences"
    step(client, w, "licences", LICENCES, headers=HX)
    step(client, w, "optional", OPTIONAL, headers=HX)
    response = step(client, w, "review", {}, nav="finish", headers=HX)
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text and 'id="temporary-password"' in text


def test_a_typed_password_can_be_kept_and_is_mailed_with_the_clear_text_warning(portal_tenant, sign_in):
    """DIR-01: "Let me create the password" without "Require change": usable at once; the mail warns."""
    client = sign_in("useradmin")
    w = through_review(client, basics={**BASICS, "password_mode": "manual", "password": "Harbour-Lantern-77",
                                       "require_change": "", "email_password_to": "boss@contoso.com"})
    text = step(client, w, "review", {}, nav="finish").content.decode()
    assert "Harbour-Lantern-77" in text and directory.CLEAR_TEXT_WARNING in text
    user = DirectoryUser.objects.get(user_principal_name=UPN)
    assert not user.must_change_password and user.account.check_password("Harbour-Lantern-77")
    assert len(mail.outbox) == 1 and "Harbour-Lantern-77" in mail.outbox[0].body
    assert directory.CLEAR_TEXT_WARNING in mail.outbox[0].body


def test_a_dir02_refusal_at_finish_writes_nothing_and_shows_on_review(portal_tenant, sign_in):
    client = sign_in("useradmin")
    w = through_review(client, basics={**BASICS, "email_password_to": "x@contoso.com"})
    dyn = Sku.objects.get(sku_part_number="DYN")
    dyn.seats = directory.seats_used(dyn)
    dyn.save()
    users, accounts = DirectoryUser.objects.count(), get_user_model().objects.count()
    response = step(client, w, "review", {}, nav="finish", headers=HX)
    text = response.content.decode()
    assert response.status_code == 409 and 'href="/rules/DIR-02/"' in text
    assert 'aria-current="step">Finish' in text and "temporary-password" not in text
    assert (DirectoryUser.objects.count(), get_user_model().objects.count()) == (users, accounts)
    assert len(mail.outbox) == 0
    assert w in client.session[SESSION_KEY]  # kept: Edit the licences and finish


def test_a_forged_role_is_refused_at_finish_with_dir05(portal_tenant, sign_in):
    """A User administrator is offered no role; a posted one reaches the service, which refuses."""
    client = sign_in("useradmin")
    w = through_review(client, optional={"role_mode": "admin", "admin_roles": [AdminRole.GLOBAL]})
    users = DirectoryUser.objects.count()
    response = step(client, w, "review", {}, nav="finish", headers=HX)
    assert response.status_code == 409 and "DIR-05" in response.content.decode()
    assert DirectoryUser.objects.count() == users
    assert AuditEntry.objects.get(action="Add user", outcome="refused").rule == "DIR-05"


def test_cancel_forgets_the_wizard(portal_tenant, sign_in):
    client = sign_in("useradmin")
    w = wizard_id(client)
    step(client, w, "basics", BASICS)
    assert w in client.session[SESSION_KEY]
    response = step(client, w, "licences", {}, nav="cancel")
    assert response.status_code == 302 and response["Location"] == reverse("m365:active_user_list")
    assert w not in client.session.get(SESSION_KEY, {})
    assert not DirectoryUser.objects.filter(user_principal_name=UPN).exists()


def test_the_state_is_signed(portal_tenant, sign_in):
    client = sign_in("useradmin")
    w = wizard_id(client)
    step(client, w, "basics", BASICS)
    session = client.session
    session[SESSION_KEY] = {w: session[SESSION_KEY][w][:-2] + "xx"}
    session.save()
    response = step(client, w, "review", {}, nav="finish")
    assert response.status_code == 400 and "has ended" in response.content.decode()


def test_basics_warns_of_clear_text_mail_and_licences_show_seats_left(portal_tenant, sign_in):
    client = sign_in("useradmin")
    text = client.get(URL).content.decode()
    assert directory.CLEAR_TEXT_WARNING in text and '<label for="id_email_password_to">' in text
    assert "Automatically create a password" in text and "Let me create the password" in text
    assert "Require this user to change their password when they first sign in" in text
    w = wizard_id(client)
    step(client, w, "basics", BASICS)
    used = directory.seats_used(Sku.objects.get(sku_part_number="DYN"))
    assert f"Dynamics 365 Sales ({20 - used} of 20 left)" in client.get(f"{URL}?w={w}&step=licences").content.decode()


def test_the_service_takes_a_typed_password_that_must_be_changed(portal_tenant):
    """directory_user_create: a typed password is usable at once unless must_change_password; a
    generated one is always temporary (DIR-01); both are mailed when asked, with the warning."""
    from users_app.services import audit
    with audit.acting_as(audit.OPERATOR_ACTOR):
        typed, shown = directory.directory_user_create(user_principal_name="t1@contoso.onmicrosoft.com",
                                                       password="Quiet-Harbour-2026", must_change_password=True,
                                                       email_password_to="it@contoso.com")
        kept, _ = directory.directory_user_create(user_principal_name="t2@contoso.onmicrosoft.com",
                                                  password="Quiet-Harbour-2026")
        generated, temporary = directory.directory_user_create(user_principal_name="t3@contoso.onmicrosoft.com",
                                                               must_change_password=False)
    assert shown is None and typed.must_change_password and typed.account.check_password("Quiet-Harbour-2026")
    assert not kept.must_change_password
    assert temporary and generated.must_change_password
    assert len(mail.outbox) == 1 and "Temporary password: Quiet-Harbour-2026" in mail.outbox[0].body
    assert "change it when you first sign in" in mail.outbox[0].body
