"""The change counter's model moves to this app, on the same table: state only, no SQL."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('environments_app', '0002_change_numbers'),
        ('users_app', '0003_change_numbers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ChangeCounter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('value', models.BigIntegerField(default=0)),
                        ('tenant_wide', models.BigIntegerField(default=0, help_text='The last change that concerns every user.')),
                    ],
                    options={'db_table': 'users_app_changecounter'},
                ),
            ],
            database_operations=[],
        ),
    ]
