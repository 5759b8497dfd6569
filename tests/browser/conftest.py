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
