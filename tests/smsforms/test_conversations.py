"""Questionnaires by SMS: asked one question at a time at the due time, replies read in
French and English, the set submitted and scored as from the app (source "sms"), replies
not understood twice filed for the nurse, idempotent on MessageSid, STOP still wins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend import db
from backend.alerts.models import MESSAGE_RULE, Alert
from backend.intake.models import Submission
from backend.smsforms.jobs import close_idle_conversations
from backend.smsforms.models import SmsConversation
from backend.tasks.jobs import remind_tasks
from backend.tasks.models import Task
from tests.formlinks.support import link_messages
from tests.helpers import run_worker
from tests.smsforms.support import reply, said, sms_patient, texted

PAIN = "Suivi : votre douleur en ce moment"
REDNESS = "La peau autour de la cicatrice"
TEMPERATURE = "Votre température en °C"
CALF = "d'un mollet"
BREATH = "Êtes-vous essoufflé(e)"


def submissions(app) -> list[Submission]:
    with app.app_context():
        return list(db.session().scalars(select(Submission).order_by(Submission.received_at)))


def alerts(app) -> list[Alert]:
    with app.app_context():
        return list(db.session().scalars(select(Alert)))


def conversation(app) -> SmsConversation:
    with app.app_context():
        return db.session().scalars(select(SmsConversation)).one()


def test_the_first_question_is_sent_at_due_time_once(world, app, clock, redis):
    sms_patient(world, app, clock, redis)
    questions = [body for body in texted(app) if body.startswith(PAIN)]
    assert len(questions) == 1
    # The questionnaire without an SMS form (QoR-15) still goes by web form link.
    [link] = link_messages(app)
    assert link.body.count("/f/") == 1
    # The reminder job and its outbox run again: no second conversation, no second SMS.
    with app.app_context():
        db.session().execute(Task.__table__.update().values(reminded_at=None))
        db.session().commit()
    remind_tasks()
    run_worker(app, redis)
    assert len([body for body in texted(app) if body.startswith(PAIN)]) == 1
    assert conversation(app).status == "open"


def test_eight_then_yes_gives_the_same_alerts_as_the_app(world, app, clock, redis, client):
    patient, nurse = sms_patient(world, app, clock, redis)
    assert said(reply(client, "8")).startswith(REDNESS)
    assert said(reply(client, "oui")).startswith(TEMPERATURE)
    assert said(reply(client, "non")).startswith("Avez-vous une douleur")
    assert said(reply(client, "Non.")).startswith(BREATH)
    final = said(reply(client, "1"))
    assert final.startswith("Suivi : ")
    [submission] = submissions(app)
    assert submission.source == "sms"
    assert submission.answers == {"pain_now": 8, "wound_redness": True, "calf_pain": False,
                                  "breathlessness": "none"}
    assert submission.task_id is not None  # the task is answered
    sms_rules = sorted(a.rule_id for a in alerts(app))
    assert sms_rules  # pain 8 and a red wound raise their alerts
    # The same answers from the app raise the same alerts.
    from tests.helpers import submit

    _, device = world.patient_device(nurse)
    response = submit(device, "daily-postop", {
        "pain_now": 8, "pain_worst_24h": 0, "wound_redness": True, "wound_discharge": "none",
        "wound_bleeding": False, "wound_opening": False, "nausea": "none",
        "eating_drinking": "normal", "urination": "normal", "stools": "normal",
        "walking": "as_usual", "breathlessness": "none", "calf_pain": False})
    assert response.status_code == 201, response.json
    app_rules = sorted(a.rule_id for a in alerts(app) if str(a.patient_id) != patient["id"])
    assert app_rules == sms_rules
    # The advice the patient read is that of the rules, in French.
    assert all(card["text"] in final for card in response.json["advice"])
    timeline = nurse.get(f"/api/v1/patients/{patient['id']}/timeline").json
    inbound = [e["data"] for e in timeline if e["kind"] == "sms.inbound"]
    assert sorted(e["body"] for e in inbound) == ["1", "8", "Non.", "non", "oui"]
    assert {e["action"] for e in inbound} == {"answer"}


def test_ok_merci_is_no_answer_and_no_alarm(world, app, clock, redis, client):
    sms_patient(world, app, clock, redis)
    assert said(reply(client, "OK merci")).startswith(PAIN)  # asked again, nothing filed
    assert conversation(app).strikes == 0
    for text in ("2", "non", "37,2", "non", "1"):
        reply(client, text)
    assert alerts(app) == []
    assert said(reply(client, "OK merci !")) == ""  # thanks for the conversation
    assert alerts(app) == []
    assert len(submissions(app)) == 1


def test_gibberish_twice_becomes_a_message_to_read(world, app, clock, redis, client):
    sms_patient(world, app, clock, redis)
    again = said(reply(client, "bof"))
    assert again.startswith("Je n'ai pas compris.") and "Par exemple : 4" in again
    assert alerts(app) == []
    going_on = said(reply(client, "ça tire un peu"))
    assert "sera lu par l'équipe" in going_on and REDNESS in going_on
    [item] = alerts(app)
    assert item.rule_id == MESSAGE_RULE
    with app.app_context():
        texts = [e["text"] for e in db.session().get(Alert, item.id).evidence]
    assert texts == ["bof\nça tire un peu"]
    for text in ("non", "non", "non", "1"):
        reply(client, text)
    [submission] = submissions(app)
    assert "pain_now" not in submission.answers  # unanswered, not guessed


def test_a_reply_out_of_range_is_asked_again(world, app, clock, redis, client):
    sms_patient(world, app, clock, redis)
    assert said(reply(client, "12")).startswith("Je n'ai pas compris.")
    assert said(reply(client, "huit/10")).startswith(REDNESS)
    assert conversation(app).answers == {"pain_now": 8}


def test_a_replayed_reply_is_refused_and_counted_once(world, app, clock, redis, client):
    sms_patient(world, app, clock, redis)
    assert reply(client, "8", sid="SMsame").status_code == 200
    assert reply(client, "8", sid="SMsame").status_code == 409
    assert conversation(app).position == 1


def test_stop_wins_and_keeps_what_was_answered(world, app, clock, redis, client):
    patient, _ = sms_patient(world, app, clock, redis)
    reply(client, "9")
    assert "START" in said(reply(client, "STOP"))
    assert conversation(app).status == "stopped"
    [submission] = submissions(app)
    assert submission.answers == {"pain_now": 9} and submission.task_id is None
    assert any(a.rule_id != MESSAGE_RULE for a in alerts(app))  # pain 9 is not lost
    assert "l'équipe" in said(reply(client, "8"))  # no conversation: a message to read
    from tests.helpers import audit_events

    [closed] = audit_events(app, action="smsform.close")
    assert str(closed.patient_id) == patient["id"] and closed.detail == {"status": "stopped"}


def test_help_still_answers_in_a_conversation(world, app, clock, redis, client):
    sms_patient(world, app, clock, redis)
    help_text = said(reply(client, "AIDE"))
    assert "15" in help_text and "par SMS" in help_text and "application" not in help_text
    assert conversation(app).position == 0


def test_a_conversation_left_unfinished_is_submitted_after_an_hour(world, app, clock, redis,
                                                                    client):
    sms_patient(world, app, clock, redis)
    reply(client, "10")
    with app.app_context():
        assert close_idle_conversations() == 0
    clock.advance(minutes=61)
    with app.app_context():
        assert close_idle_conversations() == 1
    assert conversation(app).status == "expired"
    [submission] = submissions(app)
    assert submission.answers == {"pain_now": 10}
    with app.app_context():
        task = db.session().get(Task, conversation(app).task_id)
        assert task.status == "pending"  # a partial set does not answer the questionnaire
    assert "l'équipe" in said(reply(client, "non"))  # too late: a message to read


def test_a_number_shared_by_two_patients_gets_the_link(world, app, clock, redis):
    from tests.formlinks.support import DUE
    from tests.helpers import run_worker as worker

    nurse = world.staff("nurse")
    world.patient(nurse, phone="+33655555555")
    clock.set(DUE - timedelta(hours=2))
    sms_patient(world, app, clock, redis)
    worker(app, redis)
    assert not [body for body in texted(app) if body.startswith(PAIN)]
    [link] = link_messages(app)
    assert link.body.count("/f/") == 2


def test_a_partial_set_calling_for_15_is_told_to_the_patient(world, app, clock, redis):
    sms_patient(world, app, clock, redis)
    with app.app_context():
        row = db.session().scalars(select(SmsConversation)).one()
        row.answers = {"breathlessness": "at_rest"}  # as if asked first and then silence
        db.session().commit()
    clock.advance(minutes=61)
    with app.app_context():
        assert close_idle_conversations() == 1
    run_worker(app, redis)
    assert texted(app)[-1] == "Suivi : Appelez le 15 (ou le 112) maintenant."
    assert {a.severity for a in alerts(app)} == {"high"}


def test_the_next_questionnaire_overtakes_an_unfinished_one(world, app, clock, redis, client):
    from backend.tasks.jobs import plan_tasks

    sms_patient(world, app, clock, redis)
    reply(client, "9")
    clock.advance(hours=24)  # the idle sweep did not run: the next day's reminder closes it
    plan_tasks()
    remind_tasks()
    run_worker(app, redis)
    with app.app_context():
        rows = db.session().scalars(select(SmsConversation)
                                    .order_by(SmsConversation.created_at)).all()
        assert [row.status for row in rows] == ["expired", "open"]
        assert rows[0].submission_id is not None
    assert [s.answers for s in submissions(app)] == [{"pain_now": 9}]
    assert len([body for body in texted(app) if body.startswith(PAIN)]) == 2  # one a day
    assert said(reply(client, "3")).startswith(REDNESS)  # today's questions go on


def test_after_the_follow_up_ends_a_reply_is_a_message_to_read(world, app, clock, redis,
                                                                client):
    from backend.enrollments.models import Enrollment

    sms_patient(world, app, clock, redis)
    reply(client, "5")
    with app.app_context():
        db.session().execute(Enrollment.__table__.update().values(status="ended"))
        db.session().commit()
    assert "l'équipe" in said(reply(client, "7"))
    assert conversation(app).status == "stopped"
    assert submissions(app) == []  # nothing can be submitted to an ended follow-up
    assert conversation(app).answers == {"pain_now": 5}  # but it is kept


def test_call_15_does_not_wait_for_the_questions_left(world, app, clock, redis, client):
    """After colorectal surgery, pain 8 with a fever is a possible anastomotic leak: the
    patient is told to call 15 at the third reply, not after two more questions."""
    sms_patient(world, app, clock, redis, protocol="colorectal-eras")
    reply(client, "8")
    assert said(reply(client, "non")).startswith(TEMPERATURE)
    answer = said(reply(client, "38,9"))
    assert answer.startswith("Suivi : Appelez le 15 (ou le 112) maintenant.")
    assert CALF not in answer
    assert conversation(app).status == "done"
    [submission] = submissions(app)
    assert submission.answers == {"pain_now": 8, "wound_redness": False, "temperature": 38.9}
    assert "high" in {a.severity for a in alerts(app)}


def test_nothing_is_stored_or_raised_while_the_answers_are_only_checked(world, app, clock,
                                                                        redis, client):
    sms_patient(world, app, clock, redis, protocol="colorectal-eras")
    reply(client, "8")
    reply(client, "non")
    assert submissions(app) == [] and alerts(app) == []
