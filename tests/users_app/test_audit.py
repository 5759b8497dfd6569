"""The audit log: who did what, when, through what, before -> after, and what a
rule refused; the screen that shows it to Global administrators and readers, its CSV export; the
database keeping it append-only."""
import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from tests.conftest import portal_upn
from users_app.models import AdminRoleAssignment, AuditEntry, DirectoryUser, SystemUser
from users_app.services import audit, environments, records

from tests.builders import HX

AUDIT_URL = "/m365/audit/"
EXPORT_URL = "/m365/audit/export.csv"


def record(env, local) -> SystemUser:
    return SystemUser.objects.get(environment=env, domainname=portal_upn(local))


def roles_url(env, user) -> str:
    return reverse("users:environment_user_roles", args=[env.environment_id, user.systemuserid])


def run(command, **options) -> int:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, stdout=out, stderr=err, **options)
    except SystemExit as exc:
        return exc.code
    return 0


def insert_entry(at: datetime.datetime, **values) -> None:
    """An entry of another day, as the table keeps it (AuditEntry.at is set on insert, never updated)."""
    values = {"at": at, "actor_kind": "directory", "actor": "someone@contoso.onmicrosoft.com", "via": "portal",
              "action": "Change position", "target_type": "systemuser", "target_id": "", "target": "old@contoso.onmicrosoft.com",
              "environment": "Sales", "changes": [], "outcome": "done", "rule": "", "message": "", **values}
    fields = [AuditEntry._meta.get_field(name) for name in values]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {AuditEntry._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})",
                       params)


@pytest.fixture
def global_reader(portal_tenant):
    """olivia@ holds Global Reader (given by the system, as the tenant file would)."""
    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    AdminRoleAssignment.objects.create(user=olivia, role="Global Reader")
    return "olivia"


# --- Recording ------------------------------------------------------------------------------------


def test_a_portal_change_records_the_directory_user_through_the_portal(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    before = sorted(target.roles.values_list("name", flat=True))
    basic, maker = sales.security_roles.get(name="Basic User"), sales.security_roles.get(name="Environment Maker")
    global_admin = DirectoryUser.objects.get(user_principal_name=portal_upn("global"))

    assert sign_in("global").post(roles_url(sales, target), {"roles": [basic.pk, maker.pk]}).status_code == 302

    entry = AuditEntry.objects.get(action="Manage security roles")
    assert (entry.actor_kind, entry.actor, entry.actor_object_id, entry.via) == (
        "directory", portal_upn("global"), global_admin.pk, "portal")
    assert (entry.target_type, entry.target, entry.environment, entry.outcome) == (
        "systemuser", portal_upn("plain"), "Sales", "done")
    assert ["security roles", before, ["Basic User", "Environment Maker"]] in entry.changes


def test_a_refusal_in_the_portal_records_the_rule(portal_tenant, sign_in):
    """ROLE-02: a role for a disabled user is refused; the refusal is recorded, nothing else."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    SystemUser.objects.filter(pk=target.pk).update(isdisabled=True)
    basic = sales.security_roles.get(name="Basic User")

    response = sign_in("global").post(roles_url(sales, target), {"roles": [basic.pk]}, **HX)

    assert response.status_code == 409
    entry = AuditEntry.objects.get(action="Manage security roles")
    assert (entry.outcome, entry.rule, entry.actor, entry.via) == ("refused", "ROLE-02", portal_upn("global"), "portal")
    assert "disabled" in entry.message
    assert entry.changes == []
    assert not target.roles.filter(pk=basic.pk).exists()


def test_the_command_line_records_the_operator(portal_tenant):
    sales = portal_tenant["sales"]
    assert run("assign_role", environment="Sales", user=portal_upn("plain"), role="System Customizer") == 0
    entry = AuditEntry.objects.get(action="Assign security role", via="cli")
    assert (entry.actor_kind, entry.actor, entry.via, entry.outcome) == ("operator", "operator", "cli", "done")
    assert entry.target == portal_upn("plain") and entry.environment == sales.name
    [[name, before, after]] = [c for c in entry.changes if c[0] == "security roles"]
    assert after == sorted([*before, "System Customizer"])


def test_a_command_refused_by_a_rule_records_one_refusal(portal_tenant):
    sales = portal_tenant["sales"]
    SystemUser.objects.filter(pk=record(sales, "plain").pk).update(isdisabled=True)

    assert run("assign_role", environment="Sales", user=portal_upn("plain"), role="Basic User") == 1

    [entry] = AuditEntry.objects.filter(outcome="refused")
    assert (entry.action, entry.rule, entry.actor_kind, entry.via) == ("Assign security role", "ROLE-02", "operator", "cli")
    assert entry.target == portal_upn("plain")
    assert not record(sales, "plain").roles.filter(name="Basic User").exists()


def test_a_command_refused_before_any_change_records_the_command(portal_tenant):
    """Refused as a whole (here: an unknown environment), the command's name is the action."""
    assert run("assign_role", environment="Nowhere", user=portal_upn("plain"), role="Basic User") == 1
    [entry] = AuditEntry.objects.filter(via="cli")
    assert (entry.action, entry.outcome, entry.rule, entry.actor, entry.via) == (
        "assign_role", "refused", "not-found", "operator", "cli")
    assert "Nowhere" in entry.message


def test_nested_services_make_one_entry_with_first_before_and_last_after(portal_tenant):
    """Manage security roles assigns and removes through the single-role services: one entry."""
    sales = portal_tenant["sales"]
    target = record(sales, "plain")
    records.role_assign(systemuser=target, role="Basic User")
    maker = sales.security_roles.get(name="Environment Maker")
    AuditEntry_count = AuditEntry.objects.count()
    with audit.acting_as(audit.OPERATOR_ACTOR):
        records.roles_set(systemuser=target, roles=[maker])
    [entry] = AuditEntry.objects.order_by("-id")[:1]
    assert AuditEntry.objects.count() == AuditEntry_count + 1
    assert entry.action == "Manage security roles"
    [change] = [c for c in entry.changes if c[0] == "security roles"]
    assert change[1:] == [["Basic User"], ["Environment Maker"]]


def test_environment_settings_and_creation_are_recorded(portal_tenant):
    sales = portal_tenant["sales"]
    with audit.acting_as(audit.OPERATOR_ACTOR):
        environments.environment_update(environment=sales, allow_delete_disabled_users=True)
        created = environments.environment_create(name="Audit test", type="Sandbox")
    settings_entry = AuditEntry.objects.get(action="Update environment settings", via="cli")
    assert settings_entry.changes == [["allow_delete_disabled_users", False, True]]
    assert settings_entry.target == "Sales" and settings_entry.environment == "Sales"
    created_entry = AuditEntry.objects.get(action="Create environment", via="cli")
    assert created_entry.target_id == str(created.pk)
    assert ["name", None, "Audit test"] in created_entry.changes


def test_the_background_sync_writes_no_entry_per_user(portal_tenant):
    """SyncRun records the sync's own writes."""
    from users_app.provisioning.sync import directory_sync

    count = AuditEntry.objects.count()
    directory_sync()
    assert AuditEntry.objects.filter(actor_kind="directory").count() == 0
    assert AuditEntry.objects.count() == count


# --- Append-only in the database ---------------------------------------------------------------------


def test_the_database_refuses_to_update_an_entry(portal_tenant):
    audit.record("Change position", target="someone", changes=[("position", None, "Manager")])
    entry = AuditEntry.objects.get(action="Change position")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="Forged")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET actor = %s", ["nobody"])
    entry.refresh_from_db()
    assert (entry.action, entry.actor) == ("Change position", "system")


def test_an_entry_cannot_be_deleted(portal_tenant):
    """The model and its queryset refuse deletion on every engine; on PostgreSQL the database
    refuses a raw DELETE too (on SQLite a test flush's DELETE cannot be told from any other, so
    the trigger there refuses UPDATE only: migration 0006)."""
    audit.record("Change position", target="someone", changes=[("position", None, "Manager")])
    entry = AuditEntry.objects.get(action="Change position")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.action = "Forged"
        entry.save()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table}")
    assert AuditEntry.objects.filter(action="Change position").exists()


# --- The screen -------------------------------------------------------------------------------------


@pytest.mark.parametrize("local, status", [("global", 200), ("useradmin", 403), ("licadmin", 403), ("ppadmin", 403),
                                           ("plain", 403)])
def test_who_may_read_the_audit_log(portal_tenant, sign_in, local, status):
    client = sign_in(local)
    assert client.get(AUDIT_URL).status_code == status
    assert client.get(EXPORT_URL).status_code == status
    assert client.get(AUDIT_URL, **HX).status_code == status


def test_a_global_reader_reads_the_audit_log_and_sees_it_in_the_rail(portal_tenant, sign_in, global_reader):
    client = sign_in(global_reader)
    response = client.get(AUDIT_URL)
    assert response.status_code == 200
    assert 'href="/m365/audit/"' in response.content.decode()
    assert client.get(EXPORT_URL).status_code == 200
    # A User administrator sees no link to it.
    assert 'href="/m365/audit/"' not in sign_in("useradmin").get(reverse("m365:active_user_list")).content.decode()


def test_anonymous_is_sent_to_sign_in(portal_tenant, client):
    response = client.get(AUDIT_URL)
    assert response.status_code == 302 and "next=" in response["Location"]


def test_search_date_and_outcome_filters(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    with audit.acting_as(audit.OPERATOR_ACTOR):
        records.role_assign(systemuser=record(sales, "plain"), role="System Customizer")
    insert_entry(timezone.make_aware(datetime.datetime(2026, 1, 15, 10, 0)), target="january@contoso.onmicrosoft.com")
    insert_entry(timezone.make_aware(datetime.datetime(2026, 2, 20, 10, 0)), target="february@contoso.onmicrosoft.com",
                 outcome="refused", rule="ROLE-02", message="Refused.")
    client = sign_in("global")

    def targets(**query):
        response = client.get(AUDIT_URL, query, **HX)
        assert response.status_code == 200
        return [row.record.target for row in response.context["table"].page.object_list]

    everything = targets()
    assert everything[-2:] == ["february@contoso.onmicrosoft.com", "january@contoso.onmicrosoft.com"]  # newest first
    assert targets(q="january") == ["january@contoso.onmicrosoft.com"]
    assert set(targets(q="Assign security")) == {portal_upn("plain"), portal_upn("sysadmin")}  # the action
    assert targets(q="operator") == [portal_upn("plain")]  # the actor
    assert targets(date_from="2026-01-01", date_to="2026-01-31") == ["january@contoso.onmicrosoft.com"]
    assert targets(date_from="2026-02-20", date_to="2026-02-20") == ["february@contoso.onmicrosoft.com"]  # whole days
    assert targets(date_to="2026-02-19") == ["january@contoso.onmicrosoft.com"]
    assert portal_upn("plain") in targets(date_from=timezone.localdate().isoformat())
    assert targets(outcome="refused") == ["february@contoso.onmicrosoft.com"]
    assert targets(date_from="not a date") == everything  # ignored, never a 500

    page = client.get(AUDIT_URL, {"q": "january"}).content.decode()
    assert "<html" in page and "january@contoso.onmicrosoft.com" in page and "Audit log" in page
    fragment = client.get(AUDIT_URL, {"q": "january"}, **HX).content.decode()
    assert "<html" not in fragment and 'id="audit-table"' in fragment
    assert 'id="audit-export"' in fragment and "q=january" in fragment  # the export link follows the filters


def test_keyset_paging_newest_first(portal_tenant, sign_in):
    base = timezone.make_aware(datetime.datetime(2026, 3, 1, 12, 0))
    for n in range(30):
        insert_entry(base + datetime.timedelta(minutes=n), target=f"user{n:02d}@contoso.onmicrosoft.com", action="Paging")
    client = sign_in("global")
    first = client.get(AUDIT_URL, {"q": "Paging"}, **HX)
    page = first.context["table"].page
    assert [r.record.target for r in page.object_list][:2] == ["user29@contoso.onmicrosoft.com", "user28@contoso.onmicrosoft.com"]
    assert len(page) == 25 and page.has_next()
    second = client.get(AUDIT_URL, {"q": "Paging", "after": page.next_cursor, "page": 2}, **HX)
    assert [r.record.target for r in second.context["table"].page.object_list] == [
        f"user{n:02d}@contoso.onmicrosoft.com" for n in range(4, -1, -1)]


def test_csv_export_has_the_rows_neutralised_and_is_itself_recorded(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    payloads = ["=cmd|' /C calc'!A0", "+HYPERLINK(\"http://evil\")", "@SUM(A1)", "-2+3", "\tTabbed", "\rReturn"]
    with audit.acting_as(audit.OPERATOR_ACTOR):
        for name in payloads:
            records.team_create(environment=sales, name=name)
    client = sign_in("global")

    response = client.get(EXPORT_URL)

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Date (UTC)", "Actor", "Actor kind", "Through", "Activity"]
    created = [row for row in body if row[4] == "Create team"]
    assert sorted(row[6] for row in created) == sorted("'" + name for name in payloads)
    assert all(row[1] == "operator" and row[3] == "Command line" for row in created)
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    export = AuditEntry.objects.get(action="Export audit log")
    assert (export.actor, export.via, export.outcome) == (portal_upn("global"), "portal", "done")


def test_csv_export_follows_the_filters(portal_tenant, sign_in):
    insert_entry(timezone.make_aware(datetime.datetime(2026, 1, 15, 10, 0)), target="january@contoso.onmicrosoft.com")
    insert_entry(timezone.make_aware(datetime.datetime(2026, 2, 20, 10, 0)), target="february@contoso.onmicrosoft.com")
    response = sign_in("global").get(EXPORT_URL, {"date_to": "2026-01-31"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[6] for row in rows[1:]] == ["january@contoso.onmicrosoft.com"]
    export = AuditEntry.objects.get(action="Export audit log")
    assert export.changes == [["exported", None, "entries matching date_to=2026-01-31"]]


def test_an_admin_add_and_a_refused_add_are_actions(portal_tenant):
    """Add user (SYNC-03) records the new record's fields; an add the rules refuse is recorded
    refused with the rule; a refresh that changes nothing leaves no entry."""
    from users_app.provisioning.sync import environment_user_add, environment_user_refresh

    sales, service = portal_tenant["sales"], portal_tenant["service"]
    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    with audit.acting_as(audit.OPERATOR_ACTOR):
        assert environment_user_add(environment=service, directory_user=olivia).outcome == "added"
        refused = environment_user_add(environment=sales, directory_user=olivia)  # not in Sales-Env
        environment_user_refresh(environment=service, directory_user=olivia)
    assert refused.outcome == "refused"
    added_entry, refused_entry = AuditEntry.objects.filter(via="cli").order_by("id")
    assert (added_entry.action, added_entry.target, added_entry.environment, added_entry.outcome) == (
        "Add user", portal_upn("olivia"), "Service", "done")
    assert ["status", None, "Enabled"] in added_entry.changes
    assert ["first name", None, "Olivia"] in added_entry.changes
    assert not [c for c in added_entry.changes if c[2] in ("", [])]  # empty fields of a new record say nothing
    assert (refused_entry.action, refused_entry.environment, refused_entry.outcome) == ("Add user", "Sales", "refused")
    assert refused_entry.rule == refused.refused_by[0] and refused_entry.rule in refused_entry.message
    assert refused_entry.changes == []
