"""The users list at scale: the environment's Users page through its real URL.

`list_pages_measure` times three pages as a signed-in admin sees them without JavaScript (the
whole page, not the HTMX fragment): the first page, a search, and the page that starts
`deep_rows` rows deep, reached by its keyset link (the URL the "Next" links lead to). Before
timing, it brings the search index up to date (users_app.list_search.search_index_refresh, as the
sync's follow-up does) and warms each URL once; every response must be 200 and hold the rows the
plain ORM query gives for that page (computed here without the table, the index or the cursor).
"""
from __future__ import annotations

import statistics
import time
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from portal.paging import cursor_encode
from users_app.list_search import search_index_refresh
from users_app.models import SystemUser
from users_app.filters.environment_users import USER_VIEWS

PER_PAGE = 25


def _expected(environment, *, search: str = "", offset: int = 0) -> list[SystemUser]:
    """The rows of a page of the default view sorted by full name, by the plain ORM query."""
    rows = SystemUser.objects.filter(USER_VIEWS["enabled"], environment=environment)
    if search:
        rows = rows.filter(Q(fullname__icontains=search) | Q(domainname__icontains=search)
                           | Q(internalemailaddress__icontains=search))
    return list(rows.order_by("fullname", "id")[offset:offset + PER_PAGE])


def _timed_get(client, url: str, expected: list[SystemUser], repeat: int) -> float:
    def get() -> float:
        start = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - start
        if response.status_code != 200:
            raise AssertionError(f"GET {url}: status {response.status_code}")
        text = response.content.decode()
        missing = [row.domainname for row in expected if row.domainname not in text]
        if missing or not expected:
            raise AssertionError(f"GET {url}: expected rows missing: {missing[:3] or 'no rows expected'}")
        return seconds

    get()  # warm: templates, the connection, the database's cache
    return statistics.median(get() for _ in range(repeat))


def list_pages_measure(client, environment, *, search_term: str, deep_rows: int = 2000, repeat: int = 5) -> dict[str, float]:
    """Median seconds of `repeat` GETs of the first page, a search for `search_term`, and the page
    starting `deep_rows` rows deep, of `environment`'s Users list."""
    search_index_refresh()
    base = reverse("users:environment_user_list", args=[environment.environment_id])
    first = _expected(environment)
    found = _expected(environment, search=search_term)
    deep = _expected(environment, offset=deep_rows)
    before = _expected(environment, offset=deep_rows - 1)[:1] if deep_rows else []
    if before:
        # The link a reader follows to that page: the keys of the row before it, and its number.
        query = {"page": deep_rows // PER_PAGE + 1, "after": cursor_encode("fullname", [before[0].fullname, before[0].id])}
    else:
        query = {}
    return {
        "first_page": _timed_get(client, base, first, repeat),
        "search": _timed_get(client, f"{base}?{urlencode({'q': search_term})}", found, repeat),
        "deep_page": _timed_get(client, f"{base}?{urlencode(query)}" if query else base, deep, repeat),
    }
