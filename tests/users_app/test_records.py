"""Admin actions on records (services/records.py) on the real database: roles, teams,
business unit, manager, position, application users, deletion, business records."""
import pytest

from environments_app.models import BusinessUnit, Position
from users_app.models import Account, SystemUser, SystemUserRole, TeamMembership
from users_app.provisioning import sync
from users_app.provisioning.rules import RuleViolation
from users_app.services import records
from users_app.services.directory import directory_user_find
from tests.builders import DOMAIN, sku, tenant_file, user
from users_app.tenant_file import load_tenant

pytestmark = pytest.mark.django_db
D = DOMAIN
APP_ID = "00000000-0000-0000-0000-0000000000aa"


def tenant(alice_licensed=True, **env_settings):
    return tenant_file(
        skus=[sku("DYN", "Dynamics 365", seats=10)],
        users=[user(n, given_name=n, usage_location="US", licences=["DYN"] if (n != "alice" or alice_licensed) else [])
               for n in ("alice", "bob", "carl")],
        apps=[{"name": "ERP connector", "app_id": APP_ID}],
        environments=[{"name": "Sales", **env_settings}],
    )


@pytest.fixture
def sales():
    load_tenant(tenant())
    from environments_app.models import Environment
    env = Environment.objects.get(name="Sales")
    sync.environment_sync(environment=env)
    return env


def rec(env, name):
    return SystemUser.objects.get(environment=env, domainname=f"{name}@{D}")


def disable_alice(env):
    load_tenant(tenant(alice_licensed=False))
    sync.environment_sync(environment=env)
    return rec(env, "alice")


def test_role_02_role_refused_on_disabled_user_unless_setting(sales):
    """ROLE-02: roleFailureDuetoUserIsDisabled, unless allowRoleAssignmentOnDisabledUsers."""
    alice = disable_alice(sales)
    with pytest.raises(RuleViolation) as refused:
        records.role_assign(systemuser=alice, role="Basic User")
    assert refused.value.rule == "ROLE-02" and str(refused.value).startswith("ROLE-02: roleFailureDuetoUserIsDisabled: ")
    assert not SystemUserRole.objects.filter(systemuser=alice).exists()
    sales.allow_role_assignment_on_disabled_users = True
    sales.save()
    alice.refresh_from_db()
    assert records.role_assign(systemuser=alice, role="Basic User") is True


def test_role_03_removing_every_role_keeps_the_user_enabled(sales):
    """ROLE-03: the user stays enabled and licensed, unable to open apps; the screens warn."""
    alice = rec(sales, "alice")
    records.role_assign(systemuser=alice, role="Basic User")
    records.role_remove(systemuser=alice, role="Basic User")
    alice.refresh_from_db()
    assert not alice.isdisabled and not alice.roles.exists()
    assert "security group" in records.ROLE_03_WARNING
    diagnosis = sync.environment_user_diagnose(environment=sales, directory_user=directory_user_find(f"alice@{D}"))
    assert diagnosis.verdict == "entitled" and [c.result for c in diagnosis.checks if c.rule == "ROLE-01"] == ["fail"]


def test_role_04_profile_edits_roles_teams_business_unit_manager_position(sales):
    """ROLE-04: roles, team membership, business unit, manager and position are edited on the profile."""
    alice, bob = rec(sales, "alice"), rec(sales, "bob")
    team = records.team_create(environment=sales, name="Buyers")
    assert records.team_member_add(team=team, systemuser=alice)
    records.manager_set(systemuser=alice, manager=bob)
    with pytest.raises(RuleViolation):
        records.manager_set(systemuser=bob, manager=alice)  # a loop of managers is refused
    position = Position.objects.create(environment=sales, name="Buyer")
    records.position_set(systemuser=alice, position=position)
    alice.refresh_from_db()
    assert alice.parentsystemuser == bob and alice.position == position and team in alice.teams.all()
    default_team = alice.teams.get(isdefault=True)
    with pytest.raises(RuleViolation) as refused:
        records.team_member_remove(team=default_team, systemuser=alice)
    assert refused.value.rule == "ROLE-07"


def test_role_06_business_unit_change_removes_roles_unless_setting(sales):
    """ROLE-06: roles go on a business unit change unless DoNotRemoveRolesOnChangeBusinessUnit; the default team follows."""
    alice = rec(sales, "alice")
    root = alice.businessunit
    child = BusinessUnit.objects.create(environment=sales, name="Europe", parentbusinessunit=root)
    records.team_create(environment=sales, name="Europe buyers", business_unit=child)  # an owner team, not the default
    from users_app.services.environments import default_team_for
    europe_default = default_team_for(child)
    records.role_assign(systemuser=alice, role="Basic User")
    result = records.business_unit_change(systemuser=alice, business_unit=child)
    alice.refresh_from_db()
    assert result["roles_removed"] == 1 and not alice.roles.exists() and alice.businessunit == child
    assert set(alice.teams.filter(isdefault=True)) == {europe_default}
    sales.do_not_remove_roles_on_change_business_unit = True
    sales.save()
    bob = rec(sales, "bob")
    records.role_assign(systemuser=bob, role="Basic User")
    records.business_unit_change(systemuser=bob, business_unit=child)
    assert bob.roles.count() == 1


def test_role_05_records_assigned_to_and_shared_with_a_disabled_user(sales):
    """ROLE-05: business records can be assigned to a disabled user and shared with one."""
    alice = disable_alice(sales)
    account = records.account_create(environment=sales, name="Fabrikam", owner=alice)
    records.account_share(account=account, systemuser=alice)
    assert account.owner.isdisabled and alice in account.shared_with.all()


def test_app_01_02_03_05_application_user_lifecycle(sales):
    """APP-01/02: '#' first name, the app's name, <app id>@<domain>, enabled, non-interactive without a slot;
    APP-03 status locked unless the setting; APP-05 one per app, deleted only while inactive."""
    from users_app.models import AppRegistration
    app = AppRegistration.objects.get(app_id=APP_ID)
    user = records.app_user_create(environment=sales, app=app, roles=["Basic User"])
    assert (user.firstname, user.lastname, user.domainname) == ("#", "ERP connector", f"{APP_ID}@{D}")
    assert (user.isdisabled, user.accessmode, user.non_interactive_slot, user.user_type) == (False, 4, None, "application")
    with pytest.raises(RuleViolation) as twice:
        records.app_user_create(environment=sales, app=app)
    assert twice.value.rule == "APP-05"
    with pytest.raises(RuleViolation) as locked:
        records.app_user_set_status(systemuser=user, enabled=False)
    assert locked.value.rule == "APP-03"
    with pytest.raises(RuleViolation) as active:
        records.app_user_delete(systemuser=user)
    assert active.value.rule == "APP-05"
    sales.app_user_status_editable = True
    sales.save()
    user.refresh_from_db()
    records.app_user_set_status(systemuser=user, enabled=False)
    records.app_user_delete(systemuser=user)
    assert not SystemUser.objects.filter(applicationid=APP_ID).exists()


def test_app_04_calls_act_as_the_application_user(sales):
    """APP-04: the application user's enabled state and roles decide what its calls may do."""
    from users_app.models import AppRegistration
    app = AppRegistration.objects.get(app_id=APP_ID)
    with pytest.raises(RuleViolation) as none:
        records.application_caller(environment=sales, app_id=APP_ID)
    assert none.value.rule == "APP-04"
    user = records.app_user_create(environment=sales, app=app)
    with pytest.raises(RuleViolation) as no_role:
        records.application_caller(environment=sales, app_id=APP_ID)
    assert no_role.value.rule == "ROLE-01"
    records.role_assign(systemuser=user, role="Basic User")
    assert records.application_caller(environment=sales, app_id=APP_ID) == user
    sales.app_user_status_editable = True
    sales.save()
    user.refresh_from_db()
    records.app_user_set_status(systemuser=user, enabled=False)
    with pytest.raises(RuleViolation) as disabled:
        records.application_caller(environment=sales, app_id=APP_ID)
    assert disabled.value.rule == "APP-04"


def test_life_05_delete_then_permanently_delete(sales):
    """LIFE-05: Delete once the directory user is gone (roles and teams removed); Permanently delete
    once records are reassigned and the environment allows it."""
    alice = rec(sales, "alice")
    records.role_assign(systemuser=alice, role="Basic User")
    records.account_create(environment=sales, name="Fabrikam", owner=alice)
    with pytest.raises(RuleViolation) as live:
        records.systemuser_delete(systemuser=alice)
    assert live.value.rule == "LIFE-05"
    data = tenant()
    data["users"][0]["deleted"] = "hard"
    load_tenant(data)
    sync.environment_sync(environment=sales)
    alice.refresh_from_db()
    assert records.systemuser_delete(systemuser=alice) == "soft_deleted"
    alice.refresh_from_db()
    assert alice.deletedstate == 1 and not alice.roles.exists() and not TeamMembership.objects.filter(systemuser=alice).exists()
    with pytest.raises(RuleViolation, match="reassign"):
        records.systemuser_delete(systemuser=alice, permanent=True)
    records.records_reassign(source=alice, target=rec(sales, "bob"))
    with pytest.raises(RuleViolation, match="Enable delete disabled users"):
        records.systemuser_delete(systemuser=alice, permanent=True)
    sales.allow_delete_disabled_users = True
    sales.save()
    alice.refresh_from_db()
    assert records.systemuser_delete(systemuser=alice, permanent=True) == "deleted"
    assert Account.objects.get().owner == rec(sales, "bob")


def test_mode_05_mode_07_placeholders_cannot_be_edited(sales):
    """MODE-05, MODE-07: the placeholders cannot be edited or deleted."""
    for upn, rule in (("crmoln2@microsoft.com", "MODE-05"), ("crmoln@microsoft.com", "MODE-07")):
        placeholder = SystemUser.objects.get(environment=sales, domainname=upn)
        with pytest.raises(RuleViolation) as refused:
            records.role_assign(systemuser=placeholder, role="Basic User")
        assert refused.value.rule == rule
        with pytest.raises(RuleViolation):
            records.systemuser_delete(systemuser=placeholder)


def test_mode_04_access_mode_change_needs_system_administrator(sales):
    """MODE-04: System Administrator in the environment, or Global / Power Platform admin."""
    alice, bob = rec(sales, "alice"), rec(sales, "bob")
    with pytest.raises(RuleViolation) as refused:
        records.access_mode_set(systemuser=alice, mode="read", actor_roles=frozenset(), actor_record=bob)
    assert refused.value.rule == "MODE-04" and rec(sales, "alice").accessmode == 0
    records.role_assign(systemuser=bob, role="System Administrator")
    assert records.access_mode_set(systemuser=alice, mode="read", actor_roles=frozenset(), actor_record=bob) == ["accessmode"]
    assert records.access_mode_set(systemuser=alice, mode="read-write",
                                   actor_roles=frozenset({"Power Platform Administrator"})) == ["accessmode"]


def test_onprem_02_records_edited_by_hand():
    """ONPREM-02: after creation nothing synchronises; the admin edits the record by hand."""
    data = tenant()
    data["environments"] = [{"name": "Legacy", "deployment": "on_premises", "ad_users": [
        {"logon_name": "CONTOSO\\jdoe", "first_name": "John", "last_name": "Doe", "city": "Paris", "state": "IDF"}]}]
    load_tenant(data)
    jdoe = SystemUser.objects.get(domainname="CONTOSO\\jdoe")
    assert records.on_premises_user_update(systemuser=jdoe, address1_city="Lyon") == ["address1_city"]
    jdoe.refresh_from_db()
    assert jdoe.address1_city == "Lyon"
