"""Clinical scores against their published tables, at every band boundary."""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.model import Reading
from rules.questionnaire import validate_answers
from rules.scores import (
    SCORES,
    news2,
    news2_from_readings,
    news2_set,
    pain_nrs,
    phq9,
    qor15,
    score_submission,
)

NORMAL = {
    "respiratory_rate": 16, "spo2": 97, "spo2_scale": 1, "on_oxygen": False,
    "systolic_bp": 120, "heart_rate": 70, "consciousness": "A", "temperature": "37.0",
}


def test_normal_vitals_score_zero():
    result = news2(NORMAL)
    assert (result.total, result.band) == (0, "low")
    assert set(result.items) == {"respiratory_rate", "spo2", "on_oxygen", "systolic_bp",
                                 "heart_rate", "consciousness", "temperature"}


# RCP 2017, chart 1: every value on both sides of every row boundary.
CHART = [
    ("respiratory_rate", [(8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2),
                          (25, 3), (4, 3), (40, 3)]),
    ("systolic_bp", [(90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0),
                     (220, 3), (60, 3), (250, 3)]),
    ("heart_rate", [(40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2),
                    (130, 2), (131, 3), (30, 3), (180, 3)]),
    ("temperature", [("35.0", 3), ("35.1", 1), ("36.0", 1), ("36.1", 0), ("38.0", 0),
                     ("38.1", 1), ("39.0", 1), ("39.1", 2), ("34.0", 3), ("41.0", 2)]),
    ("spo2", [(91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0), (85, 3)]),
    ("consciousness", [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)]),
]


@pytest.mark.parametrize(
    ("parameter", "value", "points"),
    [(p, v, pts) for p, rows in CHART for v, pts in rows],
)
def test_news2_chart_rows(parameter, value, points):
    result = news2({**NORMAL, parameter: value})
    assert result.items[parameter] == points
    assert result.total == points


@pytest.mark.parametrize(
    ("parameter", "value", "points"),
    [
        # Between chart rows: each row is closed at its upper bound (see rules.scores).
        ("temperature", "35.05", 1), ("temperature", "36.05", 0), ("temperature", "38.05", 1),
        ("temperature", "39.05", 2), ("respiratory_rate", "8.5", 1),
        ("respiratory_rate", "20.5", 2),
        ("heart_rate", "90.5", 1), ("systolic_bp", "219.5", 3), ("spo2", "95.5", 0),
    ],
)
def test_news2_values_between_chart_rows(parameter, value, points):
    assert news2({**NORMAL, parameter: value}).items[parameter] == points


SCALE_2 = [  # (spo2, points on air, points on oxygen)
    (80, 3, 3), (83, 3, 3), (84, 2, 2), (85, 2, 2), (86, 1, 1), (87, 1, 1), (88, 0, 0),
    (92, 0, 0), (93, 0, 1), (94, 0, 1), (95, 0, 2), (96, 0, 2), (97, 0, 3), (100, 0, 3),
]


@pytest.mark.parametrize(("spo2", "on_air", "on_oxygen"), SCALE_2)
def test_news2_spo2_scale_2(spo2, on_air, on_oxygen):
    air = news2({**NORMAL, "spo2_scale": 2, "spo2": spo2, "on_oxygen": False})
    oxygen = news2({**NORMAL, "spo2_scale": 2, "spo2": spo2, "on_oxygen": True})
    assert air.items["spo2"] == on_air
    assert oxygen.items["spo2"] == on_oxygen
    assert oxygen.items["on_oxygen"] == 2
    assert oxygen.total == on_oxygen + 2


def test_news2_scale_1_on_oxygen_scores_oxygen_only():
    result = news2({**NORMAL, "spo2": 97, "on_oxygen": True})
    assert (result.items["spo2"], result.items["on_oxygen"], result.total) == (0, 2, 2)


@pytest.mark.parametrize(
    ("changes", "total", "band"),
    [
        ({}, 0, "low"),
        ({"heart_rate": 115, "temperature": "38.5", "systolic_bp": 105}, 4, "low"),
        ({"consciousness": "C"}, 3, "low-medium"),
        ({"respiratory_rate": 26, "temperature": "38.5"}, 4, "low-medium"),
        ({"heart_rate": 115, "on_oxygen": True, "temperature": "38.5"}, 5, "medium"),
        ({"respiratory_rate": 26, "on_oxygen": True}, 5, "medium"),  # a 3 inside 5-6
        ({"respiratory_rate": 22, "heart_rate": 115, "systolic_bp": 95}, 6, "medium"),
        ({"respiratory_rate": 22, "heart_rate": 115, "systolic_bp": 85}, 7, "high"),
        ({"respiratory_rate": 30, "spo2": 85, "on_oxygen": True, "systolic_bp": 80,
          "heart_rate": 140, "consciousness": "U", "temperature": "34.0"}, 20, "high"),
    ],
)
def test_news2_bands(changes, total, band):
    result = news2({**NORMAL, **changes})
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize("missing", sorted(set(NORMAL) - {"spo2_scale"}))
def test_news2_missing_input_is_named(missing):
    inputs = {k: v for k, v in NORMAL.items() if k != missing}
    with pytest.raises(ValueError, match=f"news2: {missing} is missing"):
        news2(inputs)


def test_news2_spo2_scale_defaults_to_1():
    inputs = {k: v for k, v in NORMAL.items() if k != "spo2_scale"}
    assert news2({**inputs, "spo2": 93}).items["spo2"] == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"heart_rate": 400}, "news2: heart_rate 400 is outside 20–250"),
        ({"spo2": 101}, "news2: spo2 101 is outside 50–100"),
        ({"temperature": "385"}, "news2: temperature 385 is outside 25–45"),
        ({"heart_rate": True}, "news2: heart_rate: expected a number, got true"),
        ({"respiratory_rate": "fast"}, "news2: respiratory_rate: 'fast' is not a number"),
        ({"consciousness": "X"}, "news2: consciousness must be one of A, C, V, P, U"),
        ({"spo2_scale": 3}, "news2: spo2_scale must be 1 or 2"),
        ({"on_oxygen": "yes"}, "news2: on_oxygen must be true or false"),
    ],
)
def test_news2_invalid_input_is_named(changes, message):
    with pytest.raises(ValueError) as exc:
        news2({**NORMAL, **changes})
    assert str(exc.value).startswith(message)


vitals = st.fixed_dictionaries({
    "respiratory_rate": st.integers(4, 70), "spo2": st.integers(50, 100),
    "spo2_scale": st.sampled_from([1, 2]), "on_oxygen": st.booleans(),
    "systolic_bp": st.integers(50, 300), "heart_rate": st.integers(20, 250),
    "consciousness": st.sampled_from("ACVPU"),
    "temperature": st.decimals("25.0", "45.0", places=1),
})


@given(vitals)
def test_news2_total_is_sum_of_items_within_bounds(inputs):
    result = news2(inputs)
    assert result.total == sum(result.items.values())
    assert 0 <= result.total <= 20
    assert all(0 <= p <= 3 for p in result.items.values())


# Sweeps from the chart's normal range (0 points) out to the plausible limit of each vital.
STEP = {"temperature": Decimal("0.1")}
SWEEPS = {
    "respiratory_rate": [(12, 4), (20, 70)], "systolic_bp": [(111, 50), (219, 300)],
    "heart_rate": [(51, 20), (90, 250)], "temperature": [(Decimal("36.1"), 25), (38, 45)],
    "spo2": [(100, 50)],
}


def _sweep(start, stop, step):
    direction = 1 if stop >= start else -1
    value = Decimal(start)
    while (value - stop) * direction <= 0:
        yield value
        value += direction * step


@settings(deadline=None)  # up to 400 scores per example
@given(vitals, st.sampled_from(sorted(SWEEPS)))
def test_news2_worsening_one_vital_never_lowers_the_score(inputs, parameter):
    sweeps = list(SWEEPS[parameter])
    if parameter == "spo2" and inputs["spo2_scale"] == 2 and inputs["on_oxygen"]:
        sweeps = [(92, 50), (92, 100)]  # scale 2 on oxygen: above 92 % is worse too
    for start, stop in sweeps:
        totals = [news2({**inputs, parameter: v}).total
                  for v in _sweep(start, stop, STEP.get(parameter, Decimal(1)))]
        assert totals == sorted(totals), (parameter, start, stop, totals)


def qor_answers(part_a: int = 10, part_b: int = 0, **changes: int) -> dict[str, int]:
    answers = {f"q{i}": part_a for i in range(1, 11)} | {f"q{i}": part_b for i in range(11, 16)}
    return answers | changes


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        (qor_answers(), 150, "excellent"),
        (qor_answers(0, 10), 0, "poor"),
        (qor_answers(5, 5), 75, "poor"),
        (qor_answers(q12=10), 140, "excellent"),  # severe pain all the time costs 10 points
        (qor_answers(q1=6), 146, "excellent"),
        (qor_answers(q1=0, q2=6), 136, "excellent"),
        (qor_answers(q1=0, q2=5), 135, "good"),
        (qor_answers(q1=0, q2=0, q11=8), 122, "good"),
        (qor_answers(q1=0, q2=0, q11=9), 121, "moderate"),
        (qor_answers(q1=0, q2=0, q3=0, q11=10, q12=10, q13=10), 90, "moderate"),
        (qor_answers(q1=0, q2=0, q3=0, q11=10, q12=10, q13=10, q14=1), 89, "poor"),
    ],
)
def test_qor15_totals_and_bands(answers, total, band):
    result = qor15(answers)
    assert (result.total, result.band) == (total, band)


def test_qor15_reverses_items_11_to_15_only():
    result = qor15(qor_answers(7, 3))
    assert all(result.items[f"q{i}"] == 7 for i in range(1, 16))


@given(st.lists(st.integers(0, 10), min_size=15, max_size=15))
def test_qor15_total_is_part_a_plus_reversed_part_b(values):
    answers = {f"q{i}": v for i, v in enumerate(values, start=1)}
    result = qor15(answers)
    assert result.total == sum(values[:10]) + sum(10 - v for v in values[10:])
    assert 0 <= result.total <= 150


@given(st.lists(st.integers(0, 10), min_size=15, max_size=15), st.integers(11, 15))
def test_qor15_more_symptoms_never_raise_the_score(values, item):
    answers = {f"q{i}": v for i, v in enumerate(values, start=1)}
    worse = answers | {f"q{item}": min(10, answers[f"q{item}"] + 1)}
    assert qor15(worse).total <= qor15(answers).total


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({k: v for k, v in qor_answers().items() if k != "q12"}, "qor15: q12 is missing"),
        (qor_answers(q3=11), "qor15: q3 11 is outside 0–10"),
        (qor_answers(q3=-1), "qor15: q3 -1 is outside 0–10"),
        (qor_answers(q3="7.5"), "qor15: q3 7.5 is not a whole number"),
        (qor_answers(q3=True), "qor15: q3: expected a number, got true"),
    ],
)
def test_qor15_invalid_input_is_named(answers, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        qor15(answers)


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
     (14, "moderate"), (15, "moderately severe"), (19, "moderately severe"), (20, "severe"),
     (27, "severe")],
)
def test_phq9_bands(total, band):
    answers = {f"q{i}": min(3, max(0, total - 3 * (i - 1))) for i in range(1, 10)}
    result = phq9(answers)
    assert (result.total, result.band) == (total, band)


@given(st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_phq9_total_is_the_sum(values):
    result = phq9({f"q{i}": v for i, v in enumerate(values, start=1)})
    assert result.total == sum(values)
    assert list(result.items.values()) == values


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"q3": None}, "phq9: q3 is missing"), ({"q9": 4}, "phq9: q9 4 is outside 0–3"),
     ({"q1": "x"}, "phq9: q1: 'x' is not a number")],
)
def test_phq9_invalid_input_is_named(changes, message):
    answers = {f"q{i}": 0 for i in range(1, 10)} | changes
    with pytest.raises(ValueError, match=f"^{message}$"):
        phq9(answers)


@pytest.mark.parametrize(
    ("pain", "band"),
    # Serlin 1995: mild 1-4, moderate 5-6, severe 7-10.
    [(0, "none"), (1, "mild"), (4, "mild"), (5, "moderate"), (6, "moderate"), (7, "severe"),
     (10, "severe")],
)
def test_pain_nrs_bands(pain, band):
    result = pain_nrs({"pain_now": pain})
    assert (result.total, result.band, result.items) == (pain, band, {"pain_now": pain})


@pytest.mark.parametrize(("inputs", "message"), [
    ({}, "pain_nrs: pain_now is missing"),
    ({"pain_now": 11}, "pain_nrs: pain_now 11 is outside 0–10"),
])
def test_pain_nrs_invalid_input(inputs, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        pain_nrs(inputs)


def test_scores_registry_and_to_dict():
    assert set(SCORES) == {"news2", "qor15", "phq9", "pain_nrs"}
    assert pain_nrs({"pain_now": 5}).to_dict() == {
        "name": "pain_nrs", "total": 5, "band": "moderate", "items": {"pain_now": 5}}


def test_score_submission_uses_choice_scores(questionnaires):
    phq = questionnaires["phq-9"]
    codes = ["not_at_all", "several_days", "more_than_half_the_days", "nearly_every_day"]
    answers = validate_answers(phq, {f"q{i}": codes[i % 4] for i in range(1, 10)})
    result = score_submission(phq, answers)["phq9"]
    assert result.total == sum(i % 4 for i in range(1, 10))


def test_score_submission_per_questionnaire(questionnaires):
    qor = questionnaires["qor-15"]
    assert score_submission(qor, validate_answers(qor, qor_answers()))["qor15"].total == 150
    pain = questionnaires["pain-nrs"]
    answers = {"pain_now": 7, "pain_worst_24h": 9, "analgesics_taken": True}
    assert score_submission(pain, validate_answers(pain, answers))["pain_nrs"].band == "severe"
    assert score_submission(questionnaires["daily-postop"], {}) == {}


def _readings(at, **values):
    types = {"on_oxygen": "supplemental_oxygen"}
    return [Reading(types.get(k, k), v if isinstance(v, bool | str) else Decimal(str(v)),
                    "", at) for k, v in values.items()]


def test_news2_set_takes_the_latest_value_within_the_set(now):
    base = {k: v for k, v in NORMAL.items() if k != "spo2_scale"}
    first = _readings(now - timedelta(minutes=40), **{**base, "heart_rate": 140})
    again = _readings(now - timedelta(minutes=10), heart_rate=95)
    future = _readings(now + timedelta(hours=1), heart_rate=30)
    result = news2_from_readings(first + again + future, now)
    assert result is not None
    assert (result.items["heart_rate"], result.total) == (1, 1)


def test_news2_is_never_assembled_from_readings_hours_apart(now):
    """One observation set: a pulse from this morning does not complete yesterday's set."""
    base = {k: v for k, v in NORMAL.items() if k not in ("spo2_scale", "consciousness")}
    assert news2_from_readings(_readings(now, **base), now) is None
    earlier = _readings(now - timedelta(hours=3), consciousness="A")
    assert news2_from_readings(_readings(now, **base) + earlier, now) is None
    assert news2_from_readings(_readings(now, **base) + earlier, now,
                               set_minutes=240) is not None


def test_an_incomplete_set_still_scores_each_parameter(now):
    found = news2_set(_readings(now, temperature=37.2, heart_rate=135, systolic_bp=95, spo2=96),
                      now)
    assert found.result is None
    assert found.points == {"spo2": 0, "systolic_bp": 2, "heart_rate": 3, "temperature": 0}
    assert found.max_parameter == 3
    assert found.missing == ["respiratory_rate", "supplemental_oxygen", "consciousness"]
    # SpO2 above 92 % on scale 2 cannot be scored without knowing about oxygen.
    assert "spo2" not in news2_set(_readings(now, spo2=95), now, spo2_scale=2).points
    assert news2_set(_readings(now, spo2=95, on_oxygen=False), now, spo2_scale=2
                     ).points["spo2"] == 0


def test_news2_from_readings_scale_2(now):
    base = {k: v for k, v in NORMAL.items() if k != "spo2_scale"}
    readings = _readings(now, **{**base, "spo2": 97, "on_oxygen": True})
    assert news2_from_readings(readings, now, spo2_scale=2).items["spo2"] == 3
    assert news2_from_readings(readings, now, spo2_scale=1).items["spo2"] == 0
