"""Accessibility in a real Chromium: axe-core over every page of the registry and every side panel,
and every panel opened and closed with the keyboard only.

- Every GET page of tests/pages.py (the registry the permission battery runs over), opened as a full
  page by the first identity the registry allows, and every side panel (`{% panel %}`) its openers
  (`[hx-target="#panel-host"]`) load over htmx, once per panel URL (a grid's, with none, one and two
  rows selected), and the 403 and 404 pages: axe-core reports no violation, whatever its impact, and
  the browser console stays clean. One failure lists every violation, grouped by rule and element.
- The main pages again in the dark colour scheme (tests/browser/test_responsive.py runs them at 390 px).
- On a few pages, every panel opener is reached with Tab; Enter opens its panel with the focus inside,
  Tab keeps it there, Escape closes it and the focus is back on the opener.

axe-core is vendored under tests/browser/vendor/axe-core/ and injected by tests/browser/conftest.py.
"""
import json
import re
from collections import Counter

import pytest
from django.urls import resolve

from tests.browser.conftest import MAIN_PAGES, SCREENSHOTS, Session, axe_report, axe_violations, settle
from tests.builders import upn
from tests.pages import OTHER, PAGE, PAGES, REGISTRY, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = SCREENSHOTS.parent  # test-artifacts/ (gitignored)
OPENERS = '[hx-target="#panel-host"]'
PANEL = "[data-panel]"
# A GET that answers a page (not a redirect, not a download).
CHECKED = [p for p in PAGES if p.kind in (PAGE, OTHER) and p.answer == 200 and p.name != "m365:audit_export"]
# The error pages a signed-in user meets: (name, URL, status), opened by plain@ (no admin role).
ERROR_PAGES = [("403 page", "/environments/", 403), ("404 page", "/no-such-page/", 404)]


def identity_of(page) -> str | None:
    """Who opens a page for the check: the first identity the registry allows (None: signed out)."""
    return page.allowed[0] if page.allowed else None


def panel_key(href: str) -> str:
    """A panel's URL name: each kind of panel is checked once, not once per row."""
    try:
        return resolve(href.split("?")[0]).view_name or href
    except Exception:  # noqa: BLE001 - an opener pointing nowhere is reported as its own key
        return href


def visible_openers(page):
    """{key: (trigger, method)} for each visible, enabled panel opener, the first of each kind, those that
    GET first. The trigger is what one clicks or focuses: the opener, or the submit button of a form
    opener (`<form hx-post hx-target="#panel-host">`: an action whose answer may be a panel)."""
    openers = page.evaluate("""(selector) => Array.from(document.querySelectorAll(selector)).map((el, i) => {
        const trigger = el.tagName === 'FORM' ? el.querySelector('button, [type=submit]') : el;
        if (!trigger || trigger.disabled || !trigger.getClientRects().length
            || getComputedStyle(trigger).visibility === 'hidden') return null;
        trigger.setAttribute('data-opener', i);
        const method = el.getAttribute('hx-post') ? 'post' : 'get';
        return [i, method, el.getAttribute('hx-' + method) || el.getAttribute('href') || ''];
    }).filter(Boolean)""", OPENERS)
    found = {}
    for index, method, href in openers:
        found.setdefault(panel_key(href), (page.locator(f'[data-opener="{index}"]'), method))
    return dict(sorted(found.items(), key=lambda item: item[1][1] == "post"))


def open_panel(page, opener, key: str = "Enter") -> str | None:
    """Opens a panel with its opener (a click, or a key pressed on it); None, or what went wrong."""
    before = page.locator(PANEL).count()
    try:
        if key == "click":
            opener.click(timeout=3000)
        else:
            opener.focus()
            page.keyboard.press(key)
        page.wait_for_function("(n) => document.querySelectorAll('[data-panel]').length > n", arg=before, timeout=5000)
        settle(page)
    except Exception:  # noqa: BLE001 - reported by the caller
        return "no side panel ([data-panel]) opened"
    return None


def close_panel(page) -> str | None:
    """Escape closes the open panel; None, or what went wrong."""
    page.keyboard.press("Escape")
    try:
        page.wait_for_function("() => !document.querySelector('[data-panel]')", timeout=3000)
    except Exception:  # noqa: BLE001
        return "Escape did not close the panel"
    return None


def layout_regions(page, violations) -> None:
    """Adds to each violation the part of the layout each node is in (header, rail, main, panel), so a
    fault of the shared layout reads as one fault, not one per page."""
    for violation in violations:
        violation["regions"] = page.evaluate(
            """(targets) => targets.map((target) => {
                let el = null;
                try { el = document.querySelector(target); } catch (e) { return '?'; }
                if (!el) return '?';
                if (el.closest('#panel-host, [data-panel]')) return 'panel';
                if (el.closest('header, .topbar')) return 'header';
                if (el.closest('nav.rail, .rail')) return 'rail';
                return el.closest('main') ? 'main' : 'page';
            })""", violation["targets"])


def grouped(records) -> list[str]:
    """One line per (rule, impact, target, where in the layout), naming every page it was found on."""
    groups: dict[tuple, list[str]] = {}
    for record in records:
        for target, region in zip(record["targets"], record["regions"]):
            groups.setdefault((record["id"], record["impact"], record["help"], target, region), []).append(record["where"])
    return [f"{rule} ({impact}) [{region}] {target}: {help_} -- on {len(wheres)}: {', '.join(dict.fromkeys(wheres))}"
            for (rule, impact, help_, target, region), wheres in sorted(groups.items())]


def test_axe_over_every_page_and_panel_of_the_registry(browser, live_server, portal_tenant):
    """Every registry page as a full page, and every side panel its openers load, as the identity
    the registry allows: no axe-core violation, no console error. The failure lists them all, and
    test-artifacts/axe-findings.json keeps them (page, URL, rule, impact, selectors)."""
    world = World(portal_tenant)
    by_identity: dict[str | None, list] = {}
    for page in CHECKED:
        by_identity.setdefault(identity_of(page), []).append((page.name, world.url(page), 200))
    by_identity["plain"] += ERROR_PAGES
    records, problems, seen_panels, checked = [], [], set(), 0

    def run_axe(session, where, url, known=()):
        """Records the violations, but those of `known` (rule, target): a panel is charged with what it adds."""
        violations = axe_violations(session.page)
        for violation in violations:
            violation["targets"] = [t for t in violation["targets"] if (violation["id"], t) not in known]
        violations = [v for v in violations if v["targets"]]
        layout_regions(session.page, violations)
        records.extend({**v, "where": where, "url": url} for v in violations)
        return {(v["id"], t) for v in violations for t in v["targets"]}

    def tick(session, count):
        """Selects the first `count` rows of the grid (the command bar is swapped to follow)."""
        for i in range(count):
            session.page.locator("input[data-grid-row]").nth(i).check()
            settle(session.page)

    def sweep_openers(session, name, url, on_page, ticked):
        """Opens each panel not yet seen that the page offers (with `ticked` rows selected), checks it,
        closes it. Starts again from the page after an action or a failure."""
        tried = set()
        tick(session, ticked)
        while True:
            openers = [(key, value) for key, value in visible_openers(session.page).items()
                       if key not in seen_panels and key not in tried]
            if not openers:
                return
            key, (opener, method) = openers[0]
            tried.add(key)
            problem = open_panel(session.page, opener, "click")
            if not (problem and method == "post"):  # else: an action that answered without a panel
                seen_panels.add(key)
                if not problem:
                    run_axe(session, f"panel {key}", url, on_page)
                    problem = close_panel(session.page)
                if problem:
                    problems.append(f"panel {key} (opened on {name}, {ticked} rows selected): {problem}")
            if problem or method == "post":
                session.open(url)
                tick(session, ticked)

    for identity, pages in by_identity.items():
        session = Session(browser, live_server, identity)
        for name, url, status in pages:
            response = session.open(url)
            if response.status != status:
                problems.append(f"{name} as {identity}: answered {response.status}")
                continue
            if status == 404:  # Chromium logs the status of the page asked for
                session.errors = [e for e in session.errors if "status of 404" not in e]
            on_page = run_axe(session, name, url)
            checked += 1
            if session.page.locator(PANEL).count():
                continue  # a panel's own URL: the page shows it open, its openers are behind it
            rows = session.page.locator("input[data-grid-row]").count()
            for ticked in sorted({0, min(rows, 1), min(rows, 2)}):  # a grid's commands follow its selection
                sweep_openers(session, name, url, on_page, ticked)
        problems += [f"console error as {identity} ({count}x): {error}"
                     for error, count in Counter(session.errors).items()]
        session.context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-findings.json").write_text(json.dumps({"records": records, "problems": problems,
                                                             "panels": sorted(seen_panels)}, indent=1))
    findings = grouped(records) + problems
    assert findings == [], f"{len(findings)} accessibility findings:\n" + "\n".join(findings)
    assert checked == len(CHECKED) + len(ERROR_PAGES)


def test_axe_over_the_main_pages_in_the_dark_colour_scheme(browser, live_server, portal_tenant):
    """The portal follows `prefers-color-scheme: dark` (Fluent's webDarkTheme): the main pages keep
    their contrast there too."""
    world, sessions, found = World(portal_tenant), {}, []
    for name in MAIN_PAGES:
        entry = REGISTRY[name]
        identity = identity_of(entry)
        if identity not in sessions:
            sessions[identity] = Session(browser, live_server, identity, color_scheme="dark")
        session = sessions[identity]
        url = world.url(entry)
        assert session.open(url).status == 200, url
        background = session.page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert sum(map(int, re.findall(r"\d+", background)[:3])) < 200, f"{name}: not dark ({background})"
        found.append(axe_report(f"{name} (dark)", axe_violations(session.page)))
    for identity, session in sessions.items():
        found += [f"console error as {identity}: {error}" for error in dict.fromkeys(session.errors)]
        session.context.close()
    found = [line for line in found if line]
    assert found == [], "\n".join(found)


# --- Every panel with the keyboard only -----------------------------------------------------------

KEYBOARD_PAGES = ("users:environment_user_detail", "users:environment_user_list", "structure:team_list",
                  "m365:active_user_list")


def focus_within(page, selector: str, timeout=3000) -> bool:
    """The focus is (or comes, within `timeout` ms: a widget may set itself up after the swap) inside `selector`."""
    try:
        page.wait_for_function("(s) => !!document.activeElement.closest(s)", arg=selector, timeout=timeout)
    except Exception:  # noqa: BLE001
        return False
    return True


def tab_stays_within(page, selector: str) -> bool:
    """Tab round the whole of `selector` (once more than it has stops) and Shift+Tab back: the focus never leaves."""
    stops = page.evaluate("""(s) => document.querySelector(s).querySelectorAll(
        'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select, textarea, [tabindex]'
    ).length""", selector)
    for key in ["Tab"] * min(stops + 1, 30) + ["Shift+Tab"] * 2:
        page.keyboard.press(key)
        if not page.evaluate("(s) => !!document.activeElement.closest(s)", selector):
            return False
    return True


def tab_walk(page, limit=160) -> list[str]:
    """Tab from the top of the page; the data-kb index of each element focused, in order, until the
    focus comes back round (or `limit` presses). Marks every element with data-kb first."""
    page.evaluate("() => document.querySelectorAll('body *').forEach((el, i) => el.setAttribute('data-kb', i))")
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    order: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        index = page.evaluate("""() => { const el = document.activeElement;
            return !el || el === document.body ? null : el.getAttribute('data-kb') || ''; }""")
        if index is None or (order and index == order[0]):
            break
        order.append(index)
    return order


def test_every_panel_opens_and_closes_with_the_keyboard(browser, live_server, portal_tenant):
    """On the environment user page and a few lists: every `[hx-target="#panel-host"]` opener is
    reached with Tab; Enter opens its panel with the focus inside, and Tab keeps it there; Escape
    closes it and the focus is back on the opener.
    (An action opener, a form that POSTs, may answer without a panel: then there is nothing to close.)"""
    world, problems, tried = World(portal_tenant), [], 0
    sessions: dict = {}
    for name in KEYBOARD_PAGES:
        entry = REGISTRY[name]
        identity = identity_of(entry)
        session = sessions.get(identity) or sessions.setdefault(identity, Session(browser, live_server, identity))
        page, url = session.page, world.url(entry)
        session.open(url)
        order, openers = set(tab_walk(page)), visible_openers(page)
        if name == "users:environment_user_detail" and not openers:
            problems.append(f"{name}: no panel opener ({OPENERS}) on the page")
        for key in list(openers):
            if key not in openers:  # gone after an earlier action changed the page
                continue
            tried += 1
            opener, method = openers[key]
            index, ident = opener.get_attribute("data-kb"), opener.get_attribute("id")
            where = f"{name} > {key} ({opener.inner_text().strip()!r})"
            if index not in order:
                problems.append(f"{where}: not reached with Tab")
                continue
            problem = open_panel(page, opener, "Enter")
            if problem and method == "post":
                problem = None  # an action that answered without a panel: nothing to close
            else:
                if not problem and not focus_within(page, "[data-panel]"):
                    problem = "the focus is not inside the panel"
                if not problem and not tab_stays_within(page, "[data-panel]"):
                    problem = "Tab lets the focus out of the open panel"
                problem = problem or close_panel(page)
                focused = page.evaluate("() => [document.activeElement.getAttribute('data-kb'), document.activeElement.id]")
                if not problem and focused[0] != index and not (ident and focused[1] == ident):
                    problem = "the focus did not return to the opener"  # (or to its like, re-rendered: same id)
            if problem:
                problems.append(f"{where}: {problem}")
            if problem or method == "post":  # start again from the page as it now is
                session.open(url)
                order, openers = set(tab_walk(page)), visible_openers(page)
    for identity, session in sessions.items():
        problems += [f"console error as {identity} ({count}x): {error}" for error, count in Counter(session.errors).items()]
        session.context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "keyboard-findings.json").write_text(json.dumps(problems, indent=1))
    assert problems == [], "\n".join(problems)
    assert tried, "no panel opener found on " + ", ".join(KEYBOARD_PAGES)


# --- The impact preview (a panel a POST opens) and the pending section ------------------------------


def test_axe_and_the_keyboard_over_the_impact_preview_and_the_pending_section(browser, live_server, portal_tenant):
    """Issue 12, in the light and the dark colour scheme: the preview panel that Save changes opens on
    a user's Licenses tab (the sweep above opens only GET panels), with the focus inside, kept there by
    Tab and let go by Escape; a Sync history whose Pending section lists a change; a user's and a
    group's Access pages. No axe-core violation, no console error."""
    from users_app.models import DirectoryGroup, DirectoryUser
    from users_app.services.directory import groups

    world, problems = World(portal_tenant), []
    plain = DirectoryUser.objects.get(user_principal_name=upn("plain"))
    group = DirectoryGroup.objects.get(name="Sales-Env")
    pages = {"the Access page of a user": world.url(REGISTRY["m365:active_user_access"]),
             "the Access page of a group": world.url(REGISTRY["m365:group_access"])}
    for scheme in ("light", "dark"):
        session = Session(browser, live_server, "global", color_scheme=scheme)
        page = session.page
        session.open(f"/m365/users/{plain.pk}/licences/")
        page.get_by_role("checkbox", name="Dynamics 365 Sales").uncheck()
        page.get_by_role("button", name="Save changes").click()
        opened = page.locator("#preview-panel")
        opened.wait_for()
        settle(page)
        problems.append(axe_report(f"the impact preview ({scheme})", axe_violations(page)))
        if not focus_within(page, "[data-panel]"):
            problems.append(f"the impact preview ({scheme}): the focus is not inside the panel")
        elif not tab_stays_within(page, "[data-panel]"):
            problems.append(f"the impact preview ({scheme}): Tab lets the focus out of the panel")
        problems.append(close_panel(page) and f"the impact preview ({scheme}): Escape did not close it")
        for name, url in pages.items():
            session.open(url)
            problems.append(axe_report(f"{name} ({scheme})", axe_violations(page)))
        session.context.close()
        problems += [f"console error ({scheme}): {error}" for error in dict.fromkeys(session.errors)]
    groups.group_member_remove(group=group, user=plain)  # pending in Sales until the next sync
    for scheme in ("light", "dark"):
        session = Session(browser, live_server, "global", color_scheme=scheme)
        session.open(f"/environments/{portal_tenant['sales'].environment_id}/sync-history/")
        if not session.page.locator("#sync-pending tr.pending-row").count():
            problems.append(f"Sync history ({scheme}): no pending change listed")
        problems.append(axe_report(f"Sync history with a pending change ({scheme})", axe_violations(session.page)))
        session.context.close()
        problems += [f"console error ({scheme}): {error}" for error in dict.fromkeys(session.errors)]
    problems = [problem for problem in problems if problem]
    assert problems == [], "\n".join(problems)
