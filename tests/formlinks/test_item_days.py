"""The web form asks what the task's day asks: an item the protocol asks on other days
only is not on the page, and the form is complete without it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend import db
from backend.intake.models import Submission
from tests.formlinks.support import sent_token, web_patient
from tests.formlinks.test_form_links import form
from tests.helpers import NORMAL_DAILY, WALKING_DAYS_1_2, shipped_protocol, with_item_days


def publish(world) -> None:
    published = world.staff("surgeon").post("/api/v1/protocols", json=with_item_days(
        shipped_protocol(), "daily-postop", WALKING_DAYS_1_2))
    assert published.status_code == 201, published.json


def test_on_day_5_the_page_leaves_walking_out(world, app, clock, redis, client):
    publish(world)
    web_patient(world, app, clock, redis, surgery_date=date(2026, 11, 18))  # day 5
    token = sent_token(app)
    html = client.get(f"/f/{token}").get_data(as_text=True)
    assert 'name="stools"' in html and 'name="walking"' not in html
    answers = {k: v for k, v in NORMAL_DAILY.items() if k != "walking"}
    done = client.post(f"/f/{token}", data=form({**answers, "pain_now": 8}))
    assert done.status_code == 200, done.get_data(as_text=True)
    with app.app_context():
        [submission] = db.session().scalars(select(Submission)).all()
    assert submission.task_id and submission.answers["pain_now"] == 8
    assert "walking" not in submission.answers


def test_on_day_1_the_page_asks_it(world, app, clock, redis, client):
    publish(world)
    web_patient(world, app, clock, redis)  # day 1
    html = client.get(f"/f/{sent_token(app)}").get_data(as_text=True)
    assert 'name="walking"' in html
