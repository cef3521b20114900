from flask.views import MethodView

from backend.api import Blueprint
from backend.audit import services as audit
from backend.auth.principal import current_patient, current_staff, patient_required, staff_required
from backend.patients.services import get_patient
from backend.rgpd import services
from backend.rgpd.schemas import ErasureIn, ErasureOut, ExportOut

blp = Blueprint("rgpd", __name__, url_prefix="",
                description="The patient's rights: a copy of their data, erasure of their "
                            "contact data.")


@blp.route("/me/export")
class MyExport(MethodView):
    @patient_required(action="me.export")
    @blp.response(200, ExportOut)
    def get(self):
        """All of the patient's own data ("Mes données"), as JSON."""
        patient = current_patient().patient
        exported = services.export_of(patient)
        audit.record("me.export", patient_id=patient.id)
        return exported


@blp.route("/patients/<uuid:patient_id>/export")
class PatientExport(MethodView):
    @staff_required(action="patient.export")
    @blp.response(200, ExportOut)
    def get(self, patient_id):
        """All of the patient's data, as JSON, for a request of the patient (RGPD art. 15
        and 20) or a transfer; audited naming the patient."""
        patient = get_patient(current_staff(), patient_id, "patient.export")
        exported = services.export_of(patient)
        audit.record("patient.export", patient_id=patient.id, object_type="patient",
                     object_id=patient.id)
        return exported


@blp.route("/patients/<uuid:patient_id>/erasure")
class Erasure(MethodView):
    @staff_required("admin", action="patient.erasure")
    @blp.arguments(ErasureIn)
    @blp.response(201, ErasureOut)
    def post(self, args, patient_id):
        """Erase the patient's contact data (administrator): follow-ups end, phones and
        codes stop working, no message reaches the patient, phone and e-mail are deleted
        and the names pseudonymised when the record keeps the hospital's IPP. The
        medical content is kept for the legal retention (20 years, CSP R1112-7), then
        purged; the audit trail is kept. A second request is a 409."""
        patient = get_patient(current_staff(), patient_id, "patient.erasure")
        row, names = services.erase(current_staff(), patient, args["reason"], args["note"])
        return {"id": row.id, "patient_id": row.patient_id, "reason": row.reason,
                "requested_by": row.requested_by, "erased_at": row.erased_at,
                "names_pseudonymised": names}
