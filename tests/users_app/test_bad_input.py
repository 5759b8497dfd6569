"""Bad input refused clearly with nothing written (security review #13, #14, #15; issue 9, point 11).

The text check's truth table; the tenant file's cases (a)-(f) of finding 13 and the password
validation of finding 12, each through `load_tenant` on the command line; the CSV import's
limits of finding 14 through the screens; the escaped CLI output of finding 15."""
import pytest

from users_app.provisioning.rules import RuleViolation
from users_app.provisioning.text_checks import check_text, escape_controls, has_control

# --- check_text: the truth table ----------------------------------------------------------------

CONTROL_SAMPLES = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9b",
                   "\x9f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
LINE_BREAKS = ["\t", "\n", "\r\n"]
PRINTABLE = ["", "Alice Ng", "Zoë Ångström", "李小龍", "עברית", "😀 emoji", "a\\x1bb (a backslash, no escape)",
             "\u200b zero width space", "\u00a0 no-break space", "\u2028 line separator (Zl, not Cc)",
             "\u202f narrow no-break space", "\u2065 unassigned beside the isolates", "\ufeff BOM"]


@pytest.mark.parametrize("value", PRINTABLE)
@pytest.mark.parametrize("multiline", [False, True])
def test_printable_text_passes_unchanged(value, multiline):
    assert check_text("name", value, max_length=100, multiline=multiline) == value
    assert not has_control(value, multiline=multiline)


@pytest.mark.parametrize("char", CONTROL_SAMPLES)
@pytest.mark.parametrize("multiline", [False, True])
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_control_characters_are_refused_anywhere_naming_the_character(char, multiline, where):
    value = {"start": char + "abc", "middle": "ab" + char + "c", "end": "abc" + char}[where]
    with pytest.raises(RuleViolation) as exc:
        check_text("display_name", value, max_length=100, multiline=multiline)
    assert exc.value.rule == "display_name"
    assert f"U+{ord(char):04X}" in exc.value.message
    position = {"start": 1, "middle": 3, "end": 4}[where]
    assert f"at position {position}" in exc.value.message
    assert char not in str(exc.value)  # the message never carries the character itself


@pytest.mark.parametrize("brk", LINE_BREAKS + ["\r"])
def test_line_breaks_only_in_multiline_text(brk):
    value = f"first line{brk}second line"
    with pytest.raises(RuleViolation):
        check_text("name", value, max_length=100)
    if brk == "\r":  # a lone carriage return rewrites the line on a terminal: never allowed
        with pytest.raises(RuleViolation):
            check_text("street", value, max_length=100, multiline=True)
    else:
        assert check_text("street", value, max_length=100, multiline=True) == value


@pytest.mark.parametrize(("length", "max_length", "ok"), [
    (0, 0, True), (1, 0, False), (255, 256, True), (256, 256, True), (257, 256, False), (100_000, 256, False),
])
def test_length_limit_is_inclusive_and_counts_characters(length, max_length, ok):
    value = "é" * length  # characters, not UTF-8 bytes
    if ok:
        assert check_text("name", value, max_length=max_length) == value
    else:
        with pytest.raises(RuleViolation) as exc:
            check_text("name", value, max_length=max_length)
        assert exc.value.message == f"longer than {max_length} characters ({length} given)."


def test_length_is_checked_before_control_characters_and_the_value_is_never_echoed():
    with pytest.raises(RuleViolation) as exc:
        check_text("name", "\x00" * 300, max_length=256)
    assert "longer than 256" in exc.value.message


def test_not_text_is_refused():
    with pytest.raises(RuleViolation, match="must be text"):
        check_text("name", 12, max_length=10)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "shown"), [
    ("plain", "plain"),
    ("Esc\x1b]0;pwned\x07Name", "Esc\\x1b]0;pwned\\x07Name"),
    ("a\x1b[2Jb", "a\\x1b[2Jb"),
    ("tab\there", "tab\\there"),
    ("two\nlines\r\n", "two\\nlines\\r\\n"),
    ("\x00\x9b", "\\x00\\x9b"),
    ("right\u202eto left", "right\\u202eto left"),
    ("back\\slash", "back\\slash"),
])
def test_escape_controls(value, shown):
    assert escape_controls(value) == shown
    assert not has_control(escape_controls(value))
