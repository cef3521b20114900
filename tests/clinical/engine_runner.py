"""Play a scenario through the rules engine alone: no database, no HTTP, milliseconds.

The engine's output is turned into what the patient and the nurse see the way the
backend does it (a copy of its bookkeeping, kept small; the scenarios marked ``http``
check the copy against the real thing):
- tasks as backend/tasks/services plans and completes them (all tasks from the start of
  the enrolment day; a submission answers the open task of its questionnaire due nearest
  to it, a reading its reading task likewise; a task with required readings is done once
  they all came),
  and the check-missed-tasks job: when a task passes its grace unanswered, the patient
  is evaluated again (missing-data alerts, no advice);
- alerts as backend/alerts/services.raise_findings keeps them: one per rule group, its
  severity rises and never falls, evidence no newer than the alert's changes nothing, a
  resolved alert is reopened only by newer evidence; a missing-data alert whose rule no
  longer fires resolves itself once its task is answered;
- advice as backend/intake/services answers it: the cards of rules.advice, then
  "still missing", "the ward reads your message between 8 h and 18 h" (the default day
  hours), or "all clear" when nothing else; written words open the patient's "message
  to read" (backend/alerts/messages), one open item at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend.alerts.messages import read_between
from backend.alerts.models import MESSAGE_GROUP, MESSAGE_RULE
from backend.intake.services import ALL_CLEAR, INCOMPLETE, MESSAGE_READ
from backend.tasks.services import local_day_bounds
from backend.teams.services import DAY_END, DAY_START
from rules.advice import patient_advice
from rules.evaluator import evaluate
from rules.model import SEVERITY_RANK, Finding, PatientData, Reading, Submission, TaskRecord
from rules.questionnaire import readings_from_answers, validate_answers
from rules.schedule import planned_tasks, reminder_at
from rules.scores import OBSERVER_READINGS
from rules.units import normalise_reading
from tests.clinical.scenario import Card, Outcome, Scenario, Step, reading_value

PLANNING_HORIZON = timedelta(hours=36)  # backend/tasks/jobs.py


@dataclass
class Task:
    key: str
    questionnaire: str | None
    reading: str | None
    day: int
    due_at: datetime
    missed_at: datetime
    answered_at: datetime | None = None


@dataclass
class Alert:
    group: str
    rule: str
    severity: str
    last_evidence_at: datetime
    status: str = "open"
    tasks: frozenset[str] = frozenset()  # the tasks a missing-data alert is waiting for


class EngineRun:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario, self.protocol = scenario, scenario.protocol
        self.submissions: list[Submission] = []
        self.readings: list[Reading] = []
        self.tasks: dict[str, Task] = {}
        self.alerts: dict[str, Alert] = {}
        self.last = scenario.enrolled_at

    def play(self, step: Step) -> Outcome:
        now = self.scenario.time_of(step)
        self._plan(now)
        # Only what is sent now is new (gives advice).
        self.submissions = [replace(s, new=False) for s in self.submissions]
        self.readings = [replace(r, new=False) for r in self.readings]
        for at in sorted({t.missed_at for t in self.tasks.values()
                          if t.answered_at is None and self.last < t.missed_at <= now}):
            self._raise(self._evaluate(at), at)  # the check-missed-tasks job
        self.last = now
        if step.resolve:
            alert = self.alerts.get(step.resolve)
            assert alert is not None and alert.status == "open", (
                f"scenario {self.scenario.name}, {step.describe()}: no open alert to resolve")
            alert.status = "resolved"
            return Outcome(self._open())
        answers, task_done, missing = self._receive(step, now)
        findings = self._evaluate(now)
        opened = self._raise(findings, now)
        said = patient_advice(findings)
        cards = [Card(f.rule_id, f.emergency, f.advice.fr) for f in said.cards]
        if missing and not said.call_emergency:
            labels = ", ".join(self._label(step.questionnaire, rtype) for rtype in missing)
            cards.append(Card(None, False, INCOMPLETE["fr"].format(missing=labels)))
        if answers is not None and self._wrote_something(step.questionnaire, answers):
            cards.append(Card(None, False, MESSAGE_READ["fr"].format(
                when=read_between(DAY_START, DAY_END, "fr"))))
            opened |= self._message(now)
        if not cards:
            cards.append(Card(None, False, ALL_CLEAR["fr"]))
        return Outcome(self._open(), said.call_emergency, cards, opened, task_done, missing,
                       self._reminder(step),
                       list(self.protocol.items_not_asked(step.questionnaire, step.day))
                       if step.questionnaire else None)

    def _reminder(self, step: Step) -> time | None:
        """Local time of the reminder of the day's task of the step's questionnaire, at the
        patient's chosen hour (rules.schedule.reminder_at, as backend/tasks plans it)."""
        tz = ZoneInfo(self.scenario.timezone)
        for task in self.tasks.values():
            if task.questionnaire == step.questionnaire and task.day == step.day:
                return reminder_at(task.due_at, self.scenario.timezone,
                                   self.scenario.reminder_time).astimezone(tz).time()
        return None

    def _receive(self, step: Step, now: datetime) -> tuple[Any, bool | None, list | None]:
        """Store what the step sends, as new, and answer tasks; returns the cleaned answers
        (None for readings alone), task_done and the task's missing readings."""
        sent = [normalise_reading(rtype, *reading_value(value), now)
                for rtype, value in step.readings.items()]
        if not step.questionnaire:
            self.readings += [replace(r, new=True) for r in sent]
            self._answer_reading_tasks(sent)
            self._complete_if_requirements_met(now, {r.type for r in sent})
            return None, None, None
        questionnaire = self.protocol.questionnaires[step.questionnaire]
        answers = validate_answers(questionnaire, step.sent_answers(), step.asked)
        sent = readings_from_answers(questionnaire, answers, now) + sent
        self.submissions.append(Submission(step.questionnaire, now, answers, new=True))
        self.readings += [replace(r, new=True) for r in sent]
        task = self._match_questionnaire(step.questionnaire, now)
        missing = self._missing(task) if task else []
        if task is not None and not missing:
            task.answered_at = now
        self._answer_reading_tasks(sent)
        return answers, task is not None and not missing, missing

    # -- what the backend passes to the engine ---------------------------------------------

    def _evaluate(self, now: datetime) -> list[Finding]:
        since = now - timedelta(days=self.protocol.window_days + 1)
        data = PatientData(
            [s for s in self.submissions if s.submitted_at >= since],
            [r for r in self.readings if r.measured_at >= since],
            [TaskRecord(t.key, t.questionnaire, t.reading, t.due_at, t.answered_at)
             for t in self.tasks.values() if t.due_at >= since])
        return evaluate(self.protocol, data, now, self.scenario.overrides,
                        self.scenario.spo2_scale, self.scenario.timezone)

    def _open(self) -> dict[str, tuple[str, str]]:
        return {a.group: (a.rule, a.severity) for a in self.alerts.values()
                if a.status == "open"}

    def _raise(self, findings: list[Finding], now: datetime) -> set[str]:
        """backend.alerts.services.raise_findings: the groups opened or raised."""
        touched = set()
        for finding in findings:
            evidence_at = max((datetime.fromisoformat(item.get("at") or item["due_at"])
                               for member in finding.members() for item in member.evidence
                               if item.get("at") or item.get("due_at")), default=now)
            alert = self.alerts.get(finding.group)
            if alert is not None and evidence_at <= alert.last_evidence_at:
                continue
            if alert is None or alert.status == "resolved":
                waiting = frozenset(item["task"] for item in finding.evidence if "task" in item)
                self.alerts[finding.group] = Alert(finding.group, finding.rule_id,
                                                   finding.severity, evidence_at,
                                                   tasks=waiting)
                touched.add(finding.group)
                continue
            alert.last_evidence_at = evidence_at
            rank = SEVERITY_RANK[finding.severity] - SEVERITY_RANK[alert.severity]
            if rank < 0:
                continue
            alert.rule, alert.severity = finding.rule_id, finding.severity
            if rank > 0:
                touched.add(finding.group)
        fired = {finding.group for finding in findings}
        answered = {t.key for t in self.tasks.values() if t.answered_at is not None}
        for alert in self.alerts.values():  # missing data received: nothing left to chase
            if (alert.status == "open" and alert.tasks and alert.group not in fired
                    and alert.tasks <= answered):
                alert.status = "resolved"
        return touched

    def _message(self, now: datetime) -> set[str]:
        """backend/alerts/messages: written words go to the patient's one open "message to
        read" (low); the groups opened."""
        item = self.alerts.get(MESSAGE_GROUP)
        if item is not None and item.status != "resolved":
            item.status = "open"  # an acknowledged item is open again
            return set()
        self.alerts[MESSAGE_GROUP] = Alert(MESSAGE_GROUP, MESSAGE_RULE, "low", now)
        return {MESSAGE_GROUP}

    # -- tasks (backend/tasks/services.py) ---------------------------------------------------

    def _plan(self, now: datetime) -> None:
        for item in planned_tasks(self.protocol, self.scenario.surgery_date,
                                  self.scenario.timezone, self.scenario.enrolled_at,
                                  now + PLANNING_HORIZON):
            self.tasks.setdefault(item.key, Task(item.key, item.questionnaire, item.reading,
                                                 item.day, item.due_at, item.missed_at))

    def _open_tasks(self, questionnaire: str | None = None, reading: str | None = None):
        return sorted((t for t in self.tasks.values() if t.answered_at is None
                       and (t.questionnaire == questionnaire if questionnaire
                            else t.reading == reading)), key=lambda t: t.due_at)

    def _match_questionnaire(self, slug: str, at: datetime) -> Task | None:
        return _nearest([t for t in self._open_tasks(questionnaire=slug)
                         if at - timedelta(days=2) < t.due_at < at + timedelta(hours=24)], at)

    def _answer_reading_tasks(self, readings: list[Reading]) -> None:
        for reading in readings:
            at = reading.measured_at
            task = _nearest([t for t in self._open_tasks(reading=reading.type)
                             if at - timedelta(days=1) < t.due_at < at + timedelta(hours=24)],
                            at)
            if task is not None:
                task.answered_at = at

    def _missing(self, task: Task) -> list[str]:
        entry = next((e for e in self.protocol.schedule
                      if e.task == (task.questionnaire or task.reading) and task.day in e.days),
                     None)
        if entry is None or not entry.requires:
            return []
        start, end = local_day_bounds(self.scenario.timezone, task.due_at)
        arrived = {r.type for r in self.readings if start <= r.measured_at < end}
        skipped = () if self.scenario.carer_measures else OBSERVER_READINGS
        return [rtype for rtype in entry.requires
                if rtype not in arrived and rtype not in skipped]

    def _complete_if_requirements_met(self, now: datetime, types: set[str]) -> None:
        slugs = {e.questionnaire for e in self.protocol.schedule
                 if e.questionnaire and types & set(e.requires)}
        start, end = local_day_bounds(self.scenario.timezone, now)
        for task in self.tasks.values():
            if (task.questionnaire in slugs and task.answered_at is None
                    and start <= task.due_at < end and not self._missing(task)):
                task.answered_at = now

    # -- the backend's own cards ------------------------------------------------------------

    def _label(self, slug: str, rtype: str) -> str:
        items = self.protocol.questionnaires[slug].items
        item = next((i for i in items if i.reading == rtype), None)
        return item.text.fr if item is not None else rtype

    def _wrote_something(self, slug: str, answers: Mapping[str, Any]) -> bool:
        return any(isinstance(answers.get(i.link_id), str) and answers[i.link_id].strip()
                   for i in self.protocol.questionnaires[slug].items if i.type == "text")


def _nearest(tasks: list[Task], at: datetime) -> Task | None:
    return min(tasks, key=lambda t: (abs(t.due_at - at), t.due_at), default=None)
