"""One way to render a filter bar (issue 11, item 2): every list page's bar is portal/_filterbar.html,
a FilterSet's or a plain form's, searching as you type without the sort race (B3)."""
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.builders import HX_HEADERS as HX

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PARTIAL = TEMPLATES / "portal" / "_filterbar.html"


def test_no_template_but_the_partial_writes_a_filter_bar():
    writers = [str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
               if path != PARTIAL and 'class="filterbar"' in path.read_text(encoding="utf-8")]
    assert writers == [], f"render these filter bars with portal/_filterbar.html: {writers}"


@pytest.mark.django_db
def test_group_list_bar_keeps_its_search_type_and_sort(portal_tenant, sign_in):
    client = sign_in("global")
    text = client.get(reverse("m365:group_list"), {"q": "sal", "group_type": "security", "sort": "name"}).content.decode()
    bar = text[text.index('<form class="filterbar"'):]
    bar = bar[:bar.index("</form>")]
    assert 'id="filterbar-group-table"' in bar and 'hx-sync="this:replace"' in bar
    assert "from:(#filterbar-group-table input)" in bar and "change from:(#filterbar-group-table select)" in bar
    assert '<label for="id_q">Search groups</label>' in bar and 'value="sal"' in bar and 'placeholder="Group name"' in bar
    assert '<label for="id_group_type">Type</label>' in bar and '<option value="security" selected>' in bar
    assert 'name="sort" id="group-table-sort" value="name"' in bar


@pytest.mark.django_db
def test_grid_search_bars_keep_their_ids_view_and_grid_flag(portal_tenant, sign_in):
    client = sign_in("sysadmin")
    from environments_app.models import Environment
    environment = Environment.objects.get(name="Sales")
    text = client.get(reverse("users:environment_user_list", args=[environment.environment_id]), {"view": "disabled"}).content.decode()
    assert 'id="user-search"' in text and "data-grid-search" in text and 'aria-label="Search users"' in text
    assert '<input type="hidden" name="view" value="disabled">' in text and '<label for="id_q">Search users</label>' in text
    text = sign_in("global").get(reverse("m365:active_user_list")).content.decode()
    assert 'id="active-user-search"' in text and "data-grid-search" in text
    assert '<label for="id_q">Search active users list</label>' in text
    assert 'name="sort" id="user-table-sort" value="" disabled' in text


@pytest.mark.django_db
def test_picker_page_searches_its_scope_through_the_bar(portal_tenant, sign_in):
    client = sign_in("global")
    text = client.get(reverse("pickers:people"), {"q": "olivia", "scope": "directory"}).content.decode()
    assert 'id="filterbar-picker-page-results"' in text and '<label for="picker-page-q">Name or user name</label>' in text
    assert '<input type="hidden" name="scope" value="directory"' in text and "Olivia Test" in text
    text = client.get(reverse("pickers:people"), {"q": "olivia", "scope": "directory"}, headers=HX).content.decode()
    assert "Olivia Test" in text and "filterbar" not in text
