"""Every rule a shipped protocol can raise has a title in both languages on the pages."""

from backend.alerts.models import OUTCOMES as ALERT_OUTCOMES
from backend.web.labels import OUTCOMES, RULES
from rules.loader import load_content


def test_every_shipped_rule_has_a_french_and_english_title():
    content = load_content()
    rule_ids = {rule.id for versions in content.protocols.values()
                for protocol in versions.values() for rule in protocol.all_rules()}
    assert sorted(rule_ids - set(RULES)) == []
    assert all(fr.strip() and en.strip() for fr, en in RULES.values())


def test_every_outcome_has_a_label():
    assert set(ALERT_OUTCOMES) <= set(OUTCOMES)


def test_evidence_shows_the_words_the_patient_chose(app):
    from backend.web.labels import evidence_lines

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert evidence_lines([{"answer": "daily-postop.nausea", "value": "vomiting"}]) == \
            ["Nausées : J'ai vomi"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert evidence_lines([{"answer": "daily-postop.nausea", "value": "vomiting"}]) == \
            ["Nausea: I vomited"]


def test_a_shared_numbers_message_names_whom_to_ask_for(app):
    from backend.web.labels import evidence_lines

    item = {"kind": "message", "source": "sms", "text": "j'ai mal", "shared_by": 3,
            "to_identify": True, "other_teams": 1,
            "candidates": [{"patient_id": "a", "name": "MOREL Jeanne"},
                           {"patient_id": "b", "name": "MOREL Louis"}]}
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert evidence_lines([item]) == [
            "« j'ai mal » (SMS) — numéro partagé par 3 patients : appelez pour savoir qui a "
            "écrit (MOREL Jeanne, MOREL Louis, et 1 patient(s) d'une autre équipe)"]


def test_an_sms_not_delivered_says_what_how_often_and_why(app):
    from backend.web.labels import evidence_lines

    item = {"kind": "undelivered", "template": "task.form_link", "attempts": 3,
            "error_code": "30003", "reason": "attempts", "channel": "sms"}
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert evidence_lines([item]) == [
            "« lien du questionnaire web » non remis après 3 envoi(s) (erreur 30003) : tous "
            "les essais ont échoué"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert evidence_lines([{**item, "reason": "opted_out", "error_code": None}]) == [
            "“web questionnaire link” not delivered after 3 attempt(s): the patient opted "
            "out (STOP)"]
