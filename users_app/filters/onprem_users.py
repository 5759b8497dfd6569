"""Filter set of the on-premises records: `q`, searched as the admin types."""
from portal.filters import SearchFilterSet
from users_app.models import SystemUser


class OnPremisesUserFilterSet(SearchFilterSet):
    search_fields = ("domainname", "fullname", "internalemailaddress", "address1_city")

    class Meta:
        model = SystemUser
        fields = ["q"]
