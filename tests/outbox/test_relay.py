"""The outbox relay is a hook on every commit: whoever commits (a request, a job, a
command) hands the entries it wrote to RQ, after the commit and never before; a rollback
forgets them; a Redis outage never fails the commit."""

from __future__ import annotations

import logging

import pytest
from rq.job import Job

from backend import db
from backend.app import create_app
from backend.job_runtime import set_worker_app
from backend.outbox import services as outbox
from backend.outbox.jobs import deliver_outbox
from backend.outbox.models import OutboxEntry
from backend.outbox.services import UnknownKind
from backend.wiring import wiring
from tests.helpers import count


def _queued(redis, entry_id) -> bool:
    return Job.exists(f"outbox-{entry_id}", connection=redis)


def _entry(app, entry_id) -> OutboxEntry:
    with app.app_context():
        return db.session().get(OutboxEntry, entry_id)


def test_a_commit_outside_any_request_relays_what_it_wrote(app, redis):
    with app.app_context():
        entry_id = outbox.add("test.kind", {}, dedupe_key="relay-1", queue="low")
        assert not _queued(redis, entry_id)  # not before the commit
        db.session().commit()
    assert _queued(redis, entry_id)
    assert _entry(app, entry_id).enqueued_at is not None


def test_a_rollback_forgets_the_entries_and_the_next_commit_relays_none_of_them(app, redis):
    with app.app_context():
        session = db.session()
        forgotten = outbox.add("test.kind", {}, dedupe_key="relay-2")
        session.rollback()
        kept = outbox.add("test.kind", {}, dedupe_key="relay-3")
        session.commit()
    assert not _queued(redis, forgotten) and count(app, OutboxEntry, id=forgotten) == 0
    assert _queued(redis, kept)


def test_a_savepoint_released_is_not_a_commit(app, redis):
    with app.app_context():
        session = db.session()
        entry_id = outbox.add("test.kind", {}, dedupe_key="relay-4")
        with session.begin_nested():
            outbox.add("test.kind", {}, dedupe_key="relay-5")
        assert not _queued(redis, entry_id)
        session.commit()
    assert _queued(redis, entry_id)


def test_redis_down_at_commit_leaves_the_entries_to_the_sweep_without_failing(
        app, app_config, caplog):
    cut_off = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    try:
        with cut_off.app_context(), caplog.at_level(logging.WARNING):
            entry_id = outbox.add("test.kind", {}, dedupe_key="relay-6")
            db.session().commit()
    finally:
        wiring(cut_off).engine.dispose()
    stored = _entry(app, entry_id)
    assert (stored.status, stored.enqueued_at) == ("pending", None)
    assert "left to the sweep" in caplog.text


def test_an_entry_of_a_kind_no_feature_handles_keeps_the_error(app, redis):
    set_worker_app(app)
    with app.app_context():
        entry_id = outbox.add("nobody.handles", {}, dedupe_key="relay-7")
        db.session().commit()
    with pytest.raises(UnknownKind):
        deliver_outbox(str(entry_id))
    failed = _entry(app, entry_id)
    assert failed.status == "pending" and failed.attempts == 1
    assert "nobody.handles" in failed.last_error


def test_every_kind_written_has_a_handler(app):
    assert set(wiring(app).outbox_handlers) == {
        "alert.notify", "alert.escalate", "task.remind", "teleconsult.invite",
        "teleconsult.remind", "enrollment.activation_sms", "enrollment.welcome_sms",
        "message.failed", "smsform.ask", "smsform.emergency"}
