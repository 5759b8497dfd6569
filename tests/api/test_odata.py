"""OData options and keyset paging (users_app/api/odata.py), on the real database."""
import pytest
from django.test import RequestFactory

from users_app.api import errors, odata
from users_app.models import DirectoryUser

pytestmark = pytest.mark.django_db

ALIASES = {"displayName": "display_name", "accountEnabled": "account_enabled",
           "userPrincipalName": "user_principal_name", "usageLocation": "usage_location", "jobTitle": "job_title"}
ORDER = {"displayName": ("display_name", False), "usageLocation": ("usage_location", True),
         "jobTitle": ("job_title", False)}


def _q(text):
    return odata.filter_q(text, ALIASES, DirectoryUser, errors.GRAPH)


def test_filter_maps_properties_ignores_case_in_functions_and_names_unknown_ones(portal_tenant):
    users = DirectoryUser.objects.all()
    assert set(users.filter(_q("startswith(userPrincipalName,'GLOBAL')"))) == set(
        users.filter(user_principal_name__istartswith="global"))
    assert users.filter(_q("accountEnabled eq true and usageLocation eq null")).count() == users.filter(
        account_enabled=True, usage_location__isnull=True).count()
    names = list(users.values_list("user_principal_name", flat=True)[:2])
    assert users.filter(_q(f"userPrincipalName in ('{names[0]}','{names[1]}')")).count() == 2
    with pytest.raises(errors.ApiError, match="'password'") as unknown:
        _q("password eq 'x'")
    assert unknown.value.status == 400
    with pytest.raises(errors.ApiError, match="Invalid \\$filter"):
        _q("displayName eq")


@pytest.mark.parametrize("orderby", [[], [("displayName", False)], [("usageLocation", False)],
                                     [("usageLocation", True), ("displayName", True)], [("jobTitle", True)]])
def test_keyset_pages_give_every_row_once_in_order(portal_tenant, orderby):
    DirectoryUser.objects.filter(pk__in=list(DirectoryUser.objects.values_list("pk", flat=True)[:4])).update(
        usage_location="US")
    keys = odata.order(orderby, ORDER, errors.GRAPH)
    expected = list(DirectoryUser.objects.order_by(*odata._order_by(keys)).values_list("pk", flat=True))
    seen, token = [], None
    while True:
        page = odata.keyset_page(DirectoryUser.objects.all(), keys, size=3, skiptoken=token, api=errors.GRAPH)
        seen += [u.pk for u in page.rows]
        token = page.token
        if token is None:
            break
    assert seen == expected and len(expected) > 6


def test_remaining_caps_the_rows_across_pages_and_a_forged_token_is_refused(portal_tenant):
    keys = odata.order([], {}, errors.DATAVERSE)
    first = odata.keyset_page(DirectoryUser.objects.all(), keys, size=3, skiptoken=None, api=errors.DATAVERSE,
                              remaining=5)
    second = odata.keyset_page(DirectoryUser.objects.all(), keys, size=3, skiptoken=first.token,
                               api=errors.DATAVERSE)
    assert len(first.rows) == 3 and len(second.rows) == 2 and second.token is None
    with pytest.raises(errors.ApiError, match="skiptoken"):
        odata.keyset_page(DirectoryUser.objects.all(), keys, size=3, skiptoken=first.token + "x",
                          api=errors.DATAVERSE)


def test_options_are_form_decoded_and_next_links_absolute():
    request = RequestFactory().get("/v1.0/users?%24select=id,displayName&%24filter=accountEnabled+eq+true"
                                   "&%24orderby=displayName+desc&%24top=5&%24count=true")
    opts = odata.options(request, errors.GRAPH, max_top=999)
    assert opts.select == ["id", "displayName"] and opts.filter == "accountEnabled eq true"
    assert opts.orderby == [("displayName", True)] and opts.top == 5 and opts.count
    link = odata.next_link(request, "TOKEN", drop=("$count",))
    assert link.startswith("http://testserver/v1.0/users?") and "$skiptoken=TOKEN" in link and "$count" not in link
    with pytest.raises(errors.ApiError):
        odata.options(RequestFactory().get("/v1.0/users?$top=1000"), errors.GRAPH, max_top=999)
