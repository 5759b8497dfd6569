"""The vendored Fluent assets (static/vendor/fluent/, built by scripts/update_fluent.py) hold what the
portal uses: every icon name in the templates and the code is a symbol of the sprite, and every
custom property the stylesheets read is defined by the tokens or by the portal's own CSS.

A failure here after adding an icon or a token: run the script again (README, "Vendored front-end
assets")."""
import importlib.util
import re
from pathlib import Path

from django.template import Context, Template

ROOT = Path(__file__).resolve().parents[2]
FLUENT = ROOT / "static" / "vendor" / "fluent"
CSS = ROOT / "static" / "css"


def _script():
    spec = importlib.util.spec_from_file_location("update_fluent", ROOT / "scripts" / "update_fluent.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _symbols() -> set[str]:
    return set(re.findall(r'<symbol id="([a-z0-9_]+)" viewBox="0 0 20 20">', (FLUENT / "icons.svg").read_text()))


def _defined(text: str) -> set[str]:
    return set(re.findall(r"(--[A-Za-z0-9_-]+)\s*:", text))


def test_every_icon_used_is_in_the_sprite():
    used = _script().used_icons(ROOT)
    assert {"dismiss", "navigation", "search", "person", "globe"} <= used  # the toolkit's and the rail's
    missing = sorted(used - _symbols())
    assert not missing, f"icons used but not in static/vendor/fluent/icons.svg (rerun scripts/update_fluent.py): {missing}"


def test_the_scan_finds_template_and_python_uses(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "portal").mkdir()
    (tmp_path / "templates" / "x.html").write_text('<a>{% icon "person_add" %}Add</a> {% icon \'key\' label="Key" %}')
    (tmp_path / "portal" / "x.py").write_text('icon("arrow_sync")\nCommand("Refresh", icon="arrow_clockwise")\n')
    assert {"person_add", "key", "arrow_sync", "arrow_clockwise"} <= _script().used_icons(tmp_path)


def test_the_sprite_draws_in_the_text_colour():
    text = (FLUENT / "icons.svg").read_text()
    assert "fill=" not in text
    assert 'href="/static/vendor/fluent/icons.svg#search"' in Template('{% icon "search" %}').render(Context())


def test_every_css_variable_used_is_defined():
    tokens = (FLUENT / "tokens.css").read_text()
    defined = _defined(tokens)
    assert len(defined) > 400 and "--colorBrandBackground" in defined
    portal = (CSS / "portal.css").read_text()
    defined |= _defined(portal)
    undefined = {}
    for sheet in sorted(CSS.glob("*.css")):
        for name in re.findall(r"var\(\s*(--[A-Za-z0-9_-]+)", sheet.read_text()):
            if name not in defined and name not in _defined(sheet.read_text()):
                undefined.setdefault(sheet.name, set()).add(name)
    assert not undefined, f"custom properties used but defined nowhere: {undefined}"


def test_light_and_dark_themes_and_the_licences_are_vendored():
    tokens = (FLUENT / "tokens.css").read_text()
    assert tokens.startswith("/* @fluentui/tokens ")
    assert "--colorBrandBackground: #0f6cbd;" in tokens
    assert "@media (prefers-color-scheme: dark)" in tokens
    versions = (FLUENT / "VERSIONS.txt").read_text()
    assert "@fluentui/tokens" in versions and "@fluentui/svg-icons" in versions and "MIT" in versions
    for licence in ("LICENSE-tokens.txt", "LICENSE-svg-icons.txt"):
        assert "Permission is hereby granted" in (FLUENT / licence).read_text()


def test_the_portal_stylesheet_has_no_hard_coded_colours():
    """Colours come from the tokens (a hex or rgb() literal would not follow the dark theme)."""
    portal = (CSS / "portal.css").read_text()
    assert not re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(", re.sub(r"/\*.*?\*/", "", portal, flags=re.S))
