"""Sync history (B6, B7, B18): one row per Add user action with a Refused count, the runs that changed
nothing hidden unless asked, a user's runs found by name, triggers in plain words, user names that wrap
only after "@" and dots."""
import pytest
from django.urls import reverse

from users_app.choices import SyncTrigger
from users_app.models import DirectoryUser, SyncRun
from users_app.provisioning.sync import environment_sync, environment_users_add

from tests.builders import upn

pytestmark = pytest.mark.django_db


def url(name, env, *args):
    return reverse(f"structure:{name}", args=[env.environment_id, *args])


def add(client, env, *upns):
    """One Add user action of the environment's Users page (the service its view calls once per action)."""
    users = [DirectoryUser.objects.get(user_principal_name=name) for name in upns]
    return environment_users_add(environment=env, directory_users=users, initiated_by=upn("global"))


def test_add_user_of_several_upns_is_one_run_with_a_refused_count_b7(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    client = sign_in("global")
    before = SyncRun.objects.filter(environment=sales, trigger=SyncTrigger.ADMIN).count()
    # olivia@ is not in Sales-Env (refused, ELIG-04), greader@ holds no licence, plain@ is in already.
    results = add(client, sales, upn("olivia"), upn("greader"), upn("plain"))
    assert all(result.run == results[0].run for result in results)
    runs = SyncRun.objects.filter(environment=sales, trigger=SyncTrigger.ADMIN)
    assert runs.count() == before + 1
    run = runs.first()
    assert [d["upn"] for d in run.decision_log] == [upn("olivia"), upn("greader"), upn("plain")]
    assert run.refused == 2 and run.refused == sum(d["outcome"] == "refused" for d in run.decision_log)
    body = client.get(url("sync_run_list", sales)).content.decode()
    assert ">Refused</a>" in body and "Add user" in body and "changes only" not in body
    assert '<span class="badge badge-red">2</span>' in body


def test_runs_that_changed_nothing_are_hidden_unless_all_are_shown(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    quiet = environment_sync(environment=sales, initiated_by="quiet-run", full=True)
    assert not quiet.changed_anything and not quiet.refused
    client = sign_in("global")
    assert "quiet-run" not in client.get(url("sync_run_list", sales)).content.decode()
    assert "quiet-run" in client.get(url("sync_run_list", sales), {"show": "all"}).content.decode()


def test_filter_by_user_keeps_only_runs_whose_decisions_name_them(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    client = sign_in("global")
    add(client, sales, upn("olivia"))
    olivia_run = SyncRun.objects.filter(environment=sales, trigger=SyncTrigger.ADMIN).first()
    add(client, sales, upn("greader"))
    greader_run = SyncRun.objects.filter(environment=sales, trigger=SyncTrigger.ADMIN).first()
    body = client.get(url("sync_run_list", sales), {"q": "olivia", "show": "all"}).content.decode()
    assert url("sync_run_detail", sales, olivia_run.pk) in body
    assert url("sync_run_detail", sales, greader_run.pk) not in body


def test_run_detail_names_the_trigger_plainly_and_breaks_upns_only_at_at_and_dots_b18(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    client = sign_in("global")
    add(client, sales, upn("olivia"))
    run = SyncRun.objects.filter(environment=sales, trigger=SyncTrigger.ADMIN).first()
    body = client.get(url("sync_run_detail", sales, run.pk)).content.decode()
    assert "<h1>Add user ·" in body and "changes only" not in body
    local, domain = upn("olivia").split("@")
    assert f"{local}@<wbr>" in body and 'class="rule-chip"' in body
