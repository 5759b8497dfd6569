"""Change numbers: one monotonically increasing counter for the directory and the environments.

Every write to a row that a sync decides over (directory users, licence assignments,
group memberships and ownerships, admin role assignments, environment settings,
environment records) stamps the row with the next number of one counter. A sync
remembers the counter it started from (SyncRun.change_number) and the next one reads
only rows stamped after it: its cost follows the number of changes, not the tenant's size.

Taking a number locks the counter row until the transaction commits, so numbers commit
in the order they were taken: a sync that read the counter as N has seen every change
numbered N or less, and misses none that commits later (it is numbered above N).

A change that concerns everyone (a group renamed or nested, a licence's kind, the
tenant's Marketing licence, a user row deleted) also moves `tenant_wide`: the next sync
of every environment makes a full pass.

This module imports no model, so that every app's models can use it: it lives in the lower app
(environments_app), which users_app builds on. The counter's row is the table
users_app_changecounter (environments_app.models.ChangeCounter, named for where it was first
made), reached by raw SQL only. What a deletion stamps is users_app.changes.
"""
from __future__ import annotations

from django.db import connection, models, transaction

COUNTER_TABLE = "users_app_changecounter"


def change_number_next(*, tenant_wide: bool = False) -> int:
    """Take the next change number (call inside the transaction that writes the change)."""
    also = ", tenant_wide = value + 1" if tenant_wide else ""
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(f"UPDATE {COUNTER_TABLE} SET value = value + 1{also} WHERE id = 1 RETURNING value")
            row = cursor.fetchone()
            if row is not None:
                return row[0]
            # A flushed database (transactional tests) has no counter row yet.
            cursor.execute(f"INSERT INTO {COUNTER_TABLE} (id, value, tenant_wide) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING")
    raise RuntimeError("The change counter row could not be created.")


def change_counter() -> tuple[int, int]:
    """(the last change number taken, the last tenant-wide one), as committed now."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value, tenant_wide FROM {COUNTER_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, 0)


class ChangeNumbered(models.Model):
    """A row stamped with the change number of its last write (see the module docstring)."""

    change_number = models.BigIntegerField(default=0, db_index=True, editable=False)
    TENANT_WIDE = False

    class Meta:
        abstract = True

    def change_is_tenant_wide(self) -> bool:
        return self.TENANT_WIDE

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using")):
            self.change_number = change_number_next(tenant_wide=self.change_is_tenant_wide())
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = [*kwargs["update_fields"], "change_number"]
            super().save(*args, **kwargs)
