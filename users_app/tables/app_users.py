"""Table of the application users' list. Its queryset comes from users_app/selectors/app_users.py;
no table runs a query of its own."""
import django_tables2 as tables
from django.urls import reverse

from portal.columns import state_badge
from portal.tables import EnvironmentScopedTable, PortalTable
from users_app.models import SystemUser


class AppUserTable(EnvironmentScopedTable):
    container_id = "app-user-table"

    fullname = tables.Column(verbose_name="Name", order_by=("lastname", "domainname"),
                             linkify=lambda table, record: reverse(
                                 "app_users:app_user_detail", args=[table.environment.environment_id, record.systemuserid]))
    applicationid = tables.Column(verbose_name="App ID")
    isdisabled = tables.Column(verbose_name="State")
    businessunit = tables.Column(verbose_name="Business unit", order_by=("businessunit__name",))
    internalemailaddress = tables.Column(verbose_name="Email address", default="—")
    roles = tables.Column(verbose_name="Security roles", empty_values=(), orderable=False)

    class Meta(PortalTable.Meta):
        model = SystemUser
        fields = ("fullname", "applicationid", "isdisabled", "businessunit", "internalemailaddress")
        sequence = ("fullname", "applicationid", "isdisabled", "businessunit", "internalemailaddress", "roles")
        empty_text = "No application users in this environment yet. Select + New app user to add one."

    def render_isdisabled(self, value):
        return state_badge(value)

    def render_roles(self, record):
        names = [role.name for role in record.roles.all()]
        return ", ".join(names) if names else "—"
