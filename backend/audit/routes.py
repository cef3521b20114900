from flask.views import MethodView

from backend.api import Blueprint
from backend.audit import services
from backend.audit.schemas import AuditEventOut, AuditQuery
from backend.auth.principal import staff_required

blp = Blueprint("audit", __name__, url_prefix="/audit",
                description="The append-only audit trail (administrators, DPO).")


@blp.route("")
class AuditTrail(MethodView):
    @staff_required("admin", action="audit.search")
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditEventOut(many=True))
    def get(self, args):
        """Search the audit trail, newest first."""
        limit, offset = args.pop("limit"), args.pop("offset")
        return services.search(args, limit, offset)
