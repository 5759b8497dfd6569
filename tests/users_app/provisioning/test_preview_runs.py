"""A preview never waits for a background sync that is running (SYNC-01's one running run per
environment is a lock for real runs; a rehearsal, rolled back, takes none) and leaves that run alone."""
import pytest

from environments_app.models import Environment
from users_app.choices import SyncStatus, SyncTrigger
from users_app.models import DirectoryUser, SyncRun
from users_app.provisioning.sync import directory_sync
from users_app.services import directory, previews
from users_app.benchmarks.tenant import generate_tenant
from users_app.tenant_file import load_tenant

pytestmark = pytest.mark.django_db


def test_preview_does_not_wait_for_a_running_background_sync():
    load_tenant(generate_tenant(20, admin_password=False))
    directory_sync(full=True)
    busy = Environment.objects.order_by("name").first()
    running = SyncRun.objects.create(environment=busy, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.RUNNING)
    runs_before = SyncRun.objects.count()
    user = DirectoryUser.objects.get(user_principal_name="user000003@contoso.onmicrosoft.com")

    impact = previews.preview(lambda: directory.licence_remove(user=user, sku="POWERAPPS_PER_USER"))

    assert busy.name in [e.name for e in impact.environments]
    assert impact.changed  # the user's records would be disabled
    assert SyncRun.objects.count() == runs_before
    running.refresh_from_db()
    assert running.status == SyncStatus.RUNNING
