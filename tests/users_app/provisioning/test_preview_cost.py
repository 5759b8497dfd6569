"""A preview of one user's change reads the directory by index, never every directory user
(the cost of a preview grows with the change, not with the tenant; issue 12, Performance).
Cost follows the change: previews._original_upns looks changed names up by the lower-case UPN
index rather than reading every soft-deleted user (no index on deleted_state would serve that).
"""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from users_app.models import DirectoryUser
from users_app.provisioning.sync import directory_sync
from users_app.services import directory, previews
from users_app.tenant_file import load_tenant
from users_app.benchmarks.tenant import generate_tenant

pytestmark = pytest.mark.django_db


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_preview_of_one_licence_scans_no_directory_table():
    load_tenant(generate_tenant(20, admin_password=False))
    directory_sync(full=True)
    user = DirectoryUser.objects.get(user_principal_name="user000003@contoso.onmicrosoft.com")
    with CaptureQueriesContext(connection) as ctx:
        impact = previews.preview(lambda: directory.licence_remove(user=user, sku="POWERAPPS_PER_USER"))
    assert impact.changed  # the record is disabled
    scans = []
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "users_app_directoryuser" not in sql:
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = [row[-1] for row in cursor.fetchall()]
            scans += [(sql[:160], step) for step in plan if step.startswith("SCAN users_app_directoryuser")
                      and "INDEX" not in step]
    assert not scans, scans
