"""Mes données: the patient's own data as the ward holds it (``GET /me/export``), in a
few lines to read, and the full copy saved on the phone as JSON.

Pure functions over the export: the screen shows what they return. The export is kept
in memory while the screen shows it; it reaches the phone's storage only when the patient
saves a copy.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from suivi_app.core import i18n
from suivi_app.core.questionnaire import UNIT_LABELS

LATEST = 3  # the latest answers and readings shown (the copy holds them all)
COPIES_DIR = "mes-donnees"  # under the app's own files (Android: its files dir)


@dataclass
class MyData:
    """What the screen shows, each part as lines of text in the patient's language."""

    identity: list[str]
    follow_up: list[str]
    consent: list[str]
    notice_title: str | None
    notice: list[str]  # the notice's paragraphs (none: the export did not give it)
    counts: str
    answers: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)
    ask_ward: str = ""


def _day(value: str | None) -> str:
    """``1950-04-02`` (or a timestamp) → ``02/04/1950``."""
    if not value:
        return "?"
    try:
        return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return value


def _phone(number: str) -> str:
    """``01 22 33 44 55`` kept on one line (a number cut in two is misdialled)."""
    return i18n.phone(number).replace(" ", "\u00a0")


def _paragraphs(text: str | None) -> list[str]:
    """A notice's paragraphs, each on one flowing line (the file wraps them at 90)."""
    return [i18n.typeset(" ".join(p.split())) for p in (text or "").split("\n\n")
            if p.strip()]


def _value(reading: dict, lang: str) -> str:
    unit = UNIT_LABELS.get(reading.get("unit") or "", reading.get("unit") or "")
    try:
        shown = i18n.number(float(reading["value"]), lang, 1)
    except (TypeError, ValueError):
        shown = str(reading.get("value"))
    return f"{shown} {unit}".strip().replace(" /", "/")


def summary(export: dict, lang: str = "fr", ward: dict | None = None,
            titles: dict[str, str] | None = None, timezone: str | None = None,
            today: date | None = None) -> MyData:
    """The export as the patient reads it: who they are, their follow-up, their consent
    (with the notice they read), how much the ward holds and the latest few, and whom to
    ask for a full copy or to stop the follow-up (``ward``: the contact card's)."""
    tr = i18n.tr
    who = export.get("identity") or {}
    name = " ".join(n for n in (who.get("given_name"), who.get("family_name")) if n)
    phone = who.get("phone")
    identity = [name or "?", tr("mydata.birth", lang, date=_day(who.get("birth_date"))),
                tr("mydata.phone", lang, phone=_phone(phone)) if phone
                else tr("mydata.no_phone", lang)]

    follow_up: list[str] = []
    for enrolment in reversed(export.get("enrollments") or []):  # the latest first
        follow_up.append(enrolment.get("protocol_title") or enrolment.get("protocol") or "?")
        follow_up.append(tr("mydata.surgery", lang, date=_day(enrolment.get("surgery_date"))))
        if enrolment.get("team"):
            follow_up.append(tr("mydata.team", lang, team=enrolment["team"]))
        if enrolment.get("status") == "ended":
            follow_up.append(tr("mydata.ended", lang, date=_day(enrolment.get("ended_at"))))
    if not follow_up:
        follow_up = [tr("mydata.no_follow_up", lang)]

    consents = export.get("consents") or []
    consent: list[str] = []
    latest = consents[-1] if consents else None
    for given in reversed(consents):
        consent.append(tr("mydata.consent", lang, date=_day(given.get("given_at")),
                          version=given.get("notice_version")))
        if given.get("withdrawn_at"):
            consent.append(tr("mydata.withdrawn", lang, date=_day(given["withdrawn_at"])))
    if not consent:
        consent = [tr("mydata.no_consent", lang)]

    submissions = export.get("submissions") or []
    readings = export.get("readings") or []
    cut = set(export.get("truncated") or [])
    counts = tr("mydata.counts", lang,
                answers=_count(len(submissions), "submissions" in cut, lang),
                readings=_count(len(readings), "readings" in cut, lang))
    titles = titles or {}
    answers = [tr("mydata.answer", lang, title=titles.get(s.get("questionnaire"))
                  or s.get("questionnaire") or "?",
                  when=i18n.when(s["submitted_at"], timezone, lang, today))
               for s in reversed(submissions[-LATEST:])]
    shown_readings = [tr("mydata.reading", lang,
                         name=i18n.reading_name(r.get("type", "?"), lang).capitalize(),
                         value=_value(r, lang),
                         when=i18n.when(r["measured_at"], timezone, lang, today))
                      for r in reversed(readings[-LATEST:])]

    ward = ward or {}
    ward_name = ward.get("name") or tr("contact.unknown_ward", lang)
    ask_ward = (tr("mydata.ask_ward_phone", lang, ward=ward_name,
                   phone=_phone(ward["phone"])) if ward.get("phone")
                else tr("mydata.ask_ward", lang, ward=ward_name))
    typeset = i18n.typeset  # French spacing: « Téléphone : » never wraps before its colon

    return MyData([typeset(t) for t in identity], [typeset(t) for t in follow_up],
                  [typeset(t) for t in consent], latest.get("notice_title") if latest else None,
                  _paragraphs(latest.get("notice_text") if latest else None),
                  typeset(counts), [typeset(t) for t in answers],
                  [typeset(t) for t in shown_readings], typeset(ask_ward))


def _count(n: int, cut: bool, lang: str) -> str:
    """``12``, or ``plus de 2000`` when the export holds only the newest."""
    return i18n.tr("mydata.at_least", lang, n=n) if cut else str(n)


def copy_name(at: datetime) -> str:
    return f"suivi-mes-donnees-{at:%Y-%m-%d-%H%M%S}.json"


def save_copy(export: dict, directory: str | Path, at: datetime) -> Path:
    """The full export as a JSON file in ``directory`` (made if needed), written whole or
    not at all (a file beside it, then renamed). Returns its path."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / copy_name(at)
    partial = path.with_suffix(".part")
    with partial.open("w", encoding="utf-8") as out:
        json.dump(export, out, ensure_ascii=False, indent=2)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
    return path


def where_saved(path: Path, at: datetime, timezone: str | None = None, lang: str = "fr",
                today: date | None = None) -> str:
    """Where the copy is, in words a patient can repeat to someone who helps them (its
    file is named after the moment, said here in their time)."""
    return i18n.typeset(i18n.tr("mydata.saved", lang, folder=path.parent.name,
                                when=i18n.when(at.isoformat(), timezone, lang,
                                                        today)))
