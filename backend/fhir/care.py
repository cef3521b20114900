"""The follow-up itself as FHIR R4 resources: the enrolment (CarePlan), its alerts (Flag),
the patient's consents (Consent), tasks (Task), messages (Communication) and the audit
trail about them (AuditEvent). Codes and systems in one place, as in
``backend.fhir.resources``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from backend.alerts.models import Alert
from backend.audit.models import AuditEvent
from backend.consents.models import Consent
from backend.enrollments.models import Enrollment
from backend.fhir.resources import READING_CODES, Code, concept, iso
from backend.notifications.models import Message
from backend.tasks.models import Task
from backend.webhooks.models import InboundEvent
from rules.protocol import Protocol, ScheduleEntry

PROTOCOL = "urn:suivi:protocol:"
QUESTIONNAIRE = "urn:suivi:questionnaire:"
QUESTIONNAIRE_SYSTEM = "urn:suivi:questionnaire"
RULE_SYSTEM = "urn:suivi:rule"
ALERT_STATUS_SYSTEM = "urn:suivi:alert-status"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
FLAG_PRIORITY = "http://hl7.org/fhir/StructureDefinition/flag-priority"
FLAG_PRIORITY_CODE = "http://terminology.hl7.org/CodeSystem/flag-priority-code"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"

# An alert's severity → the flag priority (PL, PM, PH: low, medium, high).
FLAG_PRIORITIES = {"low": ("PL", "Low priority"), "medium": ("PM", "Medium priority"),
                   "high": ("PH", "High priority")}
# A task's status → the FHIR Task status (a missed task is a failed one).
TASK_STATUS = {"pending": "requested", "done": "completed", "missed": "failed"}


def care_plan_status(enrollment: Enrollment, ends_at: datetime, at: datetime) -> str:
    """active; completed after its last planned day; revoked when ended before (consent
    withdrawn, erasure: the only ways an enrolment ends)."""
    if enrollment.status == "ended":
        return "revoked"
    return "completed" if at >= ends_at else "active"


def _activity_code(entry: ScheduleEntry, protocol: Protocol) -> dict[str, Any]:
    if entry.questionnaire is not None:
        questionnaire = protocol.questionnaires.get(entry.questionnaire)
        return {"coding": [{"system": QUESTIONNAIRE_SYSTEM, "code": entry.questionnaire}],
                "text": questionnaire.title.fr if questionnaire is not None
                else entry.questionnaire}
    reading = entry.reading or ""
    return concept(reading, READING_CODES.get(reading, Code(None, reading)))


def care_plan_resource(enrollment: Enrollment, protocol: Protocol, ends_at: datetime,
                       at: datetime) -> dict[str, Any]:
    """An enrolment as a CarePlan: its protocol version, its period (from discharge to
    the end of the follow-up), the schedule as activities (one per scheduled
    questionnaire or reading, on the post-operative days it is due)."""
    status = care_plan_status(enrollment, ends_at, at)
    detail_status = {"active": "scheduled", "completed": "completed", "revoked": "stopped"}
    activities = []
    for entry in protocol.schedule:
        days = [(enrollment.surgery_date + timedelta(days=day)).isoformat()
                for day in entry.days]
        detail: dict[str, Any] = {
            "kind": "Task", "code": _activity_code(entry, protocol),
            "status": detail_status[status],
            "scheduledTiming": {"event": days, "repeat": {
                "timeOfDay": [entry.at.strftime("%H:%M:%S")]}}}
        if entry.questionnaire is not None:
            detail["instantiatesUri"] = [QUESTIONNAIRE + entry.questionnaire]
        activities.append({"detail": detail})
    resource: dict[str, Any] = {
        "resourceType": "CarePlan", "id": str(enrollment.id),
        "meta": {"lastUpdated": iso(enrollment.ended_at or enrollment.created_at)},
        "instantiatesUri": [f"{PROTOCOL}{protocol.slug}|{protocol.version}"],
        "status": status, "intent": "plan",
        "title": protocol.title.fr,
        "description": f"Suivi post-opératoire : {protocol.title.fr} (version "
                       f"{protocol.version}), chirurgie le "
                       f"{enrollment.surgery_date:%d/%m/%Y}",
        "subject": {"reference": f"Patient/{enrollment.patient_id}"},
        "period": {"start": iso(enrollment.discharge_at), "end": iso(ends_at)},
        "created": iso(enrollment.created_at),
    }
    if activities:
        resource["activity"] = activities
    return resource


def flag_resource(alert: Alert) -> dict[str, Any]:
    """An alert as a Flag: active while open or acknowledged, inactive once resolved; the
    rule as its code with the explanation in French, the severity as its priority, the
    alert's own status beside the clinical category."""
    code, display = FLAG_PRIORITIES[alert.severity]
    period = {"start": iso(alert.created_at)}
    if alert.resolved_at is not None:
        period["end"] = iso(alert.resolved_at)
    return {
        "resourceType": "Flag", "id": str(alert.id),
        "meta": {"lastUpdated": iso(alert.updated_at)},
        "extension": [{"url": FLAG_PRIORITY, "valueCodeableConcept": {"coding": [{
            "system": FLAG_PRIORITY_CODE, "code": code, "display": display}]}}],
        "status": "inactive" if alert.status == "resolved" else "active",
        "category": [{"coding": [
            {"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"},
            {"system": ALERT_STATUS_SYSTEM, "code": alert.status}]}],
        "code": {"coding": [{"system": RULE_SYSTEM, "code": alert.rule_id}],
                 "text": (alert.explanation or {}).get("fr") or alert.rule_id},
        "subject": {"reference": f"Patient/{alert.patient_id}"},
        "period": period,
    }


def consent_resource(consent: Consent, notice_title: str | None) -> dict[str, Any]:
    """A consent to the remote follow-up (treatment), after reading a version of its
    information notice; inactive once withdrawn (the withdrawal ends the provision)."""
    provision: dict[str, Any] = {"type": "permit", "period": {"start": iso(consent.given_at)}}
    if consent.withdrawn_at is not None:
        provision["period"]["end"] = iso(consent.withdrawn_at)
    notice = (f"Notice d'information {notice_title or consent.kind}, version "
              f"{consent.notice_version}")
    return {
        "resourceType": "Consent", "id": str(consent.id),
        "meta": {"lastUpdated": iso(consent.withdrawn_at or consent.given_at)},
        "status": "inactive" if consent.withdrawn_at is not None else "active",
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment",
                              "display": "Treatment"}]},
        "category": [{"coding": [{"system": LOINC, "code": "59284-0",
                                  "display": "Patient Consent"}],
                      "text": f"Consentement : {consent.kind}"}],
        "patient": {"reference": f"Patient/{consent.patient_id}"},
        "dateTime": iso(consent.given_at),
        "policy": [{"uri": f"urn:suivi:notice:{consent.kind}|{consent.notice_version}"}],
        "policyRule": {"text": notice},
        "provision": provision,
    }


def _task_code(task: Task) -> dict[str, Any]:
    if task.questionnaire is not None:
        return {"coding": [{"system": QUESTIONNAIRE_SYSTEM, "code": task.questionnaire}],
                "text": f"Questionnaire {task.questionnaire}"}
    reading = task.reading or ""
    return concept(reading, READING_CODES.get(reading, Code(None, reading)))


def task_status(task: Task, at: datetime) -> str:
    """requested until done (completed) or missed (failed: also a pending task past its
    grace period, as the app shows it)."""
    if task.status == "pending" and task.missed_at <= at:
        return "failed"
    return TASK_STATUS.get(task.status, "requested")


def task_resource(task: Task, at: datetime) -> dict[str, Any]:
    """A task of the follow-up: a questionnaire or a reading due on a post-operative
    day."""
    changed: datetime = task.answered_at or task.created_at
    resource: dict[str, Any] = {
        "resourceType": "Task", "id": str(task.id),
        "meta": {"lastUpdated": iso(changed)},
        "identifier": [{"system": "urn:suivi:task", "value": task.key}],
        "basedOn": [{"reference": f"CarePlan/{task.enrollment_id}"}],
        "status": task_status(task, at),
        "intent": "plan",
        "code": _task_code(task),
        "description": f"J{task.day} : "
                       f"{'questionnaire' if task.kind == 'questionnaire' else 'mesure'} à faire",
        "for": {"reference": f"Patient/{task.patient_id}"},
        "executionPeriod": {"start": iso(task.due_at), "end": iso(task.missed_at)},
        "authoredOn": iso(task.created_at),
        "lastModified": iso(max(changed, task.created_at)),
    }
    if task.submission_id is not None and task.kind == "questionnaire":
        resource["output"] = [{"type": {"text": "QuestionnaireResponse"}, "valueReference": {
            "reference": f"QuestionnaireResponse/{task.submission_id}"}}]
    return resource


# A message's delivery → the Communication status.
MESSAGE_STATUS = {"pending": "preparation", "sending": "in-progress", "sent": "completed",
                  "delivered": "completed", "failed": "not-done"}
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
MEDIUM = {"sms": ("WRITTEN", "written", "SMS"),
          "push": ("ELECTRONIC", "electronic data", "notification de l'application")}


def _medium(channel: str) -> list[dict[str, Any]]:
    code, display, text = MEDIUM.get(channel, ("ELECTRONIC", "electronic data", channel))
    return [{"coding": [{"system": PARTICIPATION_MODE, "code": code, "display": display}],
             "text": text}]


def communication_resource(row: Message | InboundEvent) -> dict[str, Any]:
    """A message sent to the patient (or about them, to staff) or an SMS received from
    them: channel, status, when. Never the text: a message may carry an activation
    code or a form link, and a patient's SMS their own words."""
    patient = {"reference": f"Patient/{row.patient_id}"}
    if isinstance(row, InboundEvent):
        return {"resourceType": "Communication", "id": str(row.id),
                "meta": {"lastUpdated": iso(row.received_at)},
                "status": "completed", "medium": _medium("sms"), "subject": patient,
                "received": iso(row.received_at), "sender": patient}
    resource: dict[str, Any] = {
        "resourceType": "Communication", "id": str(row.id),
        "meta": {"lastUpdated": iso(row.updated_at)},
        "status": MESSAGE_STATUS.get(row.status, "unknown"),
        "category": [{"coding": [{"system": "urn:suivi:message-template",
                                  "code": row.template}]}],
        "medium": _medium(row.channel), "subject": patient,
    }
    if row.status == "failed" and row.error_code:
        resource["statusReason"] = {"text": f"échec de l'envoi ({row.error_code})"}
    if row.sent_at is not None:
        resource["sent"] = iso(row.sent_at)
    if row.staff_id is None:
        resource["recipient"] = [patient]
    return resource


AUDIT_ACTION = "urn:suivi:audit-action"
AUDIT_OUTCOME = {"success": "0", "denied": "4"}


def audit_event_resource(event: AuditEvent) -> dict[str, Any]:
    """An entry of the audit trail: who (kind and id), did what, when, about which
    patient, with what outcome (its details, which may name a reason, stay in Suivi)."""
    who: dict[str, Any] = ({"reference": f"Patient/{event.actor_id}"}
                           if event.actor_type == "patient" and event.actor_id else
                           {"identifier": {"system": f"urn:suivi:{event.actor_type}",
                                           "value": str(event.actor_id)}}
                           if event.actor_id else {"display": event.actor_type})
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent", "id": str(event.id),
        "meta": {"lastUpdated": iso(event.at)},
        "type": {"system": AUDIT_ACTION, "code": event.action.split(".")[0]},
        "subtype": [{"system": AUDIT_ACTION, "code": event.action}],
        "recorded": iso(event.at),
        "outcome": AUDIT_OUTCOME.get(event.outcome, "8"),
        "agent": [{"type": {"text": event.actor_type}, "who": who, "requestor": True}],
        "source": {"observer": {"display": "Suivi"}},
    }
    if event.patient_id is not None:
        resource["entity"] = [{"what": {"reference": f"Patient/{event.patient_id}"}}]
    return resource
