"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

Without Chromium they are skipped with a notice, unless REQUIRE_BROWSER=1 (set by .ci/run,
which installs it), where a missing browser fails the run. Screenshots of each main screen
go to test-artifacts/screenshots/ (gitignored); any browser console error fails the test.
"""
import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body (data set-up) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
EXPECTED_REFUSAL = re.compile(r"^Failed to load resource: the server responded with a status of (400|403|409) ")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_report_header(config):
    if CHROMIUM:
        return f"browser tests: Chromium at {CHROMIUM}"
    if REQUIRED:
        return "browser tests: REQUIRE_BROWSER=1 but no Chromium found: they will FAIL"
    return "browser tests: no Chromium found (apt-get install chromium): they are SKIPPED"


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "browser" in item.keywords]
    if CHROMIUM or not browser_items:
        return
    if REQUIRED:
        raise pytest.UsageError("REQUIRE_BROWSER=1 but no Chromium was found: install Debian's chromium package.")
    skip = pytest.mark.skip(reason="no Chromium found: install Debian's chromium package to run the browser tests")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 860}}


@pytest.fixture
def console_errors(page):
    """Collects console errors and page errors; the test fails if any occurred."""
    errors: list[str] = []

    def on_console(message):
        # A refused action answers 400/409 with its fragment, a page without the role 403 (the
        # refusal, naming the rule or role, is asserted on the page); Chromium logs that status
        # line as an error: it is the answer under test, not a fault.
        if message.type == "error" and not EXPECTED_REFUSAL.search(message.text):
            errors.append(message.text)
    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors
    assert errors == [], f"browser console errors: {errors}"


@pytest.fixture
def shot(page):
    """shot("users-list") saves a full-page screenshot of the current page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return _shot


# --- Accessibility (axe-core) and small screens -------------------------------------------------
# axe-core is vendored under the test tree (tests/browser/vendor/axe-core/, MPL-2.0, see VERSION),
# never served by the portal. The portal's Content-Security-Policy allows same-origin scripts only,
# so page.add_script_tag(path=...) (an inline <script> with the file's text) is refused by the
# browser; axe is evaluated through the DevTools protocol instead (page.evaluate), which the CSP does
# not govern, so the pages are checked under the policy they run with in production.

AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(page, include=None) -> list[dict]:
    """axe-core's violations on the page as it is now (or within the `include` selectors): every rule,
    every impact. Each: {"id", "impact", "help", "targets": [selector, ...]}."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text())
    return page.evaluate(
        """async (include) => {
            const context = include ? {include: include.map((selector) => [selector])} : document;
            const results = await window.axe.run(context, {resultTypes: ['violations']});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((node) => node.target.join(' ')),
            }));
        }""", list(include) if include else None)


def axe_report(context_name: str, violations: list[dict]) -> str:
    """One line per violation: where, rule id, impact, help, the selectors of its nodes."""
    return "\n".join(f"{context_name}: {v['id']} ({v['impact']}) {v['help']}: {', '.join(v['targets'])}"
                     for v in violations)


@pytest.fixture
def axe(page):
    """check("Users list") runs axe-core over the page (or `include`: selectors) and fails, listing every
    violation (rule id, impact, help, target selectors); no impact is let through."""
    def check(context_name: str, include=None) -> None:
        violations = axe_violations(page, include)
        assert violations == [], "axe-core violations:\n" + axe_report(context_name, violations)
    return check


def no_horizontal_scroll(page, where: str = "") -> None:
    """The document is no wider than the window; if it is, the failure names the widest offenders
    (elements whose right edge passes the window's and that no narrower scroll container clips)."""
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] <= width[1]:
        return
    offenders = page.evaluate(
        """() => {
            const limit = window.innerWidth;
            const clipped = (el) => {
                for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                    const overflow = getComputedStyle(up).overflowX;
                    if (overflow !== 'visible' && up.getBoundingClientRect().right <= limit + 0.5) return true;
                }
                return false;
            };
            const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + Array.from(el.classList).map((c) => '.' + c).join('');
            const path = (el) => {
                const parts = [];
                for (let up = el; up && up !== document.body && parts.length < 4; up = up.parentElement) parts.unshift(name(up));
                return parts.join(' > ');
            };
            const found = [];
            for (const el of document.body.querySelectorAll('*')) {
                const box = el.getBoundingClientRect();
                if (box.right <= limit + 0.5 || box.width === 0 || clipped(el)) continue;
                const childOver = Array.from(el.children).some((c) => c.getBoundingClientRect().right > limit + 0.5);
                found.push({path: path(el), right: Math.round(box.right), width: Math.round(box.width), leaf: !childOver,
                            text: (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 40)});
            }
            found.sort((a, b) => (b.right - a.right) || (b.leaf - a.leaf));
            return found.slice(0, 6);
        }""")
    lines = [f"  {o['path']} (right edge {o['right']} px, {o['width']} px wide{', innermost' if o['leaf'] else ''})"
             f" {o['text']!r}" for o in offenders]
    raise AssertionError(f"{where or page.url}: the document is {width[0]} px wide in a {width[1]} px window; "
                         "the widest:\n" + "\n".join(lines))


# --- Signed-in contexts for the sweeps over many pages (accessibility, small screens) -------------


class Session:
    """One browser context signed in as one identity (a sign-in of tests/conftest.py's portal tenant,
    None: signed out), its console errors collected (those EXPECTED_REFUSAL lets through aside)."""

    def __init__(self, browser, live_server, identity, viewport=None, **options):
        self.context = browser.new_context(viewport=viewport or {"width": 1366, "height": 860}, **options)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10000)
        self.base = live_server.url
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and not EXPECTED_REFUSAL.search(m.text)
                     and self.errors.append(f"{self.page.url.removeprefix(self.base)}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url.removeprefix(self.base)}: {e}"))
        if identity:
            from tests.conftest import PORTAL_PASSWORD, portal_upn
            self.page.goto(f"{self.base}/signin/")
            self.page.get_by_label("User name").fill(portal_upn(identity))
            self.page.get_by_label("Password").fill(PORTAL_PASSWORD)
            self.page.get_by_role("button", name="Sign in").click()
            self.page.wait_for_url(lambda url: "/signin/" not in url)

    def open(self, path: str):
        response = self.page.goto(f"{self.base}{path}")
        settle(self.page)
        return response


def settle(page) -> None:
    """Wait until no htmx request is in flight (content loaded on `load` triggers, swaps settled) and
    every finite animation has ended (a panel slides and fades in: axe would read its colours half-way)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')",
                           timeout=5000)
    page.evaluate("""() => Promise.all(document.getAnimations()
        .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
        .map((a) => a.finished.catch(() => null)))""")


# The main pages (registry names): the review's 390 px and accessibility runs, and the new screens.
MAIN_PAGES = (
    "environments:environment_list", "environments:environment_detail", "users:environment_user_list",
    "users:environment_user_detail", "structure:team_list", "structure:sync_run_list", "imports:data_import",
    "m365:active_user_list", "m365:active_user_create", "m365:active_user_detail", "m365:group_detail",
    "m365:licence_list", "my_environments:my_environment_list", "search:search",
)


# --- Shared by the browser tests ------------------------------------------------------------------


@pytest.fixture
def tenant(live_server):
    """The portal tests' tenant (tests/conftest.py), loaded and synced, for a live server."""
    from tests.conftest import portal_tenant_data
    from users_app.provisioning.sync import directory_sync
    from users_app.tenant_file import load_tenant
    data = portal_tenant_data()
    load_tenant(data)
    directory_sync()
    return data


def sign_in(page, live_server, local="global"):
    """Signs in as one of the portal tenant's users and waits until the sign-in page is left."""
    from playwright.sync_api import expect

    from tests.conftest import PORTAL_PASSWORD, portal_upn
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("User name").fill(portal_upn(local))
    page.get_by_label("Password").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/signin/"))
