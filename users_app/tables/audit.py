"""The audit log's table: newest first, keyset-paged on (at, id)."""
import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from portal.tables import KeysetSort, PortalTable
from users_app.models import AuditEntry

VIA_LABELS = {"portal": "Portal", "cli": "Command line", "admin": "Django admin", "api": "API", "system": "System"}


def changes_text(changes) -> list[str]:
    """[[field, before, after], ...] as "field: before -> after" lines."""
    def show(value):
        if value is None or value == "" or value == []:
            return "(none)"
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return str(value)
    return [f"{name}: {show(before)} → {show(after)}" for name, before, after in changes or ()]


class AuditEntryTable(PortalTable):
    container_id = "audit-table"
    count_noun = "entries"
    keyset_default = "-at"
    keyset_sorts = {"at": KeysetSort(keys=("at", "id"))}

    at = tables.DateTimeColumn(verbose_name="Date (UTC)", format="Y-m-d H:i:s")
    actor = tables.Column(verbose_name="Actor", orderable=False)
    via = tables.Column(verbose_name="Through", orderable=False)
    action = tables.Column(verbose_name="Activity", orderable=False)
    target = tables.Column(verbose_name="Target", orderable=False)
    environment = tables.Column(verbose_name="Environment", orderable=False)
    changes = tables.Column(verbose_name="Changes", orderable=False, empty_values=())
    outcome = tables.Column(verbose_name="Result", orderable=False)

    class Meta(PortalTable.Meta):
        model = AuditEntry
        fields = ("at", "actor", "via", "action", "target", "environment", "changes", "outcome")
        sequence = fields
        empty_text = "No audit entries match."

    def render_actor(self, value, record):
        if record.actor_kind == "superuser":
            return format_html("{} <small>(superuser)</small>", value)
        return value

    def render_via(self, value):
        return VIA_LABELS.get(value, value)

    def render_changes(self, record):
        lines = changes_text(record.changes)
        if not lines:
            return ""
        return format_html('<ul class="audit-changes">{}</ul>', format_html_join("", "<li>{}</li>", ((line,) for line in lines)))

    def render_outcome(self, value, record):
        if value == AuditEntry.Outcome.REFUSED:
            return format_html('<span class="badge badge-red">Refused</span> {}: {}', record.rule, record.message)
        return format_html('<span class="badge badge-green">{}</span>', record.get_outcome_display())
