"""Answering on the phone: pages, enable_when and local checks agree with the server's."""

from __future__ import annotations

import pytest
from suivi_app.core.questionnaire import QuestionnaireSession, input_kind

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
