"""The app's own words: French by default, English for patients whose language is en."""

from __future__ import annotations

import re
from datetime import date

from suivi_app.core import i18n


def test_appointments_read_in_the_patients_time_zone():
    at = "2026-11-23T13:30:00+00:00"
    assert i18n.appointment(at, "Europe/Paris", "fr", date(2026, 11, 23)) == (
        "Téléconsultation à 14:30")
    assert i18n.appointment(at, "Europe/Paris", "fr", date(2026, 11, 22)) == (
        "Téléconsultation le 23/11 à 14:30")
    assert i18n.appointment(at, "Europe/London", "en", date(2026, 11, 23)) == (
        "Video appointment at 1:30 PM")


def test_every_string_exists_in_both_languages_and_french_is_the_default():
    for fr, en in i18n.STRINGS.values():  # the same {fields} to fill in both languages
        assert fr and en and set(re.findall(r"{(\w+)}", fr)) == set(re.findall(r"{(\w+)}", en))
    assert i18n.tr("q.next") == "Suivant" and i18n.tr("q.next", "en") == "Next"
    assert i18n.waiting(1) == "1 réponse en attente d'envoi."
    assert i18n.waiting(3, "en") == "3 answers waiting to be sent."
    assert i18n.post_op_day(0) == "Jour de l'opération"
    assert i18n.post_op_day(4, "en") == "Day 4 after your operation"


def test_the_wards_number_and_hours_read_as_a_patient_reads_them():
    from suivi_app.core.i18n import phone, ward_hours

    assert phone("+33122334455") == "01 22 33 44 55"
    assert phone("+442079460000") == "+442079460000"
    assert ward_hours("08:30", "18:00", "Europe/Paris") == "Le service répond de 8 h 30 à 18 h."
    assert ward_hours("08:00", "17:30", "America/New_York", "en") == (
        "The ward answers from 8:00 to 17:30 (New York time).")


def test_french_spacing_never_leaves_a_question_mark_or_a_unit_alone_on_a_line():
    from suivi_app.core.i18n import typeset

    assert typeset("Où avez-vous mal ?") == "Où avez-vous mal\u00a0?"
    assert typeset("« dans le mollet »") == "«\u00a0dans le mollet\u00a0»"
    assert typeset("entre 8 h et 18 h.") == "entre 8\u00a0h et 18\u00a0h."
    assert typeset("au-dessus de 38,5 °C, 2 kg") == "au-dessus de 38,5\u00a0°C, 2\u00a0kg"
    assert typeset("Hello") == "Hello"
