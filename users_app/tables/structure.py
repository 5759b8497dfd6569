"""Tables of an environment's structure pages: teams, security roles,
business units, sync runs. Querysets come from users_app/selectors/structure.py."""
import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from environments_app.models import BusinessUnit, SecurityRole
from portal.tables import EnvironmentScopedTable, PortalTable
from portal.templatetags.portal_ui import icon
from users_app.choices import SyncStatus
from users_app.models import SyncRun, Team

SYNC_STATUS_COLORS = {SyncStatus.QUEUED: "gray", SyncStatus.RUNNING: "blue", SyncStatus.SUCCEEDED: "green",
                      SyncStatus.FAILED: "red"}
NUMBER = {"td": {"class": "num"}, "th": {"class": "num"}}


def _link(viewname: str, key: str):
    """A linkify callable: the environment comes from the table, so no row needs a query."""
    return lambda table, record: reverse(viewname, args=[table.environment.environment_id, getattr(record, key)])


class TeamTable(EnvironmentScopedTable):
    container_id = "team-table"

    name = tables.Column(verbose_name="Team name", linkify=_link("structure:team_detail", "teamid"))
    teamtype = tables.Column(verbose_name="Team type")
    businessunit = tables.Column(verbose_name="Business unit", order_by=("businessunit__name",))
    group_name = tables.Column(verbose_name="Group name", default="—")
    membershiptype = tables.Column(verbose_name="Membership type", empty_values=())
    administrator = tables.Column(verbose_name="Administrator", default="—", order_by=("administrator__fullname",))
    member_count = tables.Column(verbose_name="Members", default=0)

    class Meta(PortalTable.Meta):
        model = Team
        fields = ("name", "teamtype", "businessunit", "group_name", "membershiptype", "administrator", "member_count")
        sequence = fields

    def render_name(self, value, record):
        if record.isdefault:
            return format_html('{} <span class="badge badge-gray">Default</span>', value)
        return value

    def render_membershiptype(self, record):
        return record.get_membershiptype_display() if record.teamtype >= 2 else "—"

    def render_administrator(self, value):
        return value.fullname or value.domainname


class SecurityRoleTable(EnvironmentScopedTable):
    container_id = "security-role-table"

    name = tables.Column(verbose_name="Role", linkify=_link("structure:security_role_detail", "roleid"))
    business_unit = tables.Column(verbose_name="Business unit", order_by=("business_unit__name",))
    is_system = tables.BooleanColumn(verbose_name="Predefined", yesno="Yes,No")
    user_count = tables.Column(verbose_name="Users", default=0)
    team_count = tables.Column(verbose_name="Teams", default=0)

    class Meta(PortalTable.Meta):
        model = SecurityRole
        fields = ("name", "business_unit", "is_system", "user_count", "team_count")
        sequence = fields


class BusinessUnitTable(EnvironmentScopedTable):
    container_id = "business-unit-table"

    name = tables.Column(verbose_name="Name")
    parentbusinessunit = tables.Column(verbose_name="Parent business unit", default="— (root)",
                                       order_by=("parentbusinessunit__name",))
    user_count = tables.Column(verbose_name="Users", default=0)
    child_count = tables.Column(verbose_name="Child units", default=0)
    actions = tables.Column(verbose_name="Actions", empty_values=(), orderable=False)

    class Meta(PortalTable.Meta):
        model = BusinessUnit
        fields = ("name", "parentbusinessunit", "user_count", "child_count")
        sequence = ("name", "parentbusinessunit", "user_count", "child_count", "actions")

    def render_name(self, value, record):
        if record.is_root:
            return format_html('{} <span class="badge badge-blue">Root</span>', value)
        return value

    def render_actions(self, record):
        if record.is_root:
            return format_html('<span class="muted">{}</span>', "The root business unit can't be deleted")
        url = reverse("structure:business_unit_delete", args=[self.environment.environment_id, record.businessunitid])
        return format_html('<a class="btn btn-danger" id="delete-{}" href="{}" hx-get="{}" hx-target="#panel-host" '
                           'hx-swap="innerHTML">{} Delete<span class="visually-hidden"> {}</span></a>',
                           record.businessunitid, url, url, icon("delete"), record.name)


class SyncRunTable(EnvironmentScopedTable):
    """Sync history: one row per run (an Add user of several users is one run), the counts that
    matter to an admin (a Refused count for on-demand requests), narrow enough for 1366 px (B6)."""
    container_id = "sync-run-table"

    started_at = tables.DateTimeColumn(verbose_name="Started", format="j M Y, H:i:s",
                                       linkify=_link("structure:sync_run_detail", "pk"))
    trigger = tables.Column(verbose_name="Trigger")
    status = tables.Column(verbose_name="Status")
    added = tables.Column(verbose_name="Added", attrs=NUMBER)
    enabled = tables.Column(verbose_name="Enabled", attrs=NUMBER)
    disabled = tables.Column(verbose_name="Disabled", attrs=NUMBER)
    updated = tables.Column(verbose_name="Updated", attrs=NUMBER)
    refused = tables.Column(verbose_name="Refused", attrs=NUMBER)
    not_entitled = tables.Column(verbose_name="Not entitled", attrs=NUMBER)
    initiated_by = tables.Column(verbose_name="Initiated by", default="—")

    class Meta(PortalTable.Meta):
        model = SyncRun
        fields = ("started_at", "trigger", "status", "added", "enabled", "disabled", "updated", "refused",
                  "not_entitled", "initiated_by")
        sequence = fields
        attrs = {"class": "table sync-run-table"}

    def render_trigger(self, value, record):
        return record.trigger_label

    def render_refused(self, value):
        return format_html('<span class="badge badge-red">{}</span>', value) if value else value

    def render_status(self, value, record):
        return format_html('<span class="badge badge-{}">{}</span>', SYNC_STATUS_COLORS.get(record.status, "gray"), value)
