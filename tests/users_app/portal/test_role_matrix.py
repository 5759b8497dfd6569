"""The role matrix (DIR-05): every URL of the portal x every admin role (and an ordinary user, and a
System Administrator of one environment) x GET, GET as an HTMX fragment and POST, each answered as
the one definition (users_app/provisioning/rules/admin_roles.py) says.

Every view declares its gate (users_app/permissions.py sets `access` on it: which right a read and
a write need); the expected answer is computed from admin_roles with the identity's roles, never
written by hand. A URL without a declared gate fails the test unless it is one of the public or
account pages listed below.
"""
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.builders import HX_HEADERS as HX
from tests.conftest import portal_upn
from tests.pages import IDENTITIES, REGISTRY, World, access_of, expected_refusal, post, url_patterns
from users_app.models import DirectoryUser

# The sign-ins of the portal tenant, less olivia@ (an ordinary user like plain@, kept for the battery).
MATRIX_IDENTITIES = sorted(set(IDENTITIES) - {"olivia"})

# Pages without a role gate: signing in and out, one's own password, the start page, the Django
# admin (its own login), and every user's own pages (gated as directory users, tested elsewhere).
UNGATED = {"signin", "signout", "password_change", "home"}

ALL_URLS = sorted(dict(url_patterns()).items())
_access = access_of


def test_every_url_declares_its_gate():
    undeclared = [name for name, pattern in ALL_URLS if _access(pattern) is None and name not in UNGATED]
    assert not undeclared, f"views without a declared role gate: {undeclared}"
    assert len(ALL_URLS) > 80  # the whole portal (92 named URLs today), not a few pages


@pytest.mark.parametrize("identity", MATRIX_IDENTITIES)
def test_role_matrix(portal_tenant, csrf_client, identity):
    """One identity against every gated URL: GET, GET as a fragment, POST (empty, with the CSRF
    check on as in production). A refusal is a 403 page naming what is missing; an allowed
    request is anything but a 403 or a server error. 405 (the method is not served) comes before
    the gate and is accepted for either."""
    world = World(portal_tenant)
    account = get_user_model().objects.get(username=portal_upn(identity))
    mismatches, checked = [], 0
    for name, pattern in ALL_URLS:
        access = _access(pattern)
        if access is None:
            continue
        url = world.url(REGISTRY[name])
        for method, headers in (("get", {}), ("get", HX), ("post", {})):
            csrf_client.force_login(account)  # a POST may end the session (a password change, a block)
            response = post(csrf_client, url) if method == "post" else csrf_client.get(url, headers=headers)
            checked += 1
            status = response.status_code
            if status == 405:
                continue
            refusal = expected_refusal(access, identity, write=method == "post",
                                       in_sales=REGISTRY[name].in_sales)
            if refusal is not None and status != 403:
                mismatches.append((method, url, status, "should be refused"))
            elif refusal is None and (status == 403 or status >= 500):
                mismatches.append((method, url, status, "should be allowed"))
    assert not mismatches, f"{identity}: {mismatches}"
    assert checked == 3 * sum(1 for _, p in ALL_URLS if _access(p) is not None)


def test_dynamics_365_administrator_manages_only_environments_whose_group_it_is_in(portal_tenant, sign_in):
    """Outside the security group a Dynamics 365 administrator is locked out of that environment; an
    environment without a group is open to it; Global and Power Platform administrators are not
    affected by the group."""
    from users_app.models import GroupMembership

    sales, service = portal_tenant["sales"], portal_tenant["service"]
    d365 = DirectoryUser.objects.get(user_principal_name=portal_upn("d365admin"))
    sales_url = reverse("environments:environment_detail", args=[sales.environment_id])
    assert sign_in("d365admin").get(sales_url).status_code == 200
    GroupMembership.objects.filter(group__name="Sales-Env", user=d365).delete()
    response = sign_in("d365admin").get(sales_url)
    assert response.status_code == 403 and "security group" in response.content.decode()
    assert sign_in("d365admin").get(reverse("environments:environment_detail", args=[service.environment_id])).status_code == 200
    assert sign_in("ppadmin").get(sales_url).status_code == 200


def test_global_reader_reads_both_sides_and_sees_no_commands(portal_tenant, sign_in):
    client = sign_in("greader")
    env = portal_tenant["sales"]
    page = client.get(reverse("users:environment_user_list", args=[env.environment_id])).content.decode()
    assert "Global reader" in page and 'type="submit" class="btn btn-primary">Add' not in page
    users = client.get(reverse("m365:active_user_list")).content.decode()
    assert reverse("m365:active_user_create") not in users
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    detail = client.get(reverse("m365:active_user_detail", args=[plain.pk])).content.decode()
    for command in ("Block sign-in", "Reset password", "Delete user", "Save changes"):
        assert command not in detail
    assert client.post(reverse("m365:active_user_block", args=[plain.pk])).status_code == 403
    assert client.post(reverse("environments:environment_update", args=[env.environment_id]),
                       {"confirm": "1"}).status_code == 403  # without confirm=1 a preview, which a reader may see
