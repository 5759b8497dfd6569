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
    `configure(request, groups={"businessunit": ...})` gives the environment's business unit ids by name."""

    container_id = "user-table"
    DEFAULT_COLUMNS = ("fullname", "domainname", "businessunit", "accessmode", "status", "user_type", "last_synced_on")
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

    fullname = tables.Column(verbose_name="Full name", linkify=lambda record: reverse(
        "users:environment_user_detail", args=[record.environment.environment_id, record.systemuserid]))
    domainname = tables.Column(verbose_name="User name")
    businessunit = tables.Column(verbose_name="Business unit", order_by=("businessunit__name",))
    accessmode = tables.Column(verbose_name="Access mode")
    status = tables.Column(verbose_name="Status", accessor="isdisabled", order_by=("isdisabled",))
    user_type = tables.Column(verbose_name="Type")
    last_synced_on = tables.DateTimeColumn(verbose_name="Last sync", format="Y-m-d H:i", default="—")

    class Meta(PortalTable.Meta):
        model = SystemUser
        fields = ("fullname", "domainname", "businessunit", "accessmode", "status", "user_type", "last_synced_on")
        sequence = fields
        order_by = ("fullname",)

    def render_fullname(self, value, record):
        return value or record.domainname

    def render_status(self, value, record):
        return format_html('<span class="badge badge-{}">{}</span>', record.get_status_color(),
                           "Disabled" if value else "Enabled")

    def render_accessmode(self, value, record):
        return record.get_accessmode_display()

    def render_user_type(self, value, record):
        return record.get_user_type_display()
