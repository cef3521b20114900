"""Clinical scenarios: patient histories written as data, checked against the shipped
protocols, and what a run of one must show.

A scenario file (``scenarios/<protocol>/<name>.yaml``) tells one patient's follow-up step
by step: on post-operative day N at a local time the patient sends a questionnaire or
readings, or a nurse resolves an alert; after each step it says what must be true: the
exact set of open alerts, ``call_emergency``, the advice cards. See README.md.

This module loads and validates the files and compares a step's outcome with its
expectations; the runners (engine_runner, http_runner) produce the outcomes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from backend.alerts.models import MESSAGE_GROUP, MESSAGE_RULE
from rules.evaluator import resolve_overrides
from rules.loader import load_content, parse_protocol
from rules.model import ContentError, Override, Questionnaire
from rules.protocol import Protocol
from rules.questionnaire import validate_answers
from rules.sms_replies import parse_reply
from rules.units import normalise_value
from tests.helpers import NORMAL_DAILY

SCENARIO_DIR = Path(__file__).parent / "scenarios"
# A Monday in winter time, far from both clock changes (a scenario may set its own date).
DEFAULT_SURGERY_DATE = date(2026, 11, 16)
SEVERITIES = ("low", "medium", "high")
# The daily checks are written as changes to a quiet day: an answer a step does not give
# is that of a normal recovery. Scored instruments (PHQ-9, QoR-15) are written in full.
QUIET_DAY = {
    "daily-postop": {k: v for k, v in NORMAL_DAILY.items() if k != "pain_location"},
    "hf-symptoms": {"breathlessness": "none_or_usual", "orthopnoea": False,
                    "ankle_swelling": "none"},
}

TOP_KEYS = {"why", "protocol", "version", "timezone", "surgery_date", "spo2_scale",
            "carer_measures", "reminder_time", "overrides", "http", "xfail", "item_days",
            "steps"}
STEP_KEYS = {"day", "at", "questionnaire", "answers", "sms", "readings", "resolve", "expect"}
EXPECT_KEYS = {"alerts", "call_emergency", "advice", "no_advice", "advice_rules", "opened",
               "task_done", "missing_readings", "reminder_at", "items_not_asked"}
ADVICE_KEYS = {"advice", "no_advice", "advice_rules"}


class ScenarioError(ValueError):
    """A scenario file that cannot be run, with the file and the field at fault."""


@cache
def content():
    return load_content()


def protocol_of(slug: str, version: int | None = None) -> Protocol:
    versions = content().protocols[slug]
    return versions[version or max(versions)]


@dataclass(frozen=True)
class Expect:
    """What must hold after a step (None: not checked)."""

    alerts: Mapping[str, tuple[str | None, str]]  # group -> (rule or None, severity)
    call_emergency: bool | None = None
    advice: tuple[str, ...] = ()  # each a substring of one card
    no_advice: tuple[str, ...] = ()  # each a substring of no card
    advice_rules: tuple[str, ...] | None = None  # rule ids of the rule cards, in order
    opened: tuple[str, ...] | None = None  # groups whose alert this step opened or raised
    task_done: bool | None = None
    missing_readings: tuple[str, ...] | None = None
    # Local time of the reminder of this day's task of the step's questionnaire.
    reminder_at: time | None = None
    # The items of the step's questionnaire its task of the day does not ask.
    items_not_asked: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Step:
    day: int
    at: time
    expect: Expect
    questionnaire: str | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    # reading type -> value, or {value, unit} in another accepted unit
    readings: Mapping[str, Any] = field(default_factory=dict)
    resolve: str | None = None  # the nurse resolves the open alert of this group
    # The patient's SMS replies to the questionnaire's SMS form, one per question in order
    # (``answers`` then holds what they say: the items asked, nothing of a quiet day).
    sms: tuple[str, ...] = ()
    # The questionnaire's items and those the protocol does not ask on the step's day
    # (``item_days``): the app leaves them out, a quiet day does not answer them.
    link_ids: tuple[str, ...] = ()
    not_asked: frozenset[str] = frozenset()

    def sent_answers(self) -> dict[str, Any]:
        """What the app sends: the step's answers over a quiet day for the daily checks
        (an answer the step gives to an item not asked that day is sent anyway)."""
        if self.sms:
            return dict(self.answers)
        quiet = {link_id: value for link_id, value in QUIET_DAY.get(self.questionnaire or "",
                                                                     {}).items()
                 if link_id not in self.not_asked}
        return {**quiet, **self.answers}

    @property
    def asked(self) -> set[str] | None:
        """The items the patient was asked, when not all (an SMS form, or a day that asks
        some items only)."""
        if self.sms:
            return set(self.answers)
        return set(self.link_ids) - self.not_asked if self.not_asked else None

    def describe(self) -> str:
        when = f"day {self.day} {self.at:%H:%M}"
        if self.resolve:
            return f"{when} nurse resolves the {self.resolve} alert"
        parts = []
        if self.sms:
            parts.append(f"{self.questionnaire} by SMS {_flat(list(self.sms))}")
        elif self.questionnaire:
            parts.append(f"{self.questionnaire} {_flat(self.answers)}")
        if self.readings:
            parts.append(f"readings {_flat(self.readings)}")
        return f"{when} {' + '.join(parts)}"


@dataclass(frozen=True)
class Scenario:
    name: str  # <protocol dir>/<file stem>
    why: str
    protocol: Protocol
    steps: tuple[Step, ...]
    timezone: str = "Europe/Paris"
    surgery_date: date = DEFAULT_SURGERY_DATE
    spo2_scale: int | None = None
    carer_measures: bool = False  # a carer measures breathing rate and consciousness
    reminder_time: time | None = None  # the hour the patient chose for their reminders
    overrides: tuple[Override, ...] = ()
    http: bool = False
    xfail: str | None = None
    # The protocol version the surgeon publishes for this history (``item_days``).
    published: Mapping[str, Any] | None = None

    def local(self, day: int, at: time) -> datetime:
        """Post-operative ``day`` at local ``at``, in UTC."""
        wall = datetime.combine(self.surgery_date + timedelta(days=day), at,
                                ZoneInfo(self.timezone))
        return wall.astimezone(UTC)

    def time_of(self, step: Step) -> datetime:
        return self.local(step.day, step.at)

    @property
    def enrolled_at(self) -> datetime:
        """The patient is enrolled at the start of the first step's day: their tasks exist
        from then on (earlier days are not theirs to have missed)."""
        return self.local(self.steps[0].day, time(0))


@dataclass
class Card:
    """One advice card the patient reads (rule_id None: one of Suivi's own)."""

    rule_id: str | None
    emergency: bool
    text: str


@dataclass
class Outcome:
    """What a runner saw after one step."""

    alerts: dict[str, tuple[str, str]]  # open alerts: group -> (rule, severity)
    call_emergency: bool | None = None
    cards: list[Card] = field(default_factory=list)
    opened: set[str] = field(default_factory=set)
    task_done: bool | None = None
    missing_readings: list[str] | None = None
    reminder_at: time | None = None  # local time of the step's task's reminder
    items_not_asked: list[str] | None = None  # of the step's task of the day


# --- loading ----------------------------------------------------------------------------


def scenario_paths() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*/*.yaml"))


def scenario_name(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@cache
def peek(path: Path) -> dict[str, Any]:
    """The raw file, for what test collection needs before loading (http, xfail)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506


def load(path: Path) -> Scenario:
    """The scenario of ``path``, checked against its protocol; ScenarioError says why not."""
    name = scenario_name(path)

    def fail(where: str, message: str) -> ScenarioError:
        return ScenarioError(f"scenario {name}: {where}: {message}")

    raw = peek(path)
    _known_keys(raw, TOP_KEYS, "top level", fail)
    why = raw.get("why")
    if not isinstance(why, str) or not why.strip() or "\n" in why.strip():
        raise fail("why", "one line saying why this history matters is required")
    slug = raw.get("protocol")
    if slug not in content().protocols:
        raise fail("protocol", f"unknown protocol {slug!r} ({', '.join(content().protocols)})")
    if path.parent.name != slug:
        raise fail("protocol", f"the file belongs in scenarios/{slug}/")
    version = raw.get("version")
    if version is not None and version not in content().protocols[slug]:
        raise fail("version", f"{slug} has no version {version}")
    protocol, published = protocol_of(slug, version), None
    if raw.get("item_days") is not None:
        published, protocol = _with_item_days(protocol, raw["item_days"], fail)
    overrides = tuple(Override(o["rule"], o.get("threshold", "value"), o["value"])
                      for o in raw.get("overrides") or ())
    try:
        resolve_overrides(protocol, overrides)
    except ValueError as error:
        raise fail("overrides", str(error)) from None
    if raw.get("spo2_scale") not in (None, 1, 2):
        raise fail("spo2_scale", "1 or 2")
    if raw.get("carer_measures") not in (None, True, False):
        raise fail("carer_measures", "true or false")
    reminder_time = _clock_time(raw.get("reminder_time"), "reminder_time", fail)
    timezone = raw.get("timezone", "Europe/Paris")
    try:
        ZoneInfo(timezone)
    except (ValueError, KeyError):
        raise fail("timezone", f"{timezone!r} is not an IANA time zone") from None
    surgery_date = raw.get("surgery_date", DEFAULT_SURGERY_DATE)
    if not isinstance(surgery_date, date):
        raise fail("surgery_date", "a date, YYYY-MM-DD")
    steps = tuple(_step(protocol, s, f"step {i + 1}", fail)
                  for i, s in enumerate(raw.get("steps") or ()))
    if not steps:
        raise fail("steps", "a scenario needs at least one step")
    if not any(ADVICE_KEYS & set(s) for s in (r.get("expect") or {} for r in raw["steps"])):
        raise fail("steps", "no step says what the patient is told (advice, no_advice or "
                            "advice_rules)")
    times = [(s.day, s.at) for s in steps]
    if times != sorted(times):
        raise fail("steps", "steps must be in time order")
    return Scenario(name=name, why=why.strip(), protocol=protocol, steps=steps,
                    timezone=timezone, surgery_date=surgery_date,
                    spo2_scale=raw.get("spo2_scale"), overrides=overrides,
                    carer_measures=bool(raw.get("carer_measures")),
                    reminder_time=reminder_time, http=bool(raw.get("http")), xfail=raw.get("xfail"),
                    published=published)


def _with_item_days(protocol: Protocol, item_days: Any, fail) -> tuple[dict, Protocol]:
    """The next version of ``protocol`` as a surgeon would publish it, its schedule asking
    some items on some days only: ``{questionnaire: [{link_id, days, source}]}``; checked
    by the protocol loader (its refusals are the scenario's)."""
    if not isinstance(item_days, Mapping):
        raise fail("item_days", "{questionnaire: [{link_id, days, source}, ...]}")
    data = copy.deepcopy(content().raw["protocols"][protocol.slug][protocol.version])
    data["version"] = max(content().protocols[protocol.slug]) + 1
    for entry in data["schedule"]:
        if entry.get("questionnaire") in item_days:
            entry["item_days"] = item_days[entry["questionnaire"]]
    try:
        return data, parse_protocol(data, content().questionnaires,
                                    f"{protocol.slug}.v{data['version']}")
    except ContentError as error:
        raise fail("item_days", str(error)) from None


def _clock_time(value: Any, where: str, fail) -> time | None:
    """A local time written "HH:MM" (None when absent)."""
    if value is None:
        return None
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise fail(where, 'a local time "HH:MM"') from None


def _known_keys(raw: Any, allowed: set[str], where: str, fail) -> None:
    if not isinstance(raw, Mapping):
        raise fail(where, "expected a mapping")
    unknown = set(raw) - allowed
    if unknown:
        raise fail(where, f"unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})")


def _step(protocol: Protocol, raw: Any, where: str, fail) -> Step:
    _known_keys(raw, STEP_KEYS, where, fail)
    if not isinstance(raw.get("day"), int):
        raise fail(where, "day: the post-operative day, a whole number")
    try:
        at = time.fromisoformat(str(raw.get("at")))
    except ValueError:
        raise fail(where, 'at: a local time "HH:MM"') from None
    kinds = [k for k in ("questionnaire", "readings", "resolve") if raw.get(k)]
    if not kinds or ("resolve" in kinds and len(kinds) > 1):
        raise fail(where, "a step sends a questionnaire and/or readings, or resolves an alert")
    slug = raw.get("questionnaire")
    if slug and slug not in protocol.questionnaires:
        raise fail(where, f"questionnaire {slug!r} is not part of {protocol.slug}")
    groups = {rule.group or rule.id for rule in protocol.all_rules()} | {MESSAGE_GROUP}
    if raw.get("resolve") and raw["resolve"] not in groups:
        raise fail(where, f"resolve: {protocol.slug} has no rule group {raw['resolve']!r}")
    expect = raw.get("expect")
    _known_keys(expect, EXPECT_KEYS, f"{where} expect", fail)
    for key in ("reminder_at", "items_not_asked"):
        if key in expect and not slug:
            raise fail(f"{where} expect", f"{key}: of the step's questionnaire's task")
    if "alerts" not in expect or (not raw.get("resolve") and "call_emergency" not in expect):
        raise fail(f"{where} expect", "alerts (the exact open alerts, {} for none) and "
                                      "call_emergency are required")
    replies = tuple(str(text) for text in raw.get("sms") or ())
    if replies and (raw.get("answers") or not slug):
        raise fail(where, "sms: the replies to a questionnaire's SMS form, instead of answers")
    try:
        answers = (read_sms(protocol.questionnaires[slug], replies) if replies
                   else raw.get("answers") or {})
    except ValueError as error:
        raise fail(where, f"sms: {error}") from None
    step = Step(day=raw["day"], at=at, questionnaire=slug, answers=answers, sms=replies,
                readings=raw.get("readings") or {}, resolve=raw.get("resolve"),
                expect=_expect(protocol, expect, f"{where} expect", fail),
                link_ids=protocol.questionnaires[slug].link_ids if slug else (),
                not_asked=frozenset(protocol.items_not_asked(slug, raw["day"]) if slug
                                    else ()))
    try:  # the app would have refused it: a typo in the file, not a finding
        if slug:
            validate_answers(protocol.questionnaires[slug], step.sent_answers(), step.asked)
        for rtype, value in step.readings.items():
            normalise_value(rtype, *reading_value(value))
    except ValueError as error:
        raise fail(where, f"refused input: {error}") from None
    return step


def read_sms(questionnaire: Questionnaire, replies: tuple[str, ...]) -> dict[str, Any]:
    """The answers SMS ``replies`` give, each read as the conversation reads it
    (backend/smsforms): one understood reply per question of the form, in order (fewer
    when the answers call for 15 before the last question: the conversation ends then)."""
    form = questionnaire.sms
    if form is None:
        raise ValueError(f"{questionnaire.slug} has no SMS form")
    if not 0 < len(replies) <= len(form.items):
        raise ValueError(f"one reply per question of the SMS form ({len(form.items)})")
    answers = {}
    for item, text in zip(form.items, replies, strict=False):
        reply = parse_reply(item.reply, text, item.choice_codes, item.skip)
        if reply.unclear:
            raise ValueError(f"{text!r} does not answer {item.link_id}")
        if not reply.skip:
            answers[item.link_id] = reply.value
    return answers


def reading_value(value: Any) -> tuple[Any, str | None]:
    """A scenario's reading: a bare value in the canonical unit, or {value, unit}."""
    if isinstance(value, Mapping):
        return value["value"], value.get("unit")
    return value, None


def _expect(protocol: Protocol, raw: Mapping[str, Any], where: str, fail) -> Expect:
    # A patient's written words open the "message to read" item (backend/alerts/messages).
    rules = {rule.id: rule.group or rule.id for rule in protocol.all_rules()} | {
        MESSAGE_RULE: MESSAGE_GROUP}
    alerts = {}
    for group, value in (raw["alerts"] or {}).items():
        rule, severity = value if isinstance(value, list) else (None, value)
        if group not in rules.values():
            raise fail(where, f"alerts: {protocol.slug} has no rule group {group!r}")
        if rule is not None and rules.get(rule) != group:
            raise fail(where, f"alerts: rule {rule!r} is not in group {group!r}")
        if severity not in SEVERITIES:
            raise fail(where, f"alerts: {group}: severity must be one of {SEVERITIES}")
        alerts[group] = (rule, severity)
    for rule in raw.get("advice_rules") or ():
        if rule not in rules:
            raise fail(where, f"advice_rules: unknown rule {rule!r}")
    for group in raw.get("opened") or ():
        if group not in rules.values():
            raise fail(where, f"opened: unknown rule group {group!r}")

    def strings(key: str) -> tuple[str, ...]:
        value = raw.get(key) or ()
        return (value,) if isinstance(value, str) else tuple(value)

    def optional(key: str) -> Any:
        return tuple(raw[key]) if raw.get(key) is not None else None

    return Expect(alerts=alerts, call_emergency=raw.get("call_emergency"),
                  advice=strings("advice"), no_advice=strings("no_advice"),
                  advice_rules=optional("advice_rules"), opened=optional("opened"),
                  task_done=raw.get("task_done"), missing_readings=optional("missing_readings"),
                  reminder_at=_clock_time(raw.get("reminder_at"), f"{where} reminder_at", fail),
                  items_not_asked=optional("items_not_asked"))


def _flat(values: Mapping[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, default=str)


# --- checking ---------------------------------------------------------------------------


def differences(step: Step, outcome: Outcome) -> list[str]:
    """Every way ``outcome`` differs from what ``step`` expects, and any broken promise
    to the patient (a card twice, "call 15 now" beside a non-emergency card)."""
    expect, out = step.expect, []
    wanted = dict(expect.alerts)
    # A group expected without its rule is compared on severity alone.
    got = {group: (rule if wanted.get(group, (None,))[0] else None, severity)
           for group, (rule, severity) in outcome.alerts.items()}
    if got != wanted:
        out.append(f"expected open alerts {_alerts(expect.alerts)}, "
                   f"got {_alerts(outcome.alerts)}")
    texts = [card.text for card in outcome.cards]
    if expect.call_emergency is not None and outcome.call_emergency != expect.call_emergency:
        out.append(f"expected call_emergency {expect.call_emergency}, "
                   f"got {outcome.call_emergency} (cards {texts})")
    for wanted in expect.advice:
        if not any(wanted in text for text in texts):
            out.append(f"expected a card saying {wanted!r}, got {texts}")
    for unwanted in expect.no_advice:
        if any(unwanted in text for text in texts):
            out.append(f"expected no card saying {unwanted!r}, got {texts}")
    rule_cards = [card.rule_id for card in outcome.cards if card.rule_id]
    if expect.advice_rules is not None and tuple(rule_cards) != expect.advice_rules:
        out.append(f"expected the cards of rules {list(expect.advice_rules)}, got {rule_cards}")
    if expect.opened is not None and outcome.opened != set(expect.opened):
        out.append(f"expected alerts opened or raised {sorted(expect.opened)}, "
                   f"got {sorted(outcome.opened)}")
    if expect.task_done is not None and outcome.task_done != expect.task_done:
        out.append(f"expected task_done {expect.task_done}, got {outcome.task_done}")
    if (expect.missing_readings is not None
            and sorted(outcome.missing_readings or ()) != sorted(expect.missing_readings)):
        out.append(f"expected missing_readings {sorted(expect.missing_readings)}, "
                   f"got {sorted(outcome.missing_readings or ())}")
    if expect.reminder_at is not None and outcome.reminder_at != expect.reminder_at:
        shown = f"{outcome.reminder_at:%H:%M}" if outcome.reminder_at else "no task that day"
        out.append(f"expected the day's reminder at {expect.reminder_at:%H:%M}, got {shown}")
    if (expect.items_not_asked is not None
            and sorted(outcome.items_not_asked or ()) != sorted(expect.items_not_asked)):
        out.append(f"expected the day's task not to ask {sorted(expect.items_not_asked)}, "
                   f"got {sorted(outcome.items_not_asked or ())}")
    if len(set(texts)) != len(texts):
        out.append(f"the same card twice: {texts}")
    if outcome.call_emergency and any(c.rule_id and not c.emergency for c in outcome.cards):
        out.append(f"a non-emergency card beside 'call 15 now': {texts}")
    return out


def check(scenario: Scenario, step: Step, outcome: Outcome) -> None:
    """Raise AssertionError naming the scenario, the day, the input and what differed."""
    found = differences(step, outcome)
    if found:
        raise AssertionError(f"scenario {scenario.name}, {step.describe()}: "
                             + "; ".join(found))


def _alerts(alerts: Mapping[str, tuple[str | None, str]]) -> str:
    shown = {group: (f"{rule} {severity}" if rule else severity)
             for group, (rule, severity) in sorted(alerts.items())}
    return "{" + ", ".join(f"{g}: {s}" for g, s in shown.items()) + "}"
