"""The change counter's model now belongs to environments_app (same table): state only, no SQL."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('users_app', '0006_audit_log'),
        ('environments_app', '0003_change_counter'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ChangeCounter')],
            database_operations=[],
        ),
    ]
