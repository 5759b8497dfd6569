"""A directory user's department and office (Graph `department`, `officeLocation`): directory-only
columns, as in Entra ID (no SystemUser column follows them).

SQLite adds a NOT NULL column by remaking the table, which drops its triggers, the search index's
among them (users_app.list_search): they are put back after the change, either way. The rows keep
their ids and their searched text, so the index itself stays right."""

from django.db import migrations, models


def search_triggers_back(apps, schema_editor):
    from users_app.list_search import search_index_install

    search_index_install(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('users_app', '0009_api_app_permissions_and_paging'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, search_triggers_back, elidable=False),
        migrations.AddField(
            model_name='directoryuser',
            name='department',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='directoryuser',
            name='office_location',
            field=models.CharField(blank=True, max_length=128, verbose_name='office'),
        ),
        migrations.RunPython(search_triggers_back, migrations.RunPython.noop, elidable=False),
    ]
