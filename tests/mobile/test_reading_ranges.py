"""The app's copy of the reading types (suivi_app.core.questionnaire) agrees with the
server's (rules/units.py): the app cannot import rules (buildozer ships mobile/ alone), so a
value the phone refuses must be one the server refuses, and the other way round."""

from __future__ import annotations

from decimal import Decimal

import pytest
from suivi_app.core.questionnaire import (
    READINGS,
    TASK_UNITS,
    UNITS,
    QuestionnaireSession,
    problem,
)

from rules.loader import load_questionnaires
from rules.units import READING_TYPES, ReadingError, normalise_value

NUMERIC = [slug for slug, rtype in READING_TYPES.items() if rtype.kind in ("integer", "decimal")]


def test_the_app_knows_the_reading_types_of_the_rules_and_no_other():
    assert set(READINGS) == set(READING_TYPES)


@pytest.mark.parametrize("slug", sorted(READING_TYPES))
def test_same_kind_and_plausible_range(slug):
    rtype, spec = READING_TYPES[slug], READINGS[slug]
    app = (spec.kind, spec.low, spec.high)
    server = (rtype.kind, rtype.plausible_min, rtype.plausible_max)
    assert app[0] == server[0]
    assert [None if b is None else Decimal(str(b)) for b in app[1:]] == list(server[1:])


def _offered_units() -> set[tuple[str, str]]:
    """(reading, unit) the app lets a patient choose: reading tasks and shipped items."""
    offered = {(slug, unit) for slug, units in TASK_UNITS.items() for unit in units}
    offered |= {(slug, unit) for slug, units in UNITS.items() for unit in units}
    questionnaires, _ = load_questionnaires()
    for questionnaire in questionnaires.values():
        for item in questionnaire.to_dict("en")["items"]:
            if item["type"] == "reading":
                offered |= {(item["reading"], unit) for unit in item.get("units") or []}
    return offered


@pytest.mark.parametrize(("slug", "unit"), sorted(_offered_units()))
def test_each_unit_the_app_offers_converts_as_on_the_server(slug, unit):
    convert = READING_TYPES[slug].accepted_units.get(unit)
    assert convert is not None, f"the server does not accept {unit!r} for {slug}"
    spec = UNITS.get(slug, {}).get(unit)
    assert spec is not None, f"the app cannot check {slug} in {unit!r}"
    for value in (Decimal(1), Decimal(10)):  # two points: a conversion with an offset shows
        assert float(convert(value)) == pytest.approx(float(value) * spec.factor, rel=1e-12)
    if unit == READING_TYPES[slug].unit:  # stored at the same resolution as on the server
        assert Decimal(1).scaleb(-spec.decimals) == READING_TYPES[slug].resolution


@pytest.mark.parametrize("slug", sorted(READING_TYPES))
def test_a_reading_task_asks_in_the_canonical_unit(slug):
    (item,) = QuestionnaireSession.for_reading(slug, "en").definition["items"]
    assert item["unit"] in ("", READING_TYPES[slug].unit)  # "": sent without a unit


def _server_accepts(slug: str, value: Decimal, unit: str) -> bool:
    try:
        normalise_value(slug, value, unit)
    except ReadingError:
        return False
    return True


def _values_around_bounds(slug: str, unit: str) -> list[Decimal]:
    """Values on each side of the plausible bounds expressed in ``unit``, in the steps a
    home device shows (0.1 °C, whole beats, 0.01 g/L, whole mg/dL...)."""
    rtype = READING_TYPES[slug]
    spec = UNITS.get(slug, {}).get(unit)
    if unit == rtype.unit:
        factor, step = Decimal(1), rtype.resolution
    else:
        factor, step = Decimal(repr(spec.factor)), Decimal(1).scaleb(-spec.decimals)
    values = []
    for bound in (rtype.plausible_min, rtype.plausible_max):
        centre = (bound / factor).quantize(step)
        values += [centre + k * step for k in range(-3, 4)]
    return values


@pytest.mark.parametrize(("slug", "unit"), sorted(
    {(slug, READING_TYPES[slug].unit) for slug in NUMERIC}
    | {(slug, unit) for slug, units in UNITS.items() for unit in units}))
def test_the_app_and_the_server_accept_the_same_values(slug, unit):
    item = {"link_id": slug, "type": "reading", "reading": slug,
            "unit": READING_TYPES[slug].unit, "required": True}
    values = _values_around_bounds(slug, unit)
    server = {value: _server_accepts(slug, value, unit) for value in values}
    assert set(server.values()) == {True, False}  # both sides of each bound are tried
    disagree = [str(value) for value in values
                if (problem(item, float(value), "en", unit) is None) != server[value]]
    assert not disagree, f"{slug} in {unit!r}: the app and the server disagree on {disagree}"
