"""Text that may be stored: not longer than its column, no control characters.

One pure check for every path that takes text from outside (the directory screens, the
tenant file, the CSV import): a value longer than its column is refused rather than cut or
left to the database (SQLite would store it, PostgreSQL would fail mid-write), and a value
holding a control character is refused, because NUL cannot be stored in PostgreSQL text and
escape sequences (ESC, BEL, CSI...) rewrite the screen of whoever prints the value in a
terminal.

Control characters are Unicode category Cc (U+0000-U+001F, U+007F-U+009F) and the
bidirectional embedding, override and isolate characters (U+202A-U+202E, U+2066-U+2069),
which make a name read differently from what it holds. Lone surrogates (U+D800-U+DFFF, which
JSON's \\ud800 escapes can produce) are refused with them: they are no character, and neither
the databases nor a terminal can encode them. A multi-line value (a description, a
street address) may hold tab and newline (CR LF included, as browsers send a textarea's lines);
a single-line value holds neither.
"""
from __future__ import annotations

import re
import unicodedata

from .violation import InvalidInput

_BIDI = "\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"
CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")
CONTROL_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]|\r(?!\n)")
_ALLOWED_LINE_BREAKS = "tab and line breaks"


def _describe(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate U+{ord(char):04X} (not a character)"
    name = unicodedata.name(char, "")
    if not name:  # Cc characters have no name in the Unicode database
        name = {"\x00": "NUL", "\x07": "BEL", "\x08": "BACKSPACE", "\t": "TAB", "\n": "LINE FEED",
                "\r": "CARRIAGE RETURN", "\x1b": "ESCAPE", "\x7f": "DELETE"}.get(char, "control character")
    return f"the control character U+{ord(char):04X} {name}"


def check_text(field: str, value: str, *, max_length: int, multiline: bool = False) -> str:
    """Answer `value` unchanged, or raise InvalidInput(field, why) when it is longer than
    max_length characters or holds a control character (tab and line breaks allowed when
    multiline). The message never repeats the value, which may be huge or unprintable."""
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be text, not {type(value).__name__}.")
    if len(value) > max_length:
        raise InvalidInput(field, f"longer than {max_length} characters ({len(value)} given).")
    match = (CONTROL_MULTILINE if multiline else CONTROL).search(value)
    if match is not None:
        allowed = f" (only {_ALLOWED_LINE_BREAKS} are allowed here)" if multiline else ""
        raise InvalidInput(field, f"contains {_describe(match.group()[0])} at position "
                                   f"{match.start() + 1}{allowed}; remove it.")
    return value


def has_control(value: str, *, multiline: bool = False) -> bool:
    """Does `value` hold a control character check_text refuses?"""
    return (CONTROL_MULTILINE if multiline else CONTROL).search(value) is not None


_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    return f"\\x{ord(char):02x}" if ord(char) <= 0xFF else f"\\u{ord(char):04x}"


def escape_controls(value: str) -> str:
    """`value` with every control character shown as an escape (ESC as \\x1b, U+202E as
    \\u202e, tab as \\t), for text written to a terminal. Text without one is answered as it is
    (backslashes included): the escapes are for the eye, not a reversible encoding."""
    return CONTROL.sub(_escape, value)
