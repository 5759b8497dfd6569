"""The environments list's table."""
import django_tables2 as tables

from environments_app.choices import region_name
from environments_app.models import Environment
from portal.columns import BadgeColumn
from portal.tables import PortalTable


class EnvironmentTable(PortalTable):
    container_id = "environment-table"
    DEFAULT_COLUMNS = ("name", "type", "state", "region", "dataverse", "security_group_name", "created_on")

    name = tables.Column(verbose_name="Environment", linkify=("environments:environment_detail", [tables.A("environment_id")]))
    type = BadgeColumn(verbose_name="Type")
    state = tables.Column(verbose_name="State")
    region = tables.Column(verbose_name="Region")
    dataverse = tables.BooleanColumn(verbose_name="Dataverse", yesno="Yes,No")
    security_group_name = tables.Column(verbose_name="Security group", default="—")
    created_on = tables.DateTimeColumn(verbose_name="Created on", format="j M Y, H:i")

    class Meta(PortalTable.Meta):
        model = Environment
        fields = ("name", "type", "state", "region", "dataverse", "security_group_name", "created_on")
        sequence = fields

    def render_region(self, value):
        return region_name(value)
