"""Bad paging input: a huge `?page=` or a malformed keyset cursor on the
two long lists answered 500 (an integer too large for the database, RecursionError in the JSON
decoder). Every such query string now answers the list's first page, as a stale cursor and a page
past the end already did; a typed deep page never reads more than TYPED_PAGE_MAX_ROWS keys."""
import base64
import json
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.paging import CURSOR_MAX_LENGTH, TYPED_PAGE_MAX_ROWS


def b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor(*payload) -> str:
    return b64(json.dumps(list(payload), separators=(",", ":")))


PAGES = ["9223372036854775807", "99999999999999999999", "100000", "-1", "0", "1e3", "abc", "9" * 5000, "２"]


def cursors(sort: str, first_key) -> list[str]:
    """Cursors in the shape the list makes (sort alias, keys), with keys no row can hold, and
    texts that are not cursors at all."""
    return [
        cursor(sort, [first_key, 10**30]),                       # an id beyond any 64-bit integer
        cursor(sort, [first_key, -(10**30)]),
        cursor(sort, [first_key, 9223372036854775807 + 1]),
        b64(f'["{sort}",["a",1e30]]'),                           # a float id
        b64(f'["{sort}",["a",Infinity]]'),
        b64(f'["{sort}",["a",NaN]]'),
        cursor(sort, [None, 1]),                                 # NULL for a key that is never NULL
        cursor(sort, ["a\u0000b", 1]),                           # NUL: PostgreSQL refuses such a literal
        b64(f'["{sort}",["\\ud800",1]]'),                        # a lone surrogate: not UTF-8
        cursor(sort, [[["a"]], 1]),
        cursor(sort, [{"t": "0001-01-01T00:00:00+05:00"}, 1]),
        cursor(sort, [first_key, 1, 2]),                         # too many keys
        b64("[" * 20_000),                                       # RecursionError in json.loads before
        b64("[" * 1_500),                                        # short enough to pass the length cap
        b64('{"a":' * 1_000 + "1" + "}" * 1_000),
        "A" * (CURSOR_MAX_LENGTH + 1),
        "!!!not-base64***", "%00", "\u00e9t\u00e9", b64(b"\xff\xfe\x00garbage"), b64("null"), b64("[]"),
        b64("[1,2]"), b64('"' + sort + '"'), b64("9" * 5000),
    ]


def first_row(response) -> str:
    """The first row's name link in the list's table (it opens the row's quick look)."""
    body = response.content.decode()
    tbody = body[body.index("<tbody>"):]
    return re.search(r"<a href=\"[^\"]+\"[^>]*data-quick-look>([^<]+)</a>", tbody).group(1)


def _first_page_assertions(response, first_name: str):
    assert response.status_code == 200, response.content[:300]
    assert first_row(response) == first_name
    assert "Page 1" in response.content.decode()


@pytest.fixture
def lists(portal_tenant):
    sales = portal_tenant["sales"]
    return {
        "environment users": (reverse("users:environment_user_list", args=[sales.environment_id]), "sysadmin"),
        "active users": (reverse("m365:active_user_list"), "global"),
    }


LIST_SORTS = {
    # list -> (sort alias, a first key of the right type): a plain key, a nullable datetime key,
    # a grouped sort, and descending.
    "environment users": [("fullname", "Alice"), ("last_synced_on", {"t": "2026-01-01T00:00:00+00:00"}),
                          ("-last_synced_on", None), ("accessmode", 0), ("businessunit", "x"), ("-fullname", "Zed")],
    "active users": [("display_name", "Alice"), ("user_principal_name", "a@b"), ("account_enabled", True),
                     ("-display_name", "Zed")],
}


@pytest.mark.parametrize("which", ["environment users", "active users"])
@pytest.mark.parametrize("page", PAGES)
def test_bad_page_numbers_answer_the_first_page(lists, sign_in, which, page):
    url, _ = lists[which]
    client = sign_in("global")
    first = first_row(client.get(url))
    for sort in [s for s, _ in LIST_SORTS[which]]:
        response = client.get(f"{url}?{urlencode({'sort': sort, 'page': page})}")
        assert response.status_code == 200, (sort, page, response.content[:300])
    response = client.get(f"{url}?{urlencode({'page': page})}")
    _first_page_assertions(response, first)
    # over HTMX too (the fragment the pager swaps)
    assert client.get(f"{url}?{urlencode({'page': page})}", HTTP_HX_REQUEST="true").status_code == 200


@pytest.mark.parametrize("which", ["environment users", "active users"])
def test_malformed_cursors_answer_the_first_page(lists, sign_in, which):
    url, _ = lists[which]
    client = sign_in("global")
    firsts = {sort: first_row(client.get(f"{url}?sort={sort}")) for sort, _ in LIST_SORTS[which]}
    for sort, first_key in LIST_SORTS[which]:
        alias = sort  # the cursor names the sort as the URL does, "-" included
        for text in cursors(alias, first_key):
            for direction in ("after", "before"):
                response = client.get(f"{url}?{urlencode({'sort': sort, direction: text, 'page': '2'})}")
                assert response.status_code == 200, (sort, direction, text[:60], response.content[:300])
                assert first_row(response) == firsts[sort], (sort, direction, text[:60])


@pytest.mark.parametrize("which", ["environment users", "active users"])
def test_a_deep_typed_page_does_not_read_every_earlier_row(lists, sign_in, which):
    """`?page=100000` used to read the keys of the 2,499,975 rows before it first (LIMIT 2499975);
    beyond TYPED_PAGE_MAX_ROWS rows the typed page is not looked for: the first page answers."""
    url, _ = lists[which]
    client = sign_in("global")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{url}?page=100000")
    assert response.status_code == 200
    limits = [int(n) for q in queries.captured_queries for n in re.findall(r"LIMIT (\d+)", q["sql"])]
    assert limits and max(limits) <= TYPED_PAGE_MAX_ROWS + 1
    assert "Page 1" in response.content.decode()


def test_page_numbers_within_reach_still_work(portal_tenant, sign_in):
    """The bound does not break typed pages a reader can reach: page 2 of three users per page."""
    from users_app.tables.environment_users import EnvironmentUserTable
    from users_app.selectors.environment_users import environment_user_list
    from django.test import RequestFactory

    request = RequestFactory().get("/", {"page": "2"})
    table = EnvironmentUserTable(environment_user_list(environment=portal_tenant["sales"], filters={}))
    table.configure(request, per_page=2)
    assert table.page.number == 2 and len(table.page) == 2 and table.page.has_previous()
