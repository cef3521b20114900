"""The evaluator: what fires, on which evidence, with overrides, deterministically."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.evaluator import evaluate
from rules.model import Override, Submission, TaskRecord
from tests.rules.support import NOW, build_protocol, daily, data, fired, reading, rule

FEVER = rule({"reading": "temperature", "op": ">=", "value": 38.5})


def test_boundary_is_exact(protocol):
    p = protocol(FEVER)
    assert fired(p, data(reading("temperature", "38.5"))) == ["r1"]
    assert fired(p, data(reading("temperature", "38.4"))) == []
    assert fired(p, data(reading("temperature", "38.50"))) == ["r1"]


def test_finding_carries_evidence_explanation_and_advice(protocol):
    [finding] = evaluate(protocol(FEVER), data(reading("temperature", "39.2", 3)), NOW)
    assert finding.severity == "medium"
    assert finding.evidence == ({"reading": "temperature", "value": "39.2", "unit": "Cel",
                                 "at": "2026-11-23T09:00:00+00:00", "op": ">=",
                                 "threshold": "38.5"},)
    assert finding.explanation.en == "value 39.2 threshold 38.5"
    assert finding.explanation.fr == "valeur 39.2 seuil 38.5"
    assert finding.advice.en == "advice"
    json.dumps(finding.to_dict())  # JSON-serialisable as the API returns it


def test_threshold_reads_the_latest_value(protocol):
    p = protocol(FEVER)
    assert fired(p, data(reading("temperature", 39, 5), reading("temperature", 37, 1))) == []
    assert fired(p, data(reading("temperature", 37, 5), reading("temperature", 39, 1))) == ["r1"]


def test_values_after_now_are_ignored(protocol):
    assert fired(protocol(FEVER), data(reading("temperature", 39.5, -1))) == []


def test_absent_input_does_not_fire(protocol):
    p = protocol(FEVER, rule({"not": {"reading": "temperature", "op": ">=", "value": 38}},
                             "r2"))
    assert fired(p, data(reading("heart_rate", 80))) == []


@pytest.mark.parametrize(("op", "value", "actual", "fires"), [
    (">", 100, 101, True), (">", 100, 100, False),
    (">=", 100, 100, True), (">=", 100, 99, False),
    ("<", 50, 49, True), ("<", 50, 50, False),
    ("<=", 50, 50, True), ("<=", 50, 51, False),
    ("==", 60, 60, True), ("==", 60, 61, False),
    ("!=", 60, 61, True), ("!=", 60, 60, False),
    ("between", [50, 60], 50, True), ("between", [50, 60], 60, True),
    ("between", [50, 60], 61, False), ("in", [60, 70], 70, True), ("in", [60, 70], 65, False),
])
def test_every_operator_on_a_reading(protocol, op, value, actual, fires):
    p = protocol(rule({"reading": "heart_rate", "op": op, "value": value}))
    assert fired(p, data(reading("heart_rate", actual))) == (["r1"] if fires else [])


def test_answers_choice_boolean_and_in(protocol):
    p = protocol(
        rule({"answer": "daily-postop.breathlessness", "op": "==", "value": "at_rest"}, "a"),
        rule({"answer": "daily-postop.calf_pain", "op": "==", "value": True}, "b"),
        rule({"answer": "daily-postop.wound_discharge", "op": "in",
              "value": ["cloudy_or_pus", "blood"]}, "c"),
        rule({"answer": "daily-postop.nausea", "op": "!=", "value": "none"}, "d"),
    )
    assert fired(p, data(daily())) == []
    assert fired(p, data(daily(breathlessness="at_rest", calf_pain=True,
                               wound_discharge="blood", nausea="nausea"))) == ["a", "b", "c",
                                                                                 "d"]
    assert fired(p, data(daily(wound_discharge="clear"))) == []


def test_all_any_not_with_unknowns(protocol):
    temp = {"reading": "temperature", "op": ">=", "value": 38.5, "name": "fever"}
    wound = {"answer": "daily-postop.wound_redness", "op": "==", "value": True}
    p = protocol(rule({"all": [temp, wound]}, "all"), rule({"any": [temp, wound]}, "any"),
                 rule({"not": wound}, "not"))
    assert fired(p, data(daily(wound_redness=True))) == ["any"]  # temperature unknown
    assert fired(p, data(daily(), reading("temperature", 39))) == ["any", "not"]
    assert fired(p, data(daily(wound_redness=True), reading("temperature", 39))) == ["all",
                                                                                     "any"]
    assert fired(p, data(daily(), reading("temperature", 37))) == ["not"]


def weights(*pairs):
    """(days ago, kg) pairs as weight readings."""
    return [reading("weight", kg, days * 24) for days, kg in pairs]


WEIGHT_GAIN = {"trend": {"reading": "weight", "change": "rise", "by": 2, "within_days": 3}}


@pytest.mark.parametrize(("series", "fires"), [
    (((3, "70.0"), (2, "70.5"), (0, "72.1")), True),     # +2.1 kg from the minimum
    (((3, "70.0"), (2, "70.5"), (0, "72.0")), False),    # +2.0 is not more than 2
    (((5, "69.0"), (2, "70.5"), (0, "72.1")), False),    # the 69 kg is outside the 3 days
    (((3, "72.1"), (1, "70.0"), (0, "72.1")), True),     # min, not first, of the window
    (((0, "75.0"),), False),                             # one value: no trend
])
def test_weight_gain_trend(protocol, series, fires):
    p = protocol(rule(WEIGHT_GAIN))
    assert fired(p, data(*weights(*series))) == (["r1"] if fires else [])


def test_trend_origins_and_fall(protocol):
    first = rule({"trend": {**WEIGHT_GAIN["trend"], "from": "first"}}, "first")
    baseline = rule({"trend": {**WEIGHT_GAIN["trend"], "from": "baseline"}}, "baseline")
    at_least = rule({"trend": {**WEIGHT_GAIN["trend"], "op": ">="}}, "at_least")
    fall = rule({"trend": {"reading": "weight", "change": "fall", "by": 2, "within_days": 3}},
                "fall")
    p = protocol(first, baseline, at_least, fall)
    # window starts at 72.1 then drops to 70: first-in-window sees 0, min sees +2.0
    assert fired(p, data(*weights((3, "72.1"), (1, "70.0"), (0, "72.1")))) == ["at_least"]
    # a fall is measured from the highest value of the window
    assert fired(p, data(*weights((3, "73.0"), (2, "74.5"), (0, "72.4")))) == ["fall"]
    assert fired(p, data(*weights((3, "73.0"), (2, "74.4"), (0, "72.4")))) == []
    assert fired(p, data(*weights((10, "68.0"), (2, "71.0"), (0, "71.0")))) == ["baseline"]


def test_trend_evidence(protocol):
    [finding] = evaluate(protocol(rule(WEIGHT_GAIN)),
                         data(*weights((3, "70.0"), (0, "72.1"))), NOW)
    assert finding.evidence[0] | {"at": None, "from_at": None} == {
        "reading": "weight", "value": "72.1", "unit": "kg", "at": None, "from_value": "70.0",
        "from_at": None, "change": "2.1", "op": ">", "threshold": "2", "within_days": 3}


PAIN = {"answer": "daily-postop.pain_now", "op": ">=", "value": 7}


@pytest.mark.parametrize(("pains", "fires"), [
    ((8, 7), True), ((8, 6), False), ((6, 8), False), ((9,), False), ((3, 8, 7), True),
])
def test_persistent_consecutive(protocol, pains, fires):
    p = protocol(rule({"persistent": PAIN, "consecutive": 2}))
    subs = [daily(24 * (len(pains) - i), pain_now=Decimal(v)) for i, v in enumerate(pains)]
    assert fired(p, data(*subs)) == (["r1"] if fires else [])


@pytest.mark.parametrize(("pains", "fires"), [
    ((7, 3, 8), True), ((7, 3, 3), False), ((3, 7, 8), True), ((8, 8), False),
])
def test_persistent_n_of_last_m(protocol, pains, fires):
    p = protocol(rule({"persistent": PAIN, "of_last": 3, "count": 2}))
    subs = [daily(24 * (len(pains) - i), pain_now=Decimal(v)) for i, v in enumerate(pains)]
    assert fired(p, data(*subs)) == (["r1"] if fires else [])


def test_persistent_evidence_counts_the_hits(protocol):
    p = protocol(rule({"persistent": PAIN, "consecutive": 2}))
    [f] = evaluate(p, data(daily(25, pain_now=Decimal(8)), daily(1, pain_now=Decimal(9))), NOW)
    assert [(e["value"], e["count"], e["of_last"]) for e in f.evidence] == [("9", 2, 2),
                                                                           ("8", 2, 2)]


MISSING = rule({"missing": {"questionnaire": "daily-postop", "hours_after_due": 2}},
               severity="low")


def task(hours_ago, answered_hours_ago=None, key="daily-postop@d3"):
    answered = None if answered_hours_ago is None else NOW - timedelta(hours=answered_hours_ago)
    return TaskRecord(key, "daily-postop", None, NOW - timedelta(hours=hours_ago), answered)


@pytest.mark.parametrize(("tasks", "fires"), [
    ([task(2)], True),                                  # due + 2 h passed, unanswered
    ([task(1.99)], False),                              # grace not over yet
    ([task(5, answered_hours_ago=1)], False),           # answered late still counts
    ([task(5, answered_hours_ago=-1)], True),           # answered after now: not yet at now
    ([task(26, key="d2"), task(3, answered_hours_ago=2.5, key="d3")], False),  # latest done
    ([task(26, answered_hours_ago=25, key="d2"), task(3, key="d3")], True),
    ([], False),
])
def test_missing(protocol, tasks, fires):
    assert fired(protocol(MISSING), data(tasks=tasks)) == (["r1"] if fires else [])


def test_missing_evidence_names_the_task(protocol):
    [f] = evaluate(protocol(MISSING), data(tasks=[task(3)]), NOW)
    assert f.evidence == ({"task": "daily-postop@d3", "questionnaire": "daily-postop",
                           "due_at": "2026-11-23T09:00:00+00:00", "hours": "2", "op": ">=",
                           "threshold": "2"},)


def test_overrides_replace_a_named_threshold(protocol):
    p = protocol(FEVER, rule({"any": [
        {"reading": "heart_rate", "op": "<=", "value": 40, "name": "low"},
        {"reading": "heart_rate", "op": ">=", "value": 131, "name": "high"}]}, "hr"))
    patient = data(reading("temperature", "38.6"), reading("heart_rate", 125))
    assert fired(p, patient) == ["r1"]
    assert fired(p, patient, overrides=[Override("r1", "value", 38.7),
                                        Override("hr", "high", "120")]) == ["hr"]
    # the protocol itself is unchanged for the next patient
    assert fired(p, patient) == ["r1"]


def test_override_of_between_trend_and_missing(protocol):
    p = protocol(rule({"reading": "heart_rate", "op": "between", "value": [100, 120]}, "b"),
                 rule(WEIGHT_GAIN, "w"), MISSING)
    patient = data(reading("heart_rate", 95), *weights((2, "70"), (0, "71.6")), tasks=[task(1)])
    assert fired(p, patient) == []
    assert fired(p, patient, overrides=[Override("b", "value", [90, 99]),
                                        Override("w", "value", "1.5"),
                                        Override("r1", "value", 1)]) == ["b", "w", "r1"]


@pytest.mark.parametrize(("override", "message"), [
    (Override("nope", "value", 1), "override: unknown rule 'nope' in protocol test v1"),
    (Override("r1", "max", 1), "override: rule r1 has no threshold 'max' (thresholds: value)"),
    (Override("r1", "value", "hot"), "override of r1.value: 'hot' is not a number"),
    (Override("r1", "value", True), "override of r1.value: True is not a number"),
])
def test_bad_overrides_are_refused(protocol, override, message):
    with pytest.raises(ValueError) as exc:
        evaluate(protocol(FEVER), data(), NOW, overrides=[override])
    assert str(exc.value) == message


def test_questionnaire_level_rule_phq9_item9(protocol):
    p = protocol(FEVER)  # the rule comes from phq-9.yaml, not from the protocol
    answers = {f"q{i}": "not_at_all" for i in range(1, 10)}
    calm = Submission("phq-9", NOW - timedelta(hours=1), answers)
    assert fired(p, data(calm)) == []
    worried = Submission("phq-9", NOW - timedelta(hours=1), {**answers, "q9": "several_days"})
    findings = evaluate(p, data(worried, reading("temperature", 39)), NOW)
    assert [(f.rule_id, f.severity) for f in findings] == [("phq9-item9-positive", "high"),
                                                           ("r1", "medium")]
    assert "3114" in findings[0].advice.fr


def test_scored_choice_compares_by_score(protocol):
    p = protocol(rule({"answer": "phq-9.q9", "op": ">", "value": 0}))
    answers = {f"q{i}": "not_at_all" for i in range(1, 10)}
    at = NOW - timedelta(hours=1)
    assert fired(p, data(Submission("phq-9", at, answers))) == []
    assert "r1" in fired(p, data(Submission("phq-9", at, {**answers, "q9": "nearly_every_day"})))


def qor(value_positive, value_negative, hours_ago=1):
    answers = {f"q{i}": Decimal(value_positive) for i in range(1, 11)}
    answers.update({f"q{i}": Decimal(value_negative) for i in range(11, 16)})
    return Submission("qor-15", NOW - timedelta(hours=hours_ago), answers)


def test_score_rule_qor15(protocol):
    p = protocol(rule({"score": "qor15.total", "op": "<", "value": 90}, severity="low"))
    assert fired(p, data(qor(6, 2))) == []        # 60 + 40 = 100
    assert fired(p, data(qor(5, 3))) == ["r1"]    # 50 + 35 = 85
    incomplete = Submission("qor-15", NOW, {"q1": Decimal(1)})
    assert fired(p, data(qor(6, 2, 30), incomplete)) == []  # latest complete score is 100


VITALS = {"respiratory_rate": 18, "spo2": 97, "supplemental_oxygen": False, "systolic_bp": 120,
          "heart_rate": 70, "consciousness": "A", "temperature": "37.0"}


def vitals(hours_ago=1, **changes):
    return [reading(k, v, hours_ago) for k, v in {**VITALS, **changes}.items()]


def test_news2_rules(protocol):
    p = protocol(rule({"score": "news2.total", "op": ">=", "value": 7}, "high", "high"),
                 rule({"score": "news2.total", "op": "between", "value": [5, 6]}, "medium"),
                 rule({"score": "news2.band", "op": "==", "value": "low-medium"}, "red"))
    assert fired(p, data(*vitals())) == []
    assert fired(p, data(*vitals(systolic_bp=88))) == ["red"]                   # 3 alone
    assert fired(p, data(*vitals(respiratory_rate=22, heart_rate=115, spo2=95))) == ["medium"]
    assert fired(p, data(*vitals(respiratory_rate=26, systolic_bp=88, spo2=91))) == ["high"]
    # an incomplete set (no consciousness) gives no NEWS2, hence no finding
    partial = [r for r in vitals(systolic_bp=88) if r.type != "consciousness"]
    assert fired(p, data(*partial)) == []


def test_news2_evidence_and_spo2_scale(protocol):
    p = protocol(rule({"score": "news2.total", "op": ">=", "value": 3}))
    on_scale_1 = data(*vitals(spo2=89))
    [f] = evaluate(p, on_scale_1, NOW)
    assert f.evidence[0]["items"]["spo2"] == 3 and f.evidence[0]["band"] == "low-medium"
    assert fired(p, on_scale_1, spo2_scale=2) == []  # 88-92 scores 0 on scale 2


def test_findings_sorted_by_severity_then_rule_id(protocol):
    p = protocol(rule({"reading": "heart_rate", "op": ">", "value": 0}, "b-low", "low"),
                 rule({"reading": "heart_rate", "op": ">", "value": 0}, "z-high", "high"),
                 rule({"reading": "heart_rate", "op": ">", "value": 0}, "a-low", "low"),
                 rule({"reading": "heart_rate", "op": ">", "value": 0}, "m-med", "medium"))
    assert fired(p, data(reading("heart_rate", 80))) == ["z-high", "m-med", "a-low", "b-low"]


# --- determinism --------------------------------------------------------------------------


def _history():
    items = [daily(24 * d + 1, pain_now=Decimal(p)) for d, p in enumerate([8, 7, 3, 9])]
    items += [daily(1, pain_now=Decimal(8))]  # two submissions at the same time: tie
    items += weights((3, "70.0"), (2, "71"), (0, "72.5"), (0, "72.4"))
    items += vitals(2) + vitals(30, systolic_bp=85)
    return items


@settings(max_examples=40, deadline=None)
@given(st.permutations(_history()), st.permutations([task(3, key="a"), task(27, 20, "b")]))
def test_same_input_in_any_order_gives_the_same_findings(questionnaires, items, tasks):
    p = build_protocol(questionnaires, rule({"persistent": PAIN, "of_last": 3, "count": 2}, "pain"),
              rule(WEIGHT_GAIN, "weight"), MISSING,
              rule({"score": "news2.total", "op": ">=", "value": 0}, "news2"),
              rule({"reading": "weight", "op": ">", "value": 0}, "latest-weight"))
    result = [f.to_dict() for f in evaluate(p, data(*items, tasks=tasks), NOW)]
    expected = [f.to_dict() for f in evaluate(p, data(*_history(), tasks=[
        task(3, key="a"), task(27, 20, "b")]), NOW)]
    assert result == expected
    assert [f["rule_id"] for f in result] == ["latest-weight", "news2", "pain", "weight", "r1"]
