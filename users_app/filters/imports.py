"""Filter set of the stub users on the reassign page: `q`, searched as the admin types."""
from portal.filters import SearchFilterSet
from users_app.models import SystemUser


class StubUserFilterSet(SearchFilterSet):
    search_fields = ("domainname", "fullname")

    class Meta:
        model = SystemUser
        fields = ["q"]
