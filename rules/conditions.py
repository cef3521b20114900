"""The rule vocabulary: conditions and rules parsed from protocol or questionnaire files.

A condition is one of

* a threshold on the latest value of an answer, a reading or a score
  (``{reading: temperature, op: ">=", value: 38.5}``), read only while it is fresh
  (``max_age_hours`` on the leaf, else the protocol's ``max_age_hours``),
* ``{all: [...]}``, ``{any: [...]}``, ``{not: cond}``,
* ``{trend: {reading: weight, change: rise, by: 2.0, within_days: 3, from: min}}``, with
  ``daily: first`` to compare one value per calendar day (the morning weight),
* ``{persistent: <threshold>, consecutive: 2}``
  or ``{persistent: <threshold>, of_last: 3, count: 2}``, counted in calendar days,
* ``{missing: {questionnaire: daily-postop, hours_after_due: 2}}``.

This module only checks the *shape* of a rule; whether ``daily-postop.pain_now`` exists is
checked by ``rules.loader_protocol`` which knows the questionnaires. Parsing never raises on
bad input: it records every problem as an issue ``(rule_id, field, message)`` so that a
content author sees all of them at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from rules.model import LANGUAGES, SEVERITY_RANK, ContentError, ContentIssue, Text

OPS = (">", ">=", "<", "<=", "==", "!=", "between", "in")
NUMERIC_OPS = frozenset({">", ">=", "<", "<=", "between"})
SUBJECT_KINDS = ("answer", "reading", "score")
# ``max_parameter``: the highest single-parameter score of NEWS2, known from an incomplete set.
SCORE_FIELDS = ("total", "band", "max_parameter")
TREND_DAILY = ("first", "last", "min", "max")
TREND_ORIGINS = ("min", "first", "baseline")
# Placeholders an explanation or advice may use; they are filled from the first evidence item.
PLACEHOLDERS = frozenset(
    {"value", "unit", "threshold", "op", "at", "change", "from_value", "within_days",
     "count", "hours", "due_at", "questionnaire"}
)

Issue = tuple[str | None, str, str]  # (rule id, field path, message)


@dataclass(frozen=True)
class Subject:
    """What a condition looks at: ``answer`` ``daily-postop.pain_now``, ``reading``
    ``temperature`` or ``score`` ``news2.total``."""

    kind: str
    ref: str

    @cached_property
    def head(self) -> str:
        """Questionnaire slug (answer), reading type (reading) or score name (score)."""
        return self.ref.split(".", 1)[0]

    @cached_property
    def tail(self) -> str:
        """Item link_id (answer) or score field (score); empty for a reading."""
        return self.ref.split(".", 1)[1] if "." in self.ref else ""


@dataclass(frozen=True)
class Threshold:
    """Latest value of ``subject`` compared with ``value`` by ``op``."""

    subject: Subject
    op: str
    value: Any
    name: str | None
    path: str
    overridable: bool
    max_age_hours: Decimal | None = None

    @property
    def key(self) -> str:
        return self.name or "value"


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]
    path: str


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]
    path: str


@dataclass(frozen=True)
class Not:
    condition: Condition
    path: str


@dataclass(frozen=True)
class Trend:
    """Change of ``subject`` between a reference value and the latest one, within a window.

    ``origin`` is where the reference comes from: ``min`` (lowest value in the window for
    a rise, highest for a fall), ``first`` (first value in the window) or ``baseline``
    (the patient's first value in the data the backend passes).

    ``daily`` (first, last, min or max) compares one value per local calendar day; the
    window is then the latest value's day and the ``within_days`` days before it, and
    when none of those days has a value the latest earlier one is the reference.
    """

    subject: Subject
    change: str
    by: Decimal
    within_days: int
    origin: str
    op: str
    name: str | None
    path: str
    overridable: bool = True
    daily: str | None = None
    max_age_hours: Decimal | None = None

    @property
    def key(self) -> str:
        return self.name or "value"


@dataclass(frozen=True)
class Persistent:
    """``condition`` held on the last ``consecutive`` days with a value, or on ``count`` of
    the last ``of_last`` such days (two answers on one day are one day)."""

    condition: Threshold
    of_last: int
    count: int
    path: str


@dataclass(frozen=True)
class Missing:
    """The latest task of ``questionnaire`` (or ``reading``) whose due time plus
    ``hours_after_due`` has passed is still unanswered."""

    questionnaire: str | None
    reading: str | None
    hours_after_due: Decimal
    name: str | None
    path: str
    overridable: bool = True

    @property
    def key(self) -> str:
        return self.name or "value"


Condition = Threshold | AllOf | AnyOf | Not | Trend | Persistent | Missing
Leaf = Threshold | Trend | Missing


@dataclass(frozen=True)
class Rule:
    """One rule: when ``when`` holds, a finding of ``severity`` with explanation and advice.

    ``questionnaire`` is set for questionnaire-level rules (they apply in every protocol
    that uses the questionnaire). ``source`` says where the cut-off comes from. Rules
    about one cause share a ``group`` (one alert); ``emergency`` marks the rules whose
    published guidance is "call 15 now".
    """

    id: str
    severity: str
    when: Condition
    source: str
    explanation: Text
    advice: Text
    questionnaire: str | None = None
    group: str = ""
    emergency: bool = False

    def leaves(self) -> list[Leaf]:
        """Every threshold, trend and missing condition of the rule, in file order."""
        return list(iter_leaves(self.when))

    def thresholds(self) -> list[Leaf]:
        """The leaves a per-patient override can change, in file order."""
        return [leaf for leaf in iter_leaves(self.when) if leaf.overridable]


def iter_leaves(cond: Condition):
    """Yield the leaves of ``cond`` depth-first in file order."""
    if isinstance(cond, AllOf | AnyOf):
        for c in cond.conditions:
            yield from iter_leaves(c)
    elif isinstance(cond, Not):
        yield from iter_leaves(cond.condition)
    elif isinstance(cond, Persistent):
        yield cond.condition
    else:
        yield cond


def subjects(cond: Condition) -> list[Subject]:
    """Every subject a condition reads (missing conditions read tasks, not subjects)."""
    return [leaf.subject for leaf in iter_leaves(cond) if not isinstance(leaf, Missing)]


# --- parsing -------------------------------------------------------------------------


def parse_rule(data: Any, source: str, questionnaire: str | None = None) -> Rule:
    """Parse one rule dict (protocol or questionnaire file); raise ``ContentError`` listing
    every problem. ``questionnaire`` makes bare link_ids (``answer: q9``) refer to that
    questionnaire and marks the rule as questionnaire-level."""
    issues: list[Issue] = []
    rule = build_rule(data, "rule", issues, questionnaire)
    if issues or rule is None:
        raise ContentError([ContentIssue(source, r, f, m) for r, f, m in issues])
    return rule


def build_rule(
    data: Any, where: str, issues: list[Issue], questionnaire: str | None = None
) -> Rule | None:
    """Parse a rule, appending problems to ``issues``; None if it is too broken to use."""
    if not isinstance(data, Mapping):
        issues.append((None, where, "a rule must be a mapping"))
        return None
    rid = data.get("id")
    valid_id = isinstance(rid, str) and rid.replace("-", "_").isidentifier()
    if not valid_id:
        issues.append((None, f"{where}.id", f"missing or invalid rule id {rid!r}"))
        rid = where
    p = _Parser(rid, issues, questionnaire)
    p.unknown_keys(data, {"id", "severity", "when", "source", "explanation", "advice", "group",
                          "emergency"}, "")
    severity = data.get("severity")
    if not isinstance(severity, str) or severity not in SEVERITY_RANK:
        p.issue("severity", f"{severity!r} is not one of low, medium, high")
    group = data.get("group", rid)
    if not isinstance(group, str) or not group.replace("-", "_").isidentifier():
        p.issue("group", f"{group!r} is not a group id")
    emergency = data.get("emergency", False)
    if not isinstance(emergency, bool):
        p.issue("emergency", f"{emergency!r} is not true or false")
    elif emergency and severity != "high":
        p.issue("emergency", "only a high rule can tell the patient to call 15 now")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        p.issue("source", "every rule must cite its source or rationale")
    explanation, advice = p.text(data, "explanation"), p.text(data, "advice")
    if "when" not in data:
        p.issue("when", "missing condition")
        return None
    when = p.condition(data["when"], "when")
    p.check_names(when)
    if not valid_id or None in (when, explanation, advice) or len(issues) > p.start:
        return None
    return Rule(rid, severity, when, source, explanation, advice, questionnaire, group,
                emergency)


class _Parser:
    """Parses the conditions of one rule, recording issues against that rule."""

    def __init__(self, rule_id: str, issues: list[Issue], questionnaire: str | None):
        self.rule_id, self.issues, self.questionnaire = rule_id, issues, questionnaire
        self.start = len(issues)

    def issue(self, path: str, message: str) -> None:
        self.issues.append((self.rule_id, path, message))

    def unknown_keys(self, data: Mapping, allowed: set[str], path: str) -> None:
        for key in sorted(set(data) - allowed, key=str):
            self.issue(_join(path, str(key)), f"unknown key {key!r}")

    def text(self, data: Mapping, key: str) -> Text | None:
        value = data.get(key)
        if not isinstance(value, Mapping):
            self.issue(key, "must give the text in French and English ({fr: ..., en: ...})")
            return None
        ok = True
        for lang in LANGUAGES:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.issue(f"{key}.{lang}", f"missing {lang} text")
                ok = False
            else:
                for name in _placeholders(value[lang]):
                    if name not in PLACEHOLDERS:
                        self.issue(f"{key}.{lang}", f"unknown placeholder {{{name}}}")
        self.unknown_keys(value, set(LANGUAGES), key)
        return Text(value["fr"], value["en"]) if ok else None

    def condition(self, data: Any, path: str) -> Condition | None:
        if not isinstance(data, Mapping):
            self.issue(path, "a condition must be a mapping")
            return None
        for kind in ("all", "any"):
            if kind in data:
                self.unknown_keys(data, {kind}, path)
                items = data[kind]
                if not isinstance(items, list) or not items:
                    self.issue(_join(path, kind), "must be a non-empty list of conditions")
                    return None
                conds = [self.condition(c, f"{path}.{kind}[{i}]") for i, c in enumerate(items)]
                if any(c is None for c in conds):
                    return None
                cls = AllOf if kind == "all" else AnyOf
                return cls(tuple(conds), path)
        if "not" in data:
            self.unknown_keys(data, {"not"}, path)
            inner = self.condition(data["not"], f"{path}.not")
            return Not(inner, path) if inner is not None else None
        if "trend" in data:
            self.unknown_keys(data, {"trend"}, path)
            return self.trend(data["trend"], f"{path}.trend")
        if "persistent" in data:
            return self.persistent(data, path)
        if "missing" in data:
            self.unknown_keys(data, {"missing"}, path)
            return self.missing(data["missing"], f"{path}.missing")
        return self.threshold(data, path)

    def subject(self, data: Mapping, path: str) -> Subject | None:
        kinds = [k for k in SUBJECT_KINDS if k in data]
        if len(kinds) != 1:
            self.issue(path, "needs exactly one of answer, reading, score")
            return None
        kind, ref = kinds[0], data[kinds[0]]
        where = _join(path, kind)
        if not isinstance(ref, str) or not ref:
            self.issue(where, "must be a name")
            return None
        if kind == "answer" and "." not in ref:
            if self.questionnaire is None:
                self.issue(where, f"{ref!r} must be written questionnaire.link_id")
                return None
            ref = f"{self.questionnaire}.{ref}"
        if kind == "score" and ref.count(".") != 1:
            self.issue(where, f"{ref!r} must be written score.field (e.g. news2.total)")
            return None
        if kind == "score" and ref.split(".")[1] not in SCORE_FIELDS:
            fields = ", ".join(SCORE_FIELDS)
            self.issue(where, f"unknown score field in {ref!r} (expected {fields})")
            return None
        return Subject(kind, ref)

    def threshold(self, data: Mapping, path: str) -> Threshold | None:
        self.unknown_keys(data, {*SUBJECT_KINDS, "op", "value", "name", "max_age_hours"}, path)
        subject = self.subject(data, path)
        op = data.get("op")
        if op not in OPS:
            expected = " ".join(OPS)
            self.issue(_join(path, "op"), f"unknown operator {op!r} (expected one of {expected})")
            return None
        if "value" not in data:
            self.issue(_join(path, "value"), "missing value")
            return None
        value = self.op_value(op, data["value"], _join(path, "value"))
        name = self.name(data, path)
        max_age = self.max_age(data, path)
        if subject is None or value is None:
            return None
        return Threshold(subject, op, value, name, path, name is not None or op in NUMERIC_OPS,
                         max_age)

    def max_age(self, data: Mapping, path: str) -> Decimal | None:
        if "max_age_hours" not in data:
            return None
        value = self.number(data["max_age_hours"], _join(path, "max_age_hours"))
        if value is not None and value <= 0:
            self.issue(_join(path, "max_age_hours"), "must be a positive number of hours")
            return None
        return value

    def op_value(self, op: str, raw: Any, path: str) -> Any:
        if op == "between":
            if not isinstance(raw, list) or len(raw) != 2:
                self.issue(path, "between needs [low, high]")
                return None
            low, high = self.number(raw[0], f"{path}[0]"), self.number(raw[1], f"{path}[1]")
            if low is None or high is None:
                return None
            if low > high:
                self.issue(path, f"low {low} is above high {high}")
                return None
            return (low, high)
        if op == "in":
            if not isinstance(raw, list) or not raw:
                self.issue(path, "in needs a non-empty list")
                return None
            values = [self.scalar(v, f"{path}[{i}]") for i, v in enumerate(raw)]
            return None if any(v is None for v in values) else frozenset(values)
        if op in NUMERIC_OPS:
            return self.number(raw, path)
        return self.scalar(raw, path)

    def number(self, raw: Any, path: str) -> Decimal | None:
        value = to_decimal(raw)
        if value is None:
            self.issue(path, f"{raw!r} is not a number")
        return value

    def scalar(self, raw: Any, path: str) -> Any:
        if isinstance(raw, bool | str):
            return raw
        value = to_decimal(raw)
        if value is None:
            self.issue(path, f"{raw!r} is not a number, a boolean or a code")
        return value

    def name(self, data: Mapping, path: str) -> str | None:
        name = data.get("name")
        if name is not None and (not isinstance(name, str) or not name.isidentifier()):
            self.issue(_join(path, "name"), f"{name!r} is not a valid threshold name")
            return None
        return name

    def positive_int(self, data: Mapping, key: str, path: str, minimum: int = 1) -> int | None:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.issue(_join(path, key), f"must be an integer >= {minimum}")
            return None
        return value

    def trend(self, data: Any, path: str) -> Trend | None:
        if not isinstance(data, Mapping):
            self.issue(path, "a trend must be a mapping")
            return None
        allowed = {*SUBJECT_KINDS, "change", "by", "within_days", "from", "op", "name", "daily",
                   "max_age_hours"}
        self.unknown_keys(data, allowed, path)
        subject = self.subject(data, path)
        change = data.get("change")
        if change not in ("rise", "fall"):
            self.issue(_join(path, "change"), f"{change!r} is not rise or fall")
        by = self.number(data.get("by"), _join(path, "by"))
        if by is not None and by < 0:
            self.issue(_join(path, "by"), "must be >= 0 (say rise or fall with change)")
        days = self.positive_int(data, "within_days", path)
        origin = data.get("from", "min")
        if origin not in TREND_ORIGINS:
            self.issue(_join(path, "from"), f"{origin!r} is not one of {', '.join(TREND_ORIGINS)}")
        op = data.get("op", ">")
        if op not in (">", ">="):
            self.issue(_join(path, "op"), f"a trend compares with > or >=, not {op!r}")
        daily = data.get("daily")
        if daily is not None and daily not in TREND_DAILY:
            self.issue(_join(path, "daily"), f"{daily!r} is not one of {', '.join(TREND_DAILY)}")
        name = self.name(data, path)
        max_age = self.max_age(data, path)
        if None in (subject, by, days) or len(self.issues) > self.start:
            return None
        return Trend(subject, change, by, days, origin, op, name, path, daily=daily,
                     max_age_hours=max_age)

    def persistent(self, data: Mapping, path: str) -> Persistent | None:
        self.unknown_keys(data, {"persistent", "consecutive", "of_last", "count"}, path)
        inner = data["persistent"]
        if not isinstance(inner, Mapping) or "op" not in inner:
            self.issue(f"{path}.persistent", "must be a threshold (subject, op, value)")
            return None
        cond = self.threshold(inner, f"{path}.persistent")
        if "consecutive" in data:
            if "of_last" in data or "count" in data:
                self.issue(path, "give either consecutive or of_last + count, not both")
                return None
            n = self.positive_int(data, "consecutive", path)
            of_last = count = n
        elif "of_last" in data and "count" in data:
            of_last, count = (self.positive_int(data, k, path) for k in ("of_last", "count"))
            if of_last is not None and count is not None and count > of_last:
                self.issue(_join(path, "count"), f"count {count} is above of_last {of_last}")
                return None
        else:
            self.issue(path, "persistent needs consecutive, or of_last and count")
            return None
        if cond is None or of_last is None or count is None:
            return None
        return Persistent(cond, of_last, count, path)

    def missing(self, data: Any, path: str) -> Missing | None:
        if not isinstance(data, Mapping):
            self.issue(path, "missing must be a mapping")
            return None
        self.unknown_keys(data, {"questionnaire", "reading", "hours_after_due", "name"}, path)
        q, reading = data.get("questionnaire"), data.get("reading")
        if (q is None) == (reading is None) or not isinstance(q or reading, str):
            self.issue(path, "needs exactly one of questionnaire, reading")
            return None
        hours = self.number(data.get("hours_after_due"), _join(path, "hours_after_due"))
        if hours is not None and hours < 0:
            self.issue(_join(path, "hours_after_due"), "must be >= 0")
            return None
        name = self.name(data, path)
        return None if hours is None else Missing(q, reading, hours, name, path)

    def check_names(self, when: Condition | None) -> None:
        """Threshold names are unique; a rule with several thresholds names each of them."""
        if when is None:
            return
        leaves = [leaf for leaf in iter_leaves(when) if leaf.overridable]
        seen: set[str] = set()
        for leaf in leaves:
            if leaf.name is None and len(leaves) > 1:
                self.issue(
                    _join(leaf.path, "name"),
                    f"required: the rule has {len(leaves)} thresholds, name each of them",
                )
            elif leaf.key in seen:
                self.issue(_join(leaf.path, "name"), f"duplicate threshold name {leaf.key!r}")
            seen.add(leaf.key)


def to_decimal(raw: Any) -> Decimal | None:
    """``raw`` as an exact Decimal (floats through their shortest repr: 38.5 → 38.5)."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, int | float | str):
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            return None
        return value if value.is_finite() else None
    return None


def _placeholders(text: str) -> list[str]:
    import string

    try:
        return [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError:
        return ["<unbalanced braces>"]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
