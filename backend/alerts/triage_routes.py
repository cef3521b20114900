"""The queue by patient, and the steps on all of one patient's alerts."""

from flask.views import MethodView

from backend.alerts import triage
from backend.alerts.routes import alert_view
from backend.alerts.triage_schemas import BulkOut, BulkResolveIn, TriageArgs, TriageRowOut
from backend.api import Blueprint
from backend.auth.models import CARE_ROLES
from backend.auth.principal import current_staff, staff_required
from backend.patients.services import age_on
from backend.schemas import LangArgs

blp = Blueprint("triage", __name__, url_prefix="",
                description="The nurses' queue by patient, and steps on a patient's alerts.")



def row_view(row: triage.TriageRow, lang: str) -> dict:
    patient, enrollment = row.patient, row.enrollment
    protocol = None
    if enrollment is not None:
        title = enrollment.protocol.title_fr if lang == "fr" else enrollment.protocol.title_en
        protocol = {"slug": enrollment.protocol.slug, "version": enrollment.protocol.version,
                    "title": title, "surgery_date": enrollment.surgery_date}
    return {
        "patient": {"id": patient.id, "given_name": patient.given_name,
                    "family_name": patient.family_name, "birth_date": patient.birth_date,
                    "age": age_on(patient.birth_date, row.at.date()), "sex": patient.sex,
                    "phone": patient.phone, "hospital_id": patient.hospital_id,
                    "language": patient.language},
        "highest_severity": row.highest_severity, "earliest_due": row.earliest_due,
        "counts": row.counts, "overdue": row.overdue, "postop_day": row.postop_day,
        "protocol": protocol, "last_contact": row.last_contact,
        "alerts": [alert_view(a, lang, patient=patient) for a in row.alerts],
    }


@blp.route("/triage")
class Triage(MethodView):
    @staff_required(action="triage.list")
    @blp.arguments(TriageArgs, location="query")
    @blp.response(200, TriageRowOut(many=True))
    def get(self, args):
        """One row per patient with open work, the most urgent first (highest severity,
        most overdue, earliest deadline), with the patient's alerts under it."""
        return [row_view(row, args["lang"]) for row in triage.triage(current_staff(), args)]


def _bulk(event: str, patient_id, args: dict, lang: str) -> dict:
    patient, done = triage.act_on_patient(current_staff(), patient_id, event, **args)
    return {"patient_id": patient.id, "count": len(done),
            "alerts": [alert_view(a, lang, patient=patient) for a in done]}


@blp.route("/patients/<uuid:patient_id>/alerts/acknowledge")
class AcknowledgeAll(MethodView):
    @staff_required(*CARE_ROLES, action="alert.bulk_acknowledge")
    @blp.arguments(LangArgs, location="query")
    @blp.response(200, BulkOut)
    def post(self, query, patient_id):
        """Acknowledge every new alert of the patient (each gets its own event); 409 when
        there is none."""
        return _bulk("acknowledge", patient_id, {}, query["lang"])


@blp.route("/patients/<uuid:patient_id>/alerts/resolve")
class ResolveAll(MethodView):
    @staff_required(*CARE_ROLES, action="alert.bulk_resolve")
    @blp.arguments(LangArgs, location="query")
    @blp.arguments(BulkResolveIn)
    @blp.response(200, BulkOut)
    def post(self, query, args, patient_id):
        """Resolve every open or acknowledged alert of the patient with one outcome and
        note, in one transaction; 409 when there is none."""
        return _bulk("resolve", patient_id, args, query["lang"])
