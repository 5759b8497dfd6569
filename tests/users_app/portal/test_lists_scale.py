"""The two long lists at scale: the environment's Users list and the Active
users list. Search through the trigram index answers exactly what the plain icontains search
answers, before and after the index is refreshed, after updates and deletes; keyset paging walks
every row once, in the order the database gives, forwards and back, for every sort and view, as
plain links and over HTMX; the page says how many rows without counting the whole table."""
import html
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import portal.paging
from environments_app.models import BusinessUnit, Environment
from tests import builders
from tests.builders import HX
from tests.conftest import portal_tenant_data, portal_upn
from users_app import list_search
from users_app.choices import AccessMode, DeletedState, UserType
from users_app.models import AppRegistration, DirectoryUser, SystemUser
from users_app.provisioning.sync import environment_sync
from users_app.filters.environment_users import USER_VIEWS
from users_app.selectors.environment_users import business_unit_order, environment_user_list
from users_app.selectors.m365 import active_user_list
from users_app.services import directory, environments, records
from users_app.tenant_file import load_tenant


# Names chosen to trip a trigram index: case, accents, LIKE's wildcards, quotes, a mail equal
# to the user name but for case, given and surname not in the display name, long and short.
CRAFTED = [
    {"local": "anna.lopez", "display_name": "Anna López", "mail": "ANNA.LOPEZ@CONTOSO.ONMICROSOFT.COM"},
    {"local": "zoe", "display_name": "Zoë Ångström", "mail": "zoe.a@fabrikam.com"},
    {"local": "mgarcia", "display_name": "Maria Garcia", "mail": "mgarcia@contoso.com"},
    {"local": "lgarcia", "display_name": "Luis GARCÍA", "mail": "luis@contoso.com"},
    {"local": "bob_smith", "display_name": "Bob 100% Smith", "mail": "bob_smith@contoso.com"},
    {"local": "danny", "display_name": 'Dan "Danny" O\'Neil', "mail": "dan@contoso.com"},
    {"local": "kris", "display_name": "Kris X", "given_name": "Kristopher", "surname": "Xylophone",
     "mail": "kx@contoso.com"},
    {"local": "ab", "display_name": "Ab", "mail": "ab@contoso.com"},
]
TERMS = ["Garcia", "garcía", "GARC", "arc", "ía", "lópez", "LÓPEZ", "ngstr", "ÅNGSTRÖM", "100%", "0% S", "_sm",
         "b_s", '"Danny"', "O'Neil", "contoso", "onmicrosoft.com", "@fab", "son 1", "Ex", "xa", "zz", "p",
         "n.l", "Kris", "Xylo", "ristop", "e 0", "person 0", "ANNA.LOPEZ@contoso", "lopez@", "Test", "a\x1fb", " "]


def list_url(env, **query):
    return reverse("users:environment_user_list", args=[env.environment_id]) + (f"?{urlencode(query)}" if query else "")


def _user(local, display_name, **extra):
    """A licensed user whose given name and surname are the display name's two words unless given."""
    given, _, surname = display_name.partition(" ")
    return builders.user(local, display_name=display_name, given_name=extra.pop("given_name", given),
                         surname=extra.pop("surname", surname), usage_location="US", licences=["DYN"], **extra)


def _load(*, bulk: int = 0, mails: dict | None = None, blocked=(), guests=()):
    """The portal tenant plus the crafted users and `bulk` more, all in Sales; synced."""
    data = portal_tenant_data()
    data["skus"][0]["seats"] = 2000
    users = [_user(u["local"], u["display_name"], **{k: v for k, v in u.items() if k not in ("local", "display_name")})
             for u in CRAFTED]
    users += [_user(f"person{i:03}", f"Person {i:03} Example", mail=f"p{i}@contoso.com") for i in range(bulk)]
    for u in users:
        local = u["upn"].split("@")[0]
        if mails and local in mails:
            u["mail"] = mails[local]
        if local in blocked:
            u["enabled"] = False
        if local in guests:
            u["user_type"] = "Guest"
    data["users"] += users
    data["groups"][0]["members"] += [u["upn"] for u in users]
    load_tenant(data)
    environment_sync(environment=Environment.objects.get(name="Sales"))


def _searched(env, term: str) -> set[int]:
    return set(environment_user_list(environment=env, filters=QueryDict(urlencode({"q": term, "view": "all"})))
               .values_list("pk", flat=True))


def _icontains(env, term: str) -> set[int]:
    term = term.strip()
    rows = SystemUser.objects.filter(environment=env)
    if term:
        rows = rows.filter(Q(fullname__icontains=term) | Q(domainname__icontains=term)
                           | Q(internalemailaddress__icontains=term))
    return set(rows.values_list("pk", flat=True))


def _active_searched(term: str) -> set:
    return set(active_user_list(filters=QueryDict(urlencode({"q": term}))).values_list("pk", flat=True))


def _active_icontains(term: str) -> set:
    term = term.strip()
    rows = DirectoryUser.objects.filter(deleted_state=DeletedState.NONE)
    if term:
        condition = Q()
        for name in ("display_name", "user_principal_name", "mail", "given_name", "surname"):
            condition |= Q(**{f"{name}__icontains": term})
        rows = rows.filter(condition)
    return set(rows.values_list("pk", flat=True))


def _assert_search_equals_icontains(env):
    for term in TERMS:
        assert _searched(env, term) == _icontains(env, term), term
        assert _active_searched(term) == _active_icontains(term), term


# --- Search ----------------------------------------------------------------------------------------


def test_search_equals_icontains_before_and_after_the_index_refresh(portal_tenant):
    sales = portal_tenant["sales"]
    _load(bulk=20)
    assert list_search.search_index_pending()["users_app_systemuser"] > 0  # the sync's rows: not indexed yet
    _assert_search_equals_icontains(sales)
    done = list_search.search_index_refresh()
    assert done["users_app_systemuser"] >= SystemUser.objects.filter(environment=sales).count()
    assert list_search.search_index_pending() == {"users_app_systemuser": 0, "users_app_directoryuser": 0}
    # The index answers now: a term found in few rows goes through it.
    assert list_search.candidates(list_search.SYSTEMUSER, "Garcia") is not None
    assert list_search.candidates(list_search.DIRECTORYUSER, "ngstr") is not None
    _assert_search_equals_icontains(sales)
    assert {u.split("@")[0] for u in SystemUser.objects.filter(pk__in=_searched(sales, "garcía"))
            .values_list("domainname", flat=True)} <= {"lgarcia", "mgarcia"}


def test_search_follows_renames_and_deletes_before_the_next_refresh(portal_tenant):
    sales = portal_tenant["sales"]
    _load(bulk=5)
    app = records.app_user_create(environment=sales, app=AppRegistration.objects.get(name="ERP connector"))
    list_search.search_index_refresh()
    # New mails reach the records through the sync's UPDATE (FIELD-02; a trigger marks the rows).
    _load(bulk=5, mails={"mgarcia": "maria.quintanilla@contoso.com", "person001": "renamed.person@contoso.com"})
    assert SystemUser.objects.get(environment=sales, domainname=portal_upn("mgarcia")).internalemailaddress == \
        "maria.quintanilla@contoso.com"
    assert list_search.search_index_pending()["users_app_systemuser"] >= 2
    for term in ("Quintanilla", "mgarcia@", "renamed.person", "p1@contoso", "renamed"):
        assert _searched(sales, term) == _icontains(sales, term), term
    assert _searched(sales, "Quintanilla") and not _searched(sales, "p1@contoso")
    assert _searched(sales, "00000000-0000") == {app.pk}
    SystemUser.objects.filter(pk=app.pk).delete()  # whatever deletes a row, the DELETE trigger marks it
    assert _searched(sales, "00000000-0000") == _icontains(sales, "00000000-0000") == set()
    list_search.search_index_refresh()
    _assert_search_equals_icontains(sales)
    assert list_search.search_index_pending() == {"users_app_systemuser": 0, "users_app_directoryuser": 0}


def test_directory_edits_reach_the_active_users_search(portal_tenant):
    _load()
    list_search.search_index_refresh()
    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    directory.directory_user_update(user=olivia, display_name="Olivia Wendeborn", surname="Wendeborn")
    assert _active_searched("Wendeborn") == _active_icontains("Wendeborn") == {olivia.pk}
    list_search.search_index_refresh()
    assert _active_searched("Wendeborn") == {olivia.pk} and not _active_searched("Olivia Test")


def test_search_through_the_page_and_the_fragment(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    _load(bulk=3)
    list_search.search_index_refresh()
    client = sign_in("global")
    for headers in ({}, HX):
        text = client.get(list_url(sales, q="Garcia"), **headers).content.decode()
        assert portal_upn("mgarcia") in text and portal_upn("lgarcia") in text and portal_upn("zoe") not in text
        assert ("<html" in text) == (not headers) and 'id="user-table"' in text
        assert "2 users" in text
    text = client.get(reverse("m365:active_user_list"), {"q": "ngstr"}, **HX).content.decode()
    assert "Zoë Ångström" in text and "Anna López" not in text


def test_search_index_is_installed_and_reinstalls_idempotently(portal_tenant):
    if connection.vendor == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'users_app_%_search_%'"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'users_app_%_search_%'"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        before = sorted(r[0] for r in cursor.fetchall())
    assert "users_app_systemuser_search_au" in before and "users_app_directoryuser_search_ai" in before
    list_search.search_index_install()
    list_search.search_index_install()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        assert sorted(r[0] for r in cursor.fetchall()) == before
    _load(bulk=2)
    _assert_search_equals_icontains(portal_tenant["sales"])


# --- Keyset paging ---------------------------------------------------------------------------------


def _expected_order(env, view: str, column: str) -> list[int]:
    """The rows of the view in the column's order, from the database's own ORDER BY (or, for the
    sorts by a set of values, that order of values then the id)."""
    rows = SystemUser.objects.filter(USER_VIEWS[view], environment=env)
    if column == "businessunit":
        order = business_unit_order(env)
        return [pk for _, pk in sorted((order.index(bu), pk) for bu, pk in rows.values_list("businessunit_id", "pk"))]
    if column == "accessmode":
        return [pk for _, pk in sorted(rows.values_list("accessmode", "pk"))]
    if column == "user_type":
        order = sorted(UserType.values)
        return [pk for _, pk in sorted((order.index(t), pk) for t, pk in rows.values_list("user_type", "pk"))]
    keys = {"fullname": ("fullname",), "domainname": (Lower("domainname"),), "status": ("isdisabled", "user_type"),
            "last_synced_on": ("last_synced_on",)}[column]
    return list(rows.order_by(*keys, "pk").values_list("pk", flat=True))


def _walk(client, url, rel="next", headers=None) -> list[list[int]]:
    pages = []
    while url:
        response = client.get(url, **(headers or {}))
        assert response.status_code == 200
        pages.append([row.record.pk for row in response.context["table"].paginated_rows])
        found = re.search(rf'<a href="([^"]*)"[^>]*rel="{rel}"', response.content.decode())
        url = reverse("users:environment_user_list", args=[response.context["environment"].environment_id]) + \
            html.unescape(found.group(1)) if found else None
        assert len(pages) < 50
    return pages


def _varied_sales(env):
    """70 users in Sales, across three business units, access modes, types and states."""
    _load(bulk=60)
    root = BusinessUnit.objects.get(environment=env, parentbusinessunit__isnull=True)
    east = environments.business_unit_create(environment=env, name="East", parent=root)
    west = environments.business_unit_create(environment=env, name="Aardvark West", parent=root)
    users = list(SystemUser.objects.filter(environment=env, domainname__startswith="person").order_by("pk"))
    for user in users[:12]:
        records.business_unit_change(systemuser=user, business_unit=east)
    for user in users[12:20]:
        records.business_unit_change(systemuser=user, business_unit=west)
    for user in users[20:24]:
        records.access_mode_set(systemuser=user, mode=AccessMode.READ)
    records.access_mode_set(systemuser=users[24], mode=AccessMode.ADMINISTRATIVE)
    records.app_user_create(environment=env, app=AppRegistration.objects.get(name="ERP connector"))
    # Ten users leave the environment's group: the next sync disables them.
    data_users = [portal_upn(f"person{i:03}") for i in range(50, 60)]
    data = portal_tenant_data()
    data["skus"][0]["seats"] = 2000
    data["users"] += [_user(f"person{i:03}", f"Person {i:03} Example", mail=f"p{i}@contoso.com") for i in range(60)]
    data["users"] += [_user(u["local"], u["display_name"], **{k: v for k, v in u.items() if k not in ("local", "display_name")})
                      for u in CRAFTED]
    data["groups"][0]["members"] += [u["upn"] for u in data["users"][8:] if u["upn"] not in data_users]
    load_tenant(data)
    environment_sync(environment=env)
    assert SystemUser.objects.filter(environment=env, isdisabled=True).count() >= 10


COLUMNS = ["fullname", "domainname", "businessunit", "accessmode", "status", "user_type", "last_synced_on"]


@pytest.mark.parametrize("cap", [1000, 10], ids=["few-rows", "many-rows"])
@pytest.mark.parametrize("view", ["all", "enabled", "disabled"])
def test_next_links_walk_every_row_once_in_order_and_previous_links_walk_back(portal_tenant, sign_in, monkeypatch,
                                                                            view, cap):
    """Every sort both ways; `cap` moves the count cap below the list's size, so that the pages are
    read in index order (many rows) as well as by the view's filter then sorted (few rows)."""
    monkeypatch.setattr(portal.paging, "COUNT_CAP", cap)
    sales = portal_tenant["sales"]
    _varied_sales(sales)
    client = sign_in("global")
    for column in COLUMNS:
        expected = _expected_order(sales, view, column)
        for sort, order in ((column, expected), (f"-{column}", expected[::-1])):
            pages = _walk(client, list_url(sales, view=view, sort=sort))
            assert [pk for page in pages for pk in page] == order, sort
            assert all(len(page) == 25 for page in pages[:-1])
            if len(pages) > 1:
                # From the last page back to the first by the Previous links.
                last = client.get(list_url(sales, view=view, sort=sort, page=len(pages))).context["table"]
                assert [r.record.pk for r in last.paginated_rows] == pages[-1]  # a typed ?page=N
                back_url = list_url(sales, view=view, sort=sort, page=len(pages))
                assert _walk(client, back_url, rel="prev") == pages[::-1], sort


def test_pages_over_htmx_keep_the_query_and_carry_the_cursor(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    _load(bulk=60)
    client = sign_in("global")
    first = client.get(list_url(sales, q="Person", sort="-fullname"), **HX)
    text = first.content.decode()
    assert "<html" not in text and 'id="user-table"' in text
    link = re.search(r'<a href="([^"]*)" hx-get="([^"]*)"[^>]*rel="next"', text)
    assert link and link.group(1) == link.group(2)
    query = QueryDict(html.unescape(link.group(1)).lstrip("?"))
    assert query["q"] == "Person" and query["sort"] == "-fullname" and query["page"] == "2" and query["after"]
    pages = _walk(client, list_url(sales, q="Person", sort="-fullname"), headers=HX)
    expected = list(SystemUser.objects.filter(USER_VIEWS["enabled"], environment=sales, fullname__icontains="Person")
                    .order_by("-fullname", "-pk").values_list("pk", flat=True))
    assert [pk for page in pages for pk in page] == expected and len(pages) == 3
    # Sorting and the views start again from the first page: their links drop the cursor.
    second = client.get(list_url(sales, **query.dict())).content.decode()
    for href in re.findall(r'<th[^>]*>\s*<a href="([^"]*)"', second):
        assert "after=" not in href and "page=" not in href
    assert "after=" not in "".join(re.findall(r'<nav class="views"[\s\S]*?</nav>', second))


def test_the_page_counts_up_to_a_cap_and_a_bad_cursor_shows_the_first_page(portal_tenant, sign_in, monkeypatch):
    sales = portal_tenant["sales"]
    _load(bulk=60)
    client = sign_in("global")
    total = SystemUser.objects.filter(USER_VIEWS["enabled"], environment=sales).count()
    text = client.get(list_url(sales)).content.decode()
    assert f"Page 1 of {-(-total // 25)}" in text and f"{total} users" in text
    monkeypatch.setattr(portal.paging, "COUNT_CAP", 30)
    text = client.get(list_url(sales)).content.decode()
    assert "more than 30 users" in text and "Page 1 ·" in text and 'rel="next"' in text
    for cursor in ("garbage", "eyJ4Ijox", portal.paging.cursor_encode("domainname", ["x", 1])):
        response = client.get(list_url(sales, after=cursor, page=7))
        assert response.status_code == 200
        assert response.context["table"].page.number == 1 and not response.context["table"].page.has_previous()


def test_a_deep_page_costs_the_queries_of_the_first(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    _load(bulk=60)
    client = sign_in("global")
    with CaptureQueriesContext(connection) as first:
        client.get(list_url(sales))
    pages_urls = []
    response = client.get(list_url(sales))
    while True:
        found = re.search(r'<a href="([^"]*)"[^>]*rel="next"', response.content.decode())
        if not found:
            break
        pages_urls.append(list_url(sales) + html.unescape(found.group(1)))
        response = client.get(pages_urls[-1])
    with CaptureQueriesContext(connection) as deep:
        client.get(pages_urls[-1])
    assert len(deep) == len(first)
    offset_sql = [q["sql"] for q in deep.captured_queries if "OFFSET" in q["sql"].upper()]
    assert not offset_sql  # the last page is entered at its first row, not counted up to


# --- Active users ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["display_name", "-display_name", "user_principal_name", "-user_principal_name",
                                  "account_enabled", "-account_enabled", "user_type", "-user_type"])
def test_active_users_walk_every_row_once_in_order(portal_tenant, sign_in, sort):
    _load(bulk=40, blocked={"person003", "person017"}, guests={"person005", "zoe"})
    client = sign_in("global")
    live = DirectoryUser.objects.filter(deleted_state=DeletedState.NONE)
    column = sort.lstrip("-")
    if column == "account_enabled":
        expected = [pk for _, pk in sorted((enabled, str(pk)) for enabled, pk in live.values_list("account_enabled", "pk"))]
    elif column == "user_type":
        expected = [pk for _, pk in sorted((t, str(pk)) for t, pk in live.values_list("user_type", "pk"))]
    else:
        key = Lower("user_principal_name") if column == "user_principal_name" else "display_name"
        expected = [str(pk) for pk in live.order_by(key, "pk").values_list("pk", flat=True)]
    if sort.startswith("-"):
        expected = expected[::-1]
    url, seen = reverse("m365:active_user_list") + f"?sort={sort}", []
    while url:
        response = client.get(url)
        seen += [str(row.record.pk) for row in response.context["table"].paginated_rows]
        found = re.search(r'<a href="([^"]*)"[^>]*rel="next"', response.content.decode())
        url = reverse("m365:active_user_list") + html.unescape(found.group(1)) if found else None
    assert seen == [str(pk) for pk in expected]


def test_a_refresh_puts_back_a_lost_trigger_and_indexes_everything_again(portal_tenant):
    """SQLite drops a table's triggers when a migration remakes the table: the next refresh notices,
    puts them back and indexes every row again (changes made meanwhile went unmarked)."""
    sales = portal_tenant["sales"]
    _load(bulk=3)
    list_search.search_index_refresh()
    with connection.cursor() as cursor:
        suffix = "" if connection.vendor == "sqlite" else " ON users_app_systemuser"
        cursor.execute(f"DROP TRIGGER users_app_systemuser_search_au{suffix}")
    assert not list_search.search_index_installed()
    _load(bulk=3, mails={"zoe": "zoe.quintanilla@fabrikam.com"})  # an UPDATE no trigger marks
    list_search.search_index_refresh()
    assert list_search.search_index_installed()
    assert _searched(sales, "Quintanilla") == _icontains(sales, "Quintanilla") != set()
    _assert_search_equals_icontains(sales)


def test_a_large_refresh_builds_the_postgresql_index_again(portal_tenant, monkeypatch):
    monkeypatch.setattr(list_search, "REBUILD_AT", 5)
    sales = portal_tenant["sales"]
    _load(bulk=10)
    done = list_search.search_index_refresh()
    assert done["users_app_systemuser"] >= 10
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'users_app_systemuser_search'")
            assert "users_app_systemuser_search_trgm" in {row[0] for row in cursor.fetchall()}
    _assert_search_equals_icontains(sales)
