"""Truth tables for the checks of an admin's actions on a SystemUser record (rules/records.py:
ROLE, APP, LIFE, STUB, ONPREM-02, ENV-05 on default teams, DIR-05 for Add me) and of the record's
access mode (rules/access.py: MODE-03 capacity, MODE-05/07 placeholders, ELIG-02 on a record).
Pure: plain values in, no database. Every test names the rule IDs it proves."""
from __future__ import annotations

import pytest

from users_app.choices import MAX_NON_INTERACTIVE_USERS, AdminRole, TeamType, UserType
from users_app.provisioning import rules


def refused_by(check, *args, **kwargs) -> str | None:
    """The rule a check refuses with, or None when it lets the action through."""
    try:
        assert check(*args, **kwargs) is None
    except rules.RuleViolation as exc:
        assert exc.message and not isinstance(exc, rules.InvalidInput)
        return exc.rule
    return None


PEOPLE = [UserType.REGULAR, UserType.SETUP, UserType.NON_INTERACTIVE]


# --- APP -----------------------------------------------------------------------------------


@pytest.mark.parametrize("user_type, expected", [
    (UserType.APPLICATION, None), *[(kind, "APP-05") for kind in (*PEOPLE, UserType.STUB, UserType.SUPPORT)],
])
def test_app_05_application_user_actions_on_application_users_only(user_type, expected):
    """APP-05: editing or deleting an application user refuses any other record ("Not an application user")."""
    assert refused_by(rules.check_application_user, user_type=user_type) == expected


@pytest.mark.parametrize("user_type, expected", [
    (UserType.APPLICATION, "APP-05"), *[(kind, None) for kind in PEOPLE],
])
def test_app_05_access_mode_of_application_user_is_fixed(user_type, expected):
    """APP-05: only business unit, e-mail and roles of an application user are editable, not its access mode."""
    assert refused_by(rules.check_access_mode_changeable, user_type=user_type) == expected


@pytest.mark.parametrize("exists, expected", [(False, None), (True, "APP-05")])
def test_app_05_one_application_user_per_app_and_environment(exists, expected):
    """APP-05: a second application user of the same app in one environment is refused, naming both."""
    assert refused_by(rules.check_one_application_user, exists=exists, app_name="Billing",
                      environment_name="Sales") == expected
    if exists:
        with pytest.raises(rules.RuleViolation, match="Billing already has an application user in Sales"):
            rules.check_one_application_user(exists=True, app_name="Billing", environment_name="Sales")


@pytest.mark.parametrize("isdisabled, owned, expected", [
    pytest.param(False, 0, "APP-05", id="active"),
    pytest.param(False, 3, "APP-05", id="active-with-records"),
    pytest.param(True, 3, "APP-05", id="inactive-with-records"),
    pytest.param(True, 0, None, id="inactive-no-records"),
])
def test_app_05_delete_only_inactive_without_records(isdisabled, owned, expected):
    """APP-05: an application user is deleted only while inactive, once its records are reassigned."""
    assert refused_by(rules.check_app_user_deletable, isdisabled=isdisabled, owned_records=owned) == expected
    if isdisabled and owned:
        with pytest.raises(rules.RuleViolation, match="still owns 3 records"):
            rules.check_app_user_deletable(isdisabled=True, owned_records=owned)


@pytest.mark.parametrize("status_editable, user_type, expected", [
    pytest.param(True, UserType.APPLICATION, None, id="unlocked"),
    pytest.param(False, UserType.APPLICATION, "APP-03", id="locked"),
    *[pytest.param(editable, kind, "LIFE-01", id=f"{kind}-{editable}") for kind in PEOPLE for editable in (True, False)],
])
def test_app_03_status_change_refusal_answers_what_the_check_would_raise(status_editable, user_type, expected):
    """APP-03 (LIFE-01 first): the refusal Activate / Deactivate would meet, returned rather than raised,
    so the screens disable the command and say why (the same rule as the checks that raise)."""
    refusal = rules.app_user_status_change_refusal(status_editable=status_editable, user_type=user_type)
    assert (refusal.rule if refusal else None) == expected
    assert refusal is None or refusal.message
    if user_type == UserType.APPLICATION:
        assert refused_by(rules.check_app_user_status_change, status_editable=status_editable) == expected


@pytest.mark.parametrize("isdisabled, owned, expected", [
    (False, 0, "APP-05"), (False, 3, "APP-05"), (True, 3, "APP-05"), (True, 0, None),
])
def test_app_05_delete_refusal_answers_what_the_check_would_raise(isdisabled, owned, expected):
    """APP-05: the refusal Delete would meet, returned rather than raised (the screen disables Delete)."""
    refusal = rules.app_user_delete_refusal(isdisabled=isdisabled, owned_records=owned)
    assert (refusal.rule if refusal else None) == expected
    assert expected == refused_by(rules.check_app_user_deletable, isdisabled=isdisabled, owned_records=owned)


@pytest.mark.parametrize("user_type, expected", [
    (UserType.APPLICATION, "APP-01"), *[(kind, None) for kind in PEOPLE],
])
def test_app_01_application_user_follows_no_directory_user(user_type, expected):
    """APP-01: refresh, diagnose and sign in as do not apply to an application user."""
    assert refused_by(rules.check_not_application_user, user_type=user_type, action="refresh") == expected


@pytest.mark.parametrize("found, isdisabled, holds_role, expected", [
    pytest.param(False, False, False, "APP-04", id="no-application-user"),
    pytest.param(True, True, True, "APP-04", id="disabled"),
    pytest.param(True, True, False, "APP-04", id="disabled-before-roles"),
    pytest.param(True, False, False, "ROLE-01", id="no-role"),
    pytest.param(True, False, True, None, id="enabled-with-role"),
])
def test_app_04_role_01_application_caller(found, isdisabled, holds_role, expected):
    """APP-04: a call acts as an enabled application user of the environment; ROLE-01: one holding a role."""
    assert refused_by(rules.check_application_caller, found=found, isdisabled=isdisabled,
                      holds_role=holds_role) == expected


# --- LIFE, STUB ----------------------------------------------------------------------------


@pytest.mark.parametrize("user_type, expected", [
    (UserType.APPLICATION, None), *[(kind, "LIFE-01") for kind in (*PEOPLE, UserType.STUB)],
])
def test_life_01_only_application_users_are_enabled_by_hand(user_type, expected):
    """LIFE-01: regular users are enabled and disabled by the directory, not by hand."""
    assert refused_by(rules.check_status_set_by_hand, user_type=user_type) == expected


@pytest.mark.parametrize("isdisabled, expected", [(False, None), (True, "LIFE-01")])
def test_life_01_invitation_to_enabled_users_only(isdisabled, expected):
    """LIFE-01: only an enabled user can be invited."""
    assert refused_by(rules.check_invitable, isdisabled=isdisabled) == expected


@pytest.mark.parametrize("user_type, expected", [
    (UserType.STUB, "LIFE-05"), *[(kind, None) for kind in (*PEOPLE, UserType.APPLICATION)],
])
def test_life_05_stub_users_are_not_deleted_this_way(user_type, expected):
    """LIFE-05 / STUB-04: a stub user is not deleted; its records are reassigned."""
    assert refused_by(rules.check_deleted_this_way, user_type=user_type) == expected


@pytest.mark.parametrize("user_type, expected", [
    (UserType.STUB, "STUB-04"), *[(kind, None) for kind in (*PEOPLE, UserType.APPLICATION)],
])
def test_stub_04_records_go_to_a_real_user(user_type, expected):
    """STUB-04: records are reassigned to a real user, never to a stub user."""
    assert refused_by(rules.check_reassign_target, user_type=user_type) == expected


# --- ROLE-07, ENV-05: teams ----------------------------------------------------------------


@pytest.mark.parametrize("isdefault, teamtype, expected", [
    pytest.param(False, TeamType.OWNER, None, id="owner"),
    pytest.param(False, TeamType.ACCESS, None, id="access"),
    pytest.param(False, TeamType.SECURITY_GROUP, "ROLE-07", id="security-group"),
    pytest.param(False, TeamType.OFFICE_GROUP, "ROLE-07", id="office-group"),
    pytest.param(True, TeamType.OWNER, "ROLE-07", id="default-team"),
])
def test_role_07_members_by_hand_in_owner_and_access_teams(isdefault, teamtype, expected):
    """ROLE-07: default teams follow the business unit, group teams their directory group."""
    assert refused_by(rules.check_team_members_by_hand, isdefault=isdefault, teamtype=teamtype) == expected


@pytest.mark.parametrize("teamtype, has_group, expected", [
    (TeamType.SECURITY_GROUP, False, "ROLE-07"), (TeamType.OFFICE_GROUP, False, "ROLE-07"),
    (TeamType.SECURITY_GROUP, True, None), (TeamType.OFFICE_GROUP, True, None),
    (TeamType.OWNER, False, None), (TeamType.ACCESS, False, None),
])
def test_role_07_group_team_needs_its_group(teamtype, has_group, expected):
    """ROLE-07: a group team is created with the directory group it mirrors."""
    assert refused_by(rules.check_group_team_has_group, teamtype=teamtype, has_group=has_group) == expected


@pytest.mark.parametrize("isdefault, expected", [(False, None), (True, "ENV-05")])
def test_env_05_default_team_keeps_its_name_and_lives(isdefault, expected):
    """ENV-05: a business unit's default team is neither renamed nor deleted."""
    assert refused_by(rules.check_default_team_renamed, isdefault=isdefault) == expected
    assert refused_by(rules.check_team_deletable, isdefault=isdefault) == expected


# --- ONPREM-02 ------------------------------------------------------------------------------


@pytest.mark.parametrize("on_premises, expected", [(True, None), (False, "ONPREM-02")])
def test_onprem_02_only_on_premises_records_are_edited_by_hand(on_premises, expected):
    """ONPREM-02: online records follow the directory; on-premises records are edited by hand."""
    assert refused_by(rules.check_edited_by_hand, on_premises=on_premises) == expected


# --- DIR-05: Membership > Add me ------------------------------------------------------------


@pytest.mark.parametrize("roles, has_group, member, allowed", [
    pytest.param({AdminRole.GLOBAL}, True, False, True, id="global-any-environment"),
    pytest.param({AdminRole.POWER_PLATFORM}, True, False, True, id="power-platform-any-environment"),
    pytest.param({AdminRole.DYNAMICS_365}, False, False, True, id="d365-no-group"),
    pytest.param({AdminRole.DYNAMICS_365}, True, True, True, id="d365-member"),
    pytest.param({AdminRole.DYNAMICS_365}, True, False, False, id="d365-not-member"),
    pytest.param({AdminRole.USER}, False, False, False, id="user-admin"),
    pytest.param({AdminRole.GLOBAL_READER}, False, False, False, id="global-reader"),
    pytest.param(set(), False, False, False, id="no-admin-role"),
])
def test_dir_05_add_me(roles, has_group, member, allowed):
    """DIR-05: Global and Power Platform admins add themselves anywhere, a Dynamics 365 admin only
    where it manages the environment; nobody else. The refusal and the check agree."""
    facts = {"roles": frozenset(roles), "has_security_group": has_group, "in_security_group": member}
    assert (rules.add_me_refusal(**facts) is None) == allowed
    assert refused_by(rules.check_add_me, signed_in=True, **facts) == (None if allowed else "DIR-05")


def test_dir_05_add_me_needs_a_signed_in_directory_user():
    """DIR-05: without a directory user signed in to the portal, nobody is added, whatever the roles."""
    with pytest.raises(rules.RuleViolation, match="signed in to the portal") as exc:
        rules.check_add_me(signed_in=False, roles=frozenset({AdminRole.GLOBAL}))
    assert exc.value.rule == "DIR-05"


# --- MODE-03, MODE-05, MODE-07, ELIG-02 on a record -----------------------------------------


@pytest.mark.parametrize("count, expected", [
    (0, None), (MAX_NON_INTERACTIVE_USERS - 1, None), (MAX_NON_INTERACTIVE_USERS, "MODE-03"),
])
def test_mode_03_capacity_message_says_the_number_once(count, expected):
    """MODE-03: the cap is choices.MAX_NON_INTERACTIVE_USERS, and the refusal says it once."""
    assert refused_by(rules.check_non_interactive_capacity, count) == expected
    if expected:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_non_interactive_capacity(count)
        assert exc.value.message.count(str(MAX_NON_INTERACTIVE_USERS)) == 1


@pytest.mark.parametrize("user_type, expected, label", [
    (UserType.DELEGATED_ADMIN, "MODE-05", "delegated admin"),
    (UserType.SUPPORT, "MODE-07", "support"),
    *[(kind, None, "") for kind in (*PEOPLE, UserType.APPLICATION, UserType.STUB)],
])
def test_mode_05_mode_07_placeholders(user_type, expected, label):
    """MODE-05 (delegated admin) and MODE-07 (support user): the placeholders are neither edited nor
    deleted, and follow no directory user; every other record passes both checks."""
    assert refused_by(rules.check_placeholder_editable, user_type=user_type, action="roles") == expected
    assert refused_by(rules.check_placeholder_synchronised, user_type=user_type, action="refresh") == expected
    if expected:
        with pytest.raises(rules.RuleViolation, match=f"The {label} placeholder cannot be edited or deleted"):
            rules.check_placeholder_editable(user_type=user_type, action="roles")


@pytest.mark.parametrize("exists, expected", [(True, None), (False, "ELIG-02")])
def test_elig_02_record_without_its_directory_user(exists, expected):
    """ELIG-02: a record whose directory user no longer exists has nothing to refresh."""
    assert refused_by(rules.check_directory_user_exists, exists=exists) == expected


@pytest.mark.parametrize("refused, expected", [
    pytest.param((), None, id="admitted"),
    pytest.param(("ELIG-03",), "ELIG-03", id="one-rule"),
    pytest.param(("ELIG-04", "ELIG-03"), "ELIG-04", id="first-rule-named"),
])
def test_elig_admin_add_refusal_names_the_first_rule(refused, expected):
    """ELIG-01..06: an admin add refused by the rules is one refusal under the first rule, naming them all."""
    assert refused_by(rules.check_admitted, refused, user_name="ann@contoso.com", environment_name="Sales") == expected
    if refused:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_admitted(refused, user_name="ann@contoso.com", environment_name="Sales")
        assert exc.value.message == f"ann@contoso.com cannot be added to Sales: {', '.join(refused)} refused."
