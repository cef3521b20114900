"""How many SQL statements a submission costs: each one is CPU in the web worker (most of
a submission's), so a change that adds some should be a choice, not an accident."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from backend.wiring import wiring
from tests.helpers import daily, submit

# A daily check with 39.2 °C, the patient's first fever (an alert opens):
#  1 the device token with its patient, the paired and the active enrolment, whether the
#    surgeon set overrides for it (none here: they are not read) and whether the patient
#    has an alert not resolved yet
#  2 the Idempotency-Key claimed (INSERT … ON CONFLICT DO NOTHING RETURNING)
#  3 the window's tasks, among which the task the answer matches
#  4-6 the submission, its reading, its audit row (one INSERT each)
#  7 the window's answers and readings (one UNION ALL)
#  8 the ids of the patient's alerts in the groups that fired and of the open missing-data
#    ones (none here; a patient who has some adds the query that loads them)
#  9-12 the alert, its first event, its outbox row (ON CONFLICT DO NOTHING), its audit row
# 13 the answer stored on the idempotency record
# 14 after the commit, the outbox row marked as enqueued
# (not counted: SQLite's BEGIN IMMEDIATE of each transaction; the per-patient rate limit is
# a Redis counter; the pool's ping, sent only for a connection idle for a while)
FEVER_STATEMENTS = 14
# The same check without fever from a patient with no open alert: no alert looked for or
# written (rows 8-12 and 14). The fever alert above is still open: 9.
NORMAL_STATEMENTS = 8


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
    assert len(sent) <= NORMAL_STATEMENTS + 1, "\n".join(sent)


def test_a_normal_submission_from_a_patient_without_alerts_looks_for_none(world, app):
    _, device = world.patient_device(world.staff("nurse"))
    assert device.get("/api/v1/me/today").status_code == 200
    with statements(app) as sent:
        normal = submit(device, "daily-postop", daily())
    assert normal.status_code == 201 and normal.json["alerts_opened"] == []
    assert len(sent) <= NORMAL_STATEMENTS, "\n".join(sent)
    assert not any(statement.startswith("SELECT alerts.id") for statement in sent)


def test_overrides_in_force_are_read_with_the_answer_they_apply_to(world, app):
    """Reading none when none is in force must not lose one that is: once the surgeon
    lowers this patient's fever threshold to 38.0 °C, 38.2 °C opens a fever alert (the
    protocol's own threshold is higher), at the cost of the one query that reads it."""
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    assert device.get("/api/v1/me/today").status_code == 200
    with statements(app) as sent:
        before = submit(device, "daily-postop", daily(temperature=38.2))
    assert before.json["alerts_opened"] == [] and len(sent) <= NORMAL_STATEMENTS
    set_override = world.staff("surgeon").post(
        f"/api/v1/patients/{patient['id']}/threshold-overrides",
        json={"rule_id": "fever", "threshold": "value", "value": 38.0,
              "reason": "immunosuppressed: a lower fever threshold"})
    assert set_override.status_code == 201, set_override.json
    with statements(app) as sent:
        after = submit(device, "daily-postop", daily(temperature=38.2))
    assert after.status_code == 201 and after.json["alerts_opened"]
    assert any("threshold_overrides" in statement for statement in sent)
