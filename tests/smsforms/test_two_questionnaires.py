"""Two questionnaires with an SMS form due at once: asked one after the other, each
stored as its own submission, the second's first question in the first's last reply."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from sqlalchemy import select

from backend import db
from backend.intake.models import Submission
from backend.smsforms.models import SmsConversation
from tests.smsforms.support import reply, said, sms_patient, texted

PROTOCOLS = Path(__file__).resolve().parents[2] / "questionnaires" / "protocols"


def two_by_sms() -> dict:
    """The ambulatory protocol with the heart-failure symptoms asked at the same time."""
    protocol = yaml.safe_load((PROTOCOLS / "ambulatory-general.v2.yaml").read_text())
    protocol = {**copy.deepcopy(protocol), "slug": "two-by-sms", "version": 1}
    protocol["schedule"].append({"questionnaire": "hf-symptoms", "days": {"from": 1, "to": 14},
                                 "at": "10:00", "grace_hours": 2})
    return protocol


def test_the_second_questionnaire_follows_the_first(world, app, clock, redis, client):
    published = world.staff("surgeon").post("/api/v1/protocols", json=two_by_sms())
    assert published.status_code == 201, published.json
    sms_patient(world, app, clock, redis, protocol="two-by-sms")
    # One SMS: the first question of the first questionnaire.
    assert len([b for b in texted(app) if b.startswith("Suivi : votre douleur")]) == 1
    assert not [b for b in texted(app) if b.startswith("Suivi : votre souffle")]
    for text in ("2", "non", "non", "non"):
        reply(client, text)
    last = said(reply(client, "1"))
    assert last.startswith("Suivi : ")
    assert last.splitlines()[-1].startswith("Suivi : votre souffle aujourd'hui")
    for text in ("1", "non", "1"):
        answer = said(reply(client, text))
    assert answer.startswith("Suivi : ")
    with app.app_context():
        stored = db.session().scalars(select(Submission).order_by(Submission.received_at))
        assert [s.questionnaire for s in stored] == ["daily-postop", "hf-symptoms"]
        statuses = db.session().scalars(select(SmsConversation.status)).all()
        assert statuses == ["done", "done"]
