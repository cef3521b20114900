"""How many SQL statements a submission costs: each one is CPU in the web worker (most of
a submission's), so a change that adds some should be a choice, not an accident."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from backend.wiring import wiring
from tests.helpers import daily, submit

# A daily check with 39.2 °C, the patient's first fever (an alert opens):
#  1 the device token with its patient, the paired and the active enrolment
#  2 the Idempotency-Key claimed (INSERT … ON CONFLICT DO NOTHING RETURNING)
#  3 the task the answer matches
#  4-6 the submission, its reading, its audit row (one INSERT each)
#  7-9 the window: answers, readings, tasks
# 10 the surgeon's overrides
# 11 the ids of the patient's alerts in the groups that fired and of the open missing-data
#    ones (none here; a patient who has some adds the query that loads them)
# 12-15 the alert, its first event, its outbox row (ON CONFLICT DO NOTHING), its audit row
# 16 the answer stored on the idempotency record
# 17 after the commit, the outbox row marked as enqueued
# (not counted: SQLite's BEGIN IMMEDIATE of each transaction; the per-patient rate limit is
# a Redis counter)
FEVER_STATEMENTS = 17
# The same check without fever: no alert (rows 12-15 and 17).
NORMAL_STATEMENTS = 12


@contextmanager
def statements(app) -> Iterator[list[str]]:
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith("BEGIN"):
            sent.append(statement)

    engine = wiring(app).engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_fever_submission_costs_a_bounded_number_of_statements(world, app):
    _, device = world.patient_device(world.staff("nurse"))
    # The app opens on today's screen first, which plans the day's tasks and stamps the
    # token's last use (once an hour: not on each submission).
    assert device.get("/api/v1/me/today").status_code == 200
    with statements(app) as sent:
        fever = submit(device, "daily-postop", daily(temperature=39.2))
    assert fever.status_code == 201 and fever.json["alerts_opened"]
    assert len(sent) <= FEVER_STATEMENTS, "\n".join(sent)
    with statements(app) as sent:
        normal = submit(device, "daily-postop", daily())
    assert normal.status_code == 201 and normal.json["alerts_opened"] == []
    assert len(sent) <= NORMAL_STATEMENTS, "\n".join(sent)
