"""Sync services on the real database: every trigger of the ELIG table, the SYNC,
FIELD, LIFE and MODE rules as the background sync, sign-in, add, refresh and
diagnostics apply them. Tenants are built with load_tenant (cli.md's tenant file)."""
import copy

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from environments_app.models import Environment
from users_app.models import DirectoryUser, SyncRun, SystemUser, Team, TeamMembership
from users_app.provisioning import sync
from users_app.services import directory, records
from tests import builders
from tests.builders import changed, clerk, hard_delete, tenant_file, upn
from users_app.tenant_file import load_tenant

pytestmark = pytest.mark.django_db

user = clerk  # a licensed person (DYN365), job title Clerk


BASE = tenant_file(
    users=[
        user("alice"),
        user("bob"),
        user("carol", licences=["E3"]),
        user("dave", licences=["APPS"]),
        user("erin", licences=[], admin_roles=["Global Administrator"]),
        user("frank", licences=[], admin_roles=["Dynamics 365 Administrator"]),
        user("gina", licences=[], admin_roles=["Power Platform Administrator"]),
        user("nina"),  # member of the nested group only
        user("owen"),  # owner of the group only
    ],
    groups=[
        {"name": "Sales-Interns", "members": [upn("nina")]},
        {"name": "Sales-Env", "members": [upn("alice"), upn("bob"), upn("carol"), upn("dave"), "Sales-Interns"],
         "owners": [upn("owen")]},
    ],
    environments=[
        {"name": "Sales", "type": "Production", "security_group": "Sales-Env"},
        {"name": "Open", "type": "Sandbox"},
    ],
)


def tenant(**changes):
    return changed(BASE, **changes)


def set_user(data, name, **fields):
    return builders.set_user(data, name, new=user, **fields)


def env(name="Sales"):
    return Environment.objects.get(name=name)


def record(name, environment="Sales"):
    return SystemUser.objects.filter(environment__name=environment, domainname__iexact=upn(name)).first()


def du(name):
    return directory.directory_user_find(upn(name))


@pytest.fixture
def loaded():
    load_tenant(tenant())
    return env()


def test_sync_01_background_adds_entitled_group_members_only(loaded):
    """SYNC-01, ENV-03: direct members with a dataverse licence, and unlicensed admins, are added;
    nested members, owners and m365/office-only users are not (they appear nowhere)."""
    run = sync.environment_sync(environment=loaded)
    present = set(SystemUser.objects.filter(environment=loaded, user_type__in=["regular", "setup"]).values_list("domainname", flat=True))
    assert present == {upn("alice"), upn("bob"), upn("erin"), upn("gina")}
    # ELIG-04: the D365 admin is not a member; nina (nested, ENV-03) and owen (owner) count on demand only.
    assert record("frank") is None and record("nina") is None and record("owen") is None
    assert run.added == 4 and run.not_entitled == 5
    assert {d["upn"] for d in run.decision_log} == present  # SYNC-07: one entry per changed user only


def test_mode_02_unlicensed_admins_are_setup_users_with_administrative_access(loaded):
    """MODE-02, ELIG-03 a: an unlicensed Global / PP admin is a setup user, accessmode 1."""
    sync.environment_sync(environment=loaded)
    erin = record("erin")
    assert (erin.accessmode, erin.user_type, erin.setupuser, erin.isdisabled) == (1, "setup", True, False)
    assert (record("alice").accessmode, record("alice").user_type) == (0, "regular")  # MODE-01
    # LIFE-03: an admin given a licence becomes Read-Write; losing it brings Administrative back.
    load_tenant(set_user(tenant(), "erin", licences=["DYN365"]))
    sync.environment_sync(environment=loaded)
    assert (record("erin").accessmode, record("erin").user_type) == (0, "regular")
    load_tenant(tenant())
    result = sync.environment_user_refresh(environment=loaded, directory_user=du("erin"))
    assert result.status == "enabled" and result.changed_fields == ["accessmode"]
    assert record("erin").accessmode == 1


def test_sync_second_run_writes_nothing(loaded):
    """A second sync with no directory change writes zero rows (SYNC-01 cost follows change)."""
    sync.environment_sync(environment=loaded)
    with CaptureQueriesContext(connection) as queries:
        run = sync.environment_sync(environment=loaded)
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
              and "users_app_syncrun" not in q["sql"]]
    assert writes == []
    assert (run.added, run.enabled, run.disabled, run.updated) == (0, 0, 0, 0)
    assert run.unchanged == 4


def test_sync_05_and_life_04_disabled_not_deleted(loaded):
    """SYNC-05, LIFE-02, LIFE-04: deleted, blocked, unlicensed or removed-from-group users are disabled, records kept."""
    sync.environment_sync(environment=loaded)
    data = tenant()
    set_user(data, "alice", licences=[])  # unlicensed
    data["groups"][1]["members"].remove(upn("bob"))  # removed from the group (LIFE-02: licence stays)
    load_tenant(data)
    run = sync.environment_sync(environment=loaded)
    assert record("alice").isdisabled and record("bob").isdisabled
    assert run.disabled == 2
    assert du("bob").licence_assignments.count() == 1  # LIFE-02: the seat is freed only by removing the licence
    by_upn = {d["upn"]: d for d in run.decision_log}
    assert by_upn[upn("alice")]["rules"] == ["ELIG-03"] and by_upn[upn("bob")]["rules"] == ["ELIG-04"]
    # Blocked sign-in, then soft delete: still one record each, disabled (LIFE-04).
    load_tenant(set_user(copy.deepcopy(data), "gina", enabled=False))
    sync.environment_sync(environment=loaded)
    assert record("gina").isdisabled
    assert SystemUser.objects.filter(environment=loaded).count() == 6  # nothing deleted: 4 users + 2 placeholders


def test_life_05_soft_delete_disables_and_restore_enables_with_values_back(loaded):
    """LIFE-05, DIR-11: soft-deleted -> disabled with altered UPN; restored -> enabled, values back."""
    sync.environment_sync(environment=loaded)
    alice_id = du("alice").id
    load_tenant(set_user(tenant(), "alice", deleted="soft"))
    sync.environment_sync(environment=loaded)
    rec = SystemUser.objects.get(environment=loaded, azureactivedirectoryobjectid=alice_id)
    assert rec.isdisabled and rec.domainname == alice_id.hex + upn("alice")
    load_tenant(set_user(tenant(), "alice", deleted=None))  # "deleted": null restores, same object id
    run = sync.environment_sync(environment=loaded)
    rec.refresh_from_db()
    assert not rec.isdisabled and rec.domainname == upn("alice") and run.enabled == 1


def test_sync_08_recreated_user_gets_a_new_record(loaded):
    """SYNC-08, SYNC-06: hard delete then create again -> a new object id, a new record; the old
    one stays disabled with its records and an altered user name."""
    sync.environment_sync(environment=loaded)
    old_id = du("alice").id
    old = record("alice")
    records.account_create(environment=loaded, name="Fabrikam", owner=old)
    load_tenant(hard_delete(tenant(), "alice"))
    load_tenant(tenant())  # listed again: a new directory user
    assert du("alice").id != old_id
    sync.environment_sync(environment=loaded)
    old.refresh_from_db()
    new = record("alice")
    assert new.pk != old.pk and new.azureactivedirectoryobjectid == du("alice").id and not new.isdisabled
    assert old.isdisabled and old.domainname.startswith(old_id.hex) and old.owned_accounts.count() == 1


def test_sync_08_on_demand_add_frees_the_upn_of_an_old_record(loaded):
    """SYNC-08: on an admin add too, the old record takes its altered name first."""
    sync.environment_sync(environment=loaded)
    old = record("alice")
    load_tenant(hard_delete(tenant(), "alice"))
    load_tenant(tenant())
    result = sync.environment_user_add(environment=loaded, directory_user=du("alice"))
    assert result.outcome == "added"
    old.refresh_from_db()
    assert old.isdisabled and old.domainname != upn("alice")


def test_sync_06_database_refuses_duplicates(loaded):
    """SYNC-06: one record per environment and object id, and per UPN ignoring case (stubs included)."""
    sync.environment_sync(environment=loaded)
    alice = record("alice")
    bu = alice.businessunit
    with pytest.raises(IntegrityError), transaction.atomic():
        SystemUser.objects.create(environment=loaded, businessunit=bu, domainname="other@x.com",
                                  azureactivedirectoryobjectid=alice.azureactivedirectoryobjectid)
    with pytest.raises(IntegrityError), transaction.atomic():
        SystemUser.objects.create(environment=loaded, businessunit=bu, domainname=upn("ALICE").upper(), user_type="stub")


def test_sync_02_first_access_adds_on_demand_cases(loaded):
    """SYNC-02, ELIG-04: owners and nested members get in on first access; the m365-only user too (ELIG-03 e)."""
    for name in ("nina", "owen", "carol"):
        result = sync.user_sign_in(environment=loaded, directory_user=du(name))
        assert (result.outcome, result.status, result.refused_by) == ("added", "enabled", []), name
    # ...and the background sync never disables them for it (the table's on-demand column).
    run = sync.environment_sync(environment=loaded)
    assert not any(record(n).isdisabled for n in ("nina", "owen", "carol"))
    assert run.disabled == 0
    again = sync.user_sign_in(environment=loaded, directory_user=du("nina"))
    assert again.outcome == "unchanged" and again.run.trigger == "sign_in"


def test_sync_03_admin_add_reports_every_refusing_rule(loaded):
    """SYNC-03: the office-only user outside... dave is a member with an office licence: ELIG-03."""
    result = sync.environment_user_add(environment=loaded, directory_user=du("dave"))
    assert (result.outcome, result.status, result.refused_by) == ("refused", "absent", ["ELIG-03"])
    load_tenant(set_user(tenant(), "zed", licences=["APPS"]))
    result = sync.environment_user_add(environment=loaded, directory_user=du("zed"))
    assert result.refused_by == ["ELIG-03", "ELIG-04"]
    assert record("zed") is None
    run = result.run
    assert run.trigger == "admin" and run.decisions[0]["outcome"] == "refused" and run.decisions[0]["rules"] == ["ELIG-03", "ELIG-04"]


def test_sync_04_refresh_never_adds_and_shows_changed_fields(loaded):
    """SYNC-04, FIELD-02, FIELD-03: refresh updates mapped fields except full name; never adds."""
    result = sync.environment_user_refresh(environment=loaded, directory_user=du("alice"))
    assert (result.outcome, result.status) == ("unchanged", "absent") and record("alice") is None
    sync.environment_sync(environment=loaded)
    load_tenant(set_user(tenant(), "alice", job_title="Buyer", display_name="Alice Renamed", city="Oslo"))
    result = sync.environment_user_refresh(environment=loaded, directory_user=du("alice"))
    assert result.outcome == "updated" and sorted(result.changed_fields) == ["address1_city", "jobtitle"]
    alice = record("alice")
    assert alice.fullname == "Alice Test"  # FIELD-03


def test_field_01_04_05_06_mapping(loaded):
    """FIELD-01 every mapped field at creation; FIELD-04 an edited primary e-mail stays;
    FIELD-05 custom attributes never copied; FIELD-06/MODE-06 '#' for a blank first name."""
    data = tenant()
    set_user(data, "alice", given_name="", office_phone="+1 555", mobile_phone="+1 556", street="1 Main St",
             city="Seattle", state="WA", postal_code="98101", country="US", custom_attributes={"costCenter": "42"})
    load_tenant(data)
    sync.environment_sync(environment=loaded)
    alice = record("alice")
    assert (alice.firstname, alice.lastname, alice.fullname) == ("#", "Test", "Alice Test")
    assert (alice.address1_telephone1, alice.mobilephone, alice.address1_line1, alice.address1_city,
            alice.address1_stateorprovince, alice.address1_postalcode, alice.address1_country) == (
        "+1 555", "+1 556", "1 Main St", "Seattle", "WA", "98101", "US")
    assert alice.azureactivedirectoryobjectid == du("alice").id and alice.custom_fields == {}
    # FIELD-04: a@x -> b@x follows; an admin sets c@x; d@x is not taken.
    load_tenant(set_user(copy.deepcopy(data), "alice", mail="b@x.com"))
    sync.environment_sync(environment=loaded)
    assert record("alice").internalemailaddress == "b@x.com"
    records.primary_email_set(systemuser=record("alice"), email="c@x.com")
    load_tenant(set_user(copy.deepcopy(data), "alice", mail="d@x.com"))
    sync.environment_sync(environment=loaded)
    assert record("alice").internalemailaddress == "c@x.com"


def test_mode_03_non_interactive_needs_no_licence_but_group_still_applies(loaded):
    """MODE-03: licence rules stop applying to a non-interactive user, security-group rules still do;
    its sign-in is refused."""
    sync.environment_sync(environment=loaded)
    records.access_mode_set(systemuser=record("alice"), mode="non-interactive")
    data = set_user(tenant(), "alice", licences=[])
    load_tenant(data)
    sync.environment_sync(environment=loaded)
    alice = record("alice")
    assert not alice.isdisabled and alice.accessmode == 4 and alice.user_type == "non_interactive"
    signin = sync.user_sign_in(environment=loaded, directory_user=du("alice"))
    assert (signin.outcome, signin.refused_by) == ("refused", ["MODE-03"])
    data["groups"][1]["members"].remove(upn("alice"))
    load_tenant(data)
    sync.environment_sync(environment=loaded)
    assert record("alice").isdisabled and record("alice").accessmode == 4  # kept by every sync


def test_mode_03_seven_slots_held_in_the_database(loaded):
    """MODE-03: the eighth non-interactive record is refused, by the service and by the database."""
    data = tenant()
    for i in range(8):
        set_user(data, f"svc{i}")
        data["groups"][1]["members"].append(upn(f"svc{i}"))
    load_tenant(data)
    sync.environment_sync(environment=loaded)
    for i in range(7):
        records.access_mode_set(systemuser=record(f"svc{i}"), mode="non-interactive")
    with pytest.raises(records.RuleViolation) as refused:
        records.access_mode_set(systemuser=record("svc7"), mode="non-interactive")
    assert refused.value.rule == "MODE-03" and record("svc7").accessmode == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        SystemUser.objects.filter(pk=record("svc7").pk).update(accessmode=4, user_type="non_interactive", non_interactive_slot=8)


def test_elig_05_trial_developer_and_teams(loaded):
    """ELIG-05, ENV-07, ENV-06: Trial adds on demand only; Developer only its creator;
    Teams on first access with roles by team role; Default gives Basic User and Environment Maker."""
    data = tenant()
    data["groups"].append({"name": "Marketing", "type": "m365", "members": [upn("bob"), upn("guest")],
                           "owners": [upn("carol")]})
    set_user(data, "guest", user_type="Guest", licences=["DYN365"])
    data["environments"] += [
        {"name": "Pilot", "type": "Trial"},
        {"name": "Dev", "type": "Developer", "created_by": upn("bob")},
        {"name": "Team", "type": "Teams", "teams_group": "Marketing"},
        {"name": "Contoso (default)", "type": "Default"},
    ]
    load_tenant(data)
    runs = {r.environment.name: r for r in sync.directory_sync()}
    assert runs["Pilot"].added == 0 and runs["Team"].added == 0
    assert set(SystemUser.objects.filter(environment__name="Dev", user_type="regular").values_list("domainname", flat=True)) == {upn("bob")}
    assert sync.user_sign_in(environment=env("Pilot"), directory_user=du("alice")).outcome == "added"
    assert sync.user_sign_in(environment=env("Dev"), directory_user=du("alice")).refused_by == ["ELIG-05"]
    for name, role in (("carol", "System Administrator"), ("bob", "Teams Member"), ("guest", "Teams Guest")):
        assert sync.user_sign_in(environment=env("Team"), directory_user=du(name)).outcome == "added", name
        assert list(record(name, "Team").roles.values_list("name", flat=True)) == [role]
    assert sync.user_sign_in(environment=env("Team"), directory_user=du("alice")).refused_by == ["ELIG-05"]
    assert set(record("alice", "Contoso (default)").roles.values_list("name", flat=True)) == {"Basic User", "Environment Maker"}


def test_elig_01_env_02_no_dataverse_no_records(loaded):
    """ELIG-01, ENV-02: without Dataverse nobody is added, on demand or by sync."""
    load_tenant(tenant(environments=BASE["environments"] + [{"name": "Analytics", "dataverse": False}]))
    analytics = env("Analytics")
    assert sync.environment_sync(environment=analytics).added == 0
    result = sync.environment_user_add(environment=analytics, directory_user=du("alice"))
    assert (result.outcome, result.refused_by) == ("refused", ["ELIG-01"])
    assert not SystemUser.objects.filter(environment=analytics).exists()


def test_elig_03_app_pass_capacity_is_used_up(loaded):
    """ELIG-03 b: app-pass capacity admits unlicensed users on demand, one unit each, until used up."""
    data = tenant(environments=BASE["environments"] + [{"name": "Field", "licence_type": "app_pass", "app_pass_capacity": 1}])
    load_tenant(data)
    field = env("Field")
    first = sync.environment_user_add(environment=field, directory_user=du("dave"))
    assert first.outcome == "added" and record("dave", "Field").uses_app_pass
    second = sync.environment_user_add(environment=field, directory_user=du("carol"))
    assert second.outcome == "added"  # ELIG-03 e: carol's m365 licence counts on demand
    load_tenant(set_user(copy.deepcopy(data), "zoe", licences=[]))
    third = sync.environment_user_add(environment=field, directory_user=du("zoe"))
    assert third.refused_by == ["ELIG-03"]
    # ELIG-06: app-pass environments are on demand only, the background sync adds nobody; keeps dave.
    run = sync.environment_sync(environment=field)
    assert run.added == 0 and not record("dave", "Field").isdisabled


def test_stub_05_sync_converts_a_stub_in_place(loaded):
    """STUB-05, STUB-01: the first sync converts a stub of an entitled user's UPN into the real user."""
    from users_app.services.imports import records_import
    load_tenant(set_user(tenant(), "hank", licences=["APPS"]))
    data = tenant()
    set_user(data, "hank", licences=["APPS"])
    result = records_import(environment=loaded, rows=[{"name": "Acme", "owner": upn("hank")}])
    assert result.stub_users == [upn("hank")]
    stub = record("hank")
    assert stub.user_type == "stub" and stub.isdisabled and stub.azureactivedirectoryobjectid is None
    set_user(data, "hank", licences=["DYN365"])
    data["groups"][1]["members"].append(upn("hank"))
    load_tenant(data)
    sync.environment_sync(environment=loaded)
    converted = SystemUser.objects.get(pk=stub.pk)
    assert converted.user_type == "regular" and not converted.isdisabled
    assert converted.azureactivedirectoryobjectid == du("hank").id and converted.owned_accounts.count() == 1
    assert SystemUser.objects.filter(environment=loaded, domainname__iexact=upn("hank")).count() == 1


def test_life_01_enabled_again_needs_a_new_invitation(loaded):
    """LIFE-01: a disabled user enabled again returns to 'not sent'; the portal sends a new invitation."""
    from django.core import mail
    sync.environment_sync(environment=loaded)
    records.invitation_send(systemuser=record("alice"))
    assert record("alice").invitestatuscode == 1 and len(mail.outbox) == 1
    load_tenant(set_user(tenant(), "alice", licences=[]))
    sync.environment_sync(environment=loaded)
    load_tenant(tenant())
    sync.environment_sync(environment=loaded)
    assert not record("alice").isdisabled and record("alice").invitestatuscode == 0


def test_role_07_group_team_member_after_first_access(loaded):
    """ROLE-07, ROLE-01: a group team shows a member only after first access; its role counts (DIAG-03)."""
    sync.environment_sync(environment=loaded)
    group = directory.DirectoryGroup.objects.get(name="Sales-Env")
    team = records.team_create(environment=loaded, name="Sales team", teamtype=2, group_object_id=group.id, membershiptype=1,
                               roles=[loaded.security_roles.get(name="Basic User")])
    assert not TeamMembership.objects.filter(team=team).exists()
    sync.user_sign_in(environment=loaded, directory_user=du("alice"))
    assert list(team.members.values_list("domainname", flat=True)) == [upn("alice")]
    diagnosis = sync.environment_user_diagnose(environment=loaded, directory_user=du("alice"))
    role_check = [c for c in diagnosis.checks if c.rule == "ROLE-01"][0]
    assert role_check.result == "pass" and "Sales team" in role_check.reason


def test_diag_03_diagnostics_refresh_first(loaded):
    """DIAG-03, DIAG-01: diagnostics refresh the record from the directory, then report every check in order."""
    sync.environment_sync(environment=loaded)
    load_tenant(set_user(tenant(), "alice", licences=[]))
    diagnosis = sync.environment_user_diagnose(environment=loaded, directory_user=du("alice"))
    assert diagnosis.status == "disabled" and record("alice").isdisabled
    assert [c.rule for c in diagnosis.checks][:7] == ["ELIG-01", "ELIG-02", "ELIG-03", "ELIG-04", "ELIG-05", "ELIG-06", "ROLE-01"]
    assert diagnosis.verdict == "not_entitled" and diagnosis.checks[2].result == "fail"
    assert diagnosis.refresh.run.trigger == "diagnose"


def test_sync_07_runs_recorded_and_empty_runs_pruned(loaded):
    """SYNC-07: every run recorded with trigger and counts; empty background runs kept a day, then only the latest."""
    from datetime import timedelta

    from django.utils import timezone
    sync.environment_sync(environment=loaded)
    empties = [sync.environment_sync(environment=loaded) for _ in range(3)]
    SyncRun.objects.filter(pk__in=[r.pk for r in empties]).update(started_at=timezone.now() - timedelta(days=2))
    sync.environment_sync(environment=loaded)
    kept = SyncRun.objects.filter(environment=loaded, trigger="schedule")
    assert kept.count() == 2  # the run that added users, and the latest empty one
    assert kept.filter(added=4).exists()


def test_one_background_sync_per_environment_at_a_time(loaded):
    """Only one background run of an environment is running: the database refuses a second."""
    SyncRun.objects.create(environment=loaded, trigger="schedule", status="running")
    with pytest.raises(IntegrityError):
        sync.environment_sync(environment=loaded, wait=False)


def test_onprem_01_sync_and_sign_in_refused():
    """ONPREM-01: no directory users in an on-premises environment."""
    data = tenant(environments=[{"name": "Legacy", "deployment": "on_premises", "ad_users": [
        {"logon_name": "CONTOSO\\jdoe", "first_name": "John", "last_name": "Doe", "telephone": "1", "email": "j@c.com",
         "city": "Paris", "state": "IDF", "home_phone": "2"}]}])
    load_tenant(data)
    legacy = env("Legacy")
    assert sync.environment_sync(environment=legacy).added == 0
    result = sync.user_sign_in(environment=legacy, directory_user=du("alice"))
    assert (result.outcome, result.refused_by) == ("refused", ["ONPREM-01"])
    assert not SystemUser.objects.filter(environment=legacy, azureactivedirectoryobjectid__isnull=False).exists()


def test_directory_user_rows_survive_hard_delete(loaded):
    """SYNC-08: hard-deleted directory users stay as tombstones, so their records resolve."""
    load_tenant(hard_delete(tenant(), "bob"))
    assert DirectoryUser.objects.filter(deleted_state="hard").count() == 1
    assert Team.objects.filter(environment=loaded, isdefault=True).count() == 1
