"""Table of My environments (SYNC-02), with the signed-in user's status and the Open button. Its
queryset comes from users_app/selectors/my_environments.py."""
import django_tables2 as tables
from django.utils.html import format_html

from environments_app.models import Environment
from portal.columns import BadgeColumn, state_badge
from portal.tables import PortalTable


OPEN_BUTTON = """<form method="post" action="{% url 'my_environments:my_environment_open' record.environment_id %}" hx-post="{% url 'my_environments:my_environment_open' record.environment_id %}" hx-target="#my-environments" hx-swap="outerHTML">{% csrf_token %}<button type="submit" class="btn btn-primary" aria-label="Open {{ record.name }}">Open</button></form>"""


class MyEnvironmentTable(PortalTable):
    container_id = "my-environment-table"

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
        return state_badge(value, on="Enabled", off="Disabled")
