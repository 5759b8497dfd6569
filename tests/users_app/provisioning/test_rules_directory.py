"""Truth tables for the directory's pure checks (DIR-02, DIR-04, DIR-05, DIR-06, DIR-10) in
users_app/provisioning/rules/directory.py and rules/admin_roles.py: plain values in, a refusal
(rule ID or field, message) or nothing out. No database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from users_app.choices import AdminRole
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput, RuleViolation
from users_app.provisioning.rules import admin_roles

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


def _refusal(check, *args, **kwargs):
    """(rule, message) of the refusal, or None when the check lets it pass."""
    try:
        check(*args, **kwargs)
    except RuleViolation as violation:
        return violation.rule, violation.message
    return None


# --- DIR-10: the usage location's format (a field, shared with the tenant file) -----------------------


@pytest.mark.parametrize("value, fold_case, expected", [
    (None, False, None),
    ("", False, None),
    ("US", False, "US"),
    ("GB", True, "GB"),
    ("us", True, "US"),
    ("gB", True, "GB"),
])
def test_dir10_usage_location_code_accepted(value, fold_case, expected):
    assert rules.check_usage_location_code(value, fold_case=fold_case) == expected


@pytest.mark.parametrize("value, fold_case", [
    ("us", False), ("USA", False), ("USA", True), ("U1", True), ("U", True), (" US", False), ("ÜS", True),
    (42, False), (42, True),
])
def test_dir10_usage_location_code_refused_as_a_field(value, fold_case):
    with pytest.raises(InvalidInput) as refused:
        rules.check_usage_location_code(value, fold_case=fold_case)
    assert refused.value.rule == "usage_location"
    assert refused.value.message == f"Usage location {value!r} is not a two-letter country code (e.g. US)."


def test_dir10_usage_location_code_names_where():
    with pytest.raises(InvalidInput) as refused:
        rules.check_usage_location_code("USA", "users[3] (dana@contoso.com)", fold_case=True)
    assert refused.value.message.startswith("users[3] (dana@contoso.com): Usage location 'USA'")


# --- DIR-10: a licence holder keeps a usage location ----------------------------------------------------


@pytest.mark.parametrize("usage_location, holds_licences, refused", [
    (None, False, False),
    (None, True, True),
    ("", True, True),
    ("US", True, False),
    ("US", False, False),
])
def test_dir10_usage_location_kept(usage_location, holds_licences, refused):
    answer = _refusal(rules.check_usage_location_kept, usage_location=usage_location, holds_licences=holds_licences,
                      user_name="alice@contoso.com")
    if refused:
        assert answer == ("DIR-10", "alice@contoso.com holds licences, which need a usage location; "
                                    "remove the licences before clearing it.")
    else:
        assert answer is None


# --- DIR-02: seats ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seats, used, adding, restoring, expected", [
    (5, 4, 1, "", None),
    (5, 5, 1, "", ("DIR-02", "No seats left for Sales: 5 of 5 in use.")),
    (5, 3, 2, "", None),
    (5, 4, 2, "", ("DIR-02", "No seats left for Sales: 4 of 5 in use.")),
    (0, 0, 1, "", ("DIR-02", "No seats left for Sales: 0 of 0 in use.")),
    (5, 4, 1, "bob@contoso.com", None),
    (5, 5, 1, "bob@contoso.com", ("DIR-02", "No seats left for Sales (5 of 5 in use) to restore bob@contoso.com "
                                            "with it; free a seat or remove the licence first.")),
])
def test_dir02_licence_seats(seats, used, adding, restoring, expected):
    assert _refusal(rules.check_licence_seats, sku_name="Sales", seats=seats, used=used, adding=adding,
                    restoring=restoring) == expected


# --- DIR-04: deletion and restore --------------------------------------------------------------------------


@pytest.mark.parametrize("purged, expected", [
    (False, None),
    (True, ("DIR-04", "bob@contoso.com has been permanently deleted and cannot be changed.")),
])
def test_dir04_not_purged(purged, expected):
    assert _refusal(rules.check_not_purged, purged=purged, user_name="bob@contoso.com") == expected


@pytest.mark.parametrize("purged, soft, deleted_ago, expected", [
    (False, True, timedelta(days=1), None),
    (False, True, timedelta(days=30), None),
    (False, True, None, None),
    (False, True, timedelta(days=30, seconds=1),
     ("DIR-04", "bob@contoso.com was deleted more than 30 days ago and cannot be restored.")),
    (False, False, None, ("DIR-04", "bob@contoso.com is not deleted.")),
    (True, False, timedelta(days=1), ("DIR-04", "bob@contoso.com was permanently deleted and cannot be restored.")),
])
def test_dir04_restorable(purged, soft, deleted_ago, expected):
    deleted_on = NOW - deleted_ago if deleted_ago is not None else None
    assert _refusal(rules.check_restorable, purged=purged, soft_deleted=soft, user_name="bob@contoso.com",
                    deleted_on=deleted_on, now=NOW) == expected


@pytest.mark.parametrize("taken, expected", [
    (False, None),
    (True, ("DIR-04", "Another user now holds the user name bob@contoso.com; rename that user before restoring "
                      "this one.")),
])
def test_dir04_restore_name_free(taken, expected):
    assert _refusal(rules.check_restore_name_free, upn="bob@contoso.com", taken=taken) == expected


# --- DIR-05: admin roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(AdminRole.values))
def test_dir05_known_roles_pass(role):
    assert admin_roles.check_known_role(role) == role


@pytest.mark.parametrize("role", ["Root", "", "global administrator"])
def test_dir05_unknown_role_refused(role):
    rule, message = _refusal(admin_roles.check_known_role, role)
    assert rule == "DIR-05" and message.startswith(f"Unknown admin role {role!r}; the roles are ")


GLOBAL, PRIVILEGED, USER = AdminRole.GLOBAL, AdminRole.PRIVILEGED_ROLE, AdminRole.USER


@pytest.mark.parametrize("roles, added, removed, self_change, refused", [
    ({GLOBAL}, {USER}, set(), False, False),
    ({PRIVILEGED}, {GLOBAL}, set(), False, False),
    ({USER}, {USER}, set(), False, True),
    ({USER}, set(), {USER}, False, True),
    ({USER}, set(), set(), False, False),  # nothing changes: nothing to refuse
    ({GLOBAL}, set(), {GLOBAL}, True, True),  # a Global administrator keeps its own Global role
    ({GLOBAL}, set(), {GLOBAL}, False, False),
    ({GLOBAL}, set(), {USER}, True, False),
])
def test_dir05_role_change(roles, added, removed, self_change, refused):
    answer = _refusal(admin_roles.check_role_change, frozenset(roles), added=added, removed=removed,
                      self_change=self_change)
    assert (answer is not None) == refused
    if refused:
        assert answer == ("DIR-05", admin_roles.role_change_refusal(
            frozenset(roles), added=frozenset(added), removed=frozenset(removed), self_change=self_change))


# --- DIR-06: nested groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize("edges, cycle", [
    ({}, None),
    ({"A": {"B"}, "B": {"C"}}, None),
    ({"A": {"B", "C"}, "B": {"C"}}, None),  # a diamond is no cycle
    ({"A": {"A"}}, ["A", "A"]),
    ({"A": {"B"}, "B": {"A"}}, ["A", "B", "A"]),
    ({"A": {"B"}, "B": {"C"}, "C": {"A"}}, ["A", "B", "C", "A"]),
])
def test_dir06_group_cycle(edges, cycle):
    assert rules.group_cycle(edges) == cycle
    expected = None if cycle is None else ("DIR-06", "Nested groups would form a cycle: " + " > ".join(cycle) + ".")
    assert _refusal(rules.check_no_group_cycle, edges) == expected


def test_dir06_cycle_named_by_the_callers_names():
    names = {1: "Sales", 2: "Interns"}
    assert _refusal(rules.check_no_group_cycle, {1: {2}, 2: {1}}, names.get) == (
        "DIR-06", "Nested groups would form a cycle: Sales > Interns > Sales.")
