from flask import Response, request
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.principal import current_staff, staff_required
from backend.indicators import services
from backend.indicators.csv_export import to_csv
from backend.indicators.schemas import IndicatorArgs, IndicatorsOut

blp = Blueprint("indicators", __name__, url_prefix="/indicators",
                description="The service's own indicators: answer rates, alerts, false "
                            "alarms, response times, messages, 30-day outcomes.")

CSV = "text/csv"


def wants_csv(args: dict) -> bool:
    if args.get("format"):
        return args["format"] == "csv"
    return request.accept_mimetypes.best_match(["application/json", CSV]) == CSV


@blp.route("")
class Indicators(MethodView):
    @staff_required(action="indicators.read")
    @blp.arguments(IndicatorArgs, location="query")
    @blp.response(200, IndicatorsOut)
    @blp.doc(responses={"200": {
        "description": "The figures; as CSV with `?format=csv` or `Accept: text/csv` (week, "
                       "week_start, teams, protocol, indicator, value)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndicatorsOut"}},
                    CSV: {"schema": {"type": "string"}}}}})
    def get(self, args):
        """Per week and for the whole period, on the enrolments of your teams
        (administrators: every team): patients, answer rates, channels, alerts per 100
        patient-days, response times, outcomes, false-alarm share per rule, messages,
        30-day outcomes; and the rules flagged for their false alarms, with their cases.
        What each figure means: README, "Indicators"."""
        result = services.indicators(current_staff(), args.get("team"), args.get("protocol"),
                                     args.get("from_"), args.get("to"))
        if wants_csv(args):
            return Response(to_csv(IndicatorsOut().dump(result)), mimetype=CSV, headers={
                "Content-Disposition": f'attachment; filename="suivi-indicators-'
                                       f'{result["from"]}-{result["to"]}.csv"'})
        return result
