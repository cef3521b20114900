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
