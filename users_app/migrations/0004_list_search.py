"""The two long lists at 100,000 rows (issue #4, point 6): indexes that fit each sort of the
environment's Users list and of the Active users list (keyset paging), and the trigram search
index (users_app.list_search): SQLite FTS5 with the trigram tokenizer, PostgreSQL pg_trgm.

Write cost, measured on SQLite (100,000 SystemUser rows by one executemany of a single-row INSERT
in one transaction, as the bench's floor; medians, 2-core machine): the table with its indexes
before this migration 4.8 s, after it 4.3-5.4 s (within the runs' noise: the rows of the common
access mode and type have no entry in the partial indexes), with its UPDATE/DELETE triggers the
same (they never fire on INSERT). Rejected: a trigger writing each new row into the FTS5 index,
12.5 s against 5.4 s (FTS5 flushes its pending terms at every statement); even an empty AFTER
INSERT trigger (WHEN 0), 5.0 s against 3.2 s. So SystemUser has no INSERT trigger on SQLite and
the index is filled in bulk by users_app.list_search.search_index_refresh()."""

from django.db import migrations, models


def search_install(apps, schema_editor):
    from users_app.list_search import search_index_install, search_index_refresh

    search_index_install(schema_editor, fill=True)
    search_index_refresh()


def search_uninstall(apps, schema_editor):
    from users_app.list_search import search_index_uninstall

    search_index_uninstall(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('users_app', '0003_change_numbers'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='systemuser',
            name='systemuser_env_status',
        ),
        migrations.RemoveIndex(
            model_name='systemuser',
            name='systemuser_env_fullname',
        ),
        migrations.AddIndex(
            model_name='directoryuser',
            index=models.Index(fields=['display_name', 'id'], name='directoryuser_display_name'),
        ),
        migrations.AddIndex(
            model_name='directoryuser',
            index=models.Index(condition=models.Q(('account_enabled', False)), fields=['account_enabled', 'id'], name='directoryuser_blocked'),
        ),
        migrations.AddIndex(
            model_name='directoryuser',
            index=models.Index(condition=models.Q(('user_type', 'Member'), _negated=True), fields=['user_type', 'id'], name='directoryuser_type_rare'),
        ),
        migrations.AddIndex(
            model_name='systemuser',
            index=models.Index(fields=['environment', 'isdisabled', 'user_type', 'id'], name='systemuser_env_status'),
        ),
        migrations.AddIndex(
            model_name='systemuser',
            index=models.Index(fields=['environment', 'fullname', 'id'], name='systemuser_env_fullname'),
        ),
        migrations.AddIndex(
            model_name='systemuser',
            index=models.Index(condition=models.Q(('accessmode__gt', 0)), fields=['environment', 'accessmode', 'id'], name='systemuser_env_access_rare'),
        ),
        migrations.AddIndex(
            model_name='systemuser',
            index=models.Index(condition=models.Q(('user_type', 'regular'), _negated=True), fields=['environment', 'user_type', 'id'], name='systemuser_env_type_rare'),
        ),
        migrations.AddIndex(
            model_name='systemuser',
            index=models.Index(fields=['environment', 'last_synced_on', 'id'], name='systemuser_env_synced'),
        ),
        migrations.RunPython(search_install, search_uninstall, elidable=False),
    ]
