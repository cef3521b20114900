"""Rule groups: one finding per cause, the highest, never silenced by an override; and
what the patient is told: only new evidence speaks, one card per group, an emergency
alone says "call 15 now"."""

from dataclasses import replace
from decimal import Decimal

import pytest

from rules.advice import patient_advice
from rules.evaluator import evaluate
from rules.model import ContentError, Override
from tests.rules.support import NOW, daily, data, reading, rule


def grouped(when, rule_id, severity, group="fever", emergency=False, advice=None):
    out = {**rule(when, rule_id, severity), "group": group}
    if emergency:
        out["emergency"] = True
    if advice:
        out["advice"] = {"fr": advice, "en": advice}
    return out


FEVER = grouped({"reading": "temperature", "op": ">=", "value": 38.5}, "fever", "medium",
                advice="Une infirmière va vous appeler dans l'heure.")
FEVER_HIGH = grouped({"reading": "temperature", "op": ">=", "value": 39.0}, "fever-high",
                     "high", advice="Une infirmière va vous appeler tout de suite.")


def test_one_finding_per_group_the_highest_with_the_others_as_evidence(protocol):
    [finding] = evaluate(protocol(FEVER, FEVER_HIGH), data(reading("temperature", 39.2)), NOW)
    assert (finding.rule_id, finding.group, finding.severity) == ("fever-high", "fever", "high")
    assert [f.rule_id for f in finding.related] == ["fever"]
    assert finding.to_dict()["related"][0]["evidence"][0]["value"] == "39.2"


def test_an_override_never_makes_the_group_silent(protocol):
    """Fever-high raised to 39.5 for this patient: 39.2 still raises the fever alert."""
    p = protocol(FEVER, {**FEVER_HIGH, "when": {**FEVER_HIGH["when"], "name": "high_fever"}})
    findings = evaluate(p, data(reading("temperature", 39.2)), NOW,
                        [Override("fever-high", "high_fever", 39.5)])
    assert [(f.rule_id, f.severity) for f in findings] == [("fever", "medium")]


def test_ungrouped_rules_are_their_own_group(protocol):
    p = protocol(rule({"reading": "heart_rate", "op": ">", "value": 100}, "a"),
                 rule({"reading": "heart_rate", "op": ">", "value": 110}, "b"))
    assert [(f.rule_id, f.group) for f in evaluate(p, data(reading("heart_rate", 120)), NOW)
            ] == [("a", "a"), ("b", "b")]


def test_emergency_is_only_for_high_rules(protocol):
    with pytest.raises(ContentError, match="only a high rule can tell the patient to call 15"):
        protocol(grouped({"reading": "temperature", "op": ">=", "value": 38.5}, "x", "medium",
                         emergency=True))


def new(item):
    return replace(item, new=True)


BREATHLESS = grouped({"answer": "daily-postop.breathlessness", "op": "==", "value": "at_rest"},
                     "breathless", "high", "breathing", emergency=True,
                     advice="Appelez le 15 maintenant.")
PAIN = grouped({"answer": "daily-postop.pain_now", "op": ">=", "value": 7}, "pain", "medium",
               "pain", advice="Une infirmière va vous appeler dans l'heure.")


def test_only_new_evidence_gives_advice(protocol):
    p = protocol(FEVER, FEVER_HIGH)
    yesterday_fever = reading("temperature", 39.2, 3)
    said = patient_advice(evaluate(p, data(yesterday_fever, new(daily(0.1))), NOW))
    assert said.cards == () and said.call_emergency is False
    said = patient_advice(evaluate(p, data(new(yesterday_fever)), NOW))
    assert [c.rule_id for c in said.cards] == ["fever-high"]


def test_call_emergency_only_from_a_new_emergency_finding(protocol):
    p = protocol(FEVER, FEVER_HIGH, BREATHLESS, PAIN)
    fever_high = patient_advice(evaluate(p, data(new(reading("temperature", 39.4))), NOW))
    assert fever_high.call_emergency is False  # high, a nurse calls: not "call 15 now"
    old_breathless = daily(3, breathlessness="at_rest")
    today = new(daily(0.1, pain_now=Decimal(8)))
    said = patient_advice(evaluate(p, data(old_breathless, today), NOW))
    assert said.call_emergency is False and [c.rule_id for c in said.cards] == ["pain"]


def test_an_emergency_hides_the_nurse_will_call_cards(protocol):
    p = protocol(FEVER, FEVER_HIGH, BREATHLESS, PAIN)
    today = new(daily(0.1, pain_now=Decimal(8), breathlessness="at_rest"))
    said = patient_advice(evaluate(p, data(today, new(reading("temperature", 38.6))), NOW))
    assert said.call_emergency is True
    assert [c.advice.fr for c in said.cards] == ["Appelez le 15 maintenant."]


def test_the_same_card_is_never_shown_twice(protocol):
    same = "Une infirmière va vous appeler dans l'heure."
    p = protocol(FEVER, PAIN)
    said = patient_advice(evaluate(p, data(new(daily(0.1, pain_now=Decimal(8))),
                                           new(reading("temperature", 38.6))), NOW))
    assert [c.advice.fr for c in said.cards] == [same]


def test_protocols_published_before_emergency_flags_keep_their_behaviour(protocol):
    """A v1 file (no shown_only) told the patient to call 15 on every high finding."""
    legacy = protocol(FEVER, FEVER_HIGH, shown_only=None)
    said = patient_advice(evaluate(legacy, data(new(reading("temperature", 39.4))), NOW))
    assert said.call_emergency is True
