"""Answering on the phone: pages, enable_when and local checks agree with the server's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from suivi_app.core.questionnaire import QuestionnaireSession, input_kind, unit_choices

from rules.loader import load_questionnaires
from rules.questionnaire import AnswerError, validate_answers
from tests.helpers import daily

QUESTIONNAIRES, _ = load_questionnaires()


def definition(slug: str, lang: str = "fr") -> dict:
    """The definition exactly as GET /api/v1/questionnaires/{slug}?lang= serves it."""
    return QUESTIONNAIRES[slug].to_dict(lang)


def test_pages_follow_enable_when_and_hidden_answers_are_not_sent():
    session = QuestionnaireSession(definition("daily-postop"))
    assert session.position == (1, 15)
    assert session.next() == "Répondez à cette question pour continuer."
    session.set(0)
    assert session.next() is None and session.current["link_id"] == "pain_worst_24h"
    assert "pain_location" not in [i["link_id"] for i in session.items]

    session.previous()
    session.set(4)
    session.next()
    session.set(5)
    session.next()
    assert session.current["link_id"] == "pain_location" and session.position == (3, 16)
    session.set_text("  la cicatrice ")
    session.go_to("pain_now")
    session.set(0)  # no pain any more: the location question goes, and its answer with it
    assert "pain_location" not in session.answers()


@pytest.mark.parametrize(("link_id", "text", "expected"), [
    ("temperature", "39,2", None),
    ("temperature", "385", "Saisissez une valeur entre 25 et 45 °C."),
    ("temperature", "trente-neuf", "« trente-neuf » n'est pas un nombre."),
    ("temperature", "", None),  # optional: left blank, not sent
    ("free_text", "x" * 1001, "1000 caractères au maximum."),
])
def test_typed_answers_are_checked_on_the_page(link_id, text, expected):
    session = QuestionnaireSession(definition("daily-postop"), daily())
    session.go_to(link_id)
    assert session.set_text(text) == expected


def test_each_item_gets_the_input_an_elderly_patient_can_tap():
    kinds = {i["link_id"]: input_kind(i) for i in definition("daily-postop")["items"]}
    assert kinds["pain_now"] == "scale" and kinds["wound_redness"] == "yes_no"
    assert kinds["nausea"] == "choice" and kinds["temperature"] == "number"
    assert kinds["free_text"] == "text"
    vitals = {i["link_id"]: input_kind(i) for i in definition("vitals")["items"]}
    assert vitals["supplemental_oxygen"] == "yes_no" and vitals["consciousness"] == "choice"
    assert vitals["heart_rate"] == "number"


@pytest.mark.parametrize("answers", [
    daily(),
    daily(pain_now=0, pain_location=None),
    daily(pain_now=11),
    daily(pain_now=3.5),
    daily(temperature=385),
    daily(temperature=24.9),
    daily(nausea=None),
    daily(free_text="y" * 1001),
    {**daily(), "temperature": 38.0, "free_text": "rien"},
])
def test_local_checks_accept_and_refuse_what_the_server_does(answers):
    session = QuestionnaireSession(definition("daily-postop"),
                                   {k: v for k, v in answers.items() if v is not None})
    try:
        validate_answers(QUESTIONNAIRES["daily-postop"], session.answers())
        server_ok = True
    except AnswerError:
        server_ok = False
    assert (session.problems() == {}) == server_ok, session.problems()


def test_english_patients_get_english_checks():
    session = QuestionnaireSession(definition("vitals", "en"), lang="en")
    session.go_to("spo2")
    assert session.set_text("101") == "Please enter a value between 50 and 100 %."


# -- readings in the unit of the patient's device ------------------------------------------
def glucose_page(lang: str = "fr") -> QuestionnaireSession:
    session = QuestionnaireSession(definition("vitals", lang), lang=lang)
    session.go_to("glucose")
    return session


def test_the_glucose_page_offers_the_units_of_home_meters_g_per_litre_first():
    session = glucose_page()
    assert unit_choices(session.current) == ["g/L", "mmol/L", "mg/dL"]
    assert session.unit() == "g/L"  # preselected: French meters show g/L
    assert input_kind(session.current) == "number"
    assert session.set_text("1,2") is None  # decimal comma
    assert session.answers() == {"glucose": {"value": 1.2, "unit": "g/L"}}
    session.set_unit("mmol/L")
    assert session.answers() == {"glucose": {"value": 1.2, "unit": "mmol/L"}}
    with pytest.raises(ValueError):
        session.set_unit("kg")
    # The server stores what the patient meant, in mmol/L.
    assert validate_answers(QUESTIONNAIRES["vitals"], {
        "glucose": {"value": 1.2, "unit": "g/L"}})["glucose"] == Decimal("6.7")


def test_a_measured_value_is_never_sent_without_its_unit():
    session = QuestionnaireSession(definition("daily-postop"), daily())
    session.go_to("temperature")
    session.set_text("39,2")
    assert session.answers()["temperature"] == {"value": 39.2, "unit": "Cel"}
    assert session.answers()["pain_now"] == daily()["pain_now"]  # a score is not a reading
    vitals = QuestionnaireSession(definition("vitals"))
    vitals.go_to("weight")
    vitals.set_text("72,5")
    vitals.go_to("consciousness")
    vitals.set("A")
    assert vitals.answers() == {"weight": {"value": 72.5, "unit": "kg"}, "consciousness": "A"}


@pytest.mark.parametrize(("unit", "text", "expected"), [
    ("g/L", "120", "Saisissez une valeur entre 0,09 et 7,21 g/L. Vouliez-vous dire "
                   "120 mg/dL ? Si oui, touchez cette unité."),
    ("mmol/L", "0,3", "Saisissez une valeur entre 0,5 et 40 mmol/L. Vouliez-vous dire "
                      "0,3 g/L ? Si oui, touchez cette unité."),
    ("mg/dL", "1,2", "Saisissez une valeur entre 9 et 721 mg/dL. Vouliez-vous dire "
                     "1,2 g/L ou 1,2 mmol/L ? Si oui, touchez cette unité."),
    ("mg/dL", "20000", "Saisissez une valeur entre 9 et 721 mg/dL."),  # no unit fits
    ("g/L", "0,09", None),
    ("mmol/L", "1,2", None),  # a real severe hypoglycaemia: sent, and the rules alert
])
def test_an_implausible_glucose_says_in_which_unit_it_would_fit(unit, text, expected):
    session = glucose_page()
    session.set_unit(unit)
    assert session.set_text(text) == expected


def test_english_unit_hint():
    session = glucose_page("en")
    assert session.set_text("120") == ("Please enter a value between 0.09 and 7.21 g/L. "
                                       "Did you mean 120 mg/dL? If so, tap that unit.")


@pytest.mark.parametrize("unit", ["g/L", "mmol/L", "mg/dL"])
@pytest.mark.parametrize("value", [0.08, 0.09, 0.45, 0.5, 1.2, 6, 7.21, 7.22, 8, 9, 39.9, 40,
                                   40.04, 40.05, 40.1, 120, 720, 721, 722])
def test_local_glucose_checks_agree_with_the_server_in_every_unit(unit, value):
    session = glucose_page()
    session.set_unit(unit)
    session.set(value)
    try:
        validate_answers(QUESTIONNAIRES["vitals"], session.answers())
        server_ok = True
    except AnswerError:
        server_ok = False
    assert (session.problems() == {}) == server_ok, (session.problems(), session.answers())


def test_an_answer_reopened_to_be_corrected_keeps_its_unit():
    sent = {"glucose": {"value": 120, "unit": "g/L"}, "weight": 70}
    session = QuestionnaireSession(definition("vitals"), sent)
    session.go_to("glucose")
    assert session.value() == 120 and session.unit() == "g/L"
    assert session.unit("weight") == "kg"
    session.set_unit("mg/dL")
    assert session.next() is None
    assert session.answers()["glucose"] == {"value": 120, "unit": "mg/dL"}


def test_a_glucose_reading_task_asks_the_unit_too():
    from suivi_app.core.service import _reading

    session = QuestionnaireSession.for_reading("glucose")
    assert unit_choices(session.current) == ["g/L", "mmol/L", "mg/dL"]
    assert session.set_text("1,05") is None
    assert _reading(session.current, session.answers()) == {
        "type": "glucose", "value": 1.05, "unit": "g/L"}
    weight = QuestionnaireSession.for_reading("weight")
    assert unit_choices(weight.current) == [] and weight.unit() == "kg"
    weight.set_text("72,5")
    assert _reading(weight.current, weight.answers()) == {
        "type": "weight", "value": 72.5, "unit": "kg"}


def test_blood_pressure_is_one_page_with_both_numbers():
    definition = {"slug": "vitals", "title": "Mesures", "items": [
        {"link_id": "heart_rate", "type": "reading", "reading": "heart_rate", "unit": "/min",
         "required": False, "text": "Pouls"},
        {"link_id": "systolic_bp", "type": "reading", "reading": "systolic_bp",
         "unit": "mm[Hg]", "required": False, "text": "Haut"},
        {"link_id": "diastolic_bp", "type": "reading", "reading": "diastolic_bp",
         "unit": "mm[Hg]", "required": False, "text": "Bas"},
        {"link_id": "weight", "type": "reading", "reading": "weight", "unit": "kg",
         "required": False, "text": "Poids"}]}
    session = QuestionnaireSession(definition)
    assert session.position == (1, 3)
    assert session.next() is None
    assert [i["link_id"] for i in session.page] == ["systolic_bp", "diastolic_bp"]
    assert session.position == (2, 3)
    assert session.set_text("135", "systolic_bp") is None
    assert session.set_text("400", "diastolic_bp") is not None  # beyond a monitor's range
    assert session.next() is not None and session.position == (2, 3)
    assert session.set_text("85", "diastolic_bp") is None
    assert session.next() is None and session.current["link_id"] == "weight"
    assert session.is_last and session.position == (3, 3)
    session.previous()
    assert session.current["link_id"] == "systolic_bp"
    session.go_to("diastolic_bp")
    assert session.current["link_id"] == "systolic_bp"
    assert session.answers() == {"systolic_bp": {"value": 135, "unit": "mm[Hg]"},
                                 "diastolic_bp": {"value": 85, "unit": "mm[Hg]"}}


def test_the_glucose_unit_chosen_in_the_settings_is_selected_and_sent():
    definition = {"slug": "vitals", "title": "Mesures", "items": [
        {"link_id": "glucose", "type": "reading", "reading": "glucose", "unit": "mmol/L",
         "units": ["g/L", "mmol/L", "mg/dL"], "required": False, "text": "Glycémie"}]}
    session = QuestionnaireSession(definition)
    assert session.unit() == "g/L"
    session.preferred_units = {"glucose": "mmol/L"}
    assert session.unit() == "mmol/L"
    assert session.set_text("6,7") is None
    assert session.answers() == {"glucose": {"value": 6.7, "unit": "mmol/L"}}
    session.set_unit("mg/dL")  # a tap on the page still wins
    assert session.unit() == "mg/dL"
    session.preferred_units = {"glucose": "mol/m3"}  # not offered: the page's own first
    session.units.clear()
    assert session.unit() == "g/L"


def test_readings_not_asked_of_this_patient_are_left_out():
    definition = {"slug": "vitals", "title": "Mesures", "items": [
        {"link_id": "respiratory_rate", "type": "reading", "reading": "respiratory_rate",
         "unit": "/min", "required": False, "text": "Fréquence respiratoire"},
        {"link_id": "heart_rate", "type": "reading", "reading": "heart_rate", "unit": "/min",
         "required": False, "text": "Pouls"},
        {"link_id": "consciousness", "type": "reading", "reading": "consciousness",
         "required": False, "text": "ACVPU", "choices": [{"code": "A", "text": "Éveillé"}]}]}
    session = QuestionnaireSession(definition)
    session.not_asked = {"respiratory_rate", "consciousness"}
    assert [i["link_id"] for i in session.items] == ["heart_rate"]
    assert session.position == (1, 1) and session.is_last


def test_items_the_days_task_does_not_ask_are_left_out_and_not_sent():
    definition = {"slug": "daily-postop", "title": "Suivi", "items": [
        {"link_id": "stools", "type": "boolean", "required": True, "text": "Selles ?"},
        {"link_id": "walking", "type": "boolean", "required": True, "text": "Marche ?"},
        {"link_id": "calf_pain", "type": "boolean", "required": True, "text": "Mollet ?"}]}
    session = QuestionnaireSession(definition, answers={"walking": True})  # an old draft
    session.items_not_asked = {"walking"}
    assert [i["link_id"] for i in session.items] == ["stools", "calf_pain"]
    assert session.position == (1, 2)
    session.set(False)
    assert session.next() is None and session.current["link_id"] == "calf_pain"
    session.set(False)
    assert session.answers() == {"stools": False, "calf_pain": False}
