"""Directory writes (DIR-01..DIR-11) and environment set-up (ENV-01, ENV-04..06, MODE-05,
MODE-07, ONPREM-01/02), through the real services and database."""
import re
import uuid

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core import mail

from environments_app.choices import StandardRole
from environments_app.models import BusinessUnit, Environment, SecurityRole
from users_app.choices import AccessMode, AdminRole, DeletedState, TeamType, UserType
from users_app.models import (
    AdminRoleAssignment,
    AppRegistration,
    DirectoryUser,
    GroupMembership,
    GroupOwner,
    LicenceAssignment,
    Sku,
    SystemUser,
    Team,
    TeamMembership,
)
from users_app.provisioning.rules import RuleViolation
from users_app.services import directory as d
from users_app.services import environments as e

from tests.builders import DOMAIN

pytestmark = pytest.mark.django_db


def make_user(local="alice", **kw):
    kw.setdefault("usage_location", "US")
    user, _ = d.directory_user_create(user_principal_name=f"{local}@{DOMAIN}", **kw)
    return user


def sku(part="DYN365_SALES", seats=2, kind="dataverse"):
    return Sku.objects.create(sku_part_number=part, name=part.title(), seats=seats, kind=kind)


# --- DIR-01 ---------------------------------------------------------------------------------------


def test_dir01_create_generates_object_id_and_random_temporary_password():
    """DIR-01: object id generated, a cryptographically random temporary password shown once,
    which must be changed at first sign-in."""
    user, password = d.directory_user_create(user_principal_name=f"Alice@{DOMAIN}", display_name="Alice Ng")
    other, password2 = d.directory_user_create(user_principal_name=f"bob@{DOMAIN}")
    assert isinstance(user.id, uuid.UUID) and user.id != other.id
    assert password and password2 and password != password2
    assert len(password) >= 16
    assert re.search(r"[a-z]", password) and re.search(r"[A-Z]", password) and len(re.findall(r"\d", password)) >= 3
    assert user.must_change_password is True  # DIR-01: changed at first sign-in
    assert user.account.username == f"alice@{DOMAIN}"  # the portal login, UPN lower-cased
    assert authenticate(username=f"alice@{DOMAIN}", password=password) == user.account
    assert len(mail.outbox) == 0  # not mailed unless asked


def test_dir01_temporary_password_mailed_in_clear_text_with_warning():
    """DIR-01: the mail goes through Django's backend (locmem here) and says it is clear text."""
    user, password = d.directory_user_create(user_principal_name=f"carol@{DOMAIN}",
                                             email_password_to="manager@contoso.com")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["manager@contoso.com"]
    assert password in message.body
    assert "clear text" in message.body and "secure channel" in message.body
    assert d.CLEAR_TEXT_WARNING in message.body


def test_dir01_given_password_is_usable_at_once_and_reset_generates_a_new_one():
    user, shown = d.directory_user_create(user_principal_name=f"demo@{DOMAIN}", password="Demo-Pass-2026!")
    assert shown is None and user.must_change_password is False
    assert authenticate(username=f"demo@{DOMAIN}", password="Demo-Pass-2026!") == user.account
    temporary = d.directory_user_set_password(user=user, email_password_to="demo@contoso.com")
    user.refresh_from_db()
    assert user.must_change_password and temporary in mail.outbox[-1].body  # DIR-01


def test_dir01_refuses_duplicate_upn_case_insensitively():
    make_user("alice")
    with pytest.raises(RuleViolation) as exc:
        make_user("ALICE")
    assert exc.value.rule == "user_principal_name"
    assert DirectoryUser.objects.count() == 1


# --- DIR-02 ---------------------------------------------------------------------------------------


def test_dir02_seats_enforced_and_delete_frees_the_seat_at_once():
    """DIR-02: beyond the seats is a clear error; removing a licence or deleting the user
    frees the seat at once."""
    sales = sku(seats=2)
    a = make_user("a", licences=[sales])
    b = make_user("b")
    d.licence_assign(user=b, sku=sales)
    c = make_user("c")
    with pytest.raises(RuleViolation) as exc:
        d.licence_assign(user=c, sku=sales)
    assert exc.value.rule == "DIR-02" and "No seats left" in exc.value.message
    assert not LicenceAssignment.objects.filter(user=c).exists()  # nothing half-written

    d.licence_assign(user=a, sku=sales)  # idempotent: already held, no second seat
    assert LicenceAssignment.objects.filter(sku=sales).count() == 2

    d.licence_remove(user=b, sku=sales)  # DIR-02: removing frees the seat
    d.licence_assign(user=c, sku=sales)
    d.directory_user_delete(user=a)  # DIR-02: deleting frees the seat at once
    assert d.seats_used(sales) == 1
    assert LicenceAssignment.objects.filter(user=a, sku=sales).exists()  # kept for a restore
    d.licence_assign(user=b, sku=sales)
    assert d.seats_used(sales) == 2


def test_dir02_create_with_licences_beyond_seats_writes_nothing():
    sales = sku(seats=0)
    with pytest.raises(RuleViolation) as exc:
        make_user("x", licences=[sales])
    assert exc.value.rule == "DIR-02"
    assert DirectoryUser.objects.count() == 0 and get_user_model().objects.count() == 0


def test_dir02_licences_set_replaces_and_frees_before_adding():
    sales, apps = sku("DYN365_SALES", 1), sku("POWERAPPS_PER_USER", 1)
    user = make_user("u", licences=[sales])
    d.licences_set(user=user, skus=[apps])
    assert set(user.licence_assignments.values_list("sku__sku_part_number", flat=True)) == {"POWERAPPS_PER_USER"}
    other = make_user("v")
    d.licences_set(user=other, skus=["DYN365_SALES"])  # part numbers work too; the seat was freed
    assert d.seats_used(sales) == 1


# --- DIR-03 ---------------------------------------------------------------------------------------


def test_dir03_profile_fields_stored_and_custom_attributes_kept():
    """DIR-03: every directory-owned profile field; custom attributes exist (never synchronised, FIELD-05)."""
    fields = dict(display_name="Alice Ng", given_name="Alice", surname="Ng", job_title="Buyer",
                  mail="alice@contoso.com", business_phone="+1 206 555 0100", mobile_phone="+1 206 555 0101",
                  street_address="1 Pine Street", city="Seattle", state="WA", postal_code="98101",
                  country="United States")
    user = make_user("alice", custom_attributes={"employeeId": "E-1"}, **fields)
    user.refresh_from_db()
    for name, value in fields.items():
        assert getattr(user, name) == value
    assert user.custom_attributes == {"employeeId": "E-1"}

    d.directory_user_update(user=user, job_title="Senior Buyer", user_principal_name=f"alice.ng@{DOMAIN}")
    user.refresh_from_db()
    assert user.job_title == "Senior Buyer" and user.custom_attributes == {"employeeId": "E-1"}
    assert user.account.username == f"alice.ng@{DOMAIN}"  # UPN change renames the sign-in


def test_dir03_update_writes_nothing_when_unchanged():
    user = make_user("alice", job_title="Buyer")
    user.refresh_from_db()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        d.directory_user_update(user=user, job_title="Buyer", city="")
    assert not [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


def test_blocking_sign_in_deactivates_the_portal_account():
    user = make_user("alice", password="Demo-Pass-2026!")
    d.directory_user_update(user=user, account_enabled=False)
    user.account.refresh_from_db()
    assert user.account.is_active is False


# --- DIR-04 / DIR-11 ------------------------------------------------------------------------------------


def test_dir04_dir11_soft_delete_alters_upn_and_restore_brings_everything_back():
    """DIR-04: soft delete is restorable (same object id, licences, groups, roles).
    DIR-11: UPN and mail altered with the object id in front while deleted, restored after,
    and the user is still found by the original UPN."""
    sales = sku(seats=1)
    user = make_user("alice", mail="alice@contoso.com", licences=[sales], admin_roles=[AdminRole.USER],
                     password="Demo-Pass-2026!")
    group = d.group_create(name="Sales-Env")
    d.group_member_add(group=group, user=user)
    object_id = user.id

    d.directory_user_delete(user=user)
    user.refresh_from_db()
    assert user.deleted_state == DeletedState.SOFT and user.deleted_on is not None
    assert user.user_principal_name == f"{object_id.hex}alice@{DOMAIN}"  # DIR-11
    assert user.mail == f"{object_id.hex}alice@contoso.com"  # DIR-11
    assert user.original_user_principal_name == f"alice@{DOMAIN}"
    assert d.directory_user_find(f"ALICE@{DOMAIN}") == user  # DIR-11: found by its original UPN
    assert user.account.is_active is False
    assert d.seats_used(sales) == 0  # DIR-02: the seat is free at once
    assert LicenceAssignment.objects.filter(user=user).exists()  # kept for the restore
    assert GroupMembership.objects.filter(user=user).exists()
    assert AdminRoleAssignment.objects.filter(user=user).exists()

    d.directory_user_restore(user=user)
    user.refresh_from_db()
    assert user.id == object_id and user.deleted_state == DeletedState.NONE  # DIR-04
    assert user.user_principal_name == f"alice@{DOMAIN}" and user.mail == "alice@contoso.com"  # DIR-11
    assert user.account.is_active is True
    assert d.seats_used(sales) == 1


def test_dir04_restore_refused_when_upn_taken_or_seat_gone():
    sales = sku(seats=1)
    old = make_user("alice", licences=[sales])
    d.directory_user_delete(user=old)
    newcomer = make_user("bob", licences=[sales])  # takes the freed seat
    with pytest.raises(RuleViolation) as exc:
        d.directory_user_restore(user=old)
    assert exc.value.rule == "DIR-02"
    d.licence_remove(user=newcomer, sku=sales)
    make_user("alice")  # a new live user holds the UPN now
    assert d.directory_user_find(f"alice@{DOMAIN}").deleted_state == ""  # the live one first
    with pytest.raises(RuleViolation) as exc:
        d.directory_user_restore(user=old)
    assert exc.value.rule == "DIR-04"
    old.refresh_from_db()
    assert old.deleted_state == DeletedState.SOFT


def test_dir04_hard_delete_is_final_and_keeps_a_tombstone():
    """DIR-04: permanently deleted users cannot be restored; the row stays (SYNC-08)."""
    sales = sku(seats=1)
    user = make_user("alice", licences=[sales], admin_roles=[AdminRole.GLOBAL], password="Demo-Pass-2026!")
    group = d.group_create(name="G")
    d.group_member_add(group=group, user=user)
    d.group_owner_add(group=group, user=user)
    d.directory_user_purge(user=user)
    user.refresh_from_db()
    assert user.deleted_state == DeletedState.HARD
    assert user.user_principal_name == f"{user.id.hex}alice@{DOMAIN}"
    assert not LicenceAssignment.objects.filter(user=user).exists()
    assert not GroupMembership.objects.filter(user=user).exists()
    assert not GroupOwner.objects.filter(user=user).exists()
    assert not AdminRoleAssignment.objects.filter(user=user).exists()
    assert user.account is None and get_user_model().objects.count() == 0
    with pytest.raises(RuleViolation) as exc:
        d.directory_user_restore(user=user)
    assert exc.value.rule == "DIR-04"
    again = make_user("alice")  # the UPN is free: a new object id (SYNC-08)
    assert again.id != user.id


def test_dir04_restore_refused_after_30_days():
    from datetime import timedelta

    from django.utils import timezone

    user = make_user("alice")
    d.directory_user_delete(user=user)
    with pytest.raises(RuleViolation) as exc:
        d.directory_user_restore(user=user, now=timezone.now() + timedelta(days=31))
    assert exc.value.rule == "DIR-04"
    assert d.directory_purge_expired(now=timezone.now() + timedelta(days=31)) == 1
    user.refresh_from_db()
    assert user.deleted_state == DeletedState.HARD


# --- DIR-05 ---------------------------------------------------------------------------------------


def test_dir05_admin_roles():
    """DIR-05: Global, Power Platform, Dynamics 365 service, User and License administrators."""
    user = make_user("admin", admin_roles=[AdminRole.GLOBAL])
    d.admin_roles_set(user=user, roles=[AdminRole.POWER_PLATFORM, AdminRole.DYNAMICS_365, AdminRole.USER])
    assert set(user.admin_roles.values_list("role", flat=True)) == {
        "Power Platform Administrator", "Dynamics 365 Administrator", "User Administrator"}
    d.admin_role_assign(user=user, role="License Administrator")
    d.admin_role_assign(user=user, role="License Administrator")  # idempotent
    d.admin_role_remove(user=user, role="User Administrator")
    assert user.admin_roles.count() == 3
    with pytest.raises(RuleViolation) as exc:
        d.admin_role_assign(user=user, role="Tenant Overlord")
    assert exc.value.rule == "DIR-05"


# --- DIR-06 ---------------------------------------------------------------------------------------


def test_dir06_nested_groups_owners_and_cycle_refused():
    """DIR-06: groups have members and owners and may contain groups; a cycle is refused."""
    alice, bob = make_user("alice"), make_user("bob")
    sales = d.group_create(name="Sales-Env")
    interns = d.group_create(name="Sales-Interns")
    deep = d.group_create(name="Deep")
    d.group_members_set(group=sales, users=[alice], groups=[interns])
    d.group_member_add(group=interns, user=bob)
    d.group_member_add(group=interns, member_group=deep)
    d.group_owners_set(group=sales, users=[bob])
    assert set(sales.memberships.values_list("user_id", "member_group_id")) == {(alice.id, None), (None, interns.id)}
    assert list(sales.ownerships.values_list("user_id", flat=True)) == [bob.id]

    for parent, child in ((deep, sales), (interns, sales), (sales, sales)):
        with pytest.raises(RuleViolation) as exc:
            d.group_member_add(group=parent, member_group=child)
        assert exc.value.rule == "DIR-06"
    with pytest.raises(RuleViolation):
        d.group_members_set(group=deep, groups=[sales])
    assert not GroupMembership.objects.filter(group=deep).exists()

    d.group_member_remove(group=sales, member_group=interns)
    d.group_owner_remove(group=sales, user=bob)
    d.group_owner_add(group=sales, user=alice)
    assert list(sales.ownerships.values_list("user_id", flat=True)) == [alice.id]
    d.group_member_add(group=deep, member_group=sales)  # no cycle any more


def test_dir06_group_name_unique_ignoring_case():
    d.group_create(name="Sales-Env")
    with pytest.raises(RuleViolation):
        d.group_create(name="sales-env")


# --- DIR-07 / DIR-08 / DIR-09 / DIR-10 ---------------------------------------------------------------


def test_dir07_guest_home_tenant_licences_recorded_not_assigned():
    """DIR-07: a guest's home-tenant licences are recorded, never assignments here."""
    guest, _ = d.directory_user_create(user_principal_name=f"kim_fabrikam.com#EXT#@{DOMAIN}", user_type="Guest",
                                       home_tenant_licences=["DYN365_SALES"])
    guest.refresh_from_db()
    assert guest.user_type == "Guest" and guest.home_tenant_licences == ["DYN365_SALES"]
    assert not guest.licence_assignments.exists()
    with pytest.raises(RuleViolation) as exc:
        d.directory_user_create(user_principal_name=f"x@{DOMAIN}", user_type="Visitor")
    assert exc.value.rule == "user_type"


def test_dir08_app_registration_has_app_id_object_id_and_hashed_secret():
    """DIR-08: a service principal with an application (client) id and an object id."""
    app, secret = d.app_registration_create(name="ERP connector", app_id="00000000-0000-0000-0000-000000000001")
    app.refresh_from_db()
    assert app.app_id == uuid.UUID("00000000-0000-0000-0000-000000000001")
    assert isinstance(app.object_id, uuid.UUID) and app.object_id != app.app_id
    assert secret and secret not in app.secret_hash
    from django.contrib.auth.hashers import check_password

    assert check_password(secret, app.secret_hash)
    other, _ = d.app_registration_create(name="Generated")
    assert other.app_id != app.app_id
    with pytest.raises(RuleViolation):
        d.app_registration_create(name="dup", app_id=app.app_id)
    assert AppRegistration.objects.count() == 2


def test_dir09_sku_kinds():
    """DIR-09: full Power Apps / Dynamics 365 licences, Microsoft 365 with a free Dataverse plan,
    Office-only licences."""
    kinds = {sku("DYN365_SALES", 5, "dataverse").kind, sku("ENTERPRISEPACK", 5, "m365").kind,
             sku("O365_APPS", 5, "office").kind}
    assert kinds == {"dataverse", "m365", "office"}
    user = make_user("alice", licences=["DYN365_SALES", "ENTERPRISEPACK", "O365_APPS"])
    assert set(user.licence_assignments.values_list("sku__kind", flat=True)) == kinds


def test_dir10_licence_needs_usage_location():
    """DIR-10: no usage location (null or empty), no licence; not two letters is refused."""
    sales = sku(seats=5)
    user, _ = d.directory_user_create(user_principal_name=f"nowhere@{DOMAIN}")
    with pytest.raises(RuleViolation) as exc:
        d.licence_assign(user=user, sku=sales)
    assert exc.value.rule == "DIR-10"
    d.directory_user_update(user=user, usage_location="")
    with pytest.raises(RuleViolation):
        d.licence_assign(user=user, sku=sales)
    for bad in ("usa", "us", "U1"):
        with pytest.raises(RuleViolation) as exc:
            d.directory_user_update(user=user, usage_location=bad)
        assert exc.value.rule == "usage_location"
    d.directory_user_update(user=user, usage_location="GB")
    d.licence_assign(user=user, sku=sales)
    with pytest.raises(RuleViolation) as exc:  # DIR-10: a licensed user keeps a usage location
        d.directory_user_update(user=user, usage_location=None)
    assert exc.value.rule == "DIR-10"
    with pytest.raises(RuleViolation) as exc:
        d.directory_user_create(user_principal_name=f"n2@{DOMAIN}", licences=[sales])
    assert exc.value.rule == "DIR-10"
    assert not DirectoryUser.objects.filter(user_principal_name=f"n2@{DOMAIN}").exists()


def test_tenant_get_is_a_single_row():
    assert d.tenant_get().pk == d.tenant_get().pk


# --- ENV ------------------------------------------------------------------------------------------


def test_env01_environment_types_and_fields():
    """ENV-01: name, type, state, region, URL, created-on, optional database, security group,
    the Developer environment's creator."""
    dana = make_user("dana")
    group = d.group_create(name="Sales-Env")
    for env_type in ("Production", "Sandbox", "Trial", "Developer", "Default", "Teams"):
        kw = {}
        if env_type == "Developer":
            kw["created_by"] = dana
        if env_type == "Production":
            kw["security_group"] = group
        env = e.environment_create(name=f"Env {env_type}", type=env_type, **kw)
        assert env.type == env_type and env.state == "Ready" and env.region == "unitedstates"
        assert env.created_on is not None and env.dataverse
    prod = Environment.objects.get(name="Env Production")
    assert prod.url == "https://envproduction.crm.dynamics.com/"
    assert prod.security_group_object_id == group.id
    assert Environment.objects.get(type="Developer").created_by_object_id == dana.id
    no_db = e.environment_create(name="Analytics", dataverse=False)
    assert not no_db.business_units.exists() and not no_db.system_users.exists()  # ENV-02: no tables


def test_env04_settings_default_off_and_update():
    """ENV-04: org settings default off, licence type standard, capacity 0; updates write what changed."""
    env = e.environment_create(name="Sales")
    for flag in ("allow_role_assignment_on_disabled_users", "do_not_remove_roles_on_change_business_unit",
                 "allow_delete_disabled_users", "app_user_status_editable", "sales_installed"):
        assert getattr(env, flag) is False
    assert env.licence_type == "standard" and env.app_pass_capacity == 0
    e.environment_update(environment=env, licence_type="app_pass", app_pass_capacity=5,
                         allow_role_assignment_on_disabled_users=True, sales_installed=True)
    env.refresh_from_db()
    assert env.licence_type == "app_pass" and env.app_pass_capacity == 5 and env.allow_role_assignment_on_disabled_users
    # Sales installed later: the Salesperson role follows (ENV-05).
    assert SecurityRole.objects.filter(environment=env, name=StandardRole.SALESPERSON, is_system=True).exists()


def test_env05_scaffolding_root_bu_roles_default_team_placeholders():
    """ENV-05: root business unit named after the environment, the standard roles, a default
    team of the root unit, and the two placeholders (MODE-05, MODE-07) in it."""
    env = e.environment_create(name="Sales", sales_installed=True)
    root = BusinessUnit.objects.get(environment=env)
    assert root.name == "Sales" and root.parentbusinessunit is None
    roles = set(SecurityRole.objects.filter(business_unit=root, is_system=True).values_list("name", flat=True))
    assert roles == set(StandardRole.BASE) | {StandardRole.SALESPERSON}
    team = Team.objects.get(environment=env)
    assert team.isdefault and team.teamtype == TeamType.OWNER and team.name == "Sales" and team.businessunit == root
    assert e.default_team_for(root) == team
    assert set(TeamMembership.objects.filter(team=team).values_list("systemuser__domainname", flat=True)) == {
        "crmoln2@microsoft.com", "crmoln@microsoft.com"}

    teams_env = e.environment_create(name="Marketing Team", type="Teams")
    names = set(SecurityRole.objects.filter(environment=teams_env).values_list("name", flat=True))
    assert {StandardRole.TEAMS_MEMBER, StandardRole.TEAMS_GUEST} <= names and StandardRole.SALESPERSON not in names


def test_mode05_mode07_placeholders():
    """MODE-05: delegated admin crmoln2@microsoft.com, access mode 5, enabled, System Administrator,
    not synchronised. MODE-07: support user crmoln@microsoft.com, access mode 3, Support User."""
    env = e.environment_create(name="Sales")
    delegated = SystemUser.objects.get(environment=env, domainname="crmoln2@microsoft.com")
    assert delegated.accessmode == AccessMode.DELEGATED_ADMIN == 5
    assert delegated.user_type == UserType.DELEGATED_ADMIN and not delegated.isdisabled
    assert not delegated.issyncwithdirectory and delegated.azureactivedirectoryobjectid is None
    assert list(delegated.roles.values_list("name", flat=True)) == ["System Administrator"]
    assert delegated.firstname == "#" and delegated.lastname == "Delegated Admin"
    support = SystemUser.objects.get(environment=env, domainname="crmoln@microsoft.com")
    assert support.accessmode == AccessMode.SUPPORT_USER == 3
    assert support.user_type == UserType.SUPPORT and not support.isdisabled and not support.issyncwithdirectory
    assert list(support.roles.values_list("name", flat=True)) == ["Support User"]
    assert support.firstname == "#" and support.lastname == "Support User"
    e.ensure_scaffolding(env)  # a second pass adds nothing
    assert SystemUser.objects.filter(environment=env).count() == 2


def test_env06_refusals_before_writing():
    """ENV-06: no security group on Default, Developer or Teams environments; one Default."""
    group = d.group_create(name="G")
    for env_type in ("Default", "Developer", "Teams"):
        with pytest.raises(RuleViolation) as exc:
            e.environment_create(name=f"X {env_type}", type=env_type, security_group=group)
        assert exc.value.rule == "ENV-06"
    assert Environment.objects.count() == 0 and BusinessUnit.objects.count() == 0
    e.environment_create(name="Contoso (default)", type="Default")
    with pytest.raises(RuleViolation) as exc:
        e.environment_create(name="Another default", type="Default")
    assert exc.value.rule == "ENV-06"
    prod = e.environment_create(name="Sales", security_group=group)
    with pytest.raises(RuleViolation) as exc:
        e.environment_update(environment=prod, type="Developer")
    assert exc.value.rule == "ENV-06"
    with pytest.raises(RuleViolation) as exc:
        e.environment_update(environment=prod, type="Default", security_group=None)
    assert exc.value.rule == "ENV-06"
    prod.refresh_from_db()
    assert prod.type == "Production" and prod.security_group_object_id == group.id


AD_USERS = [
    {"logon_name": "CONTOSO\\jsmith", "first_name": "John", "last_name": "Smith", "telephone": "+1 425 555 0101",
     "email": "john.smith@contoso.com", "city": "Redmond", "state": "WA", "home_phone": "+1 425 555 0191"},
    {"logon_name": "CONTOSO\\svc", "first_name": "", "last_name": "Batch", "telephone": "", "email": "",
     "city": "", "state": "", "home_phone": ""},
]


def test_onprem01_ad_users_mapped():
    """ONPREM-01: logon name as given, telephone, home phone, e-mail, city, state; regular,
    Read-Write, root business unit, no role, not synchronised, no directory object."""
    env = e.environment_create(name="Legacy CRM", deployment="on_premises", ad_users=AD_USERS)
    john = SystemUser.objects.get(environment=env, domainname="CONTOSO\\jsmith")
    assert (john.firstname, john.lastname, john.fullname) == ("John", "Smith", "John Smith")
    assert john.address1_telephone1 == "+1 425 555 0101" and john.homephone == "+1 425 555 0191"
    assert john.internalemailaddress == "john.smith@contoso.com"
    assert (john.address1_city, john.address1_stateorprovince) == ("Redmond", "WA")
    assert john.user_type == UserType.REGULAR and john.accessmode == AccessMode.READ_WRITE and not john.isdisabled
    assert john.businessunit.parentbusinessunit is None
    assert not john.roles.exists() and not john.issyncwithdirectory and john.azureactivedirectoryobjectid is None
    assert SystemUser.objects.get(environment=env, domainname="CONTOSO\\svc").firstname == "#"  # MODE-06
    online = e.environment_create(name="Online")
    with pytest.raises(RuleViolation) as exc:
        e.environment_add_ad_users(environment=online, ad_users=AD_USERS)
    assert exc.value.rule == "ONPREM-01"


def test_onprem02_later_load_changes_nothing_of_existing_ad_users():
    """ONPREM-02: after creation nothing synchronises: a later export adds new logon names
    (ignoring case) and leaves existing records exactly as they are."""
    env = e.environment_create(name="Legacy CRM", deployment="on_premises", ad_users=AD_USERS)
    john = SystemUser.objects.get(environment=env, domainname="CONTOSO\\jsmith")
    john.jobtitle = "edited by hand"
    john.save()
    changed = [{**AD_USERS[0], "logon_name": "contoso\\JSMITH", "city": "Paris", "email": "new@contoso.com"},
               {"logon_name": "CONTOSO\\new", "first_name": "New", "last_name": "User"}]
    assert e.environment_add_ad_users(environment=env, ad_users=changed) == 1
    john.refresh_from_db()
    assert john.address1_city == "Redmond" and john.internalemailaddress == "john.smith@contoso.com"
    assert john.jobtitle == "edited by hand" and john.domainname == "CONTOSO\\jsmith"
    assert SystemUser.objects.filter(environment=env, user_type=UserType.REGULAR).count() == 3
