"""The environment's Users table (Settings > Users + permissions > Users)."""
import django_tables2 as tables
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import format_html

from portal.tables import KeysetSort, PortalTable
from users_app.choices import AccessMode, UserType
from users_app.models import SystemUser


class EnvironmentUserTable(PortalTable):
    """Keyset-paged: each sort reads its page from an index of SystemUser (Meta.indexes), at any depth.
    `configure(request, groups={"businessunit": ...})` gives the environment's business unit ids by name.
    A data grid (portal/grid.py): rows are selected by `grid_id`; a name opens the row's quick look;
    DEFAULT_COLUMNS show until the admin edits the columns, REQUIRED_COLUMNS always."""

    container_id = "user-table"
    grid_id = "systemuserid"
    DEFAULT_COLUMNS = ("fullname", "domainname", "businessunit", "accessmode", "status", "user_type", "last_synced_on")
    REQUIRED_COLUMNS = ("fullname",)
    count_noun = "users"
    keyset_default = "fullname"
    keyset_sorts = {
        "fullname": KeysetSort(keys=("fullname", "id")),
        "domainname": KeysetSort(keys=("domainname_lower", "id"), annotations={"domainname_lower": Lower("domainname")}),
        "businessunit": KeysetSort(keys=("businessunit_id", "id"), groups="businessunit"),
        "accessmode": KeysetSort(keys=("accessmode", "id"), groups=tuple(sorted(AccessMode.values)),
                                 rare=Q(accessmode__gt=0), common=AccessMode.READ_WRITE),
        "status": KeysetSort(keys=("isdisabled", "user_type", "id")),
        "user_type": KeysetSort(keys=("user_type", "id"), groups=tuple(sorted(UserType.values)),
                                rare=~Q(user_type=UserType.REGULAR), common=UserType.REGULAR),
        "last_synced_on": KeysetSort(keys=("last_synced_on", "id"), nullable="last_synced_on"),
    }

    fullname = tables.Column(verbose_name="Full name")
    domainname = tables.Column(verbose_name="User name")
    businessunit = tables.Column(verbose_name="Business unit", order_by=("businessunit__name",))
    accessmode = tables.Column(verbose_name="Access mode")
    status = tables.Column(verbose_name="Status", accessor="isdisabled", order_by=("isdisabled",))
    user_type = tables.Column(verbose_name="Type")
    # When the sync last changed the record (not when it last looked at it).
    last_synced_on = tables.DateTimeColumn(verbose_name="Last changed by sync", format="Y-m-d H:i", default="—")
    internalemailaddress = tables.Column(verbose_name="Primary email", orderable=False, default="—")

    class Meta(PortalTable.Meta):
        model = SystemUser
        fields = ("fullname", "domainname", "businessunit", "accessmode", "status", "user_type", "last_synced_on",
                  "internalemailaddress")
        sequence = fields
        order_by = ("fullname",)

    def render_fullname(self, value, record):
        url = reverse("users:environment_user_quick_look", args=[record.environment.environment_id, record.systemuserid])
        return format_html('<a href="{}" hx-get="{}" hx-target="#panel-host" hx-swap="innerHTML" data-quick-look>{}</a>',
                           url, url, value or record.domainname)

    @staticmethod
    def grid_label(record) -> str:
        return record.fullname or record.domainname

    def value_fullname(self, value, record):
        return value or record.domainname

    def render_status(self, value, record):
        return format_html('<span class="badge badge-{}">{}</span>', record.get_status_color(),
                           "Disabled" if value else "Enabled")

    def render_accessmode(self, value, record):
        return record.get_accessmode_display()

    def render_user_type(self, value, record):
        return record.get_user_type_display()
