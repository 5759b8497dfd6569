"""Truth tables of what each Entra admin role may do, and to whom (DIR-05,
users_app/provisioning/rules/admin_roles.py): the role x action table and Microsoft's Table A (reset
password) and Table B (sensitive actions)."""
import pytest

from users_app.provisioning.rules import admin_roles as r
from users_app.provisioning.rules.admin_roles import Action

NONE = frozenset()

# Role x action: the actions each role may take at all.
ROLE_ACTIONS = {
    r.GLOBAL: set(Action),
    r.GLOBAL_READER: {Action.READ, Action.READ_AUDIT},
    r.PRIVILEGED_ROLE: {Action.READ, Action.ADMIN_ROLES, Action.GRANT_CONSENT},
    r.USER: {Action.READ, Action.CREATE_USER, Action.EDIT_PROFILE, Action.EDIT_USER_NAME, Action.EDIT_SENSITIVE,
             Action.RESET_PASSWORD, Action.BLOCK, Action.DELETE, Action.PURGE, Action.LICENCES,
             Action.USAGE_LOCATION, Action.GROUPS, Action.GROUP_MEMBERS},
    r.HELPDESK: {Action.READ, Action.RESET_PASSWORD, Action.EDIT_SENSITIVE},
    r.PASSWORD: {Action.READ, Action.RESET_PASSWORD, Action.EDIT_SENSITIVE},
    r.LICENCE: {Action.READ, Action.LICENCES, Action.USAGE_LOCATION},
    r.GROUPS: {Action.READ, Action.GROUPS, Action.GROUP_MEMBERS},
    r.POWER_PLATFORM: {Action.READ},
    r.DYNAMICS_365: {Action.READ},
    r.APPLICATION: {Action.READ, Action.APP_REGISTRATIONS},
}


@pytest.mark.parametrize("role", r.ALL_ROLES)
@pytest.mark.parametrize("action", list(Action))
def test_dir05_role_x_action(role, action):
    allowed = action in ROLE_ACTIONS[role]
    assert (r.refusal(frozenset({role}), action) is None) == allowed
    assert r.may(frozenset({role}), action) == allowed


def test_dir05_no_role_may_do_nothing():
    for action in Action:
        reason = r.refusal(NONE, action)
        assert reason is not None and "role" in reason


# Table A, for the roles the portal has: acting role -> the target roles it may reset.
TABLE_A = {
    r.GLOBAL: set(r.ALL_ROLES),
    r.USER: {r.USER, r.HELPDESK, r.PASSWORD, r.GROUPS},
    r.HELPDESK: {r.HELPDESK, r.PASSWORD},
    r.PASSWORD: {r.PASSWORD},
}
# Table B: acting role -> the target roles it may block, delete, restore or rename.
TABLE_B = {r.GLOBAL: set(r.ALL_ROLES), r.USER: {r.USER, r.HELPDESK, r.PASSWORD, r.GROUPS}}


@pytest.mark.parametrize("actor", list(TABLE_A))
@pytest.mark.parametrize("target", (None,) + r.ALL_ROLES)
def test_dir05_table_a_reset_password(actor, target):
    target_roles = frozenset({target}) if target else NONE
    allowed = target is None or target in TABLE_A[actor]
    assert (r.refusal(frozenset({actor}), Action.RESET_PASSWORD, target_roles=target_roles) is None) == allowed


@pytest.mark.parametrize("action", [Action.BLOCK, Action.DELETE, Action.PURGE, Action.EDIT_USER_NAME])
@pytest.mark.parametrize("actor", list(TABLE_B))
@pytest.mark.parametrize("target", (None,) + r.ALL_ROLES)
def test_dir05_table_b_sensitive_actions(action, actor, target):
    target_roles = frozenset({target}) if target else NONE
    allowed = target is None or target in TABLE_B[actor]
    assert (r.refusal(frozenset({actor}), action, target_roles=target_roles) is None) == allowed


def test_dir05_a_target_is_protected_by_its_highest_role():
    """A User administrator may reset a Helpdesk administrator, but not one who is a Global
    administrator too."""
    ua = frozenset({r.USER})
    assert r.refusal(ua, Action.RESET_PASSWORD, target_roles=frozenset({r.HELPDESK})) is None
    reason = r.refusal(ua, Action.RESET_PASSWORD, target_roles=frozenset({r.HELPDESK, r.GLOBAL}))
    assert reason and "Global administrator" in reason


def test_dir05_helpdesk_edits_phones_only_of_those_it_may_reset():
    hda = frozenset({r.HELPDESK})
    assert r.refusal(hda, Action.EDIT_SENSITIVE, target_roles=NONE) is None
    assert r.refusal(hda, Action.EDIT_SENSITIVE, target_roles=frozenset({r.USER})) is not None
    assert r.refusal(hda, Action.EDIT_USER_NAME, target_roles=NONE) is not None


def test_dir05_only_global_and_privileged_role_admins_change_admin_roles():
    added = frozenset({r.GLOBAL})
    for role in r.ALL_ROLES:
        reason = r.role_change_refusal(frozenset({role}), added=added, removed=NONE, self_change=False)
        assert (reason is None) == (role in {r.GLOBAL, r.PRIVILEGED_ROLE})
    assert r.role_change_refusal(frozenset({r.USER}), added=NONE, removed=NONE, self_change=False) is None


def test_dir05_a_global_admin_cannot_remove_its_own_global_role():
    reason = r.role_change_refusal(frozenset({r.GLOBAL}), added=NONE, removed=frozenset({r.GLOBAL}), self_change=True)
    assert reason and "own Global administrator" in reason
    assert r.role_change_refusal(frozenset({r.GLOBAL}), added=NONE, removed=frozenset({r.GLOBAL}),
                                 self_change=False) is None
    assert r.role_change_refusal(frozenset({r.PRIVILEGED_ROLE, r.GLOBAL}), added=NONE,
                                 removed=frozenset({r.PRIVILEGED_ROLE}), self_change=True) is None


# The Power Platform side: (roles, write, has group, in group, system administrator) -> allowed.
ENVIRONMENT_TABLE = [
    ({r.GLOBAL}, True, True, False, False, True),
    ({r.POWER_PLATFORM}, True, True, False, False, True),
    ({r.DYNAMICS_365}, True, True, True, False, True),
    ({r.DYNAMICS_365}, True, True, False, False, False),
    ({r.DYNAMICS_365}, False, True, False, False, False),
    ({r.DYNAMICS_365}, True, False, False, False, True),
    ({r.GLOBAL_READER}, False, True, False, False, True),
    ({r.GLOBAL_READER}, True, True, False, False, False),
    ({r.USER}, False, False, False, False, False),
    (set(), True, True, True, True, True),
    (set(), False, True, True, False, False),
]


@pytest.mark.parametrize("roles,write,has_group,member,sysadmin,allowed", ENVIRONMENT_TABLE)
def test_dir05_environment_pages(roles, write, has_group, member, sysadmin, allowed):
    reason = r.environment_refusal(frozenset(roles), write=write, has_security_group=has_group,
                                   in_security_group=member, is_system_administrator=sysadmin)
    assert (reason is None) == allowed


@pytest.mark.parametrize("role", r.ALL_ROLES)
def test_dir05_self_elevation_and_tenant_pages(role):
    roles = frozenset({role})
    service_admin = role in {r.GLOBAL, r.POWER_PLATFORM, r.DYNAMICS_365}
    assert (r.self_elevation_refusal(roles) is None) == service_admin
    assert (r.tenant_pp_refusal(roles, write=True) is None) == service_admin
    assert (r.tenant_pp_refusal(roles, write=False) is None) == (service_admin or role == r.GLOBAL_READER)
