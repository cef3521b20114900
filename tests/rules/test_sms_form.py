"""The SMS form of a questionnaire: checked against its items; unasked items may stay
unanswered."""

import copy

import pytest

from rules.loader_sms import SMS_ITEMS_MAX
from rules.questionnaire import AnswerError, validate_answers
from tests.rules.test_questionnaires import daily, issues_of


def sms_item(data, link_id):
    return next(i for i in data["sms"]["items"] if i["link_id"] == link_id)


def test_the_daily_check_has_a_short_sms_form(questionnaires):
    form = questionnaires["daily-postop"].sms
    assert [i.link_id for i in form.items] == ["pain_now", "wound_redness", "temperature",
                                               "calf_pain", "breathlessness"]
    assert questionnaires["qor-15"].sms is None


@pytest.mark.parametrize("slug", ["daily-postop", "hf-symptoms"])
def test_every_sms_question_is_in_french_and_english(questionnaires, slug):
    form = questionnaires[slug].sms
    assert 0 < len(form.items) <= SMS_ITEMS_MAX
    for item in form.items:
        assert item.text.fr.strip() and item.text.en.strip()
        assert item.example.fr.strip() and item.example.en.strip()
        # A patient answers the question as written: its choices are in its words.
        assert all(key in item.text.fr and key in item.text.en for key, _ in item.choices)


@pytest.mark.parametrize("change, expected", [
    (lambda d: sms_item(d, "pain_now").update(link_id="pain_nowhere"),
     "'pain_nowhere' is not an item of this questionnaire"),
    (lambda d: sms_item(d, "pain_now").update(reply="yes_no"),
     "a integer item is answered by number, not 'yes_no'"),
    (lambda d: sms_item(d, "wound_redness").update(reply="number", example={"fr": "1",
                                                                             "en": "1"}),
     "a boolean item is answered by yes_no, not 'number'"),
    (lambda d: d["sms"]["items"].append(copy.deepcopy(sms_item(d, "pain_now"))),
     "'pain_now' is asked twice"),
    (lambda d: sms_item(d, "pain_now").update(skip=True),
     "only an optional item (required: false) may be skipped"),
    (lambda d: sms_item(d, "breathlessness").update(choices={"1": "none", "2": "at_rest"}),
     "no reply gives on_exertion"),
    (lambda d: sms_item(d, "breathlessness")["choices"].update({"4": "sometimes"}),
     "sometimes: not a code of breathlessness"),
    (lambda d: sms_item(d, "pain_now").update(example={"fr": "beaucoup", "en": "4"}),
     "'beaucoup' does not read as a number reply"),
    (lambda d: sms_item(d, "pain_now")["text"].update(fr="x" * 400),
     "400 characters; at most 268"),
    (lambda d: d["sms"]["items"].append({"link_id": "free_text", "reply": "number",
                                         "text": {"fr": "?", "en": "?"},
                                         "example": {"fr": "1", "en": "1"}}),
     "a text item is answered by no SMS reply"),
    (lambda d: d["sms"]["items"].append({"link_id": "pain_location", "reply": "number",
                                         "text": {"fr": "?", "en": "?"},
                                         "example": {"fr": "1", "en": "1"}}),
     "an item shown only under a condition cannot be asked by SMS"),
    (lambda d: d["sms"]["items"].extend([copy.deepcopy(sms_item(d, "pain_now"))] * 3),
     f"an SMS form asks at most {SMS_ITEMS_MAX}"),
    (lambda d: sms_item(d, "pain_now").update(reply="number_please"), "sms.items[0].reply"),
])
def test_a_wrong_sms_form_is_refused_naming_the_field(tmp_path, raw_questionnaires, change,
                                                       expected):
    data = daily(raw_questionnaires)
    change(data)
    issues = issues_of(tmp_path, data)
    assert any(expected in issue for issue in issues), issues
    assert all("daily-postop.yaml" in issue for issue in issues)


def test_items_not_asked_are_not_required(questionnaires):
    q = questionnaires["daily-postop"]
    answers = {"pain_now": 8, "wound_redness": True}
    with pytest.raises(AnswerError) as refused:
        validate_answers(q, answers)
    assert "calf_pain" in refused.value.errors
    with pytest.raises(AnswerError) as refused:
        validate_answers(q, answers, asked=q.sms.link_ids)
    assert set(refused.value.errors) == {"calf_pain", "breathlessness"}
    full = {**answers, "calf_pain": False, "breathlessness": "none"}
    assert set(validate_answers(q, full, asked=q.sms.link_ids)) == set(full)
    # A conversation left unfinished: what was asked and answered.
    cleaned = validate_answers(q, answers, asked=set(answers))
    assert set(cleaned) == {"pain_now", "wound_redness"}
    with pytest.raises(AnswerError) as refused:
        validate_answers(q, {"pain_now": 11}, asked=q.sms.link_ids)
    assert set(refused.value.errors) == {"pain_now", "wound_redness", "calf_pain",
                                         "breathlessness"}

