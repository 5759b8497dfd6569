"""My environments (SYNC-02): the list with the signed-in user's status, and Open, which applies
the rules to that user at once and names each refusing rule. A fixed number of queries whatever
the rows; sign-in redirect, page and fragment: the battery of tests/portal/test_pages.py."""
from django.utils.html import strip_tags
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import portal_upn
from users_app.choices import UserType
from users_app.models import Account, SyncRun, SystemUser
from users_app.services import records
from users_app.services.environments import environment_create
from users_app.tables.my_environments import MyEnvironmentTable

from tests.builders import HX

# Every URL's sign-in redirect, refusal (naming the role) and page and fragment: the battery of
# tests/portal/test_pages.py.


def test_my_environments_refuse_a_django_superuser_without_directory_user(client, portal_tenant):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    response = client.get(reverse("my_environments:my_environment_list"))
    assert response.status_code == 403
    assert "/admin/ only" in response.content.decode()


# --- My environments (SYNC-02) -----------------------------------------------------------------------


def test_my_environments_lists_online_dataverse_environments_with_my_status(sign_in, portal_tenant, onprem):
    text = sign_in("olivia").get(reverse("my_environments:my_environment_list")).content.decode()
    assert "Sales" in text and "Service" in text and "Contoso On-Premises" not in text
    assert "No record yet" in text
    assert 'method="post"' in text and reverse("my_environments:my_environment_open", args=[portal_tenant["service"].environment_id]) in text
    plain_text = sign_in("plain").get(reverse("my_environments:my_environment_list")).content.decode()
    assert "Enabled" in plain_text


def test_my_environment_open_get_is_not_allowed(sign_in, portal_tenant):
    """The Open button is a POST, never a GET."""
    response = sign_in("plain").get(reverse("my_environments:my_environment_open", args=[portal_tenant["sales"].environment_id]))
    assert response.status_code == 405


def test_my_environment_open_as_entitled_user_htmx_sync_02(sign_in, portal_tenant):
    """SYNC-02: first access applies the rules at once; plain@ is licensed and in Sales-Env."""
    sales = portal_tenant["sales"]
    response = sign_in("plain").post(reverse("my_environments:my_environment_open", args=[sales.environment_id]), **HX)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text and 'id="my-environments"' in text
    assert ("nothing changed" in text.lower()) or ("You were added" in text) or ("brought up to date" in text)
    assert SystemUser.objects.get(environment=sales, domainname=portal_upn("plain")).isdisabled is False
    run = SyncRun.objects.filter(environment=sales).first()
    assert run.trigger == "sign_in" and run.initiated_by == portal_upn("plain")


def test_my_environment_open_adds_on_demand_plain_redirect_sync_02(sign_in, portal_tenant, followed_text):
    """SYNC-02 + ELIG-03 e: olivia@ (Microsoft 365 licence only) is added on first access to
    Service, which has no security group; the plain POST redirects to the list showing her record."""
    service = portal_tenant["service"]
    assert not SystemUser.objects.filter(environment=service, domainname=portal_upn("olivia")).exists()
    client = sign_in("olivia")
    response = client.post(reverse("my_environments:my_environment_open", args=[service.environment_id]))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('my_environments:my_environment_list')}?opened={service.environment_id}"
    text = followed_text(client, response)
    assert "You were added to Service" in text and "Read-Write" in text
    assert SystemUser.objects.get(environment=service, domainname=portal_upn("olivia")).isdisabled is False


def test_my_environment_open_refused_names_the_rules_elig_04(sign_in, portal_tenant, followed_text):
    """olivia@ holds only a Microsoft 365 licence (ELIG-03 e counts it on demand) and is not in
    Sales-Env: the engine refuses her by ELIG-04, and the page names each refusing rule with its
    reason; nothing is written but the run record."""
    sales = portal_tenant["sales"]
    before = SystemUser.objects.count()
    client = sign_in("olivia")
    response = client.post(reverse("my_environments:my_environment_open", args=[sales.environment_id]), **HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="my-environments"' in text
    run = SyncRun.objects.filter(environment=sales, trigger="sign_in").first()
    refused_by = run.decisions[0]["rules"]
    assert refused_by == ["ELIG-04"]
    assert "ELIG-04" in text and "Sales-Env" in text and "refused by ELIG-04" in strip_tags(text)
    assert SystemUser.objects.count() == before
    plain = client.post(reverse("my_environments:my_environment_open", args=[sales.environment_id]))
    assert "ELIG-04" in followed_text(client, plain)
    assert SystemUser.objects.count() == before


def test_my_environment_open_refuses_non_interactive_user_mode_03(sign_in, portal_tenant):
    """MODE-03: a non-interactive user's attempt to sign in to the environment is refused."""
    sales = portal_tenant["sales"]
    record = SystemUser.objects.get(environment=sales, domainname=portal_upn("plain"))
    records.access_mode_set(systemuser=record, mode="non-interactive")
    response = sign_in("plain").post(reverse("my_environments:my_environment_open", args=[sales.environment_id]), **HX)
    assert "MODE-03" in response.content.decode()
    record.refresh_from_db()
    assert record.accessmode == 4


def test_my_environment_open_converts_an_imported_stub_in_place_stub_05(sign_in, portal_tenant):
    """STUB-05: olivia@ became a stub in Service through an import; her first access converts the
    stub in place into her real record (object id set, enabled, records kept), no second record."""
    from users_app.services.imports import parse_accounts_csv, records_import
    service = portal_tenant["service"]
    records_import(environment=service, rows=parse_accounts_csv(f"name,owner\nContoso Pharma,{portal_upn('olivia')}\n"))
    stub = SystemUser.objects.get(environment=service, domainname=portal_upn("olivia"))
    assert stub.user_type == UserType.STUB
    response = sign_in("olivia").post(reverse("my_environments:my_environment_open", args=[service.environment_id]), **HX)
    assert "You were added" in response.content.decode()
    record = SystemUser.objects.get(environment=service, domainname__iexact=portal_upn("olivia"))
    assert record.pk == stub.pk and record.user_type == UserType.REGULAR and not record.isdisabled
    assert record.azureactivedirectoryobjectid is not None
    assert Account.objects.filter(owner=record, name="Contoso Pharma").exists()


# --- Table, search and query budget ------------------------------------------------------------------


def test_my_environment_table_sorts_by_every_orderable_column(sign_in, portal_tenant, assert_sorts_both_ways):
    assert_sorts_both_ways(sign_in("plain"), MyEnvironmentTable, reverse("my_environments:my_environment_list"))


def test_my_environment_search_narrows_rows(sign_in, portal_tenant):
    mine = sign_in("plain").get(reverse("my_environments:my_environment_list"), {"q": "serv"}, **HX).content.decode()
    assert "Service" in mine and ">Sales<" not in mine
    sandboxes = sign_in("plain").get(reverse("my_environments:my_environment_list"), {"type": "Sandbox"}, **HX).content.decode()
    assert "Service" in sandboxes and ">Sales<" not in sandboxes


def test_my_environment_list_query_count_is_fixed(sign_in, portal_tenant, django_assert_max_num_queries, queries_of):
    client = sign_in("plain")
    url = reverse("my_environments:my_environment_list")
    for i in range(3):  # with Sales and Service: 5 rows
        environment_create(name=f"Extra {i}", type="Sandbox")
    small = queries_of(client, url)
    for i in range(25):  # 30 rows
        environment_create(name=f"More {i}", type="Sandbox")
    with django_assert_max_num_queries(small):
        client.get(url)


# --- B13: Open only where the user can get in; one message --------------------------------------------


def test_my_environments_offers_open_only_where_no_rule_surely_refuses_b13(sign_in, portal_tenant):
    """olivia@ is not in Sales-Env: Sales shows the refusing rule (ELIG-04) instead of Open; Service
    (no security group) offers Open."""
    sales, service = portal_tenant["sales"], portal_tenant["service"]
    text = sign_in("olivia").get(reverse("my_environments:my_environment_list")).content.decode()
    assert reverse("my_environments:my_environment_open", args=[sales.environment_id]) not in text
    assert reverse("my_environments:my_environment_open", args=[service.environment_id]) in text
    assert "Can't open:" in text and 'href="/rules/ELIG-04/"' in text


def test_my_environment_open_over_htmx_says_it_once_b13(sign_in, portal_tenant):
    """The card says what happened; no toast repeats it."""
    service = portal_tenant["service"]
    text = sign_in("olivia").post(reverse("my_environments:my_environment_open", args=[service.environment_id]), **HX).content.decode()
    assert text.count("You were added to Service") == 1 and 'class="toast ' not in text


def test_my_environment_open_links_to_the_environment_url(sign_in, portal_tenant):
    """After Open lets the user in, the card links to the environment's URL."""
    service = portal_tenant["service"]
    service.url = "https://service.crm.dynamics.com"
    service.save(update_fields=["url"])
    text = sign_in("olivia").post(reverse("my_environments:my_environment_open", args=[service.environment_id]), **HX).content.decode()
    assert 'href="https://service.crm.dynamics.com"' in text
