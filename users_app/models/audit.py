"""The audit log: one row per change or refused change, append-only."""
from django.db import models


class AuditEntryQuerySet(models.QuerySet):
    def delete(self):
        from django.db import DatabaseError

        raise DatabaseError("the audit log is append-only")

    def update(self, **kwargs):
        from django.db import DatabaseError

        raise DatabaseError("the audit log is append-only")


class AuditEntry(models.Model):
    """One change made through the portal, the command line, the Django admin or an API, or one
    change refused by a rule: who, when, what (before -> after), through what. Append-only: the
    database refuses UPDATE (and, on PostgreSQL, DELETE) on this table (migration 0006).
    Written by users_app.services.audit only."""

    class Outcome(models.TextChoices):
        DONE = "done", "Succeeded"
        REFUSED = "refused", "Refused"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_kind = models.CharField(max_length=16)  # directory, superuser, operator, system, app
    actor = models.CharField(max_length=256)  # UPN, Django user name, "operator"...
    actor_object_id = models.UUIDField(null=True, blank=True)  # the directory object id, if any
    via = models.CharField(max_length=16)  # portal, cli, admin, api, system
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target = models.CharField(max_length=256, blank=True)
    environment = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=list, blank=True)  # [[field, before, after], ...]
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.DONE)
    rule = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.target}"

    def delete(self, *args, **kwargs):
        from django.db import DatabaseError

        raise DatabaseError("the audit log is append-only")

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            from django.db import DatabaseError

            raise DatabaseError("the audit log is append-only")
        super().save(*args, **kwargs)
