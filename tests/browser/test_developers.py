"""The Developers page and an app registration's page (issue 13) in a real Chromium: axe-core finds
nothing, at 1366 px and at 390 px (no page wider than the phone), the copy buttons appear and copy,
the personal token and the new client secret are shown once over htmx, and screenshots of each
(test-artifacts/screenshots/developers-*.png, app-registration-*.png) are kept to look at."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Session, axe_report, axe_violations, no_horizontal_scroll, settle
from tests.browser.test_responsive import PHONE, shot
from tests.api.conftest import ERP_APP_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366": None, "390": PHONE}


def _check(session, where, problems):
    problems += filter(None, [axe_report(where, axe_violations(session.page))])
    try:
        no_horizontal_scroll(session.page, where)
    except AssertionError as error:
        problems.append(str(error))


@pytest.mark.parametrize("width", WIDTHS)
def test_developers_page(browser, live_server, portal_tenant, width):
    """Base URLs and snippets carry this server's host and the https port; Get a personal token shows
    the token once with a copy button that copies it; axe finds nothing before and after."""
    session = Session(browser, live_server, "plain", viewport=WIDTHS[width],
                      permissions=["clipboard-read", "clipboard-write"])
    page, problems = session.page, []
    assert session.open("/developers/").status == 200
    host = live_server.url.split("://")[1].split(":")[0]
    expect(page.locator("#url-graph")).to_have_text(f"https://{host}:8443/v1.0")
    expect(page.locator("#snippet-graph-sdk")).to_contain_text(f'adapter.base_url = "https://{host}:8443/v1.0"')
    expect(page.locator('[data-copy-from="#snippet-graph-sdk"]')).to_be_visible()
    _check(session, f"developers at {width} px", problems)
    shot(page, f"developers-{width}")
    shot(page, f"developers-{width}-top", full_page=False)

    page.get_by_role("button", name="Get a personal token").click()
    settle(page)
    token = page.locator("#personal-token-value")
    expect(token).to_be_visible()
    expect(page.locator("#personal-token")).to_contain_text("only time this token is shown")
    page.locator('[data-copy-from="#personal-token-value"]').click()
    expect(page.locator("#personal-token .copy-status")).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == token.inner_text().strip()
    _check(session, f"developers with a token at {width} px", problems)
    shot(page, f"developers-token-{width}")
    problems += [f"console error: {e}" for e in session.errors]
    session.context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_app_registration_page(browser, live_server, portal_tenant, width):
    """API permissions ticked and saved (admin consent), then New client secret confirmed in its side
    panel and shown once; axe finds nothing on the page, in the panel, or after."""
    session = Session(browser, live_server, "global", viewport=WIDTHS[width])
    page, problems = session.page, []
    assert session.open(f"/m365/apps/{ERP_APP_ID}/").status == 200
    _check(session, f"app registration at {width} px", problems)
    page.get_by_role("checkbox", name=re.compile(r"^User\.Read\.All")).check()
    page.get_by_role("button", name="Grant admin consent").click()
    settle(page)
    expect(page.locator('[data-permission="User.Read.All"] .badge')).to_have_text("Granted")
    shot(page, f"app-registration-{width}")

    page.get_by_role("link", name="New client secret").click()
    settle(page)
    panel = page.locator("[data-panel]")
    expect(panel).to_be_visible()
    problems += filter(None, [axe_report(f"new secret panel at {width} px", axe_violations(page))])
    panel.get_by_role("button", name="New client secret").click()
    settle(page)
    expect(page.locator("[data-panel]")).to_have_count(0)
    expect(page.locator("#client-secret")).to_be_visible()
    expect(page.locator("#client-secrets")).to_contain_text("will not be shown again")
    _check(session, f"app registration with a new secret at {width} px", problems)
    shot(page, f"app-registration-secret-{width}")
    problems += [f"console error: {e}" for e in session.errors]
    session.context.close()
    assert problems == [], "\n".join(problems)
