"""The patient app's API: pairing, the patient's own record and device, today's tasks,
answers and readings (all of ``/me``); and the readings the hospital's device gateways
send for a patient (``/patients/{id}/readings``, integration clients)."""

from flask import jsonify, request
from flask.views import MethodView

from backend.api import PUBLIC, Blueprint
from backend.audit import services as audit
from backend.auth import patient_credentials as credentials
from backend.auth.principal import (
    PatientPrincipal,
    current_client,
    current_patient,
    patient_required,
    scope_required,
)
from backend.enrollments.models import Enrollment
from backend.enrollments.schemas import ReminderTimeIn, ReminderTimeOut, reminder_time
from backend.enrollments.services import active_enrollment, followed
from backend.idempotency import services as idempotency
from backend.intake import pairing, services, today, values
from backend.intake.schemas import (
    ActivatedOut,
    ActivateIn,
    MeOut,
    MyValuesOut,
    PushTokenIn,
    ReadingsIn,
    ReadingsResultOut,
    SubmissionIn,
    SubmissionResultOut,
    TodayOut,
    ValuesQuery,
)
from backend.patients import services as patients
from backend.tasks import services as tasks

blp = Blueprint("patient-app", __name__, url_prefix="",
                description="The patient app: today's tasks, answers and readings.")

# Pairing and the patient's own record were documented with enrolment before the patient
# app's routes had one package: their tag stays, so the published API reads the same.
ENROLLMENTS_TAG = ["enrollments"]

IDEMPOTENCY_DOC = {"parameters": [{"in": "header", "name": idempotency.HEADER, "required": True,
                                   "schema": {"type": "string", "maxLength": 200}}]}


# The answers' schemas, built once (a schema instance costs more than dumping one answer).
SUBMISSION_RESULT = SubmissionResultOut()
READINGS_RESULT = ReadingsResultOut()


def _idempotent(action: str, schema, work, scope: str | None = None, patient=None):
    """Run ``work`` once per Idempotency-Key: a retry gets the stored answer back.
    ``scope``, ``patient``: whose keys these are, and for whom (the patient app's own by
    default); the patient is part of what a key stands for."""
    patient = patient or current_patient().patient
    scope = scope or f"patient:{patient.id}"
    key = idempotency.checked_key(request.headers.get(idempotency.HEADER))
    body = request.get_json()
    if not scope.startswith("patient:"):
        body = {"patient_id": str(patient.id), "body": body}
    claimed = idempotency.claim(f"{scope}:{action}", key, body, patient.id)
    if isinstance(claimed, idempotency.Replay):
        audit.record(f"{action}.replay", patient_id=patient.id)
        response = jsonify(claimed.body)
        response.status_code = claimed.status_code
        response.headers["Idempotent-Replayed"] = "true"
        return response
    # Only new requests count against the patient's rate (a retry replays, storing
    # nothing); a refusal rolls the claim back with the rest.
    audit.throttle_patient(patient.id, f"{action}.create")
    body = schema.dump(work())
    idempotency.complete(claimed, 201, body)
    response = jsonify(body)
    response.status_code = 201
    return response


@blp.route("/patient/activate", tags=ENROLLMENTS_TAG)
class Activate(MethodView):
    @blp.doc(**PUBLIC)
    @blp.arguments(ActivateIn)
    @blp.response(201, ActivatedOut)
    def post(self, args):
        """Pair the patient app: activation code in, device token out (shown once)."""
        token, patient = pairing.activate(args["activation_code"], args.get("device_label"))
        return {"device_token": token, "patient": patient}


@blp.route("/me", tags=ENROLLMENTS_TAG)
class Me(MethodView):
    @patient_required(action="me.read")
    @blp.response(200, MeOut)
    def get(self):
        """The patient's own record (patient app)."""
        patient = current_patient().patient
        audit.record("me.read", patient_id=patient.id)
        return patient


@blp.route("/me/device", tags=ENROLLMENTS_TAG)
class MyDevice(MethodView):
    @patient_required(action="me.unpair")
    @blp.response(204)
    def delete(self):
        """Unpair this phone: its token stops working."""
        principal = current_patient()
        credentials.revoke_device(principal.patient_id, principal.device_token_id)


def _register_push_token(args: dict) -> None:
    principal = current_patient()
    credentials.register_push_token(principal.patient_id, principal.device_token_id,
                                    args["push_token"])


@blp.route("/me/push-token")
class PushToken(MethodView):
    @patient_required(action="me.push_token")
    @blp.arguments(PushTokenIn)
    @blp.response(204)
    def put(self, args):
        """Register this phone's FCM token for reminders (replaces the one it had)."""
        _register_push_token(args)


@blp.route("/me/push-tokens")
class PushTokens(MethodView):
    @patient_required(action="me.push_token")
    @blp.arguments(PushTokenIn)
    @blp.response(204)
    def post(self, args):
        """Register this phone's FCM token for reminders: one token per paired phone, a
        new one replaces the last (the same as ``PUT /me/push-token``)."""
        _register_push_token(args)


@blp.route("/me/reminder-time")
class MyReminderTime(MethodView):
    @patient_required(action="me.reminder_time")
    @blp.arguments(ReminderTimeIn)
    @blp.response(200, ReminderTimeOut)
    def put(self, args):
        """My own reminder time: a task due later in the day is reminded then (never
        later than it is due, so the ward's checks keep their time); null: at the due
        times."""
        principal = current_patient()
        enrollment = followed(principal.patient)
        tasks.set_reminder_time(principal.patient, enrollment, reminder_time(args))
        return enrollment


@blp.route("/me/today")
class Today(MethodView):
    @patient_required(action="me.today")
    @blp.response(200, TodayOut)
    def get(self):
        """Today's tasks (in the patient's time zone), education and teleconsultation."""
        patient = current_patient().patient
        audit.record("me.today", patient_id=patient.id)
        return today.today_view(patient)


@blp.route("/me/values")
class MyValues(MethodView):
    @patient_required(action="me.values")
    @blp.arguments(ValuesQuery, location="query")
    @blp.response(200, MyValuesOut)
    def get(self, args):
        """The patient's own recent values for the app's charts (temperature, weight, pain,
        blood pressure), bounded in days and values per series."""
        patient = current_patient().patient
        audit.record("me.values", patient_id=patient.id, detail={"days": args["days"]})
        return values.my_values(patient, args["days"])


def _followed(principal: PatientPrincipal) -> Enrollment:
    """The enrolment the app's answers go to; its end said in the patient's words."""
    return principal.enrollment or followed(principal.patient)


@blp.route("/me/submissions")
class Submissions(MethodView):
    @patient_required(action="submission.create")
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(SubmissionIn)
    @blp.response(201, SubmissionResultOut)
    def post(self, args):
        """Answer a questionnaire; the response carries scores and advice to show now."""
        principal = current_patient()
        return _idempotent("submission", SUBMISSION_RESULT,
                           lambda: services.submit(principal.patient, args,
                                                   enrollment=_followed(principal)))


@blp.route("/me/readings")
class Readings(MethodView):
    @patient_required(action="reading.create")
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(ReadingsIn)
    @blp.response(201, ReadingsResultOut)
    def post(self, args):
        """Send a batch of home-device readings (converted to canonical units)."""
        principal = current_patient()
        return _idempotent("readings", READINGS_RESULT,
                           lambda: services.submit_readings(principal.patient,
                                                            args["readings"],
                                                            enrollment=_followed(principal)))


@blp.route("/patients/<uuid:patient_id>/readings", tags=["integration clients"])
class GatewayReadings(MethodView):
    @scope_required("system/Observation.write", action="reading.create")
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(ReadingsIn)
    @blp.response(201, ReadingsResultOut)
    def post(self, args, patient_id):
        """A device gateway's batch of readings for a patient of its client's care team
        (token scope ``system/Observation.write``): the same checks, rules, alerts and
        idempotency as the patient app's."""
        client = current_client()
        patient = patients.get_patient(client, patient_id, "reading.create")
        enrollment = active_enrollment(patient)
        return _idempotent("readings", READINGS_RESULT,
                           lambda: services.submit_readings(patient, args["readings"],
                                                            source="gateway",
                                                            enrollment=enrollment),
                           scope=f"client:{client.client_id}", patient=patient)
