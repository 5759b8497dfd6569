"""The header's search (/search/?q=): users as Active users finds them, environments as the viewer's
environments list finds them, each section capped, links only to pages the viewer may open."""
from django.urls import reverse

from tests.builders import HX
from tests.conftest import portal_upn
from users_app.models import DirectoryUser
from users_app.selectors.search import LIMIT

URL = reverse("search:search")


def test_a_global_admin_finds_users_and_environments_with_links(portal_tenant, sign_in):
    client = sign_in("global")
    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    body = client.get(URL, {"q": "olivia"}).content.decode()
    assert f'href="{reverse("m365:active_user_detail", args=[olivia.id])}"' in body
    assert "No environment matches" in body
    sales = portal_tenant["sales"]
    body = client.get(URL, {"q": "sal"}).content.decode()
    assert f'href="{reverse("environments:environment_detail", args=[sales.environment_id])}"' in body
    # The header's box keeps what was searched.
    assert 'name="q" placeholder="Search users and environments" autocomplete="off" value="sal"' in body


def test_an_ordinary_user_gets_no_admin_links(portal_tenant, sign_in):
    """plain@ may open neither a user's page nor the environment page (not System Administrator):
    names are listed, nothing links to a page that would answer 403."""
    client = sign_in("plain")
    body = client.get(URL, {"q": "olivia"}).content.decode()
    assert "Olivia Test" in body and "/m365/users/" not in body.split('id="search-results"')[1]
    body = client.get(URL, {"q": "sales"}).content.decode()
    results = body.split('id="search-results"')[1]
    assert '<span class="result-name">Sales</span>' in results and "/environments/" not in results
    # sysadmin@ is System Administrator of Sales: its page is linked for them.
    results = sign_in("sysadmin").get(URL, {"q": "sales"}).content.decode().split('id="search-results"')[1]
    assert reverse("environments:environment_detail", args=[portal_tenant["sales"].environment_id]) in results


def test_each_section_is_capped_with_a_link_to_the_full_list(portal_tenant, sign_in):
    from users_app.services.directory import directory_user_create
    for n in range(8):
        directory_user_create(user_principal_name=portal_upn(f"extra{n}"), display_name=f"Extra{n} Test", usage_location="US")
    client = sign_in("global")
    body = client.get(URL, {"q": "test"}).content.decode()  # every portal user is "<Name> Test"
    assert DirectoryUser.objects.filter(display_name__icontains="test").count() > LIMIT
    assert body.count('<li>\n        <a href="/m365/users/') == LIMIT
    assert f'href="{reverse("m365:active_user_list")}?q=test">More in Active users</a>' in body


def test_without_a_query_it_shows_the_form_only_and_answers_its_fragment_over_htmx(portal_tenant, sign_in):
    client = sign_in("global")
    assert "Type a name" in client.get(URL).content.decode()
    fragment = client.get(URL, {"q": "olivia"}, **HX).content.decode()
    assert fragment.lstrip().startswith('<div id="search-results">') and "Olivia Test" in fragment
