"""Table of the stub users on the reassign page (STUB-04). Its queryset comes from
users_app/selectors/imports.py."""
import django_tables2 as tables

from portal.tables import EnvironmentScopedTable, PortalTable
from users_app.models import SystemUser


class StubUserTable(EnvironmentScopedTable):
    container_id = "stub-user-table"

    domainname = tables.Column(verbose_name="Stub user")
    owned_records = tables.Column(verbose_name="Owned records", default=0)
    createdon = tables.DateTimeColumn(verbose_name="Created on", format="j M Y, H:i")

    class Meta(PortalTable.Meta):
        model = SystemUser
        fields = ("domainname", "owned_records", "createdon")
        sequence = fields
        empty_text = "No stub users in this environment."
