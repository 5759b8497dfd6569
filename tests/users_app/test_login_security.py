"""Sign-in security: lockout per user name and
address and per address, on /signin/ and /admin/login/, unlocked by an admin within its rights and
audited; the blocked-account message; the password change with the current password, DIR-01's
forced change and Django's validators; other sessions ending after a change."""
import logging
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import PORTAL_PASSWORD, portal_tenant_data, portal_upn
from users_app.models import AuditEntry, DirectoryUser
from users_app.passwords import password_problems
from users_app.services import directory, lockout
from users_app.tenant_file import load_tenant
from users_app.forms.signin import BLOCKED_MESSAGE

GENERIC = "Please enter a correct"  # Django's invalid_login, the same for every other failure
LOCKED = "Your account is temporarily locked to prevent unauthorized use."
BLOCKED = BLOCKED_MESSAGE.replace("'", "&#x27;")
SIGNIN = "/signin/"


@pytest.fixture
def tenant(db):
    data = portal_tenant_data()
    if not any(u["upn"] == portal_upn("helpdesk") for u in data["users"]):
        user = next(u for u in data["users"] if u["upn"] == portal_upn("plain"))
        data["users"].append({**user, "upn": portal_upn("helpdesk"), "display_name": "Help Desk",
                              "mail": "helpdesk@contoso.com", "admin_roles": ["Helpdesk Administrator"]})
    load_tenant(data)
    return data


def dir_user(local: str) -> DirectoryUser:
    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def post_signin(client, local_or_name, password, address="127.0.0.1", path=SIGNIN):
    name = local_or_name if "@" in local_or_name else portal_upn(local_or_name)
    return client.post(path, {"username": name, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- lockout ------------------------------------------------------------------------------------


def test_forty_wrong_passwords_then_the_right_one_is_locked_out_with_the_message(tenant, client, caplog):
    """40 wrong passwords, then the right one signed in. Now the 10th failure
    locks the name from this address; the right password is refused with the lockout page (429)."""
    caplog.set_level(logging.WARNING, logger="portal.security")
    answers = [post_signin(client, "plain", f"wrong-{i}") for i in range(40)]
    assert all(r.status_code == 200 and GENERIC in r.content.decode() for r in answers[:9])
    assert all(r.status_code == 429 and LOCKED in r.content.decode() for r in answers[9:])
    response = post_signin(client, "plain", PORTAL_PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    text = response.content.decode()
    assert LOCKED in text and "ask an admin to unlock it" in text and 'class="layout"' in text
    assert portal_upn("plain") not in text  # the page never echoes the name
    assert lockout.is_locked(portal_upn("plain"))
    # Logged: every failure, the lockout once, the refusals while locked; audited: the lockout once.
    messages = [r.getMessage() for r in caplog.records if r.name == "portal.security"]
    assert sum(m.startswith("Sign-in failed") for m in messages) == 9
    assert sum(m.startswith("Sign-in locked out") for m in messages) == 1
    assert sum(m.startswith("Sign-in refused while locked out") for m in messages) == 31
    entry = AuditEntry.objects.get(action="Sign-in locked")
    assert entry.target == portal_upn("plain") and entry.actor_kind == "anonymous"
    assert ["address", None, "127.0.0.1"] in entry.changes


def test_the_lockout_counts_the_name_as_the_sign_in_reads_it_and_says_the_same_for_unknown_names(tenant, client):
    """" Plain@…" and "PLAIN@…" are one name (stripped, lower-cased, as users_app/auth.py); a name
    that does not exist is locked the same way, with the same page (no enumeration)."""
    for i in range(5):
        post_signin(client, f"  {portal_upn('plain').upper()} ", f"wrong-{i}")
        post_signin(client, portal_upn("Plain"), f"wrong-{i}")
    assert post_signin(client, "plain", PORTAL_PASSWORD).status_code == 429
    known = post_signin(client, "plain", "wrong").content.decode()
    for i in range(10):
        unknown = post_signin(client, "nobody", f"wrong-{i}")
    assert unknown.status_code == 429
    strip = lambda text: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"', "", text)
    assert strip(unknown.content.decode()) == strip(known)


def test_another_user_from_another_address_still_signs_in_and_so_does_the_locked_name_elsewhere(tenant):
    """The lock is the name from that address: an attacker cannot lock a user out everywhere."""
    attacker = Client()
    for i in range(10):
        post_signin(attacker, "plain", f"wrong-{i}", address="203.0.113.7")
    assert post_signin(attacker, "plain", PORTAL_PASSWORD, address="203.0.113.7").status_code == 429
    other = Client()
    assert post_signin(other, "olivia", PORTAL_PASSWORD, address="198.51.100.2").status_code == 302
    assert signed_in(other)
    owner = Client()
    assert post_signin(owner, "plain", PORTAL_PASSWORD, address="198.51.100.3").status_code == 302


def test_an_address_spraying_many_names_is_locked_at_its_own_higher_limit(tenant):
    """Per address: LOCKOUT_ADDRESS_FAILURE_LIMIT failures over many names (each under the name
    limit) lock the address, for every name; other addresses are not affected."""
    limit = settings.LOCKOUT_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    sprayer = Client()
    answers = [post_signin(sprayer, f"user{i % 10}", "Spring2026!", address="203.0.113.9") for i in range(limit)]
    assert all(r.status_code == 200 for r in answers[:-1]) and answers[-1].status_code == 429
    assert post_signin(sprayer, "olivia", PORTAL_PASSWORD, address="203.0.113.9").status_code == 429
    assert not lockout.is_locked(portal_upn("olivia"))  # the address is locked, not the user
    assert post_signin(Client(), "olivia", PORTAL_PASSWORD, address="203.0.113.10").status_code == 302


def test_a_success_clears_that_names_failures_from_that_address_only(tenant, client):
    """AXES_RESET_ON_SUCCESS, but never the address's count: one good account must not reset a spray."""
    for i in range(9):
        post_signin(client, "plain", f"wrong-{i}")
    for i in range(4):
        post_signin(client, "nobody", f"wrong-{i}")
    assert post_signin(client, "plain", PORTAL_PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=portal_upn("plain")).exists()
    assert AccessAttempt.objects.get(username=portal_upn("nobody")).failures_since_start == 4
    client.logout()
    for i in range(9):
        assert post_signin(client, "plain", f"again-{i}").status_code == 200  # counting from zero again


def test_a_sign_in_costs_one_lockout_query(tenant, client):
    """The login stays as fast for everyone else: one indexed query on the attempts table."""
    with CaptureQueriesContext(connection) as queries:
        assert post_signin(client, "olivia", PORTAL_PASSWORD).status_code == 302
    attempts = [q["sql"] for q in queries if "axes_accessattempt" in q["sql"]]
    assert len(attempts) == 1 and "ip_address" in attempts[0]


def test_the_django_admin_login_is_locked_too(tenant, client):
    User = get_user_model()
    User.objects.create_superuser("ops@example.org", "ops@example.org", "Ops-Secret-2026!")
    answers = [post_signin(client, "ops@example.org", f"wrong-{i}", path="/admin/login/") for i in range(10)]
    assert answers[8].status_code == 200 and answers[9].status_code == 429
    response = post_signin(client, "ops@example.org", "Ops-Secret-2026!", path="/admin/login/")
    assert response.status_code == 429 and LOCKED in response.content.decode() and not signed_in(client)
    assert AuditEntry.objects.filter(action="Sign-in locked", target="ops@example.org").exists()
    assert post_signin(Client(), "ops@example.org", "Ops-Secret-2026!", path="/admin/login/",
                       address="198.51.100.4").status_code == 302


def test_client_address_behind_the_proxy_is_the_last_forwarded_entry():
    request = RequestFactory().post(SIGNIN, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.8")
    assert lockout.client_address(request) == "10.0.0.1"
    with override_settings(LOCKOUT_ADDRESS_FROM_X_FORWARDED_FOR=True):
        assert lockout.client_address(request) == "198.51.100.8"
        request.META["HTTP_X_FORWARDED_FOR"] = "not-an-address"
        assert lockout.client_address(request) is None


# --- unlock ------------------------------------------------------------------------------------


def lock(local: str, address="203.0.113.7"):
    attacker = Client()
    for i in range(10):
        post_signin(attacker, local, f"wrong-{i}", address=address)
    assert lockout.is_locked(portal_upn(local))


def test_a_user_admin_unlocks_a_locked_user_and_it_is_audited(tenant, sign_in):
    lock("plain")
    user = dir_user("plain")
    client = sign_in("useradmin")
    url = reverse("m365:active_user_unlock", args=[user.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.redirect_chain[0] == (reverse("m365:active_user_detail", args=[user.pk]), 302)
    assert "Sign-in is unlocked for Plain Test." in response.content.decode()
    assert not lockout.is_locked(portal_upn("plain"))
    entry = AuditEntry.objects.get(action="Unlock sign-in")
    assert (entry.actor, entry.target, entry.outcome) == (portal_upn("useradmin"), portal_upn("plain"), "done")
    assert entry.changes == [["sign-in locked", True, False]]
    assert post_signin(Client(), "plain", PORTAL_PASSWORD, address="203.0.113.7").status_code == 302


def test_unlock_over_htmx_reloads_the_users_page(tenant, sign_in):
    lock("plain")
    user = dir_user("plain")
    response = sign_in("global").post(reverse("m365:active_user_unlock", args=[user.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("m365:active_user_detail", args=[user.pk])
    assert not lockout.is_locked(portal_upn("plain"))


def test_a_helpdesk_admin_unlocks_whom_it_may_reset_never_a_global_admin(tenant, sign_in):
    """DIR-05 Table A: the rights of a password reset."""
    lock("global")
    lock("plain", address="203.0.113.8")
    client = sign_in("helpdesk")
    response = client.post(reverse("m365:active_user_unlock", args=[dir_user("global").pk]), follow=True)
    assert "a Helpdesk administrator cannot act on a Global administrator" in response.content.decode()
    assert lockout.is_locked(portal_upn("global"))
    refused = AuditEntry.objects.get(action="Unlock sign-in", target=portal_upn("global"))
    assert (refused.outcome, refused.rule, refused.actor) == ("refused", "DIR-05", portal_upn("helpdesk"))
    client.post(reverse("m365:active_user_unlock", args=[dir_user("plain").pk]))
    assert not lockout.is_locked(portal_upn("plain"))


@pytest.mark.parametrize("local", ["olivia", "licadmin", "ppadmin"])
def test_unlock_needs_a_role_that_resets_passwords(tenant, sign_in, local):
    lock("plain")
    response = sign_in(local).post(reverse("m365:active_user_unlock", args=[dir_user("plain").pk]))
    assert response.status_code == 403
    assert lockout.is_locked(portal_upn("plain"))


# --- the blocked account --------------------------------------------


def test_a_blocked_user_with_the_right_password_is_told_the_account_is_blocked(tenant, client):
    directory.directory_user_update(user=dir_user("plain"), account_enabled=False)
    right = post_signin(client, "plain", PORTAL_PASSWORD)
    assert right.status_code == 200 and BLOCKED in right.content.decode() and not signed_in(client)
    wrong = post_signin(client, "plain", "Wrong-Pass-2026!")
    assert GENERIC in wrong.content.decode() and BLOCKED not in wrong.content.decode()


def test_a_deleted_user_is_an_unknown_name(tenant, client):
    user = dir_user("plain")
    deleted_name = None
    directory.directory_user_delete(user=user)
    user.refresh_from_db()
    deleted_name = user.account.username
    for name in (portal_upn("plain"), deleted_name):
        response = post_signin(client, name, PORTAL_PASSWORD)
        assert GENERIC in response.content.decode() and BLOCKED not in response.content.decode()


# --- passwords (findings 7, 8 and 12) -----------------------------------------------------------


def test_changing_your_password_asks_for_the_current_one(tenant, sign_in):
    client = sign_in("olivia")
    assert 'name="old_password"' in client.get("/password/").content.decode()
    new = "Harbour-Lights-77"
    without = client.post("/password/", {"new_password1": new, "new_password2": new})
    assert without.status_code == 200 and "This field is required" in without.content.decode()
    wrong = client.post("/password/", {"old_password": "not-it", "new_password1": new, "new_password2": new})
    assert wrong.status_code == 200 and "incorrectly" in wrong.content.decode()
    same = client.post("/password/", {"old_password": PORTAL_PASSWORD, "new_password1": PORTAL_PASSWORD,
                                      "new_password2": PORTAL_PASSWORD})
    assert "must be different from your current password" in same.content.decode()
    assert authenticate(username=portal_upn("olivia"), password=PORTAL_PASSWORD) is not None
    done = client.post("/password/", {"old_password": PORTAL_PASSWORD, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert authenticate(username=portal_upn("olivia"), password=new) is not None
    assert AuditEntry.objects.filter(action="Change own password", target=portal_upn("olivia")).exists()


def forced_change_client(local="mallory"):
    """A user created with a temporary password, signed in through the form (DIR-01)."""
    user, temporary = directory.directory_user_create(user_principal_name=portal_upn(local),
                                                      display_name="Mallory Quinn", usage_location="US")
    client = Client()
    assert post_signin(client, local, temporary).status_code == 302
    assert client.get("/m365/service/")["Location"] == "/password/"
    return client, user, temporary


def test_the_forced_change_refuses_the_temporary_password_and_the_upn(tenant):
    client, user, temporary = forced_change_client()
    page = client.get("/password/").content.decode()
    assert 'name="old_password"' not in page and "temporary password" in page
    for password, says in [
        (temporary, "must be different from your temporary password"),
        (portal_upn("mallory"), "too similar to the"),
        ("Mallory-Secret-2026", "can&#x27;t contain your user name"),
        ("Quinn2026", "too short"),
        ("418907356214", "entirely numeric"),
        ("password1234", "too common"),
    ]:
        response = client.post("/password/", {"new_password1": password, "new_password2": password})
        assert response.status_code == 200 and says in response.content.decode(), password
        user.refresh_from_db()
        assert user.must_change_password
    good = "Harbour-Lights-77"
    assert client.post("/password/", {"new_password1": good, "new_password2": good}).status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.account.check_password(good)


def test_a_password_change_ends_the_users_other_sessions(tenant):
    this, other = Client(), Client()
    for client in (this, other):
        assert post_signin(client, "olivia", PORTAL_PASSWORD).status_code == 302
    new = "Harbour-Lights-77"
    this.post("/password/", {"old_password": PORTAL_PASSWORD, "new_password1": new, "new_password2": new})
    assert this.get("/m365/service/").status_code == 200
    assert other.get("/m365/service/")["Location"].startswith("/signin/")


def test_password_problems_runs_the_validators_for_a_user_not_yet_made():
    upn = "mallory@contoso.onmicrosoft.com"
    assert password_problems("Harbour-Lights-77", upn=upn, display_name="Mallory Quinn") == []
    assert any("similar" in p for p in password_problems(upn, upn=upn))
    assert any("user name" in p for p in password_problems("MALLORY-2026-xyz", upn=upn))
    assert any("display name" in p for p in password_problems("x-MalloryQuinn-9", upn="mq@contoso.com",
                                                               display_name="Mallory Quinn"))
    assert any("too short" in p for p in password_problems("a", upn=upn))
