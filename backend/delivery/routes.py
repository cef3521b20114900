from flask.views import MethodView

from backend.api import Blueprint, page_response
from backend.auth.principal import current_staff, staff_required
from backend.delivery import services
from backend.delivery.schemas import MessagesArgs, PatientMessage
from backend.patients.services import get_patient
from backend.schemas import NEXT_CURSOR_DOC

blp = Blueprint("delivery", __name__, url_prefix="",
                description="The messages sent to and received from a patient.")


@blp.route("/patients/<uuid:patient_id>/messages")
class PatientMessages(MethodView):
    @staff_required(action="patient.messages")
    @blp.arguments(MessagesArgs, location="query")
    @blp.response(200, PatientMessage(many=True), headers=NEXT_CURSOR_DOC)
    def get(self, args, patient_id):
        """Every SMS and push sent to the patient (with its delivery and attempt) and
        every SMS received from them, newest first; the next page is the one after the
        `X-Next-Cursor` header's cursor."""
        patient = get_patient(current_staff(), patient_id, "patient.messages")
        return page_response(services.patient_messages(patient, args["limit"],
                                                       args.get("cursor")),
                             args["limit"], services.cursor_of)
