"""docs/data-map.md names every table the code keeps, and says truthfully which of its
columns are sealed at rest: a table added without its line, or a column sealed (or
unsealed) without the map saying so, fails here."""

import re
from pathlib import Path

from backend import models  # noqa: F401 (every feature's tables on the metadata)
from backend.crypto import SealedJSON, SealedText
from backend.db import Base

DATA_MAP = Path(__file__).resolve().parents[1] / "docs" / "data-map.md"
ROW = re.compile(r"^\| `(?P<table>[a-z_]+)` \|(?P<cells>.*)\|$")


def mapped() -> dict[str, list[str]]:
    """table -> its cells after the name, from the map's table."""
    rows = {}
    for line in DATA_MAP.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            assert match["table"] not in rows, f"{match['table']} has two lines in the data map"
            rows[match["table"]] = [cell.strip() for cell in match["cells"].split("|")]
    return rows


def test_every_table_has_its_line_and_no_line_is_stale():
    tables, rows = set(Base.metadata.tables), mapped()
    assert not tables - set(rows), f"tables missing from docs/data-map.md: {tables - set(rows)}"
    assert not set(rows) - tables, f"docs/data-map.md names no table: {set(rows) - tables}"


def test_sealed_columns_are_the_ones_the_map_names():
    rows = mapped()
    for name, table in Base.metadata.tables.items():
        sealed = {column.name for column in table.columns
                  if isinstance(column.type, (SealedText, SealedJSON))}
        said = set(re.findall(r"`([a-z0-9_]+)`", rows[name][2]))
        assert said == sealed, (
            f"docs/data-map.md, {name}: sealed at rest says {sorted(said) or '—'}, "
            f"the code seals {sorted(sealed) or '—'}")


def test_every_line_says_what_it_holds_and_how_long_it_is_kept():
    for name, cells in mapped().items():
        holds, category, _, kept = cells
        assert holds and kept, f"docs/data-map.md, {name}: what it holds and how long"
        assert set(re.split(r",\s*", category)) <= {
            "identity", "health", "security", "operations"}, (name, category)


FHIR_ROW = re.compile(r"^\| `(?P<type>[A-Z][A-Za-z]+)` \|")


def test_every_fhir_resource_served_has_its_line():
    from backend.fhir.routes import SERVED

    said = {match["type"] for line in DATA_MAP.read_text(encoding="utf-8").splitlines()
            if (match := FHIR_ROW.match(line.strip()))}
    served = {item.type for item in SERVED}
    assert said == served, (f"docs/data-map.md, FHIR resources: says {sorted(said)}, "
                            f"/fhir/R4 serves {sorted(served)}")
