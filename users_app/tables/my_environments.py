"""Table of My environments (SYNC-02), with the signed-in user's status and the Open button. Its
queryset comes from users_app/selectors/my_environments.py."""
import django_tables2 as tables
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from environments_app.choices import region_name
from environments_app.models import Environment
from portal.columns import BadgeColumn, state_badge
from portal.tables import PortalTable
from portal.templatetags.portal_ui import icon
from users_app.templatetags.rules import rule_link


OPEN_FORM = ('<form method="post" action="{}" hx-post="{}" hx-target="#my-environments" hx-swap="outerHTML">'
             '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
             '<button type="submit" class="btn btn-primary" aria-label="Open {}">{} Open</button></form>')


class MyEnvironmentTable(PortalTable):
    container_id = "my-environment-table"

    name = tables.Column(verbose_name="Environment")
    type = BadgeColumn(verbose_name="Type")
    region = tables.Column(verbose_name="Region")
    record_disabled = tables.Column(verbose_name="Your status", empty_values=())
    open = tables.Column(verbose_name="Open", empty_values=(), orderable=False)

    class Meta(PortalTable.Meta):
        model = Environment
        fields = ("name", "type", "region")
        sequence = ("name", "type", "region", "record_disabled", "open")
        empty_text = "No online environment with a Dataverse database."

    # Environment pk -> the rules that would surely refuse Open (the view fills it for the page's rows).
    refusals: dict = {}

    def render_open(self, record):
        """Open where the user can get in; elsewhere the rules that would refuse them, as chips."""
        refused_by = self.refusals.get(record.pk, ())
        if refused_by:
            chips = format_html_join(" ", "{}", ((rule_link(rule),) for rule in refused_by))
            return format_html('<span class="open-refused">Can\'t open: {}</span>', chips)
        url = reverse("my_environments:my_environment_open", args=[record.environment_id])
        return format_html(OPEN_FORM, url, url, get_token(self.request), record.name, icon("open"))

    def render_region(self, value):
        return region_name(value)

    def render_record_disabled(self, value):
        if value is None:
            return format_html('<span class="badge badge-gray">{}</span>', "No record yet")
        return state_badge(value, on="Enabled", off="Disabled")
