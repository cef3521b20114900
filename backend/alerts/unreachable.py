"""A patient the SMS no longer reach: once a patient's SMS has failed for good (every
attempt reported failed or undelivered, or an error no retry can fix, such as an invalid
number or an opt-out), the care team gets a "patient unreachable" item in its queue, an
alert of group ``unreachable``, read, acknowledged and closed like the others.

One open item per patient, however many messages failed: a further failure is added to
its evidence (the latest ``FAILURES_PER_ITEM``), without paging the team again. It is
``low`` (dealt with during the ward's day hours): it says nothing of the patient's health,
only that the questionnaire links, reminders or invitations are not arriving, so the
nurse checks the number or calls. Overdue answers raise their own missing-data alerts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend import db
from backend.alerts import services as alerts
from backend.alerts.models import UNREACHABLE_GROUP, UNREACHABLE_RULE, Alert
from backend.audit import services as audit
from backend.enrollments.services import latest_enrollment
from backend.limits import FAILURES_PER_ITEM
from backend.notifications.models import Message
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from rules.model import Finding, Text

SEVERITY = "low"
KIND = "undelivered"  # an evidence item: one message that failed for good
EXPLANATION = Text(
    "Patient injoignable par SMS : vérifiez son numéro, appelez-le",
    "Patient unreachable by SMS: check the number, call the patient")
# Never shown to the patient (no answer of theirs raised it): the finding needs one.
ADVICE = Text("L'équipe soignante va vous contacter.", "The care team will contact you.")


def report(patient: Patient, message: Message, at: datetime, reason: str) -> Alert | None:
    """File the failed ``message`` on the patient's open "unreachable" item, opening it
    if there is none; the same message twice is filed once. None when the patient has no
    care team (never enrolled): the trail says so."""
    enrollment = latest_enrollment(patient)
    if enrollment is None:
        audit.record("delivery.unreachable", patient_id=patient.id, object_type="message",
                     object_id=message.id, actor=("system", None),
                     detail={"filed": False, "reason": "never enrolled: no care team"})
        return None
    item = {"kind": KIND, "message_id": str(message.id), "template": message.template,
            "channel": message.channel, "attempts": message.attempt,
            "error_code": message.error_code, "reason": reason, "at": at.isoformat()}
    session = db.session()
    alert = open_item(patient)
    if alert is None:
        try:
            with session.begin_nested():
                alert = alerts.open_alert(patient, enrollment,
                                          protocol_of(enrollment.protocol), _finding(item), at)
        except IntegrityError:  # another failure opened it at the same instant
            alert = open_item(patient)
            if alert is None:
                raise
        else:
            _audit(patient, message, alert)
            return alert
    if any(old.get("message_id") == item["message_id"] for old in alert.evidence):
        return alert
    alerts.add_evidence(alert, _finding(item), at, "undelivered")
    alert.evidence = _latest(alert.evidence)
    alert.series = alert.series[-FAILURES_PER_ITEM:]
    _audit(patient, message, alert)
    return alert


def open_item(patient: Patient) -> Alert | None:
    return db.session().scalar(select(Alert).where(
        Alert.patient_id == patient.id, Alert.rule_group == UNREACHABLE_GROUP,
        Alert.status != "resolved"))


def _audit(patient: Patient, message: Message, alert: Alert) -> None:
    audit.record("delivery.unreachable", patient_id=patient.id, object_type="message",
                 object_id=message.id, actor=("system", None),
                 detail={"filed": True, "alert_id": str(alert.id)})


def _finding(item: dict[str, Any]) -> Finding:
    return Finding(rule_id=UNREACHABLE_RULE, severity=SEVERITY, evidence=(item,),
                   explanation=EXPLANATION, advice=ADVICE, group=UNREACHABLE_GROUP, new=True)


def _latest(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return evidence[-FAILURES_PER_ITEM:]
