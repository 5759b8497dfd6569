"""Tables of area C (house style 28): application users, stub users, on-premises records and
My environments. Querysets come from users_app/selectors/apps.py; no table runs a query of its own."""
import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from environments_app.models import Environment
from portal.columns import BadgeColumn
from portal.tables import PortalTable
from users_app.models import SystemUser


class _EnvironmentScopedTable(PortalTable):
    """A table of one environment's rows; links carry the environment's id (no query per row)."""

    def __init__(self, *args, environment, **kwargs):
        self.environment = environment
        super().__init__(*args, **kwargs)


def _state_badge(isdisabled: bool, on: str = "Active", off: str = "Inactive"):
    return format_html('<span class="badge badge-{}">{}</span>', "gray" if isdisabled else "green", off if isdisabled else on)


class AppUserTable(_EnvironmentScopedTable):
    container_id = "app-user-table"
    DEFAULT_COLUMNS = ("fullname", "applicationid", "isdisabled", "businessunit", "internalemailaddress", "roles")

    fullname = tables.Column(verbose_name="Name", order_by=("lastname", "domainname"),
                             linkify=lambda table, record: reverse("apps:app_user_detail",
                                                                   args=[table.environment.environment_id, record.systemuserid]))
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
        return _state_badge(value)

    def render_roles(self, record):
        names = [role.name for role in record.roles.all()]
        return ", ".join(names) if names else "—"


class StubUserTable(_EnvironmentScopedTable):
    container_id = "stub-user-table"
    DEFAULT_COLUMNS = ("domainname", "owned_records", "createdon")

    domainname = tables.Column(verbose_name="Stub user")
    owned_records = tables.Column(verbose_name="Owned records", default=0)
    createdon = tables.DateTimeColumn(verbose_name="Created on", format="Y-m-d H:i")

    class Meta(PortalTable.Meta):
        model = SystemUser
        fields = ("domainname", "owned_records", "createdon")
        sequence = fields
        empty_text = "No stub users in this environment."


class OnPremisesUserTable(_EnvironmentScopedTable):
    container_id = "onprem-user-table"
    DEFAULT_COLUMNS = ("fullname", "domainname", "internalemailaddress", "address1_telephone1", "homephone",
                       "address", "edit")

    fullname = tables.Column(verbose_name="Full name", default="—")
    domainname = tables.Column(verbose_name="User logon name")
    internalemailaddress = tables.Column(verbose_name="E-mail", default="—")
    address1_telephone1 = tables.Column(verbose_name="Telephone", default="—")
    homephone = tables.Column(verbose_name="Home phone", default="—")
    address = tables.Column(verbose_name="Address", empty_values=(), order_by=("address1_city", "address1_stateorprovince"))
    edit = tables.Column(verbose_name="", empty_values=(), orderable=False)

    class Meta(PortalTable.Meta):
        model = SystemUser
        fields = ("fullname", "domainname", "internalemailaddress", "address1_telephone1", "homephone")
        sequence = ("fullname", "domainname", "internalemailaddress", "address1_telephone1", "homephone", "address", "edit")
        empty_text = "No Active Directory users in this environment."

    def render_address(self, record):
        """ONPREM-02: the address is City plus State/province."""
        parts = [p for p in (record.address1_city, record.address1_stateorprovince) if p]
        return ", ".join(parts) if parts else "—"

    def render_edit(self, record):
        url = reverse("apps:onprem_user_edit", args=[self.environment.environment_id, record.systemuserid])
        return format_html('<a href="{}" aria-label="Edit {}">Edit</a>', url, record.fullname or record.domainname)


OPEN_BUTTON = """<form method="post" action="{% url 'apps:my_environment_open' record.environment_id %}" hx-post="{% url 'apps:my_environment_open' record.environment_id %}" hx-target="#my-environments" hx-swap="outerHTML">{% csrf_token %}<button type="submit" class="btn btn-primary" aria-label="Open {{ record.name }}">Open</button></form>"""


class MyEnvironmentTable(PortalTable):
    container_id = "my-environment-table"
    DEFAULT_COLUMNS = ("name", "type", "region", "record_disabled", "open")

    name = tables.Column(verbose_name="Environment")
    type = BadgeColumn(verbose_name="Type")
    region = tables.Column(verbose_name="Region")
    record_disabled = tables.Column(verbose_name="Your status", empty_values=())
    open = tables.TemplateColumn(OPEN_BUTTON, verbose_name="", orderable=False)

    class Meta(PortalTable.Meta):
        model = Environment
        fields = ("name", "type", "region")
        sequence = ("name", "type", "region", "record_disabled", "open")
        empty_text = "No online environment with a Dataverse database."

    def render_record_disabled(self, value):
        if value is None:
            return format_html('<span class="badge badge-gray">{}</span>', "No record yet")
        return _state_badge(value, on="Enabled", off="Disabled")
