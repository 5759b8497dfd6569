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
from users_app.choices import AccessMode, AdminRole, SkuKind, SyncStatus, SyncTrigger, UserType
from users_app.models import (
    Account,
    AdminRoleAssignment,
    AppRegistration,
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
    return {
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
            value = bound.field.prepare_value(bound.value())
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
