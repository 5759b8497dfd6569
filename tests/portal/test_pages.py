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

from tests.builders import HX, upn
from tests.pages import (
    ACTION,
    PAGE,
    PAGES,
    REGISTRY,
    World,
    access_of,
    expected_refusal,
    methods_of,
    post,
    url_patterns,
)


def _sign_in(client, identity):
    client.logout()
    if identity:
        client.force_login(get_user_model().objects.get(username=upn(identity)))
    return client


PATTERNS = dict(url_patterns())


def _takes_post(page) -> bool:
    return "POST" in (methods_of(PATTERNS[page.name]) or ())


def test_every_url_of_the_resolver_is_in_the_registry():
    """A new URL fails here until tests/pages.py names its arguments, roles and fragment."""
    names = {name for name, _ in url_patterns()}
    assert sorted(names - set(REGISTRY)) == [], "URLs missing from tests/pages.py"
    assert sorted(set(REGISTRY) - names) == [], "tests/pages.py names URLs the resolver does not have"
    assert len(PAGES) == len(REGISTRY)  # each URL once
    assert not [p.name for p in PAGES if p.kind == ACTION and p.allowed], "an action's allowed are the role matrix's"
    assert not [p.name for p in PAGES if p.kind == PAGE and not p.fragment], "a page names its fragment"


def test_the_registry_kinds_match_the_views_methods():
    """An ACTION's view takes POST only; a PAGE's or OTHER's view answers GET."""
    for page in PAGES:
        methods = methods_of(PATTERNS[page.name])
        if methods is None:  # the sign-in views (class-based) declare none
            continue
        assert (methods == ["POST"]) == (page.kind == ACTION), (page.name, methods)


def _signed_out(client, page, url):
    """GET, and POST (with the CSRF token) when the view takes it: a redirect to sign-in."""
    responses = [] if page.kind == ACTION else [client.get(url)]
    if page.kind == ACTION or _takes_post(page):
        responses.append(post(client, url))
    for response in responses:
        assert response.status_code == 302 and response["Location"].startswith("/signin/"), (url, response.status_code)


def _allowed(client, page, url, identity, access, in_sales):
    """An action's allowed identities are the role matrix's; a page answers 200 (or its `answer`),
    as a full page with its marks and as its HTMX fragment, both holding the fragment's element."""
    if access:
        assert expected_refusal(access, identity, write=False, in_sales=in_sales) is None, identity
    full = client.get(url)
    body = full.content.decode()
    assert full.status_code == page.answer, (identity, url, full.status_code)
    if page.answer != 200:
        return
    assert "<html" in body, (identity, url)
    if page.kind != PAGE:
        return
    assert f'id="{page.fragment}"' in body, (identity, url)
    for mark in page.marks:
        assert mark in body, (identity, url, mark)
    fragment = client.get(url, **HX)
    text = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in text and f'id="{page.fragment}"' in text, (identity, url)


def _refused(client, page, url, identity, access, in_sales):
    """403 naming what is missing, in the one definition's words: for a GET, and for a POST (with the
    CSRF token, as a page and as HTMX) when the view takes it."""
    answers = []
    if page.kind != ACTION:
        answers.append((expected_refusal(access, identity, write=False, in_sales=in_sales), client.get(url)))
    if page.kind == ACTION or _takes_post(page):
        refusal = expected_refusal(access, identity, write=True, in_sales=in_sales)
        answers += [(refusal, post(client, url)), (refusal, post(client, url, **HX))]
    for refusal, response in answers:
        assert refusal is not None, (identity, url)
        assert response.status_code == 403, (identity, url, response.status_code)
        assert html.escape(refusal) in response.content.decode(), (identity, url)


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page(csrf_client, portal_tenant, page):
    """One URL: signed out, each allowed identity, each refused identity; an action POSTed without
    the CSRF token is refused before its gate, even to a Global administrator."""
    url = World(portal_tenant).url(page)
    access = access_of(PATTERNS[page.name])
    in_sales = page.in_sales
    if not page.public:
        _signed_out(csrf_client, page, url)
    elif page.kind != ACTION:  # a public page opens signed out
        response = csrf_client.get(url)
        assert response.status_code == 200 and "<html" in response.content.decode(), url
    for identity in page.allowed:
        _allowed(_sign_in(csrf_client, identity), page, url, identity, access, in_sales)
    for identity in page.refused:
        _refused(_sign_in(csrf_client, identity), page, url, identity, access, in_sales)
    if page.kind == ACTION and page.refused:
        response = post(_sign_in(csrf_client, "global"), url, token=False)
        assert response.status_code == 403 and "CSRF" in response.content.decode(), url
