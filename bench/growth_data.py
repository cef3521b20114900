"""A month of history for the growth benchmark, bulk-inserted by PostgreSQL itself
(``INSERT … SELECT`` over ``generate_series``): patients, enrolments, their tasks as the
protocol's schedule plans them, answers, readings, alerts with their steps, audit rows.

The nurse's team always holds the same ``TEAM_SIZE`` patients; every other patient
belongs to other teams. Nothing is due when the data is fresh: the tasks of the past are
answered (one in seven missed), those of the next hours are planned and pending, the
open alerts escalate tomorrow, the outbox is empty.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.tasks.jobs import planned_until
from bench.report import progress
from bench.stack import Stack

TEAM_SIZE = 1000
OTHER_TEAMS = 20
# One patient of the nurse's team wears a device: this many readings over the month.
DEVICE_READINGS = 25_000
PROTOCOL = "ambulatory-general"

# Statements run in order on one connection; %(…)s are filled by ``populate``.
_STEPS = (
    ("other teams", """
INSERT INTO care_teams SELECT (jsonb_populate_record(NULL::care_teams, to_jsonb(t)
    || jsonb_build_object('id', gen_random_uuid(), 'slug', 'other' || g,
                          'name', 'Other ward ' || g))).*
FROM care_teams t CROSS JOIN generate_series(1, %(other_teams)s) g WHERE t.slug = 'bench'"""),
    ("patients", """
INSERT INTO patients (id, care_team_id, given_name, family_name, birth_date, language,
    timezone, sms_opt_out, created_at, updated_at)
SELECT gen_random_uuid(),
    CASE WHEN g <= %(team_size)s THEN %(team)s::uuid
         ELSE (%(others)s::uuid[])[1 + g %% cardinality(%(others)s::uuid[])] END,
    'Jeanne', 'Growth' || g, date '1950-01-01' + (g %% 9000), 'fr', 'Europe/Paris', false,
    now() - interval '31 days', now() - interval '31 days'
FROM generate_series(1, %(count)s) g"""),
    # Surgery 1 to 30 days ago, spread evenly: every post-operative day is represented.
    ("enrolments", """
INSERT INTO enrollments (id, patient_id, protocol_version_id, care_team_id, surgery_date,
    discharge_at, status, enrolled_by, created_at)
SELECT gen_random_uuid(), p.id, %(protocol)s, p.care_team_id, s.surgery,
    (s.surgery + time '18:00') AT TIME ZONE 'Europe/Paris', 'active', %(staff)s,
    (s.surgery + time '18:00') AT TIME ZONE 'Europe/Paris'
FROM patients p CROSS JOIN LATERAL (
    SELECT current_date - 1 - (abs(hashtext(p.id::text)) %% 30) AS surgery) s"""),
    # The protocol's schedule (ambulatory-general v1): daily-postop days 1-14, qor-15 on
    # days 1, 3, 7, 30, at 10:00 Paris time; planned a few days ahead (the
    # benchmark brings some of them to now).
    ("tasks", """
INSERT INTO tasks (id, enrollment_id, patient_id, care_team_id, key, kind, questionnaire, day,
    due_at, remind_at, missed_at, status, answered_at, reminded_at, created_at)
SELECT gen_random_uuid(), e.id, e.patient_id, e.care_team_id, q.slug || '@d' || d,
    'questionnaire', q.slug, d, due, due, due + q.grace,
    CASE WHEN due > now() THEN 'pending'
         WHEN abs(hashtext(e.id::text || d)) %% 7 = 0 THEN 'missed' ELSE 'done' END,
    CASE WHEN due <= now() AND abs(hashtext(e.id::text || d)) %% 7 <> 0
         THEN due + interval '25 minutes' END,
    CASE WHEN due <= now() THEN due END, due - interval '1 day'
FROM enrollments e
CROSS JOIN (VALUES ('daily-postop', interval '2 hours'), ('qor-15', interval '24 hours'))
    AS q(slug, grace)
CROSS JOIN generate_series(1, 30) d
CROSS JOIN LATERAL (
    SELECT ((e.surgery_date + d) + time '10:00') AT TIME ZONE 'Europe/Paris' AS due) t
WHERE ((q.slug = 'daily-postop' AND d <= 14) OR (q.slug = 'qor-15' AND d IN (1, 3, 7, 30)))
  AND e.surgery_date + d <= current_date + 4"""),
    # As plan-tasks leaves them on a live system (its tasks above reach further).
    ("planned until", """
UPDATE enrollments SET planned_until = %(planned_until)s WHERE status = 'active'"""),
    ("submissions", """
INSERT INTO submissions (id, patient_id, enrollment_id, task_id, questionnaire,
    questionnaire_version, answers, scores, source, submitted_at, received_at)
SELECT gen_random_uuid(), t.patient_id, t.enrollment_id, t.id, t.questionnaire, 1,
    CASE WHEN t.questionnaire = 'daily-postop' THEN %(answers)s::json ELSE '{}'::json END,
    '[]'::json, 'app', t.answered_at, t.answered_at
FROM tasks t WHERE t.status = 'done'"""),
    ("readings", """
INSERT INTO readings (id, patient_id, enrollment_id, submission_id, type, value,
    numeric_value, unit, measured_at, received_at, source)
SELECT gen_random_uuid(), s.patient_id, s.enrollment_id, s.id, 'temperature', v::text, v,
    'Cel', s.submitted_at, s.submitted_at, 'app'
FROM submissions s CROSS JOIN LATERAL (
    SELECT round(36.5 + (abs(hashtext(s.id::text)) %% 15) / 10.0, 1) AS v) r
WHERE s.questionnaire = 'daily-postop'"""),
    ("device readings", """
INSERT INTO readings (id, patient_id, enrollment_id, type, value, numeric_value, unit,
    measured_at, received_at, source)
SELECT gen_random_uuid(), e.patient_id, e.id, 'heart_rate', (60 + g %% 40)::text,
    60 + g %% 40, '/min', m, m, 'app'
FROM (SELECT * FROM enrollments WHERE patient_id = %(device_patient)s) e
CROSS JOIN generate_series(1, %(device_readings)s) g
CROSS JOIN LATERAL (SELECT now() - interval '30 days' * g / %(device_readings)s AS m) t"""),
    # One patient in ten has an open alert, one in ten an acknowledged one, one in five a
    # resolved one; severities mixed.
    ("alerts", """
INSERT INTO alerts (id, patient_id, enrollment_id, care_team_id, rule_id, rule_group,
    severity, status, explanation, advice, evidence, series, last_evidence_at, created_at,
    updated_at, due_by, acknowledged_at, acknowledged_by, resolved_at, resolved_by, outcome,
    escalation_level, next_escalation_at)
SELECT gen_random_uuid(), e.patient_id, e.id, e.care_team_id, 'fever', 'infection',
    (ARRAY['low', 'medium', 'high'])[1 + k %% 3], st,
    '{"fr": "Fièvre", "en": "Fever"}'::json, '{"fr": "Appeler", "en": "Call"}'::json,
    '[]'::json, '[]'::json, at, at, at, at + interval '1 hour',
    CASE WHEN st <> 'open' THEN at + interval '10 minutes' END,
    CASE WHEN st <> 'open' THEN %(staff)s::uuid END,
    CASE WHEN st = 'resolved' THEN at + interval '1 hour' END,
    CASE WHEN st = 'resolved' THEN %(staff)s::uuid END,
    CASE WHEN st = 'resolved' THEN 'advice_given' END,
    0, now() + interval '1 day'
FROM enrollments e CROSS JOIN LATERAL (
    SELECT abs(hashtext(e.id::text || 'alert')) %% 10 AS k,
           now() - (abs(hashtext(e.id::text)) %% 1440) * interval '1 minute' AS at) h
CROSS JOIN LATERAL (SELECT CASE WHEN h.k = 0 THEN 'open' WHEN h.k = 1 THEN 'acknowledged'
                                WHEN h.k IN (2, 3) THEN 'resolved' END AS st) s
WHERE s.st IS NOT NULL"""),
    ("alert steps", """
INSERT INTO alert_events (id, alert_id, seq, at, kind, detail)
SELECT gen_random_uuid(), a.id, 1, a.created_at, 'opened',
    json_build_object('severity', a.severity) FROM alerts a"""),
    ("audit rows", """
INSERT INTO audit_events (id, at, actor_type, actor_id, action, patient_id, object_type,
    object_id, outcome, ip, detail)
SELECT gen_random_uuid(), s.received_at, 'patient', s.patient_id, 'submission.create',
    s.patient_id, 'submission', s.id::text, 'success', '10.0.0.1', '{}'::json
FROM submissions s
UNION ALL
SELECT gen_random_uuid(), a.created_at + interval '5 minutes', 'staff', %(staff)s,
    'alert.read', a.patient_id, 'alert', a.id::text, 'success', '10.0.0.2', '{}'::json
FROM alerts a"""),
)


def populate(stack: Stack, count: int) -> dict[str, str]:
    """``count`` patients with a month of history; returns the ids the benchmark needs:
    the nurse's team, the patient with the device, a patient of another team."""
    with stack.connect() as conn:
        team = conn.execute("SELECT id FROM care_teams WHERE slug = 'bench'").fetchone()[0]
        # The bench's nurse (e-mail addresses are sealed: found by her team instead).
        staff = conn.execute("SELECT s.id FROM staff_users s JOIN team_memberships m ON "
                             "m.staff_id = s.id WHERE m.team_id = %s AND s.role = 'nurse'",
                             (team,)).fetchone()[0]
        protocol = conn.execute("SELECT id FROM protocol_versions WHERE slug = %s"
                                " AND version = 1", (PROTOCOL,)).fetchone()[0]
        params = {"planned_until": planned_until(datetime.now(UTC) - timedelta(hours=1)),
                  "count": count, "team_size": min(TEAM_SIZE, count), "team": team,
                  "other_teams": OTHER_TEAMS, "staff": staff, "protocol": protocol,
                  "device_readings": DEVICE_READINGS,
                  "answers": '{"pain_now": 2, "pain_worst_24h": 3, "temperature": 37.1}'}
        for name, statement in _STEPS:
            if name == "patients":
                params["others"] = [row[0] for row in conn.execute(
                    "SELECT id FROM care_teams WHERE slug LIKE 'other%%'")]
            if name == "device readings":
                params["device_patient"] = conn.execute(
                    "SELECT id FROM patients WHERE care_team_id = %s ORDER BY family_name"
                    " LIMIT 1", (team,)).fetchone()[0]
            inserted = conn.execute(statement, params).rowcount
            progress(f"growth {count}: {inserted:,} {name}")
            conn.commit()
        stranger = conn.execute("SELECT id FROM patients WHERE care_team_id <> %s LIMIT 1",
                                (team,)).fetchone()
    with stack.connect(autocommit=True) as conn:
        # As autovacuum would have done on a live database: statistics, and the rows
        # marked visible (else the first reads of the fresh rows pay for it).
        conn.execute("VACUUM ANALYZE")
    return {"device_patient": str(params["device_patient"]),
            "stranger": str(stranger[0]) if stranger else ""}
