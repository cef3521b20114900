"""Text shared by the exports: a cell a spreadsheet would run is shown, not run."""

from __future__ import annotations

import pytest

from backend.indicators.csv_export import to_csv
from backend.text import CELL_SEPARATORS, FORMULA_START, spreadsheet_cell, spreadsheet_csv
from tests.helpers import spreadsheet_pieces

# A formula, and the cell that shows it (a tab or CR is also a separator: the piece
# after it is a cell of its own to some readers).
FORMULAS = [("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"),
            ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t'=1"), ("\r=1", "'\r'=1")]


def _indicators(value: object) -> dict:
    """Indicators with ``value`` as a figure, a team and the protocol."""
    figures = {"small_count": False, "patient_days": value}
    return {"teams": [str(value)], "protocol": str(value), "total": figures,
            "weeks": [{"week": "2026-W48", "start": "2026-11-23", **figures}]}


@pytest.mark.parametrize(("value", "shown"), FORMULAS)
def test_a_cell_that_would_run_as_a_formula_is_quoted_in_every_export(value, shown):
    assert spreadsheet_cell(value) == shown
    for text in (spreadsheet_csv([["x", value]]), to_csv(_indicators(value))):
        assert '"' + shown.replace('"', '""') + '"' in text


@pytest.mark.parametrize("separator", CELL_SEPARATORS)
def test_no_piece_of_a_cell_after_a_separator_runs_either(separator):
    """French Excel splits a line on ";", other readers on "," or a tab, and some
    ignore quotes: a piece after any of them must not start a formula."""
    value = separator.join(["Hack", "=1+2", "@SUM(3+4)", "-1", "+1"])
    assert spreadsheet_cell(value).split(separator) == [
        "Hack", "'=1+2", "'@SUM(3+4)", "'-1", "'+1"]
    for text in (spreadsheet_csv([["x", value]]), to_csv(_indicators(value))):
        pieces = spreadsheet_pieces(text)
        assert not [piece for piece in pieces if piece.startswith(FORMULA_START)], text


def test_every_cell_of_an_export_is_quoted():
    """A quoted cell is one cell in Excel whatever its locale's separator."""
    assert spreadsheet_csv([["Hack;x", 12, None]]) == '"Hack;x","12",""\r\n'
    assert to_csv(_indicators(3)).splitlines()[0].startswith('"week","week_start"')


@pytest.mark.parametrize(("value", "shown"), [(None, ""), (12, "12"), ("Martin", "Martin"),
                                              ("a=b", "a=b")])
def test_other_cells_are_kept(value, shown):
    assert spreadsheet_cell(value) == shown
