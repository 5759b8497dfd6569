"""Truth tables of the ENV, ONPREM and SYNC-01 checks that the environment services and the
tenant file share (rules/environment.py)."""
from __future__ import annotations

import pytest

from users_app.provisioning import rules


def _refusal(check, **kwargs):
    """The rule a check refuses with, or None when it lets the values through."""
    try:
        assert check(**kwargs) is None
    except rules.RuleViolation as exc:
        assert not isinstance(exc, rules.InvalidInput)
        return exc
    return None


@pytest.mark.parametrize("had, now, refused", [
    pytest.param(True, True, False, id="kept"),
    pytest.param(True, False, True, id="removed"),
    pytest.param(False, False, False, id="never-had"),
    pytest.param(False, True, False, id="added"),
])
def test_env_02_dataverse_kept(had, now, refused):
    """ENV-02: a Dataverse database can be added, never removed."""
    exc = _refusal(rules.check_dataverse_kept, name="Contoso", had_dataverse=had, dataverse=now)
    assert (exc is not None) is refused
    if refused:
        assert exc.rule == rules.ENV_02
        assert str(exc) == "ENV-02: Contoso has a Dataverse database; it cannot be removed."


@pytest.mark.parametrize("dataverse, refused", [(True, False), (False, True)])
def test_env_02_business_units_need_dataverse(dataverse, refused):
    """ENV-02: business units live in the Dataverse database."""
    exc = _refusal(rules.check_business_units_need_dataverse, name="Contoso", dataverse=dataverse)
    assert (exc is not None) is refused
    if refused:
        assert exc.rule == rules.ENV_02 and "no business units" in exc.message


@pytest.mark.parametrize("is_root, refused", [(True, True), (False, False)])
def test_env_05_root_business_unit_stays(is_root, refused):
    """ENV-05: the root business unit cannot be deleted; any other may be."""
    exc = _refusal(rules.check_not_root_business_unit, name="Contoso", is_root=is_root)
    assert (exc is not None) is refused
    if refused:
        assert exc.rule == rules.ENV_05 and exc.message.startswith("Contoso is the root business unit")


@pytest.mark.parametrize("env_type, has_group, refused", [
    *[pytest.param(t, True, t in ("Default", "Developer", "Teams"), id=f"{t}-with-group")
      for t in ("Production", "Sandbox", "Trial", "Developer", "Default", "Teams")],
    *[pytest.param(t, False, False, id=f"{t}-without-group")
      for t in ("Production", "Sandbox", "Trial", "Developer", "Default", "Teams")],
])
def test_env_06_security_group_allowed(env_type, has_group, refused):
    """ENV-06: Default, Developer and Teams environments take no security group."""
    exc = _refusal(rules.check_security_group_allowed, env_type=env_type, has_security_group=has_group)
    assert (exc is not None) is refused
    if refused:
        assert exc.rule == rules.ENV_06 and exc.message.endswith("environment cannot have a security group.")


@pytest.mark.parametrize("env_type, refused", [
    pytest.param(t, t in ("Default", "Developer", "Teams"), id=t)
    for t in ("Production", "Sandbox", "Trial", "Developer", "Default", "Teams")
])
def test_env_06_security_group_refusal_asked_ahead(env_type, refused):
    """ENV-06 without raising: the refusal a security group would meet, the same as the check's, or None."""
    refusal = rules.security_group_refusal(env_type=env_type)
    assert (refusal is not None) is refused
    check = _refusal(rules.check_security_group_allowed, env_type=env_type, has_security_group=True)
    if refused:
        assert (refusal.rule, refusal.message) == (check.rule, check.message) == (rules.ENV_06, refusal.message)
    else:
        assert check is None


@pytest.mark.parametrize("defaults, adding, refused", [
    pytest.param([], False, False, id="none"),
    pytest.param(["Contoso (default)"], False, False, id="one"),
    pytest.param(["A", "B"], False, True, id="two"),
    pytest.param([], True, False, id="first-default"),
    pytest.param(["Contoso (default)"], True, True, id="a-second-one"),
])
def test_env_06_one_default_environment(defaults, adding, refused):
    """ENV-06: a tenant has at most one Default environment."""
    exc = _refusal(rules.check_one_default_environment, defaults=defaults, adding=adding)
    assert (exc is not None) is refused
    if refused:
        assert exc.rule == rules.ENV_06
    if refused and adding:
        assert "already has a Default environment (Contoso (default))" in exc.message


@pytest.mark.parametrize("group_type, refused", [("m365", False), ("security", True)])
def test_env_07_teams_group_type(group_type, refused):
    """ENV-07: a Dataverse for Teams environment belongs to a Microsoft 365 group."""
    exc = _refusal(rules.check_teams_group_type, group_name="Sales", group_type=group_type)
    assert (exc is not None) is refused
    if refused:
        assert exc.rule == rules.ENV_07 and exc.message.startswith("Sales is a security group")


@pytest.mark.parametrize("on_premises, has_ad_users, refused", [
    pytest.param(True, True, False, id="on-premises-with-ad-users"),
    pytest.param(True, False, False, id="on-premises-without"),
    pytest.param(False, True, True, id="online-with-ad-users"),
    pytest.param(False, False, False, id="online-without"),
])
def test_onprem_01_ad_users_on_premises(on_premises, has_ad_users, refused):
    """ONPREM-01: only an on-premises environment reads users from an Active Directory export."""
    exc = _refusal(rules.check_ad_users_on_premises, name="Contoso", on_premises=on_premises,
                   has_ad_users=has_ad_users)
    assert (exc is not None) is refused
    if refused:
        assert exc.rule == rules.ONPREM_01 and exc.message.startswith("Contoso is online")


def test_sync_01_already_running():
    """SYNC-01: the refusal of a Sync now while a background run is under way, for the caller to raise."""
    exc = rules.sync_already_running(environment_name="Contoso")
    assert isinstance(exc, rules.RuleViolation) and exc.rule == rules.SYNC_01
    assert exc.message == ("A background sync of Contoso is already running; its result appears in the sync "
                           "history when it ends.")
