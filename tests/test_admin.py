"""The Django admin: every registered model lists, searches and opens; the
system-managed columns and the placeholder users are protected.

Rows are made straight with the ORM: what is under test is the admin's
configuration, not the services that normally create these rows.
"""
import uuid

import pytest
from django.contrib import admin
from django.urls import reverse

from environments_app.models import BusinessUnit, Environment, Position, SecurityRole
from users_app.services import records
from users_app.choices import AccessMode, AdminRole, SkuKind, SyncStatus, SyncTrigger, UserType
from users_app.models import (
    Account,
    AdminRoleAssignment,
    AppRegistration,
    AuditEntry,
    DirectoryGroup,
    DirectoryUser,
    GroupMembership,
    GroupOwner,
    LicenceAssignment,
    Sku,
    SyncRun,
    SystemUser,
    SystemUserRole,
    Team,
    TeamMembership,
    Tenant,
)

# Model -> a search term that matches the row made by `rows`.
SEARCH_TERMS = {
    Environment: "Contoso Sales",
    BusinessUnit: "Contoso Sales",
    SecurityRole: "Basic",
    Position: "Manager",
    Tenant: "Contoso",
    DirectoryUser: "alex@contoso",
    Sku: "Power Apps",
    LicenceAssignment: "alex@contoso",
    DirectoryGroup: "Sales team",
    AdminRoleAssignment: "alex@contoso",
    AppRegistration: "Billing",
    SystemUser: "alex@contoso",
    Team: "Sales",
    Account: "Fabrikam",
    SyncRun: "Contoso Sales",
    AuditEntry: "Change position",
}


def _url(obj_or_model, view: str, *args) -> str:
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def rows(db):
    env = Environment.objects.create(name="Contoso Sales")
    root = BusinessUnit.objects.create(environment=env, name="Contoso Sales")
    role = SecurityRole.objects.create(environment=env, business_unit=root, name="Basic User", is_system=True)
    position = Position.objects.create(environment=env, name="Manager")
    tenant = Tenant.objects.create()
    alex = DirectoryUser.objects.create(
        user_principal_name="alex@contoso.onmicrosoft.com", display_name="Alex Wilber", mail="alex@contoso.com",
        usage_location="US",
    )
    gone = DirectoryUser.objects.create(user_principal_name="gone@contoso.onmicrosoft.com", deleted_state="soft")
    sku = Sku.objects.create(sku_part_number="POWERAPPS_PER_USER", name="Power Apps Premium", seats=5, kind=SkuKind.DATAVERSE)
    assignment = LicenceAssignment.objects.create(user=alex, sku=sku)
    LicenceAssignment.objects.create(user=gone, sku=sku)
    group = DirectoryGroup.objects.create(name="Sales team")
    GroupMembership.objects.create(group=group, user=alex)
    GroupOwner.objects.create(group=group, user=alex)
    admin_role = AdminRoleAssignment.objects.create(user=alex, role=AdminRole.POWER_PLATFORM)
    app = AppRegistration.objects.create(app_id=uuid.uuid4(), name="Billing connector")
    user = SystemUser.objects.create(
        environment=env, businessunit=root, azureactivedirectoryobjectid=alex.pk,
        domainname=alex.user_principal_name, fullname="Alex Wilber", firstname="Alex", lastname="Wilber",
        internalemailaddress="alex@contoso.com",
    )
    SystemUserRole.objects.create(systemuser=user, role=role)
    team = Team.objects.create(environment=env, businessunit=root, name="Sales", isdefault=True)
    TeamMembership.objects.create(team=team, systemuser=user)
    account = Account.objects.create(environment=env, name="Fabrikam", owner=user)
    run = SyncRun.objects.create(
        environment=env, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.SUCCEEDED, added=1,
        decisions=[{"upn": alex.user_principal_name, "outcome": "added", "rules": ["ELIG-01"]}],
    )
    placeholder = SystemUser.objects.create(
        environment=env, businessunit=root, user_type=UserType.DELEGATED_ADMIN, accessmode=AccessMode.DELEGATED_ADMIN,
        issyncwithdirectory=False, domainname="crmoln2@microsoft.com", firstname="Delegated", lastname="Admin",
    )
    records.position_set(systemuser=user, position=position)  # one audit entry
    return {
        AuditEntry: AuditEntry.objects.get(action="Change position"),
        Environment: env, BusinessUnit: root, SecurityRole: role, Position: position, Tenant: tenant,
        DirectoryUser: alex, Sku: sku, LicenceAssignment: assignment, DirectoryGroup: group,
        AdminRoleAssignment: admin_role, AppRegistration: app, SystemUser: user, Team: team, Account: account,
        SyncRun: run, "placeholder": placeholder,
    }


def test_every_project_model_is_registered():
    registered = {m for m in admin.site._registry if m._meta.app_label in ("users_app", "environments_app")}
    assert registered == set(SEARCH_TERMS)


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(SEARCH_TERMS), ids=lambda m: m.__name__)
def test_changelist_search_and_change_page(admin_client, rows, model):
    obj = rows[model]

    response = admin_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1

    response = admin_client.get(_url(model, "changelist"), {"q": SEARCH_TERMS[model]})
    assert response.status_code == 200
    assert obj in response.context["cl"].result_list

    response = admin_client.get(_url(model, "changelist"), {"q": "no-such-thing-anywhere"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0

    response = admin_client.get(_url(obj, "change", obj.pk))
    assert response.status_code == 200
    assert response.context["original"] == obj


@pytest.mark.django_db
def test_search_by_object_id(admin_client, rows):
    alex = rows[DirectoryUser]
    response = admin_client.get(_url(SystemUser, "changelist"), {"q": str(alex.pk)})
    assert list(response.context["cl"].result_list) == [rows[SystemUser]]
    response = admin_client.get(_url(DirectoryUser, "changelist"), {"q": str(alex.pk)})
    assert list(response.context["cl"].result_list) == [alex]


@pytest.mark.django_db
def test_placeholder_user_cannot_be_deleted_or_edited(admin_client, rows):
    placeholder = rows["placeholder"]
    # MODE-05, MODE-07: the placeholder users can be neither edited nor deleted.
    assert admin_client.get(_url(placeholder, "delete", placeholder.pk)).status_code == 403
    assert admin_client.post(_url(placeholder, "delete", placeholder.pk), {"post": "yes"}).status_code == 403
    response = admin_client.post(_url(placeholder, "change", placeholder.pk), {"homephone": "555"})
    assert response.status_code == 403
    response = admin_client.get(_url(placeholder, "change", placeholder.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    # Bulk delete is refused too.
    response = admin_client.post(
        _url(SystemUser, "changelist"), {"action": "delete_selected", "_selected_action": [placeholder.pk], "post": "yes"}
    )
    assert SystemUser.objects.filter(pk=placeholder.pk).exists()
    placeholder.refresh_from_db()
    assert placeholder.homephone == ""


@pytest.mark.django_db
def test_regular_user_delete_page_is_offered(admin_client, rows):
    user = rows[SystemUser]
    assert admin_client.get(_url(user, "delete", user.pk)).status_code == 200


@pytest.mark.django_db
def test_system_managed_columns_are_read_only(admin_client, rows):
    user = rows[SystemUser]
    response = admin_client.get(_url(user, "change", user.pk))
    form_fields = set(response.context["adminform"].form.fields)
    for name in (
        "systemuserid", "azureactivedirectoryobjectid", "applicationid", "user_type", "isdisabled", "accessmode",
        "setupuser", "non_interactive_slot", "uses_app_pass", "deletedstate", "domainname", "fullname",
        "firstname", "lastname", "jobtitle", "mobilephone", "address1_line1", "address1_city",
    ):
        assert name not in form_fields, name
    assert "internalemailaddress" in form_fields  # FIELD-04: editable by an admin
    assert "FIELD-04" in response.content.decode()

    alex = rows[DirectoryUser]
    form_fields = set(admin_client.get(_url(alex, "change", alex.pk)).context["adminform"].form.fields)
    assert {"id", "created_on", "modified_on", "original_user_principal_name", "original_mail"}.isdisjoint(form_fields)
    assert "user_principal_name" in form_fields

    sku = rows[Sku]
    form_fields = set(admin_client.get(_url(sku, "change", sku.pk)).context["adminform"].form.fields)
    assert "sku_id" not in form_fields and "seats" in form_fields


def _change_form_data(response) -> dict:
    """The POST data the change page would send back unchanged (main form and inlines)."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            data[bound.html_name] = bound.value()
        forms.extend(formset.forms)
    for form in forms:
        for bound in form:
            value = bound.value()  # already prepared for the widget
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif value is not None:
                data[bound.html_name] = value
    return data


@pytest.mark.django_db
def test_editing_primary_email_marks_it_edited(admin_client, rows):
    user = rows[SystemUser]
    assert user.internalemailaddress_edited is False
    data = _change_form_data(admin_client.get(_url(user, "change", user.pk)))
    data["internalemailaddress"] = "alex.w@contoso.com"
    response = admin_client.post(_url(user, "change", user.pk), data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.internalemailaddress == "alex.w@contoso.com"
    assert user.internalemailaddress_edited is True  # FIELD-04: sync leaves it alone from now on
    assert user.role_assignments.count() == 1 and user.team_memberships.count() == 1


@pytest.mark.django_db
def test_sku_seats_used_counts_only_users_not_deleted(admin_client, rows):
    response = admin_client.get(_url(Sku, "changelist"))
    sku = next(s for s in response.context["cl"].result_list if s.pk == rows[Sku].pk)
    assert sku._seats_used == 1  # alex counts, the soft-deleted user does not
    assert response.context["cl"].model_admin.seats_used(sku) == 1


@pytest.mark.django_db
def test_sku_changelist_has_no_n_plus_one(admin_client, rows, django_assert_max_num_queries):
    for i in range(5):
        sku = Sku.objects.create(sku_part_number=f"EXTRA_{i}", name=f"Extra {i}", kind=SkuKind.OFFICE)
        LicenceAssignment.objects.create(user=rows[DirectoryUser], sku=sku)
    url = _url(Sku, "changelist")
    with django_assert_max_num_queries(12) as captured:
        admin_client.get(url)
    baseline = len(captured)
    for i in range(5, 15):
        Sku.objects.create(sku_part_number=f"EXTRA_{i}", name=f"Extra {i}", kind=SkuKind.OFFICE)
    with django_assert_max_num_queries(baseline):
        admin_client.get(url)


@pytest.mark.django_db
def test_sync_run_is_read_only_but_deletable(admin_client, rows):
    run = rows[SyncRun]
    assert admin_client.get(_url(SyncRun, "add")).status_code == 403
    response = admin_client.get(_url(run, "change", run.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    content = response.content.decode()
    assert "<pre" in content and '&quot;outcome&quot;: &quot;added&quot;' in content
    assert admin_client.post(_url(run, "change", run.pk), {"added": "9"}).status_code == 403
    response = admin_client.post(_url(run, "delete", run.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not SyncRun.objects.filter(pk=run.pk).exists()


@pytest.mark.django_db
def test_system_user_add_view_is_refused(admin_client, rows):
    assert admin_client.get(_url(SystemUser, "add")).status_code == 403


# --- The admin is a door too: the directory's rule checks, and every save in the audit log ---------


def _inline(response, model):
    return next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.model is model)


def _add_inline_row(data: dict, formset, **values) -> dict:
    """The change page's POST data with one more row in the inline `formset`."""
    prefix = formset.prefix
    number = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(number + 1)
    for name, value in values.items():
        data[f"{prefix}-{number}-{name}"] = value
    return data


def _post_with_inline_row(admin_client, obj, model, **values):
    response = admin_client.get(_url(obj, "change", obj.pk))
    data = _add_inline_row(_change_form_data(response), _inline(response, model), **values)
    return admin_client.post(_url(obj, "change", obj.pk), data)


def _admin_entries():
    return list(AuditEntry.objects.filter(via="admin"))


@pytest.mark.django_db
def test_licence_inline_beyond_seats_is_refused_with_dir02(admin_client, rows):
    alex = rows[DirectoryUser]
    full = Sku.objects.create(sku_part_number="ONE_SEAT", name="One seat", seats=1, kind=SkuKind.DATAVERSE)
    other = DirectoryUser.objects.create(user_principal_name="other@contoso.onmicrosoft.com", usage_location="US")
    LicenceAssignment.objects.create(user=other, sku=full)
    before = LicenceAssignment.objects.count()

    response = _post_with_inline_row(admin_client, alex, LicenceAssignment, sku=full.pk, user=alex.pk)

    assert response.status_code == 200  # the form again, with the error
    errors = " ".join(_inline(response, LicenceAssignment).non_form_errors())
    assert errors.startswith("DIR-02: No seats left for One seat: 1 of 1 in use.")
    assert "DIR-02" in response.content.decode()
    assert LicenceAssignment.objects.count() == before
    assert _admin_entries() == []


@pytest.mark.django_db
def test_licence_inline_within_seats_is_saved_and_audited(admin_client, rows, admin_user):
    alex = rows[DirectoryUser]
    sku = Sku.objects.create(sku_part_number="TWO_SEATS", name="Two seats", seats=2, kind=SkuKind.OFFICE)
    response = _post_with_inline_row(admin_client, alex, LicenceAssignment, sku=sku.pk, user=alex.pk)
    assert response.status_code == 302
    assert LicenceAssignment.objects.filter(user=alex, sku=sku).exists()
    [entry] = _admin_entries()
    assert (entry.actor_kind, entry.actor, entry.via) == ("superuser", admin_user.username, "admin")
    assert entry.action == "Edit directory user" and entry.target == alex.user_principal_name
    [[name, before, after]] = entry.changes
    assert name == "licence assignments"
    assert after == sorted([*before, f"Two seats → {alex}"])


@pytest.mark.django_db
def test_licence_without_usage_location_is_refused_with_dir10(admin_client, rows):
    bob = DirectoryUser.objects.create(user_principal_name="bob@contoso.onmicrosoft.com", display_name="Bob")
    response = _post_with_inline_row(admin_client, bob, LicenceAssignment, sku=rows[Sku].pk, user=bob.pk)
    assert response.status_code == 200
    errors = " ".join(_inline(response, LicenceAssignment).non_form_errors())
    assert errors.startswith("DIR-10: License assignment cannot be done for user with invalid usage location")
    assert not LicenceAssignment.objects.filter(user=bob).exists()
    assert _admin_entries() == []

    # The licence assignment's own add form checks the same.
    response = admin_client.post(_url(LicenceAssignment, "add"), {"user": bob.pk, "sku": rows[Sku].pk})
    assert response.status_code == 200
    assert "DIR-10" in " ".join(response.context["adminform"].form.non_field_errors())
    assert not LicenceAssignment.objects.filter(user=bob).exists()


@pytest.mark.django_db
def test_licence_assignment_add_form_beyond_seats_is_refused(admin_client, rows):
    full = Sku.objects.create(sku_part_number="NONE_LEFT", name="None left", seats=0, kind=SkuKind.OFFICE)
    response = admin_client.post(_url(LicenceAssignment, "add"), {"user": rows[DirectoryUser].pk, "sku": full.pk})
    assert response.status_code == 200
    assert " ".join(response.context["adminform"].form.non_field_errors()).startswith(
        "DIR-02: No seats left for None left: 0 of 0 in use.")
    assert not LicenceAssignment.objects.filter(sku=full).exists()


@pytest.mark.django_db
def test_group_cycle_through_the_admin_is_refused_with_dir06(admin_client, rows):
    outer, inner = rows[DirectoryGroup], DirectoryGroup.objects.create(name="Inner team")
    GroupMembership.objects.create(group=outer, member_group=inner)
    before = GroupMembership.objects.count()

    response = _post_with_inline_row(admin_client, inner, GroupMembership, member_group=outer.pk, group=inner.pk)

    assert response.status_code == 200
    errors = " ".join(_inline(response, GroupMembership).non_form_errors())
    assert errors == "DIR-06: Nested groups would form a cycle: Inner team > Sales team > Inner team."
    assert GroupMembership.objects.count() == before
    assert _admin_entries() == []


@pytest.mark.django_db
def test_admin_role_for_a_permanently_deleted_user_is_refused(admin_client, rows):
    gone = DirectoryUser.objects.create(user_principal_name="purged@contoso.onmicrosoft.com", deleted_state="hard")
    response = admin_client.post(_url(AdminRoleAssignment, "add"), {"user": gone.pk, "role": AdminRole.USER})
    assert response.status_code == 200
    assert "DIR-04" in " ".join(response.context["adminform"].form.non_field_errors())
    assert not AdminRoleAssignment.objects.filter(user=gone).exists()


@pytest.mark.django_db
def test_admin_save_is_audited_with_the_superuser_before_and_after(admin_client, rows, admin_user):
    alex = rows[DirectoryUser]
    data = _change_form_data(admin_client.get(_url(alex, "change", alex.pk)))
    data["display_name"] = "Alex W."
    assert admin_client.post(_url(alex, "change", alex.pk), data).status_code == 302
    [entry] = _admin_entries()
    assert (entry.actor_kind, entry.actor, entry.via, entry.outcome) == ("superuser", admin_user.username, "admin", "done")
    assert entry.action == "Edit directory user"
    assert entry.changes == [["Display name", "Alex Wilber", "Alex W."]]

    # An environment side save: the system user's primary e-mail (the service it calls joins the entry).
    user = rows[SystemUser]
    data = _change_form_data(admin_client.get(_url(user, "change", user.pk)))
    data["internalemailaddress"] = "alex.w@contoso.com"
    assert admin_client.post(_url(user, "change", user.pk), data).status_code == 302
    entry = AuditEntry.objects.filter(via="admin").order_by("-id").first()
    assert entry.action == "Edit system user" and entry.environment == "Contoso Sales"
    assert ["Primary email", "alex@contoso.com", "alex.w@contoso.com"] in entry.changes


@pytest.mark.django_db
def test_admin_deletes_are_audited(admin_client, rows):
    position = rows[Position]
    assert admin_client.post(_url(position, "delete", position.pk), {"post": "yes"}).status_code == 302
    app = rows[AppRegistration]
    response = admin_client.post(_url(AppRegistration, "changelist"),
                                 {"action": "delete_selected", "_selected_action": [app.pk], "post": "yes"})
    assert response.status_code == 302
    assert not AppRegistration.objects.filter(pk=app.pk).exists()
    actions = [(e.action, e.target, e.actor_kind) for e in AuditEntry.objects.filter(via="admin").order_by("id")]
    assert actions == [("Delete position", "Manager", "superuser"),
                       ("Delete app registration", "Billing connector", "superuser")]


@pytest.mark.django_db
def test_audit_log_is_read_only_in_the_admin(admin_client, rows):
    entry = rows[AuditEntry]
    assert admin_client.get(_url(AuditEntry, "add")).status_code == 403
    response = admin_client.get(_url(entry, "change", entry.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    assert admin_client.post(_url(entry, "change", entry.pk), {"action": "Forged"}).status_code == 403
    assert admin_client.post(_url(entry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    admin_client.post(_url(AuditEntry, "changelist"),
                      {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    entry.refresh_from_db()
    assert entry.action == "Change position"


@pytest.mark.django_db
def test_role_for_a_disabled_user_through_the_admin_is_refused_with_role02(admin_client, rows):
    user = rows[SystemUser]
    SystemUser.objects.filter(pk=user.pk).update(isdisabled=True)
    maker = SecurityRole.objects.create(environment=rows[Environment], business_unit=rows[BusinessUnit], name="Maker")
    response = _post_with_inline_row(admin_client, user, SystemUserRole, role=maker.pk, systemuser=user.pk)
    assert response.status_code == 200
    assert " ".join(_inline(response, SystemUserRole).non_form_errors()).startswith(
        "ROLE-02: roleFailureDuetoUserIsDisabled: Failed to assign role 'Maker'")
    assert not SystemUserRole.objects.filter(role=maker).exists()


@pytest.mark.django_db
def test_default_team_members_are_not_managed_in_the_admin_rol07(admin_client, rows):
    team = rows[Team]  # the business unit's default team
    other = SystemUser.objects.create(environment=rows[Environment], businessunit=rows[BusinessUnit],
                                      domainname="megan@contoso.onmicrosoft.com")
    response = _post_with_inline_row(admin_client, team, TeamMembership, systemuser=other.pk, team=team.pk)
    assert response.status_code == 200
    assert " ".join(_inline(response, TeamMembership).non_form_errors()).startswith("ROLE-07: ")
    assert not TeamMembership.objects.filter(systemuser=other).exists()
