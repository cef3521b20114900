"""Reading types, unit conversion to canonical UCUM units, plausibility checks.

A reading arrives from a patient app, a web form, an SMS or a device gateway with the
unit the patient or device used. It is stored once, in the canonical UCUM unit of its
type, at the resolution of home devices, so that every rule compares like with like.

The plausibility ranges below are NOT clinical alert thresholds: they reject values that
cannot be a real measurement of a living person at home (typing errors such as 385 for
38.5, a unit mix-up such as a temperature in °F sent as Cel). Alerting on abnormal but
possible values is the job of protocol rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from rules.model import Reading

Kind = Literal["decimal", "integer", "boolean", "code"]

# 180.16 g/mol is the molar mass of glucose: 1 mmol/L = 18.016 mg/dL, and
# 1 g/L (the unit of French meters) = 1000 / 180.16 mmol/L, about 5.551 mmol/L.
GLUCOSE_MOLAR_MASS = Decimal("180.16")  # g/mol
GLUCOSE_MG_DL_PER_MMOL_L = GLUCOSE_MOLAR_MASS / 10  # 18.016
KG_PER_LB = Decimal("0.45359237")  # exact, international avoirdupois pound (1959)
ACVPU = ("A", "C", "V", "P", "U")


class ReadingError(ValueError):
    """A reading that cannot be stored; ``field`` is type, value, unit or measured_at."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _identity(v: Decimal) -> Decimal:
    return v


def _fahrenheit(v: Decimal) -> Decimal:
    return (v - 32) * 5 / 9


def _pounds(v: Decimal) -> Decimal:
    return v * KG_PER_LB


def _grams(v: Decimal) -> Decimal:
    return v / 1000


def _mg_dl(v: Decimal) -> Decimal:
    return v / GLUCOSE_MG_DL_PER_MMOL_L


def _g_l(v: Decimal) -> Decimal:
    return v * 1000 / GLUCOSE_MOLAR_MASS


@dataclass(frozen=True)
class ReadingType:
    """A kind of measurement: its canonical unit, how to read and check a value."""

    slug: str
    unit: str
    kind: Kind
    plausible_min: Decimal | None = None
    plausible_max: Decimal | None = None
    # Every spelling accepted for a unit → conversion to the canonical unit.
    accepted_units: Mapping[str, Callable[[Decimal], Decimal]] = field(default_factory=dict)
    # Stored resolution (quantum) of the canonical value: that of home devices.
    resolution: Decimal = Decimal("1")
    why: str = ""
    codes: tuple[str, ...] = ()


def _units(canonical: str, *synonyms: str, **converted: Callable) -> dict[str, Callable]:
    table: dict[str, Callable] = {canonical: _identity}
    table.update({s: _identity for s in synonyms})
    table.update(converted)
    return table


_PER_MIN = ("/min", "bpm", "beats/min", "{beats}/min", "{beat}/min", "min-1", "1/min")
_MMHG = ("mm[Hg]", "mmHg", "mm Hg", "mmhg")

READING_TYPES: Mapping[str, ReadingType] = {
    t.slug: t
    for t in (
        ReadingType(
            "temperature", "Cel", "decimal", Decimal("25"), Decimal("45"),
            {**_units("Cel", "°C", "C", "degC", "celsius"),
             "[degF]": _fahrenheit, "°F": _fahrenheit, "F": _fahrenheit, "degF": _fahrenheit},
            Decimal("0.1"),
            why="Below 25 °C is profound hypothermia, incompatible with answering from home; "
            "above 45 °C is beyond survival and beyond clinical thermometer scales (32-43 °C).",
        ),
        ReadingType(
            "heart_rate", "/min", "integer", Decimal("20"), Decimal("250"),
            _units("/min", *_PER_MIN[1:]),
            why="Home blood-pressure monitors and oximeters display 30-240 /min; "
            "outside 20-250 the value is a typing or device error.",
        ),
        ReadingType(
            "respiratory_rate", "/min", "integer", Decimal("4"), Decimal("70"),
            _units("/min", "breaths/min", "{breaths}/min", "{breath}/min", "min-1", "1/min"),
            why="Counted by the patient or a carer over one minute: below 4 or above 70 "
            "breaths per minute is not a plausible count of a conscious adult.",
        ),
        ReadingType(
            "systolic_bp", "mm[Hg]", "integer", Decimal("50"), Decimal("300"),
            _units("mm[Hg]", *_MMHG[1:]),
            why="Oscillometric home monitors measure up to 280-300 mmHg; a systolic "
            "pressure below 50 mmHg cannot be measured by them.",
        ),
        ReadingType(
            "diastolic_bp", "mm[Hg]", "integer", Decimal("20"), Decimal("200"),
            _units("mm[Hg]", *_MMHG[1:]),
            why="Home monitors' diastolic measurement range is about 20-200 mmHg.",
        ),
        ReadingType(
            "spo2", "%", "integer", Decimal("50"), Decimal("100"),
            _units("%", "percent"),
            why="A saturation cannot exceed 100 %; pulse oximeters are not accurate below "
            "70 % and give no usable value below 50 %.",
        ),
        ReadingType(
            "weight", "kg", "decimal", Decimal("2"), Decimal("400"),
            {**_units("kg", "kilogram", "kilograms"),
             "[lb_av]": _pounds, "lb": _pounds, "lbs": _pounds, "g": _grams},
            Decimal("0.1"),
            why="Bathroom scales weigh up to 150-400 kg at 0.1 kg resolution.",
        ),
        ReadingType(
            "glucose", "mmol/L", "decimal", Decimal("0.5"), Decimal("40"),
            {**_units("mmol/L", "mmol/l"), "mg/dL": _mg_dl, "mg/dl": _mg_dl,
             "g/L": _g_l, "g/l": _g_l},
            Decimal("0.1"),
            why="Capillary glucose meters read about 0.6-33.3 mmol/L (10-600 mg/dL, "
            "0.10-6.00 g/L) and show LO/HI outside; the margin allows laboratory values.",
        ),
        ReadingType(
            "pain", "{score}", "integer", Decimal("0"), Decimal("10"),
            _units("{score}", "", "score", "/10"),
            why="The numeric rating scale runs from 0 to 10 by definition.",
        ),
        ReadingType(
            "consciousness", "", "code", codes=ACVPU,
            why="ACVPU scale of NEWS2 (Alert, new Confusion, Voice, Pain, Unresponsive).",
        ),
        ReadingType("supplemental_oxygen", "", "boolean", why="On oxygen (true) or on air."),
    )
}


def to_decimal(value: Any, name: str) -> Decimal:
    """``value`` as a finite Decimal; ints, floats, Decimals and numeric strings only.

    Booleans are refused although Python treats True as 1: an app sending ``true`` for a
    temperature has a bug that must not become 1 °C.
    """
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a number, got {str(value).lower()}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # repr: 38.1, not 38.10000000000000142...
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ".", 1))  # French decimal comma
        except InvalidOperation:
            raise ValueError(f"{name}: {value!r} is not a number") from None
    else:
        raise ValueError(f"{name}: expected a number, got {type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{name}: {value!r} is not a finite number")
    return number


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


def _aware_utc(measured_at: Any) -> datetime:
    if isinstance(measured_at, str):
        try:
            measured_at = datetime.fromisoformat(measured_at.replace("Z", "+00:00"))
        except ValueError:
            raise ReadingError(
                "measured_at", f"measured_at: {measured_at!r} is not an ISO 8601 date-time"
            ) from None
    if not isinstance(measured_at, datetime):
        raise ReadingError("measured_at", "measured_at: expected an ISO 8601 date-time")
    if measured_at.tzinfo is None or measured_at.utcoffset() is None:
        raise ReadingError(
            "measured_at", "measured_at: the time zone offset is missing (e.g. +02:00 or Z)"
        )
    return measured_at.astimezone(UTC)


def _canonical(rtype: ReadingType, convert: Callable[[Decimal], Decimal],
               raw: Decimal) -> Decimal | None:
    """``raw`` converted to the canonical unit and rounded to its resolution, if plausible.

    Plausibility is always judged in the canonical unit, after conversion and rounding.
    """
    lo, hi = rtype.plausible_min, rtype.plausible_max
    assert lo is not None and hi is not None  # numeric types always have a range
    converted = convert(raw)
    # Far-off values are refused before rounding: quantize() fails on huge numbers.
    if not lo - 1 <= converted <= hi + 1:
        return None
    canonical = converted.quantize(rtype.resolution, rounding=ROUND_HALF_UP)
    return canonical if lo <= canonical <= hi else None


def _hint(rtype: ReadingType, raw: Decimal, unit: str) -> str:
    """Why a value is probably wrong: a misplaced decimal point and/or a unit mix-up.

    Each suggestion is made only when it is true: the value with its decimal point moved,
    or the same number in another accepted unit, would be plausible.
    """
    hints = []
    convert = rtype.accepted_units[unit]
    tenth = raw / 10
    if _canonical(rtype, convert, tenth) is not None and (
            rtype.kind != "integer" or tenth == tenth.to_integral_value()):
        hints.append("check the decimal point")
    tried = {convert}  # one suggestion per unit, not per spelling of it
    meant = []
    for other, other_convert in rtype.accepted_units.items():
        if other_convert in tried:
            continue
        tried.add(other_convert)
        if _canonical(rtype, other_convert, raw) is not None:
            meant.append(f"{_fmt(raw)} {other}".strip())
    if meant:
        hints.append(f"did you mean {' or '.join(meant)}?")
    return "; " + (", or ".join(hints) if hints else "check the value and its unit")


def normalise_value(type: str, value: Any, unit: str | None = None) -> Decimal | bool | str:
    """``value`` of a ``type`` reading in its canonical unit, plausibility-checked.

    ``unit`` None means the canonical unit. Numbers are converted, then rounded half-up
    to the resolution of home devices (0.1 °C, 0.1 kg, 0.1 mmol/L, whole beats...), and
    only then checked against the plausible range. Numeric strings may use the French
    decimal comma ("1,2"). Raises :class:`ReadingError` naming the field and saying why;
    an implausible value says which other accepted unit would have made it plausible.
    """
    rtype = READING_TYPES.get(type)
    if rtype is None:
        known = ", ".join(READING_TYPES)
        raise ReadingError("type", f"type: unknown reading type {type!r} (known: {known})")
    if rtype.kind == "boolean":
        if not isinstance(value, bool):
            raise ReadingError("value", f"{type}: expected true or false, got {value!r}")
        return value
    if rtype.kind == "code":
        code = value.strip().upper() if isinstance(value, str) else value
        if code not in rtype.codes:
            allowed = ", ".join(rtype.codes)
            raise ReadingError("value", f"{type}: {value!r} is not one of {allowed}")
        return code

    if unit is not None and not isinstance(unit, str):
        raise ReadingError("unit", f"{type}: unit {unit!r} is not a unit (expected text, "
                                   f"e.g. {rtype.unit!r})")
    unit_key = rtype.unit if unit is None else unit.strip()
    convert = rtype.accepted_units.get(unit_key)
    if convert is None:
        accepted = ", ".join(repr(u) for u in rtype.accepted_units)
        raise ReadingError("unit", f"{type}: unit {unit!r} is not accepted (use {accepted})")
    try:
        raw = to_decimal(value, type)
    except ValueError as exc:
        raise ReadingError("value", str(exc)) from None
    canonical = _canonical(rtype, convert, raw)
    if canonical is None:
        lo, hi = rtype.plausible_min, rtype.plausible_max
        assert lo is not None and hi is not None
        converted = convert(raw)
        shown = f"{_fmt(raw)} {unit_key}".strip()
        if convert is not _identity and abs(converted) < 10**9:
            shown += f" (= {_fmt(converted.quantize(rtype.resolution))} {rtype.unit})"
        message = f"{type} {shown} is outside the plausible range {_fmt(lo)}–{_fmt(hi)}"
        raise ReadingError(
            "value", f"{message} {rtype.unit}".rstrip() + _hint(rtype, raw, unit_key)
        )
    return canonical


def normalise_reading(type: str, value: Any, unit: str | None, measured_at: Any) -> Reading:
    """A plausibility-checked :class:`Reading` in the canonical UCUM unit of ``type``.

    ``measured_at`` must carry its UTC offset (datetime or ISO 8601 string); it is
    stored in UTC. See :func:`normalise_value` for the value. Raises :class:`ReadingError`.
    """
    when = _aware_utc(measured_at)
    canonical = normalise_value(type, value, unit)
    return Reading(type, canonical, READING_TYPES[type].unit, when)
