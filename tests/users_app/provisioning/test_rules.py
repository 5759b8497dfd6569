"""Truth tables for the pure rule functions of users_app/provisioning/rules.py,
over hand-built snapshots (no database). Every table names the rule IDs of
docs/rules.md it proves, so `grep -r RULE-ID tests/` finds it."""
from __future__ import annotations


import pytest

from tests.users_app.provisioning.conftest import ALICE, CREATOR, DV, GROUP, MS, OF, OTHER_GROUP, TEAM, env, grouped, ids, rec, teams_env, user
from users_app.provisioning import rules
from users_app.provisioning.types import (
    ADMINISTRATIVE,
    DEFAULT,
    DEVELOPER,
    DYNAMICS_365_ADMIN,
    FAIL,
    GLOBAL_ADMIN,
    NA,
    NON_INTERACTIVE,
    PASS,
    POWER_PLATFORM_ADMIN,
    PRODUCTION,
    READ,
    READ_WRITE,
    REGULAR,
    SANDBOX,
    SETUP,
    TRIAL,
    Mode,
)

OD, BG = Mode.ON_DEMAND, Mode.BACKGROUND

# --- ELIG-01 / ENV-02 ------------------------------------------------------------------


@pytest.mark.parametrize("mode", [OD, BG], ids=["on_demand", "background"])
@pytest.mark.parametrize("dataverse, expected", [
    pytest.param(True, PASS, id="dataverse-pass"),
    pytest.param(False, FAIL, id="no-dataverse-fail"),
])
def test_elig_01_dataverse_database(dataverse, expected, mode):
    """ELIG-01 (ENV-02): the environment must have a Dataverse database."""
    result = rules.check_dataverse_database(user(licence_kinds=DV), env(dataverse=dataverse), None, mode)
    assert result.rule == "ELIG-01"
    assert result.result == expected
    if expected == FAIL:
        assert result.fix


@pytest.mark.parametrize("mode", [OD, BG], ids=["on_demand", "background"])
@pytest.mark.parametrize("record", [None, rec(direct_roles=("Basic User",))], ids=["no-record", "record"])
def test_elig_01_failure_makes_every_later_check_na_diag_01(mode, record):
    """DIAG-01: every check after ELIG-01 is n/a when ELIG-01 fails, even for a user who would fail them all."""
    u = user(deleted="soft", licence_kinds=OF)
    results = rules.evaluate(u, grouped(dataverse=False, type=DEVELOPER, licence_type="app_pass"), record, mode)
    assert ids(results) == ["ELIG-01", "ELIG-02", "ELIG-03", "ELIG-04", "ELIG-05", "ELIG-06"]
    assert [c.result for c in results] == [FAIL, NA, NA, NA, NA, NA]


def test_elig_evaluate_order_and_all_failures_reported_diag_01():
    """DIAG-01: ELIG-01..06 in order; several failing checks are all reported, in this order."""
    u = user(deleted="soft", licence_kinds=OF, object_id=ALICE)
    results = rules.evaluate(u, grouped(type=DEVELOPER, created_by_object_id=CREATOR), None, OD)
    assert ids(results) == list(rules.ACCESS_RULE_IDS)
    assert [c.rule for c in results if c.failed] == ["ELIG-02", "ELIG-03", "ELIG-04", "ELIG-05"]
    assert all(c.reason for c in results)
    assert all(c.fix for c in results if c.failed)


@pytest.mark.parametrize("dataverse, raises", [
    pytest.param(True, False, id="dataverse-ok"),
    pytest.param(False, True, id="no-dataverse-refused"),
])
def test_env_02_no_user_table_without_dataverse(dataverse, raises):
    """ENV-02: without Dataverse no user can be added and enable/disable do not apply."""
    if raises:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_has_dataverse(dataverse=dataverse)
        assert exc.value.rule == "ENV-02"
        assert str(exc.value).startswith("ENV-02: ")
    else:
        assert rules.check_has_dataverse(dataverse=dataverse) is None


# --- ELIG-02 ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [OD, BG], ids=["on_demand", "background"])
@pytest.mark.parametrize("kw, expected", [
    pytest.param(dict(), PASS, id="enabled"),
    pytest.param(dict(account_enabled=False), FAIL, id="sign-in-blocked"),
    pytest.param(dict(deleted="soft"), FAIL, id="soft-deleted-DIR-04"),
    pytest.param(dict(deleted="hard"), FAIL, id="hard-deleted"),
    pytest.param(dict(deleted="soft", account_enabled=True, admin_roles=frozenset({GLOBAL_ADMIN})), FAIL,
                 id="soft-deleted-admin"),
])
def test_elig_02_directory_account_enabled_not_deleted(kw, expected, mode):
    """ELIG-02 (DIR-04): enabled, and neither deleted nor soft-deleted."""
    result = rules.check_account_enabled(user(licence_kinds=DV, **kw), env(), None, mode)
    assert (result.rule, result.result) == ("ELIG-02", expected)


# --- ELIG-03 ----------------------------------------------------------------------------

ELIG_03_TABLE = [
    # (user kwargs, environment, record, on-demand result, background result)
    pytest.param(dict(licence_kinds=DV), env(), None, PASS, PASS, id="dataverse-licence"),
    pytest.param(dict(), env(), None, FAIL, FAIL, id="no-licence"),
    pytest.param(dict(licence_kinds=OF), env(), None, FAIL, FAIL, id="e-office-never-counts"),
    pytest.param(dict(licence_kinds=OF), teams_env(), None, FAIL, FAIL, id="e-office-never-counts-teams"),
    pytest.param(dict(licence_kinds=MS), env(), None, PASS, FAIL, id="e-m365-on-demand-only"),
    pytest.param(dict(licence_kinds=MS | OF), env(), None, PASS, FAIL, id="e-m365-and-office-on-demand-only"),
    pytest.param(dict(licence_kinds=DV | MS), env(), None, PASS, PASS, id="dataverse-and-m365"),
    # DIR-07: guests
    pytest.param(dict(is_guest=True, home_tenant_licences=("DYN365_SALES",)), env(), None, FAIL, FAIL,
                 id="guest-home-tenant-dataverse-never-counts-DIR-07"),
    pytest.param(dict(is_guest=True, home_tenant_licences=("ENTERPRISEPACK",)), env(), None, FAIL, FAIL,
                 id="guest-home-tenant-m365-never-counts-DIR-07"),
    pytest.param(dict(is_guest=True, home_tenant_licences=("ENTERPRISEPACK",), direct_groups=frozenset({TEAM})),
                 teams_env(), None, FAIL, FAIL, id="guest-home-tenant-m365-never-counts-in-teams-DIR-07"),
    pytest.param(dict(is_guest=True, licence_kinds=DV), env(), None, PASS, PASS, id="guest-this-tenant-dataverse"),
    pytest.param(dict(is_guest=True, licence_kinds=DV, home_tenant_licences=("X",)), env(), None, PASS, PASS,
                 id="guest-this-tenant-dataverse-plus-home"),
    # a) service admins
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), env(), None, PASS, PASS, id="a-global-admin-no-licence"),
    pytest.param(dict(admin_roles=frozenset({POWER_PLATFORM_ADMIN})), env(), None, PASS, PASS, id="a-pp-admin-no-licence"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN})), env(), None, PASS, PASS, id="a-d365-admin-no-licence"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN}), licence_kinds=OF), env(), None, PASS, PASS,
                 id="a-admin-office-only"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN}), licence_kinds=MS), env(), None, PASS, PASS,
                 id="a-admin-m365-only"),
    pytest.param(dict(admin_roles=frozenset({"User Administrator", "License Administrator"})), env(), None, FAIL, FAIL,
                 id="a-user-and-licence-admin-are-not-service-admins"),
    # b) app-pass capacity
    pytest.param(dict(), env(app_pass_capacity_left=3), None, PASS, FAIL, id="b-capacity-standard-env-on-demand-only"),
    pytest.param(dict(), env(licence_type="app_pass", app_pass_capacity_left=1), None, PASS, FAIL,
                 id="b-capacity-app-pass-env-on-demand-only"),
    pytest.param(dict(), env(licence_type="app_pass", app_pass_capacity_left=0), None, FAIL, FAIL,
                 id="b-capacity-used-up-fails"),
    pytest.param(dict(), env(licence_type="app_pass"), rec(uses_app_pass=True), PASS, FAIL,
                 id="b-holds-its-own-unit"),
    pytest.param(dict(), env(licence_type="app_pass"), rec(isdisabled=True, uses_app_pass=True), FAIL, FAIL,
                 id="b-disabled-record-holds-no-unit"),
    pytest.param(dict(licence_kinds=OF), env(app_pass_capacity_left=2), None, PASS, FAIL, id="b-office-with-capacity"),
    # c) tenant-level Marketing licence
    pytest.param(dict(), env(marketing_licence=True), None, PASS, FAIL, id="c-marketing-on-demand-only"),
    # d) non-interactive and Administrative access modes
    pytest.param(dict(), env(), rec(accessmode=NON_INTERACTIVE, user_type="non_interactive"), PASS, PASS,
                 id="d-non-interactive-needs-none-MODE-03"),
    pytest.param(dict(), env(), rec(accessmode=ADMINISTRATIVE, user_type=REGULAR), PASS, PASS,
                 id="d-administrative-needs-none-MODE-02"),
    pytest.param(dict(), env(), rec(accessmode=READ), FAIL, FAIL, id="d-read-mode-needs-a-licence"),
    pytest.param(dict(), env(), rec(accessmode=READ_WRITE), FAIL, FAIL, id="d-read-write-needs-a-licence"),
    # ELIG-05: in a Teams environment an m365 licence counts
    pytest.param(dict(licence_kinds=MS, direct_groups=frozenset({TEAM})), teams_env(), None, PASS, PASS,
                 id="teams-m365-counts-ELIG-05"),
    pytest.param(dict(licence_kinds=DV, direct_groups=frozenset({TEAM})), teams_env(), None, PASS, PASS,
                 id="teams-dataverse-counts-ELIG-05"),
]


@pytest.mark.parametrize("kw, environment, record, on_demand, background", ELIG_03_TABLE)
def test_elig_03_licence_truth_table(kw, environment, record, on_demand, background):
    """ELIG-03 with exceptions a-e, DIR-07 (guests), office never, m365 on demand only."""
    u = user(**kw)
    od = rules.check_licence(u, environment, record, OD)
    bg = rules.check_licence(u, environment, record, BG)
    assert (od.rule, od.result) == ("ELIG-03", on_demand)
    assert (bg.rule, bg.result) == ("ELIG-03", background)
    for r in (od, bg):
        assert r.reason
        if r.failed:
            assert r.fix


def test_elig_03_guest_home_licence_never_counts_reason_dir_07():
    """ELIG-03 / DIR-07: the failure says a home-tenant licence never counts here."""
    result = rules.check_licence(user(is_guest=True, home_tenant_licences=("DYN365_SALES",)), env(), None, OD)
    assert result.failed
    assert "DIR-07" in result.reason and "home tenant" in result.reason


@pytest.mark.parametrize("kw, environment, record, basis", [
    pytest.param(dict(licence_kinds=DV), env(app_pass_capacity_left=5), None, "dataverse", id="licence-uses-no-unit"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), env(app_pass_capacity_left=5), None, "admin",
                 id="admin-uses-no-unit"),
    pytest.param(dict(), env(), rec(accessmode=NON_INTERACTIVE, user_type="non_interactive"), "non_interactive",
                 id="non-interactive"),
    pytest.param(dict(), env(app_pass_capacity_left=5), None, "app_pass", id="unlicensed-uses-a-unit"),
    pytest.param(dict(), env(licence_type="app_pass"), rec(uses_app_pass=True), "app_pass", id="keeps-own-unit"),
    pytest.param(dict(), env(marketing_licence=True), None, "marketing", id="marketing"),
    pytest.param(dict(licence_kinds=MS), env(), None, "m365", id="m365"),
    pytest.param(dict(licence_kinds=MS), env(app_pass_capacity_left=5), None, "m365", id="m365-spends-no-unit"),
    pytest.param(dict(licence_kinds=OF), env(), None, None, id="office-none"),
])
def test_elig_03_b_licence_basis_decides_app_pass_accounting(kw, environment, record, basis):
    """ELIG-03 b: only a user admitted through app-pass capacity uses a unit of it."""
    assert rules.licence_basis(user(**kw), environment, record, OD) == basis


# --- ELIG-04 ----------------------------------------------------------------------------

ELIG_04_TABLE = [
    pytest.param(dict(), env(), NA, NA, id="no-group-na"),
    pytest.param(dict(direct_groups=frozenset({GROUP})), grouped(), PASS, PASS, id="direct-member-ENV-03"),
    pytest.param(dict(), grouped(), FAIL, FAIL, id="not-member"),
    pytest.param(dict(direct_groups=frozenset({OTHER_GROUP})), grouped(), FAIL, FAIL, id="member-of-another-group"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), grouped(), PASS, PASS, id="global-admin-bypasses"),
    pytest.param(dict(admin_roles=frozenset({POWER_PLATFORM_ADMIN})), grouped(), PASS, PASS, id="pp-admin-bypasses"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN})), grouped(), FAIL, FAIL,
                 id="d365-admin-must-be-member"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN}), direct_groups=frozenset({GROUP})), grouped(),
                 PASS, PASS, id="d365-admin-member"),
    pytest.param(dict(admin_roles=frozenset({"User Administrator"})), grouped(), FAIL, FAIL,
                 id="user-admin-no-bypass"),
    pytest.param(dict(owned_groups=frozenset({GROUP})), grouped(), PASS, FAIL, id="owner-on-demand-only"),
    pytest.param(dict(nested_groups=frozenset({GROUP})), grouped(), PASS, FAIL, id="nested-member-on-demand-only"),
    pytest.param(dict(nested_groups=frozenset({OTHER_GROUP}), owned_groups=frozenset({OTHER_GROUP})), grouped(),
                 FAIL, FAIL, id="owner-and-nested-of-another-group"),
]


@pytest.mark.parametrize("kw, environment, on_demand, background", ELIG_04_TABLE)
def test_elig_04_security_group_truth_table(kw, environment, on_demand, background):
    """ELIG-04 (ENV-03): direct members; Global / PP admins bypass; D365 admins must be members;
    owners and nested members count on demand only."""
    u = user(licence_kinds=DV, **kw)
    od = rules.check_security_group(u, environment, None, OD)
    bg = rules.check_security_group(u, environment, None, BG)
    assert (od.rule, od.result) == ("ELIG-04", on_demand)
    assert (bg.rule, bg.result) == ("ELIG-04", background)


def test_elig_04_failure_names_group_and_fix_diag_01():
    """ELIG-04 / DIAG-01: reason names the group, fix points at its Members tab."""
    result = rules.check_security_group(user(), grouped(), None, OD)
    assert result.failed
    assert "Sales-Env" in result.reason
    assert "Members tab" in result.fix and "Sales-Env" in result.fix


# --- ELIG-05 ----------------------------------------------------------------------------

ELIG_05_TABLE = [
    pytest.param(dict(), env(type=PRODUCTION), NA, NA, id="production-na"),
    pytest.param(dict(), env(type=SANDBOX), NA, NA, id="sandbox-na"),
    pytest.param(dict(), env(type=DEFAULT), NA, NA, id="default-like-production-na"),
    pytest.param(dict(), env(type=TRIAL), PASS, FAIL, id="trial-on-demand-only"),
    pytest.param(dict(object_id=CREATOR), env(type=DEVELOPER, created_by_object_id=CREATOR), PASS, PASS,
                 id="developer-creator"),
    pytest.param(dict(), env(type=DEVELOPER, created_by_object_id=CREATOR), FAIL, FAIL, id="developer-not-creator"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), env(type=DEVELOPER, created_by_object_id=CREATOR),
                 FAIL, FAIL, id="developer-global-admin-not-creator"),
    pytest.param(dict(), env(type=DEVELOPER), FAIL, FAIL, id="developer-no-creator-known"),
    pytest.param(dict(direct_groups=frozenset({TEAM})), teams_env(), PASS, FAIL, id="teams-member-on-demand-only"),
    pytest.param(dict(owned_groups=frozenset({TEAM})), teams_env(), PASS, FAIL, id="teams-owner-on-demand-only"),
    pytest.param(dict(is_guest=True, direct_groups=frozenset({TEAM})), teams_env(), PASS, FAIL,
                 id="teams-guest-on-demand-only"),
    pytest.param(dict(), teams_env(), FAIL, FAIL, id="teams-not-in-team"),
    pytest.param(dict(nested_groups=frozenset({TEAM})), teams_env(), FAIL, FAIL, id="teams-nested-member-not-direct"),
    pytest.param(dict(direct_groups=frozenset({OTHER_GROUP})), teams_env(), FAIL, FAIL, id="teams-other-group"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), teams_env(), PASS, FAIL, id="teams-global-admin-bypass"),
    pytest.param(dict(admin_roles=frozenset({POWER_PLATFORM_ADMIN})), teams_env(), PASS, FAIL,
                 id="teams-pp-admin-bypass"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN})), teams_env(), FAIL, FAIL,
                 id="teams-d365-admin-must-be-member"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN}), direct_groups=frozenset({TEAM})), teams_env(),
                 PASS, FAIL, id="teams-d365-admin-member"),
]


@pytest.mark.parametrize("kw, environment, on_demand, background", ELIG_05_TABLE)
def test_elig_05_environment_type_truth_table(kw, environment, on_demand, background):
    """ELIG-05: Trial on demand only; Developer creator only; Teams team only, on demand only,
    Global / PP admins bypass, D365 admins must be members; Production / Sandbox / Default n/a."""
    u = user(licence_kinds=DV, **kw)
    od = rules.check_environment_type(u, environment, None, OD)
    bg = rules.check_environment_type(u, environment, None, BG)
    assert (od.rule, od.result) == ("ELIG-05", on_demand)
    assert (bg.rule, bg.result) == ("ELIG-05", background)


@pytest.mark.parametrize("kw, word", [
    pytest.param(dict(direct_groups=frozenset({TEAM})), "member", id="member"),
    pytest.param(dict(owned_groups=frozenset({TEAM})), "owner", id="owner"),
    pytest.param(dict(is_guest=True, direct_groups=frozenset({TEAM})), "guest", id="guest"),
])
def test_elig_05_teams_reason_names_owner_member_or_guest(kw, word):
    """ELIG-05: the pass reason says in which capacity the user belongs to the team, and names it."""
    result = rules.check_environment_type(user(**kw), teams_env(), None, OD)
    assert result.result == PASS
    assert word in result.reason.lower() and "Project X" in result.reason


# --- ELIG-06 ----------------------------------------------------------------------------

ELIG_06_TABLE = [
    pytest.param(dict(licence_kinds=DV), env(), None, NA, NA, id="production-licensed-na"),
    pytest.param(dict(licence_kinds=DV), env(type=TRIAL), None, NA, NA, id="trial-is-ELIG-05-not-06"),
    pytest.param(dict(licence_kinds=DV, direct_groups=frozenset({TEAM})), teams_env(), None, PASS, FAIL,
                 id="teams-environment"),
    pytest.param(dict(licence_kinds=DV), env(licence_type="app_pass"), None, PASS, FAIL, id="app-pass-environment"),
    pytest.param(dict(licence_kinds=DV), env(licence_type="app_pass", app_pass_capacity_left=0), None, PASS, FAIL,
                 id="app-pass-environment-no-capacity"),
    pytest.param(dict(licence_kinds=MS), env(), None, PASS, FAIL, id="only-m365"),
    pytest.param(dict(licence_kinds=MS | OF), env(), None, PASS, FAIL, id="m365-and-office"),
    pytest.param(dict(licence_kinds=DV | MS), env(), None, NA, NA, id="dataverse-and-m365"),
    pytest.param(dict(licence_kinds=MS, admin_roles=frozenset({GLOBAL_ADMIN})), env(), None, NA, NA,
                 id="admin-with-only-m365-added-by-sync-MODE-02"),
    pytest.param(dict(licence_kinds=MS), env(), rec(accessmode=NON_INTERACTIVE, user_type="non_interactive"), NA, NA,
                 id="non-interactive-with-m365-MODE-03"),
    pytest.param(dict(licence_kinds=OF), env(), None, NA, NA, id="office-only-not-a-case"),
    # "those whose only licence is a free Dataverse plan from Microsoft 365", whatever other
    # on-demand exception may also admit them
    pytest.param(dict(licence_kinds=MS), env(marketing_licence=True), None, PASS, FAIL,
                 id="only-m365-with-marketing"),
    pytest.param(dict(licence_kinds=MS), env(app_pass_capacity_left=4), None, PASS, FAIL,
                 id="only-m365-with-app-pass-capacity"),
]


@pytest.mark.parametrize("kw, environment, record, on_demand, background", ELIG_06_TABLE)
def test_elig_06_on_demand_only_truth_table(kw, environment, record, on_demand, background):
    """ELIG-06: pass "added on demand only" on demand (never blocks), fail in the background, n/a otherwise."""
    u = user(**kw)
    od = rules.check_on_demand_only(u, environment, record, OD)
    bg = rules.check_on_demand_only(u, environment, record, BG)
    assert (od.rule, od.result) == ("ELIG-06", on_demand)
    assert (bg.rule, bg.result) == ("ELIG-06", background)
    if on_demand == PASS:
        assert "added on demand only" in od.reason.lower()


# --- ROLE-01 / DIAG-03 ------------------------------------------------------------------


@pytest.mark.parametrize("record, expected, words", [
    pytest.param(None, NA, [], id="no-record-na"),
    pytest.param(rec(direct_roles=("Basic User", "Salesperson")), PASS, ["Basic User", "Salesperson"], id="direct"),
    pytest.param(rec(isdisabled=True, direct_roles=("Basic User",)), PASS, ["Basic User"], id="direct-disabled"),
    pytest.param(rec(team_roles=(("Sales Team", "Salesperson"),)), PASS, ["Sales Team", "Salesperson"],
                 id="through-team-DIAG-03"),
    pytest.param(rec(direct_roles=(), team_roles=()), FAIL, [], id="none"),
])
def test_role_01_security_role_truth_table(record, expected, words):
    """ROLE-01: a role held directly or through a team; DIAG-03: the team is named; n/a without a record."""
    result = rules.check_security_role(user(licence_kinds=DV), env(), record, OD)
    assert (result.rule, result.result) == ("ROLE-01", expected)
    for word in words:
        assert word in result.reason
    if expected == FAIL:
        assert result.fix


# --- MODE-02 and the admin table -----------------------------------------------------------

ADMIN_TABLE = [
    # directory user -> (accessmode, user_type, setupuser): rules.md "Admins and licences, at a glance"
    pytest.param(dict(licence_kinds=DV), (READ_WRITE, REGULAR, False), id="dataverse-no-admin"),
    pytest.param(dict(licence_kinds=DV, admin_roles=frozenset({GLOBAL_ADMIN})), (READ_WRITE, REGULAR, False),
                 id="global-admin-dataverse"),
    pytest.param(dict(licence_kinds=DV, admin_roles=frozenset({POWER_PLATFORM_ADMIN})), (READ_WRITE, REGULAR, False),
                 id="pp-admin-dataverse"),
    pytest.param(dict(licence_kinds=DV, admin_roles=frozenset({DYNAMICS_365_ADMIN})), (READ_WRITE, REGULAR, False),
                 id="d365-admin-dataverse"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), (ADMINISTRATIVE, SETUP, True), id="global-admin-none"),
    pytest.param(dict(admin_roles=frozenset({POWER_PLATFORM_ADMIN})), (ADMINISTRATIVE, SETUP, True),
                 id="pp-admin-none"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN})), (ADMINISTRATIVE, SETUP, True),
                 id="d365-admin-none"),
    pytest.param(dict(licence_kinds=MS, admin_roles=frozenset({GLOBAL_ADMIN})), (ADMINISTRATIVE, SETUP, True),
                 id="admin-m365-only"),
    pytest.param(dict(licence_kinds=OF, admin_roles=frozenset({DYNAMICS_365_ADMIN})), (ADMINISTRATIVE, SETUP, True),
                 id="admin-office-only"),
    pytest.param(dict(licence_kinds=MS), (READ_WRITE, REGULAR, False), id="m365-no-admin"),
    pytest.param(dict(admin_roles=frozenset({"User Administrator"})), (READ_WRITE, REGULAR, False),
                 id="user-administrator-is-not-a-service-admin"),
]


@pytest.mark.parametrize("kw, expected", ADMIN_TABLE)
def test_mode_02_admin_table_access_mode_for_new_record(kw, expected):
    """MODE-02 (MODE-01 values): the access mode and user type of a new record."""
    assert rules.access_mode_for(user(**kw), None) == expected


@pytest.mark.parametrize("kw, record, expected", [
    # an access mode an admin chose is kept (MODE-02, MODE-03)
    pytest.param(dict(licence_kinds=DV), rec(accessmode=NON_INTERACTIVE, user_type="non_interactive"),
                 (NON_INTERACTIVE, "non_interactive", False), id="non-interactive-kept"),
    pytest.param(dict(licence_kinds=DV, admin_roles=frozenset({GLOBAL_ADMIN})),
                 rec(accessmode=NON_INTERACTIVE, user_type="non_interactive"),
                 (NON_INTERACTIVE, "non_interactive", False), id="non-interactive-kept-for-admin"),
    pytest.param(dict(licence_kinds=DV), rec(accessmode=READ), (READ, REGULAR, False), id="read-kept"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), rec(accessmode=READ), (READ, REGULAR, False),
                 id="read-kept-for-unlicensed-admin"),
    pytest.param(dict(licence_kinds=DV), rec(accessmode=ADMINISTRATIVE, user_type=REGULAR),
                 (ADMINISTRATIVE, REGULAR, False), id="administrative-kept-for-non-admin"),
    pytest.param(dict(), rec(accessmode=ADMINISTRATIVE, user_type=REGULAR),
                 (ADMINISTRATIVE, REGULAR, False), id="administrative-kept-for-unlicensed-non-admin"),
    # managed between Read-Write and Administrative for admin-role holders as licences change
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), rec(accessmode=READ_WRITE),
                 (ADMINISTRATIVE, SETUP, True), id="admin-loses-licence-becomes-setup"),
    pytest.param(dict(licence_kinds=DV, admin_roles=frozenset({GLOBAL_ADMIN})),
                 rec(accessmode=ADMINISTRATIVE, user_type=SETUP), (READ_WRITE, REGULAR, False),
                 id="setup-admin-gets-licence-becomes-read-write"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN})), rec(accessmode=ADMINISTRATIVE, user_type=SETUP),
                 (ADMINISTRATIVE, SETUP, True), id="setup-admin-stays-setup"),
    # "administrative for a non-admin" is the kept case; for an admin-role holder the sync manages it
    pytest.param(dict(licence_kinds=DV, admin_roles=frozenset({GLOBAL_ADMIN})),
                 rec(accessmode=ADMINISTRATIVE, user_type=REGULAR), (READ_WRITE, REGULAR, False),
                 id="administrative-of-licensed-admin-managed-to-read-write"),
    pytest.param(dict(admin_roles=frozenset({POWER_PLATFORM_ADMIN})),
                 rec(accessmode=ADMINISTRATIVE, user_type=REGULAR), (ADMINISTRATIVE, SETUP, True),
                 id="administrative-of-unlicensed-admin-managed-as-setup-user"),
])
def test_mode_02_access_mode_kept_or_managed(kw, record, expected):
    """MODE-02: admin-chosen modes (non-interactive, read, administrative for a non-admin) are kept;
    for admin-role holders the mode follows licences between Read-Write and Administrative."""
    assert rules.access_mode_for(user(**kw), record) == expected


# --- MODE-03 / MODE-04 --------------------------------------------------------------------


@pytest.mark.parametrize("count, raises", [
    pytest.param(0, False, id="first"),
    pytest.param(6, False, id="seventh"),
    pytest.param(7, True, id="eighth-refused"),
    pytest.param(9, True, id="beyond"),
])
def test_mode_03_at_most_seven_non_interactive(count, raises):
    """MODE-03: at most seven non-interactive records per environment; the eighth is a clear error."""
    if raises:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_non_interactive_capacity(count)
        assert exc.value.rule == "MODE-03"
        assert "7" in exc.value.message
    else:
        assert rules.check_non_interactive_capacity(count) is None


@pytest.mark.parametrize("record, expected", [
    pytest.param(rec(accessmode=NON_INTERACTIVE, user_type="non_interactive"), FAIL, id="non-interactive-refused"),
    pytest.param(rec(isdisabled=True, accessmode=NON_INTERACTIVE, user_type="non_interactive"), FAIL,
                 id="disabled-non-interactive-refused"),
    pytest.param(rec(accessmode=READ_WRITE), PASS, id="read-write"),
    pytest.param(rec(accessmode=ADMINISTRATIVE, user_type=SETUP), PASS, id="administrative"),
    pytest.param(None, NA, id="no-record"),
])
def test_mode_03_sign_in_refused_for_non_interactive(record, expected):
    """MODE-03: a non-interactive user's attempt to sign in is refused by this rule."""
    result = rules.check_sign_in_allowed(record)
    assert (result.rule, result.result) == ("MODE-03", expected)


@pytest.mark.parametrize("sysadmin, roles, allowed", [
    pytest.param(True, frozenset(), True, id="system-administrator"),
    pytest.param(False, frozenset({GLOBAL_ADMIN}), True, id="global-admin"),
    pytest.param(False, frozenset({POWER_PLATFORM_ADMIN}), True, id="pp-admin"),
    pytest.param(False, frozenset({DYNAMICS_365_ADMIN}), False, id="d365-admin-alone-refused"),
    pytest.param(False, frozenset({"User Administrator"}), False, id="user-admin-refused"),
    pytest.param(False, frozenset(), False, id="nobody-refused"),
])
def test_mode_04_who_may_change_access_mode(sysadmin, roles, allowed):
    """MODE-04: System Administrator in the environment, or Global / Power Platform admin."""
    if allowed:
        assert rules.check_may_change_access_mode(is_system_administrator=sysadmin, admin_roles=roles) is None
    else:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_may_change_access_mode(is_system_administrator=sysadmin, admin_roles=roles)
        assert exc.value.rule == "MODE-04"


# --- FIELD-01..06, MODE-06 -------------------------------------------------------------

PROFILE = {
    "domainname": "alice@contoso.onmicrosoft.com", "fullname": "Alice Ng", "jobtitle": "Buyer",
    "firstname": "Alice", "lastname": "Ng", "internalemailaddress": "alice@contoso.com",
    "address1_telephone1": "+1 555 0100", "mobilephone": "+1 555 0101", "address1_line1": "1 Main St",
    "address1_city": "Seattle", "address1_stateorprovince": "WA", "address1_postalcode": "98052",
    "address1_country": "US",
}
MAPPED = set(PROFILE)


def test_field_01_creation_copies_every_mapped_field():
    """FIELD-01: at creation every mapped field is copied."""
    assert rules.synchronised_fields(dict(PROFILE), creating=True) == PROFILE


@pytest.mark.parametrize("email_edited, expected_columns", [
    pytest.param(False, MAPPED - {"fullname"}, id="FIELD-02-03-all-but-fullname"),
    pytest.param(True, MAPPED - {"fullname", "internalemailaddress"}, id="FIELD-04-edited-email-left-alone"),
])
def test_field_02_03_04_later_syncs(email_edited, expected_columns):
    """FIELD-02 every mapped field is updated later, except FIELD-03 fullname and FIELD-04 an edited e-mail."""
    values = rules.synchronised_fields(dict(PROFILE), creating=False, email_edited=email_edited)
    assert set(values) == expected_columns
    assert all(values[c] == PROFILE[c] for c in expected_columns)


def test_field_04_email_follows_directory_until_edited():
    """FIELD-04: a@x -> b@x synced; admin sets c@x; d@x is not synced."""
    assert rules.synchronised_fields({**PROFILE, "internalemailaddress": "b@x"}, creating=False)[
        "internalemailaddress"] == "b@x"
    after_edit = rules.synchronised_fields({**PROFILE, "internalemailaddress": "d@x"}, creating=False,
                                           email_edited=True)
    assert "internalemailaddress" not in after_edit


@pytest.mark.parametrize("creating", [True, False], ids=["creating", "later"])
def test_field_05_custom_fields_never_synchronised(creating):
    """FIELD-05: custom (extension) attributes are never synchronised."""
    values = rules.synchronised_fields({**PROFILE, "extension_costcentre": "42", "new_custom": "x"}, creating=creating)
    assert "extension_costcentre" not in values and "new_custom" not in values
    assert set(values) <= MAPPED


@pytest.mark.parametrize("creating", [True, False], ids=["MODE-06-creating", "FIELD-06-later"])
@pytest.mark.parametrize("firstname, expected", [
    pytest.param("", "#", id="empty"),
    pytest.param("   ", "#", id="blank"),
    pytest.param(None, "#", id="missing"),
    pytest.param("Alice", "Alice", id="given"),
])
def test_mode_06_field_06_blank_first_name_is_hash(firstname, expected, creating):
    """MODE-06 at creation and FIELD-06 on later syncs: a blank first name is '#'."""
    profile = dict(PROFILE)
    if firstname is None:
        del profile["firstname"]
    else:
        profile["firstname"] = firstname
    assert rules.synchronised_fields(profile, creating=creating)["firstname"] == expected


# --- ROLE-02, STUB-03, ROLE-06 ---------------------------------------------------------------


@pytest.mark.parametrize("isdisabled, allow, by_system, raises", [
    pytest.param(False, False, False, False, id="enabled"),
    pytest.param(True, False, False, True, id="disabled-refused"),
    pytest.param(True, True, False, False, id="disabled-allowed-by-setting"),
    pytest.param(True, False, True, False, id="STUB-03-system-assignment-to-disabled"),
    pytest.param(False, True, True, False, id="enabled-everything-on"),
])
def test_role_02_role_assignment_on_disabled_users(isdisabled, allow, by_system, raises):
    """ROLE-02: roles go to enabled users unless allowRoleAssignmentOnDisabledUsers; code
    roleFailureDuetoUserIsDisabled. STUB-03: the import's default role is the system's assignment."""
    kwargs = dict(isdisabled=isdisabled, allow_on_disabled=allow, by_system=by_system, role_name="Basic User")
    if raises:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_role_assignable(**kwargs)
        assert exc.value.rule == "ROLE-02"
        assert exc.value.code == "roleFailureDuetoUserIsDisabled"
        assert str(exc.value).startswith("ROLE-02: roleFailureDuetoUserIsDisabled: ")
    else:
        assert rules.check_role_assignable(**kwargs) is None


@pytest.mark.parametrize("sales, role", [
    pytest.param(True, "Salesperson", id="sales-installed"),
    pytest.param(False, "Basic User", id="elsewhere"),
])
def test_stub_03_import_default_role(sales, role):
    """STUB-03: Salesperson where Dynamics 365 Sales is installed, Basic User elsewhere."""
    assert rules.import_default_role(sales_installed=sales) == role


@pytest.mark.parametrize("setting, kept", [
    pytest.param(False, False, id="default-roles-removed"),
    pytest.param(True, True, id="DoNotRemoveRolesOnChangeBusinessUnit-kept"),
])
def test_role_06_business_unit_change_removes_roles_unless_setting(setting, kept):
    """ROLE-06: changing business unit removes roles unless DoNotRemoveRolesOnChangeBusinessUnit is on."""
    assert rules.roles_kept_on_business_unit_change(setting) is kept


# --- APP-03 / APP-05 -----------------------------------------------------------------------


@pytest.mark.parametrize("editable, raises", [
    pytest.param(False, True, id="default-form-locked"),
    pytest.param(True, False, id="setting-unlocks"),
])
def test_app_03_application_user_status_locked_by_default(editable, raises):
    """APP-03: an application user's status is locked unless the environment setting unlocks it."""
    if raises:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_app_user_status_change(status_editable=editable)
        assert exc.value.rule == "APP-03"
    else:
        assert rules.check_app_user_status_change(status_editable=editable) is None


def test_app_03_disable_warns_integrations_break():
    """APP-03: disabling one warns that every integration using it breaks."""
    assert "integration" in rules.APP_USER_DISABLE_WARNING.lower()


@pytest.mark.parametrize("isdisabled, raises", [
    pytest.param(False, True, id="active-refused"),
    pytest.param(True, False, id="inactive-deletable"),
])
def test_app_05_application_user_deletable_only_inactive(isdisabled, raises):
    """APP-05: an application user can be deleted only while inactive."""
    if raises:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_app_user_deletable(isdisabled=isdisabled)
        assert exc.value.rule == "APP-05"
    else:
        assert rules.check_app_user_deletable(isdisabled=isdisabled) is None


# --- LIFE-05 --------------------------------------------------------------------------------


@pytest.mark.parametrize("directory_state, deletedstate, isdisabled, allowed", [
    pytest.param("hard", 0, True, True, id="permanently-deleted-disabled-offered"),
    pytest.param("soft", 0, True, False, id="soft-deleted-refused"),
    pytest.param("", 0, True, False, id="still-in-directory-refused"),
    pytest.param("hard", 0, False, False, id="still-enabled-refused"),
    pytest.param("hard", 1, True, False, id="already-deleted-refused"),
])
def test_life_05_delete_offered_after_permanent_directory_deletion(directory_state, deletedstate, isdisabled, allowed):
    """LIFE-05: Delete is offered once the directory user is permanently deleted."""
    kwargs = dict(directory_state=directory_state, deletedstate=deletedstate, isdisabled=isdisabled)
    if allowed:
        assert rules.check_delete_allowed(**kwargs) is None
    else:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_delete_allowed(**kwargs)
        assert exc.value.rule == "LIFE-05"


@pytest.mark.parametrize("deletedstate, owned, setting, allowed", [
    pytest.param(1, 0, True, True, id="deleted-reassigned-allowed"),
    pytest.param(0, 0, True, False, id="not-deleted-first"),
    pytest.param(1, 3, True, False, id="records-not-reassigned"),
    pytest.param(1, 0, False, False, id="setting-off"),
])
def test_life_05_permanent_delete(deletedstate, owned, setting, allowed):
    """LIFE-05: Permanently delete only when records are reassigned and the environment allows it."""
    kwargs = dict(deletedstate=deletedstate, owned_records=owned, allow_delete_disabled_users=setting)
    if allowed:
        assert rules.check_permanent_delete_allowed(**kwargs) is None
    else:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_permanent_delete_allowed(**kwargs)
        assert exc.value.rule == "LIFE-05"


# --- STUB-01 / STUB-02, ONPREM-01 ------------------------------------------------------------


@pytest.mark.parametrize("user_type, action, rule", [
    pytest.param("stub", "refresh", "STUB-02", id="stub-refresh-STUB-02"),
    pytest.param("stub", "diagnose", "STUB-02", id="stub-diagnose-STUB-02"),
    pytest.param("stub", "enable", "STUB-01", id="stub-enable-STUB-01"),
    pytest.param("stub", "sign_in", "STUB-01", id="stub-sign-in-STUB-01"),
    pytest.param(REGULAR, "refresh", None, id="regular-refresh-ok"),
    pytest.param(REGULAR, "enable", None, id="regular-enable-ok"),
    pytest.param("application", "diagnose", None, id="application-diagnose-ok"),
])
def test_stub_01_02_stub_users_refused(user_type, action, rule):
    """STUB-01: a stub cannot sign in or be enabled; STUB-02: no Refresh user or Run diagnostics."""
    if rule:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_not_stub(user_type=user_type, action=action)
        assert exc.value.rule == rule
    else:
        assert rules.check_not_stub(user_type=user_type, action=action) is None


@pytest.mark.parametrize("on_premises, raises", [
    pytest.param(True, True, id="on-premises-refused"),
    pytest.param(False, False, id="online-ok"),
])
def test_onprem_01_online_only(on_premises, raises):
    """ONPREM-01: on-premises environments take no directory users."""
    if raises:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_online(on_premises=on_premises)
        assert exc.value.rule == "ONPREM-01"
    else:
        assert rules.check_online(on_premises=on_premises) is None


# --- DIR-02 / DIR-10 ----------------------------------------------------------------------


@pytest.mark.parametrize("seats, used, adding, raises", [
    pytest.param(25, 0, 1, False, id="first-seat"),
    pytest.param(25, 24, 1, False, id="last-seat"),
    pytest.param(25, 25, 1, True, id="beyond-seats"),
    pytest.param(25, 23, 3, True, id="bulk-beyond-seats"),
    pytest.param(0, 0, 1, True, id="no-seats"),
])
def test_dir_02_licence_seats(seats, used, adding, raises):
    """DIR-02: assigning beyond the seats is a clear error."""
    kwargs = dict(sku_name="Dynamics 365 Sales Enterprise", seats=seats, used=used, adding=adding)
    if raises:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_licence_seats(**kwargs)
        assert exc.value.rule == "DIR-02"
        assert "Dynamics 365 Sales Enterprise" in exc.value.message
    else:
        assert rules.check_licence_seats(**kwargs) is None


@pytest.mark.parametrize("location, raises", [
    pytest.param("US", False, id="two-letters"),
    pytest.param(None, True, id="null"),
    pytest.param("", True, id="empty"),
])
def test_dir_10_usage_location_required(location, raises):
    """DIR-10: a licence can be assigned only to a user with a usage location."""
    if raises:
        with pytest.raises(rules.RuleViolation) as exc:
            rules.check_usage_location(usage_location=location)
        assert exc.value.rule == "DIR-10"
    else:
        assert rules.check_usage_location(usage_location=location) is None


# --- ENV-06 / ENV-07 -----------------------------------------------------------------------


@pytest.mark.parametrize("kw, environment, roles", [
    pytest.param(dict(licence_kinds=DV), env(type=DEFAULT, name="Contoso (default)"),
                 ("Basic User", "Environment Maker"), id="ENV-06-default"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), env(type=DEFAULT, name="Contoso (default)"),
                 ("Basic User", "Environment Maker"), id="ENV-06-default-admin"),
    pytest.param(dict(licence_kinds=DV), env(type=PRODUCTION), (), id="production-none"),
    pytest.param(dict(licence_kinds=DV), env(type=SANDBOX), (), id="sandbox-none"),
    pytest.param(dict(licence_kinds=DV), env(type=TRIAL), (), id="trial-none"),
    pytest.param(dict(owned_groups=frozenset({TEAM}), direct_groups=frozenset({TEAM})), teams_env(),
                 ("System Administrator",), id="ENV-07-owner-system-administrator"),
    pytest.param(dict(direct_groups=frozenset({TEAM})), teams_env(), ("Teams Member",), id="ENV-07-member"),
    pytest.param(dict(is_guest=True, direct_groups=frozenset({TEAM})), teams_env(), ("Teams Guest",),
                 id="ENV-07-guest"),
])
def test_env_06_env_07_default_roles_on_add(kw, environment, roles):
    """ENV-06: Default environment users get Basic User and Environment Maker.
    ENV-07: a Teams environment's owners get System Administrator, members Teams Member, guests Teams Guest."""
    assert tuple(rules.default_roles_on_add(user(**kw), environment)) == roles


@pytest.mark.parametrize(("had_roles", "keeps_any", "confirmed", "refused"), [
    (True, False, False, True),   # the last role goes without confirmation: discouraged
    (True, False, True, False),   # confirmed
    (True, True, False, False),   # some role is kept
    (False, False, False, False),  # nothing to remove
])
def test_role_03_removing_every_role_needs_confirmation(had_roles, keeps_any, confirmed, refused):
    """ROLE-03: the screens discourage removing every role and recommend the security group."""
    if refused:
        with pytest.raises(rules.RuleViolation) as raised:
            rules.check_role_removal_confirmed(had_roles=had_roles, keeps_any=keeps_any, confirmed=confirmed)
        assert raised.value.rule == "ROLE-03" and "security group" in raised.value.message
    else:
        assert rules.check_role_removal_confirmed(had_roles=had_roles, keeps_any=keeps_any, confirmed=confirmed) is None
