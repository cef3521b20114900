"""Load and validate protocol files (``questionnaires/protocols/<slug>.v<version>.yaml``).

Two layers always run so an author sees every problem at once: the JSON Schema (shape)
and the checks it cannot express (the questionnaires, link_ids, choice codes, reading
types and scores a rule names exist; rule ids are unique; schedule days make sense).
Each problem is a ``ContentIssue`` naming the file, the rule and the field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from questionnaires import CONTENT_DIR
from rules.conditions import (
    NUMERIC_OPS,
    AllOf,
    AnyOf,
    Issue,
    Missing,
    Not,
    Persistent,
    Rule,
    Subject,
    Threshold,
    Trend,
    build_rule,
    iter_leaves,
)
from rules.loader_questionnaire import json_path, read_yaml
from rules.model import LANGUAGES, SEVERITY_RANK, ContentError, ContentIssue, Questionnaire, Text
from rules.protocol import (
    DEFAULT_ALERT_SNOOZE_MAX,
    DEFAULT_MAX_AGE_HOURS,
    DEFAULT_NEWS2_SET_MINUTES,
    MAX_ALERT_SNOOZE_MINUTES,
    AlertDeadline,
    EducationItem,
    Protocol,
    QuietHours,
    ScheduleEntry,
)
from rules.scores import NEWS2_READINGS, SCORES
from rules.units import READING_TYPES

# Published bands of each score (see rules.scores), for rules on ``score: <name>.band``.
SCORE_BANDS: Mapping[str, tuple[str, ...]] = {
    "news2": ("low", "low-medium", "medium", "high"),
    "qor15": ("excellent", "good", "moderate", "poor"),
    "phq9": ("minimal", "mild", "moderate", "moderately severe", "severe"),
    "pain_nrs": ("none", "mild", "moderate", "severe"),
}
SCHEMA_PATH = CONTENT_DIR / "schemas" / "protocol.schema.json"
PROTOCOLS_DIR = CONTENT_DIR / "protocols"
MAX_DAY = 366  # a follow-up longer than a year is a different kind of care
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def parse_protocol(
    data: Any, questionnaires: Mapping[str, Questionnaire], source: str
) -> Protocol:
    """A validated :class:`Protocol` from a parsed protocol file.

    ``questionnaires`` is the catalogue (slug → Questionnaire) the protocol may use.
    Raises :class:`ContentError` listing every problem, each naming ``source``, the rule
    and the field (``protocols/x.v1.yaml: rule fever-high: field when.reading: ...``).
    """
    if not isinstance(data, Mapping):
        raise ContentError([ContentIssue(source, None, "(top level)", "expected a mapping")])
    builder = _Builder(data, questionnaires, source)
    protocol = builder.build()
    issues = builder.issues
    covered = {(i.rule, i.field) for i in issues}
    for issue in _schema_issues(data, source):
        if not any(issue.rule == r and _overlaps(issue.field, f) for r, f in covered):
            issues.append(issue)
    if issues or protocol is None:
        raise ContentError(issues)
    return protocol


def load_protocol_file(path: Path | str, questionnaires: Mapping[str, Questionnaire]) -> Protocol:
    """Load ``<slug>.v<version>.yaml``; the file name must match its slug and version."""
    path = Path(path)
    source = f"protocols/{path.name}"
    data = read_yaml(path)
    protocol = parse_protocol(data, questionnaires, source)
    expected = f"{protocol.slug}.v{protocol.version}.yaml"
    if path.name != expected:
        raise ContentError([ContentIssue(source, None, "slug",
                                         f"file name should be {expected} (slug.vVERSION)")])
    return protocol


def load_protocols(
    questionnaires: Mapping[str, Questionnaire], directory: Path = PROTOCOLS_DIR
) -> tuple[dict[str, dict[int, Protocol]], dict[str, dict[int, dict]]]:
    """Every protocol file of ``directory``: ({slug: {version: Protocol}}, raw dicts alike).

    Raises one ContentError with the issues of every file.
    """
    protocols: dict[str, dict[int, Protocol]] = {}
    raw: dict[str, dict[int, dict]] = {}
    issues: list[ContentIssue] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            protocol = load_protocol_file(path, questionnaires)
        except ContentError as exc:
            issues.extend(exc.issues)
            continue
        protocols.setdefault(protocol.slug, {})[protocol.version] = protocol
        raw.setdefault(protocol.slug, {})[protocol.version] = read_yaml(path)
    if issues:
        raise ContentError(issues)
    return protocols, raw


def _overlaps(a: str, b: str) -> bool:
    """One field path is the other or contains it (``advice`` and ``advice.en``)."""
    return a == b or a.startswith(b + ".") or a.startswith(b + "[") or \
        b.startswith(a + ".") or b.startswith(a + "[")


def _schema_issues(data: Any, source: str) -> list[ContentIssue]:
    issues = []
    rules = data.get("rules") if isinstance(data.get("rules"), list) else []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path)):
        if error.context:
            error = jsonschema.exceptions.best_match(error.context)
        path = list(error.absolute_path)
        rule = None
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
            entry = rules[path[1]] if path[1] < len(rules) else None
            rule = str(entry.get("id")) if isinstance(entry, dict) and "id" in entry \
                else f"rules[{path[1]}]"
            path = path[2:]
        issues.append(ContentIssue(source, rule, json_path(path) or "(top level)", error.message))
    return issues


class _Builder:
    """Builds a Protocol from a dict that may also violate the schema (hence defensive)."""

    def __init__(self, data: Mapping, questionnaires: Mapping[str, Questionnaire], source: str):
        self.data, self.catalogue, self.source = data, questionnaires, source
        self.issues: list[ContentIssue] = []
        # (field, schedule entry, link_id) of each item asked on some days only
        self.limited: list[tuple[str, ScheduleEntry, str]] = []

    def add(self, field: str, message: str, rule: str | None = None) -> None:
        self.issues.append(ContentIssue(self.source, rule, field, message))

    def build(self) -> Protocol | None:
        d = self.data
        slug, version = d.get("slug"), d.get("version")
        if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
            self.add("slug", f"{slug!r} is not a slug (lowercase words joined by -)")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.add("version", f"{version!r} is not a version number (1, 2, ...)")
        title, description = self.text(d.get("title"), "title"), None
        if "description" in d:
            description = self.text(d.get("description"), "description")
        if not isinstance(d.get("source"), str) or not d["source"].strip():
            self.add("source", "a protocol must cite its clinical source")
        surgeries = d.get("surgeries")
        if not isinstance(surgeries, list) or not all(isinstance(s, str) for s in surgeries):
            self.add("surgeries", "must be a list of surgery names")
            surgeries = []
        spo2_scale = d.get("spo2_scale", 1)
        if spo2_scale not in (1, 2) or isinstance(spo2_scale, bool):
            self.add("spo2_scale", f"{spo2_scale!r} is not a NEWS2 SpO2 scale (1 or 2)")
        deadlines = self.deadlines(d.get("alert_deadlines"))
        quiet_hours = self.quiet_hours(d.get("quiet_hours"))
        snooze_max = self.snooze_max(d.get("alert_snooze_max"))
        schedule = self.schedule(d.get("schedule"))
        education = self.education(d.get("education"))
        used = self.used_questionnaires(schedule)
        rules = self.rules(d.get("rules"), used, schedule)
        max_age = self.max_age_hours(d.get("max_age_hours", {}), used)
        set_minutes = d.get("news2_set_minutes", DEFAULT_NEWS2_SET_MINUTES)
        if isinstance(set_minutes, bool) or not isinstance(set_minutes, int) \
                or not 1 <= set_minutes <= 240:
            self.add("news2_set_minutes", f"{set_minutes!r} is not a number of minutes (1-240)")
        self.requires(schedule, used)
        if self.issues or title is None:
            return None
        protocol = Protocol(
            slug=slug, version=version, title=title, surgeries=tuple(surgeries),
            source=d["source"].strip(), schedule=schedule, education=education, rules=rules,
            alert_deadlines=deadlines, window_days=window_days(rules, schedule, used),
            questionnaires=used, spo2_scale=spo2_scale, quiet_hours=quiet_hours,
            description=description,
            max_age_hours=max_age, news2_set_minutes=set_minutes,
            shown_only=self.shown_only(d.get("shown_only")),
            high_is_emergency="shown_only" not in d, alert_snooze_max=snooze_max,
        )
        if "shown_only" in d:  # protocols written before the key existed are not checked
            self.every_reading_read(protocol)
        self.limited_items_unread(protocol)
        return None if self.issues else protocol

    def limited_items_unread(self, protocol: Protocol) -> None:
        """An item asked on some days only is one nothing else needs on the other days: no
        rule reads it (a rule can fire on any day, and would then miss it), no other item
        is shown on its answer, no score counts it, no task waits for its reading, and it
        is not the patient's own words to the nurse."""
        for field, entry, link_id in self.limited:
            q = protocol.questionnaires[entry.questionnaire or ""]
            item = q.items_by_link_id[link_id]
            ref = f"{q.slug}.{link_id}"
            if item.type == "text":
                self.add(f"{field}.link_id", f"{ref} holds the patient's own words for the "
                         "nurse: it is asked on every day")
            if q.score is not None:
                self.add(f"{field}.link_id", f"{ref} counts in the {q.score} score of "
                         f"{q.slug}: every item of a scored questionnaire is asked")
            if item.reading is not None and item.reading in entry.requires:
                self.add(f"{field}.link_id", f"the task requires the {item.reading} reading "
                         f"of {ref}")
            for other in q.items:
                if other.enable_when is not None and link_id in other.enable_when.link_ids():
                    self.add(f"{field}.link_id", f"{q.slug}.{other.link_id} is shown on the "
                             f"answer to {link_id} (enable_when)")
            for rule in protocol.all_rules():
                if any(_reads(leaf.subject, ref, item.reading) for leaf in rule.leaves()
                       if not isinstance(leaf, Missing)):
                    self.add(f"{field}.link_id", f"{ref} is read by rule {rule.id}: an item "
                             "a rule reads is asked on every day the rule can fire")

    def max_age_hours(self, value: Any, used: Mapping[str, Questionnaire]) -> dict:
        if not isinstance(value, Mapping):
            self.add("max_age_hours", "must map reading types or questionnaires to hours")
            return {}
        known = {"default", "news2", *READING_TYPES, *self.catalogue, *SCORES}
        out = dict(DEFAULT_MAX_AGE_HOURS)
        for key, hours in value.items():
            field = f"max_age_hours.{key}"
            if key not in known:
                self.add(field, f"{key!r} is not a reading type, questionnaire or score")
            elif isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
                self.add(field, f"{hours!r} is not a positive number of hours")
            else:
                out[key] = Decimal(str(hours))
        return out

    def shown_only(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.add("shown_only", "must map reading types to why no rule reads them")
            return {}
        for key, why in value.items():
            if not _known_reading(key):
                self.add(f"shown_only.{key}", f"unknown reading type {key!r}")
            elif not isinstance(why, str) or not why.strip():
                self.add(f"shown_only.{key}", "say why no rule reads it")
        return {str(k): str(v) for k, v in value.items()}

    def every_reading_read(self, protocol: Protocol) -> None:
        """Every reading the protocol collects is read by a rule or declared shown only."""
        read = {leaf.subject.head for rule in protocol.all_rules()
                for leaf in iter_leaves(rule.when)
                if not isinstance(leaf, Missing) and leaf.subject.kind == "reading"}
        if any(leaf.subject.ref.startswith("news2.") for rule in protocol.all_rules()
               for leaf in iter_leaves(rule.when)
               if not isinstance(leaf, Missing) and leaf.subject.kind == "score"):
            read |= set(NEWS2_READINGS)
        for rtype in sorted(protocol.collected_readings() - read - set(protocol.shown_only)):
            self.add("shown_only", f"the protocol collects {rtype!r} but no rule reads it: "
                     "add a rule or list it under shown_only with why")

    def requires(self, schedule: tuple[ScheduleEntry, ...],
                 used: Mapping[str, Questionnaire]) -> None:
        for i, entry in enumerate(schedule):
            q = used.get(entry.questionnaire or "")
            offered = {item.reading for item in q.items} if q else {entry.reading}
            for rtype in entry.requires:
                if rtype not in offered:
                    self.add(f"schedule[{i}].requires",
                             f"{rtype!r} is not a reading of {entry.task}")

    def text(self, value: Any, field: str) -> Text | None:
        if not isinstance(value, Mapping):
            self.add(field, "must give the text in French and English ({fr: ..., en: ...})")
            return None
        missing = [lang for lang in LANGUAGES
                   if not isinstance(value.get(lang), str) or not value[lang].strip()]
        for lang in missing:
            self.add(f"{field}.{lang}", f"missing {lang} text")
        return None if missing else Text(value["fr"].strip(), value["en"].strip())

    def deadlines(self, value: Any) -> dict[str, AlertDeadline]:
        out: dict[str, AlertDeadline] = {}
        if not isinstance(value, Mapping):
            self.add("alert_deadlines", "must give a deadline for low, medium and high")
            return out
        for severity in SEVERITY_RANK:
            entry, field = value.get(severity), f"alert_deadlines.{severity}"
            if not isinstance(entry, Mapping) or len(entry) != 1:
                self.add(field, "needs exactly one of minutes, local_time")
            elif "minutes" in entry:
                minutes = entry["minutes"]
                if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
                    self.add(f"{field}.minutes", f"{minutes!r} is not a number of minutes")
                else:
                    out[severity] = AlertDeadline(minutes=minutes)
            elif "local_time" in entry:
                at = self.hhmm(entry["local_time"], f"{field}.local_time")
                if at is not None:
                    out[severity] = AlertDeadline(local_time=at)
            else:
                self.add(field, "needs exactly one of minutes, local_time")
        return out

    def quiet_hours(self, value: Any) -> QuietHours:
        if value is None:
            return QuietHours()
        if not isinstance(value, Mapping):
            self.add("quiet_hours", "must give from and to (HH:MM)")
            return QuietHours()
        start = self.hhmm(value.get("from"), "quiet_hours.from")
        end = self.hhmm(value.get("to"), "quiet_hours.to")
        if start is None or end is None:
            return QuietHours()
        if start == end:
            self.add("quiet_hours.to", "must differ from `from` (a whole day of quiet would "
                                       "silence every reminder)")
        return QuietHours(start, end)

    def snooze_max(self, value: Any) -> dict[str, int]:
        if value is None:
            return dict(DEFAULT_ALERT_SNOOZE_MAX)
        out: dict[str, int] = {}
        if not isinstance(value, Mapping):
            self.add("alert_snooze_max", "must give a maximum for low, medium and high")
            return out
        for key in value:
            if key not in SEVERITY_RANK:
                self.add(f"alert_snooze_max.{key}", f"{key!r} is not one of low, medium, high")
        for severity in SEVERITY_RANK:
            entry, field = value.get(severity), f"alert_snooze_max.{severity}"
            if not isinstance(entry, Mapping) or set(entry) != {"minutes"}:
                self.add(field, "needs minutes ({minutes: 120})")
                continue
            minutes = entry["minutes"]
            if isinstance(minutes, bool) or not isinstance(minutes, int) \
                    or not 1 <= minutes <= MAX_ALERT_SNOOZE_MINUTES:
                self.add(f"{field}.minutes", f"{minutes!r} is not a number of minutes "
                                             f"(1-{MAX_ALERT_SNOOZE_MINUTES})")
            else:
                out[severity] = minutes
        return out

    def hhmm(self, value: Any, field: str) -> time | None:
        if not isinstance(value, str) or not HHMM.match(value):
            self.add(field, f"{value!r} is not a time HH:MM (24 h)")
            return None
        return time(int(value[:2]), int(value[3:]))

    def days(self, value: Any, field: str) -> tuple[int, ...]:
        if isinstance(value, Mapping):
            lo, hi = value.get("from"), value.get("to")
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi)):
                self.add(field, "from and to must be day numbers")
                return ()
            if lo > hi:
                self.add(field, f"from {lo} is after to {hi}")
                return ()
            days = list(range(lo, hi + 1))
        elif isinstance(value, list) and value:
            days = value
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in days):
                self.add(field, "must be day numbers")
                return ()
            if len(set(days)) != len(days):
                self.add(field, "a day is listed twice")
                return ()
        else:
            self.add(field, "must be a list of days or {from, to}")
            return ()
        bad = [day for day in days if not 0 <= day <= MAX_DAY]
        if bad:
            self.add(field, f"day {bad[0]} is outside 0..{MAX_DAY} (day 0 = day of surgery)")
            return ()
        return tuple(sorted(days))

    def schedule(self, value: Any) -> tuple[ScheduleEntry, ...]:
        if not isinstance(value, list) or not value:
            self.add("schedule", "must list at least one task")
            return ()
        out, seen = [], {}
        for i, entry in enumerate(value):
            field = f"schedule[{i}]"
            if not isinstance(entry, Mapping):
                self.add(field, "must be a mapping")
                continue
            q, reading = entry.get("questionnaire"), entry.get("reading")
            if (q is None) == (reading is None):
                self.add(field, "needs exactly one of questionnaire, reading")
                continue
            known = True
            if q is not None and not (isinstance(q, str) and q in self.catalogue):
                self.add(f"{field}.questionnaire", f"unknown questionnaire {q!r} "
                         f"(known: {', '.join(sorted(self.catalogue))})")
                known = False
            if reading is not None and not _known_reading(reading):
                self.add(f"{field}.reading", f"unknown reading type {reading!r}")
                known = False
            days = self.days(entry.get("days"), f"{field}.days")
            at = self.hhmm(entry.get("at"), f"{field}.at")
            grace = entry.get("grace_hours")
            if isinstance(grace, bool) or not isinstance(grace, int | float) or grace <= 0:
                self.add(f"{field}.grace_hours", f"{grace!r} is not a positive number of hours")
                continue
            for day in days if known else ():
                key = (q or reading, day)
                if key in seen:
                    self.add(f"{field}.days", f"{key[0]} is already planned on day {day} "
                             f"by schedule[{seen[key]}]")
                    break
                seen[key] = i
            requires = entry.get("requires", [])
            if not isinstance(requires, list) or not all(_known_reading(r) for r in requires):
                self.add(f"{field}.requires", "must be a list of reading types")
                requires = []
            item_days, sources = self.item_days(entry.get("item_days"), field,
                                                q if known else None, days, reading is not None)
            if known and days and at is not None:
                out.append(ScheduleEntry(q, reading, days, at, timedelta(hours=grace),
                                         tuple(requires), item_days, sources))
                self.limited += [(f"{field}.item_days[{j}]", out[-1], link_id)
                                 for j, link_id in enumerate(item_days)]
        return tuple(out)

    def item_days(self, value: Any, field: str, questionnaire: str | None,
                  days: tuple[int, ...], is_reading: bool
                  ) -> tuple[dict[str, tuple[int, ...]], dict[str, str]]:
        """The entry's ``item_days``: link_id → the days it is asked, each within the
        entry's days, and link_id → its source (what a rule reads is checked once the rules
        are known: ``limited_items_unread``)."""
        if value is None:
            return {}, {}
        field = f"{field}.item_days"
        if questionnaire is None:  # unknown (said already) or a reading task
            if is_reading:
                self.add(field, "a reading task asks one thing: only a questionnaire's "
                                "items may be asked on some days")
            return {}, {}
        if not isinstance(value, list) or not value:
            self.add(field, "must list items, each {link_id, days, source}")
            return {}, {}
        out: dict[str, tuple[int, ...]] = {}
        sources: dict[str, str] = {}
        q = self.catalogue[questionnaire]
        for where, raw in self.mappings(value, field, "must be {link_id, days, source}"):
            link_id = raw.get("link_id")
            if not isinstance(raw.get("source"), str) or not raw["source"].strip():
                self.add(f"{where}.source", f"asking {link_id!r} on some days only needs "
                         "the published source that allows it")
            if q.item(link_id) is None:
                self.add(f"{where}.link_id", f"unknown link_id {link_id!r} in questionnaire "
                         f"{questionnaire} (known: {', '.join(q.link_ids)})")
                continue
            if link_id in out:
                self.add(f"{where}.link_id", f"{link_id!r} is listed twice")
                continue
            asked = self.days(raw.get("days"), f"{where}.days")
            outside = sorted(set(asked) - set(days))
            if outside:
                self.add(f"{where}.days", f"day {outside[0]} is not a day of this entry "
                         f"({_day_list(days)}): {link_id} can only be asked when "
                         f"{questionnaire} is")
            elif asked and set(asked) == set(days):
                self.add(f"{where}.days", f"{link_id} would be asked on every day of this "
                         "entry: leave it out of item_days")
            elif asked:
                out[link_id] = asked
                sources[link_id] = str(raw.get("source") or "").strip()
        return out, sources

    def mappings(self, value: list, field: str, message: str):
        """(``field[i]``, entry) of each entry of ``value`` that is a mapping; ``message``
        for the others."""
        for i, entry in enumerate(value):
            if isinstance(entry, Mapping):
                yield f"{field}[{i}]", entry
            else:
                self.add(f"{field}[{i}]", message)

    def education(self, value: Any) -> tuple[EducationItem, ...]:
        if not isinstance(value, list):
            self.add("education", "must be a list of items")
            return ()
        out, ids = [], set()
        for field, entry in self.mappings(value, "education", "must be a mapping"):
            item_id = entry.get("id")
            if not isinstance(item_id, str) or not item_id:
                self.add(f"{field}.id", f"{item_id!r} is not an id")
            elif item_id in ids:
                self.add(f"{field}.id", f"duplicate education id {item_id!r}")
            ids.add(str(item_id))
            title = self.text(entry.get("title"), f"{field}.title")
            body = self.text(entry.get("body"), f"{field}.body")
            days = ()
            if not isinstance(entry.get("days"), Mapping):
                self.add(f"{field}.days", "must be a day range {from, to}")
            else:
                days = self.days(entry.get("days"), f"{field}.days")
            if title and body and days and isinstance(item_id, str):
                out.append(EducationItem(item_id, title, body, (days[0], days[-1])))
        return tuple(out)

    def used_questionnaires(self, schedule: tuple[ScheduleEntry, ...]) -> dict[str, Questionnaire]:
        """Scheduled questionnaires plus those the rules read answers of."""
        slugs = {e.questionnaire for e in schedule if e.questionnaire}
        rules = self.data.get("rules")
        for rule in rules if isinstance(rules, list) else []:
            when = rule.get("when") if isinstance(rule, Mapping) else None
            slugs.update(ref.split(".")[0] for ref in _answer_refs(when) if "." in ref)
        return {s: self.catalogue[s] for s in sorted(slugs) if s in self.catalogue}

    def rules(self, value: Any, used: dict[str, Questionnaire],
              schedule: tuple[ScheduleEntry, ...]) -> tuple[Rule, ...]:
        if not isinstance(value, list) or not value:
            self.add("rules", "a protocol needs at least one rule")
            return ()
        raw_issues: list[Issue] = []
        parsed = [build_rule(r, f"rules[{i}]", raw_issues) for i, r in enumerate(value)]
        self.issues.extend(ContentIssue(self.source, r, f, m) for r, f, m in raw_issues)
        checker = RuleChecker(used, self.catalogue, schedule)
        ids: dict[str, str] = {}
        for slug, q in used.items():
            for qrule in q.rules:
                if isinstance(qrule, Rule):
                    ids[qrule.id] = f"questionnaire {slug}"
                    # what a questionnaire's own loader cannot see: ops and codes in context
                    for field, message in checker.check(qrule):
                        self.issues.append(ContentIssue(f"{slug}.yaml", qrule.id, field, message))
        for i, rule in enumerate(parsed):
            rid = value[i].get("id") if isinstance(value[i], Mapping) else None
            if isinstance(rid, str) and rid in ids:
                self.add("id", f"duplicate rule id {rid!r} (already in {ids[rid]})", rid)
            elif isinstance(rid, str):
                ids[rid] = f"rules[{i}]"
            if rule is not None:
                for field, message in checker.check(rule):
                    self.add(field, message, rule.id)
        return tuple(r for r in parsed if r is not None)


def _reads(subject: Subject, ref: str, reading: str | None) -> bool:
    """Whether a rule's ``subject`` reads the answer ``ref`` (``slug.link_id``), whose
    item gives ``reading`` (None: no reading)."""
    if subject.kind == "answer":
        return subject.ref == ref
    if reading is None:
        return False
    if subject.kind == "reading":
        return subject.head == reading
    return subject.head == "news2" and reading in NEWS2_READINGS


def _day_list(days: tuple[int, ...]) -> str:
    """``1-14`` for a run of days, else ``1, 3, 7``."""
    if len(days) > 2 and days == tuple(range(days[0], days[-1] + 1)):
        return f"days {days[0]}-{days[-1]}"
    return "days " + ", ".join(map(str, days))


def _known_reading(reading: Any) -> bool:
    return isinstance(reading, str) and reading in READING_TYPES


def _answer_refs(cond: Any):
    if isinstance(cond, Mapping):
        for key, value in cond.items():
            if key == "answer" and isinstance(value, str):
                yield value
            else:
                yield from _answer_refs(value)
    elif isinstance(cond, list):
        for value in cond:
            yield from _answer_refs(value)


def window_days(rules: tuple[Rule, ...], schedule: tuple[ScheduleEntry, ...],
                used: Mapping[str, Questionnaire]) -> int:
    """Days of history ``evaluate`` needs: the longest look-back of any rule, at least 1.

    A persistence over N submissions of a questionnaire planned every k days looks back
    N*k days; a trend its window; a baseline the whole follow-up.
    """
    gaps = {e.task: _max_gap(e.days) for e in schedule}
    last_day = max((e.days[-1] for e in schedule), default=1)
    all_rules = list(rules) + [r for q in used.values() for r in q.rules if isinstance(r, Rule)]
    days = 1
    for rule in all_rules:
        for cond in _conditions(rule.when):
            if isinstance(cond, Persistent):
                head = cond.condition.subject.head
                days = max(days, cond.of_last * gaps.get(head, 1) + 1)
            elif isinstance(cond, Trend):
                days = max(days, last_day + 1 if cond.origin == "baseline"
                           else cond.within_days + 1)
            elif isinstance(cond, Missing):
                gap = gaps.get(cond.questionnaire or cond.reading or "", 1)
                days = max(days, math.ceil(cond.hours_after_due / 24) + gap)
    return days


def _conditions(cond: Any):
    """Every condition of a tree, composites included."""
    yield cond
    if isinstance(cond, AllOf | AnyOf):
        for c in cond.conditions:
            yield from _conditions(c)
    elif isinstance(cond, Not | Persistent):
        yield from _conditions(cond.condition)


def _max_gap(days: tuple[int, ...]) -> int:
    return max((b - a for a, b in zip(days, days[1:], strict=False)), default=1)


class RuleChecker:
    """Checks what a rule names against the questionnaires, reading types and scores."""

    def __init__(self, used: Mapping[str, Questionnaire], catalogue: Mapping[str, Questionnaire],
                 schedule: tuple[ScheduleEntry, ...]):
        self.used, self.catalogue = used, catalogue
        self.scheduled = {e.task for e in schedule}

    def check(self, rule: Rule) -> list[tuple[str, str]]:
        """(field, message) for every problem of ``rule``."""
        out: list[tuple[str, str]] = []
        for leaf in iter_leaves(rule.when):
            if isinstance(leaf, Missing):
                task = leaf.questionnaire or leaf.reading
                key = "questionnaire" if leaf.questionnaire else "reading"
                if task not in self.scheduled:
                    out.append((f"{leaf.path}.{key}",
                                f"{task!r} is not in the schedule, so it can never be missing"))
                continue
            kind = self.subject(leaf.subject, f"{leaf.path}.{leaf.subject.kind}", out)
            if kind is None:
                continue
            if isinstance(leaf, Trend):
                if kind[0] != "number":
                    out.append((f"{leaf.path}.{leaf.subject.kind}",
                                f"a trend needs numbers; {leaf.subject.ref} is not numeric"))
            else:
                self.op_value(leaf, kind, out)
        return out

    def subject(self, subject: Subject, field: str, out: list) -> tuple | None:
        """What values the subject takes: ("number",), ("boolean",), ("code", codes, scored)
        or ("multi", codes); None (and an issue) when it does not exist."""
        if subject.kind == "reading":
            rtype = READING_TYPES.get(subject.ref)
            if rtype is None:
                out.append((field, f"unknown reading type {subject.ref!r}"))
                return None
            return _reading_kind(rtype)
        if subject.kind == "score":
            name, part = subject.head, subject.tail
            if name not in SCORES:
                out.append((field, f"unknown score {name!r} (known: {', '.join(SCORES)})"))
                return None
            if name != "news2" and not any(q.score == name for q in self.used.values()):
                out.append((field, f"no questionnaire of this protocol gives the {name} score"))
                return None
            if part == "max_parameter" and name != "news2":
                out.append((field, "max_parameter exists for news2 only"))
                return None
            if part in ("total", "max_parameter"):
                return ("number",)
            return ("code", SCORE_BANDS[name], False)
        q = self.catalogue.get(subject.head)
        if q is None:
            out.append((field, f"unknown questionnaire {subject.head!r}"))
            return None
        item = q.item(subject.tail)
        if item is None:
            out.append((field, f"unknown link_id {subject.tail!r} in questionnaire {q.slug} "
                               f"(known: {', '.join(q.link_ids)})"))
            return None
        if item.type in ("integer", "decimal"):
            return ("number",)
        if item.type == "boolean":
            return ("boolean",)
        if item.type in ("choice", "multi_choice"):
            codes = tuple(c.code for c in item.choices)
            scored = item.type == "choice" and all(c.score is not None for c in item.choices)
            return ("code" if item.type == "choice" else "multi", codes, scored)
        if item.type == "reading" and item.reading in READING_TYPES:
            return _reading_kind(READING_TYPES[item.reading])
        out.append((field, f"a rule cannot compare a {item.type} answer ({subject.ref})"))
        return None

    def op_value(self, leaf: Threshold, kind: tuple, out: list) -> None:
        op, field = leaf.op, f"{leaf.path}.value"
        values = leaf.value if isinstance(leaf.value, tuple | frozenset) else (leaf.value,)
        if kind[0] == "number" or (kind[0] == "code" and kind[2] and op in NUMERIC_OPS):
            for v in values:
                if isinstance(v, bool | str):
                    out.append((field, f"{v!r} is not a number ({leaf.subject.ref} is numeric)"))
            return
        allowed = ("==", "!=") if kind[0] == "boolean" else ("==", "!=", "in")
        if op not in allowed:
            out.append((f"{leaf.path}.op", f"operator {op!r} cannot be applied to "
                        f"{leaf.subject.ref} (allowed: {' '.join(allowed)})"))
            return
        for v in sorted(values, key=str):
            if kind[0] == "boolean" and not isinstance(v, bool):
                out.append((field, f"{v!r} is not true or false"))
            elif kind[0] != "boolean" and v not in kind[1]:
                out.append((field, f"{v!r} is not a choice of {leaf.subject.ref} "
                                   f"({', '.join(kind[1])})"))


def _reading_kind(rtype: Any) -> tuple:
    if rtype.kind in ("decimal", "integer"):
        return ("number",)
    if rtype.kind == "boolean":
        return ("boolean",)
    return ("code", tuple(rtype.codes), False)


__all__ = ["load_protocol_file", "load_protocols", "parse_protocol", "window_days"]
