from flask.views import MethodView

from backend.api import Blueprint
from backend.audit import services as audit
from backend.auth.models import CARE_ROLES
from backend.auth.principal import current_staff, staff_required
from backend.patients import services
from backend.patients.schemas import PatientIn, PatientListArgs, PatientOut, PatientPatch

blp = Blueprint("patients", __name__, url_prefix="/patients",
                description="Patient records, scoped to the caller's care teams.")



@blp.route("")
class PatientCollection(MethodView):
    @staff_required(action="patient.list")
    @blp.arguments(PatientListArgs, location="query")
    @blp.response(200, PatientOut(many=True))
    def get(self, args):
        """Patients of the caller's care teams."""
        return services.list_patients(current_staff(), args.get("q"), args["limit"],
                                      args["offset"])

    @staff_required(*CARE_ROLES, action="patient.create")
    @blp.arguments(PatientIn)
    @blp.response(201, PatientOut)
    def post(self, args):
        """Create a patient record."""
        return services.create_patient(current_staff(), args)


@blp.route("/<uuid:patient_id>")
class PatientItem(MethodView):
    @staff_required(action="patient.read")
    @blp.response(200, PatientOut)
    def get(self, patient_id):
        """One patient record."""
        patient = services.get_patient(current_staff(), patient_id, "patient.read")
        audit.record("patient.read", patient_id=patient.id, object_type="patient",
                     object_id=patient.id)
        return patient

    @staff_required(*CARE_ROLES, action="patient.update")
    @blp.arguments(PatientPatch)
    @blp.response(200, PatientOut)
    def patch(self, args, patient_id):
        """Change a patient record."""
        patient = services.get_patient(current_staff(), patient_id, "patient.update")
        return services.update_patient(patient, args)
