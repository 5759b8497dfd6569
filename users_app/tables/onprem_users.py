"""Table of the on-premises records (ONPREM-02). Its queryset comes from
users_app/selectors/onprem_users.py."""
import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from portal.tables import EnvironmentScopedTable, PortalTable
from users_app.models import SystemUser


class OnPremisesUserTable(EnvironmentScopedTable):
    container_id = "onprem-user-table"

    fullname = tables.Column(verbose_name="Full name", default="—")
    domainname = tables.Column(verbose_name="User logon name")
    internalemailaddress = tables.Column(verbose_name="E-mail", default="—")
    address1_telephone1 = tables.Column(verbose_name="Telephone", default="—")
    homephone = tables.Column(verbose_name="Home phone", default="—")
    address = tables.Column(verbose_name="Address", empty_values=(), order_by=("address1_city", "address1_stateorprovince"))
    edit = tables.Column(verbose_name="Actions", empty_values=(), orderable=False)

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
        url = reverse("onprem_users:onprem_user_edit", args=[self.environment.environment_id, record.systemuserid])
        return format_html('<a href="{}" aria-label="Edit {}">Edit</a>', url, record.fullname or record.domainname)
