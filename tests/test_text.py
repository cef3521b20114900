"""Text shared by the exports: a cell a spreadsheet would run is shown, not run."""

from __future__ import annotations

import pytest

from backend.indicators.csv_export import _cell
from backend.text import spreadsheet_cell


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)",
                                   "\t=1", "\r=1"])
def test_a_cell_that_would_run_as_a_formula_is_quoted_in_every_export(value):
    assert spreadsheet_cell(value) == "'" + value
    assert _cell(value) == "'" + value


@pytest.mark.parametrize(("value", "shown"), [(None, ""), (12, "12"), ("Martin", "Martin"),
                                              ("a=b", "a=b")])
def test_other_cells_are_kept(value, shown):
    assert spreadsheet_cell(value) == shown
