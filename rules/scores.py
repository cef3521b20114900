"""Clinical scores, exactly as published.

Sources
-------
* NEWS2: Royal College of Physicians. National Early Warning Score (NEWS) 2:
  Standardising the assessment of acute-illness severity in the NHS. Updated report of
  a working party. London: RCP, 2017. Chart 1 (scoring) and chart 2 (clinical response:
  aggregate 0-4 low, a single red score of 3 "low-medium", 5-6 medium, >= 7 high).
  https://www.rcp.ac.uk/improving-care/resources/national-early-warning-score-news-2/
* QoR-15: Stark PA, Myles PS, Burke JA. Development and psychometric evaluation of a
  postoperative quality of recovery score: the QoR-15. Anesthesiology 2013;118:1332-40.
  doi:10.1097/ALN.0b013e318289b84b. Severity bands: Kleif J, Gögenur I. Severity
  classification of the quality of recovery-15 score - an observational study. J Surg Res
  2018;225:101-7. doi:10.1016/j.jss.2017.12.039.
* PHQ-9: Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression
  severity measure. J Gen Intern Med 2001;16:606-13. doi:10.1046/j.1525-1497.2001.016009606.x.
* Pain NRS: Hjermstad MJ et al. Studies comparing numerical rating scales, verbal rating
  scales, and visual analogue scales for assessment of pain intensity in adults: a
  systematic literature review. J Pain Symptom Manage 2011;41:1073-93. Bands none 0,
  mild 1-4, moderate 5-6, severe 7-10: the cut-points Serlin et al. found for pain
  interfering with function (Serlin RC et al. When is cancer pain mild, moderate or
  severe? Pain 1995;61:277-84).

Values between two rows of the NEWS2 chart
------------------------------------------
The chart lists whole numbers (temperature to one decimal). Inputs may carry more
decimals, so each chart row is read as a half-open interval closed at its upper bound:
``temperature <= 35.0`` scores 3, ``35.0 < t <= 36.0`` scores 1, ``36.0 < t <= 38.0`` 0,
``38.0 < t <= 39.0`` 1, ``> 39.0`` 2. Every real value thus has exactly one score and a
chart value always gets the chart's score (38.05 scores 1, as "above 38.0").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from rules.model import Questionnaire, Reading
from rules.units import ACVPU, READING_TYPES, to_decimal


@dataclass(frozen=True)
class ScoreResult:
    """A computed score: total, published band and the points of each item."""

    name: str
    total: int
    band: str
    items: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "total": self.total, "band": self.band,
                "items": dict(self.items)}


# (upper bound inclusive, points), the last row catching everything above.
Chart = Sequence[tuple[Decimal | None, int]]


def _chart(*rows: tuple[str | None, int]) -> Chart:
    return tuple((Decimal(b) if b is not None else None, p) for b, p in rows)


RESPIRATION = _chart(("8", 3), ("11", 1), ("20", 0), ("24", 2), (None, 3))
SPO2_SCALE_1 = _chart(("91", 3), ("93", 2), ("95", 1), (None, 0))
# Scale 2 (target 88-92 %, e.g. hypercapnic respiratory failure): above 92 % scores
# only on oxygen; on air any value >= 93 scores 0.
SPO2_SCALE_2_LOW = _chart(("83", 3), ("85", 2), ("87", 1), ("92", 0))
SPO2_SCALE_2_ON_OXYGEN = _chart(("94", 1), ("96", 2), (None, 3))
SYSTOLIC = _chart(("90", 3), ("100", 2), ("110", 1), ("219", 0), (None, 3))
PULSE = _chart(("40", 3), ("50", 1), ("90", 0), ("110", 1), ("130", 2), (None, 3))
TEMPERATURE = _chart(("35.0", 3), ("36.0", 1), ("38.0", 0), ("39.0", 1), (None, 2))
AIR_OR_OXYGEN = {False: 0, True: 2}


def chart_points(chart: Chart, value: Decimal) -> int:
    """Points of ``value`` on a chart of (inclusive upper bound, points) rows."""
    for bound, points in chart:
        if bound is None or value <= bound:
            return points
    raise ValueError(f"{value} is above the last row of the chart")  # charts end with None


def _number(name: str, inputs: Mapping[str, Any], key: str, reading: str | None = None,
            lo: Decimal | None = None, hi: Decimal | None = None) -> Decimal:
    """A required numeric input, checked against its plausible (or defined) range."""
    if inputs.get(key) is None:
        raise ValueError(f"{name}: {key} is missing")
    try:
        value = to_decimal(inputs[key], f"{name}: {key}")
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    if reading is not None:
        rtype = READING_TYPES[reading]
        lo, hi = rtype.plausible_min, rtype.plausible_max
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name}: {key} {value} is outside {lo}–{hi}")
    return value


def _integer(name: str, inputs: Mapping[str, Any], key: str, lo: int, hi: int) -> int:
    value = _number(name, inputs, key, lo=Decimal(lo), hi=Decimal(hi))
    if value != value.to_integral_value():
        raise ValueError(f"{name}: {key} {value} is not a whole number")
    return int(value)


# NEWS2 parameters a patient cannot measure on themselves: the level of consciousness is
# judged by someone else (ACVPU: "new confusion" is not seen from inside), and breaths are
# counted by an observer over a full minute (a patient counting their own breathing
# changes it). RCP, National Early Warning Score (NEWS) 2, 2017, ch. 4 ("Measuring the
# physiological parameters"). They are asked only of patients whose enrolment says a
# carer or visiting nurse measures them (``carer_measures``); without them NEWS2 has no
# total, and ``news2.max_parameter`` still reads every parameter sent.
OBSERVER_READINGS = ("respiratory_rate", "consciousness")


def news2(inputs: Mapping[str, Any]) -> ScoreResult:
    """NEWS2 (RCP 2017) from respiratory_rate, spo2, spo2_scale (1 or 2, default 1),
    on_oxygen (bool), systolic_bp, heart_rate, consciousness (A/C/V/P/U), temperature.

    Raises ValueError naming the input that is missing or impossible.
    """
    name = "news2"
    scale = inputs.get("spo2_scale", 1)
    if scale not in (1, 2) or isinstance(scale, bool):
        raise ValueError(f"{name}: spo2_scale must be 1 or 2, got {scale!r}")
    on_oxygen = inputs.get("on_oxygen")
    if on_oxygen is None:
        raise ValueError(f"{name}: on_oxygen is missing")
    if not isinstance(on_oxygen, bool):
        raise ValueError(f"{name}: on_oxygen must be true or false, got {on_oxygen!r}")
    consciousness = inputs.get("consciousness")
    if consciousness is None:
        raise ValueError(f"{name}: consciousness is missing")
    if consciousness not in ACVPU:
        raise ValueError(f"{name}: consciousness must be one of A, C, V, P, U, "
                         f"got {consciousness!r}")
    for key in NEWS2_NUMERIC:
        _number(name, inputs, key, key)
    items = news2_points(inputs, scale)
    total = sum(items.values())
    if total >= 7:
        band = "high"
    elif total >= 5:
        band = "medium"
    elif any(points == 3 for points in items.values()):
        band = "low-medium"
    else:
        band = "low"
    return ScoreResult(name, total, band, items)


NEWS2_NUMERIC = ("respiratory_rate", "spo2", "systolic_bp", "heart_rate", "temperature")
_NEWS2_CHARTS = {"respiratory_rate": RESPIRATION, "systolic_bp": SYSTOLIC, "heart_rate": PULSE,
                 "temperature": TEMPERATURE}


def news2_points(inputs: Mapping[str, Any], spo2_scale: int = 1) -> dict[str, int]:
    """The NEWS2 points of each parameter present in ``inputs`` (already checked values).

    Used alone it scores an incomplete set: a single parameter scoring 3 is a red score
    whatever the others are. SpO2 on scale 2 above 92 % needs to know about oxygen.
    """
    items: dict[str, int] = {}
    on_oxygen = inputs.get("on_oxygen")
    for key, chart in _NEWS2_CHARTS.items():
        if inputs.get(key) is not None:
            items[key] = chart_points(chart, to_decimal(inputs[key], key))
    if inputs.get("spo2") is not None:
        spo2 = to_decimal(inputs["spo2"], "spo2")
        if spo2_scale == 1:
            items["spo2"] = chart_points(SPO2_SCALE_1, spo2)
        elif spo2 <= Decimal(92) or on_oxygen is False:
            items["spo2"] = chart_points(SPO2_SCALE_2_LOW, min(spo2, Decimal(92)))
        elif on_oxygen is True:
            items["spo2"] = chart_points(SPO2_SCALE_2_ON_OXYGEN, spo2)
    if isinstance(on_oxygen, bool):
        items["on_oxygen"] = AIR_OR_OXYGEN[on_oxygen]
    if inputs.get("consciousness") in ACVPU:
        items["consciousness"] = 0 if inputs["consciousness"] == "A" else 3
    order = ("respiratory_rate", "spo2", "on_oxygen", "systolic_bp", "heart_rate",
             "consciousness", "temperature")
    return {key: items[key] for key in order if key in items}


QOR15_NEGATIVE = frozenset({"q11", "q12", "q13", "q14", "q15"})


def qor15(inputs: Mapping[str, Any]) -> ScoreResult:
    """QoR-15 (Stark 2013): q1..q15 answered 0-10 as "how much of the time".

    Items 1-10 (comfort, breathing, sleep...) score their answer; items 11-15 (pain,
    nausea, anxiety, sadness) score 10 - answer, which is what the original form does by
    printing part B from 10 to 0. Total 0-150; bands from Kleif & Gögenur 2018.
    """
    items = {}
    for i in range(1, 16):
        key = f"q{i}"
        answer = _integer("qor15", inputs, key, 0, 10)
        items[key] = 10 - answer if key in QOR15_NEGATIVE else answer
    total = sum(items.values())
    band = ("excellent" if total >= 136 else "good" if total >= 122
            else "moderate" if total >= 90 else "poor")
    return ScoreResult("qor15", total, band, items)


def phq9(inputs: Mapping[str, Any]) -> ScoreResult:
    """PHQ-9 (Kroenke 2001): q1..q9 each 0-3, total 0-27 with the published bands.

    The safety rule on item 9 is a questionnaire-level rule of phq-9.yaml, not a band.
    """
    items = {f"q{i}": _integer("phq9", inputs, f"q{i}", 0, 3) for i in range(1, 10)}
    total = sum(items.values())
    band = ("minimal" if total <= 4 else "mild" if total <= 9 else "moderate" if total <= 14
            else "moderately severe" if total <= 19 else "severe")
    return ScoreResult("phq9", total, band, items)


def pain_nrs(inputs: Mapping[str, Any]) -> ScoreResult:
    """Pain numeric rating scale: pain_now 0-10; none 0, mild 1-4, moderate 5-6, severe 7-10
    (Serlin 1995)."""
    value = _integer("pain_nrs", inputs, "pain_now", 0, 10)
    band = ("none" if value == 0 else "mild" if value <= 4 else "moderate" if value <= 6
            else "severe")
    return ScoreResult("pain_nrs", value, band, {"pain_now": value})


SCORES: Mapping[str, Callable[[Mapping[str, Any]], ScoreResult]] = {
    "news2": news2, "qor15": qor15, "phq9": phq9, "pain_nrs": pain_nrs,
}


def score_submission(questionnaire: Questionnaire, answers: Mapping[str, Any]
                     ) -> dict[str, ScoreResult]:
    """The scores a questionnaire declares, from its cleaned answers (empty if none).

    Choice answers are scored by their choice's ``score`` (PHQ-9: "several days" = 1).
    """
    if questionnaire.score is None:
        return {}
    inputs: dict[str, Any] = {}
    for item in questionnaire.items:
        value = answers.get(item.link_id)
        if item.type == "choice" and value is not None:
            choice = item.choice(value)
            value = choice.score if choice is not None else None
        inputs[item.link_id] = value
    return {questionnaire.score: SCORES[questionnaire.score](inputs)}


# Reading type → NEWS2 input.
NEWS2_READINGS = {
    "respiratory_rate": "respiratory_rate", "spo2": "spo2", "supplemental_oxygen": "on_oxygen",
    "systolic_bp": "systolic_bp", "heart_rate": "heart_rate",
    "consciousness": "consciousness", "temperature": "temperature",
}


@dataclass(frozen=True)
class News2Set:
    """One NEWS2 observation set: the latest reading of each parameter taken within the
    set's window. ``result`` is the full score, None when a parameter is missing; ``points``
    scores every parameter present, so a red single parameter is known without a full set.
    """

    at: datetime
    readings: Mapping[str, Reading]
    points: Mapping[str, int]
    result: ScoreResult | None

    @property
    def max_parameter(self) -> int:
        return max(self.points.values(), default=0)

    @property
    def missing(self) -> list[str]:
        return [key for key in NEWS2_READINGS if key not in self.readings]


def news2_set(readings: Sequence[Reading], at: datetime, spo2_scale: int = 1,
              set_minutes: int = 60) -> News2Set | None:
    """The NEWS2 set ending at ``at``: readings taken within ``set_minutes`` before it.

    NEWS2 is defined on one set of observations: a pulse from this morning and a breathing
    rate from yesterday are not one patient state, so older readings never complete a set.
    None when no NEWS2 parameter was measured in the window.
    """
    since = at - timedelta(minutes=set_minutes)
    latest: dict[str, Reading] = {}
    for reading in readings:
        if reading.type not in NEWS2_READINGS or not since <= reading.measured_at <= at:
            continue
        if reading.type not in latest or reading.measured_at >= latest[reading.type].measured_at:
            latest[reading.type] = reading
    if not latest:
        return None
    inputs: dict[str, Any] = {NEWS2_READINGS[t]: r.value for t, r in latest.items()}
    result = None
    if len(latest) == len(NEWS2_READINGS):
        result = news2({**inputs, "spo2_scale": spo2_scale})
    points = result.items if result else news2_points(inputs, spo2_scale)
    return News2Set(at, latest, dict(points), result)


def news2_from_readings(readings: Sequence[Reading], now: datetime, spo2_scale: int = 1,
                        set_minutes: int = 60) -> ScoreResult | None:
    """NEWS2 of the latest complete set (see ``news2_set``) taken at or before ``now``,
    None when the latest set is incomplete."""
    moments = [r.measured_at for r in readings
               if r.type in NEWS2_READINGS and r.measured_at <= now]
    if not moments:
        return None
    found = news2_set(readings, max(moments), spo2_scale, set_minutes)
    return found.result if found else None
