"""Truth tables for engine.decide(): the trigger table at the top of rules.md's
ELIG section, over hand-built snapshots (no database). Rule IDs are named in
test names, docstrings or comments so `grep -r RULE-ID tests/` finds them."""
from __future__ import annotations


import pytest

from tests.users_app.provisioning import conftest as snapshots
from tests.users_app.provisioning.conftest import CREATOR, DV, GROUP, MS, OF, TEAM, env, grouped, teams_env, user
from users_app.provisioning.engine import decide
from users_app.provisioning.types import (
    ADMINISTRATIVE,
    APPLICATION,
    DEFAULT,
    DELEGATED_ADMIN,
    DELEGATED_ADMIN_TYPE,
    DEVELOPER,
    DYNAMICS_365_ADMIN,
    GLOBAL_ADMIN,
    NA,
    NON_INTERACTIVE,
    POWER_PLATFORM_ADMIN,
    READ,
    READ_WRITE,
    REGULAR,
    SETUP,
    STUB,
    SUPPORT_TYPE,
    SUPPORT_USER,
    TRIAL,
    Action,
    RecordSnapshot,
    Trigger,
)

DIAG_ORDER = ("ELIG-01", "ELIG-02", "ELIG-03", "ELIG-04", "ELIG-05", "ELIG-06", "ROLE-01")

SCHEDULE, SIGN_IN, ADMIN, REFRESH = Trigger.SCHEDULE, Trigger.SIGN_IN, Trigger.ADMIN, Trigger.REFRESH
ALL_TRIGGERS = [SCHEDULE, SIGN_IN, ADMIN, REFRESH]
ADD, ENABLE, DISABLE, UPDATE, LEAVE, REFUSE = (Action.ADD, Action.ENABLE, Action.DISABLE, Action.UPDATE,
                                                Action.LEAVE, Action.REFUSE)


def rec(**kw) -> RecordSnapshot:
    """A record holding Basic User unless told otherwise."""
    kw.setdefault("direct_roles", ("Basic User",))
    return snapshots.rec(**kw)


RECORDS = {"none": None, "disabled": rec(isdisabled=True), "enabled": rec()}

# Entitlements, in a Production environment without a group:
#   background-entitled: a dataverse licence;
#   on-demand-only: only an m365 licence (ELIG-03 e, ELIG-06);
#   not entitled: only an office licence (ELIG-03 e: office never counts).
ENTITLEMENTS = {"background": dict(licence_kinds=DV), "on_demand_only": dict(licence_kinds=MS),
                "not_entitled": dict(licence_kinds=OF)}

BG_FAIL = ("ELIG-03", "ELIG-06")  # what the background sync reports for an m365-only user
NE_FAIL = ("ELIG-03",)

# (trigger, record, entitlement) -> (action, status, refused_by)
TRIGGER_TABLE = {
    # background sync: add / enable if background-entitled; disable if not on-demand-entitled
    (SCHEDULE, "none", "background"): (ADD, "enabled", ()),
    (SCHEDULE, "none", "on_demand_only"): (LEAVE, "absent", BG_FAIL),
    (SCHEDULE, "none", "not_entitled"): (LEAVE, "absent", NE_FAIL),
    (SCHEDULE, "disabled", "background"): (ENABLE, "enabled", ()),
    (SCHEDULE, "disabled", "on_demand_only"): (UPDATE, "disabled", BG_FAIL),
    (SCHEDULE, "disabled", "not_entitled"): (UPDATE, "disabled", NE_FAIL),
    (SCHEDULE, "enabled", "background"): (UPDATE, "enabled", ()),
    (SCHEDULE, "enabled", "on_demand_only"): (UPDATE, "enabled", ()),  # never disabled merely because...
    (SCHEDULE, "enabled", "not_entitled"): (DISABLE, "disabled", NE_FAIL),
}
for _t in (SIGN_IN, ADMIN, REFRESH):
    TRIGGER_TABLE.update({
        (_t, "none", "background"): (ADD, "enabled", ()),
        (_t, "none", "on_demand_only"): (ADD, "enabled", ()),
        (_t, "none", "not_entitled"): (REFUSE, "absent", NE_FAIL),
        (_t, "disabled", "background"): (ENABLE, "enabled", ()),
        (_t, "disabled", "on_demand_only"): (ENABLE, "enabled", ()),
        (_t, "disabled", "not_entitled"): (UPDATE, "disabled", NE_FAIL),
        (_t, "enabled", "background"): (UPDATE, "enabled", ()),
        (_t, "enabled", "on_demand_only"): (UPDATE, "enabled", ()),
        (_t, "enabled", "not_entitled"): (DISABLE, "disabled", NE_FAIL),
    })
# SYNC-04: refresh never adds
TRIGGER_TABLE[(REFRESH, "none", "background")] = (LEAVE, "absent", ())
TRIGGER_TABLE[(REFRESH, "none", "on_demand_only")] = (LEAVE, "absent", ())
TRIGGER_TABLE[(REFRESH, "none", "not_entitled")] = (LEAVE, "absent", NE_FAIL)


@pytest.mark.parametrize("trigger, record_state, entitlement", [
    pytest.param(t, r, e, id=f"{t.value}-{r}-{e}") for (t, r, e) in TRIGGER_TABLE
])
def test_trigger_table_elig(trigger, record_state, entitlement):
    """ELIG trigger table (SYNC-01, SYNC-02, SYNC-03, SYNC-04): every trigger x record state x entitlement;
    refused_by in DIAG-01 order."""
    action, status, refused_by = TRIGGER_TABLE[(trigger, record_state, entitlement)]
    d = decide(user=user(**ENTITLEMENTS[entitlement]), environment=env(), record=RECORDS[record_state],
               trigger=trigger)
    assert (d.action, d.status, d.refused_by) == (action, status, refused_by)
    # the checks are the on-demand checks, always in DIAG-01 order
    assert tuple(c.rule for c in d.checks) == DIAG_ORDER
    assert d.entitled == (entitlement != "not_entitled")


def test_trigger_table_covers_every_cell():
    """ELIG: 4 triggers x 3 record states x 3 entitlements."""
    assert len(TRIGGER_TABLE) == 36
    assert {t for t, _, _ in TRIGGER_TABLE} == set(ALL_TRIGGERS)


# --- "on demand only" limits adding, never keeping -------------------------------------------------

# Each case is admitted on demand but not by the background sync.
ON_DEMAND_ONLY_CASES = [
    pytest.param(dict(licence_kinds=MS), env(), ("ELIG-03", "ELIG-06"), id="ELIG-03e-m365-only"),
    pytest.param(dict(), env(app_pass_capacity_left=3), ("ELIG-03",), id="ELIG-03b-app-pass-capacity"),
    pytest.param(dict(), env(marketing_licence=True), ("ELIG-03",), id="ELIG-03c-marketing"),
    pytest.param(dict(licence_kinds=DV, owned_groups=frozenset({GROUP})), grouped(), ("ELIG-04",),
                 id="ELIG-04-group-owner"),
    pytest.param(dict(licence_kinds=DV, nested_groups=frozenset({GROUP})), grouped(), ("ELIG-04",),
                 id="ELIG-04-nested-member"),
    pytest.param(dict(licence_kinds=DV), env(type=TRIAL), ("ELIG-05",), id="ELIG-05-trial"),
    pytest.param(dict(licence_kinds=DV, direct_groups=frozenset({TEAM})), teams_env(), ("ELIG-05", "ELIG-06"),
                 id="ELIG-05-teams-member"),
    pytest.param(dict(licence_kinds=DV), env(licence_type="app_pass"), ("ELIG-06",), id="ELIG-06-app-pass-env"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), env(type=TRIAL), ("ELIG-05",),
                 id="ELIG-03a-admin-in-trial"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), env(licence_type="app_pass"), ("ELIG-06",),
                 id="ELIG-03a-admin-in-app-pass-env"),
    pytest.param(dict(admin_roles=frozenset({POWER_PLATFORM_ADMIN})), teams_env(), ("ELIG-05", "ELIG-06"),
                 id="ELIG-03a-admin-in-teams"),
]


@pytest.mark.parametrize("kw, environment, background_failures", ON_DEMAND_ONLY_CASES)
def test_on_demand_only_limits_adding_not_keeping(kw, environment, background_failures):
    """ELIG: "on demand only" limits adding (and re-enabling by the background sync); a user once
    added on demand is never disabled merely because the background sync could not have added them."""
    u = user(**kw)
    # background sync: no record -> left absent, with the background failures
    d = decide(user=u, environment=environment, record=None, trigger=SCHEDULE)
    assert (d.action, d.status, d.refused_by) == (LEAVE, "absent", background_failures)
    # background sync does not re-enable a disabled record
    d = decide(user=u, environment=environment, record=rec(isdisabled=True), trigger=SCHEDULE)
    assert (d.action, d.status, d.refused_by) == (UPDATE, "disabled", background_failures)
    # but keeps an enabled one, updating its fields
    d = decide(user=u, environment=environment, record=rec(), trigger=SCHEDULE)
    assert (d.action, d.status, d.refused_by) == (UPDATE, "enabled", ())
    # on demand: added, and ELIG-06 never blocks (DIAG-01: verdict entitled)
    for trigger in (SIGN_IN, ADMIN):
        d = decide(user=u, environment=environment, record=None, trigger=trigger)
        assert (d.action, d.status, d.refused_by) == (ADD, "enabled", ())
        assert d.entitled
        assert all(c.result != "fail" for c in d.checks)


# --- DIAG-01 ordering and ELIG-01 ------------------------------------------------------------------


@pytest.mark.parametrize("trigger, action", [
    pytest.param(SCHEDULE, LEAVE, id="schedule"),
    pytest.param(SIGN_IN, REFUSE, id="sign-in"),
    pytest.param(ADMIN, REFUSE, id="admin"),
    pytest.param(REFRESH, LEAVE, id="refresh"),
])
def test_elig_01_no_dataverse_every_later_check_na_diag_01(trigger, action):
    """ELIG-01 (ENV-02): no Dataverse, no user; DIAG-01: every later check, ROLE-01 included, is n/a."""
    u = user(deleted="soft", licence_kinds=OF)
    d = decide(user=u, environment=grouped(dataverse=False, type=TRIAL), record=None, trigger=trigger)
    assert (d.action, d.status, d.refused_by) == (action, "absent", ("ELIG-01",))
    assert [(c.rule, c.result) for c in d.checks] == [("ELIG-01", "fail")] + [(r, NA) for r in DIAG_ORDER[1:]]


@pytest.mark.parametrize("trigger, action, status", [
    pytest.param(SCHEDULE, LEAVE, "absent", id="schedule-none"),
    pytest.param(ADMIN, REFUSE, "absent", id="admin-none"),
    pytest.param(SIGN_IN, REFUSE, "absent", id="sign-in-none"),
])
def test_diag_01_every_failing_check_reported_in_order(trigger, action, status):
    """DIAG-01: several failing checks are all reported, in ELIG-01..06 order."""
    u = user(deleted="soft", licence_kinds=OF)
    d = decide(user=u, environment=grouped(type=DEVELOPER, created_by_object_id=CREATOR), record=None, trigger=trigger)
    assert (d.action, d.status) == (action, status)
    assert d.refused_by == ("ELIG-02", "ELIG-03", "ELIG-04", "ELIG-05")
    assert not d.entitled


@pytest.mark.parametrize("record, expected", [
    pytest.param(None, NA, id="no-record-na"),
    pytest.param(rec(direct_roles=("Salesperson",)), "pass", id="direct"),
    pytest.param(rec(direct_roles=(), team_roles=(("Sales Team", "Salesperson"),)), "pass", id="team-DIAG-03"),
    pytest.param(rec(direct_roles=()), "fail", id="none"),
])
def test_role_01_reported_last_and_never_blocks(record, expected):
    """ROLE-01 follows ELIG-06 in the checks (DIAG-01); it is reported, but the verdict is about ELIG checks only."""
    d = decide(user=user(licence_kinds=DV), environment=env(), record=record, trigger=ADMIN)
    role = d.checks[-1]
    assert (role.rule, role.result) == ("ROLE-01", expected)
    assert d.status == "enabled" and d.refused_by == ()
    if expected == "pass" and record.team_roles:
        assert "Sales Team" in role.reason


# --- ELIG-02 / SYNC-05: directory changes disable -------------------------------------------------


@pytest.mark.parametrize("trigger", ALL_TRIGGERS, ids=[t.value for t in ALL_TRIGGERS])
@pytest.mark.parametrize("kw, environment, refused_by", [
    pytest.param(dict(licence_kinds=DV, deleted="soft"), env(), ("ELIG-02",), id="ELIG-02-soft-deleted"),
    pytest.param(dict(licence_kinds=DV, deleted="hard"), env(), ("ELIG-02",), id="ELIG-02-hard-deleted"),
    pytest.param(dict(licence_kinds=DV, account_enabled=False), env(), ("ELIG-02",), id="ELIG-02-blocked"),
    pytest.param(dict(), env(), ("ELIG-03",), id="ELIG-03-unlicensed"),
    pytest.param(dict(licence_kinds=DV), grouped(), ("ELIG-04",), id="ELIG-04-removed-from-group"),
    pytest.param(dict(licence_kinds=DV, admin_roles=frozenset({DYNAMICS_365_ADMIN})), grouped(), ("ELIG-04",),
                 id="ELIG-04-d365-admin-not-member"),
])
def test_sync_05_enabled_record_disabled_when_not_entitled(kw, environment, refused_by, trigger):
    """SYNC-05: deleted, disabled, unlicensed or removed from the group -> disabled by every trigger."""
    d = decide(user=user(**kw), environment=environment, record=rec(), trigger=trigger)
    assert (d.action, d.status, d.refused_by) == (DISABLE, "disabled", refused_by)


@pytest.mark.parametrize("trigger", ALL_TRIGGERS, ids=[t.value for t in ALL_TRIGGERS])
@pytest.mark.parametrize("kw, environment", [
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), grouped(), id="ELIG-04-global-admin-bypass"),
    pytest.param(dict(admin_roles=frozenset({POWER_PLATFORM_ADMIN})), grouped(), id="ELIG-04-pp-admin-bypass"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN}), direct_groups=frozenset({GROUP})), grouped(),
                 id="ELIG-04-d365-admin-member"),
    pytest.param(dict(licence_kinds=DV, object_id=CREATOR), env(type=DEVELOPER, created_by_object_id=CREATOR),
                 id="ELIG-05-developer-creator"),
    pytest.param(dict(licence_kinds=DV), env(type=DEFAULT, name="Contoso (default)"), id="ELIG-05-default"),
])
def test_background_entitled_cases_added_by_every_adding_trigger(kw, environment, trigger):
    """ELIG-03 a, ELIG-04, ELIG-05: these users are background-entitled: added by the sync as on demand."""
    d = decide(user=user(**kw), environment=environment, record=None, trigger=trigger)
    if trigger == REFRESH:
        assert (d.action, d.status) == (LEAVE, "absent")  # SYNC-04
    else:
        assert (d.action, d.status, d.refused_by) == (ADD, "enabled", ())


@pytest.mark.parametrize("trigger", ALL_TRIGGERS, ids=[t.value for t in ALL_TRIGGERS])
def test_elig_05_developer_non_creator_never_added(trigger):
    """ELIG-05: only the creator of a Developer environment is ever added, even a Global admin is not."""
    u = user(licence_kinds=DV, admin_roles=frozenset({GLOBAL_ADMIN}))
    d = decide(user=u, environment=env(type=DEVELOPER, created_by_object_id=CREATOR), record=None, trigger=trigger)
    assert d.status == "absent"
    assert d.refused_by == ("ELIG-05",)


@pytest.mark.parametrize("trigger", [SIGN_IN, ADMIN], ids=["sign-in", "admin"])
@pytest.mark.parametrize("kw, added", [
    pytest.param(dict(licence_kinds=MS, direct_groups=frozenset({TEAM})), True, id="m365-member"),
    pytest.param(dict(licence_kinds=MS, is_guest=True, direct_groups=frozenset({TEAM})), True, id="m365-guest"),
    pytest.param(dict(licence_kinds=OF, direct_groups=frozenset({TEAM})), False, id="office-member"),
    pytest.param(dict(licence_kinds=MS), False, id="m365-not-in-team"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN})), False, id="d365-admin-not-member"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), True, id="global-admin-bypass"),
])
def test_elig_05_teams_environment_on_demand(kw, added, trigger):
    """ELIG-05: in a Dataverse for Teams environment a dataverse or m365 licence counts; team members,
    owners and guests get in on demand; Global / PP admins bypass; D365 admins must be members."""
    d = decide(user=user(**kw), environment=teams_env(), record=None, trigger=trigger)
    if added:
        assert (d.action, d.status, d.refused_by) == (ADD, "enabled", ())
    else:
        assert (d.action, d.status) == (REFUSE, "absent")
        assert d.refused_by


# --- MODE-03: non-interactive users ---------------------------------------------------------------


@pytest.mark.parametrize("isdisabled", [False, True], ids=["enabled", "disabled"])
def test_mode_03_sign_in_refused_for_non_interactive_record(isdisabled):
    """MODE-03: a non-interactive user's attempt to sign in is refused by this rule; the record stays."""
    record = rec(isdisabled=isdisabled, accessmode=NON_INTERACTIVE, user_type="non_interactive")
    d = decide(user=user(licence_kinds=DV), environment=env(), record=record, trigger=SIGN_IN)
    assert d.action == REFUSE
    assert d.status == ("disabled" if isdisabled else "enabled")
    assert d.refused_by == ("MODE-03",)


@pytest.mark.parametrize("trigger", [SCHEDULE, ADMIN, REFRESH], ids=["schedule", "admin", "refresh"])
def test_mode_03_non_interactive_needs_no_licence_but_group_rules_apply(trigger):
    """MODE-03 / ELIG-03 d: licence rules stop applying to a non-interactive user; security-group rules still do."""
    record = rec(accessmode=NON_INTERACTIVE, user_type="non_interactive")
    d = decide(user=user(direct_groups=frozenset({GROUP})), environment=grouped(), record=record, trigger=trigger)
    assert (d.action, d.status, d.refused_by) == (UPDATE, "enabled", ())
    assert (d.accessmode, d.user_type) == (NON_INTERACTIVE, "non_interactive")
    d = decide(user=user(), environment=grouped(), record=record, trigger=trigger)
    assert (d.action, d.status, d.refused_by) == (DISABLE, "disabled", ("ELIG-04",))


# --- ONPREM-01 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("record_state", ["none", "enabled"])
@pytest.mark.parametrize("trigger, action", [
    pytest.param(SCHEDULE, LEAVE, id="schedule"),
    pytest.param(SIGN_IN, REFUSE, id="sign-in"),
    pytest.param(ADMIN, REFUSE, id="admin"),
    pytest.param(REFRESH, REFUSE, id="refresh"),
])
def test_onprem_01_on_premises_takes_no_directory_users(trigger, action, record_state):
    """ONPREM-01: sign-in, admin add and background sync do not apply and refuse with this rule's ID."""
    on_prem = env(on_premises=True)
    record = RECORDS[record_state]
    d = decide(user=user(licence_kinds=DV, admin_roles=frozenset({GLOBAL_ADMIN})), environment=on_prem,
               record=record, trigger=trigger)
    assert d.action == action
    assert d.refused_by == ("ONPREM-01",)
    assert d.status == ("absent" if record is None else "enabled")


# --- APP-01, STUB-01, MODE-05, MODE-07: records sync never touches --------------------------------

UNSYNCED = [
    pytest.param(rec(accessmode=NON_INTERACTIVE, user_type=APPLICATION), "enabled", id="APP-01-application"),
    pytest.param(rec(isdisabled=True, accessmode=NON_INTERACTIVE, user_type=APPLICATION), "disabled",
                 id="APP-01-application-disabled"),
    pytest.param(rec(isdisabled=True, accessmode=READ_WRITE, user_type=STUB, direct_roles=("Basic User",)),
                 "disabled", id="STUB-01-stub"),
    pytest.param(rec(accessmode=DELEGATED_ADMIN, user_type=DELEGATED_ADMIN_TYPE, direct_roles=("System Administrator",)),
                 "enabled", id="MODE-05-delegated-admin-placeholder"),
    pytest.param(rec(accessmode=SUPPORT_USER, user_type=SUPPORT_TYPE, direct_roles=("Support User",)),
                 "enabled", id="MODE-07-support-user-placeholder"),
]


@pytest.mark.parametrize("trigger", ALL_TRIGGERS, ids=[t.value for t in ALL_TRIGGERS])
@pytest.mark.parametrize("record, status", UNSYNCED)
@pytest.mark.parametrize("kw", [dict(licence_kinds=DV), dict(deleted="hard")], ids=["entitled", "deleted"])
def test_app_stub_placeholders_left_alone(record, status, trigger, kw):
    """APP-01, STUB-01, MODE-05, MODE-07: application, stub and placeholder records are never synchronised."""
    d = decide(user=user(**kw), environment=grouped(), record=record, trigger=trigger)
    assert (d.action, d.status, d.refused_by) == (LEAVE, status, ())
    assert d.default_roles == ()


# --- MODE-02: access modes kept or managed --------------------------------------------------------

ADMIN_TABLE = [
    # rules.md "Admins and licences, at a glance": (user, background action, accessmode, user_type)
    pytest.param(dict(licence_kinds=DV), ADD, READ_WRITE, REGULAR, id="dataverse-no-admin"),
    pytest.param(dict(licence_kinds=DV, admin_roles=frozenset({GLOBAL_ADMIN})), ADD, READ_WRITE, REGULAR,
                 id="global-admin-with-dataverse"),
    pytest.param(dict(licence_kinds=DV, admin_roles=frozenset({DYNAMICS_365_ADMIN})), ADD, READ_WRITE, REGULAR,
                 id="d365-admin-with-dataverse"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), ADD, ADMINISTRATIVE, SETUP, id="global-admin-none"),
    pytest.param(dict(admin_roles=frozenset({POWER_PLATFORM_ADMIN}), licence_kinds=MS), ADD, ADMINISTRATIVE, SETUP,
                 id="pp-admin-m365-only"),
    pytest.param(dict(admin_roles=frozenset({DYNAMICS_365_ADMIN}), licence_kinds=OF), ADD, ADMINISTRATIVE, SETUP,
                 id="d365-admin-office-only"),
    pytest.param(dict(licence_kinds=MS), LEAVE, None, None, id="m365-no-admin-on-demand-only"),
    pytest.param(dict(licence_kinds=OF), LEAVE, None, None, id="office-no-admin-never"),
    pytest.param(dict(), LEAVE, None, None, id="none-no-admin-never"),
]


@pytest.mark.parametrize("kw, action, accessmode, user_type", ADMIN_TABLE)
def test_mode_02_admin_table_background_sync(kw, action, accessmode, user_type):
    """MODE-02 / ELIG-03 a: the admin table, as the background sync applies it."""
    d = decide(user=user(**kw), environment=env(), record=None, trigger=SCHEDULE)
    assert d.action == action
    if action == ADD:
        assert (d.accessmode, d.user_type, d.setupuser) == (accessmode, user_type, user_type == SETUP)


@pytest.mark.parametrize("kw, environment, added, accessmode", [
    pytest.param(dict(licence_kinds=MS), env(), True, READ_WRITE, id="m365-on-demand-read-write"),
    pytest.param(dict(licence_kinds=OF), env(), False, None, id="office-never"),
    pytest.param(dict(licence_kinds=OF), env(app_pass_capacity_left=1), True, READ_WRITE, id="office-app-pass"),
    pytest.param(dict(), env(marketing_licence=True), True, READ_WRITE, id="none-marketing"),
])
def test_mode_02_admin_table_on_demand(kw, environment, added, accessmode):
    """MODE-02 table: m365 on demand only, Read-Write, regular; office or none never unless app-pass or Marketing."""
    d = decide(user=user(**kw), environment=environment, record=None, trigger=ADMIN)
    assert (d.action == ADD) is added
    if added:
        assert (d.accessmode, d.user_type, d.setupuser) == (accessmode, REGULAR, False)
    else:
        assert d.refused_by == ("ELIG-03",)


@pytest.mark.parametrize("trigger", ALL_TRIGGERS, ids=[t.value for t in ALL_TRIGGERS])
@pytest.mark.parametrize("kw, record, accessmode, user_type", [
    pytest.param(dict(licence_kinds=DV), rec(accessmode=NON_INTERACTIVE, user_type="non_interactive"),
                 NON_INTERACTIVE, "non_interactive", id="non-interactive-kept"),
    pytest.param(dict(licence_kinds=DV), rec(accessmode=READ), READ, REGULAR, id="read-kept"),
    pytest.param(dict(licence_kinds=DV), rec(accessmode=ADMINISTRATIVE, user_type=REGULAR), ADMINISTRATIVE, REGULAR,
                 id="administrative-for-non-admin-kept"),
    pytest.param(dict(), rec(accessmode=ADMINISTRATIVE, user_type=REGULAR), ADMINISTRATIVE, REGULAR,
                 id="administrative-for-unlicensed-non-admin-kept-ELIG-03d"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), rec(accessmode=READ), READ, REGULAR,
                 id="read-kept-for-admin"),
])
def test_mode_02_admin_chosen_access_mode_kept_by_every_sync(kw, record, accessmode, user_type, trigger):
    """MODE-02: an access mode an admin chose (non-interactive, read, administrative for a non-admin) is kept."""
    if trigger == SIGN_IN and accessmode == NON_INTERACTIVE:
        trigger = ADMIN  # MODE-03: sign-in is refused for non-interactive users (tested above)
    d = decide(user=user(**kw), environment=env(), record=record, trigger=trigger)
    assert (d.action, d.status, d.refused_by) == (UPDATE, "enabled", ())
    assert (d.accessmode, d.user_type, d.setupuser) == (accessmode, user_type, False)


@pytest.mark.parametrize("trigger", ALL_TRIGGERS, ids=[t.value for t in ALL_TRIGGERS])
@pytest.mark.parametrize("role", [GLOBAL_ADMIN, POWER_PLATFORM_ADMIN, DYNAMICS_365_ADMIN])
def test_mode_02_access_mode_managed_for_admin_role_holders(role, trigger):
    """MODE-02 / LIFE-03: the sync manages Read-Write <-> Administrative for admin-role holders as licences change."""
    environment = grouped() if role != DYNAMICS_365_ADMIN else env()
    # licensed admin loses the licence: kept, as an Administrative setup user
    d = decide(user=user(admin_roles=frozenset({role})), environment=environment, record=rec(), trigger=trigger)
    assert (d.action, d.status, d.refused_by) == (UPDATE, "enabled", ())
    assert (d.accessmode, d.user_type, d.setupuser) == (ADMINISTRATIVE, SETUP, True)
    # setup user gets a dataverse licence: Read-Write
    setup = rec(accessmode=ADMINISTRATIVE, user_type=SETUP)
    d = decide(user=user(admin_roles=frozenset({role}), licence_kinds=DV), environment=environment, record=setup,
               trigger=trigger)
    assert (d.action, d.status) == (UPDATE, "enabled")
    assert (d.accessmode, d.user_type, d.setupuser) == (READ_WRITE, REGULAR, False)


def test_mode_02_administrative_of_licensed_admin_is_managed_not_kept():
    """MODE-02: only "administrative for a non-admin" is an admin's choice kept by the sync; for an
    admin-role holder with a dataverse licence the sync manages the mode back to Read-Write."""
    record = rec(accessmode=ADMINISTRATIVE, user_type=REGULAR)
    d = decide(user=user(licence_kinds=DV, admin_roles=frozenset({GLOBAL_ADMIN})), environment=env(), record=record,
               trigger=SCHEDULE)
    assert (d.action, d.status) == (UPDATE, "enabled")
    assert (d.accessmode, d.user_type) == (READ_WRITE, REGULAR)


def test_mode_02_setup_user_losing_admin_role_and_licence_is_disabled():
    """MODE-02 / SYNC-05: a setup user whose admin role goes, with no licence, is disabled (ELIG-03)."""
    d = decide(user=user(), environment=env(), record=rec(accessmode=ADMINISTRATIVE, user_type=SETUP),
               trigger=SCHEDULE)
    assert (d.action, d.status, d.refused_by) == (DISABLE, "disabled", ("ELIG-03",))


# --- ELIG-03 b: uses_app_pass accounting --------------------------------------------------------


@pytest.mark.parametrize("kw, environment, record, trigger, action, uses_app_pass", [
    pytest.param(dict(), env(app_pass_capacity_left=2), None, ADMIN, ADD, True, id="unlicensed-admin-add-uses-unit"),
    pytest.param(dict(), env(licence_type="app_pass", app_pass_capacity_left=1), None, SIGN_IN, ADD, True,
                 id="unlicensed-sign-in-uses-unit"),
    pytest.param(dict(), env(app_pass_capacity_left=2), None, SCHEDULE, LEAVE, False,
                 id="background-never-uses-capacity"),
    pytest.param(dict(), env(licence_type="app_pass", app_pass_capacity_left=0), None, ADMIN, REFUSE, False,
                 id="capacity-used-up-refused"),
    pytest.param(dict(licence_kinds=DV), env(app_pass_capacity_left=2), None, ADMIN, ADD, False,
                 id="licensed-uses-no-unit"),
    pytest.param(dict(admin_roles=frozenset({GLOBAL_ADMIN})), env(app_pass_capacity_left=2), None, ADMIN, ADD, False,
                 id="admin-uses-no-unit"),
    pytest.param(dict(licence_kinds=MS), env(app_pass_capacity_left=2), None, ADMIN, ADD, False,
                 id="m365-admitted-by-ELIG-03e-uses-no-unit"),
    pytest.param(dict(), env(app_pass_capacity_left=2, marketing_licence=True), None, ADMIN, ADD, False,
                 id="marketing-admitted-by-ELIG-03c-uses-no-unit"),
    pytest.param(dict(), env(licence_type="app_pass"), rec(uses_app_pass=True), SCHEDULE, UPDATE, True,
                 id="enabled-keeps-its-unit-background"),
    pytest.param(dict(), env(licence_type="app_pass"), rec(uses_app_pass=True), REFRESH, UPDATE, True,
                 id="enabled-keeps-its-unit-refresh"),
    pytest.param(dict(licence_kinds=DV), env(licence_type="app_pass"), rec(uses_app_pass=True), SCHEDULE, UPDATE,
                 False, id="licence-assigned-frees-unit"),
    pytest.param(dict(deleted="soft"), env(licence_type="app_pass"), rec(uses_app_pass=True), SCHEDULE, DISABLE,
                 False, id="disabled-frees-unit"),
    pytest.param(dict(), env(licence_type="app_pass"), rec(isdisabled=True), ADMIN, UPDATE, False,
                 id="disabled-no-capacity-stays-disabled"),
    pytest.param(dict(), env(licence_type="app_pass", app_pass_capacity_left=1), rec(isdisabled=True), ADMIN,
                 ENABLE, True, id="re-enabled-on-demand-uses-unit"),
    pytest.param(dict(), env(licence_type="app_pass", app_pass_capacity_left=1), rec(isdisabled=True), SCHEDULE,
                 UPDATE, False, id="background-does-not-re-enable-through-capacity"),
])
def test_elig_03_b_uses_app_pass_accounting(kw, environment, record, trigger, action, uses_app_pass):
    """ELIG-03 b: each user admitted through app-pass capacity uses one unit; when it is used up the check fails."""
    d = decide(user=user(**kw), environment=environment, record=record, trigger=trigger)
    assert d.action == action
    assert d.uses_app_pass is uses_app_pass
    if action == REFUSE:
        assert d.refused_by == ("ELIG-03",)


# --- ENV-06 / ENV-07: default roles on add ------------------------------------------------------


@pytest.mark.parametrize("trigger", [SCHEDULE, SIGN_IN, ADMIN], ids=["schedule", "sign-in", "admin"])
def test_env_06_default_environment_add_gets_basic_user_and_environment_maker(trigger):
    """ENV-06: every user added to the Default environment gets Basic User and Environment Maker."""
    d = decide(user=user(licence_kinds=DV), environment=env(type=DEFAULT, name="Contoso (default)"), record=None,
               trigger=trigger)
    assert d.action == ADD
    assert set(d.default_roles) == {"Basic User", "Environment Maker"}


@pytest.mark.parametrize("trigger", [SIGN_IN, ADMIN], ids=["sign-in", "admin"])
@pytest.mark.parametrize("kw, roles", [
    pytest.param(dict(owned_groups=frozenset({TEAM}), direct_groups=frozenset({TEAM})), ("System Administrator",),
                 id="owner"),
    pytest.param(dict(direct_groups=frozenset({TEAM})), ("Teams Member",), id="member"),
    pytest.param(dict(is_guest=True, direct_groups=frozenset({TEAM})), ("Teams Guest",), id="guest"),
])
def test_env_07_teams_first_access_roles(kw, roles, trigger):
    """ENV-07: on first access a team's owners get System Administrator, members Teams Member, guests Teams Guest."""
    d = decide(user=user(licence_kinds=MS, **kw), environment=teams_env(), record=None, trigger=trigger)
    assert d.action == ADD
    assert tuple(d.default_roles) == roles


@pytest.mark.parametrize("environment, record", [
    pytest.param(env(type=DEFAULT), rec(), id="ENV-06-kept-record"),
    pytest.param(env(type=DEFAULT), rec(isdisabled=True), id="ENV-06-re-enabled"),
    pytest.param(env(), None, id="production-add"),
])
def test_env_06_default_roles_only_on_add(environment, record):
    """ENV-06 / ENV-07: default roles are given when a record is added, not to a record kept or re-enabled,
    and not in a Production environment."""
    d = decide(user=user(licence_kinds=DV), environment=environment, record=record, trigger=ADMIN)
    assert d.status == "enabled"
    assert d.default_roles == ()
