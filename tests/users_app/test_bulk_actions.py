"""The grid's bulk actions (users_app/services/bulk_actions.py) on a real database: each user in its
own transaction (one refused user undoes nothing for another), a row per user naming the rules."""
import pytest

from tests.conftest import portal_upn
from users_app.models import DirectoryUser, LicenceAssignment, Sku, SystemUser, SystemUserRole, TeamMembership
from users_app.services import bulk_actions, records
from environments_app.models import BusinessUnit


def rec(env, local):
    return SystemUser.objects.get(environment=env, domainname=portal_upn(local))


@pytest.fixture
def sales(portal_tenant):
    return portal_tenant["sales"]


def test_roles_add_many_refuses_a_disabled_user_and_keeps_the_others(sales):
    plain = rec(sales, "plain")
    plain.isdisabled = True
    plain.save(update_fields=["isdisabled"])
    users = [rec(sales, "sysadmin"), plain, rec(sales, "d365admin")]
    results = bulk_actions.roles_add_many(systemusers=users, roles=["System Customizer", "Basic User"])
    by_user = {r["upn"]: r for r in results}
    assert by_user[portal_upn("plain")]["outcome"] == "refused"
    assert by_user[portal_upn("plain")]["refused_by"] == ["ROLE-02"] and by_user[portal_upn("plain")]["level"] == "error"
    assert by_user[portal_upn("plain")]["checks"][0]["reason"]
    for local in ("sysadmin", "d365admin"):
        held = set(SystemUserRole.objects.filter(systemuser=rec(sales, local)).values_list("role__name", flat=True))
        assert {"System Customizer", "Basic User"} <= held
    assert "System Administrator" in set(SystemUserRole.objects.filter(systemuser=rec(sales, "sysadmin"))
                                         .values_list("role__name", flat=True))  # existing roles kept
    assert not SystemUserRole.objects.filter(systemuser=plain).exists()  # nothing half-done for the refused one
    assert bulk_actions.counts(results) == {"total": 3, "done": 2, "warnings": 0, "refused": 1}


def test_business_unit_change_many_warns_of_the_removed_roles(sales):
    north = BusinessUnit.objects.create(environment=sales, name="North",
                                        parentbusinessunit=BusinessUnit.objects.get(environment=sales, parentbusinessunit__isnull=True))
    users = [rec(sales, "sysadmin"), rec(sales, "plain")]
    results = bulk_actions.business_unit_change_many(systemusers=users, business_unit=north)
    assert [r["outcome"] for r in results] == ["moved", "moved"]
    sysadmin_row = next(r for r in results if r["upn"] == portal_upn("sysadmin"))
    assert sysadmin_row["level"] == "warning" and "ROLE-06" in sysadmin_row["note"]
    assert set(SystemUser.objects.filter(pk__in=[u.pk for u in users]).values_list("businessunit", flat=True)) == {north.pk}


def test_team_add_many_and_refresh_many(sales):
    team = records.team_create(environment=sales, name="Key Accounts")
    users = [rec(sales, "sysadmin"), rec(sales, "plain")]
    results = bulk_actions.team_add_many(systemusers=users, team=team)
    assert [r["outcome"] for r in results] == ["added to team", "added to team"]
    assert set(TeamMembership.objects.filter(team=team).values_list("systemuser__domainname", flat=True)) == {
        portal_upn("sysadmin"), portal_upn("plain")}
    again = bulk_actions.team_add_many(systemusers=users, team=team)
    assert {r["outcome"] for r in again} == {"no change"}
    refreshed = bulk_actions.refresh_many(environment=sales, systemusers=users)
    assert all(r["level"] != "error" for r in refreshed) and len(refreshed) == 2


def test_licence_change_many_stops_at_the_seats_one_user_at_a_time(portal_tenant):
    """DIR-02: with one seat left, the first user gets it, the second is refused; the first keeps it."""
    sku = Sku.objects.get(sku_part_number="E3")
    sku.seats = LicenceAssignment.objects.filter(sku=sku).count() + 1
    sku.save(update_fields=["seats"])
    users = list(DirectoryUser.objects.filter(user_principal_name__in=[portal_upn("plain"), portal_upn("sysadmin")])
                 .order_by("user_principal_name").prefetch_related("licence_assignments"))
    results = bulk_actions.licence_change_many(users=users, sku=sku, add=True)
    assert [r["outcome"] for r in results] == ["licence assigned", "refused"]
    assert results[1]["refused_by"] == ["DIR-02"]
    assert LicenceAssignment.objects.filter(sku=sku, user=users[0]).exists()
    assert not LicenceAssignment.objects.filter(sku=sku, user=users[1]).exists()
    removed = bulk_actions.licence_change_many(users=[DirectoryUser.objects.get(pk=users[0].pk)], sku=sku, add=False)
    assert removed[0]["outcome"] == "licence removed"


def test_sign_in_set_many_blocks_each(portal_tenant):
    users = list(DirectoryUser.objects.filter(user_principal_name__in=[portal_upn("plain"), portal_upn("olivia")]))
    results = bulk_actions.sign_in_set_many(users=users, allowed=False)
    assert {r["outcome"] for r in results} == {"sign-in blocked"}
    assert not DirectoryUser.objects.filter(pk__in=[u.pk for u in users], account_enabled=True).exists()
