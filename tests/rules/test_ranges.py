"""Ranges of rule inputs, and overrides that would silently disable a rule."""

from decimal import Decimal

import pytest

from rules.conditions import Subject
from rules.evaluator import resolve_overrides
from rules.loader import load_content
from rules.model import Override
from rules.ranges import override_problem, subject_range


@pytest.fixture(scope="module")
def protocols():
    return load_content().protocols


def problem(protocol, rule_id, value, threshold="value"):
    rule = protocol.rule(rule_id)
    leaf = next(leaf for leaf in rule.thresholds() if leaf.key == threshold)
    parsed = resolve_overrides(protocol, [Override(rule_id, threshold, value)])
    return override_problem(protocol, rule, leaf, parsed[rule_id][threshold])


def test_ranges_come_from_items_readings_and_published_scores(protocols):
    colorectal = protocols["colorectal-eras"][2]
    assert subject_range(colorectal, Subject("answer", "daily-postop.pain_now")) == (0, 10)
    assert subject_range(colorectal, Subject("reading", "temperature")) == (25, 45)
    assert subject_range(colorectal, Subject("score", "news2.total")) == (0, 20)
    assert subject_range(colorectal, Subject("score", "news2.max_parameter")) == (0, 3)
    assert subject_range(colorectal, Subject("score", "qor15.total")) == (0, 150)
    assert subject_range(colorectal, Subject("score", "phq9.total")) == (0, 27)
    assert subject_range(colorectal, Subject("score", "pain_nrs.total")) == (0, 10)
    assert subject_range(colorectal, Subject("score", "qor15.band")) is None
    assert subject_range(colorectal, Subject("answer", "daily-postop.wound_discharge")) is None


def test_every_shipped_threshold_is_a_valid_override_of_itself(protocols):
    for versions in protocols.values():
        for protocol in versions.values():
            for info in protocol.thresholds():
                value = info.to_dict()["value"]
                assert problem(protocol, info.rule_id, value, info.name) is None, (
                    protocol.slug, protocol.version, info.rule_id, info.name)


@pytest.mark.parametrize(("rule_id", "threshold", "value", "why"), [
    ("pain-severe", "pain_now", 11, "outside the range of daily-postop.pain_now (0–10"),
    ("pain-severe", "pain_now", 99, "outside the range"),
    ("pain-severe", "pain_now", -1, "outside the range"),
    ("fever", "value", 60, "outside the range of temperature (25–45 Cel)"),
    ("qor15-poor", "value", 0, "qor15.total < 0 can never be true"),
    ("qor15-poor", "value", 151, "outside the range"),
    ("news2-high", "value", 21, "outside the range of news2.total (0–20)"),
    ("news2-single-red", "value", 4, "outside the range of news2.max_parameter (0–3)"),
    ("anastomotic-leak-signs", "fever", 45, "temperature > 45 can never be true"),
    ("systolic-low", "value", 50, "systolic_bp < 50 can never be true"),
    ("daily-check-missing", "value", 400, "beyond the"),
])
def test_overrides_that_would_disable_a_rule_are_refused(protocols, rule_id, threshold,
                                                         value, why):
    colorectal = protocols["colorectal-eras"][2]
    assert why in problem(colorectal, rule_id, value, threshold)


@pytest.mark.parametrize(("rule_id", "threshold", "value"), [
    ("pain-severe", "pain_now", 10),  # ">=" the maximum still fires at the maximum
    ("pain-severe", "pain_now", 0),
    ("anastomotic-leak-signs", "fever", 44.9),
    ("qor15-poor", "value", 150),
    ("news2-high", "value", 20),
    ("fever", "value", 38.0),
    ("daily-check-missing", "value", 24),
])
def test_overrides_within_the_range_are_accepted(protocols, rule_id, threshold, value):
    assert problem(protocols["colorectal-eras"][2], rule_id, value, threshold) is None


def test_a_trend_override_must_fit_in_the_range(protocols):
    heart = protocols["heart-failure"][2]
    assert problem(heart, "weight-gain-3d", 3) is None
    assert "can never happen" in problem(heart, "weight-gain-3d", 500)
    assert subject_range(heart, Subject("reading", "weight"))[0] > Decimal(0)
