"""ELIG-03 b: a unit of app-pass capacity never outlives the capacity.

Each user admitted through app-pass capacity uses one unit; a held unit counts only while the
units held stay within the capacity. When the capacity shrinks below the units held, the users
admitted first keep theirs (the record's creation time, then its id) and the others fail ELIG-03
at their next sync, refresh or sign-in (docs/rules-decisions.md, ELIG-03 b).

Truth tables over hand-built snapshots first, then the real database through the services.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from django.db import transaction

from environments_app.models import Environment
from users_app.models import SystemUser
from users_app.provisioning import engine, rules, sync
from users_app.provisioning.types import FAIL, PASS, Action, EnvironmentSnapshot, Mode, Trigger, UserSnapshot
from users_app.services.directory import directory_user_find
from tests.builders import DOMAIN, sku, tenant_file, user
from tests.users_app.provisioning import conftest as snapshots
from users_app.tenant_file import load_tenant

from .test_properties import Rollback
from .test_set_based_sync import in_savepoint, reference, set_based

OD, BG = Mode.ON_DEMAND, Mode.BACKGROUND
T0 = datetime(2026, 12, 1, tzinfo=timezone.utc)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# --- Which holders keep their unit (pure) ----------------------------------------------------------

KEEPING_TABLE = [
    pytest.param([(at(0), 1)], 1, {1}, set(), id="one-holder-within-capacity"),
    pytest.param([(at(0), 1)], 0, set(), {1}, id="capacity-0-nobody-holds-one"),
    pytest.param([(at(0), 1), (at(1), 2), (at(2), 3)], 3, {1, 2, 3}, set(), id="all-within-capacity"),
    pytest.param([(at(0), 1), (at(1), 2), (at(2), 3)], 5, {1, 2, 3}, set(), id="capacity-above-units-held"),
    pytest.param([(at(0), 1), (at(1), 2), (at(2), 3)], 1, {1}, {2, 3}, id="shrink-3-to-1-keeps-the-earliest"),
    pytest.param([(at(2), 1), (at(1), 2), (at(0), 3)], 1, {3}, {1, 2}, id="creation-time-decides-not-the-id"),
    pytest.param([(at(0), 9), (at(0), 4), (at(5), 1)], 2, {4, 9}, {1}, id="same-time-lower-id-first"),
    pytest.param([(at(1), 2), (at(0), 1)], 1, {1}, {2}, id="input-order-does-not-matter"),
    pytest.param([], 0, set(), set(), id="no-holders"),
    pytest.param([(at(0), 1), (at(1), 2)], -1, set(), {1, 2}, id="negative-capacity-is-zero"),
]


@pytest.mark.parametrize("holders, capacity, keeping, losing", KEEPING_TABLE)
def test_elig_03_b_earliest_admitted_keep_their_unit(holders, capacity, keeping, losing):
    """ELIG-03 b: when the capacity shrinks below the units held, the earliest admitted keep theirs."""
    kept, lost = rules.app_pass_holders_keeping(holders, capacity)
    assert (set(kept), set(lost)) == (keeping, losing)
    assert len(kept) == min(max(capacity, 0), len(holders))


# --- The licence check with a lost unit (pure) -----------------------------------------------------

UNLICENSED = UserSnapshot(object_id=uuid.UUID(int=7), upn="ann@contoso.onmicrosoft.com")


def env(**kw) -> EnvironmentSnapshot:
    """The Field environment (app-pass capacity given by each row)."""
    return snapshots.env(name="Field", **kw)


rec = snapshots.rec  # an enabled record


HOLDER_TABLE = [
    pytest.param(env(app_pass_capacity_left=0), rec(uses_app_pass=True), PASS, id="held-unit-within-capacity"),
    pytest.param(env(app_pass_capacity_left=0), rec(uses_app_pass=True, app_pass_unit_lost=True), FAIL,
                 id="held-unit-beyond-capacity-fails"),
    pytest.param(env(licence_type="app_pass", app_pass_capacity_left=0), rec(uses_app_pass=True, app_pass_unit_lost=True),
                 FAIL, id="app-pass-env-held-unit-beyond-capacity-fails"),
    pytest.param(env(app_pass_capacity_left=2), rec(uses_app_pass=True), PASS, id="held-unit-with-capacity-left"),
    pytest.param(env(app_pass_capacity_left=0), rec(uses_app_pass=True, isdisabled=True), FAIL,
                 id="disabled-record-holds-no-unit"),
    pytest.param(env(app_pass_capacity_left=0), rec(), FAIL, id="no-unit-no-capacity"),
]


@pytest.mark.parametrize("environment, record, on_demand", HOLDER_TABLE)
def test_elig_03_b_a_held_unit_counts_only_within_the_capacity(environment, record, on_demand):
    """ELIG-03 b: a unit held beyond the capacity no longer passes the check; the background mode never does."""
    od = rules.check_licence(UNLICENSED, environment, record, OD)
    assert (od.rule, od.result) == ("ELIG-03", on_demand)
    assert rules.check_licence(UNLICENSED, environment, record, BG).result == FAIL
    if record.app_pass_unit_lost:
        assert "app-pass capacity shrank" in od.reason and "raise the environment's app-pass capacity" in od.fix
        assert rules.licence_basis(UNLICENSED, environment, record, OD) is None


@pytest.mark.parametrize("trigger, action", [
    pytest.param(Trigger.SCHEDULE, Action.DISABLE, id="background-sync-disables"),
    pytest.param(Trigger.REFRESH, Action.DISABLE, id="refresh-disables"),
    pytest.param(Trigger.SIGN_IN, Action.DISABLE, id="sign-in-disables"),
])
def test_elig_03_b_engine_disables_a_holder_beyond_the_capacity(trigger, action):
    """ELIG-03 b: the trigger table disables an enabled record whose unit the capacity no longer covers,
    names ELIG-03 and frees the unit."""
    decision = engine.decide(user=UNLICENSED, environment=env(app_pass_capacity_left=0),
                             record=rec(uses_app_pass=True, app_pass_unit_lost=True), trigger=trigger)
    assert decision.action == action and decision.status == "disabled"
    assert decision.refused_by == ("ELIG-03",) and not decision.uses_app_pass
    kept = engine.decide(user=UNLICENSED, environment=env(app_pass_capacity_left=0), record=rec(uses_app_pass=True),
                         trigger=trigger)
    assert kept.action == Action.UPDATE and kept.status == "enabled" and kept.uses_app_pass


# --- On the real database -------------------------------------------------------------------------

on_the_database = pytest.mark.django_db
D = DOMAIN
NAMES = ("ann", "ben", "cid", "dot")


def tenant(capacity: int) -> dict:
    return tenant_file(
        skus=[sku("DYN", "Dynamics 365", seats=10)],
        users=[user(n, given_name=n, usage_location="US", licences=[]) for n in NAMES],
        environments=[{"name": "Field", "app_pass_capacity": capacity}],
    )


def record(env, name) -> SystemUser:
    return SystemUser.objects.get(environment=env, azureactivedirectoryobjectid=directory_user_find(f"{name}@{D}").id)


def sign_in(env, name):
    return sync.user_sign_in(environment=env, directory_user=directory_user_find(f"{name}@{D}"))


def set_capacity(env, capacity: int) -> Environment:
    env.app_pass_capacity = capacity
    env.save()
    return env


@on_the_database
def test_elig_03_b_capacity_1_then_0_the_sync_disables_the_holder_and_refresh_names_elig_03():
    """Finding 14: capacity 1, an unlicensed user admitted through it, capacity 0, sync: disabled, ELIG-03."""
    load_tenant(tenant(1))
    field = Environment.objects.get(name="Field")
    admitted = sign_in(field, "ann")
    assert (admitted.outcome, admitted.status) == ("added", "enabled") and record(field, "ann").uses_app_pass
    assert sign_in(field, "ben").refused_by == ["ELIG-03"]  # the one unit is used

    set_capacity(field, 0)
    diagnosis = sync.environment_user_diagnose(environment=field, directory_user=directory_user_find(f"ann@{D}"))
    elig_03 = next(c for c in diagnosis.checks if c.rule == "ELIG-03")
    assert diagnosis.verdict == "not_entitled" and elig_03.result == FAIL and "app-pass capacity shrank" in elig_03.reason
    assert diagnosis.refresh.outcome == "disabled" and diagnosis.refresh.refused_by == ["ELIG-03"]


@on_the_database
@pytest.mark.parametrize("path", ["sync", "refresh"])
def test_elig_03_b_capacity_0_sync_or_refresh_disables(path):
    """Finding 14 by each path: the background sync and Refresh user both disable the holder and name ELIG-03."""
    load_tenant(tenant(1))
    field = Environment.objects.get(name="Field")
    sign_in(field, "ann")
    set_capacity(field, 0)
    if path == "sync":
        run = sync.environment_sync(environment=field)
        assert run.disabled == 1
        [entry] = [e for e in run.decision_log if e["outcome"] == "disabled"]
        assert entry["upn"] == f"ann@{D}" and entry["rules"] == ["ELIG-03"] and "app-pass capacity shrank" in entry["text"]
        refreshed = sync.environment_user_refresh(environment=field, directory_user=directory_user_find(f"ann@{D}"))
        assert (refreshed.outcome, refreshed.status, refreshed.refused_by) == ("unchanged", "disabled", ["ELIG-03"])
    else:
        refreshed = sync.environment_user_refresh(environment=field, directory_user=directory_user_find(f"ann@{D}"))
        assert (refreshed.outcome, refreshed.status, refreshed.refused_by) == ("disabled", "disabled", ["ELIG-03"])
        assert refreshed.run.decisions[0]["rules"] == ["ELIG-03"]
    ann = record(field, "ann")
    assert ann.isdisabled and not ann.uses_app_pass
    second = sync.environment_sync(environment=field)
    assert (second.added, second.enabled, second.disabled, second.updated) == (0, 0, 0, 0)
    # Capacity back: a sign-in admits her again through it.
    set_capacity(field, 1)
    assert sign_in(field, "ann").outcome == "enabled" and record(field, "ann").uses_app_pass


@on_the_database
def test_elig_03_b_shrink_3_to_1_keeps_exactly_the_earliest_admitted():
    """ELIG-03 b: capacity 3 -> 1 with three holders: the first admitted keeps the unit, the two others
    are disabled by the sync, naming ELIG-03; the freed units are not given to anyone else."""
    load_tenant(tenant(3))
    field = Environment.objects.get(name="Field")
    for name in ("cid", "ann", "ben"):  # admitted in this order
        assert sign_in(field, name).outcome == "added"
    assert sign_in(field, "dot").refused_by == ["ELIG-03"]
    set_capacity(field, 1)
    run = sync.environment_sync(environment=field)
    assert not record(field, "cid").isdisabled and record(field, "cid").uses_app_pass
    for name in ("ann", "ben"):
        lost = record(field, name)
        assert lost.isdisabled and not lost.uses_app_pass
    disabled = sorted(e["upn"] for e in run.decision_log if e["outcome"] == "disabled")
    assert disabled == [f"ann@{D}", f"ben@{D}"] and all(e["rules"] == ["ELIG-03"] for e in run.decision_log
                                                         if e["outcome"] == "disabled")
    assert sign_in(field, "dot").refused_by == ["ELIG-03"] and sign_in(field, "ann").refused_by == ["ELIG-03"]
    # Capacity 2: one more unit, taken by the next on-demand request (here ben's).
    set_capacity(field, 2)
    assert sign_in(field, "ben").outcome == "enabled" and sign_in(field, "ann").refused_by == ["ELIG-03"]


@on_the_database
def test_elig_03_b_shrink_set_based_sync_equals_deciding_user_by_user():
    """SYNC-01 with a shrunk capacity: the set-based sync writes what the per-user reference writes."""
    try:
        with transaction.atomic():
            load_tenant(tenant(3))
            field = Environment.objects.get(name="Field")
            for name in ("ben", "dot", "ann"):
                sign_in(field, name)
            set_capacity(field, 1)
            expected = in_savepoint(lambda: reference(field))
            assert set_based(field) == expected
            assert [n for n in NAMES if SystemUser.objects.filter(environment=field, isdisabled=False,
                                                                   domainname=f"{n}@{D}").exists()] == ["ben"]
            raise Rollback
    except Rollback:
        pass
