"""The permission battery over every URL of the registry (tests/pages.py), and its completeness.

For each URL: signed out -> a redirect to sign-in; each allowed identity -> 200 as a full page (the
portal's layout) and as its HTMX fragment (no layout), both holding the fragment's element; each
refused identity -> 403 naming what it lacks, in the words of the one definition
(users_app/provisioning/rules/admin_roles.py). Actions are POSTed with the CSRF check on, as in
production, carrying the token; an action POSTed without it is refused before the view runs.
The role matrix (tests/users_app/portal/test_role_matrix.py) runs every identity against every URL.
"""
import html

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.builders import HX, upn
from tests.pages import ACTION, PAGE, PAGES, REGISTRY, World, access_of, expected_refusal, methods_of, url_patterns

CSRF = "h5BatteryCsrfToken0123456789abcd"  # any 32 letters and digits: cookie and header must agree


@pytest.fixture
def browser(db):
    """A test client that enforces the CSRF check, as a browser meets it."""
    return Client(enforce_csrf_checks=True)


def _sign_in(client, identity):
    client.logout()
    if identity:
        client.force_login(get_user_model().objects.get(username=upn(identity)))
    return client


def _post(client, url, *, token=True, **extra):
    if token:
        client.cookies["csrftoken"] = CSRF
        return client.post(url, {}, HTTP_X_CSRFTOKEN=CSRF, **extra)
    client.cookies.pop("csrftoken", None)
    return client.post(url, {}, **extra)


PATTERNS = dict(url_patterns())


def _takes_post(page) -> bool:
    return "POST" in (methods_of(PATTERNS[page.name]) or ())


def test_every_url_of_the_resolver_is_in_the_registry():
    """A new URL fails here until tests/pages.py names its arguments, roles and fragment."""
    names = {name for name, _ in url_patterns()}
    assert sorted(names - set(REGISTRY)) == [], "URLs missing from tests/pages.py"
    assert sorted(set(REGISTRY) - names) == [], "tests/pages.py names URLs the resolver does not have"
    assert len(PAGES) == len(REGISTRY)  # each URL once


def test_the_registry_kinds_match_the_views_methods():
    """An ACTION's view takes POST only; a PAGE's or OTHER's view answers GET."""
    for page in PAGES:
        methods = methods_of(PATTERNS[page.name])
        if methods is None:  # the sign-in views (class-based) declare none
            continue
        assert (methods == ["POST"]) == (page.kind == ACTION), (page.name, methods)


@pytest.mark.parametrize("page", [p for p in PAGES if not p.public], ids=str)
def test_signed_out_is_sent_to_sign_in(browser, portal_tenant, page):
    """GET, and POST (with the CSRF token) when the view takes it."""
    url = World(portal_tenant).url(page)
    responses = [] if page.kind == ACTION else [browser.get(url)]
    if page.kind == ACTION or _takes_post(page):
        responses.append(_post(browser, url))
    for response in responses:
        assert response.status_code == 302 and response["Location"].startswith("/signin/"), (url, response.status_code)


@pytest.mark.parametrize("page", [p for p in PAGES if p.allowed or p.refused], ids=str)
def test_allowed_roles_get_page_and_fragment_refused_roles_get_the_refusal(browser, portal_tenant, page):
    world = World(portal_tenant)
    url = world.url(page)
    access = access_of(PATTERNS[page.name])
    in_sales = "onprem" not in page.args
    for identity in page.allowed:
        if access:
            assert expected_refusal(access, identity, write=page.kind == ACTION, in_sales=in_sales) is None, identity
        client = _sign_in(browser, identity)
        if page.kind == ACTION:
            assert _post(client, url).status_code not in (403, 405), (identity, url)
            continue
        full = client.get(url)
        body = full.content.decode()
        assert full.status_code == page.answer, (identity, url, full.status_code)
        if page.answer != 200:
            continue
        assert "<html" in body, (identity, url)
        if page.kind != PAGE:
            continue
        assert f'id="{page.fragment}"' in body, (identity, url)
        for mark in page.marks:
            assert mark in body, (identity, url, mark)
        fragment = client.get(url, **HX)
        text = fragment.content.decode()
        assert fragment.status_code == 200 and "<html" not in text and f'id="{page.fragment}"' in text, (identity, url)
    for identity in page.refused:
        client = _sign_in(browser, identity)
        answers = []
        if page.kind != ACTION:
            answers.append((expected_refusal(access, identity, write=False, in_sales=in_sales), client.get(url)))
        if page.kind == ACTION or _takes_post(page):  # with the CSRF token, as a page and as HTMX
            refusal = expected_refusal(access, identity, write=True, in_sales=in_sales)
            answers += [(refusal, _post(client, url)), (refusal, _post(client, url, **HX))]
        for refusal, response in answers:
            assert refusal is not None, (identity, url)
            assert response.status_code == 403, (identity, url, response.status_code)
            assert html.escape(refusal) in response.content.decode(), (identity, url)


@pytest.mark.parametrize("page", [p for p in PAGES if p.kind == ACTION and p.refused], ids=str)
def test_an_action_posted_without_the_csrf_token_is_refused(browser, portal_tenant, page):
    """Even by an identity the gate lets through: the CSRF check comes first."""
    url = World(portal_tenant).url(page)
    response = _post(_sign_in(browser, "global"), url, token=False)
    assert response.status_code == 403 and "CSRF" in response.content.decode(), url
