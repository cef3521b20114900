from flask.views import MethodView

from backend.api import Blueprint
from backend.audit import services as audit
from backend.auth.models import CARE_ROLES
from backend.auth.principal import current_staff, staff_required
from backend.patients.services import get_patient
from backend.teleconsult import services
from backend.teleconsult.schemas import TeleconsultationIn, TeleconsultationOut

blp = Blueprint("teleconsultations", __name__, url_prefix="",
                description="Video appointments with an expiring join link.")


@blp.route("/patients/<uuid:patient_id>/teleconsultations")
class Teleconsultations(MethodView):
    @staff_required(action="teleconsultation.list")
    @blp.response(200, TeleconsultationOut(many=True))
    def get(self, patient_id):
        """The patient's teleconsultations."""
        patient = get_patient(current_staff(), patient_id, "teleconsultation.list")
        audit.record("teleconsultation.list", patient_id=patient.id)
        return services.of_patient(patient)

    @staff_required(*CARE_ROLES, action="teleconsultation.create")
    @blp.arguments(TeleconsultationIn)
    @blp.response(201, TeleconsultationOut)
    def post(self, args, patient_id):
        """Book a teleconsultation; the patient gets the link by SMS/push and in the app."""
        patient = get_patient(current_staff(), patient_id, "teleconsultation.create")
        return services.book(current_staff(), patient, **args)
