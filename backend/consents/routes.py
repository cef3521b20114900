from flask.views import MethodView

from backend.api import Blueprint
from backend.audit import services as audit
from backend.auth.models import CARE_ROLES
from backend.auth.principal import current_staff, staff_required
from backend.consents import services
from backend.consents.schemas import ConsentOut
from backend.patients.services import get_patient

blp = Blueprint("consents", __name__, url_prefix="",
                description="The patient's consents to remote monitoring and their withdrawal.")


@blp.route("/patients/<uuid:patient_id>/consents")
class Consents(MethodView):
    @staff_required(action="consent.list")
    @blp.response(200, ConsentOut(many=True))
    def get(self, patient_id):
        """The patient's consents, withdrawn ones included (at most one per enrolment)."""
        patient = get_patient(current_staff(), patient_id, "consent.list")
        audit.record("consent.list", patient_id=patient.id)
        return services.consents_of(patient)


@blp.route("/patients/<uuid:patient_id>/consents/<uuid:consent_id>/withdraw")
class Withdraw(MethodView):
    @staff_required(*CARE_ROLES, action="consent.withdraw")
    @blp.response(200, ConsentOut)
    def post(self, patient_id, consent_id):
        """The patient withdraws their consent: its follow-up ends now (no more reminders
        or messages; what was answered is kept in the record). A second withdrawal is a
        409."""
        patient = get_patient(current_staff(), patient_id, "consent.withdraw")
        return services.withdraw(current_staff(), patient, consent_id)
