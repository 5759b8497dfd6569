"""The APIs at scale, through their real views (Django's test client with a bearer token, as a
script's requests reach them):

- Graph `GET /v1.0/users?$top=999`, walked to the end by its absolute `@odata.nextLink`s;
- Dataverse `GET /dataverse/<environment>/api/data/v9.2/systemusers` with
  `Prefer: odata.maxpagesize=5000` (sent again on every page, as the official client does).

`api_pages_measure` first walks every page once, checking each answer (200, a full page but the
last, every row once, as many rows as the list holds), then times the first, the middle and the
last page: the median of `repeat` GETs of each page's own URL after one warm-up GET.

`bench` prints each page's seconds against the first page of the same list at 100 users (which
holds all 100 rows), and each page's seconds per 1,000 rows against that page's, with the target
(<= 2x) on the latter: a page of 999 or 5,000 rows does 10 or 50 times the rendering of a
page of 100 rows whatever the list's size, so only the time per row says whether a page costs the
same at any depth and size (keyset paging: no OFFSET, no count of the whole list). A page of fewer
rows than the 100-user page (the last page's remainder) is counted as one of that page's size: it
is held to the 100-user page's own time. The 100-row page's fixed cost (token, caller, queries) is
spread over fewer rows, which makes its time per row a little higher than a 999-row page's: the
raw ratios are printed beside it for that reason.

The calls are made with the token of an app registration (client credentials through the token
endpoint), granted User.Read.All in the directory and given an application user with Basic User in
each measured environment: what an integration's script is.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

from environments_app.models import Environment, SecurityRole
from users_app.models import AppRegistration, SystemUser, Tenant
from users_app.selectors.m365 import active_user_list
from users_app.services import directory as dir_svc
from users_app.services import records

GRAPH_PAGE = 999
DATAVERSE_PAGE = 5000
APP_NAME = "Bench API client"
APP_PERMISSIONS = ("User.Read.All",)
APP_ROLE = "Basic User"


@dataclass
class Pages:
    """One list walked to the end: each page's URL and rows, the rows seen, and the timed pages
    (seconds, and seconds per row: a page of 999 rows against the 100-user list's page of 100)."""
    urls: list[str] = field(default_factory=list)
    page_rows: list[int] = field(default_factory=list)
    rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    timed_rows: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"pages": len(self.urls), "rows": self.rows, "timed_rows": dict(self.timed_rows)}


def app_token(client: Client, environments=()) -> str:
    """A client-credentials token of a new app registration with User.Read.All, given an
    application user (Basic User) in each of `environments`."""
    app = AppRegistration.objects.filter(name=APP_NAME).first()
    if app is None:
        app, _secret = dir_svc.app_registration_create(name=APP_NAME)
    dir_svc.app_registration_set_permissions(app=app, permissions=list(APP_PERMISSIONS))
    for environment in environments:
        if not SystemUser.objects.filter(environment=environment, applicationid=app.app_id).exists():
            role = SecurityRole.objects.filter(environment=environment, name=APP_ROLE).first() \
                or SecurityRole.objects.filter(environment=environment).order_by("pk").first()
            records.app_user_create(environment=environment, app=app, roles=[role] if role else [])
    secret = dir_svc.app_registration_new_secret(app=app)
    tenant_id = Tenant.objects.order_by("pk").values_list("tenant_id", flat=True).first()
    response = client.post(f"/{tenant_id}/oauth2/v2.0/token", {
        "grant_type": "client_credentials", "client_id": str(app.app_id), "client_secret": secret,
        "scope": "https://graph.microsoft.com/.default"})
    if response.status_code != 200:
        raise RuntimeError(f"the token endpoint answered {response.status_code}: {response.content[:200]!r}")
    return response.json()["access_token"]


def _get(client: Client, url: str, headers: dict) -> dict:
    response = client.get(url, **headers)
    if response.status_code != 200:
        raise AssertionError(f"GET {url}: status {response.status_code}: {response.content[:300]!r}")
    return response.json()


def _timed(client: Client, url: str, headers: dict, repeat: int) -> float:
    def once() -> float:
        start = time.perf_counter()
        _get(client, url, headers)
        return time.perf_counter() - start

    once()  # warm: the connection, the database's cache
    return statistics.median(once() for _ in range(repeat))


def walk(client: Client, url: str, headers: dict, *, key: str, size: int, expected_rows: int) -> Pages:
    """Follow the nextLinks from `url` to the last page, checking every page."""
    pages, seen = Pages(), set()
    while url:
        body = _get(client, url, headers)
        rows = body.get("value")
        if not isinstance(rows, list):
            raise AssertionError(f"GET {url}: no value list")
        url_next = body.get("@odata.nextLink")
        if url_next and len(rows) != size:
            raise AssertionError(f"GET {url}: {len(rows)} rows on a page that is not the last (expected {size})")
        if url_next and not url_next.startswith(("http://", "https://")):
            raise AssertionError(f"GET {url}: the nextLink is not absolute: {url_next}")
        pages.urls.append(url)
        pages.page_rows.append(len(rows))
        seen.update(row[key] for row in rows)
        pages.rows += len(rows)
        url = url_next
    if pages.rows != expected_rows or len(seen) != expected_rows:
        raise AssertionError(f"{pages.urls[0]}: {pages.rows} rows ({len(seen)} distinct), expected {expected_rows}")
    return pages


def pages_measure(client: Client, url: str, headers: dict, *, key: str, size: int, expected_rows: int,
                  repeat: int = 5, which=("first", "middle", "last")) -> Pages:
    pages = walk(client, url, headers, key=key, size=size, expected_rows=expected_rows)
    index = {"first": 0, "middle": len(pages.urls) // 2, "last": len(pages.urls) - 1}
    for name in which:
        pages.seconds[name] = _timed(client, pages.urls[index[name]], headers, repeat)
        pages.timed_rows[name] = pages.page_rows[index[name]]
    return pages


def _client() -> tuple[Client, Callable]:
    return Client(), override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"])


def graph_measure(*, size: int = GRAPH_PAGE, repeat: int = 5, which=("first", "middle", "last")) -> Pages:
    """Graph's users list of the whole directory, paged at `size` ($top)."""
    client, hosts = _client()
    with hosts:
        token = app_token(client)
        return pages_measure(client, f"/v1.0/users?$top={size}", {"HTTP_AUTHORIZATION": f"Bearer {token}"},
                             key="id", size=size, expected_rows=active_user_list().count(), repeat=repeat, which=which)


def dataverse_measure(environment: Environment, *, size: int = DATAVERSE_PAGE, repeat: int = 5,
                      which=("first", "middle", "last")) -> Pages:
    """The environment's systemusers, paged with Prefer: odata.maxpagesize=`size`."""
    client, hosts = _client()
    with hosts:
        token = app_token(client, [environment])
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_PREFER": f"odata.maxpagesize={size}"}
        url = f"/dataverse/{environment.environment_id}/api/data/v9.2/systemusers"
        return pages_measure(client, url, headers, key="systemuserid", size=size,
                             expected_rows=SystemUser.objects.filter(environment=environment).count(),
                             repeat=repeat, which=which)


def api_pages_measure(big: Environment, small: Environment, *, graph_100: Pages, graph_size: int = GRAPH_PAGE,
                      dataverse_size: int = DATAVERSE_PAGE, repeat: int = 5,
                      progress: Callable[[str], None] = lambda line: None) -> tuple[dict[str, float], dict]:
    """The figures of the directory's Graph list and of `big`'s and `small`'s systemusers lists,
    `graph_100` being the first page of Graph's list in a directory of 100 users (graph_first_page_100,
    measured beforehand in a database of its own):
    - {graph,dataverse}_{first,middle,last}_page: seconds; {api}_first_page_100: the baseline's;
    - {graph,dataverse}_{first,middle,last}_per_1000: seconds per 1,000 rows of that page, a page of
      fewer rows than the baseline's counted as one of the baseline's size (the 4 rows of a last page
      cost what a page does, not 25 times a row's share); {api}_100_per_1000: the baseline's."""
    seconds: dict[str, float] = {}
    graph = graph_measure(size=graph_size, repeat=repeat)
    progress(f"Graph users: {graph.rows:,} rows in {len(graph.urls)} pages of {graph_size}")
    dataverse = dataverse_measure(big, size=dataverse_size, repeat=repeat)
    progress(f"Dataverse systemusers: {dataverse.rows:,} rows in {len(dataverse.urls)} pages of {dataverse_size}")
    dataverse_100 = dataverse_measure(small, size=dataverse_size, repeat=repeat, which=("first",))
    for api, pages, baseline in (("graph", graph, graph_100), ("dataverse", dataverse, dataverse_100)):
        floor = baseline.timed_rows["first"]
        seconds[f"{api}_first_page_100"] = baseline.seconds["first"]
        seconds[f"{api}_100_per_1000"] = baseline.seconds["first"] / max(1, floor) * 1000
        for name, value in pages.seconds.items():
            seconds[f"{api}_{name}_page"] = value
            seconds[f"{api}_{name}_per_1000"] = value / max(1, floor, pages.timed_rows[name]) * 1000
    counts = {"graph": graph.as_dict(), "dataverse": dataverse.as_dict(), "graph_100": graph_100.as_dict(),
              "dataverse_100": dataverse_100.as_dict()}
    return seconds, counts


def graph_first_page_100(directory, *, users: int = 100, repeat: int = 5) -> Pages:
    """The first page of Graph's users list (graph_first_page_100) in a scratch database of its own
    holding a generated directory of `users` users (the benchmark's tenant at that size), written
    to `directory`."""
    import json
    from pathlib import Path

    from users_app.tenant_file import load_tenant_file

    from .scratch import scratch_database
    from .tenant import generate_tenant

    with scratch_database():
        path = Path(directory) / f"tenant-{users}.json"
        path.write_text(json.dumps(generate_tenant(users, admin_password=False)))
        load_tenant_file(path)
        return graph_measure(repeat=repeat, which=("first",))
