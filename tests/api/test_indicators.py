"""The service's own indicators against a history whose every figure is computed by hand
(tests/indicators_history.py), and the 30-day outcome a nurse records at the end of a
follow-up."""

from __future__ import annotations

import csv
import io

import pytest

from backend.indicators import services
from backend.text import FORMULA_START
from tests.helpers import audit_events, spreadsheet_pieces
from tests.indicators_history import build, record_outcome

PERIOD = {"from": "2026-W48", "to": "2026-W49"}


@pytest.fixture
def app_config(app_config):
    # 3 patients make a row: week 48 (2 patients) is a small count, week 49 (3) is not.
    return {**app_config, "SUIVI_INDICATORS_MIN_PATIENTS": 3}


@pytest.fixture
def history(world):
    history = build(world)
    for name, kind, day in (("P1", "readmission", "2026-11-28"), ("P2", "none", None)):
        answer = record_outcome(history.nurse, history, name, kind, day)
        assert answer.status_code == 200, answer.json
    return history


def _read(caller, **query):
    answer = caller.get("/api/v1/indicators", query_string={**PERIOD, **query})
    assert answer.status_code == 200, answer.json
    return answer.json


def test_patients_days_channels_and_outcomes_by_week(history):
    result = _read(history.nurse)
    w48, w49 = result["weeks"]
    total = result["total"]
    assert (result["from"], result["to"], result["teams"]) == ("2026-W48", "2026-W49",
                                                                ["team-a"])
    assert (w48["week"], w48["start"], w49["start"]) == ("2026-W48", "2026-11-23",
                                                         "2026-11-30")
    # Enrolments created: P2 (25/11), P3 (29/11) in week 48; P1 the week before.
    assert [w48["patients_enrolled"], w49["patients_enrolled"], total["patients_enrolled"]] \
        == [2, 0, 2]
    assert [w48["patients_active"], w49["patients_active"], total["patients_active"]] \
        == [2, 3, 3]
    # P1 23/11-03/12 (7 + 3 days), P2 26/11-06/12 (4 + 6), P3 30/11-05/12 (0 + 5).
    assert [w48["patient_days"], w49["patient_days"], total["patient_days"]] == [11, 14, 25]
    assert [w48["small_count"], w49["small_count"], total["small_count"]] == [True, False, False]
    assert w48["channels"] == {"app": 2, "sms": 0, "web": 0}
    assert total["channels"] == {"app": 2, "sms": 1, "web": 0}
    # Discharged: P1 and P2 in week 48 (readmission, none), P3 in week 49 (not recorded).
    assert w48["follow_up_outcomes"] == {
        "discharged": 2, "recorded": 2, "readmission": 1, "emergency_visit": 0,
        "unplanned_consultation": 0, "none": 1, "not_recorded": 0, "readmission_rate": 0.5}
    assert w49["follow_up_outcomes"]["not_recorded"] == 1
    assert w49["follow_up_outcomes"]["readmission_rate"] is None
    assert (total["follow_up_outcomes"]["discharged"], total["follow_up_outcomes"]["recorded"],
            total["follow_up_outcomes"]["readmission_rate"]) == (3, 2, 0.5)


def test_answer_rates_on_time_late_and_first_week(history):
    w48, w49 = (week["answer_rate"] for week in _read(history.nurse)["weeks"])
    total = _read(history.nurse)["total"]["answer_rate"]
    # Week 48: t1 on time, t2 late, t3 missed, t5 on time (all in days 0-7).
    assert w48 == {"due": 4, "on_time": 2, "late": 1, "rate": 0.75,
                   "first_week": {"due": 4, "on_time": 2, "late": 1, "rate": 0.75}}
    # Week 49: t4 on time (day 9), t6 past its window (day 8), t7 late (day 1); t8 still
    # open is not due yet.
    assert w49 == {"due": 3, "on_time": 1, "late": 1, "rate": 0.667,
                   "first_week": {"due": 1, "on_time": 0, "late": 1, "rate": 1.0}}
    assert total == {"due": 7, "on_time": 3, "late": 2, "rate": 0.714,
                     "first_week": {"due": 5, "on_time": 2, "late": 2, "rate": 0.8}}


def test_alerts_per_100_patient_days_by_rule_and_severity(history):
    result = _read(history.nurse)
    w48, w49 = (week["alerts"] for week in result["weeks"])
    total = result["total"]["alerts"]
    assert (w48["opened"], w48["per_100_patient_days"]) == (4, 36.36)  # 4 / 11 × 100
    assert (w49["opened"], w49["per_100_patient_days"], w49["messages_to_read"]) == (
        3, 21.43, 1)  # 3 / 14 × 100; the message to read apart
    assert (total["opened"], total["per_100_patient_days"]) == (7, 28.0)  # 7 / 25 × 100
    assert [(r["rule"], r["severity"], r["opened"], r["per_100_patient_days"])
            for r in total["by_rule"]] == [
        ("fever", "high", 3, 12.0), ("fever", "medium", 1, 4.0),
        ("fever-high", "high", 1, 4.0), ("missing-daily", "low", 1, 4.0),
        ("pain", "medium", 1, 4.0)]


def test_response_times_nearest_rank_and_past_deadline(history):
    result = _read(history.nurse)
    by_severity = {row["severity"]: row for row in result["total"]["response_times"]}
    assert list(by_severity) == ["high", "medium", "low"]
    high = by_severity["high"]
    # Acknowledged after 5 and 25 min: the median by nearest rank is the 1st of 2 (5,
    # not their mean), the 90th percentile the 2nd. Resolved after 35 and 60 min.
    assert (high["acknowledged"], high["acknowledge_p50_minutes"],
            high["acknowledge_p90_minutes"]) == (2, 5.0, 25.0)
    assert (high["resolved"], high["resolve_p50_minutes"], high["resolve_p90_minutes"]) == (
        2, 35.0, 60.0)
    # Deadline passed for a1, a2, a7 (a8's is still ahead): a2 acknowledged late, a7 never.
    assert (high["past_deadline_of"], high["past_deadline"], high["past_deadline_share"]) \
        == (3, 2, 0.667)
    medium = by_severity["medium"]
    assert (medium["acknowledge_p50_minutes"], medium["acknowledge_p90_minutes"],
            medium["resolve_p50_minutes"], medium["resolve_p90_minutes"]) == (
        30.0, 120.0, 120.0, 180.0)
    assert (medium["past_deadline_of"], medium["past_deadline"]) == (2, 1)
    low = by_severity["low"]
    # a4 closed by its data before its deadline (by nobody: no time to resolve counted),
    # a6 (a message to read) never taken on.
    assert (low["acknowledged"], low["resolved"], low["resolve_p50_minutes"]) == (0, 0, None)
    assert (low["past_deadline_of"], low["past_deadline"], low["past_deadline_share"]) == (
        2, 1, 0.5)
    w48 = {row["severity"]: row for row in result["weeks"][0]["response_times"]}
    assert (w48["high"]["past_deadline_of"], w48["high"]["past_deadline"]) == (2, 1)


def test_outcomes_and_false_alarm_share_per_rule(history, monkeypatch):
    monkeypatch.setattr(services, "FLAG_MIN_JUDGED", 3)
    result = _read(history.nurse)
    w48, w49 = result["weeks"]
    assert w48["alert_outcomes"] == {"resolved": 4, "by_outcome": {
        "called_patient": 1, "data_received": 1, "false_alarm": 2}}
    assert w49["alert_outcomes"] == {"resolved": 1, "by_outcome": {"false_alarm": 1}}
    # a4, closed by its data, was judged by nobody: not in the false-alarm share.
    assert w48["false_alarms"] == [
        {"rule": "fever", "judged": 2, "false_alarms": 1, "share": 0.5},
        {"rule": "pain", "judged": 1, "false_alarms": 1, "share": 1.0}]
    assert result["total"]["false_alarms"] == [
        {"rule": "fever", "judged": 3, "false_alarms": 2, "share": 0.667},
        {"rule": "pain", "judged": 1, "false_alarms": 1, "share": 1.0}]
    # Above 50 % on at least 3 judged alerts: fever, with its false alarms, latest first;
    # pain (1 judged) is not flagged.
    (flagged,) = result["flagged_rules"]
    assert (flagged["rule"], flagged["share"]) == ("fever", 0.667)
    assert [case["alert_id"] for case in flagged["cases"]] == [
        str(history.alerts["a5"]), str(history.alerts["a1"])]


def test_messages_by_status_and_patients_unreachable(history):
    result = _read(history.nurse)
    w48, w49 = result["weeks"]
    assert w48["messages"] == {"total": 4, "by_status": {"delivered": 1, "failed": 2,
                                                         "sent": 1}}
    assert w48["patients_unreachable"] == 1  # P2: two failed, nothing through
    assert w49["messages"] == {"total": 3, "by_status": {"delivered": 1, "failed": 1,
                                                         "pending": 1}}
    assert w49["patients_unreachable"] == 0  # P3's failure was followed by a delivery
    assert result["total"]["messages"]["total"] == 7  # no nurse's page, no team B patient
    assert result["total"]["patients_unreachable"] == 1


def test_another_teams_figures_are_never_counted(history, app):
    nurse_b = _read(history.nurse_b)
    assert nurse_b["teams"] == ["team-b"]
    assert (nurse_b["total"]["patients_active"], nurse_b["total"]["alerts"]["opened"],
            nurse_b["total"]["answer_rate"]["due"]) == (1, 1, 1)
    refused = history.nurse.get("/api/v1/indicators", query_string={**PERIOD,
                                                                     "team": "team-b"})
    unknown = history.nurse.get("/api/v1/indicators", query_string={**PERIOD,
                                                                    "team": "team-z"})
    assert refused.status_code == unknown.status_code == 422
    assert "team" in refused.json["errors"]["query"]
    assert refused.json["message"].replace("team-b", "X") == \
        unknown.json["message"].replace("team-z", "X")
    admin = _read(history.admin)
    assert (admin["total"]["patients_active"], admin["total"]["patient_days"],
            admin["total"]["alerts"]["opened"]) == (4, 27, 8)
    assert _read(history.admin, team="team-a")["total"]["patient_days"] == 25
    reads = audit_events(app, action="indicators.read")
    assert reads and all(event.patient_id is None for event in reads)


def test_protocol_filter_and_bad_filters(history):
    assert _read(history.nurse, protocol="ambulatory-general")["total"]["patient_days"] == 25
    assert _read(history.nurse, protocol="hip-knee-arthroplasty")["total"][
        "patients_active"] == 0
    for query, field in (({"protocol": "no-such-protocol"}, "protocol"),
                         ({"from": "2026-W50", "to": "2026-W48"}, "from"),
                         ({"from": "2024-W01", "to": "2026-W48"}, "to"),
                         ({"from": "last week"}, "from"), ({"format": "xml"}, "format")):
        answer = history.nurse.get("/api/v1/indicators", query_string=query)
        assert answer.status_code == 422, (query, answer.json)
        assert field in answer.json["errors"]["query"], (query, answer.json)


def test_csv_export_leaves_small_counts_out(history):
    for query, headers in (({"format": "csv"}, {}), ({}, {"Accept": "text/csv"})):
        answer = history.nurse.get("/api/v1/indicators", query_string={**PERIOD, **query},
                                   headers=headers)
        assert answer.status_code == 200
        assert answer.mimetype == "text/csv"
        assert "attachment" in answer.headers["Content-Disposition"]
    text = answer.get_data(as_text=True)
    # Every cell quoted: one cell whichever separator the spreadsheet splits on.
    assert text.startswith('"week","week_start","teams"') and '"total","2026-11-23"' in text
    assert not [p for p in spreadsheet_pieces(text) if p.startswith(FORMULA_START)]
    lines = list(csv.DictReader(io.StringIO(text)))
    value = {(line["week"], line["indicator"]): line["value"] for line in lines}
    assert value[("total", "patient_days")] == "25.0"
    assert {line["week_start"] for line in lines if line["week"] == "total"} == {"2026-11-23"}
    assert value[("total", "answer_rate.rate")] == "0.714"
    assert value[("total", "alerts.by_rule.fever.high.opened")] == "3"
    assert value[("2026-W49", "response_times.high.past_deadline")] == "1"
    # Week 48 has 2 patients: marked, its figures left out.
    assert value[("2026-W48", "small_count")] == "true"
    assert value[("2026-W48", "patient_days")] == ""
    assert {line["teams"] for line in lines} == {"team-a"}


def test_the_outcome_is_checked_recorded_and_corrected(history, app):
    nurse = history.nurse
    for kind, day, field in (("readmission", None, "date"), ("none", "2026-11-28", "date"),
                             ("emergency_visit", "2026-11-22", "date"),  # before discharge
                             ("emergency_visit", "2026-12-07", "date"),  # tomorrow
                             ("death", "2026-11-28", "kind")):
        answer = record_outcome(nurse, history, "P3", kind, day)
        assert answer.status_code == 422, (kind, day, answer.json)
        assert field in answer.json["errors"]["json"], answer.json
    answer = record_outcome(history.surgeon, history, "P3", "emergency_visit", "2026-12-02")
    assert answer.status_code == 200, answer.json
    assert (answer.json["kind"], answer.json["date"]) == ("emergency_visit", "2026-12-02")
    corrected = record_outcome(nurse, history, "P3", "unplanned_consultation", "2026-12-03")
    assert corrected.json["kind"] == "unplanned_consultation"
    outcomes = _read(nurse)["weeks"][1]["follow_up_outcomes"]
    assert (outcomes["unplanned_consultation"], outcomes["emergency_visit"],
            outcomes["not_recorded"]) == (1, 0, 0)
    # Another team's nurse: as if the patient did not exist.
    assert record_outcome(history.nurse_b, history, "P3", "none").status_code == 404
    rows = audit_events(app, action="enrollment.outcome")
    assert rows and all(row.patient_id is not None and row.detail == {} for row in rows
                        if row.outcome == "success")


def test_a_week_beyond_the_years_1900_to_2999_is_refused(world, app):
    nurse = world.staff("nurse")
    web = app.test_client()
    with web.session_transaction() as session:
        session["token"] = nurse.token
    for query in ({"to": "9999-W52"}, {"to": "0001-W01"}, {"from": "0001-01-01"},
                  {"from": "9999-12-31", "to": "9999-12-31"}):
        answer = nurse.get("/api/v1/indicators", query_string=query)
        assert answer.status_code == 422, (query, answer.json)
        assert "between the years 1900 and 2999" in answer.json["message"], query
        assert web.get("/web/indicators", query_string=query).status_code == 200, query
        assert web.get("/web/indicators.csv", query_string=query).status_code == 422, query
