"""Read-only queries of the audit log screen: views never build querysets."""
from __future__ import annotations

from users_app.filters.audit import AuditEntryFilterSet
from users_app.models import AuditEntry


def audit_entry_list(*, filters=None):
    """Audit entries narrowed by the screen's filters (newest first; the table pages by keys).
    Invalid filter values (a malformed date) narrow nothing rather than fail: the form shows them."""
    filterset = AuditEntryFilterSet(filters, queryset=AuditEntry.objects.all())
    if filterset.is_bound and not filterset.is_valid():
        bad = set(filterset.errors)
        data = {k: v for k, v in filterset.data.items() if k not in bad}
        filterset = AuditEntryFilterSet(data, queryset=AuditEntry.objects.all())
    return filterset.qs.order_by("-at", "-id")


def audit_entry_export(*, filters=None):
    """The same rows for the CSV export, read in chunks (newest first)."""
    return audit_entry_list(filters=filters).iterator(chunk_size=2000)
