"""A patient's timeline as sentences: "Température 39,2 °C", "Douleur actuelle 8/10",
"Alerte « Fièvre élevée » ouverte", in the page's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend.questionnaires import services as questionnaires
from backend.web import labels
from backend.web.i18n import _, lang, number


@dataclass
class Line:
    at: datetime
    kind: str  # css class: submission, reading, score, alert, message, teleconsultation
    title: str
    details: list[str] = field(default_factory=list)
    severity: str | None = None


def _answers(slug: str, answers: dict[str, Any], catalogue: dict) -> tuple[str, list[str]]:
    definition = catalogue.get(slug)
    title = definition.title.get(lang()) if definition else slug
    items = {item.link_id: item for item in definition.items} if definition else {}
    details = []
    for link_id, value in answers.items():
        item = items.get(link_id)
        if isinstance(value, dict):  # a reading answered with its unit
            value = value.get("value")
        info = labels.ANSWERS.get(link_id)
        if info is None and item is not None:
            info = labels.Kind(item.text.fr, item.text.en, labels.unit_of(item.unit))
        choice = next((c.text.get(lang()) for c in (item.choices if item else ())
                       if c.code == value), None)
        details.append(labels.answer_text(link_id, value, info, choice))
    return title, details


def answer_lines(submissions: list[dict]) -> list[Line]:
    """Submissions (``questionnaire``, ``answers``, ``submitted_at`` as ISO text) as the
    timeline writes them: the questionnaire's title, each answer in words."""
    catalogue = questionnaires.latest()
    lines = []
    for row in submissions:
        title, details = _answers(row["questionnaire"], row["answers"] or {}, catalogue)
        lines.append(Line(datetime.fromisoformat(row["submitted_at"]), "submission", title,
                          details))
    return lines


def _alert_line(entry: dict) -> Line:
    data, step = entry["data"], entry["kind"][len("alert."):]
    title = _("Alerte « {rule} » {step}", rule=labels.rule_title(data["rule"]),
              step=labels.pick(labels.EVENTS, step))
    details = []
    if data.get("note"):
        details.append(f"« {data['note']} »")
    if data.get("outcome"):
        details.append(labels.pick(labels.OUTCOMES, data["outcome"]))
    if data.get("reason"):
        details.append(data["reason"])
    if data.get("level"):
        details.append(_("relance {n}", n=data["level"]))
    return Line(entry["at"], "alert", title, details,
                data.get("severity") if step in ("opened", "worsened") else None)


def readable(entries: list[dict]) -> list[Line]:
    catalogue = questionnaires.latest()
    lines = []
    for entry in entries:
        kind, data = entry["kind"], entry["data"]
        if kind == "submission":
            title, details = _answers(data["questionnaire"], data["answers"], catalogue)
            lines.append(Line(entry["at"], kind, title, details))
        elif kind == "score":
            info = labels.SCORES.get(data.get("name"), labels.Kind(data.get("name"),
                                                                    data.get("name")))
            lines.append(Line(entry["at"], kind, f"{info.label()} "
                              f"{labels.with_unit(number(data.get('total')), info.unit)}"))
        elif kind == "reading":
            lines.append(Line(entry["at"], kind,
                              labels.reading_text(data["type"], data["value"], data["unit"])))
        elif kind.startswith("alert."):
            lines.append(_alert_line(entry))
        elif kind == "message":
            lines.append(Line(entry["at"], kind, _("Message ({channel}) : {what}",
                                                   channel=data["channel"].upper(),
                                                   what=labels.pick(labels.MESSAGES,
                                                                    data["template"])),
                              [labels.pick(labels.MESSAGE_STATUSES, data["status"])]))
        elif kind == "sms.inbound":
            title = (_("Réponse SMS au questionnaire") if data.get("action") == "answer"
                     else _("SMS reçu du patient"))
            lines.append(Line(entry["at"], "message", title,
                              [data.get("body") or data.get("action") or ""]))
        elif kind == "teleconsultation":
            lines.append(Line(entry["at"], kind, _("Téléconsultation ({n} min)",
                                                   n=data["duration_minutes"]),
                              [data["reason"]]))
    return lines
