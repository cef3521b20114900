"""Inputs have an age: rules read only fresh values, NEWS2 one observation set, and
persistence and trends count calendar days."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from rules.evaluator import evaluate
from rules.model import PatientData, Reading
from tests.rules.support import NOW, daily, data, fired, reading, rule

FEVER = rule({"reading": "temperature", "op": ">=", "value": 38.5})


@pytest.mark.parametrize(("hours_ago", "fires"), [(1, True), (23.9, True), (24, True),
                                                   (24.1, False), (71, False)])
def test_a_temperature_older_than_a_day_is_not_todays_fever(protocol, hours_ago, fires):
    assert fired(protocol(FEVER), data(reading("temperature", 39.2, hours_ago))) == \
        (["r1"] if fires else [])


def test_max_age_from_the_protocol_and_from_the_leaf(protocol):
    leaf = rule({"reading": "temperature", "op": ">=", "value": 38.5, "max_age_hours": 6})
    old = data(reading("temperature", 39.2, 8))
    assert fired(protocol(leaf), old) == []
    assert fired(protocol(FEVER, max_age_hours={"temperature": 12}), old) == ["r1"]
    assert fired(protocol(FEVER, max_age_hours={"default": 4}), old) == []


def test_the_daily_weight_is_read_for_a_day_and_a_half(protocol):
    heavy = rule({"reading": "weight", "op": ">=", "value": 90})
    assert fired(protocol(heavy), data(reading("weight", 95, 35))) == ["r1"]
    assert fired(protocol(heavy), data(reading("weight", 95, 37))) == []


def test_an_answer_expires_like_a_reading(protocol):
    severe = rule({"answer": "daily-postop.pain_now", "op": ">=", "value": 7})
    assert fired(protocol(severe), data(daily(20, pain_now=Decimal(8)))) == ["r1"]
    assert fired(protocol(severe), data(daily(30, pain_now=Decimal(8)))) == []


def test_leak_rule_does_not_fire_on_a_71_hour_old_temperature(protocol):
    leak = rule({"all": [{"reading": "temperature", "op": ">", "value": 38.0, "name": "fever"},
                         {"answer": "daily-postop.pain_now", "op": ">=", "value": 7,
                          "name": "pain"}]})
    history = data(reading("temperature", 38.6, 71), daily(1, pain_now=Decimal(7)))
    assert fired(protocol(leak), history) == []


VITALS = {"respiratory_rate": 18, "spo2": 97, "supplemental_oxygen": False, "systolic_bp": 120,
          "heart_rate": 70, "consciousness": "A", "temperature": "37.0"}
NEWS2_RULES = (
    rule({"score": "news2.total", "op": ">=", "value": 7}, "news2-high", "high"),
    rule({"score": "news2.total", "op": "between", "value": [5, 6]}, "news2-medium"),
    rule({"score": "news2.max_parameter", "op": ">=", "value": 3}, "news2-red"),
)


def vitals(hours_ago=1.0, **values):
    return [reading(k, v, hours_ago) for k, v in values.items()]


def test_news2_is_not_assembled_from_readings_a_day_apart(protocol):
    p = protocol(*NEWS2_RULES[:2])
    spread = [reading(k, v, 1 if k == "heart_rate" else 20) for k, v in
              {**VITALS, "respiratory_rate": 22, "heart_rate": 115, "spo2": 95}.items()]
    assert fired(p, data(*spread)) == []
    together = vitals(1, **{**VITALS, "respiratory_rate": 22, "heart_rate": 115, "spo2": 95})
    assert fired(p, data(*together)) == ["news2-medium"]


def test_a_news2_of_6_on_day_1_does_not_fire_again_on_day_3_with_a_temperature(protocol):
    p = protocol(*NEWS2_RULES)
    day1 = vitals(49, **{**VITALS, "respiratory_rate": 22, "heart_rate": 115, "spo2": 95})
    assert fired(p, data(*day1, reading("temperature", "37.4", 1))) == []


def test_an_incomplete_set_still_raises_a_red_single_parameter(protocol):
    """Colorectal day 3: T 37.2, HR 135, SBP 95, SpO2 96, no breathing rate, no ACVPU."""
    p = protocol(*NEWS2_RULES)
    partial = vitals(temperature="37.2", heart_rate=135, systolic_bp=95, spo2=96)
    [finding] = evaluate(p, data(*partial), NOW)
    assert finding.rule_id == "news2-red"
    assert finding.evidence[0]["items"]["heart_rate"] == 3
    assert finding.evidence[0]["missing"] == ["respiratory_rate", "supplemental_oxygen",
                                              "consciousness"]
    assert fired(p, data(*vitals(heart_rate=135))) == ["news2-red"]


@pytest.mark.parametrize("red", [
    {"heart_rate": 131}, {"heart_rate": 40}, {"systolic_bp": 90}, {"respiratory_rate": 25},
    {"respiratory_rate": 8}, {"spo2": 91}, {"temperature": "35.0"}, {"consciousness": "C"},
])
def test_every_red_single_parameter_fires_alone(protocol, red):
    assert fired(protocol(*NEWS2_RULES), data(*vitals(**red))) == ["news2-red"]


def test_spo2_scale_2_for_a_copd_patient(protocol):
    p = protocol(*NEWS2_RULES)
    assert fired(p, data(*vitals(spo2=89))) == ["news2-red"]
    assert fired(p, data(*vitals(spo2=89)), spo2_scale=2) == []
    assert fired(p, data(*vitals(**{**VITALS, "spo2": 89})), spo2_scale=2) == []


PAIN = {"answer": "daily-postop.pain_now", "op": ">=", "value": 7}


def test_persistence_counts_days_not_submissions(protocol):
    p = protocol(rule({"persistent": PAIN, "consecutive": 2}))
    five_minutes_apart = data(daily(1.1, pain_now=Decimal(8)), daily(1, pain_now=Decimal(9)))
    assert fired(p, five_minutes_apart) == []
    two_days = data(daily(25, pain_now=Decimal(8)), daily(1, pain_now=Decimal(8)))
    assert fired(p, two_days) == ["r1"]


def test_persistence_needs_a_fresh_latest_answer(protocol):
    p = protocol(rule({"persistent": PAIN, "consecutive": 2}))
    assert fired(p, data(daily(50, pain_now=Decimal(8)), daily(26, pain_now=Decimal(8)))) == []


def test_persistence_days_are_the_patients_calendar_days(protocol):
    p = protocol(rule({"persistent": PAIN, "consecutive": 2}))
    # 11:00 and 23:30 UTC: one day in London, two days in Paris (12:00, then 00:30).
    day = NOW - timedelta(days=1)
    pains = [replace(daily(0, pain_now=Decimal(8)), submitted_at=day.replace(hour=h, minute=m))
             for h, m in ((11, 0), (23, 30))]
    assert fired(p, data(*pains), timezone="Europe/London") == []
    assert fired(p, data(*pains), timezone="Europe/Paris") == ["r1"]


def test_twenty_minutes_around_midnight_are_not_two_days_of_pain(protocol):
    p = protocol(rule({"persistent": PAIN, "consecutive": 2}))
    day = NOW - timedelta(days=1)
    pains = [replace(daily(0, pain_now=Decimal(8)), submitted_at=day.replace(hour=h, minute=m))
             for h, m in ((22, 50), (23, 10))]  # 23:50 and 00:10 in Paris
    assert fired(p, data(*pains), timezone="Europe/Paris") == []


DAILY_GAIN = {"trend": {"reading": "weight", "change": "rise", "by": 2, "within_days": 3,
                        "from": "min", "daily": "first"}}


def weight(day, hour, minute, value):
    at = NOW.replace(hour=hour, minute=minute) - timedelta(days=3 - day)
    return Reading("weight", Decimal(str(value)), "kg", at)


def test_weight_gain_by_calendar_day_not_exactly_72_hours(protocol):
    p = protocol(rule(DAILY_GAIN))
    history = PatientData([], [weight(0, 7, 0, 80.0), weight(3, 7, 30, 82.5)])
    assert fired(p, history) == ["r1"]
    within_72_hours = {k: v for k, v in DAILY_GAIN["trend"].items() if k != "daily"}
    assert fired(protocol(rule({"trend": within_72_hours})), history) == []  # 07:00 is out


def test_weight_gain_across_missed_days(protocol):
    p = protocol(rule(DAILY_GAIN))
    history = PatientData([], [weight(-1, 7, 0, 80.0), weight(3, 7, 0, 83.0)])
    assert fired(p, history) == ["r1"]


def test_morning_weight_is_the_first_of_the_day(protocol):
    p = protocol(rule(DAILY_GAIN))
    # The evening weight after dinner does not lower the reference of that day.
    history = PatientData([], [weight(1, 7, 0, 80.0), weight(1, 20, 0, 81.5),
                               weight(3, 7, 0, 82.1)])
    assert fired(p, history) == ["r1"]


def test_an_incomplete_set_already_at_7_is_high(protocol):
    """HR 125, SBP 95, SpO2 93, 38.4 °C score 7 without breathing rate or ACVPU: the
    missing parameters can only add points."""
    p = protocol(*NEWS2_RULES)
    partial = vitals(heart_rate=125, systolic_bp=95, spo2=93, temperature="38.4")
    [finding] = evaluate(p, data(*partial), NOW)
    assert (finding.rule_id, finding.evidence[0]["at_least"]) == ("news2-high", True)
    # A sum of 5 without a full set proves "at least 5", not "between 5 and 6".
    five = vitals(heart_rate=115, systolic_bp=95, spo2=95)
    assert fired(p, data(*five)) == []
