"""What text the database can store, and what text Suivi shows as it was typed: shared by
the API's parser, the schemas, the web forms and the services that read raw input."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable

NUL = "\x00"
NUL_MESSAGE = "must not contain the NUL character (\\u0000)"
SURROGATE_MESSAGE = "must not contain a lone surrogate (\\ud800-\\udfff): not valid Unicode text"

# Bidirectional embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI):
# they reorder the text around them on screen, so "Martin" can display as another name
# and a note can say the opposite of what is stored ("Trojan Source").
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A name is one line: the bidi marks (ALM, LRM, RLM) have no use in it either.
BIDI_MARKS = frozenset("\u061c\u200e\u200f")
NEWLINES = frozenset("\n\r")
# Searched in C (every string of every request body is checked): ASCII text has none.
_SURROGATE = re.compile("[\ud800-\udfff]")
# The joiners shape the letters around them in Arabic, Persian or Indic names (ZWNJ,
# ZWJ); every other format character (U+200B zero width space, U+2060 word joiner,
# U+00AD soft hyphen, U+FEFF, the tag characters...) is invisible in a name, which then
# shows exactly as another patient's and is not found by a search for what it shows.
JOINERS = frozenset("\u200c\u200d")


def text_error(value: str) -> list[str] | None:
    """Why the database cannot store ``value``, or None."""
    if NUL in value:
        return [NUL_MESSAGE]
    if not value.isascii() and _SURROGATE.search(value):
        return [SURROGATE_MESSAGE]
    return None


def _named(char: str) -> str:
    return f"U+{ord(char):04X}"


def shown_text_error(value: str, multiline: bool) -> str | None:
    """Why ``value`` cannot be shown as typed, or None: control characters (but line
    breaks in ``multiline`` text: a note, a patient's message) and bidirectional
    overrides; a single line (a name) refuses line and paragraph separators, bidi
    marks and the other invisible format characters too."""
    for char in value:
        if char in BIDI_OVERRIDES or (not multiline and char in BIDI_MARKS):
            return (f"must not contain the bidirectional control character {_named(char)}: "
                    "it changes how the text around it is displayed")
        category = unicodedata.category(char)
        if multiline and char in NEWLINES:
            continue
        if not multiline and category == "Cf" and char not in JOINERS:
            return (f"must not contain the invisible character {_named(char)}: the name "
                    "would show as another one and not be found by a search")
        if category == "Cc" or (not multiline and category in ("Zl", "Zp")):
            allowed = "" if not multiline else " (line breaks are allowed)"
            return f"must not contain the control character {_named(char)}{allowed}"
    return None


def shown_as_typed(value: str, multiline: bool = True) -> str:
    """``value`` with what ``shown_text_error`` refuses replaced by U+FFFD: for text Suivi
    cannot refuse (an SMS the provider has delivered), so that nothing of it is lost
    unseen and nothing in it can disguise the rest."""
    return "".join("\ufffd" if shown_text_error(char, multiline) else char for char in value)


def masked_phone(number: str) -> str:
    """``+33612345678`` → ``+33******78``: enough to tell numbers apart (in a log, on the
    nurse's screen), not to call. A fixed number of stars also hides the number's length."""
    number = number.strip()
    return f"{number[:3]}******{number[-2:]}" if len(number) >= 8 else "******"


def ascii_digits(text: str) -> bool:
    """Whether ``text`` is digits 0-9 only. ``str.isdigit`` is also true of "²" and "١٢",
    which ``int`` refuses or reads as another number than the one a reader sees."""
    return text.isascii() and text.isdigit()


def whole_number(text: str, high: int) -> int | None:
    """``text`` read as a whole number from 0 to ``high``, written in digits 0-9; None
    for anything else (a larger number would overflow the integer of a query)."""
    if not ascii_digits(text) or len(text) > len(str(high)):
        return None
    number = int(text)
    return number if number <= high else None


# A cell starting so is read by a spreadsheet as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet may split a line into cells on: a comma, a semicolon (Excel in a
# French locale), a tab, a line break. A reader that splits an unquoted cell there makes
# each piece after one a cell of its own, and that piece a formula if it starts as one.
CELL_SEPARATORS = ",;\t\r\n"
_FORMULA_PIECE = re.compile(
    f"(?:^|(?<=[{re.escape(CELL_SEPARATORS)}]))(?=[{re.escape(''.join(FORMULA_START))}])")


def spreadsheet_cell(value: object) -> str:
    """``value`` as a CSV cell that a spreadsheet shows and never evaluates, whatever it
    splits cells on: the cell, and each piece of it after a separator, that would start
    a formula starts with ``'`` instead."""
    return _FORMULA_PIECE.sub("'", "" if value is None else str(value))


def spreadsheet_csv(rows: Iterable[Iterable[object]]) -> str:
    """``rows`` as a CSV file to open in a spreadsheet: each cell a ``spreadsheet_cell``,
    and quoted, so that a reader keeps it whole whichever separator it splits on."""
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(
        [spreadsheet_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
