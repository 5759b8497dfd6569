"""Property-based tests over generated tenants (hypothesis), on the real database.

DIAG-02: the diagnostics verdict equals what an on-demand add actually does.
SYNC-01: a second background sync changes nothing.
"""
import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from environments_app.models import Environment
from users_app.models import SystemUser
from users_app.provisioning import sync
from users_app.services.directory import directory_user_find
from tests.builders import sku, tenant_file, user
from users_app.tenant_file import load_tenant

pytestmark = pytest.mark.django_db(transaction=False)

DOMAIN = "gen.onmicrosoft.com"
ADMIN_ROLES = ["Global Administrator", "Power Platform Administrator", "Dynamics 365 Administrator", "User Administrator"]
ENV_TYPES = ["Production", "Sandbox", "Trial", "Developer", "Default", "Teams"]

users_st = st.lists(
    st.fixed_dictionaries({
        "licences": st.lists(st.sampled_from(["DV", "M365", "OFF"]), unique=True, max_size=2),
        "admin_roles": st.lists(st.sampled_from(ADMIN_ROLES), unique=True, max_size=2),
        "enabled": st.booleans(),
        "deleted": st.sampled_from([None, None, None, "soft"]),
        "user_type": st.sampled_from(["Member", "Member", "Guest"]),
        "home_tenant_licences": st.sampled_from([[], ["DV"]]),
        "security_group": st.sampled_from(["direct", "nested", "owner", "none"]),
        "team": st.sampled_from(["member", "owner", "none"]),
    }),
    min_size=1, max_size=5,
)
env_st = st.fixed_dictionaries({
    "type": st.sampled_from(ENV_TYPES),
    "dataverse": st.sampled_from([True, True, True, False]),
    "with_group": st.booleans(),
    "licence_type": st.sampled_from(["standard", "standard", "app_pass"]),
    "app_pass_capacity": st.integers(min_value=0, max_value=2),
    "marketing": st.booleans(),
    "creator": st.integers(min_value=0, max_value=4),
    "synced_first": st.booleans(),
})


def build(users, environment) -> dict:
    upns = [f"u{i}@{DOMAIN}" for i in range(len(users))]
    sg_members, sg_owners, nested, team_members, team_owners = [], [], [], [], []
    for u, name in zip(users, upns):
        {"direct": sg_members, "nested": nested, "owner": sg_owners, "none": []}[u["security_group"]].append(name)
        {"member": team_members, "owner": team_owners, "none": []}[u["team"]].append(name)
    env_type = environment["type"]
    env = {"name": "Gen", "type": env_type, "dataverse": environment["dataverse"],
           "licence_type": environment["licence_type"], "app_pass_capacity": environment["app_pass_capacity"]}
    if environment["with_group"] and env_type in ("Production", "Sandbox", "Trial"):
        env["security_group"] = "Env-Group"
    if env_type == "Teams":
        env["teams_group"] = "Team-Group"
    if env_type == "Developer":
        env["created_by"] = upns[environment["creator"] % len(upns)]
    return tenant_file(
        name="Gen", domain=DOMAIN, marketing_licence=environment["marketing"],
        skus=[sku("DV", "Power Apps", seats=10), sku("M365", "Office 365 E3", seats=10, kind="m365"),
              sku("OFF", "Apps for business", seats=10, kind="office")],
        users=[user(name, given_name=f"U{i}", surname="Gen", usage_location="US", licences=u["licences"],
                    admin_roles=u["admin_roles"], enabled=u["enabled"], deleted=u["deleted"], user_type=u["user_type"],
                    home_tenant_licences=u["home_tenant_licences"])
               for i, (u, name) in enumerate(zip(users, upns))],
        groups=[
            {"name": "Nested", "members": nested},
            {"name": "Env-Group", "members": sg_members + ["Nested"], "owners": sg_owners},
            {"name": "Team-Group", "type": "m365", "members": team_members, "owners": team_owners},
        ],
        environments=[env],
    )


class Rollback(Exception):
    pass


@given(users=users_st, environment=env_st)
def test_diag_02_verdict_equals_on_demand_add(users, environment):
    """DIAG-02: for every generated user, "entitled" from diagnostics <=> the on-demand add leaves an
    enabled record; "not_entitled" <=> it refuses or leaves the record disabled."""
    try:
        with transaction.atomic():
            data = build(users, environment)
            load_tenant(data)
            env = Environment.objects.get(name="Gen")
            if environment["synced_first"]:
                sync.environment_sync(environment=env)
            for entry in data["users"]:
                user = directory_user_find(entry["upn"])
                diagnosis = sync.environment_user_diagnose(environment=env, directory_user=user)
                added = sync.environment_user_add(environment=env, directory_user=user)
                if diagnosis.verdict == "entitled":
                    assert added.status == "enabled", (entry, diagnosis.as_dict(), added.as_dict())
                    assert added.refused_by == []
                else:
                    assert added.status in ("absent", "disabled"), (entry, diagnosis.as_dict(), added.as_dict())
                    failed = [c["rule"] for c in diagnosis.as_dict()["checks"] if c["result"] == "fail" and c["rule"].startswith("ELIG")]
                    assert added.refused_by == failed
            raise Rollback
    except Rollback:
        pass


@given(users=users_st, environment=env_st)
def test_sync_01_second_background_sync_changes_nothing(users, environment):
    """SYNC-01: after one background sync (and some on-demand adds), a second and third change nothing."""
    try:
        with transaction.atomic():
            data = build(users, environment)
            load_tenant(data)
            env = Environment.objects.get(name="Gen")
            sync.environment_sync(environment=env)
            for entry in data["users"][::2]:
                sync.user_sign_in(environment=env, directory_user=directory_user_find(entry["upn"]))
            sync.environment_sync(environment=env)
            before = list(SystemUser.objects.filter(environment=env).order_by("pk").values())
            second = sync.environment_sync(environment=env)
            assert (second.added, second.enabled, second.disabled, second.updated) == (0, 0, 0, 0)
            assert list(SystemUser.objects.filter(environment=env).order_by("pk").values()) == before
            raise Rollback
    except Rollback:
        pass
