"""What the patient app does, without a GUI: the screens call these and show the results.

Methods that touch the network block; the GUI runs them on its worker thread. Saving an
answer is local and quick, so it happens on the spot, before any network call.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from suivi_app.core import mydata, reminders
from suivi_app.core.api import ApiClient, NetworkError, ServerError
from suivi_app.core.outbox import READINGS, Item, Outbox, SyncReport, utc_now
from suivi_app.core.questionnaire import QuestionnaireSession
from suivi_app.core.store import Store

CODE_LENGTH = 10
VALUES_DAYS = 14  # "my values": the last two weeks
# A reading given in one questionnaire is not asked again by another within this time
# (the temperature of the vitals at 09:00 and of the daily check at 10:00): one NEWS2
# observation set, the news2_set_minutes of the shipped protocols. Later, it is asked
# again (a fever in the evening is a new measurement).
SAME_READING_MINUTES = 60


def normalise_code(text: str) -> str:
    """``abcde-23456 `` → ``ABCDE23456`` (the server ignores case, spaces and dashes)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def valid_code(text: str) -> bool:
    return len(normalise_code(text)) == CODE_LENGTH


@dataclass
class TodayView:
    today: dict
    titles: dict[str, str] = field(default_factory=dict)  # questionnaire slug → title
    offline: bool = False  # shown from the phone's copy: the server could not be reached


class PatientService:
    def __init__(self, data_dir: str | Path, server_url: str,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.store = Store(data_dir)
        self.outbox = Outbox(self.store, clock)
        self.api = ApiClient(self.store.server_url or server_url, self.store.device_token)
        # The server's answer to each sent item (advice to show), whichever sync sent it.
        self.results: dict[str, dict] = {}
        # Whether the last call to the server got through (None: none tried yet).
        self.reached: bool | None = None

    @property
    def activated(self) -> bool:
        return self.store.device_token is not None

    @property
    def lang(self) -> str:
        return self.store.language

    # -- the patient's choices on this phone (kept when the phone is unlinked) ------------
    TEXT_SIZES = (1.0, 1.3)

    def set_language(self, lang: str) -> None:
        if lang not in ("fr", "en"):
            raise ValueError(lang)
        self.store.put("pref:language", lang)

    @property
    def text_size(self) -> float:
        return self.store.get("pref:text_size", 1.0)

    def set_text_size(self, size: float) -> None:
        if size not in self.TEXT_SIZES:
            raise ValueError(size)
        self.store.put("pref:text_size", size)

    @property
    def units(self) -> dict[str, str]:
        """reading → the unit of the patient's own device (glucose: g/L or mmol/L…)."""
        return self.store.get("pref:units", {})

    def set_unit(self, reading: str, unit: str) -> None:
        self.store.put("pref:units", {**self.units, reading: unit})

    def unlink(self) -> None:
        """Unlink this phone (network): the server revokes its token, the phone forgets it.
        Refused while answers wait to be sent: they could never leave afterwards."""
        if self.waiting():
            raise RuntimeError("answers are waiting to be sent")
        self.api.unpair()
        self.forget_device()

    @property
    def patient(self) -> dict:
        return self.store.patient or {}

    # -- network (worker thread) -------------------------------------------------------
    def activate(self, code: str) -> dict:
        activated = self.api.activate(normalise_code(code), device_label="Suivi Android")
        self.store.save_activation(self.api.base_url, activated)
        return activated["patient"]

    def refresh(self) -> TodayView:
        """Today from the server (and its questionnaires, kept for offline use), or the
        phone's last copy when the server cannot be reached."""
        try:
            today = self.api.today()
        except (NetworkError, ServerError):
            self.reached = False
            cached = self.store.cached_today()
            if cached is None:
                raise
            return TodayView(cached, self._titles(cached, fetch=False), offline=True)
        self.reached = True
        self.store.cache_today(today)
        return TodayView(today, self._titles(today, fetch=True))

    def questionnaire(self, slug: str, fetch: bool = True) -> dict | None:
        """A questionnaire in the patient's language: the server's, else the phone's copy."""
        definition = self.store.cached_questionnaire(slug, self.lang)
        if fetch:
            try:
                definition = self.api.questionnaire(slug, self.lang)
                self.store.cache_questionnaire(definition, self.lang)
            except (NetworkError, ServerError):
                pass
        return definition

    def sync(self) -> SyncReport:
        """Send the outbox. Each answer that reaches the server leaves its advice on the
        phone as a notice until the patient has read it (the screen that sent it shows it
        at once; one sent later, after the network came back, is a card on today's screen),
        and marks its task answered."""
        report = self.outbox.sync(self.api)
        if report.offline or report.sent:
            self.reached = not report.offline
        for key, result in report.sent.items():
            item = report.sent_items[key]
            notice = {"key": key, "answered_at": item.created_at,
                      "questionnaire": item.body.get("questionnaire"),
                      "reading": (item.body.get("readings") or [{}])[0].get("type")
                      if item.kind == READINGS else None,
                      "advice": result.get("advice", []),
                      "call_emergency": bool(result.get("call_emergency"))}
            self.store.add_notice(notice)
            if item.task_id and (item.kind == READINGS or result.get("task_done", True)):
                self.store.record_answered(item.task_id, {
                    "at": item.created_at, "advice": notice["advice"],
                    "call_emergency": notice["call_emergency"]})
        self.results.update(report.sent)
        if report.unauthorised:
            self.forget_device()
        return report

    def notices(self) -> list[dict]:
        """Advice of answers sent since, not read yet, oldest first."""
        return self.store.notices()

    def read(self, key: str) -> None:
        """The patient has seen the advice of that answer."""
        self.store.drop_notice(key)

    def status(self, task: dict) -> str:
        """A task's state as the patient should read it: ``waiting`` while its answer is
        on the phone (not ``missed``: the patient did answer), ``done`` once an answer from
        this phone reached the server (before today's list is fetched again)."""
        if any(item.task_id == task["id"] for item in self.waiting()):
            return "waiting"
        if task["status"] != "done" and task["id"] in self.store.answered():
            return "done"
        return task["status"]

    def answered(self, task: dict) -> dict | None:
        """What this phone knows of the answer to a done task (when, the advice)."""
        return self.store.answered().get(task["id"])

    def values(self) -> tuple[dict | None, bool]:
        """The patient's recent values, and whether they are the phone's last copy (the
        server could not be reached). Blocks."""
        try:
            values = self.api.values(VALUES_DAYS)
        except (NetworkError, ServerError):
            return self.store.get("values"), True
        self.store.put("values", values)
        return values, False

    def my_data(self) -> tuple[dict, mydata.MyData]:
        """The patient's own data from the server (never a copy: it needs the network;
        NetworkError otherwise), and the lines the screen shows. Blocks."""
        export = self.api.export()
        titles = {slug: definition["title"] for slug in
                  {s.get("questionnaire") for s in export.get("submissions") or []}
                  if slug and (definition := self.questionnaire(slug, fetch=False))}
        return export, mydata.summary(export, self.lang, self.ward(), titles,
                                      self.patient.get("timezone"))

    def save_copy(self, export: dict) -> tuple[str, str]:
        """The full copy, as JSON, in the app's own files (Android: its files dir, which
        only this app reads): (its path, where it is in words)."""
        at = self.outbox.clock()
        path = mydata.save_copy(export, self.store.path.parent / mydata.COPIES_DIR, at)
        return str(path), mydata.where_saved(path, at, self.patient.get("timezone"),
                                             self.lang)

    def ward(self) -> dict | None:
        """The ward that follows the patient (name, number, hours), from today's copy."""
        return (self.store.cached_today() or {}).get("ward")

    @property
    def reminder_time(self) -> str | None:
        """The patient's own reminder hour ("08:00"), None for the ward's times; from the
        server's last answer."""
        return (self.store.cached_today() or {}).get("reminder_time")

    def set_reminder_time(self, value: str | None) -> str | None:
        """Choose the hour reminders come (network); kept in today's copy once the server
        took it."""
        chosen = self.api.set_reminder_time(value).get("reminder_time")
        today = self.store.cached_today()
        if today is not None:
            self.store.cache_today({**today, "reminder_time": chosen})
        # Today's tasks with their new reminder times, for the phone's own reminders.
        with suppress(NetworkError, ServerError):
            self.store.cache_today(self.api.today())
        return chosen

    # -- the phone's own reminders (see core.reminders) ---------------------------------
    @property
    def local_reminders(self) -> bool:
        """The patient's choice: this phone reminds them by itself (on unless turned off)."""
        return self.store.get("pref:local_reminders", True)

    def set_local_reminders(self, on: bool) -> None:
        self.store.put("pref:local_reminders", bool(on))

    @property
    def pushed(self) -> bool:
        """The server's reminders reach this phone by push: it has the phone's token and
        the phone got through to it at its last try."""
        return bool(self.store.get("push_token_sent")) and bool(self.reached)

    def due_reminders(self, now: datetime) -> reminders.Plan:
        """The tasks to remind the patient of at ``now``, from the phone's copy of today,
        and when to look again. Each task is reminded once: those returned are noted. None
        while the patient has turned the phone's reminders off; none either while the
        server's push reaches the phone (it reminds then), though the tasks are noted, so
        that the phone does not remind them again when the network goes later."""
        if not self.activated or not self.local_reminders:
            return reminders.Plan([], None)
        answered = {i.task_id for i in self.waiting() if i.task_id} | set(self.store.answered())
        found = reminders.plan(self.store.cached_today(), now, self.patient.get("timezone"),
                               answered, self.store.reminded())
        if found.due:
            self.store.record_reminded([task["id"] for task in found.due], now.isoformat())
        return reminders.Plan([], found.next_at) if self.pushed else found

    def register_push_token(self, token: str | None) -> bool:
        """Give the server this phone's push token, once per token (network). True when
        it was sent now."""
        if not token or token == self.store.get("push_token_sent"):
            return False
        self.api.set_push_token(token)
        self.store.put("push_token_sent", token)
        return True

    def forget_device(self) -> None:
        self.store.forget_device()
        self.api.token = None

    def _titles(self, today: dict, fetch: bool) -> dict[str, str]:
        titles = {}
        for slug in {t["questionnaire"] for t in today.get("tasks", []) if t["questionnaire"]}:
            definition = self.questionnaire(slug, fetch)
            titles[slug] = definition["title"] if definition else slug
        return titles

    def cached_view(self, offline: bool = False) -> TodayView | None:
        """The phone's copy of today (``offline``: say it is the last one received; a
        screen redrawn from the copy while the server answers is not offline)."""
        today = self.store.cached_today()
        return TodayView(today, self._titles(today, fetch=False), offline) if today else None

    def _definition(self, slug: str) -> dict | None:
        """The phone's copy, fetched first if the phone has none (may block)."""
        cached = self.questionnaire(slug, fetch=False)
        return cached or self.questionnaire(slug, fetch=True)

    def session_for(self, task: dict) -> QuestionnaireSession | None:
        """A session for a task of today (None: offline and not on the phone yet)."""
        if task.get("kind") == "reading" or not task.get("questionnaire"):
            session = QuestionnaireSession.for_reading(task["reading"], self.lang)
        else:
            definition = self._definition(task["questionnaire"])
            if definition is None:
                return None
            session = QuestionnaireSession(definition, lang=self.lang)
        session.preferred_units = self.units
        session.items_not_asked = set(task.get("items_not_asked", []))
        session.not_asked = set((self.store.cached_today() or {}).get("not_asked", []))
        session.not_asked |= self._given_elsewhere(session.definition.get("slug"))
        draft = self.store.draft(_draft_name(task))
        if draft is not None:
            session.resume(draft)
        return session

    def _given_elsewhere(self, slug: str | None) -> set[str]:
        """Readings entered in another questionnaire in the last SAME_READING_MINUTES."""
        since = self.outbox.clock() - timedelta(minutes=SAME_READING_MINUTES)
        return {reading for reading, (at, given_in) in self.store.get("given", {}).items()
                if given_in != slug and datetime.fromisoformat(at) >= since}

    def _note_given(self, session: QuestionnaireSession) -> None:
        answers = session.answers()
        given = {item["reading"]: (self.outbox.clock().isoformat(),
                                   session.definition.get("slug"))
                 for item in session.items
                 if item.get("reading") and item["link_id"] in answers}
        self.store.put("given", {**self.store.get("given", {}), **given})

    def keep_draft(self, session: QuestionnaireSession, task: dict | None) -> None:
        """The patient leaves a questionnaire half-way: what they entered waits for them,
        on the phone only, until it is sent."""
        if task is not None and any(v not in (None, "", []) for v in session.values.values()):
            self.store.save_draft(_draft_name(task), session.draft())

    def has_draft(self, task: dict) -> bool:
        return self.store.draft(_draft_name(task)) is not None

    def session_to_fix(self, item: Item) -> QuestionnaireSession | None:
        """The refused answer, reopened on the first item the server refused."""
        if item.kind == READINGS:
            reading = item.body["readings"][0]
            session = QuestionnaireSession.for_reading(reading["type"], self.lang)
            session.set(reading["value"])
            if reading.get("unit") in session.current.get("units", []):
                session.set_unit(reading["unit"])
            return session
        definition = self._definition(item.body["questionnaire"])
        if definition is None:
            return None
        session = QuestionnaireSession(definition, item.body["answers"], self.lang)
        task = next((t for t in (self.store.cached_today() or {}).get("tasks", [])
                     if t.get("id") == item.body.get("task_id")), {})
        session.items_not_asked = set(task.get("items_not_asked", []))
        fields = item.fields_to_fix()
        if fields:
            session.go_to(fields[0])
        return session

    # -- local and quick (main thread) -------------------------------------------------
    def save(self, session: QuestionnaireSession, task: dict | None = None,
             amend_key: str | None = None) -> Item:
        """Put the answers in the outbox (on the phone's storage) before any sending;
        ``amend_key``: they correct that refused item. The task's draft goes once they are
        in the outbox."""
        item = self._save(session, task, amend_key)
        self._note_given(session)
        if task is not None:
            self.store.drop_draft(_draft_name(task))
        return item

    def _save(self, session: QuestionnaireSession, task: dict | None,
              amend_key: str | None) -> Item:
        answers = session.answers()
        if session.definition.get("slug") is None:  # a reading task: sent as a reading
            readings = [_reading(session.definition["items"][0], answers)]
            if amend_key is not None:  # measured when first entered, corrected now
                first = self.outbox.get(amend_key).body["readings"][0]["measured_at"]
                return self.outbox.amend(amend_key, readings=[{"measured_at": first, **r}
                                                              for r in readings])
            return self.outbox.add_readings(readings, (task or {}).get("id"))
        if amend_key is not None:
            return self.outbox.amend(amend_key, answers=answers)
        return self.outbox.add_submission(session.definition["slug"], answers,
                                          (task or {}).get("id"))

    def waiting(self) -> list[Item]:
        return self.outbox.items()


def _draft_name(task: dict) -> str:
    return str(task.get("id") or task.get("questionnaire") or task.get("reading"))


def _reading(item: dict, answers: dict[str, Any]) -> dict[str, Any]:
    """The reading of a one-page reading session, with the unit the patient saw."""
    answer = answers[item["link_id"]]
    if isinstance(answer, dict):  # {value, unit}
        return {"type": item["reading"], **answer}
    reading = {"type": item["reading"], "value": answer}
    if item.get("unit"):
        reading["unit"] = item["unit"]
    return reading
