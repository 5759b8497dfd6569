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
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import portal_upn
from users_app.choices import ADMIN_ROLE_TEMPLATE_IDS, AdminRole
from users_app.models import DirectoryGroup, DirectoryUser, Sku, SyncRun, SystemUser, Team
from environments_app.models import BusinessUnit, SecurityRole
from users_app.provisioning.rules import admin_roles

HX = {"HX-Request": "true"}

# Identity -> its admin roles (the portal tenant of tests/conftest.py).
IDENTITIES = {
    "global": {AdminRole.GLOBAL}, "greader": {AdminRole.GLOBAL_READER}, "pradmin": {AdminRole.PRIVILEGED_ROLE},
    "useradmin": {AdminRole.USER}, "helpdesk": {AdminRole.HELPDESK}, "pwadmin": {AdminRole.PASSWORD},
    "licadmin": {AdminRole.LICENCE}, "grpadmin": {AdminRole.GROUPS}, "ppadmin": {AdminRole.POWER_PLATFORM},
    "d365admin": {AdminRole.DYNAMICS_365}, "appadmin": {AdminRole.APPLICATION},
    "sysadmin": set(),  # System Administrator of Sales, no admin role
    "plain": set(),
}
# Facts of the tenant the environment gate reads: Sales has the security group Sales-Env, whose
# members include d365admin; sysadmin holds System Administrator in Sales.
SALES_GROUP_MEMBERS = {"sysadmin", "plain", "d365admin"}
SALES_SYSTEM_ADMINISTRATORS = {"sysadmin"}

# Pages without a role gate: signing in and out, one's own password, the start page, the Django
# admin (its own login), and every user's own pages (gated as directory users, tested elsewhere).
UNGATED = {"signin", "signout", "password_change", "home"}


def _patterns(resolver=None, prefix="", params=()):
    """(name, pattern, the URL's parameter names, the included prefixes' among them)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or getattr(pattern, "namespace", None) == "admin":
                continue
            namespace = pattern.namespace
            yield from _patterns(pattern, f"{prefix}{namespace}:" if namespace else prefix,
                                 params + tuple(pattern.pattern.converters))
        elif isinstance(pattern, URLPattern) and pattern.name:
            pattern.all_params = params + tuple(pattern.pattern.converters)
            yield f"{prefix}{pattern.name}", pattern


ALL_URLS = sorted({name: pattern for name, pattern in _patterns()}.items())


def _samples(tenant) -> dict:
    sales = tenant["sales"]
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    record = SystemUser.objects.get(environment=sales, azureactivedirectoryobjectid=plain.pk)
    run = SyncRun.objects.filter(environment=sales).order_by("-pk").first()
    return {
        "environment_id": sales.environment_id,
        "user_id": plain.pk,
        "group_id": DirectoryGroup.objects.get(name="Sales-Env").pk,
        "sku_id": Sku.objects.get(sku_part_number="DYN").sku_id,
        "role_id": ADMIN_ROLE_TEMPLATE_IDS[AdminRole.GLOBAL],
        "roleid": SecurityRole.objects.filter(environment=sales).exclude(name="System Administrator").first().roleid,
        "systemuserid": record.systemuserid,
        "teamid": Team.objects.filter(environment=sales).first().teamid,
        "businessunitid": BusinessUnit.objects.filter(environment=sales).first().businessunitid,
        "accountid": "00000000-0000-0000-0000-000000000000",
        "run_id": run.pk if run else 1,
        "rule_id": "DIR-05",
    }


def _url(name: str, pattern: URLPattern, samples: dict) -> str:
    return reverse(name, kwargs={key: samples[key] for key in pattern.all_params})


def expected_refusal(access: tuple, identity: str, *, write: bool) -> str | None:
    """What the one definition says for this gate, identity and method (None: allowed)."""
    roles = frozenset(IDENTITIES[identity])
    kind = access[0]
    if kind == "directory_user":
        return None
    if kind == "m365":
        read, writes = access[1], access[2]
        if not write:
            return admin_roles.refusal(roles, read)
        reasons = [admin_roles.refusal(roles, action) for action in writes]
        return None if any(r is None for r in reasons) else reasons[0]
    if kind == "tenant_pp":
        return admin_roles.tenant_pp_refusal(roles, write=write)
    if kind == "environment":  # the sample environment is Sales
        if identity in SALES_SYSTEM_ADMINISTRATORS:
            return None
        return admin_roles.environment_refusal(roles, write=write, has_security_group=True,
                                                in_security_group=identity in SALES_GROUP_MEMBERS)
    raise AssertionError(f"unknown gate {access!r}")


def _access(pattern: URLPattern):
    return getattr(pattern.callback, "access", None)


def test_every_url_declares_its_gate():
    undeclared = [name for name, pattern in ALL_URLS if _access(pattern) is None and name not in UNGATED]
    assert not undeclared, f"views without a declared role gate: {undeclared}"
    assert len(ALL_URLS) > 80  # the whole portal (92 named URLs today), not a few pages


@pytest.mark.parametrize("identity", sorted(IDENTITIES))
def test_role_matrix(portal_tenant, client, identity):
    """One identity against every gated URL: GET, GET as a fragment, POST (empty, with the CSRF
    check on as in production). A refusal is a 403 page naming what is missing; an allowed
    request is anything but a 403 or a server error. 405 (the method is not served) comes before
    the gate and is accepted for either."""
    samples = _samples(portal_tenant)
    account = get_user_model().objects.get(username=portal_upn(identity))
    mismatches, checked = [], 0
    for name, pattern in ALL_URLS:
        access = _access(pattern)
        if access is None:
            continue
        url = _url(name, pattern, samples)
        for method, headers in (("get", {}), ("get", HX), ("post", {})):
            client.force_login(account)  # a POST may end the session (a password change, a block)
            response = getattr(client, method)(url, headers=headers)
            checked += 1
            status = response.status_code
            if status == 405:
                continue
            refusal = expected_refusal(access, identity, write=method == "post")
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
    assert client.post(reverse("environments:environment_update", args=[env.environment_id])).status_code == 403
