"""The web form by SMS link: the link in the reminder, single use, expiring, stored as a
hash; the form posted through the submission service and scored by the same rules."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config
from sqlalchemy import select

from backend import db
from backend.formlinks.models import FormLink
from backend.intake.models import Submission
from backend.outbox.models import OutboxEntry
from backend.security import token_hash
from backend.server import AccessLogger, masked
from tests.formlinks.support import LINK, link_messages, sent_token, sent_tokens, web_patient
from tests.helpers import audit_events, count, daily, submit

PAIN_AND_FEVER = {**{k: v for k, v in daily(pain_now=8, pain_worst_24h=8).items()},
                  "temperature": "39,2"}


def form(answers: dict) -> dict:
    """The answers as the page posts them (radio values, typed text)."""
    out = {}
    for name, value in answers.items():
        out[name] = {True: "yes", False: "no"}.get(value, str(value)) \
            if isinstance(value, bool) else str(value)
    return out


def test_the_reminder_carries_a_single_use_link_stored_as_a_hash(world, app, clock, redis):
    patient, _ = web_patient(world, app, clock, redis)
    [message] = link_messages(app)  # one SMS for the two questionnaires due at 10:00
    tokens = sent_tokens(app)
    assert set(tokens) == {"daily-postop", "qor-15"}
    assert message.address == "+33655555555"
    assert message.body.count("/f/••••••••") == 2  # the stored copy masks the tokens
    assert all(token not in message.body for token in tokens.values())
    assert "valable jusqu'au 24/11 à 10:00" in message.body  # 24 h after due
    with app.app_context():
        links = db.session().scalars(select(FormLink)).all()
        assert {link.token_hash for link in links} == {token_hash(t) for t in tokens.values()}
        assert {str(link.patient_id) for link in links} == {patient["id"]}
        outbox = db.session().execute(select(OutboxEntry.payload)).scalars().all()
        assert all(token not in str(outbox) for token in tokens.values())  # forgotten


def test_an_sms_patient_gets_a_link_to_what_has_no_sms_form(world, app, clock, redis,
                                                            client):
    """The daily check is asked by SMS (tests/smsforms); QoR-15 has no SMS form."""
    web_patient(world, app, clock, redis, channel="sms")
    assert len(link_messages(app)) == 1
    assert set(sent_tokens(app)) == {"qor-15"}
    assert client.get(f"/f/{sent_tokens(app)['qor-15']}").status_code == 200


def test_an_app_patient_is_reminded_in_the_app_not_by_link(world, app, clock, redis):
    web_patient(world, app, clock, redis, channel="app")
    assert link_messages(app) == []


def test_the_form_is_scored_like_the_app_and_refused_the_second_time(world, app, clock,
                                                                        redis, client):
    patient, nurse = web_patient(world, app, clock, redis)
    token = sent_token(app)
    page = client.get(f"/f/{token}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    assert 'name="pain_now" value="10"' in html and "À remplir seulement si" in html
    done = client.post(f"/f/{token}", data=form(PAIN_AND_FEVER))
    assert done.status_code == 200, done.get_data(as_text=True)
    assert 'href="tel:15"' not in done.get_data(as_text=True)  # not an emergency
    # The same answers from the app raise the same alerts.
    app_patient, device = world.patient_device(
        nurse, surgery_date=clock.now().date() - timedelta(days=1))
    assert submit(device, "daily-postop", {**PAIN_AND_FEVER, "temperature": 39.2}
                  ).status_code == 201
    alerts = nurse.get("/api/v1/alerts").json
    by_patient = {}
    for alert in alerts:
        by_patient.setdefault(alert["patient"]["id"], set()).add(
            (alert["rule"], alert["severity"]))
    assert by_patient[patient["id"]] == {("fever-high", "high"), ("pain-severe", "medium")}
    assert by_patient[app_patient["id"]] == by_patient[patient["id"]]
    with app.app_context():
        [submission] = db.session().scalars(select(Submission).where(
            Submission.source == "web")).all()
        assert str(submission.patient_id) == patient["id"] and submission.task_id
    again = client.post(f"/f/{token}", data=form(PAIN_AND_FEVER))
    assert again.status_code == 410 and "déjà servi" in again.get_data(as_text=True)
    assert client.get(f"/f/{token}").status_code == 410
    assert count(app, Submission, source="web") == 1
    actions = [(e.action, e.outcome, str(e.patient_id)) for e in audit_events(app)
               if e.action.startswith("form_link.")]
    assert actions == [("form_link.open", "success", patient["id"]),
                       ("form_link.submit", "success", patient["id"]),
                       ("form_link.submit", "denied", patient["id"]),
                       ("form_link.open", "denied", patient["id"])]


def test_words_written_in_the_form_reach_the_nurse_as_from_the_web_form(
        world, app, clock, redis, client):
    patient, nurse = web_patient(world, app, clock, redis)
    written = form(daily(free_text="je dors mal depuis deux nuits"))
    assert client.post(f"/f/{sent_token(app)}", data=written).status_code == 200
    [item] = [a for a in nurse.get(f"/api/v1/alerts?patient_id={patient['id']}").json
              if a["rule_group"] == "message"]
    assert [(e["source"], e["text"]) for e in item["evidence"] if e.get("kind") == "message"
            ] == [("web", "je dors mal depuis deux nuits")]


def test_a_link_expires_24_hours_after_the_task_was_due(world, app, clock, redis, client):
    web_patient(world, app, clock, redis)
    token = sent_token(app)
    clock.advance(hours=23)
    assert client.get(f"/f/{token}").status_code == 200
    clock.advance(hours=1)
    expired = client.get(f"/f/{token}")
    assert expired.status_code == 410 and "expiré" in expired.get_data(as_text=True)
    assert client.post(f"/f/{token}", data=form(daily())).status_code == 410
    assert count(app, Submission) == 0


def test_an_unknown_link_names_no_one_and_tells_how_to_reach_the_ward(client, app):
    page = client.get("/f/f_not-a-real-token")
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and "répondez au SMS" in text
    [event] = [e for e in audit_events(app) if e.action == "form_link.open"]
    assert (event.outcome, event.patient_id, event.detail) == ("denied", None,
                                                               {"reason": "unknown"})


def test_bad_values_come_back_with_the_field_named_and_the_values_kept(world, app, clock,
                                                                        redis, client):
    web_patient(world, app, clock, redis, language="en")
    token = sent_token(app)
    for bad in ({"temperature": "hot"}, {"temperature": "385"}, {"pain_now": "11"},
                {"wound_redness": "perhaps"}, {"nausea": "<script>"}, {"pain_now": ""},
                {"free_text": "\u202eevil"}):
        posted = {**form(daily()), **bad}
        page = client.post(f"/f/{token}", data=posted)
        text = page.get_data(as_text=True)
        assert page.status_code == 422, (bad, text[:300])
        assert "correct what is marked in red" in text
        assert f'id="e-{next(iter(bad))}"' in text, bad
    assert count(app, Submission) == 0
    # The values typed are kept, the link still works.
    page = client.post(f"/f/{token}", data={**form(daily()), "temperature": "hot"})
    assert 'value="hot"' in page.get_data(as_text=True)
    assert 'value="2" checked' in page.get_data(as_text=True)
    assert client.post(f"/f/{token}", data=form(daily())).status_code == 200


def test_refused_answers_are_in_the_trail_of_the_links_patient(world, app, clock, redis,
                                                                client):
    patient, _ = web_patient(world, app, clock, redis)
    token = sent_token(app)
    assert client.post(f"/f/{token}", data={**form(daily()), "temperature": "hot"}
                       ).status_code == 422
    failed = [(e.action, e.actor_type, str(e.actor_id), e.detail)
              for e in audit_events(app, patient_id=uuid.UUID(patient["id"]),
                                    outcome="failure")]
    assert failed == [("form_link.submit", "patient", patient["id"], {"status": 422})]


def test_an_answer_to_a_question_whose_condition_is_not_met_is_dropped(world, app, clock,
                                                                         redis, client):
    web_patient(world, app, clock, redis)
    token = sent_token(app)
    posted = {**form(daily(pain_now=0)), "pain_location": "au mollet"}
    assert client.post(f"/f/{token}", data=posted).status_code == 200
    with app.app_context():
        [submission] = db.session().scalars(select(Submission)).all()
        assert "pain_location" not in submission.answers


def test_a_double_post_stores_one_submission(world, app, clock, redis):
    from concurrent.futures import ThreadPoolExecutor

    web_patient(world, app, clock, redis)
    token = sent_token(app)

    def post(_):
        return app.test_client().post(f"/f/{token}", data=form(daily())).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(post, range(2)))
    assert statuses == [200, 410]
    assert count(app, Submission) == 1


def test_the_access_log_masks_the_token():
    assert masked("/f/f_AbC-123_xyz") == "/f/…"
    assert masked("POST /f/f_AbC-123_xyz HTTP/1.1") == "POST /f/… HTTP/1.1"
    assert masked("GET //f/f_AbC-123_xyz?lang=fr HTTP/1.1") == "GET //f/…?lang=fr HTTP/1.1"
    assert masked("https://suivi.example/web/x?next=%2F%66%5FAbCdEfGhIj") == (
        "https://suivi.example/web/x?next=%2Ff_…")  # a token anywhere
    assert masked("/web/patients") == "/web/patients"
    assert masked("/api/v1/audit?action=form_link.open") == "/api/v1/audit?action=form_link.open"


# Addresses that open the form: as sent, and the path gunicorn decodes from them.
FORM_ADDRESSES = [("/f/{}", "/f/{}"), ("//f/{}", "//f/{}"), ("///f/{}", "///f/{}"),
                  ("/f%2F{}", "/f/{}"), ("/%2Ff/{}", "//f/{}"), ("/%66/{}", "/f/{}"),
                  ("/f/{}?lang=fr", "/f/{}"), ("https://suivi.example/f/{}", "/f/{}")]


def test_the_access_log_masks_the_token_however_the_address_is_written(world, app, clock,
                                                                        redis, client):
    """Every field gunicorn may log, for each address the app opens the form at: the
    path, the request line as sent, the referer (the form's own address)."""
    web_patient(world, app, clock, redis)
    token = sent_token(app)
    logger = AccessLogger(Config())
    encoded = ("/f/%66%5F" + token[2:], "/f/" + token)  # the token's own letters encoded
    for sent, path in [*((a.format(token), p.format(token)) for a, p in FORM_ADDRESSES),
                       encoded]:
        opened = client.get("/", environ_overrides={
            "PATH_INFO": path, "RAW_URI": sent, "HTTP_REFERER": f"https://suivi.example{path}"})
        assert opened.status_code == 200 and b"<form" in opened.data, sent
        atoms = logger.atoms(SimpleNamespace(status="200 OK", headers=[], sent=1),
                             SimpleNamespace(headers=[("REFERER", opened.request.referrer)]),
                             opened.request.environ, timedelta(0))
        leaks = [key for key, value in atoms.items()
                 if isinstance(value, str) and token[2:] in value]
        assert not leaks, (sent, leaks)
        assert atoms["r"].startswith("GET ") and "…" in atoms["r"]


def test_the_web_form_leaves_out_what_only_a_carer_measures(world, app, clock, redis, client):
    web_patient(world, app, clock, redis, protocol="colorectal-eras", reminders=2)
    bodies = [sms["body"] for sms in app.extensions["suivi"].sms.sent if "/f/" in sms["body"]]
    pages = [client.get(f"/f/{token}").get_data(as_text=True)
             for body in bodies for token in LINK.findall(body)]
    [page] = [p for p in pages if "Pouls" in p]  # the vitals form
    assert "Pouls" in page
    assert "Fréquence respiratoire" not in page and "ACVPU" not in page


def test_a_link_scanner_looking_with_head_answers_nothing(world, app, clock, redis, client):
    """Mail and SMS link scanners send HEAD: a look at the form, not a refused answer."""
    patient, _nurse = web_patient(world, app, clock, redis)
    token = sent_token(app)
    assert client.head(f"/f/{token}").status_code == 200
    assert [e.action for e in audit_events(app) if e.action.startswith("form_link.")] == [
        "form_link.open"]
    assert client.post(f"/f/{token}", data=form(PAIN_AND_FEVER)).status_code == 200
    assert client.head("/web/login").status_code == 200  # not a sign-in without its token
