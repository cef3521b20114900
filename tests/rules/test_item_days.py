"""Items asked on some post-operative days only (a schedule entry's ``item_days``): the
loader refuses any such item that something else needs on the other days, naming the
item and what needs it."""

import copy

import pytest

from rules.loader import load_content
from rules.loader_protocol import parse_protocol
from rules.model import ContentError

SOURCE = "protocols/ambulatory-general.v3.yaml"
WALKING = {"link_id": "walking", "days": {"from": 1, "to": 2},
           "source": "Asked on the first days only (test)."}


@pytest.fixture(scope="module")
def content():
    return load_content()


def with_item_days(content, *entries, index=0, slug="ambulatory-general", version=2):
    """The next version of a shipped protocol with ``entries`` on schedule[index]."""
    data = copy.deepcopy(content.raw["protocols"][slug][version])
    data["version"] = version + 1
    data["schedule"][index]["item_days"] = list(entries)
    return parse_protocol(data, content.questionnaires, SOURCE)


def refusals(content, *entries, **where) -> list[str]:
    with pytest.raises(ContentError) as error:
        with_item_days(content, *entries, **where)
    return [str(issue) for issue in error.value.issues]


def test_an_item_read_by_no_rule_is_asked_on_its_days_only(content):
    protocol = with_item_days(content, WALKING)
    assert [protocol.items_not_asked("daily-postop", day) for day in (1, 2, 3, 14)] == [
        (), (), ("walking",), ("walking",)]
    # Not planned that day (an answer outside the schedule): every item is asked.
    assert protocol.items_not_asked("daily-postop", 20) == ()
    assert protocol.items_not_asked("qor-15", 3) == ()


def test_an_item_a_rule_reads_is_refused_naming_the_rule(content):
    [message] = refusals(content, {**WALKING, "link_id": "urination"})
    assert "schedule[0].item_days[0].link_id" in message
    assert "daily-postop.urination is read by rule no-urine-12h" in message


def test_a_reading_item_read_by_a_rule_through_its_reading_is_refused(content):
    found = refusals(content, {**WALKING, "link_id": "temperature"})
    assert any("daily-postop.temperature is read by rule fever-high" in m for m in found)


def test_a_persistence_rule_reads_its_item_too(content):
    found = refusals(content, {**WALKING, "link_id": "pain_now"})
    assert any("read by rule pain-severe-persistent" in m for m in found)
    # pain_location is shown on the answer to pain_now
    assert any("daily-postop.pain_location is shown on the answer to pain_now" in m
               for m in found)


def test_a_rule_of_another_protocol_decides_for_its_own_protocol(content):
    """walking is read by no rule of ambulatory-general, but hip-knee-arthroplasty's
    bedbound rule reads it."""
    found = refusals(content, WALKING, slug="hip-knee-arthroplasty")
    assert any("daily-postop.walking is read by rule" in m for m in found)


def test_the_patients_own_words_are_asked_every_day(content):
    [message] = refusals(content, {**WALKING, "link_id": "free_text"})
    assert "daily-postop.free_text holds the patient's own words" in message


def test_an_item_of_a_scored_questionnaire_is_refused(content):
    [message] = refusals(content, {**WALKING, "link_id": "q3", "days": [1, 3]}, index=1)
    assert "qor-15.q3 counts in the qor15 score" in message


def test_days_outside_the_entry_or_all_of_them_are_refused(content):
    [before] = refusals(content, {**WALKING, "days": [0, 1]})
    assert "day 0 is not a day of this entry (days 1-14)" in before
    [every] = refusals(content, {**WALKING, "days": {"from": 1, "to": 14}})
    assert "walking would be asked on every day of this entry" in every


def test_a_source_is_required(content):
    found = refusals(content, {"link_id": "walking", "days": [1]})
    assert any("item_days[0].source" in m and "published source" in m for m in found)
    blank = refusals(content, {**WALKING, "source": "  "})
    assert any("item_days[0].source" in m for m in blank)


def test_unknown_and_twice_listed_items_are_refused(content):
    [unknown] = refusals(content, {**WALKING, "link_id": "mood"})
    assert "unknown link_id 'mood' in questionnaire daily-postop" in unknown
    [twice] = refusals(content, WALKING, {**WALKING, "days": [3]})
    assert "item_days[1].link_id: 'walking' is listed twice" in twice


def test_a_reading_task_has_no_items_to_limit(content):
    data = copy.deepcopy(content.raw["protocols"]["heart-failure"][2])
    data["version"] = 3
    entry = next(e for e in data["schedule"] if e.get("reading"))
    entry["item_days"] = [WALKING]
    with pytest.raises(ContentError) as error:
        parse_protocol(data, content.questionnaires, SOURCE)
    assert any("a reading task asks one thing" in str(i) for i in error.value.issues)


@pytest.mark.parametrize("entry", [
    {"link_id": ["walking"], "days": {"from": 1, "to": 2}, "source": "x"},
    {"link_id": {"a": 1}, "days": {"from": 1, "to": 2}, "source": "x"},
    {"link_id": "walking", "days": "1-2", "source": "x"},
    {"link_id": "walking", "days": {"from": 1, "to": 2}, "source": 7},
    {"link_id": "walking", "days": {"from": "a", "to": None}, "source": "x"},
    "walking",
    None,
])
def test_a_malformed_entry_is_refused_in_words_not_a_crash(content, entry):
    assert refusals(content, entry)
