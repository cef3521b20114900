"""A patient's own words reach a nurse: every non-empty free-text answer and every SMS to
the ward (other than STOP, START, HELP) is filed on the patient's "message to read" item,
an alert of group ``message`` in the team's queue, read and closed like any other.

One open item per patient: a new message is appended to its evidence, which keeps the
first message and the latest ones (``MESSAGES_PER_ITEM`` in all); those in between are
counted by one item of kind ``messages_omitted`` (the timeline keeps every one). The item is
``low`` (read during the ward's day hours), written in the transaction that stores the
words, and announced through the outbox like every alert. An SMS from a number several
patients share (an elderly couple) cannot be attributed by the number: it is filed on
each of them, marked "to identify", never on one of them arbitrarily.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend import db
from backend.alerts import services as alerts
from backend.alerts.models import MESSAGE_GROUP, MESSAGE_RULE, Alert
from backend.audit import services as audit
from backend.enrollments.models import Enrollment
from backend.enrollments.services import latest_enrollment
from backend.limits import MESSAGES_PER_ITEM
from backend.patients.models import Patient
from backend.patients.services import care_teams_of
from backend.protocols.content import protocol_of
from backend.teams.models import CareTeam
from rules.model import Finding, Text

OMITTED = "messages_omitted"  # the evidence item counting the messages set aside
SEVERITY = "low"  # read during the ward's day hours; an emergency is the 15, said to the patient
EXPLANATION = Text("Message du patient à lire", "Patient's message to read")
TO_IDENTIFY = Text(
    "Message du patient à lire — numéro partagé par {count} patients : appelez pour savoir "
    "qui a écrit",
    "Patient's message to read — number shared by {count} patients: call to find out who "
    "wrote")
ADVICE = Text("Votre message sera lu par l'équipe soignante. En cas d'urgence, appelez le 15.",
              "The care team will read your message. In an emergency, call 15.")
# What the patient is told about when their words are read (never a word of health data).
READ_BETWEEN = Text(
    "Votre message sera lu par l'équipe du service entre {start} et {end}. En cas "
    "d'urgence, appelez le 15 ou le 112.",
    "Your message will be read by the ward's team between {start} and {end}. In an "
    "emergency, call 15 or 112.")
READ_IN_DAY_HOURS = Text(
    "Votre message sera lu par l'équipe du service pendant la journée. En cas d'urgence, "
    "appelez le 15 ou le 112.",
    "Your message will be read by the ward's team during the day. In an emergency, call 15 "
    "or 112.")
NOT_FILED = Text(
    "Votre message n'a pu être transmis à aucune équipe de soins. En cas d'urgence, "
    "appelez le 15 ou le 112.",
    "Your message could not be passed to a care team. In an emergency, call 15 or 112.")


def from_answers(patient: Patient, enrollment: Enrollment, questionnaire: str,
                 texts: Sequence[tuple[str, str]], at: datetime,
                 source: str = "app") -> tuple[Alert, bool]:
    """File the free-text answers ``(link_id, text)`` of one submission (sent from
    ``source``: the app, the web form); returns the item and whether this opened it."""
    opened = False
    for link_id, text in texts:
        alert, new = receive(patient, enrollment, source, text, at,
                             extra={"questionnaire": questionnaire, "link_id": link_id})
        opened = opened or new
    return alert, opened


def from_sms(patients: Sequence[Patient], text: str, at: datetime) -> list[Alert]:
    """File an SMS on every patient with the sender's number; returns the items it is on.

    A patient never enrolled has no team queue: the message stays in their timeline and
    the trail says it reached no queue (the SMS reply says so too). A shared number's
    message names, on each item, the candidates the item's team follows (the nurse
    calls to find out who wrote) and counts those of other teams without naming them."""
    filed = []
    teams = care_teams_of([patient.id for patient in patients]) if len(patients) > 1 else {}
    for patient in patients:
        enrollment = latest_enrollment(patient)
        if enrollment is None:
            audit.record("message.unfiled", patient_id=patient.id, actor=("system", None),
                         detail={"source": "sms", "reason": "never enrolled: no care team"})
            continue
        extra = {}
        if len(patients) > 1:
            named = sorted(({"patient_id": str(other.id),
                             "name": f"{other.family_name.upper()} {other.given_name}"}
                            for other in patients if enrollment.care_team_id in teams[other.id]),
                           key=lambda candidate: candidate["name"])
            extra = {"shared_by": len(patients), "to_identify": True, "candidates": named,
                     "other_teams": len(patients) - len(named)}
        filed.append(receive(patient, enrollment, "sms", text, at, extra=extra)[0])
    return filed


def receive(patient: Patient, enrollment: Enrollment, source: str, text: str, at: datetime,
            extra: dict[str, Any] | None = None) -> tuple[Alert, bool]:
    """Append one message to the patient's open message item, opening it if there is
    none; returns the item and whether it was opened now."""
    item = {"kind": "message", "source": source, "text": text, "at": at.isoformat(),
            **(extra or {})}
    session = db.session()
    alert = _open_item(patient)
    if alert is None:
        try:
            with session.begin_nested():
                return alerts.open_alert(patient, enrollment, protocol_of(enrollment.protocol),
                                         _finding(item, []), at), True
        except IntegrityError:
            # Another message of this patient opened the item at the same instant (the
            # unique index on open alerts): this one is appended to it instead.
            alert = _open_item(patient)
            if alert is None:
                raise
    finding = _finding(item, alert.evidence)
    # Whoever acknowledged (or snoozed) the item has not read these words: it is open
    # again, awake, and the team is told once more. An open item is not paged again.
    unread_again = alert.status == "acknowledged"
    if unread_again:
        alerts.reopen(alert, protocol_of(enrollment.protocol), patient.timezone)
    alerts.add_evidence(alert, finding, at, "message", source=source, reopened=unread_again)
    alert.evidence = _bounded(alert.evidence)
    if len(alert.series) > MESSAGES_PER_ITEM:
        alert.series = [alert.series[0], *alert.series[1 - MESSAGES_PER_ITEM:]]
    alert.explanation = finding.explanation.to_dict()
    if unread_again:
        alerts.notify(alert, "message", f"alert:{alert.id}:message:{_count(alert.evidence)}")
    return alert, False


def when_read(items: Sequence[Alert], lang: str) -> str:
    """When the ward reads the messages filed on ``items``: their team's day hours."""
    teams = {item.care_team_id: db.session().get(CareTeam, item.care_team_id)
             for item in items}
    hours = {(team.day_start, team.day_end) for team in teams.values()}
    if not hours:
        return NOT_FILED.get(lang)
    if len(hours) > 1:  # a shared number, two wards with other hours
        return READ_IN_DAY_HOURS.get(lang)
    ((start, end),) = hours
    return read_between(start, end, lang)


def read_between(start: time, end: time, lang: str) -> str:
    """The sentence of ``READ_BETWEEN`` for day hours ``start``-``end``."""
    return READ_BETWEEN.get(lang).format(start=_clock(start, lang), end=_clock(end, lang))


def _clock(at: time, lang: str) -> str:
    if lang == "en":
        return at.strftime("%H:%M").lstrip("0").rjust(4, "0")
    return f"{at.hour} h" + (f" {at.minute:02d}" if at.minute else "")


def _finding(item: dict[str, Any], earlier: Sequence[dict[str, Any]]) -> Finding:
    """One message as a finding of the item (the explanation covers every message)."""
    return Finding(rule_id=MESSAGE_RULE, severity=SEVERITY, evidence=(item,),
                   explanation=_explanation([*earlier, item]), advice=ADVICE,
                   group=MESSAGE_GROUP, new=True)


def _bounded(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The item's messages, at most ``MESSAGES_PER_ITEM``: the first (what opened it) and
    the latest, with the ones in between counted in one ``messages_omitted`` item (from,
    to, and whether a shared number wrote them), so the item stays readable and bounded
    while saying that more was written (every message stays in the timeline)."""
    words = [item for item in evidence if item.get("kind") == "message"]
    if len(words) <= MESSAGES_PER_ITEM:
        return evidence
    counted = next((item for item in evidence if item.get("kind") == OMITTED), None)
    latest = words[1 - MESSAGES_PER_ITEM:]
    aside = words[1:len(words) - len(latest)]
    omitted = {"kind": OMITTED, "count": (counted["count"] if counted else 0) + len(aside),
               "from": counted["from"] if counted else aside[0]["at"], "to": aside[-1]["at"]}
    shared = max((item.get("shared_by", 1) for item in [*aside, counted or {}]
                  if item.get("to_identify")), default=1)
    if shared > 1:
        omitted.update(shared_by=shared, to_identify=True)
    return [words[0], omitted, *latest]


def _count(evidence: Sequence[dict[str, Any]]) -> int:
    """How many messages the item has received, those set aside included."""
    return sum(item.get("count", 0) if item.get("kind") == OMITTED else 1
               for item in evidence if item.get("kind") in ("message", OMITTED))


def _open_item(patient: Patient) -> Alert | None:
    return db.session().scalar(select(Alert).where(
        Alert.patient_id == patient.id, Alert.rule_group == MESSAGE_GROUP,
        Alert.status != "resolved"))


def _explanation(evidence: Sequence[dict[str, Any]]) -> Text:
    shared = max((item.get("shared_by", 1) for item in evidence
                  if item.get("kind") in ("message", OMITTED) and item.get("to_identify")),
                 default=1)
    if shared > 1:
        return Text(TO_IDENTIFY.fr.format(count=shared), TO_IDENTIFY.en.format(count=shared))
    return EXPLANATION
