"""The layout every page shares (templates/portal/base.html): the header's search and account menu,
the left rail with an icon on every link and the current section marked."""
import re

from django.urls import reverse

from tests.conftest import portal_upn
from users_app.models import DirectoryUser


def _rail(body: str) -> str:
    return body.split('<nav class="rail"')[1].split("</nav>")[0]


def test_the_header_has_the_search_and_the_account_menu(portal_tenant, sign_in):
    body = sign_in("global").get(reverse("m365:active_user_list")).content.decode()
    header = body.split('<header class="topbar">')[1].split("</header>")[0]
    assert ">Microsoft 365 admin center</span></a>" in header  # the page's {% block brand %}
    assert f'method="get" action="{reverse("search:search")}"' in header
    assert "Account manager for Global Test" in header and ">GT</span>" in header
    assert portal_upn("global") in header
    assert f'href="{reverse("password_change")}"' in header
    assert re.search(rf'<form method="post" action="{reverse("signout")}">.*?Sign out</button></form>', header, re.S)


def test_every_rail_link_has_an_icon_and_the_section_is_marked(portal_tenant, sign_in):
    client = sign_in("global")
    adele = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    rail = _rail(client.get(reverse("m365:active_user_detail", args=[adele.id])).content.decode())
    links = re.findall(r"<a [^>]*>.*?</a>", rail, re.S)
    assert len(links) == 11  # with Developers (issue 13)
    assert all('<svg class="icon"' in link for link in links)
    current = [link for link in links if 'aria-current="page"' in link]
    assert len(current) == 1 and "Active users" in current[0]
    rail = _rail(client.get(reverse("environments:environment_detail", args=[portal_tenant["sales"].environment_id]))
                 .content.decode())
    current = [link for link in re.findall(r"<a [^>]*>.*?</a>", rail, re.S) if 'aria-current="page"' in link]
    assert len(current) == 1 and ">Environments<" in current[0]


def test_an_ordinary_user_sees_only_what_they_may_open(portal_tenant, sign_in):
    rail = _rail(sign_in("plain").get(reverse("my_environments:my_environment_list")).content.decode())
    assert re.findall(r"<span>([^<]+)</span></a>", rail) == [
        "My environments", "Service information", "Provisioning rules", "Developers"]
    assert 'aria-current="page">' in rail


def test_an_environments_tabs_come_before_its_command_bar_on_every_page():
    """As on Users (the review found Teams, Business units and Sync history the other way round): the
    environment's tabs first, then the page's command bar."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "templates"
    wrong = []
    for template in root.rglob("*.html"):
        text = template.read_text()
        if '{% include "portal/_env_nav.html" %}' in text and 'class="commandbar' in text:
            if text.index('class="commandbar') < text.index('{% include "portal/_env_nav.html" %}'):
                wrong.append(str(template.relative_to(root)))
    assert wrong == []
