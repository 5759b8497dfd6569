import django_filters
from django import forms
from django.db.models import Q

from portal.filters import SearchFilterSet
from users_app import list_search
from users_app.choices import PLACEHOLDER_USER_TYPES, UserType
from users_app.models import SystemUser

# The condition of the partial index systemuser_env_type_rare, said again where a view reads rare
# types only: SQLite uses a partial index only for a query that states its condition.
RARE_TYPE = ~Q(user_type=UserType.REGULAR)
USER_VIEWS = {
    # The default Enabled users view hides the placeholders (MODE-05, MODE-07) and stub users.
    "enabled": Q(isdisabled=False) & ~Q(user_type__in=[*PLACEHOLDER_USER_TYPES, UserType.STUB, UserType.APPLICATION]),
    "disabled": Q(isdisabled=True) & ~Q(user_type__in=[UserType.STUB, UserType.APPLICATION]),
    "application": Q(user_type=UserType.APPLICATION) & RARE_TYPE,
    "stub": Q(user_type=UserType.STUB) & RARE_TYPE,
    "all": Q(),
}
STUB_SEARCH = "stub users"

VIEW_CHOICES = (("enabled", "Enabled users"), ("disabled", "Disabled users"), ("application", "Application users"),
                ("stub", "Stub users"), ("all", "All users"))


class EnvironmentUserFilterSet(SearchFilterSet):
    """The Users list's view (`view`, Enabled users by default) and search (`q`)."""
    search_fields = ("fullname", "domainname", "internalemailaddress")

    q = django_filters.CharFilter(method="search", label="Search users",
                                  widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search by name, user name or e-mail",
                                                                "autocomplete": "off"}))
    view = django_filters.ChoiceFilter(method="filter_view", choices=VIEW_CHOICES, label="View", widget=forms.HiddenInput)

    class Meta:
        model = SystemUser
        fields = ("q", "view")

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        if (data.get("q") or "").strip().lower() == STUB_SEARCH:
            return queryset.filter(USER_VIEWS["stub"])  # STUB-02: stub users are found through the search
        queryset = self.filter_view(queryset, "view", data.get("view") or "enabled")
        return self.search(queryset, "q", data.get("q") or "")

    def search_candidates(self, value: str):
        """The trigram index (users_app.list_search) for 3 characters or more."""
        return list_search.candidates(list_search.SYSTEMUSER, value) if list_search.usable(value) else None

    def filter_view(self, queryset, name, value):
        return queryset.filter(USER_VIEWS.get(value, USER_VIEWS["enabled"]))
