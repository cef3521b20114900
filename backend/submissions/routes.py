from flask import jsonify, request
from flask.views import MethodView

from backend import db
from backend.api import Blueprint
from backend.audit import services as audit
from backend.auth.principal import current_patient, patient_required
from backend.enrollments.models import DeviceToken
from backend.idempotency import services as idempotency
from backend.submissions import services, today
from backend.submissions.schemas import (
    PushTokenIn,
    ReadingsIn,
    ReadingsResultOut,
    SubmissionIn,
    SubmissionResultOut,
    TodayOut,
)

blp = Blueprint("patient-app", __name__, url_prefix="/me",
                description="The patient app: today's tasks, answers and readings.")

IDEMPOTENCY_DOC = {"parameters": [{"in": "header", "name": idempotency.HEADER, "required": True,
                                   "schema": {"type": "string", "maxLength": 200}}]}


def _idempotent(action: str, schema, work):
    """Run ``work`` once per Idempotency-Key: a retry gets the stored answer back."""
    patient_id = current_patient().patient_id
    key = idempotency.checked_key(request.headers.get(idempotency.HEADER))
    audit.throttle_patient(patient_id, ("submission.create", "reading.create"),
                           f"{action}.create")
    claimed = idempotency.claim(f"patient:{patient_id}:{action}", key, request.get_json(),
                                patient_id)
    if isinstance(claimed, idempotency.Replay):
        audit.record(f"{action}.replay", patient_id=patient_id)
        response = jsonify(claimed.body)
        response.status_code = claimed.status_code
        response.headers["Idempotent-Replayed"] = "true"
        return response
    body = schema.dump(work(current_patient().patient))
    idempotency.complete(claimed, 201, body)
    response = jsonify(body)
    response.status_code = 201
    return response


@blp.route("/today")
class Today(MethodView):
    @patient_required(action="me.today")
    @blp.response(200, TodayOut)
    def get(self):
        """Today's tasks (in the patient's time zone), education and teleconsultation."""
        patient = current_patient().patient
        audit.record("me.today", patient_id=patient.id)
        return today.today_view(patient)


@blp.route("/submissions")
class Submissions(MethodView):
    @patient_required(action="submission.create")
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(SubmissionIn)
    @blp.response(201, SubmissionResultOut)
    def post(self, args):
        """Answer a questionnaire; the response carries scores and advice to show now."""
        return _idempotent("submission", SubmissionResultOut(),
                           lambda patient: services.submit(patient, args))


@blp.route("/readings")
class Readings(MethodView):
    @patient_required(action="reading.create")
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(ReadingsIn)
    @blp.response(201, ReadingsResultOut)
    def post(self, args):
        """Send a batch of home-device readings (converted to canonical units)."""
        return _idempotent("readings", ReadingsResultOut(),
                           lambda patient: services.submit_readings(patient, args["readings"]))


@blp.route("/push-token")
class PushToken(MethodView):
    @patient_required(action="me.push_token")
    @blp.arguments(PushTokenIn)
    @blp.response(204)
    def put(self, args):
        """Register this phone's FCM token for reminders."""
        principal = current_patient()
        device = db.session().get(DeviceToken, principal.device_token_id)
        device.push_token = args["push_token"]
        audit.record("me.push_token", patient_id=principal.patient_id)
