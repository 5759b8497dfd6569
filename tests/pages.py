"""Every URL of the portal, once: its arguments, who may open it, who is refused, and its HTMX fragment.

`PAGES` is the registry the permission battery (tests/portal/test_pages.py) runs over, and
tests/portal/test_pages.py fails when a URL of the resolver is missing from it. A new screen adds
one line here and gets the battery: signed out -> sign-in; each allowed identity -> 200 as a full
page and as its fragment (HX-Request); each refused identity -> 403 with the refusal the one
definition (users_app/provisioning/rules/admin_roles.py) words.

Identities are the sign-ins of the portal tenant (tests/conftest.py). Arguments are keys of `World`,
which builds on demand what a URL needs (a team, an application user, an on-premises environment...).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from users_app.choices import ADMIN_ROLE_TEMPLATE_IDS, AdminRole
from users_app.provisioning.rules import admin_roles

from tests.builders import upn

# Identity -> its admin roles (the portal tenant of tests/conftest.py).
IDENTITIES = {
    "global": {AdminRole.GLOBAL}, "greader": {AdminRole.GLOBAL_READER}, "pradmin": {AdminRole.PRIVILEGED_ROLE},
    "useradmin": {AdminRole.USER}, "helpdesk": {AdminRole.HELPDESK}, "pwadmin": {AdminRole.PASSWORD},
    "licadmin": {AdminRole.LICENCE}, "grpadmin": {AdminRole.GROUPS}, "ppadmin": {AdminRole.POWER_PLATFORM},
    "d365admin": {AdminRole.DYNAMICS_365}, "appadmin": {AdminRole.APPLICATION},
    "sysadmin": set(),  # System Administrator of Sales, no admin role
    "plain": set(), "olivia": set(),
}
# Facts of the tenant the environment gate reads: Sales has the security group Sales-Env, whose
# members include d365admin; sysadmin holds System Administrator in Sales. Every environment URL
# of the registry is opened on Sales unless its arguments say otherwise.
SALES_GROUP_MEMBERS = {"sysadmin", "plain", "d365admin"}
SALES_SYSTEM_ADMINISTRATORS = {"sysadmin"}


def expected_refusal(access: tuple, identity: str, *, write: bool, in_sales: bool = True) -> str | None:
    """What the one definition says for this gate (a view's `access`), identity and method (None: allowed)."""
    roles = frozenset(IDENTITIES[identity])
    kind = access[0]
    if write and access[-1] == "preview":  # issue 12: a POST without confirm=1 is a preview: whoever may
        # make the change sees it, and a Global reader holding the view's read right (without Confirm)
        as_writer = expected_refusal(access[:-1], identity, write=True, in_sales=in_sales)
        if as_writer is None or AdminRole.GLOBAL_READER not in roles:
            return as_writer
        write = False
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
    if kind == "environment":
        if in_sales and identity in SALES_SYSTEM_ADMINISTRATORS:
            return None
        return admin_roles.environment_refusal(roles, write=write, has_security_group=in_sales,
                                                in_security_group=in_sales and identity in SALES_GROUP_MEMBERS)
    raise AssertionError(f"unknown gate {access!r}")


def access_of(pattern: URLPattern):
    """The gate a view declares (users_app/permissions.py sets `access`), or None."""
    return getattr(pattern.callback, "access", None)


def methods_of(pattern: URLPattern) -> list[str] | None:
    """The HTTP methods a view declares with require_GET / require_POST / require_http_methods (None: not declared)."""
    view, seen = pattern.callback, set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        if getattr(view, "__closure__", None):
            cells = dict(zip(view.__code__.co_freevars, view.__closure__))
            if "request_method_list" in cells:
                return list(cells["request_method_list"].cell_contents)
        view = getattr(view, "__wrapped__", None)
    return None


def url_patterns(resolver=None, prefix=""):
    """(namespaced name, pattern) of every named URL of the resolver but the Django admin's."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or getattr(pattern, "namespace", None) == "admin":
                continue
            if getattr(pattern, "namespace", None) == "api":  # bearer tokens, not sessions: tests/api/
                continue
            yield from url_patterns(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}", pattern


# --- The registry ---------------------------------------------------------------------------------

PAGE, ACTION, OTHER = "page", "action", "other"


@dataclass(frozen=True)
class Page:
    """One URL. kind: PAGE (GET, a full page and its HTMX fragment, both holding `fragment`'s id; a
    page whose view also takes POST is a form, and its POST is checked like an action's), ACTION
    (POST only), OTHER (GET, neither: a download, a redirect, a public page)."""
    name: str
    args: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    fragment: str | None = None
    kind: str = PAGE
    public: bool = False  # answers signed out (no redirect to sign-in)
    marks: tuple[str, ...] = ()  # text the full page shows besides the fragment (breadcrumbs)
    answer: int = 200  # what an allowed identity's GET answers (the start page redirects)

    def __str__(self) -> str:
        return self.name

    @property
    def in_sales(self) -> bool:
        """Opened on Sales (whose facts the environment gate reads above), not the on-premises one."""
        return "onprem" not in self.args


M365_MARK = ("Microsoft 365 admin center",)
ENV_MARKS = ('aria-label="Breadcrumb"', ">Environments</a>", ">Sales</a>")
SALES = ("sales",)
TEAM = ("sales", "team")
RECORD = ("sales", "plain_record")
APP_USER = ("sales", "app_user")
USER = ("plain",)
GROUP = ("sales_group",)
ROLE = ("global_role",)


def _m365(name, args=(), allowed="useradmin", refused="plain", fragment=None, kind=PAGE):
    """A Microsoft 365 admin center URL: one identity allowed, one (or a tuple) refused."""
    refused = (refused,) if isinstance(refused, str) else (refused or ())
    return Page(f"m365:{name}", args, (allowed,) if allowed else (), refused, fragment, kind,
                marks=M365_MARK if kind == PAGE else ())


def _env(name, args=SALES, fragment=None, kind=PAGE, allowed=("global", "sysadmin"), refused=("plain",), marks=()):
    """An environment's URL (on Sales). An action's allowed identities are left to the role matrix."""
    return Page(name, args, allowed if kind != ACTION else (), refused, fragment, kind, marks=marks)


def _structure(name, args=SALES, fragment=None, kind=PAGE):
    return _env(f"structure:{name}", args, fragment, kind, marks=ENV_MARKS if kind == PAGE else ())


def _profile(name, kind=PAGE, fragment="user-panel"):
    """A user profile URL: the profile itself, or a side panel of its command bar."""
    return _env(f"users:{name}", RECORD, fragment if kind == PAGE else None, kind, ("global",), ("olivia",))


PAGES = [
    # Signing in and out, one's own password, the start page.
    Page("signin", kind=OTHER, public=True),
    Page("signout", kind=ACTION, public=True),
    Page("home", kind=OTHER, allowed=("plain",), answer=302),
    Page("password_change", kind=OTHER, allowed=("plain",)),
    Page("rules:rule_list", allowed=("plain",), fragment="rule-families"),
    Page("rules:rule_detail", ("rule",), allowed=("plain",), fragment="rule"),
    Page("search:search", allowed=("plain", "global"), fragment="search-results"),
    Page("developers:developers", allowed=("plain", "global"), fragment="developers"),
    Page("developers:personal_token", kind=ACTION),  # POST: a one-hour token, shown once
    # Power Platform: the environments and the environment page.
    Page("environments:environment_list", (), ("global", "ppadmin", "d365admin"), ("sysadmin", "plain", "useradmin"),
         "environment-table", marks=("Sales-Env",)),  # the security group by name
    Page("environments:environment_create", (), ("ppadmin",), ("sysadmin", "plain", "useradmin"),
         "environment-create-panel"),
    _env("environments:environment_detail", fragment="environment-details", refused=("plain", "useradmin")),
    _env("environments:environment_update", fragment="environment-settings"),  # Edit settings: GET the panel, POST saves
    _env("environments:environment_add_me", kind=ACTION),
    # An environment's users and a user's profile.
    _env("users:environment_user_list", fragment="user-table", allowed=("ppadmin",)),
    _env("users:environment_user_add", fragment="user-add-panel", allowed=("ppadmin",)),
    # The Users grid: selection, bulk panels, quick look, Edit columns, export.
    _env("users:environment_user_selection", kind=ACTION),
    _env("users:environment_user_columns", fragment="columns-panel", allowed=("ppadmin",)),
    _env("users:environment_user_export", kind=OTHER, allowed=()),  # a download: tests/users_app/portal/test_grid.py
    _env("users:environment_user_bulk_roles", fragment="bulk-roles-panel", allowed=("ppadmin",)),
    _env("users:environment_user_bulk_team", fragment="bulk-team-panel", allowed=("ppadmin",)),
    _env("users:environment_user_bulk_business_unit", fragment="bulk-business-unit-panel", allowed=("ppadmin",)),
    _env("users:environment_user_bulk_refresh", fragment="bulk-refresh-panel", allowed=("ppadmin",)),
    _env("users:environment_user_quick_look", RECORD, "quick-look-panel", allowed=("global",), refused=("olivia",)),
    _profile("environment_user_detail", fragment="user-summary"),
    _profile("environment_user_roles"),
    _profile("environment_user_teams"),
    _profile("environment_user_business_unit"),
    _profile("environment_user_manager"),
    _profile("environment_user_position"),
    _profile("environment_user_form"),
    _profile("environment_user_reassign"),
    _profile("environment_user_diagnose", ACTION),
    _profile("environment_user_refresh", ACTION),
    _profile("environment_user_sign_in", ACTION),
    _profile("environment_user_invite", ACTION),
    _profile("environment_user_delete"),
    # An environment's teams, security roles, business units, business records and sync history.
    _structure("team_list", fragment="team-table"),
    _structure("team_create", fragment="team-create-panel"),
    _structure("team_detail", TEAM, "team-summary"),
    _structure("team_update", TEAM, kind=ACTION),
    _structure("team_delete", TEAM, "confirm-panel"),
    _structure("team_member_list", TEAM, "team-members"),
    _structure("team_member_add", TEAM, kind=ACTION),
    _structure("team_member_remove", (*TEAM, "plain_record"), "confirm-panel"),
    _structure("team_roles_update", TEAM, kind=ACTION),
    _structure("security_role_list", fragment="security-role-table"),
    _structure("security_role_detail", ("sales", "basic_user"), "security-role-members"),
    _structure("security_role_people_add", ("sales", "basic_user"), kind=ACTION),
    _structure("security_role_person_remove", ("sales", "basic_user", "plain_record"), "confirm-panel"),
    _structure("business_unit_list", fragment="business-unit-table"),
    _structure("business_unit_create", fragment="business-unit-create-panel"),
    _structure("business_unit_delete", ("sales", "north"), "confirm-panel"),
    _structure("account_list", fragment="account-table"),
    _structure("account_update", ("sales", "account"), kind=ACTION),
    _structure("sync_run_list", fragment="sync-run-table"),
    _structure("sync_run_create", kind=ACTION),
    _structure("sync_run_pending", fragment="sync-pending"),
    _structure("sync_run_detail", ("sales", "run"), "sync-run-decisions"),
    _structure("sync_run_status", ("sales", "run"), "sync-status"),
    # Application users, data import, on-premises users, My environments.
    _env("app_users:app_user_list", fragment="app-user-table", allowed=("sysadmin",)),
    _env("app_users:app_user_create", fragment="app-user-form", allowed=("sysadmin",)),
    _env("app_users:app_user_detail", APP_USER, "app-user-panel", allowed=("sysadmin",)),
    _env("app_users:app_user_update", APP_USER, kind=ACTION),
    _env("app_users:app_user_status", APP_USER, kind=ACTION),
    _env("app_users:app_user_delete", APP_USER, kind=ACTION),
    _env("imports:data_import", fragment="data-import", allowed=("sysadmin",)),
    _env("imports:data_import_preview", kind=ACTION),
    _env("imports:data_reassign", fragment="stub-user-table", allowed=("ppadmin",)),
    Page("onprem_users:onprem_user_list", ("onprem",), ("ppadmin",), ("plain",), "onprem-user-table"),
    Page("onprem_users:onprem_user_edit", ("onprem", "ann"), ("d365admin",), ("plain",), "onprem-user-form"),
    Page("my_environments:my_environment_list", (), ("plain",), (), "my-environment-table"),
    Page("my_environments:my_environment_open", SALES, kind=ACTION),
    # The Microsoft 365 admin center.
    _m365("active_user_list", fragment="user-table"),
    _m365("deleted_user_list", fragment="deleted-user-table"),
    # The Active users grid: selection, bulk panels, quick look, Edit columns, export.
    _m365("active_user_selection", (), None, "plain", kind=ACTION),
    _m365("active_user_columns", fragment="columns-panel"),
    _m365("active_user_export", (), None, "plain", kind=OTHER),  # a download: tests/users_app/portal/test_grid_m365.py
    _m365("active_user_bulk_licences", (), "licadmin", ("plain", "ppadmin"), "bulk-licences-panel"),
    _m365("active_user_bulk_block", (), "useradmin", ("plain", "ppadmin"), "bulk-block-panel"),
    _m365("active_user_bulk_unblock", (), "useradmin", ("plain", "ppadmin"), "bulk-unblock-panel"),
    _m365("active_user_quick_look", USER, fragment="quick-look-panel"),
    _m365("active_user_create", refused=("plain", "ppadmin"), fragment="add-user-wizard"),
    _m365("active_user_detail", USER, "global", "sysadmin", "account-form"),
    _m365("active_user_licences", USER, "licadmin", fragment="licence-form"),
    _m365("active_user_roles", USER, fragment="role-form"),
    _m365("active_user_groups", USER, fragment="user-groups"),
    _m365("active_user_access", USER, fragment="user-access"),
    Page("m365:record_access", RECORD[1:], ("useradmin",), ("plain",), kind=OTHER, answer=302),
    _m365("active_user_password_reset", USER, refused="ppadmin", fragment="password-reset"),
    _m365("active_user_delete", USER, refused="ppadmin", fragment="delete-confirm"),
    _m365("active_user_block", USER, refused="ppadmin", fragment="sign-in-panel"),
    _m365("active_user_unblock", USER, refused="ppadmin", fragment="sign-in-panel"),
    _m365("active_user_unlock", USER, None, "ppadmin", kind=ACTION),
    _m365("active_user_restore", USER, None, "plain", kind=ACTION),  # without confirm=1 a preview: a read
    _m365("active_user_purge", USER, refused="ppadmin", fragment="purge-confirm"),
    _m365("group_list", fragment="group-table"),
    _m365("group_create", refused=("plain", "ppadmin"), fragment="group-create"),
    _m365("group_detail", GROUP, refused="sysadmin", fragment="group-members"),
    _m365("group_owners", GROUP, refused="sysadmin", fragment="group-owners"),
    _m365("group_access", GROUP, refused="sysadmin", fragment="group-access"),
    _m365("group_member_add", GROUP, None, "plain", kind=ACTION),  # without confirm=1 a preview: a read
    _m365("group_member_remove", GROUP, refused="plain", fragment="group-members"),  # GET: the confirmation
    _m365("group_owner_add", GROUP, None, "plain", kind=ACTION),
    _m365("group_owner_remove", GROUP, refused="plain", fragment="group-owners"),
    _m365("licence_list", (), "licadmin", fragment="licence-table"),
    _m365("licence_detail", ("dyn",), "licadmin", fragment="licence-user-table"),
    _m365("tenant_licence_update", (), None, "plain", kind=ACTION),  # without confirm=1 a preview: a read
    _m365("role_list", fragment="role-table"),
    _m365("role_detail", ROLE, fragment="role-holders"),
    _m365("role_holder_add", ROLE, None, "plain", kind=ACTION),
    _m365("role_holder_remove", ROLE, refused="plain", fragment="role-holders"),
    _m365("app_registration_list", fragment="app-registration-table"),
    _m365("app_registration_create", (), "global", ("plain", "ppadmin"), "app-registration-create"),
    _m365("app_registration_detail", ("erp_app",), "useradmin", "plain", "app-registration"),
    _m365("app_registration_permissions", ("erp_app",), None, ("plain", "useradmin", "appadmin"), kind=ACTION),
    _m365("app_registration_new_secret", ("erp_app",), "appadmin", "plain", "confirm-panel"),  # GET: the confirmation
    _m365("service_information", (), "plain", None, "service-information"),
    _m365("tenant_file_load", (), "global", "plain", "tenant-file"),  # POST: preview, confirm=1 loads
    _m365("audit_list", (), "greader", "plain", "audit-table"),
    _m365("audit_export", (), None, "plain", kind=OTHER),
    # The people picker's type-ahead (options over htmx; a page of matches without it).
    Page("pickers:people", (), ("useradmin",), ("plain", "sysadmin"), kind=OTHER),
    _env("pickers:environment_people", kind=OTHER, allowed=("global", "sysadmin")),
]
REGISTRY = {page.name: page for page in PAGES}


# --- Requests as a browser sends them -------------------------------------------------------------

CSRF_TOKEN = "pagesBatteryCsrfToken0123456789a"  # any 32 letters and digits: the cookie and the header agree


def post(client, url, *, token=True, **extra):
    """An empty POST. With `token`, the CSRF cookie and header a browser sends (for a client made with
    enforce_csrf_checks=True, as the `csrf_client` fixture is); without, neither."""
    if not token:
        client.cookies.pop("csrftoken", None)
        return client.post(url, {}, **extra)
    client.cookies["csrftoken"] = CSRF_TOKEN
    return client.post(url, {}, HTTP_X_CSRFTOKEN=CSRF_TOKEN, **extra)


# --- The arguments ----------------------------------------------------------------------------------


class World:
    """The portal tenant (the `portal_tenant` fixture) and what the URLs need beyond it, built on first
    use: world["team"] creates Sales' Field sales team (plain@ a member) the first time it is asked."""

    def __init__(self, tenant: dict):
        self.tenant = tenant
        self._values: dict = {}

    def __getitem__(self, key: str):
        if key not in self._values:
            self._values[key] = getattr(self, f"_{key}")()
        return self._values[key]

    def url(self, page: Page) -> str:
        return reverse(page.name, args=[self[key] for key in page.args])

    def _sales(self):
        return self.tenant["sales"].environment_id

    def _plain(self):
        from users_app.models import DirectoryUser
        return DirectoryUser.objects.get(user_principal_name=upn("plain")).pk

    def _plain_record(self):
        from users_app.models import SystemUser
        return SystemUser.objects.get(environment=self.tenant["sales"], domainname=upn("plain")).systemuserid

    def _sales_group(self):
        from users_app.models import DirectoryGroup
        return DirectoryGroup.objects.get(name="Sales-Env").pk

    def _dyn(self):
        from users_app.models import Sku
        return Sku.objects.get(sku_part_number="DYN").sku_id

    def _global_role(self):
        return ADMIN_ROLE_TEMPLATE_IDS[AdminRole.GLOBAL]

    def _team(self):
        from users_app.models import SystemUser
        from users_app.services.records import team_create, team_member_add
        team = team_create(environment=self.tenant["sales"], name="Field sales")
        team_member_add(team=team, systemuser=SystemUser.objects.get(systemuserid=self["plain_record"]))
        return team.teamid

    def _basic_user(self):
        from environments_app.models import SecurityRole
        return SecurityRole.objects.get(environment=self.tenant["sales"], name="Basic User").roleid

    def _north(self):
        from users_app.services.environments import business_unit_create
        return business_unit_create(environment=self.tenant["sales"], name="North").businessunitid

    def _account(self):
        from users_app.models import Account
        from users_app.services.imports import records_import
        records_import(environment=self.tenant["sales"], rows=[{"name": "Acme", "owner": "ghost@fabrikam.com"}])
        return Account.objects.get(environment=self.tenant["sales"], name="Acme").accountid

    def _run(self):
        from users_app.models import SyncRun
        from users_app.provisioning.sync import environment_sync
        run = SyncRun.objects.filter(environment=self.tenant["sales"]).first()
        return (run or environment_sync(environment=self.tenant["sales"])).pk

    def _app_user(self):
        from users_app.models import AppRegistration
        from users_app.services import records
        app = AppRegistration.objects.get(name="ERP connector")
        return records.app_user_create(environment=self.tenant["sales"], app=app, roles=["Basic User"],
                                       email="erp@contoso.com").systemuserid

    def _erp_app(self):
        from users_app.models import AppRegistration
        return AppRegistration.objects.get(name="ERP connector").app_id

    def _onprem(self):
        from environments_app.choices import Deployment
        from users_app.services.environments import environment_create
        ad_users = [{"logon_name": "CONTOSO\\ann", "first_name": "Ann", "last_name": "Berg", "city": "Oslo"}]
        return environment_create(name="Contoso On-Premises", deployment=Deployment.ON_PREMISES,
                                  ad_users=ad_users).environment_id

    def _ann(self):
        from users_app.models import SystemUser
        return SystemUser.objects.get(environment__environment_id=self["onprem"], domainname="CONTOSO\\ann").systemuserid

    def _rule(self):
        return "DIR-05"
