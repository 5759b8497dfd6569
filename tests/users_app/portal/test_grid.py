"""The environment's Users list as a data grid: the selection kept on the server (through paging and
a search, with and without htmx), the command bar following it, the bulk panels, Edit columns kept
per admin and per list, the CSV export of the current view (formula cells escaped)."""
import csv
import io

from django.contrib.auth import get_user_model
from django.urls import reverse

from environments_app.models import SecurityRole
from tests.builders import HX
from tests.conftest import portal_upn
from tests.users_app.portal.test_environment_users import list_url, record, reload_tenant, with_users
from users_app.models import ListColumnChoice, SystemUserRole


def url(env, name):
    return reverse(f"users:environment_user_{name}", args=[env.environment_id])


def ids_on_page(response):
    return [str(row.record.systemuserid) for row in response.context["table"].paginated_rows]


def select(client, env, page_ids, ticked, **extra):
    return client.post(url(env, "selection"), {"page_ids": page_ids, "selected": ticked}, **extra)


def selected(client, env):
    return client.get(list_url(env)).context["grid"].selection.ids


def test_selection_survives_paging_and_search(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    reload_tenant(lambda data: with_users(data, [f"bulk{i:02}" for i in range(30)]))
    client = sign_in("global")
    first = client.get(list_url(sales, q="bulk"))
    page1 = ids_on_page(first)
    assert len(page1) == 25
    select(client, sales, page1, page1[:2], **HX)
    second = client.get(list_url(sales, q="bulk", page=2))
    page2 = ids_on_page(second)
    response = select(client, sales, page2, page2[:1], **HX)  # ticks on page 2 keep page 1's
    assert response.status_code == 200 and 'id="grid-commands"' in response.content.decode()
    assert "3 selected" in response.content.decode()
    assert set(selected(client, sales)) == {*page1[:2], page2[0]}
    # A search and a sort show the ticks of rows still listed, and keep the others.
    searched = client.get(list_url(sales, q="bulk00", sort="-domainname")).content.decode()
    assert f'value="{page1[0]}" id="row-{page1[0]}" data-grid-row checked' in searched
    # Unticking on a page removes only that page's rows.
    select(client, sales, page1, [page1[1]])
    assert set(selected(client, sales)) == {page1[1], page2[0]}
    # Select all on this page, then Clear.
    client.post(url(sales, "selection"), {"page_ids": page2, "select_page": "1"})
    assert set(page2) <= set(selected(client, sales))
    client.post(url(sales, "selection"), {"clear": "1"}, **HX)
    assert selected(client, sales) == []


def test_selection_without_js_goes_back_to_the_page(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    client = sign_in("global")
    ids = ids_on_page(client.get(list_url(sales)))
    back = list_url(sales, q="s", sort="-fullname")
    response = client.post(url(sales, "selection"), {"page_ids": ids, "selected": ids[:1], "next": back})
    assert response.status_code == 302 and response["Location"] == back
    elsewhere = client.post(url(sales, "selection"), {"page_ids": ids, "next": "https://evil.example/"})
    assert elsewhere["Location"] == list_url(sales)


def test_the_command_bar_follows_the_selection(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    client = sign_in("global")
    ids = ids_on_page(client.get(list_url(sales)))
    none = client.get(list_url(sales)).content.decode()
    assert "Add user" in none and "Edit columns" in none and "Export" in none and "Run diagnostics" not in none
    one = select(client, sales, ids, ids[:1], **HX).content.decode()
    assert "Run diagnostics" in one and "Refresh user" in one and "Manage teams" in one
    assert reverse("users:environment_user_roles", args=[sales.environment_id, ids[0]]) in one
    several = select(client, sales, ids, ids[:3], **HX).content.decode()
    assert "Add to team" in several and "Manage security roles" in several and "Run diagnostics" not in several
    assert "Add user" not in several and "3 selected" in several


def test_bulk_roles_assign_to_each_selected_user_and_report_per_user(portal_tenant, sign_in):
    """ROLE-02 per user: a disabled user is refused, the others get the role; one toast."""
    sales = portal_tenant["sales"]
    reload_tenant(lambda data: data["groups"][0]["members"].remove(portal_upn("plain")))  # plain is disabled
    client = sign_in("global")
    users = [record(sales, name) for name in ("sysadmin", "plain", "d365admin")]
    ids = [str(u.systemuserid) for u in users]
    client.post(url(sales, "selection"), {"page_ids": ids, "selected": ids})
    panel = client.get(url(sales, "bulk_roles"), **HX).content.decode()
    assert 'id="bulk-roles-panel"' in panel and "3 selected users" in panel
    response = client.post(url(sales, "bulk_roles"), {"roles": ["System Customizer"]}, **HX)
    text = response.content.decode()
    assert response.status_code == 200 and "2 of 3" in text and "ROLE-02" in text and "toast-warning" in text
    role_holders = set(SystemUserRole.objects.filter(role__name="System Customizer").values_list("systemuser__domainname", flat=True))
    assert {portal_upn("sysadmin"), portal_upn("d365admin")} <= role_holders and portal_upn("plain") not in role_holders


def test_bulk_panel_without_js_opens_after_recording_the_ticks(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    client = sign_in("global")
    ids = ids_on_page(client.get(list_url(sales)))
    response = client.post(url(sales, "bulk_refresh"), {"open": "1", "page_ids": ids, "selected": ids[:2]})
    assert response.status_code == 302 and response["Location"] == url(sales, "bulk_refresh")
    page = client.get(response["Location"]).content.decode()
    assert "2 selected users" in page and "<html" in page
    done = client.post(url(sales, "bulk_refresh"), {})
    assert done.status_code == 302
    again = client.get(url(sales, "bulk_refresh")).content.decode()
    assert "of 2</strong> done" in again
    assert "of 2</strong> done" not in client.get(url(sales, "bulk_refresh")).content.decode()  # shown once


def test_edit_columns_kept_per_admin_and_per_list(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    client = sign_in("global")
    panel = client.get(url(sales, "columns"), **HX).content.decode()
    assert 'id="columns-panel"' in panel and "Primary email" in panel and 'value="fullname"' not in panel  # required
    response = client.post(url(sales, "columns"), {"columns": ["domainname", "internalemailaddress"]}, **HX)
    assert response.status_code == 200 and response["HX-Redirect"] == list_url(sales)
    page = client.get(list_url(sales)).content.decode()
    assert "Primary email" in page and "Business unit</a>" not in page and "Full name" in page
    user = get_user_model().objects.get(username=portal_upn("global"))
    assert ListColumnChoice.objects.get(user=user, list_key="environment_users").columns == [
        "fullname", "domainname", "internalemailaddress"]
    other = sign_in("ppadmin").get(list_url(sales)).content.decode()
    assert "Business unit</a>" in other and "Primary email" not in other  # another admin: the defaults


def test_export_streams_the_view_with_formulas_escaped(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    plain = record(sales, "plain")
    plain.fullname = "=HYPERLINK(\"http://evil\")"
    plain.save(update_fields=["fullname"])
    sysadmin = record(sales, "sysadmin")
    sysadmin.fullname = "@SUM(1)"
    sysadmin.save(update_fields=["fullname"])
    client = sign_in("global")
    response = client.get(url(sales, "export"), {"sort": "-domainname"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    assert 'filename="users-sales.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Full name", "User name", "Business unit"] and "Last changed by sync" in rows[0]
    names = [r[0] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil\")" in names and "'@SUM(1)" in names
    domains = [r[1] for r in rows[1:]]
    assert domains == sorted(domains, key=str.lower, reverse=True)  # the sort of the view
    every = list(csv.reader(io.StringIO(b"".join(client.get(url(sales, "export"), {"view": "all"}).streaming_content).decode())))
    assert len(every) - 1 > 25 or len(every) - 1 == client.get(list_url(sales, view="all")).context["table"].page.total


def test_quick_look_shows_the_summary_and_links(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    user = record(sales, "sysadmin")
    quick = reverse("users:environment_user_quick_look", args=[sales.environment_id, user.systemuserid])
    listing = sign_in("global").get(list_url(sales)).content.decode()
    assert f'href="{quick}" hx-get="{quick}"' in listing  # the name opens the pane
    text = sign_in("global").get(quick, **HX).content.decode()
    assert 'id="quick-look-panel"' in text and "System Administrator" in text and "Dynamics 365 Sales" in text
    assert "Open profile" in text and "Run diagnostics" in text
    assert reverse("users:environment_user_detail", args=[sales.environment_id, user.systemuserid]) in text
    assert SecurityRole.objects.filter(environment=sales, name="System Administrator").exists()


def test_add_user_opens_manage_security_roles_for_the_added_users(portal_tenant, sign_in):
    """After Add user (htmx), the response is the bulk Manage security roles panel with the added
    users selected and Add user's per-user results in it; assigning gives them the role."""
    sales = portal_tenant["sales"]
    reload_tenant(lambda data: with_users(data, ["newcomer"], in_group=False) or with_users(data, ["joiner"]))
    from users_app.models import SystemUser
    SystemUser.objects.filter(environment=sales, domainname=portal_upn("joiner")).delete()
    client = sign_in("global")
    response = client.post(url(sales, "add"), {"users": f"{portal_upn('joiner')}\n{portal_upn('newcomer')}"}, **HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="bulk-roles-panel"' in text and "Add user: results" in text
    assert "ELIG-04" in text and "1 selected user" in text and "Joiner" in text and "toast-warning" in text
    assert selected(client, sales) == [str(record(sales, "joiner").systemuserid)]
    client.post(url(sales, "bulk_roles"), {"roles": ["System Customizer"]}, **HX)
    assert SystemUserRole.objects.filter(systemuser=record(sales, "joiner"), role__name="System Customizer").exists()


def test_bulk_business_unit_change_refreshes_the_grid_behind(portal_tenant, sign_in):
    """Over htmx the answer carries the grid as the page behind shows it (out of band), with the
    users in their new business unit; ROLE-06's removal is a warning."""
    from users_app.services.environments import business_unit_create
    sales = portal_tenant["sales"]
    north = business_unit_create(environment=sales, name="North")
    client = sign_in("global")
    ids = [str(record(sales, local).systemuserid) for local in ("sysadmin", "plain")]
    client.post(url(sales, "selection"), {"page_ids": ids, "selected": ids})
    behind = "http://testserver" + list_url(sales, q="sysadmin")
    response = client.post(url(sales, "bulk_business_unit"), {"business_unit": north.pk},
                           headers={"HX-Request": "true", "HX-Current-URL": behind})
    text = response.content.decode()
    assert 'id="user-table" hx-swap-oob="true"' in text and "North" in text and "toast-warning" in text
    assert "ROLE-06" in text and record(sales, "plain").businessunit_id == north.pk
