"""Every text of the web pages has its English version; the API's refusals read in
French on a French page."""

from __future__ import annotations

import re
from pathlib import Path

from backend.web.i18n import error_text
from backend.web.messages_en import EN

WEB = Path(__file__).resolve().parents[2] / "backend" / "web"
CALL = re.compile(r"""_\(\s*(["'])((?:\\.|(?!\1).)*)\1""")


def test_every_french_text_of_the_pages_has_an_english_version():
    texts = {match.group(2).replace("\\'", "'") for path in
             [*WEB.glob("templates/*.html"), *WEB.glob("*.py")]
             for match in CALL.finditer(path.read_text())}
    assert len(texts) > 100
    assert sorted(texts - set(EN)) == []


def test_refusals_of_the_services_read_in_french(app):
    with app.test_request_context(headers={"Accept-Language": "fr-FR"}):
        assert error_text("staff_id: is not a member of this patient's care team", 422) == (
            "Personne assignée : ne fait pas partie de l'équipe soignante de ce patient.")
        assert error_text("Too many failed attempts; retry in 8 s.", 429) == (
            "Trop de tentatives : réessayez dans 8 s.")
        # A message the catalogue does not know yet still says, in French, what happened.
        assert error_text("snooze: at most 4 h for this alert", 422) == (
            "Saisie refusée (snooze: at most 4 h for this alert).")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert error_text("No such patient.", 404) == "No such patient."
