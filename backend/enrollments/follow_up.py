"""When an enrolment's follow-up ends: what the patient app's access is tied to."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from backend.enrollments.models import Enrollment
from backend.errors import Conflict
from backend.protocols.content import protocol_of


def ensure_ongoing(enrollment: Enrollment, field: str,
                   consequence: str = "it can no longer change") -> None:
    """A 409 naming ``field`` when the follow-up has ended (consent withdrawn, finished,
    moved to another enrolment): ``consequence`` says what can no longer happen."""
    if enrollment.status != "active":
        raise Conflict(f"This follow-up has ended; {consequence}.", field=field)


def ends_at(enrollment: Enrollment, timezone: str) -> datetime:
    """When the follow-up ends: when the enrolment was ended, else at midnight after the
    last post-operative day its protocol plans a task on, in the patient's time zone."""
    return end_of(enrollment.status, enrollment.ended_at, enrollment.surgery_date,
                  protocol_of(enrollment.protocol).last_day, timezone)


def end_of(status: str, ended_at: datetime | None, surgery_date: date, last_day: int,
           timezone: str) -> datetime:
    """``ends_at`` from the enrolment's columns and its protocol's last day (for reads of
    many enrolments as rows, e.g. the indicators)."""
    if status == "ended" and ended_at is not None:
        return ended_at
    last = surgery_date + timedelta(days=last_day)
    return datetime.combine(last + timedelta(days=1), time(0), ZoneInfo(timezone))


def last_day(enrollment: Enrollment, timezone: str) -> date:
    """The follow-up's last day on the patient's calendar."""
    end = ends_at(enrollment, timezone) - timedelta(microseconds=1)
    return end.astimezone(ZoneInfo(timezone)).date()


# What the app shows when the follow-up is over (in the patient's language), with the
# error ``kind`` it shows the message of.
FOLLOW_UP_OVER = {
    "fr": "L'accès de ce téléphone à Suivi a pris fin avec votre suivi{on_day}. Si votre "
          "équipe de soins vous suit encore, demandez-lui un nouveau code d'activation.",
    "en": "This phone's access to Suivi ended with your follow-up{on_day}. If your care "
          "team still follows you, ask them for a new activation code.",
}
FOLLOW_UP_ENDED = "follow_up_ended"
ON_DAY = {"fr": ", le {day:%d/%m/%Y}", "en": ", on {day:%d/%m/%Y}"}


def over_message(enrollment: Enrollment | None, language: str, timezone: str) -> str:
    """``FOLLOW_UP_OVER`` in the patient's language, with the follow-up's last day."""
    lang = language if language in FOLLOW_UP_OVER else "fr"
    on_day = ON_DAY[lang].format(day=last_day(enrollment, timezone)) if enrollment else ""
    return FOLLOW_UP_OVER[lang].format(on_day=on_day)


def app_access_ends_at(enrollment: Enrollment, timezone: str) -> datetime:
    """Until when the patient app paired for this enrolment works: the follow-up's end
    plus ``SUIVI_DEVICE_GRACE_DAYS``, for the app to send what it still holds."""
    grace = timedelta(days=current_app.config["SUIVI_DEVICE_GRACE_DAYS"])
    return ends_at(enrollment, timezone) + grace
