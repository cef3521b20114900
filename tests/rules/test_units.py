"""Unit conversion to canonical UCUM units and plausibility refusals."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.units import (
    GLUCOSE_MOLAR_MASS,
    READING_TYPES,
    ReadingError,
    _fmt,
    normalise_reading,
    normalise_value,
)

AT = datetime(2024, 3, 31, 10, 0, tzinfo=timezone(timedelta(hours=2)))


def test_reading_types_and_canonical_units():
    assert {slug: t.unit for slug, t in READING_TYPES.items()} == {
        "temperature": "Cel", "heart_rate": "/min", "respiratory_rate": "/min",
        "systolic_bp": "mm[Hg]", "diastolic_bp": "mm[Hg]", "spo2": "%", "weight": "kg",
        "glucose": "mmol/L", "pain": "{score}", "consciousness": "", "supplemental_oxygen": "",
    }
    # Every range is explained, so nobody mistakes it for an alert threshold.
    assert all(t.why for t in READING_TYPES.values())


@pytest.mark.parametrize(
    ("type_", "value", "unit", "expected"),
    [
        ("temperature", "100.4", "[degF]", Decimal("38.0")),
        ("temperature", 98.6, "°F", Decimal("37.0")),
        ("temperature", "38,5", "°C", Decimal("38.5")),  # French decimal comma
        ("temperature", "38.45", "Cel", Decimal("38.5")),  # rounded half up to 0.1
        ("temperature", "38.44", None, Decimal("38.4")),
        ("weight", 176, "[lb_av]", Decimal("79.8")),
        ("weight", "154.3", "lb", Decimal("70.0")),
        ("weight", 70500, "g", Decimal("70.5")),
        ("weight", "82.35", "kg", Decimal("82.4")),
        ("glucose", 126, "mg/dL", Decimal("7.0")),
        ("glucose", 54, "mg/dL", Decimal("3.0")),
        ("glucose", "5.6", "mmol/L", Decimal("5.6")),
        ("glucose", 1.2, "g/L", Decimal("6.7")),  # French meters: 1.2 g/L = 6.66 mmol/L
        ("glucose", "1,2", "g/L", Decimal("6.7")),
        ("glucose", " 0,54 ", "g/l", Decimal("3.0")),
        ("glucose", 1, "g/L", Decimal("5.6")),
        ("glucose", "1,2", "mmol/L", Decimal("1.2")),  # a real severe hypoglycaemia: kept
        ("systolic_bp", 135, "mmHg", Decimal("135")),
        ("diastolic_bp", 85, "mm[Hg]", Decimal("85")),
        ("heart_rate", 72, "bpm", Decimal("72")),
        ("heart_rate", "72.6", "/min", Decimal("73")),
        ("respiratory_rate", 18, "/min", Decimal("18")),
        ("spo2", "96", "%", Decimal("96")),
        ("pain", 4, None, Decimal("4")),
        ("consciousness", " v ", None, "V"),
        ("supplemental_oxygen", True, None, True),
    ],
)
def test_conversion_to_canonical_unit(type_, value, unit, expected):
    reading = normalise_reading(type_, value, unit, AT)
    assert reading.value == expected
    assert type(reading.value) is type(expected)
    assert reading.unit == READING_TYPES[type_].unit


def test_measured_at_is_stored_in_utc():
    reading = normalise_reading("spo2", 97, "%", AT)
    assert reading.measured_at == datetime(2024, 3, 31, 8, 0, tzinfo=UTC)
    assert reading.measured_at.utcoffset() == timedelta(0)
    iso = normalise_reading("spo2", 97, "%", "2024-03-31T08:00:00Z")
    assert iso.measured_at == reading.measured_at


@pytest.mark.parametrize(
    ("type_", "value", "unit", "field", "message"),
    [
        ("temperature", 385, "Cel", "value",
         "temperature 385 Cel is outside the plausible range 25–45 Cel; check the decimal point"),
        ("temperature", 101, None, "value",
         "temperature 101 Cel is outside the plausible range 25–45 Cel; "
         "did you mean 101 [degF]?"),
        ("temperature", 200, "[degF]", "value",
         "temperature 200 [degF] (= 93.3 Cel) is outside the plausible range 25–45 Cel; "
         "check the value and its unit"),
        ("spo2", 101, "%", "value",
         "spo2 101 % is outside the plausible range 50–100 %; check the value and its unit"),
        ("heart_rate", 0, "/min", "value",
         "heart_rate 0 /min is outside the plausible range 20–250 /min; "
         "check the value and its unit"),
        ("glucose", 400, "mmol/L", "value",
         "glucose 400 mmol/L is outside the plausible range 0.5–40 mmol/L; "
         "check the decimal point, or did you mean 400 mg/dL?"),
        ("weight", 1, "kg", "value",
         "weight 1 kg is outside the plausible range 2–400 kg; check the value and its unit"),
        ("pain", 11, None, "value",
         "pain 11 {score} is outside the plausible range 0–10 {score}; "
         "check the value and its unit"),
        ("weight", 70, "stone", "unit", "weight: unit 'stone' is not accepted"),
        ("glucose", 5, "g", "unit",
         "glucose: unit 'g' is not accepted (use 'mmol/L', 'mmol/l', 'mg/dL', 'mg/dl', "
         "'g/L', 'g/l')"),
        ("glucose", 5, 5, "unit", "glucose: unit 5 is not a unit"),
        ("temperature", 38, "K", "unit", "temperature: unit 'K' is not accepted"),
        ("heart_rate", True, None, "value", "heart_rate: expected a number, got true"),
        ("heart_rate", "fast", None, "value", "heart_rate: 'fast' is not a number"),
        ("heart_rate", "NaN", None, "value", "heart_rate: 'NaN' is not a finite number"),
        ("heart_rate", [72], None, "value", "heart_rate: expected a number, got list"),
        ("consciousness", "X", None, "value", "consciousness: 'X' is not one of A, C, V, P, U"),
        ("supplemental_oxygen", "yes", None, "value",
         "supplemental_oxygen: expected true or false, got 'yes'"),
        ("blood_type", "A", None, "type", "type: unknown reading type 'blood_type'"),
    ],
)
def test_refusals_say_why(type_, value, unit, field, message):
    with pytest.raises(ReadingError) as exc:
        normalise_reading(type_, value, unit, AT)
    assert exc.value.field == field
    assert str(exc.value).startswith(message)


@pytest.mark.parametrize(
    ("measured_at", "message"),
    [
        (datetime(2024, 3, 31, 10, 0), "measured_at: the time zone offset is missing"),
        ("2024-03-31T10:00:00", "measured_at: the time zone offset is missing"),
        ("yesterday", "measured_at: 'yesterday' is not an ISO 8601 date-time"),
        (1711872000, "measured_at: expected an ISO 8601 date-time"),
    ],
)
def test_measured_at_must_be_aware(measured_at, message):
    with pytest.raises(ReadingError) as exc:
        normalise_reading("spo2", 97, "%", measured_at)
    assert exc.value.field == "measured_at"
    assert str(exc.value).startswith(message)


@given(st.decimals("25.0", "45.0", places=1))
def test_canonical_temperature_is_kept(value):
    assert normalise_value("temperature", value, "Cel") == value


@given(st.decimals("25.0", "45.0", places=1))
def test_fahrenheit_round_trip(celsius):
    fahrenheit = celsius * 9 / 5 + 32
    assert normalise_value("temperature", fahrenheit, "[degF]") == celsius


@given(st.decimals("2", "400", places=1))
def test_pounds_round_trip_within_resolution(kg):
    pounds = kg / Decimal("0.45359237")
    assert normalise_value("weight", pounds, "lb") == kg


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_number_is_either_plausible_or_refused(value):
    try:
        result = normalise_value("heart_rate", value, "/min")
    except ReadingError as exc:
        assert exc.field == "value"
    else:
        assert Decimal(20) <= result <= Decimal(250)


def test_one_gram_per_litre_is_1000_over_the_molar_mass_of_glucose():
    to_mmol = READING_TYPES["glucose"].accepted_units["g/L"]
    assert str(GLUCOSE_MOLAR_MASS) == "180.16"
    assert to_mmol(Decimal(1)) == Decimal(1000) / Decimal("180.16")  # 5.5506...
    assert to_mmol(Decimal("1.8016")) == Decimal(10)  # exact: no float on the way
    # g/L and mg/dL agree: 1 g/L is 100 mg/dL.
    mg_dl = READING_TYPES["glucose"].accepted_units["mg/dL"]
    assert to_mmol(Decimal("1.26")) == mg_dl(Decimal(126))


@given(st.decimals("0.5", "40.0", places=1))
def test_glucose_in_every_unit_lands_on_the_same_stored_value(mmol):
    grams = mmol * Decimal("0.18016")  # exact g/L of that mmol/L
    assert normalise_value("glucose", grams, "g/L") == mmol
    assert normalise_value("glucose", grams * 100, "mg/dL") == mmol
    assert normalise_value("glucose", str(grams).replace(".", ","), "g/L") == mmol


@pytest.mark.parametrize(("value", "unit", "plausible_range"), [
    (Decimal("0.09"), "g/L", "0.5"),  # = 0.4996 mmol/L, rounded to 0.5: accepted
    (Decimal("7.21"), "g/L", "40.0"),
    (Decimal("9"), "mg/dL", "0.5"),
])
def test_glucose_plausibility_is_judged_in_mmol_per_litre_after_rounding(
        value, unit, plausible_range):
    assert normalise_value("glucose", value, unit) == Decimal(plausible_range)


@pytest.mark.parametrize(("value", "unit", "message"), [
    # Implausible in the unit given, plausible in another: the message says which.
    ("0,3", "mmol/L", "glucose 0.3 mmol/L is outside the plausible range 0.5–40 mmol/L; "
                      "did you mean 0.3 g/L?"),
    (120, "g/L", "glucose 120 g/L (= 666.1 mmol/L) is outside the plausible range 0.5–40 "
                 "mmol/L; did you mean 120 mg/dL?"),
    ("1,2", "mg/dL", "glucose 1.2 mg/dL (= 0.1 mmol/L) is outside the plausible range 0.5–40 "
                     "mmol/L; did you mean 1.2 mmol/L or 1.2 g/L?"),
    (120, "mmol/L", "glucose 120 mmol/L is outside the plausible range 0.5–40 mmol/L; "
                    "check the decimal point, or did you mean 120 mg/dL?"),
    # Implausible in every unit: no unit is suggested.
    (20000, "mg/dL", "glucose 20000 mg/dL (= 1110.1 mmol/L) is outside the plausible range "
                     "0.5–40 mmol/L; check the value and its unit"),
    ("0,01", "g/L", "glucose 0.01 g/L (= 0.1 mmol/L) is outside the plausible range 0.5–40 "
                    "mmol/L; check the value and its unit"),
    # Another unit of the same reading is suggested (kg is the canonical one).
    (70, "g", "weight 70 g (= 0.1 kg) is outside the plausible range 2–400 kg; "
              "did you mean 70 kg or 70 [lb_av]?"),
])
def test_an_implausible_value_says_which_unit_was_probably_meant(value, unit, message):
    type_ = "weight" if unit == "g" else "glucose"
    with pytest.raises(ReadingError) as exc:
        normalise_value(type_, value, unit)
    assert exc.value.field == "value"
    assert exc.value.message == message


@given(st.decimals("0.01", "10000", places=2), st.sampled_from(["g/L", "mmol/L", "mg/dL"]))
def test_did_you_mean_is_only_said_when_true(value, unit):
    """Every unit suggested would have been accepted, and none accepted is left out."""
    try:
        normalise_value("glucose", value, unit)
    except ReadingError as exc:
        message = exc.message
    else:
        return
    others = [u for u in ("mmol/L", "mg/dL", "g/L") if u != unit]
    for other in others:
        try:
            normalise_value("glucose", value, other)
            plausible = True
        except ReadingError:
            plausible = False
        assert (f"{_fmt(value)} {other}" in message.split(";", 1)[1]) == plausible, message
