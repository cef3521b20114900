"""Shared data types of the rules engine.

Everything here is a plain frozen dataclass so that questionnaires, submissions and
findings can be hashed, compared in tests and passed between threads without copies.
Numbers are ``decimal.Decimal`` so that thresholds compare exactly (38.5 >= 38.5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

Severity = Literal["low", "medium", "high"]
SEVERITY_RANK: Mapping[str, int] = {"low": 1, "medium": 2, "high": 3}

LANGUAGES = ("fr", "en")

ItemType = Literal[
    "integer", "decimal", "boolean", "choice", "multi_choice", "text", "date", "reading"
]
ITEM_TYPES: tuple[str, ...] = (
    "integer", "decimal", "boolean", "choice", "multi_choice", "text", "date", "reading",
)


def json_value(value: Any) -> Any:
    """Return ``value`` in a JSON-serialisable form (Decimal → int/float, datetime → ISO)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    return value


@dataclass(frozen=True)
class Text:
    """A text shown to a patient or a nurse, in French and English."""

    fr: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang``; French (the hospitals' language) for any other language."""
        return self.en if lang == "en" else self.fr

    def to_dict(self) -> dict[str, str]:
        return {"fr": self.fr, "en": self.en}

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Text:
        return cls(fr=data["fr"], en=data["en"])


@dataclass(frozen=True)
class Choice:
    """One answer option of a choice item; ``score`` is the points it gives, if scored."""

    code: str
    text: Text
    score: int | None = None

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {"code": self.code, "text": self.text.get(lang), "score": self.score}


@dataclass(frozen=True)
class ItemCondition:
    """When an item is shown: a condition on earlier answers of the same questionnaire.

    ``kind`` is ``answer`` (``link_id`` ``op`` ``value``), or ``all`` / ``any`` / ``not``
    over ``conditions``. Same operators as protocol rules (see rules.questionnaire).
    """

    kind: Literal["answer", "all", "any", "not"]
    link_id: str | None = None
    op: str | None = None
    value: Any = None
    conditions: tuple[ItemCondition, ...] = ()

    def link_ids(self) -> set[str]:
        """Every answer this condition reads."""
        if self.kind == "answer":
            return {self.link_id} if self.link_id else set()
        return set().union(*(c.link_ids() for c in self.conditions))

    def to_dict(self) -> dict[str, Any]:
        """The condition in the YAML/JSON rule syntax, for clients that evaluate it."""
        if self.kind == "answer":
            return {"answer": self.link_id, "op": self.op, "value": json_value(self.value)}
        if self.kind == "not":
            return {"not": self.conditions[0].to_dict()}
        return {self.kind: [c.to_dict() for c in self.conditions]}


@dataclass(frozen=True)
class Item:
    """One question (or one reading to enter) of a questionnaire."""

    link_id: str
    type: str
    text: Text
    required: bool = True
    min: Decimal | None = None
    max: Decimal | None = None
    unit: str | None = None
    reading: str | None = None
    choices: tuple[Choice, ...] = ()
    enable_when: ItemCondition | None = None
    help: Text | None = None
    # Anchor labels of a numeric rating scale (e.g. 0 = "no pain", 10 = "worst pain imaginable").
    min_label: Text | None = None
    max_label: Text | None = None
    max_length: int | None = None
    # A reading item's units the patient may choose from (first = shown first); a bare
    # number answer is always in ``unit``, another unit is sent as {value, unit}.
    units: tuple[str, ...] = ()

    def choice(self, code: str) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)

    def to_dict(self, lang: str) -> dict[str, Any]:
        """JSON-serialisable definition in one language (GET /api/v1/questionnaires/{slug})."""

        def text(t: Text | None) -> str | None:
            return t.get(lang) if t is not None else None

        return {
            "link_id": self.link_id,
            "type": self.type,
            "text": self.text.get(lang),
            "help": text(self.help),
            "required": self.required,
            "min": json_value(self.min),
            "max": json_value(self.max),
            "min_label": text(self.min_label),
            "max_label": text(self.max_label),
            "unit": self.unit,
            "units": list(self.units),
            "reading": self.reading,
            "max_length": self.max_length,
            "choices": [c.to_dict(lang) for c in self.choices],
            "enable_when": self.enable_when.to_dict() if self.enable_when else None,
        }


@dataclass(frozen=True)
class SmsItem:
    """One question of a questionnaire's SMS form: the item it answers, its SMS wording,
    how a reply is read (``number``, ``yes_no``, ``choice``: ``choices`` pairs what the
    patient types with the item's codes), an example of a good reply, and ``skip``: "non"
    means the optional item does not apply (no thermometer)."""

    link_id: str
    reply: str
    text: Text
    example: Text
    choices: tuple[tuple[str, str], ...] = ()
    skip: bool = False

    @property
    def choice_codes(self) -> dict[str, str]:
        return dict(self.choices)


@dataclass(frozen=True)
class SmsForm:
    """The few items a patient without the app is asked by SMS, one at a time, in order."""

    items: tuple[SmsItem, ...]

    @property
    def link_ids(self) -> frozenset[str]:
        return frozenset(i.link_id for i in self.items)


@dataclass(frozen=True)
class Questionnaire:
    """A questionnaire definition loaded from ``questionnaires/instruments/<slug>.yaml``.

    ``rules`` are questionnaire-level rules (e.g. PHQ-9 item 9 > 0 → high) that apply in
    every protocol using the questionnaire; they are parsed by ``rules.conditions``.
    ``min_answers`` is the number of answered items a submission needs at least (vitals: 1).
    """

    slug: str
    version: int
    title: Text
    items: tuple[Item, ...]
    source: str
    score: str | None = None
    rules: tuple[Any, ...] = ()
    description: Text | None = None
    min_answers: int = 0
    sms: SmsForm | None = None

    def item(self, link_id: str) -> Item | None:
        return next((i for i in self.items if i.link_id == link_id), None)

    @property
    def link_ids(self) -> tuple[str, ...]:
        return tuple(i.link_id for i in self.items)

    @cached_property
    def items_by_link_id(self) -> dict[str, Item]:
        """The items by link_id (computed once: answers are looked up on every read)."""
        return {i.link_id: i for i in self.items}

    @cached_property
    def restored(self) -> dict[tuple[str, type, Any], Any]:
        """Stored answer values already converted back, by (link_id, JSON type, value)
        (``rules.questionnaire.stored_answers``): the values of a questionnaire are few."""
        return {}

    def to_dict(self, lang: str) -> dict[str, Any]:
        """JSON-serialisable definition in one language (GET /api/v1/questionnaires/{slug})."""
        return {
            "slug": self.slug,
            "version": self.version,
            "title": self.title.get(lang),
            "description": self.description.get(lang) if self.description else None,
            "score": self.score,
            "source": self.source,
            "min_answers": self.min_answers,
            "items": [i.to_dict(lang) for i in self.items],
        }


@dataclass(frozen=True)
class Submission:
    """A patient's cleaned answers to one questionnaire (see rules.questionnaire)."""

    questionnaire: str
    submitted_at: datetime
    answers: Mapping[str, Any]
    # True for what the patient is sending now: only new evidence gives advice.
    new: bool = False


@dataclass(frozen=True)
class Reading:
    """One measurement in its canonical UCUM unit (see rules.units)."""

    type: str
    value: Decimal | bool | str
    unit: str
    measured_at: datetime
    new: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "value": json_value(self.value),
            "unit": self.unit,
            "measured_at": self.measured_at.isoformat(),
        }


@dataclass(frozen=True)
class TaskRecord:
    """A planned task as stored by the backend, with when (if ever) it was answered."""

    key: str
    questionnaire: str | None
    reading: str | None
    due_at: datetime
    answered_at: datetime | None = None


@dataclass(frozen=True)
class PatientData:
    """A patient's history in the evaluation window, in any order (the evaluator sorts)."""

    submissions: Sequence[Submission]
    readings: Sequence[Reading]
    tasks: Sequence[TaskRecord] = ()


@dataclass(frozen=True)
class Override:
    """A per-patient value for one named threshold of one rule."""

    rule_id: str
    threshold: str
    value: Any


@dataclass(frozen=True)
class Finding:
    """A rule that fired: what, how serious, on which data, what to tell nurse and patient.

    ``evaluate`` returns one finding per rule group: the group's highest finding, with the
    other findings of the group in ``related`` (they are its evidence, not other alerts).
    ``new`` says its evidence includes data marked new (what the patient is sending now);
    ``emergency`` that the rule's published guidance is "call 15 now".
    """

    rule_id: str
    severity: Severity
    evidence: tuple[dict[str, Any], ...]
    explanation: Text
    advice: Text
    group: str = ""
    emergency: bool = False
    new: bool = False
    related: tuple[Finding, ...] = ()

    def members(self) -> tuple[Finding, ...]:
        """This finding and the related ones of its group, highest first."""
        return (self, *self.related)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "group": self.group or self.rule_id,
            "severity": self.severity,
            "emergency": self.emergency,
            "new": self.new,
            "evidence": [json_value(e) for e in self.evidence],
            "explanation": self.explanation.to_dict(),
            "advice": self.advice.to_dict(),
            "related": [f.to_dict() for f in self.related],
        }


@dataclass(frozen=True)
class ContentIssue:
    """One problem in a content file (questionnaire or protocol), located precisely."""

    file: str
    rule: str | None
    field: str
    message: str
    item: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.rule:
            where.append(f"rule {self.rule}")
        if self.item:
            where.append(f"item {self.item}")
        if self.field:
            where.append(f"field {self.field}")
        return ": ".join([*where, self.message])


class ContentError(Exception):
    """Invalid content: every issue found in one pass, so an author fixes them all at once."""

    def __init__(self, issues: Sequence[ContentIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))
