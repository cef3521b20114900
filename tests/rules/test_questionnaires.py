"""Shipped questionnaires load; broken ones are refused precisely; answers are checked."""

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires import CONTENT_DIR
from rules.loader_questionnaire import load_questionnaire, load_questionnaires
from rules.model import ContentError, Text, json_value
from rules.questionnaire import (
    AnswerError,
    _clean,
    asked_answers,
    readings_from_answers,
    stored_answers,
    validate_answers,
)

SLUGS = {"daily-postop", "hf-symptoms", "pain-nrs", "qor-15", "phq-9", "vitals"}


def test_every_shipped_questionnaire_loads(questionnaires):
    assert set(questionnaires) == SLUGS
    assert {p.stem for p in (CONTENT_DIR / "instruments").glob("*.yaml")} == SLUGS


@pytest.mark.parametrize("slug", sorted(SLUGS))
def test_every_text_is_in_french_and_english(questionnaires, slug):
    q = questionnaires[slug]
    texts = [q.title, *(i.text for i in q.items), *(c.text for i in q.items for c in i.choices),
             *(t for i in q.items for t in (i.help, i.min_label, i.max_label) if t)]
    assert all(isinstance(t, Text) and t.fr.strip() and t.en.strip() for t in texts)
    assert len(q.source) > 40  # a citation, not a placeholder
    for lang in ("fr", "en"):
        definition = json.loads(json.dumps(q.to_dict(lang)))
        assert [i["link_id"] for i in definition["items"]] == list(q.link_ids)


def test_contract_link_ids(questionnaires):
    daily = questionnaires["daily-postop"]
    assert daily.link_ids == (
        "pain_now", "pain_worst_24h", "pain_location", "temperature", "wound_redness",
        "wound_discharge", "wound_bleeding", "wound_opening", "nausea", "eating_drinking",
        "urination", "stools", "walking", "breathlessness", "calf_pain", "free_text")
    assert [c.code for c in daily.item("wound_discharge").choices] == [
        "none", "clear", "cloudy_or_pus", "blood"]
    assert daily.item("temperature").reading == "temperature"
    assert daily.item("temperature").unit == "Cel"
    assert questionnaires["pain-nrs"].link_ids == ("pain_now", "pain_worst_24h",
                                                   "analgesics_taken")
    assert questionnaires["qor-15"].link_ids == tuple(f"q{i}" for i in range(1, 16))
    assert questionnaires["phq-9"].link_ids == tuple(f"q{i}" for i in range(1, 11))
    vitals = questionnaires["vitals"]
    assert {i.reading for i in vitals.items} == {
        "temperature", "heart_rate", "respiratory_rate", "systolic_bp", "diastolic_bp",
        "spo2", "supplemental_oxygen", "weight", "glucose", "consciousness"}
    assert not any(i.required for i in vitals.items) and vitals.min_answers == 1


def test_scale_items_have_anchor_labels(questionnaires):
    pain = questionnaires["daily-postop"].item("pain_now")
    assert (pain.min, pain.max) == (Decimal(0), Decimal(10))
    assert pain.min_label.en == "No pain" and pain.max_label.en == "Worst pain imaginable"
    assert pain.to_dict("fr")["max_label"] == "Douleur maximale imaginable"


def test_phq9_item9_safety_rule(questionnaires):
    (rule,) = questionnaires["phq-9"].rules
    assert rule.id == "phq9-item9-positive" and rule.severity == "high"
    for text in (rule.advice.fr, rule.advice.en):
        assert "15" in text and "3114" in text
    assert "Kroenke" in rule.source


# --- broken copies ------------------------------------------------------------------


def write(tmp_path, data, name="daily-postop.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def issues_of(tmp_path, data, name="daily-postop.yaml"):
    with pytest.raises(ContentError) as exc:
        load_questionnaire(write(tmp_path, data, name))
    return [str(i) for i in exc.value.issues]


def daily(raw_questionnaires):
    return copy.deepcopy(raw_questionnaires["daily-postop"])


def item(data, link_id):
    return next(i for i in data["items"] if i["link_id"] == link_id)


def test_duplicate_link_id(tmp_path, raw_questionnaires):
    data = daily(raw_questionnaires)
    item(data, "wound_opening")["link_id"] = "wound_bleeding"
    assert issues_of(tmp_path, data) == [
        "daily-postop.yaml: item wound_bleeding: field items[7].link_id: "
        "duplicate link_id 'wound_bleeding' (already items[6])"]


def test_min_greater_than_max(tmp_path, raw_questionnaires):
    data = daily(raw_questionnaires)
    item(data, "pain_now").update(min=10, max=0)
    assert issues_of(tmp_path, data) == [
        "daily-postop.yaml: item pain_now: field items[0].min: min 10 is greater than max 0"]


def test_choice_item_without_choices(tmp_path, raw_questionnaires):
    data = daily(raw_questionnaires)
    del item(data, "wound_discharge")["choices"]
    (issue,) = issues_of(tmp_path, data)
    assert issue.startswith("daily-postop.yaml: item wound_discharge: field items[5]: ")
    assert "'choices' is a required property" in issue


def test_unknown_reading_type(tmp_path, raw_questionnaires):
    data = daily(raw_questionnaires)
    item(data, "temperature")["reading"] = "body_heat"
    (issue,) = issues_of(tmp_path, data)
    assert issue.startswith("daily-postop.yaml: item temperature: field items[3].reading: "
                            "unknown reading type 'body_heat'")


def test_enable_when_must_reference_an_earlier_item(tmp_path, raw_questionnaires):
    data = daily(raw_questionnaires)
    del data["sms"]  # it asks wound_redness, which an SMS form could no longer ask
    item(data, "pain_location")["enable_when"] = {"answer": "calf_pain", "op": "==",
                                                  "value": True}
    item(data, "wound_redness")["enable_when"] = {"answer": "swelling", "op": "==",
                                                  "value": True}
    item(data, "free_text")["enable_when"] = {"answer": "nausea", "op": ">", "value": 0}
    assert issues_of(tmp_path, data) == [
        "daily-postop.yaml: item pain_location: field items[2].enable_when.answer: "
        "'calf_pain' must be an item placed before 'pain_location'",
        "daily-postop.yaml: item wound_redness: field items[4].enable_when.answer: "
        "'swelling' must be an item placed before 'wound_redness'",
        "daily-postop.yaml: item free_text: field items[15].enable_when.op: "
        "operator '>' cannot be applied to a choice answer (allowed: !=, ==, in)",
    ]


def test_enable_when_values_must_fit_the_item(tmp_path, raw_questionnaires):
    data = daily(raw_questionnaires)
    item(data, "free_text")["enable_when"] = {
        "any": [{"answer": "nausea", "op": "in", "value": ["vomiting", "retching"]},
                {"answer": "daily-postop.calf_pain", "op": "==", "value": "yes"},
                {"answer": "vitals.spo2", "op": "<", "value": 90}]}
    assert issues_of(tmp_path, data) == [
        "daily-postop.yaml: item free_text: field items[15].enable_when.any[0].value: "
        "'retching' is not a choice of 'nausea'",
        "daily-postop.yaml: item free_text: field items[15].enable_when.any[1].value: "
        "'yes' is not true or false",
        "daily-postop.yaml: item free_text: field items[15].enable_when.any[2].answer: "
        "'vitals.spo2' is not an answer of daily-postop",
    ]


def test_enable_when_on_a_reading_item(tmp_path, raw_questionnaires):
    data = daily(raw_questionnaires)
    item(data, "free_text")["enable_when"] = {"answer": "temperature", "op": ">=", "value": 38}
    q = load_questionnaire(write(tmp_path, data))
    answers = {k: v for k, v in DAILY_OK.items() if k != "pain_location"} | {"pain_now": 0}
    with pytest.raises(AnswerError) as exc:
        validate_answers(q, {**answers, "temperature": "37.2", "free_text": "cold"})
    assert set(exc.value.errors) == {"free_text"}
    cleaned = validate_answers(q, {**answers, "temperature": "38.0", "free_text": "shivering"})
    assert cleaned["free_text"] == "shivering"
    item(data, "free_text")["enable_when"] = {"answer": "temperature", "op": "in",
                                              "value": ["hot"]}
    (issue,) = issues_of(tmp_path, data)
    assert issue.endswith("operator 'in' cannot be applied to a decimal answer "
                          "(allowed: !=, <, <=, ==, >, >=, between)")


def test_missing_translation_and_unknown_key(tmp_path, raw_questionnaires):
    data = daily(raw_questionnaires)
    del item(data, "calf_pain")["text"]["en"]
    item(data, "walking")["colour"] = "red"
    issues = issues_of(tmp_path, data)
    assert "daily-postop.yaml: item walking: field items[12]: Additional properties are not "\
           "allowed ('colour' was unexpected)" in issues
    assert "daily-postop.yaml: item calf_pain: field items[14].text: 'en' is a required "\
           "property" in issues


def test_every_problem_is_reported_at_once(tmp_path, raw_questionnaires):
    data = daily(raw_questionnaires)
    item(data, "pain_now").update(min=10, max=0)
    item(data, "temperature")["reading"] = "body_heat"
    del item(data, "wound_discharge")["choices"]
    data["title"] = "Daily"
    issues = issues_of(tmp_path, data)
    assert len(issues) == 4
    assert {i.split(": field ")[1].split(":")[0] for i in issues} == {
        "title", "items[0].min", "items[3].reading", "items[5]"}


def test_score_needs_its_items(tmp_path, raw_questionnaires):
    data = copy.deepcopy(raw_questionnaires["qor-15"])
    data["items"] = [i for i in data["items"] if i["link_id"] != "q7"]
    data["items"][0]["max"] = 5
    assert issues_of(tmp_path, data, "qor-15.yaml") == [
        "qor-15.yaml: item q1: field items[0].min: score qor15 needs q1 from 0 to 10",
        "qor-15.yaml: item q7: field items: score qor15 needs an item 'q7'",
    ]


def test_phq9_choice_scores_are_checked(tmp_path, raw_questionnaires):
    data = copy.deepcopy(raw_questionnaires["phq-9"])
    # YAML anchors share one choices list between items: give q9 its own before editing.
    data["items"][8]["choices"] = copy.deepcopy(data["items"][8]["choices"])
    data["items"][8]["choices"][3]["score"] = 4
    assert issues_of(tmp_path, data, "phq-9.yaml") == [
        "phq-9.yaml: item q9: field items[8].choices: score phq9 needs choice scores "
        "(0, 1, 2, 3), got (0, 1, 2, 4)"]


def test_questionnaire_rule_may_only_read_its_own_answers(tmp_path, raw_questionnaires):
    data = copy.deepcopy(raw_questionnaires["phq-9"])
    data["rules"][0]["when"] = {"all": [{"answer": "daily-postop.pain_now", "op": ">=",
                                         "value": 7},
                                        {"answer": "phq-9.q11", "op": "==", "value": 1}]}
    assert issues_of(tmp_path, data, "phq-9.yaml") == [
        "phq-9.yaml: rule phq9-item9-positive: field when.all[0].answer: "
        "'daily-postop.pain_now' is not an item of questionnaire phq-9",
        "phq-9.yaml: rule phq9-item9-positive: field when.all[1].answer: "
        "'phq-9.q11' is not an item of questionnaire phq-9",
    ]


def test_questionnaire_rule_without_source(tmp_path, raw_questionnaires):
    data = copy.deepcopy(raw_questionnaires["phq-9"])
    del data["rules"][0]["source"]
    assert issues_of(tmp_path, data, "phq-9.yaml") == [
        "phq-9.yaml: field rules[0]: 'source' is a required property"]


def test_yaml_syntax_error_names_the_file(tmp_path):
    path = tmp_path / "vitals.yaml"
    path.write_text("slug: vitals\nitems: [\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"^vitals\.yaml: field \(yaml\): "):
        load_questionnaire(path)


def test_file_name_must_be_the_slug(tmp_path, raw_questionnaires):
    write(tmp_path, raw_questionnaires["pain-nrs"], "pain.yaml")
    with pytest.raises(ContentError, match="pain.yaml: field slug: slug 'pain-nrs' differs"):
        load_questionnaires(tmp_path)


# --- answers --------------------------------------------------------------------------

DAILY_OK = {
    "pain_now": 3, "pain_worst_24h": "6", "pain_location": " around the scar ",
    "wound_redness": False, "wound_discharge": "none", "wound_bleeding": False,
    "wound_opening": False, "nausea": "nausea", "eating_drinking": "reduced",
    "urination": "normal", "stools": "none_since_surgery", "walking": "with_help",
    "breathlessness": "none", "calf_pain": False,
}


def test_valid_answers_are_cleaned(questionnaires):
    cleaned = validate_answers(questionnaires["daily-postop"],
                               {**DAILY_OK, "temperature": "38,2", "free_text": None})
    assert cleaned["pain_now"] == Decimal(3) and cleaned["pain_worst_24h"] == Decimal(6)
    assert cleaned["pain_location"] == "around the scar"
    assert cleaned["temperature"] == Decimal("38.2")
    assert cleaned["nausea"] == "nausea"
    assert "free_text" not in cleaned


def test_every_bad_answer_is_reported(questionnaires):
    answers = {**DAILY_OK, "pain_worst_24h": 11, "wound_discharge": "green",
               "wound_redness": "yes", "pain_now": True, "temperature": 385, "mood": "ok"}
    del answers["calf_pain"]
    with pytest.raises(AnswerError) as exc:
        validate_answers(questionnaires["daily-postop"], answers)
    assert exc.value.errors == {
        "mood": "mood: not an item of questionnaire daily-postop",
        "pain_now": "pain_now: expected a number, got true",
        "pain_worst_24h": "pain_worst_24h: 11 is above the maximum 10",
        "temperature": "temperature: 385 Cel is outside the plausible range 25–45 Cel; "
                       "check the decimal point",
        "wound_redness": "wound_redness: expected true or false, got 'yes'",
        "wound_discharge": "wound_discharge: 'green' is not one of none, clear, "
                           "cloudy_or_pus, blood",
        "calf_pain": "calf_pain: required",
    }


@pytest.mark.parametrize(
    ("answer", "message"),
    [(-1, "pain_now: -1 is below the minimum 0"),
     ("7.5", "pain_now: 7.5 is not a whole number"),
     ("seven", "pain_now: 'seven' is not a number"),
     ([7], "pain_now: expected a number, got list")],
)
def test_integer_answers(questionnaires, answer, message):
    with pytest.raises(AnswerError) as exc:
        validate_answers(questionnaires["daily-postop"], {**DAILY_OK, "pain_now": answer})
    assert exc.value.errors == {"pain_now": message}


def test_integer_accepts_integral_decimal_strings(questionnaires):
    cleaned = validate_answers(questionnaires["daily-postop"], {**DAILY_OK, "pain_now": "7.0"})
    assert cleaned["pain_now"] == Decimal(7)


def test_hidden_item_is_not_required_and_refused(questionnaires):
    daily_q = questionnaires["daily-postop"]
    no_pain = {**DAILY_OK, "pain_now": 0}
    with pytest.raises(AnswerError) as exc:
        validate_answers(daily_q, no_pain)
    assert exc.value.errors == {
        "pain_location": "pain_location: not asked for these answers (its condition is not "
                         "met); leave it out"}
    del no_pain["pain_location"]
    assert "pain_location" not in validate_answers(daily_q, no_pain)
    assert "pain_location" not in validate_answers(daily_q, {**no_pain, "pain_location": ""})


def test_a_form_showing_every_item_drops_the_answers_its_conditions_hide(questionnaires):
    daily_q = questionnaires["daily-postop"]
    no_pain = {**DAILY_OK, "pain_now": "0", "pain_location": "au mollet", "extra": 1}
    kept = asked_answers(daily_q, no_pain)
    assert "pain_location" not in kept and kept["extra"] == 1  # unknown: left to refuse
    assert kept["pain_now"] == "0"  # as given, not cleaned
    with_pain = asked_answers(daily_q, {**no_pain, "pain_now": "3"})
    assert with_pain["pain_location"] == "au mollet"
    # An answer that cannot be read decides nothing: validate_answers names it.
    unread = asked_answers(daily_q, {**no_pain, "pain_now": "beaucoup"})
    assert "pain_location" not in unread
    del unread["extra"]
    with pytest.raises(AnswerError) as exc:
        validate_answers(daily_q, unread)
    assert set(exc.value.errors) == {"pain_now"}


def test_dependent_of_a_refused_answer_is_not_demanded(questionnaires):
    answers = {**DAILY_OK, "pain_now": 12}
    del answers["pain_location"]
    with pytest.raises(AnswerError) as exc:
        validate_answers(questionnaires["daily-postop"], answers)
    assert set(exc.value.errors) == {"pain_now"}


def test_text_too_long(questionnaires):
    with pytest.raises(AnswerError) as exc:
        validate_answers(questionnaires["daily-postop"], {**DAILY_OK, "free_text": "x" * 1001})
    assert exc.value.errors == {"free_text": "free_text: 1001 characters is above the maximum 1000"}


def test_vitals_need_at_least_one_reading(questionnaires, now):
    vitals = questionnaires["vitals"]
    with pytest.raises(AnswerError) as exc:
        validate_answers(vitals, {"weight": None})
    assert exc.value.errors == {"answers": "answers: at least 1 of the items must be answered"}
    cleaned = validate_answers(vitals, {
        "weight": {"value": 176, "unit": "lb"}, "temperature": {"value": "100.4", "unit": "[degF]"},
        "consciousness": "a", "supplemental_oxygen": False, "spo2": 95})
    assert cleaned == {"temperature": Decimal("38.0"), "spo2": Decimal(95),
                       "supplemental_oxygen": False, "weight": Decimal("79.8"),
                       "consciousness": "A"}
    readings = readings_from_answers(vitals, cleaned, now)
    assert [(r.type, r.value, r.unit) for r in readings] == [
        ("temperature", Decimal("38.0"), "Cel"), ("spo2", Decimal(95), "%"),
        ("supplemental_oxygen", False, ""), ("weight", Decimal("79.8"), "kg"),
        ("consciousness", "A", "")]
    assert all(r.measured_at == now for r in readings)


def test_reading_answers_are_refused_with_the_reason(questionnaires):
    with pytest.raises(AnswerError) as exc:
        validate_answers(questionnaires["vitals"], {
            "weight": {"value": 70, "unit": "stone"}, "supplemental_oxygen": "no",
            "glucose": {"value": 5.5, "unit": "mmol/L", "when": "now"}})
    assert exc.value.errors == {
        "glucose": "glucose: expected a value or {value, unit}",
        "supplemental_oxygen": "supplemental_oxygen: expected true or false, got 'no'",
        "weight": "weight: unit 'stone' is not accepted (use 'kg', 'kilogram', 'kilograms', "
                  "'[lb_av]', 'lb', 'lbs', 'g')",
    }


def test_answers_must_be_a_mapping(questionnaires):
    with pytest.raises(AnswerError) as exc:
        validate_answers(questionnaires["pain-nrs"], [3, 5, True])
    assert exc.value.errors == {"answers": "answers: expected an object {link_id: value}"}


def test_phq9_optional_difficulty_item(questionnaires):
    phq = questionnaires["phq-9"]
    answers = {f"q{i}": "not_at_all" for i in range(1, 10)}
    assert "q10" not in validate_answers(phq, answers)
    with pytest.raises(AnswerError) as exc:
        validate_answers(phq, {**answers, "q3": None, "q10": "a_bit"})
    assert exc.value.errors == {
        "q3": "q3: required",
        "q10": "q10: 'a_bit' is not one of not_difficult, somewhat_difficult, very_difficult, "
               "extremely_difficult"}


CUSTOM = {
    "slug": "custom", "version": 1, "title": {"fr": "Essai", "en": "Test"},
    "source": "Test questionnaire written for the unit tests.",
    "items": [
        {"link_id": "drain", "type": "boolean", "text": {"fr": "Drain ?", "en": "Drain?"}},
        {"link_id": "drain_volume", "type": "decimal", "unit": "mL", "min": 0, "max": "2000.5",
         "text": {"fr": "Volume ?", "en": "Volume?"},
         "enable_when": {"answer": "drain", "op": "==", "value": True}},
        {"link_id": "symptoms", "type": "multi_choice", "required": False,
         "text": {"fr": "Symptômes", "en": "Symptoms"},
         "choices": [{"code": "fever", "text": {"fr": "Fièvre", "en": "Fever"}},
                     {"code": "chills", "text": {"fr": "Frissons", "en": "Chills"}},
                     {"code": "cough", "text": {"fr": "Toux", "en": "Cough"}}]},
        {"link_id": "since", "type": "date", "text": {"fr": "Depuis ?", "en": "Since?"},
         "enable_when": {"not": {"answer": "symptoms", "op": "in", "value": ["cough"]}}},
    ],
}


def test_required_conditional_item_and_other_types():
    q = load_questionnaire(CUSTOM)
    with pytest.raises(AnswerError) as exc:
        validate_answers(q, {"drain": True, "since": "2024-02-30"})
    assert exc.value.errors == {
        "drain_volume": "drain_volume: required",
        "since": "since: '2024-02-30' is not a date in ISO 8601 format (YYYY-MM-DD)"}
    cleaned = validate_answers(q, {"drain": True, "drain_volume": 120.5,
                                   "symptoms": ["chills", "fever", "chills"],
                                   "since": "2024-03-01"})
    assert cleaned == {"drain": True, "drain_volume": Decimal("120.5"),
                       "symptoms": ["fever", "chills"], "since": date(2024, 3, 1)}
    with pytest.raises(AnswerError) as exc:
        validate_answers(q, {"drain": False, "symptoms": ["cough"], "since": "2024-03-01"})
    assert set(exc.value.errors) == {"since"}
    assert validate_answers(q, {"drain": False, "since": date(2024, 3, 1)})["since"] == \
        date(2024, 3, 1)
    with pytest.raises(AnswerError, match="symptoms: 'rash' is not one of fever, chills, cough"):
        validate_answers(q, {"drain": False, "symptoms": ["rash"], "since": "2024-03-01"})


def test_to_dict_exposes_enable_when_and_bounds():
    item_ = load_questionnaire(CUSTOM).item("drain_volume").to_dict("en")
    assert item_["enable_when"] == {"answer": "drain", "op": "==", "value": True}
    assert (item_["min"], item_["max"], item_["unit"]) == (0, 2000.5, "mL")
    assert item_["text"] == "Volume?"


def test_readings_from_raw_answers(questionnaires):
    at = datetime(2024, 3, 31, 10, 0, tzinfo=UTC)
    answers = {**DAILY_OK, "temperature": {"value": 101, "unit": "°F"}}
    (reading,) = readings_from_answers(questionnaires["daily-postop"], answers, at)
    assert (reading.type, reading.value, reading.unit) == ("temperature", Decimal("38.3"), "Cel")


def test_public_names_are_reexported():
    import rules

    assert all(getattr(rules, name) is not None for name in rules.__all__)
    assert rules.validate_answers is validate_answers


def test_load_content_includes_questionnaires_and_their_yaml():
    from rules.loader import load_content

    content = load_content()
    assert set(content.questionnaires) == SLUGS
    assert set(content.raw["questionnaires"]) == SLUGS
    assert content.raw["questionnaires"]["qor-15"]["items"][14]["link_id"] == "q15"
    json.dumps(content.raw)  # stored as JSON in the database


# --- units a patient may choose for a reading ------------------------------------------


def test_vitals_glucose_offers_the_units_of_home_meters(questionnaires):
    vitals = questionnaires["vitals"]
    assert vitals.version == 2  # version 1 had no units: a stored version never changes
    glucose = vitals.item("glucose")
    assert glucose.units == ("g/L", "mmol/L", "mg/dL")  # French meters first
    served = glucose.to_dict("fr")
    assert served["unit"] == "mmol/L" and served["units"] == ["g/L", "mmol/L", "mg/dL"]
    assert vitals.item("weight").to_dict("en")["units"] == []


def test_units_must_be_units_of_the_reading(tmp_path, raw_questionnaires):
    data = copy.deepcopy(raw_questionnaires["vitals"])
    item(data, "glucose")["units"] = ["g/L", "mmol/l", "mmol/L", "kg"]
    item(data, "supplemental_oxygen")["units"] = ["%"]
    assert issues_of(tmp_path, data, "vitals.yaml") == [
        "vitals.yaml: item supplemental_oxygen: field items[6].units: "
        "a supplemental_oxygen reading has no unit to choose",
        "vitals.yaml: item glucose: field items[8].units: "
        "'mmol/L' is the same unit as 'mmol/l'",
        "vitals.yaml: item glucose: field items[8].units: 'kg' is not a unit of glucose "
        "(use 'mmol/L', 'mmol/l', 'mg/dL', 'mg/dl', 'g/L', 'g/l')",
    ]


def test_units_only_on_reading_items(tmp_path, raw_questionnaires):
    data = daily(raw_questionnaires)
    item(data, "pain_now")["units"] = ["{score}"]
    item(data, "temperature")["units"] = []
    issues = issues_of(tmp_path, data)
    assert len(issues) == 2, issues
    assert issues[0].startswith("daily-postop.yaml: item pain_now: field items[0]: ")
    assert issues[0].endswith("should not be valid under {'required': ['units']}")
    assert issues[1].startswith("daily-postop.yaml: item temperature: field items[3].units: "
                                "[] should be non-empty")


@pytest.mark.parametrize(("answer", "stored"), [
    ({"value": 1.2, "unit": "g/L"}, Decimal("6.7")),
    ({"value": "1,2", "unit": "g/L"}, Decimal("6.7")),  # decimal comma
    ({"value": 120, "unit": "mg/dL"}, Decimal("6.7")),
    ({"value": "6,7", "unit": "mmol/L"}, Decimal("6.7")),
    (6.7, Decimal("6.7")),  # a bare number is in the item's unit, mmol/L
    ("1,2", Decimal("1.2")),
])
def test_glucose_answer_in_any_offered_unit_is_kept_in_mmol_per_litre(
        questionnaires, now, answer, stored):
    vitals = questionnaires["vitals"]
    cleaned = validate_answers(vitals, {"glucose": answer})
    assert cleaned == {"glucose": stored}
    # Stored answers are the cleaned ones: read again, they mean the same (mmol/L).
    assert validate_answers(vitals, json.loads(json.dumps({"glucose": float(stored)}))) == cleaned
    [reading] = readings_from_answers(vitals, {"glucose": answer}, now)
    assert (reading.value, reading.unit) == (stored, "mmol/L")


def test_glucose_answer_refusals_name_the_item_and_the_likely_unit(questionnaires):
    with pytest.raises(AnswerError) as exc:
        validate_answers(questionnaires["vitals"], {"glucose": {"value": "0,3",
                                                                "unit": "mmol/L"}})
    assert exc.value.errors == {"glucose": "glucose: 0.3 mmol/L is outside the plausible "
                                "range 0.5–40 mmol/L; did you mean 0.3 g/L?"}
    for unit in ("mmol", 5):
        with pytest.raises(AnswerError) as exc:
            validate_answers(questionnaires["vitals"], {"glucose": {"value": 1.2, "unit": unit}})
        assert exc.value.errors["glucose"].startswith(f"glucose: unit {unit!r} is not")


# -- stored answers read back ------------------------------------------------------------

NUMBERS = st.one_of(st.integers(-1000, 100_000),
                    st.floats(-1000, 100_000, allow_nan=False).map(lambda f: round(f, 2)),
                    st.sampled_from(["38,5", "7.2", "abc", "", "1e3"]))
VALUES = st.one_of(NUMBERS, st.booleans(), st.none(), st.dates().map(date.isoformat),
                   st.lists(st.sampled_from(["a", "b"]), max_size=2))


def _restored_once(item, value):
    """What reading a stored value back means: cleaned again, or kept when it no longer
    cleans (the reference the memo of ``stored_answers`` must give back each time)."""
    try:
        return _clean(item, value)
    except ValueError:
        return value


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_stored_values_read_back_as_cleaned_the_first_time_and_every_time(
        questionnaires, data):
    """Every submission reads its window back; the values converted once are then taken
    from the questionnaire's memo. Both readings give exactly the cleaned value (38 is
    Decimal('38.0') °C, a whole number is a whole Decimal), or the value as stored when it
    no longer converts, never the other's."""
    questionnaire = questionnaires[data.draw(st.sampled_from(sorted(questionnaires)))]
    item = data.draw(st.sampled_from(questionnaire.items))
    value = data.draw(VALUES)
    expected = _restored_once(item, value)
    for _ in range(2):
        [(link_id, got)] = stored_answers(questionnaire, {item.link_id: value}).items()
        assert link_id == item.link_id
        assert (got, type(got), str(got)) == (expected, type(expected), str(expected))


def test_answers_survive_being_stored_as_json_and_read_back(questionnaires):
    daily = questionnaires["daily-postop"]
    cleaned = validate_answers(daily, {
        "pain_now": 3, "pain_worst_24h": 5, "wound_redness": False,
        "wound_discharge": "none", "wound_bleeding": False, "wound_opening": False,
        "nausea": "none", "eating_drinking": "normal", "urination": "normal",
        "stools": "normal", "walking": "as_usual", "breathlessness": "none",
        "calf_pain": False, "temperature": 38})
    stored = json.loads(json.dumps(json_value(cleaned)))
    for _ in range(2):
        back = stored_answers(daily, stored)
        assert back == cleaned
        assert str(back["temperature"]) == "38.0" and str(back["pain_now"]) == "3"
