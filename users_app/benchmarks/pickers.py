"""The Microsoft 365 Active users list and the people picker at scale, through their real URLs.

`active_users_measure` times the Active users list as a signed-in admin sees it without JavaScript
(the whole page): the first page, a search, and the page `deep_rows` rows deep reached by its keyset
link. `picker_measure` times the picker's type-ahead answer (the HTMX fragment its combobox asks
for) for a typed prefix: over every directory user, over the directory users an environment could
add (Add user), and over an environment's users (team members, manager...). Like lists.py, each
answer must be 200 and hold the rows the plain ORM query gives (computed here without the index
or the cursor); the search index is brought up to date first and every URL warmed once."""
from __future__ import annotations

import re
import statistics
import time
from urllib.parse import urlencode

from django.db.models import F, Q
from django.urls import reverse

from portal.paging import cursor_encode
from users_app.list_search import search_index_refresh
from users_app.choices import PLACEHOLDER_USER_TYPES, UserType
from users_app.models import DirectoryUser, SystemUser
from users_app.selectors.pickers import LIMIT

from .lists import PER_PAGE, _timed_get

HX = {"HTTP_HX_REQUEST": "true"}
PICKER_PREFIX = "garc"  # the start of a surname (tenant.SEARCH_TERM, in every 50 users), as an admin types it


def _active(*, search: str = "", offset: int = 0) -> list[DirectoryUser]:
    rows = DirectoryUser.objects.filter(deleted_state="")
    if search:
        rows = rows.filter(Q(display_name__icontains=search) | Q(user_principal_name__icontains=search)
                           | Q(mail__icontains=search) | Q(given_name__icontains=search) | Q(surname__icontains=search))
    return list(rows.order_by("display_name", "id")[offset:offset + PER_PAGE])


class _Shown:
    """A row as _timed_get checks it: its user name must be in the answer."""

    def __init__(self, name: str):
        self.domainname = name


def active_users_measure(client, *, search_term: str, deep_rows: int = 2000, repeat: int = 5) -> dict[str, float]:
    """Median seconds of the Active users list's first page, a search and a page `deep_rows` deep."""
    search_index_refresh()
    base = reverse("m365:active_user_list")

    def shown(rows):
        return [_Shown(row.user_principal_name) for row in rows]

    before = _active(offset=deep_rows - 1)[:1]
    query = {"page": deep_rows // PER_PAGE + 1,
             "after": cursor_encode("display_name", [before[0].display_name, before[0].id])} if before else {}
    return {
        "first_page": _timed_get(client, base, shown(_active()), repeat),
        "search": _timed_get(client, f"{base}?{urlencode({'q': search_term})}", shown(_active(search=search_term)), repeat),
        "deep_page": _timed_get(client, f"{base}?{urlencode(query)}", shown(_active(offset=deep_rows)), repeat),
    }


def _picker_get(client, url: str, matching, repeat: int) -> float:
    """Median seconds of the combobox's request (over HTMX). Each answer must be 200 and offer
    min(LIMIT, every match) options, each one a row of `matching` (the plain ORM query of every
    match): the picker offers some ten matches in name order, not necessarily the first ten of all."""
    keys = set(str(key) for key in matching.values_list("key", flat=True))
    want = min(LIMIT, len(keys))

    def get() -> float:
        start = time.perf_counter()
        response = client.get(url, **HX)
        seconds = time.perf_counter() - start
        offered = re.findall(r'data-key="([^"]+)"', response.content.decode())
        if response.status_code != 200 or len(offered) != want or not set(offered) <= keys or not want:
            raise AssertionError(f"GET {url}: status {response.status_code}, {len(offered)} options of "
                                 f"{want} expected, {len(set(offered) - keys)} not matching")
        return seconds

    get()
    return statistics.median(get() for _ in range(repeat))


def picker_measure(client, environment, *, prefix: str = PICKER_PREFIX, repeat: int = 5) -> dict[str, float]:
    """Median seconds of the picker's answer to `prefix`: every directory user, the directory users
    `environment` could add, and `environment`'s own users."""
    search_index_refresh()
    named = (Q(display_name__icontains=prefix) | Q(user_principal_name__icontains=prefix) | Q(mail__icontains=prefix)
             | Q(given_name__icontains=prefix) | Q(surname__icontains=prefix))
    directory = DirectoryUser.objects.filter(named, deleted_state="").annotate(key=F("id"))
    taken = SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid__isnull=False).values(
        "azureactivedirectoryobjectid")
    addable = directory.exclude(id__in=taken)
    users = (SystemUser.objects.filter(Q(fullname__icontains=prefix) | Q(domainname__icontains=prefix)
                                       | Q(internalemailaddress__icontains=prefix), environment=environment, deletedstate=0)
             .exclude(user_type__in=[*PLACEHOLDER_USER_TYPES, UserType.STUB]).annotate(key=F("systemuserid")))
    env_url = reverse("pickers:environment_people", args=[environment.environment_id])
    figures = {
        "directory": _picker_get(client, f"{reverse('pickers:people')}?{urlencode({'q': prefix})}", directory, repeat),
        "environment": _picker_get(client, f"{env_url}?{urlencode({'scope': 'environment', 'q': prefix})}", users,
                                   repeat),
    }
    if addable.exists():  # an environment every user is in has nobody to add
        figures["addable"] = _picker_get(client, f"{env_url}?{urlencode({'scope': 'addable', 'q': prefix})}",
                                         addable, repeat)
    return figures
