"""Tables of the Microsoft 365 admin center lists. They get their rows from
users_app.selectors.m365 and run no queries of their own."""
import django_tables2 as tables
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from portal.tables import KeysetSort, PortalTable
from users_app.choices import DirectoryUserType
from users_app.models import AppRegistration, DirectoryGroup, DirectoryUser, Sku


def _licence_names(record) -> str:
    names = [a.sku.name for a in record.licence_assignments.all()]
    return ", ".join(names) if names else "Unlicensed"


def _sign_in_badge(allowed: bool) -> str:
    if allowed:
        return format_html('<span class="badge {}">Sign-in allowed</span>', "badge-green")
    return format_html('<span class="badge {}">Sign-in blocked</span>', "badge-red")


class DirectoryUserTable(PortalTable):
    """Active users: display name, user name, licences, sign-in status, user type. Keyset-paged:
    each sort reads its page from an index of DirectoryUser (Meta.indexes), at any depth. A data
    grid (portal/grid.py): rows are selected by id; a name opens the user's quick look;
    DEFAULT_COLUMNS show until the admin edits the columns, REQUIRED_COLUMNS always."""

    container_id = "user-table"
    grid_id = "pk"
    DEFAULT_COLUMNS = ("display_name", "user_principal_name", "licences", "account_enabled", "user_type")
    REQUIRED_COLUMNS = ("display_name",)
    count_noun = "users"
    keyset_default = "display_name"
    keyset_sorts = {
        "display_name": KeysetSort(keys=("display_name", "id")),
        "user_principal_name": KeysetSort(keys=("upn_lower", "id"), annotations={"upn_lower": Lower("user_principal_name")}),
        "account_enabled": KeysetSort(keys=("account_enabled", "id"), groups=(False, True),
                                      rare=Q(account_enabled=False), common=True),
        "user_type": KeysetSort(keys=("user_type", "id"), groups=tuple(sorted(DirectoryUserType.values)),
                                rare=~Q(user_type=DirectoryUserType.MEMBER), common=DirectoryUserType.MEMBER),
    }

    display_name = tables.Column(verbose_name="Display name")
    user_principal_name = tables.Column(verbose_name="Username")
    licences = tables.Column(verbose_name="Licenses", accessor="pk", orderable=False, empty_values=())
    account_enabled = tables.Column(verbose_name="Sign-in status")
    user_type = tables.Column(verbose_name="User type")
    mail = tables.Column(verbose_name="Email", orderable=False, default="—")
    usage_location = tables.Column(verbose_name="Usage location", orderable=False, default="—")

    class Meta(PortalTable.Meta):
        model = DirectoryUser
        fields = ("display_name", "user_principal_name", "licences", "account_enabled", "user_type", "mail",
                  "usage_location")
        sequence = fields
        empty_text = "No active users match."

    def render_display_name(self, value, record):
        url = reverse("m365:active_user_quick_look", args=[record.pk])
        return format_html('<a href="{}" hx-get="{}" hx-target="#panel-host" hx-swap="innerHTML" data-quick-look>{}</a>',
                           url, url, value or record.user_principal_name)

    @staticmethod
    def grid_label(record) -> str:
        return record.display_name or record.user_principal_name

    def value_display_name(self, value, record):
        return value or record.user_principal_name

    def value_account_enabled(self, value):
        return "Sign-in allowed" if value else "Sign-in blocked"

    def render_licences(self, record):
        return _licence_names(record)

    def render_account_enabled(self, value):
        return _sign_in_badge(value)


class DeletedUserTable(PortalTable):
    """Soft-deleted users (DIR-04) with a Restore button each."""

    container_id = "deleted-user-table"

    display_name = tables.Column(verbose_name="Display name",
                                 linkify=("m365:active_user_detail", [tables.A("pk")]))
    original_user_principal_name = tables.Column(verbose_name="Username")
    deleted_on = tables.DateTimeColumn(verbose_name="Deleted on", format="Y-m-d H:i")
    restorable_until = tables.DateTimeColumn(verbose_name="Restorable until", format="Y-m-d")
    restore = tables.TemplateColumn(
        template_name="users_app/m365/_deleted_user_restore.html", verbose_name="Actions", orderable=False,
        accessor="pk")

    class Meta(PortalTable.Meta):
        model = DirectoryUser
        fields = ("display_name", "original_user_principal_name", "deleted_on", "restorable_until", "restore")
        sequence = fields
        # One sort arrow: the default sort is one column (the query's tie-breaker is not a second arrow).
        order_by = ("-deleted_on",)
        empty_text = "No deleted users. Deleted users can be restored for 30 days."

    def render_display_name(self, value, record):
        return value or record.login_name


class GroupTable(PortalTable):
    container_id = "group-table"

    name = tables.Column(verbose_name="Name", linkify=("m365:group_detail", [tables.A("pk")]))
    group_type = tables.Column(verbose_name="Group type")
    member_count = tables.Column(verbose_name="Members")
    owner_count = tables.Column(verbose_name="Owners")

    class Meta(PortalTable.Meta):
        model = DirectoryGroup
        fields = ("name", "group_type", "member_count", "owner_count")
        sequence = fields
        empty_text = "No groups match."


class SkuTable(PortalTable):
    """Licences with seats used / total / available (annotated by the selector)."""

    container_id = "licence-table"

    name = tables.Column(verbose_name="Name", linkify=("m365:licence_detail", [tables.A("sku_id")]))
    sku_part_number = tables.Column(verbose_name="Part number")
    kind = tables.Column(verbose_name="Kind")
    used = tables.Column(verbose_name="Assigned licenses")
    seats = tables.Column(verbose_name="Total licenses")
    available = tables.Column(verbose_name="Available licenses")

    class Meta(PortalTable.Meta):
        model = Sku
        fields = ("name", "sku_part_number", "kind", "used", "seats", "available")
        sequence = fields
        empty_text = "No licences in this tenant."


class LicenceUserTable(PortalTable):
    """Users holding a licence. Names link to the user only for Global and User administrators."""

    container_id = "licence-user-table"

    display_name = tables.Column(verbose_name="Display name")
    user_principal_name = tables.Column(verbose_name="Username")
    licences = tables.Column(verbose_name="All licenses", accessor="pk", orderable=False, empty_values=())
    account_enabled = tables.Column(verbose_name="Sign-in status")

    class Meta(PortalTable.Meta):
        model = DirectoryUser
        fields = ("display_name", "user_principal_name", "licences", "account_enabled")
        sequence = fields
        empty_text = "Nobody holds this licence."

    def __init__(self, *args, link_users: bool = False, **kwargs):
        self.link_users = link_users
        super().__init__(*args, **kwargs)

    def render_display_name(self, value, record):
        name = value or record.user_principal_name
        if self.link_users:
            return format_html('<a href="{}">{}</a>', reverse("m365:active_user_detail", args=[record.pk]), name)
        return name

    def render_licences(self, record):
        return _licence_names(record)

    def render_account_enabled(self, value):
        return _sign_in_badge(value)


class AdminRoleTable(PortalTable):
    """The admin roles (rows from selectors.m365.admin_role_list)."""

    container_id = "role-table"

    name = tables.Column(verbose_name="Role", linkify=("m365:role_detail", [tables.A("template_id")]))
    description = tables.Column(verbose_name="Description", orderable=False)
    holder_count = tables.Column(verbose_name="Assigned")
    holders = tables.Column(verbose_name="Admins", orderable=False, empty_values=())

    class Meta(PortalTable.Meta):
        fields = ("name", "description", "holder_count", "holders")
        sequence = fields
        empty_text = "No roles."

    def render_holders(self, value):
        if not value:
            return "—"
        return format_html_join(", ", "{}", ((u.display_name or u.user_principal_name,) for u in value))


class AppRegistrationTable(PortalTable):
    container_id = "app-registration-table"

    name = tables.Column(verbose_name="Display name", linkify=("m365:app_registration_detail", [tables.A("app_id")]))
    app_id = tables.Column(verbose_name="Application (client) ID")
    object_id = tables.Column(verbose_name="Object ID")

    class Meta(PortalTable.Meta):
        model = AppRegistration
        fields = ("name", "app_id", "object_id")
        sequence = fields
        empty_text = "No app registrations."
