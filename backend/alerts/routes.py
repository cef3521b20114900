from flask.views import MethodView
from sqlalchemy import select

from backend import db
from backend.alerts import evidence, services
from backend.alerts.schemas import (
    AlertOut,
    AssignIn,
    LangArgs,
    NoteIn,
    QueueArgs,
    ResolveIn,
    SnoozeIn,
)
from backend.api import Blueprint
from backend.audit import services as audit
from backend.auth.models import CARE_ROLES
from backend.auth.principal import current_staff, staff_required
from backend.clock import now
from backend.patients.models import Patient

blp = Blueprint("alerts", __name__, url_prefix="/alerts",
                description="The nurses' triage queue and the alert lifecycle.")



def alert_view(alert, lang: str, with_events: bool = False,
               patient: Patient | None = None) -> dict:
    patient = patient or db.session().get(Patient, alert.patient_id)
    current = now()
    view = {
        "id": alert.id, "severity": alert.severity, "status": alert.status,
        "rule": alert.rule_id, "rule_group": alert.rule_group,
        "explanation": alert.explanation.get(lang),
        "advice": alert.advice.get(lang), "evidence": alert.evidence,
        "created_at": alert.created_at, "updated_at": alert.updated_at,
        "due_by": alert.due_by, "overdue": alert.status == "open" and alert.due_by <= current,
        "assigned_to": alert.assigned_to, "acknowledged_at": alert.acknowledged_at,
        "snoozed": services.is_asleep(alert, current),
        "snoozed_until": alert.snoozed_until, "snooze_reason": alert.snooze_reason,
        "resolved_at": alert.resolved_at, "outcome": alert.outcome,
        "escalation_level": alert.escalation_level,
        "next_escalation_at": alert.next_escalation_at if alert.status == "open" else None,
        "peak": evidence.peak(alert.series),
        "patient": {"id": patient.id, "given_name": patient.given_name,
                    "family_name": patient.family_name, "phone": patient.phone},
    }
    if with_events:
        view["series"] = alert.series
        view["events"] = services.events_of(alert)
    return view


@blp.route("")
class Queue(MethodView):
    @staff_required(action="alert.list")
    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, AlertOut(many=True))
    def get(self, args):
        """Open and acknowledged alerts of the caller's teams: severity (high first), then
        oldest first. A snoozed alert leaves the queue until its wake time, then comes
        back counted from it, as if new; `snoozed=only` lists the snoozed alerts."""
        lang, limit, offset = args.pop("lang"), args.pop("limit"), args.pop("offset")
        alerts = services.queue(current_staff(), args, limit, offset)
        # The page's patients in one query, not one per alert.
        patients = {patient.id: patient for patient in db.session().scalars(
            select(Patient).where(Patient.id.in_({alert.patient_id for alert in alerts})))}
        return [alert_view(a, lang, patient=patients[a.patient_id]) for a in alerts]


@blp.route("/<uuid:alert_id>")
class AlertItem(MethodView):
    @staff_required(action="alert.read")
    @blp.arguments(LangArgs, location="query")
    @blp.response(200, AlertOut)
    def get(self, args, alert_id):
        """One alert with its history."""
        alert = services.get_alert(current_staff(), alert_id, "alert.read")
        audit.record("alert.read", patient_id=alert.patient_id, object_type="alert",
                     object_id=alert.id)
        return alert_view(alert, args["lang"], with_events=True)


def _step(event: str, args: dict, alert_id) -> dict:
    alert = services.get_alert(current_staff(), alert_id, f"alert.{event}")
    return alert_view(services.act(current_staff(), alert, event, **args), "fr",
                      with_events=True)


@blp.route("/<uuid:alert_id>/acknowledge")
class Acknowledge(MethodView):
    @staff_required(*CARE_ROLES, action="alert.acknowledge")
    @blp.response(200, AlertOut)
    def post(self, alert_id):
        """I have seen it and I am on it."""
        return _step("acknowledge", {}, alert_id)


@blp.route("/<uuid:alert_id>/assign")
class Assign(MethodView):
    @staff_required(*CARE_ROLES, action="alert.assign")
    @blp.arguments(AssignIn)
    @blp.response(200, AlertOut)
    def post(self, args, alert_id):
        """Give the alert to a colleague (escalation goes to them first)."""
        return _step("assign", args, alert_id)


@blp.route("/<uuid:alert_id>/notes")
class Notes(MethodView):
    @staff_required(*CARE_ROLES, action="alert.note")
    @blp.arguments(NoteIn)
    @blp.response(200, AlertOut)
    def post(self, args, alert_id):
        """Add a note to the alert's history."""
        return _step("note", args, alert_id)


@blp.route("/<uuid:alert_id>/snooze")
class Snooze(MethodView):
    @staff_required(*CARE_ROLES, action="alert.snooze")
    @blp.arguments(SnoozeIn)
    @blp.response(200, AlertOut)
    def post(self, args, alert_id):
        """Put an acknowledged alert aside until a time (e.g. the patient will call back),
        with a reason. 409 if nobody has acknowledged it (an alert nobody has taken on is
        never hidden); 422 on `until` beyond the protocol's maximum for its severity. A
        rise in severity wakes it at once."""
        return _step("snooze", args, alert_id)


@blp.route("/<uuid:alert_id>/resolve")
class Resolve(MethodView):
    @staff_required(*CARE_ROLES, action="alert.resolve")
    @blp.arguments(ResolveIn)
    @blp.response(200, AlertOut)
    def post(self, args, alert_id):
        """Close the alert with its outcome; a new finding later opens a new alert."""
        return _step("resolve", args, alert_id)
