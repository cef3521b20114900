"""The rule vocabulary: parsing (every problem reported, named) and the operators."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.conditions import (
    AllOf,
    AnyOf,
    Missing,
    Not,
    Persistent,
    Threshold,
    Trend,
    parse_rule,
)
from rules.evaluator import compare
from rules.model import ContentError

TEXT = {"fr": "valeur {value}", "en": "value {value}"}


def rule(when, **extra):
    return {"id": "r1", "severity": "medium", "when": when, "source": "test cut-off",
            "explanation": TEXT, "advice": TEXT, **extra}


def issues_of(data, questionnaire=None) -> list[str]:
    with pytest.raises(ContentError) as exc:
        parse_rule(data, "protocols/x.v1.yaml", questionnaire=questionnaire)
    return [str(i) for i in exc.value.issues]


def test_threshold_is_parsed_with_exact_decimal_and_default_name():
    r = parse_rule(rule({"reading": "temperature", "op": ">=", "value": 38.5}), "f")
    assert isinstance(r.when, Threshold)
    assert r.when.value == Decimal("38.5") and isinstance(r.when.value, Decimal)
    assert [t.key for t in r.thresholds()] == ["value"]
    assert r.when.subject.head == "temperature"


def test_every_condition_kind_parses():
    when = {"all": [
        {"any": [{"answer": "daily-postop.calf_pain", "op": "==", "value": True}]},
        {"not": {"answer": "daily-postop.nausea", "op": "==", "value": "none"}},
        {"trend": {"reading": "weight", "change": "rise", "by": 2, "within_days": 3,
                   "name": "gain"}},
        {"persistent": {"answer": "daily-postop.pain_now", "op": ">=", "value": 7,
                        "name": "pain"}, "of_last": 3, "count": 2},
        {"missing": {"questionnaire": "daily-postop", "hours_after_due": 2, "name": "late"}},
        {"score": "news2.total", "op": "between", "value": [5, 6], "name": "news2"},
    ]}
    r = parse_rule(rule(when), "f")
    kinds = [type(c) for c in r.when.conditions]
    assert kinds == [AnyOf, Not, Trend, Persistent, Missing, Threshold]
    assert isinstance(r.when, AllOf)
    assert r.when.conditions[3].of_last == 3 and r.when.conditions[3].count == 2
    assert r.when.conditions[2].origin == "min" and r.when.conditions[2].op == ">"
    assert r.when.conditions[5].value == (Decimal(5), Decimal(6))
    # categorical leaves are not overridable; numeric ones are, by name
    assert [t.key for t in r.thresholds()] == ["gain", "pain", "late", "news2"]


def test_consecutive_means_all_of_the_last_n():
    r = parse_rule(rule({"persistent": {"answer": "daily-postop.pain_now", "op": ">=",
                                        "value": 7}, "consecutive": 2}), "f")
    assert (r.when.of_last, r.when.count) == (2, 2)


def test_bad_operator_is_named():
    assert issues_of(rule({"reading": "temperature", "op": "=>", "value": 38})) == [
        "protocols/x.v1.yaml: rule r1: field when.op: unknown operator '=>' "
        "(expected one of > >= < <= == != between in)"
    ]


def test_every_problem_is_reported_at_once():
    data = rule({"all": [
        {"reading": "temperature", "op": ">=", "value": "hot"},
        {"reading": "heart_rate", "op": "between", "value": [120, 50]},
        {"answer": "pain_now", "op": ">=", "value": 7},
    ]}, severity="urgent")
    data["advice"] = {"fr": "conseil"}
    found = issues_of(data)
    assert "protocols/x.v1.yaml: rule r1: field severity: 'urgent' is not one of low, medium, " \
           "high" in found
    assert "protocols/x.v1.yaml: rule r1: field advice.en: missing en text" in found
    assert "protocols/x.v1.yaml: rule r1: field when.all[0].value: 'hot' is not a number" in found
    assert "protocols/x.v1.yaml: rule r1: field when.all[1].value: low 120 is above high 50" \
        in found
    assert any("when.all[2].answer: 'pain_now' must be written questionnaire.link_id" in i
               for i in found)


def test_bare_link_id_refers_to_the_questionnaire_of_a_questionnaire_rule():
    r = parse_rule(rule({"answer": "q9", "op": ">", "value": 0}), "phq-9.yaml",
                   questionnaire="phq-9")
    assert r.when.subject.ref == "phq-9.q9" and r.questionnaire == "phq-9"


def test_several_thresholds_must_each_be_named_and_names_unique():
    unnamed = rule({"any": [{"reading": "heart_rate", "op": "<", "value": 40},
                            {"reading": "heart_rate", "op": ">", "value": 130}]})
    assert issues_of(unnamed) == [
        "protocols/x.v1.yaml: rule r1: field when.any[0].name: required: the rule has 2 "
        "thresholds, name each of them",
        "protocols/x.v1.yaml: rule r1: field when.any[1].name: required: the rule has 2 "
        "thresholds, name each of them",
    ]
    twice = rule({"any": [{"reading": "heart_rate", "op": "<", "value": 40, "name": "hr"},
                          {"reading": "heart_rate", "op": ">", "value": 130, "name": "hr"}]})
    assert issues_of(twice) == [
        "protocols/x.v1.yaml: rule r1: field when.any[1].name: duplicate threshold name 'hr'"]


@pytest.mark.parametrize(("when", "field", "message"), [
    ({"persistent": {"reading": "spo2", "op": "<", "value": 92}, "consecutive": 2,
      "of_last": 3}, "when", "give either consecutive or of_last + count, not both"),
    ({"persistent": {"reading": "spo2", "op": "<", "value": 92}, "of_last": 2, "count": 3},
     "when.count", "count 3 is above of_last 2"),
    ({"persistent": {"reading": "spo2", "op": "<", "value": 92}},
     "when", "persistent needs consecutive, or of_last and count"),
    ({"trend": {"reading": "weight", "change": "up", "by": 2, "within_days": 3}},
     "when.trend.change", "'up' is not rise or fall"),
    ({"trend": {"reading": "weight", "change": "rise", "by": 2, "within_days": 0}},
     "when.trend.within_days", "must be an integer >= 1"),
    ({"trend": {"reading": "weight", "change": "rise", "by": 2, "within_days": 3,
                "from": "median"}}, "when.trend.from", "'median' is not one of min, first, "
                                                       "baseline"),
    ({"missing": {"questionnaire": "daily-postop", "reading": "weight",
                  "hours_after_due": 2}}, "when.missing",
     "needs exactly one of questionnaire, reading"),
    ({"reading": "spo2", "answer": "vitals.spo2", "op": "<", "value": 92}, "when",
     "needs exactly one of answer, reading, score"),
    ({"reading": "spo2", "op": "<", "value": 92, "unit": "%"}, "when.unit",
     "unknown key 'unit'"),
    ({"score": "news2.max", "op": ">=", "value": 3}, "when.score",
     "unknown score field in 'news2.max' (expected total, band, max_parameter)"),
    ({"reading": "spo2", "op": "in", "value": []}, "when.value", "in needs a non-empty list"),
    ({"all": []}, "when.all", "must be a non-empty list of conditions"),
])
def test_malformed_conditions_are_rejected(when, field, message):
    assert f"protocols/x.v1.yaml: rule r1: field {field}: {message}" in issues_of(rule(when))


def test_unknown_placeholder_is_rejected():
    data = rule({"reading": "spo2", "op": "<", "value": 92})
    data["explanation"] = {"fr": "SpO2 {valeur}", "en": "SpO2 {value}"}
    assert issues_of(data) == [
        "protocols/x.v1.yaml: rule r1: field explanation.fr: unknown placeholder {valeur}"]


def test_rule_without_source_is_rejected():
    data = rule({"reading": "spo2", "op": "<", "value": 92})
    del data["source"]
    assert issues_of(data) == ["protocols/x.v1.yaml: rule r1: field source: every rule must "
                               "cite its source or rationale"]


# --- operators -------------------------------------------------------------------------

D = Decimal


@pytest.mark.parametrize(("op", "actual", "expected", "result"), [
    (">=", D("38.5"), D("38.5"), True),
    (">=", D("38.4"), D("38.5"), False),
    (">", D("38.5"), D("38.5"), False),
    (">", D("38.6"), D("38.5"), True),
    ("<", D("90"), D("90"), False),
    ("<", D("89"), D("90"), True),
    ("<=", D("91"), D("91"), True),
    ("<=", D("92"), D("91"), False),
    ("==", D("10"), D("10.0"), True),
    ("==", "at_rest", "at_rest", True),
    ("==", True, True, True),
    ("==", True, D(1), False),          # a yes is not the number 1
    ("!=", "none", "vomiting", True),
    ("!=", False, False, False),
    ("between", D(5), (D(5), D(6)), True),
    ("between", D(6), (D(5), D(6)), True),
    ("between", D("6.1"), (D(5), D(6)), False),
    ("between", D("4.9"), (D(5), D(6)), False),
    ("in", "blood", frozenset({"blood", "cloudy_or_pus"}), True),
    ("in", "clear", frozenset({"blood", "cloudy_or_pus"}), False),
    ("in", frozenset({"a", "b"}), frozenset({"b"}), True),   # multi_choice: any selected
    ("in", frozenset({"a"}), frozenset({"b"}), False),
    ("==", frozenset({"a", "b"}), "a", True),
    (">=", "A", D(3), None),            # cannot compare: unknown, not False
])
def test_compare(op, actual, expected, result):
    assert compare(op, actual, expected) is result


@given(st.decimals(min_value=-100, max_value=100, places=2),
       st.decimals(min_value=-100, max_value=100, places=2))
def test_operators_agree_with_each_other(a, b):
    assert compare(">=", a, b) == (not compare("<", a, b))
    assert compare("<=", a, b) == (not compare(">", a, b))
    assert compare("between", a, (b, b)) == compare("==", a, b)
