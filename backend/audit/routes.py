from flask.views import MethodView

from backend.api import Blueprint, page_response
from backend.audit import services
from backend.audit.schemas import AuditEventOut, AuditQuery
from backend.auth.principal import staff_required
from backend.schemas import NEXT_CURSOR_DOC

blp = Blueprint("audit", __name__, url_prefix="/audit",
                description="The append-only audit trail (administrators, DPO).")


@blp.route("")
class AuditTrail(MethodView):
    @staff_required("admin", action="audit.search")
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditEventOut(many=True), headers=NEXT_CURSOR_DOC)
    def get(self, args):
        """Search the audit trail, newest first, a page at a time: the next page is the
        one after the `X-Next-Cursor` header's cursor."""
        limit, offset, cursor = args.pop("limit"), args.pop("offset"), args.pop("cursor", None)
        return page_response(services.search(args, limit, offset, cursor), limit,
                             services.cursor_of)
