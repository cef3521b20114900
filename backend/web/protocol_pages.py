"""The protocols as a surgeon reads them: every protocol with its versions and the
patients following each, and one version in full: the schedule by post-operative day,
each rule in words with its thresholds, severity, advice and source, grouped by cause,
the deadlines and the education shown to the patient day by day."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from backend.errors import DomainError
from backend.indicators import services as indicators
from backend.protocols import services
from backend.protocols.content import protocol_of
from backend.schemas import SQL_INT_MAX
from backend.text import whole_number
from backend.web.blueprint import bp
from backend.web.rule_words import questionnaire_title, reading_label, template_text, words
from backend.web.session import login_required, message_of, principal
from rules.conditions import SEVERITY_RANK


@bp.get("/web/protocols")
@login_required(patient_data=False)
def protocol_list():
    rows = services.latest_versions()
    return render_template("protocols.html", protocols=rows,
                           following=services.patients_following())


def _schedule_by_day(protocol) -> list[tuple[int, int, list]]:
    """The post-operative days with tasks, consecutive days with the same tasks as one
    range (first day, last day, the tasks by time, each with the items it does not ask
    on those days)."""
    days: dict[int, list] = {}
    for entry in protocol.schedule:
        for day in entry.days:
            not_asked = [protocol.item(entry.questionnaire, link_id)
                         for link_id in entry.items_not_asked(day)]
            days.setdefault(day, []).append((entry, not_asked))
    ranges: list[tuple[int, int, list]] = []
    for day, entries in sorted(days.items()):
        entries = sorted(entries, key=lambda e: (e[0].at, e[0].task))
        if ranges and ranges[-1][1] == day - 1 and ranges[-1][2] == entries:
            ranges[-1] = (ranges[-1][0], day, entries)
        else:
            ranges.append((day, day, entries))
    return ranges


def _limited_items(protocol) -> list[tuple]:
    """Each item asked on some days only: the item, its questionnaire, those days as
    ranges of consecutive days, and the source that allows it."""
    out = []
    for entry in protocol.schedule:
        for link_id, days in entry.item_days.items():
            ranges: list[list[int]] = []
            for day in sorted(days):
                if ranges and ranges[-1][1] == day - 1:
                    ranges[-1][1] = day
                else:
                    ranges.append([day, day])
            out.append((protocol.item(entry.questionnaire, link_id), entry.questionnaire,
                        ranges, entry.item_sources.get(link_id, "")))
    return out


def _rule_groups(protocol) -> list[tuple[str, list]]:
    """The rules by cause (group), the most severe first within each, the groups in the
    protocol's order."""
    groups: dict[str, list] = {}
    for rule in protocol.all_rules():
        groups.setdefault(rule.group or rule.id, []).append(rule)
    return [(group, sorted(rules, key=lambda r: -SEVERITY_RANK[r.severity]))
            for group, rules in groups.items()]


@bp.get("/web/protocols/<slug>")
@login_required(patient_data=False)
def protocol_page(slug: str):
    version = whole_number(request.args.get("version", ""), SQL_INT_MAX)
    try:
        row = services.get_version(slug, version)
        all_versions = services.versions(slug)
    except DomainError as error:
        flash(message_of(error), "error")
        return redirect(url_for("web.protocol_list"))
    protocol = protocol_of(row)
    thresholds: dict[str, list] = {}
    for info in protocol.thresholds():
        thresholds.setdefault(info.rule_id, []).append(info)
    caller = principal()
    followed = (services.enrolled_patients(caller, slug)
                if caller.role == "surgeon" and caller.may_read_patient_data else [])
    # Rules that raise mostly false alarms on the caller's teams, with their cases (alerts,
    # which only a second factor opens).
    flagged = (indicators.flagged_rules(caller, slug) if caller.may_read_patient_data
               else {})
    return render_template(
        "protocol.html", row=row, protocol=protocol, versions=all_versions, followed=followed,
        flagged=flagged,
        schedule=_schedule_by_day(protocol), limited=_limited_items(protocol),
        groups=_rule_groups(protocol), words=words,
        questionnaire_title=questionnaire_title, reading_label=reading_label,
        template_text=template_text,
        thresholds=thresholds, following=services.patients_following(slug))
