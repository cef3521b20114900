"""The indicators page (`/web/indicators`): the same figures as `GET /api/v1/indicators`
for the signed-in staff member's teams, with charts drawn server-side, and their CSV."""

from __future__ import annotations

from flask import Response, flash, render_template, request

from backend.errors import DomainError
from backend.indicators import services
from backend.indicators.csv_export import to_csv
from backend.indicators.definitions import DEFINITIONS
from backend.indicators.schemas import IndicatorsOut
from backend.web import labels
from backend.web.blueprint import bp
from backend.web.i18n import _, lang, number
from backend.web.indicator_charts import share_bars, weekly_bars
from backend.web.session import login_required, message_of, principal

FILTERS = ("team", "protocol", "from", "to")
CHANNEL_NAMES = {"app": "Application", "sms": "SMS", "web": "Web"}


def _filters() -> dict[str, str | None]:
    return {name: (request.args.get(name) or "").strip() or None for name in FILTERS}


def _read(filters: dict[str, str | None]) -> dict:
    return services.indicators(principal(), filters["team"], filters["protocol"],
                               filters["from"], filters["to"])


def percent(share: float | None) -> str:
    return "—" if share is None else f"{number(round(share * 100))} %"


def _charts(result: dict) -> list[tuple[str, str]]:
    weeks = result["weeks"]
    settings = result["settings"]
    answer_title = _("Taux de réponse par semaine")
    alerts_title = _("Alertes pour 100 jours-patients par semaine")
    charts = [
        (answer_title, weekly_bars(answer_title, [
            (w["week"], w["answer_rate"]["rate"]) for w in weeks], percent, top=1)),
        (alerts_title, weekly_bars(alerts_title, [
            (w["week"], w["alerts"]["per_100_patient_days"]) for w in weeks],
            lambda v: number(round(v, 1)))),
    ]
    rules = result["total"]["false_alarms"]
    flagged = {row["rule"] for row in result["flagged_rules"]}
    if rules:
        title = _("Part de fausses alertes par règle")
        charts.append((title, share_bars(
            title, [(r["rule"], r["share"] or 0, r["rule"] in flagged) for r in rules],
            settings["false_alarm_flag_share"],
            _("seuil {share}", share=percent(settings["false_alarm_flag_share"])), percent)))
    return charts


@bp.get("/web/indicators")
@login_required()
def indicators_page():
    filters = _filters()
    try:
        result = _read(filters)
    except DomainError as error:
        flash(message_of(error), "error")
        filters = dict.fromkeys(FILTERS)
        result = _read(filters)
    teams, protocols = services.filter_choices(principal())
    definitions = {key: pair[0 if lang() == "fr" else 1] for key, pair in DEFINITIONS.items()}
    return render_template(
        "indicators.html", result=result, filters=filters, teams=teams, protocols=protocols,
        charts=_charts(result), percent=percent, definitions=definitions,
        severities=labels.SEVERITIES, message_statuses=labels.MESSAGE_STATUSES,
        channel_names=CHANNEL_NAMES,
        csv_query={k: v for k, v in filters.items() if v})


@bp.get("/web/indicators.csv")
@login_required()
def indicators_csv():
    try:
        result = _read(_filters())
    except DomainError as error:
        return Response(message_of(error), status=422, mimetype="text/plain")
    return Response(to_csv(IndicatorsOut().dump(result)), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="suivi-indicators-{result["from"]}-'
                               f'{result["to"]}.csv"'})
