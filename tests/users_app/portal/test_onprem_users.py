"""On-premises records edited by hand (ONPREM-02): the Active Directory users and their edit form.

Every URL's sign-in redirect, refusal and page and fragment: the battery of tests/portal/test_pages.py.
The edit: the HTMX answer and the plain redirect; a refused edit writes
nothing and its message names the rule. The list keeps a fixed number of queries."""
from django.urls import reverse

from environments_app.choices import Deployment
from tests.conftest import portal_upn
from users_app.models import SystemUser
from users_app.services.environments import environment_create
from users_app.tables.onprem_users import OnPremisesUserTable

from tests.builders import HX

PP_ROLE_TEXT = "System Administrator security role in this environment"


def _ann(onprem_env):
    return SystemUser.objects.get(environment=onprem_env, domainname="CONTOSO\\ann")


# --- On-premises records (ONPREM-02) -----------------------------------------------------------------


def test_onprem_user_list_lists_ad_users_with_edit_links(sign_in, onprem):
    text = sign_in("ppadmin").get(reverse("onprem_users:onprem_user_list", args=[onprem.environment_id])).content.decode()
    assert "CONTOSO\\ann" in text and "CONTOSO\\bob" in text and "Oslo, Oslo" in text
    assert reverse("onprem_users:onprem_user_edit", args=[onprem.environment_id, _ann(onprem).systemuserid]) in text
    assert "ONPREM-02" in text


def test_onprem_user_edit_htmx_and_plain_onprem_02(sign_in, onprem, followed_text):
    """ONPREM-02: after creation nothing synchronises; the admin edits the record by hand."""
    ann = _ann(onprem)
    url = reverse("onprem_users:onprem_user_edit", args=[onprem.environment_id, ann.systemuserid])
    client = sign_in("ppadmin")
    page = client.get(url).content.decode()
    assert "nothing synchronises" in page
    fields = {"firstname": "Ann", "lastname": "Berg-Dahl", "address1_telephone1": "555-0100", "homephone": "555-0199",
              "internalemailaddress": "ann@contoso.local", "address1_city": "Trondheim", "address1_stateorprovince": "Trøndelag"}
    response = client.post(url, fields, **HX)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="onprem-user-form"' in text and "Saved" in text and "Last name" in text
    ann.refresh_from_db()
    assert (ann.lastname, ann.address1_city, ann.address1_stateorprovince) == ("Berg-Dahl", "Trondheim", "Trøndelag")
    plain = client.post(url, {**fields, "homephone": "555-0200"})
    assert plain.status_code == 302 and plain["Location"] == url
    assert "Home phone" in followed_text(client, plain)
    ann.refresh_from_db()
    assert ann.homephone == "555-0200"


def test_onprem_user_edit_of_online_record_refused_onprem_02(sign_in, portal_tenant):
    """ONPREM-02: online records follow the directory; editing one by hand is refused, nothing written."""
    sales = portal_tenant["sales"]
    record = SystemUser.objects.get(environment=sales, domainname=portal_upn("plain"))
    response = sign_in("ppadmin").post(reverse("onprem_users:onprem_user_edit", args=[sales.environment_id, record.systemuserid]),
                                       {"firstname": "Changed", "lastname": "Test"}, **HX)
    assert "ONPREM-02" in response.content.decode()
    record.refresh_from_db()
    assert record.firstname == "Plain"


# --- Table, search and query budget ------------------------------------------------------------------


def test_onprem_user_table_sorts_by_every_orderable_column(sign_in, onprem, assert_sorts_both_ways):
    assert_sorts_both_ways(sign_in("ppadmin"), OnPremisesUserTable, reverse("onprem_users:onprem_user_list", args=[onprem.environment_id]))


def test_onprem_user_search_narrows_rows(sign_in, onprem):
    client = sign_in("ppadmin")
    ad = client.get(reverse("onprem_users:onprem_user_list", args=[onprem.environment_id]), {"q": "bergen"}, **HX).content.decode()
    assert "CONTOSO\\bob" in ad and "CONTOSO\\ann" not in ad


def test_onprem_user_list_query_count_is_fixed(sign_in, portal_tenant, django_assert_max_num_queries, queries_of):
    onprem_env = environment_create(name="OnPrem", deployment=Deployment.ON_PREMISES,
                                    ad_users=[{"logon_name": f"CONTOSO\\u{i}", "city": "Oslo"} for i in range(5)])
    url = reverse("onprem_users:onprem_user_list", args=[onprem_env.environment_id])
    client = sign_in("ppadmin")
    small = queries_of(client, url)
    from users_app.services.environments import environment_add_ad_users
    environment_add_ad_users(environment=onprem_env, ad_users=[{"logon_name": f"CONTOSO\\u{i}"} for i in range(5, 30)])
    with django_assert_max_num_queries(small):
        client.get(url)


