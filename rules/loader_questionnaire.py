"""Load and validate questionnaire files (``questionnaires/instruments/<slug>.yaml``).

Validation has two layers, and both always run so that an author sees every problem
at once: the JSON Schema (shape, types, required keys) and semantic checks the schema
cannot express (unique link_ids, min <= max, enable_when pointing to an earlier item,
the items a score needs, questionnaire-level rules reading only this questionnaire).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from questionnaires import CONTENT_DIR
from rules.loader_sms import build_sms_form, sms_issues
from rules.model import (
    Choice,
    ContentError,
    ContentIssue,
    Item,
    ItemCondition,
    Questionnaire,
    Text,
)
from rules.units import READING_TYPES

SCHEMA_PATH = CONTENT_DIR / "schemas" / "questionnaire.schema.json"
INSTRUMENTS_DIR = CONTENT_DIR / "instruments"

NUMERIC_TYPES = ("integer", "decimal")
# Operators an enable_when may apply to an answer of each item type.
OPS_BY_TYPE: Mapping[str, frozenset[str]] = {
    "integer": frozenset({">", ">=", "<", "<=", "==", "!=", "between", "in"}),
    "decimal": frozenset({">", ">=", "<", "<=", "==", "!=", "between"}),
    "boolean": frozenset({"==", "!="}),
    "choice": frozenset({"==", "!=", "in"}),
    "multi_choice": frozenset({"in"}),  # fires when any selected code is in the list
}

# What each score needs from the questionnaire: link_id → (type, min, max) or choice scores.
_RANGE_0_10 = ("integer", Decimal(0), Decimal(10))
SCORE_ITEMS: Mapping[str, Mapping[str, Any]] = {
    "qor15": {f"q{i}": _RANGE_0_10 for i in range(1, 16)},
    "phq9": {f"q{i}": ("choice", (0, 1, 2, 3)) for i in range(1, 10)},
    "pain_nrs": {"pain_now": _RANGE_0_10},
}


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def json_path(path: Any) -> str:
    """``["items", 3, "choices"]`` → ``items[3].choices``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _item_name(data: Any, path: Any) -> str | None:
    """The link_id of the item a schema error path points into, if any."""
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "items" and isinstance(parts[1], int):
        items = data.get("items") if isinstance(data, dict) else None
        if isinstance(items, list) and parts[1] < len(items) and isinstance(items[parts[1]], dict):
            link_id = items[parts[1]].get("link_id")
            return str(link_id) if link_id is not None else None
    return None


def schema_issues(data: Any, source: str) -> list[ContentIssue]:
    """Every JSON Schema violation, deepest cause first for ``oneOf`` conditions."""
    issues = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path)):
        if error.context:
            error = jsonschema.exceptions.best_match(error.context)
        path = list(error.absolute_path)
        issues.append(
            ContentIssue(source, None, json_path(path) or "(top level)", error.message,
                         item=_item_name(data, path))
        )
    return issues


class _Checker:
    """Semantic checks over a dict that may also violate the schema (hence defensive)."""

    def __init__(self, data: dict, source: str) -> None:
        self.data, self.source = data, source
        self.slug = data.get("slug")
        self.issues: list[ContentIssue] = []
        self.items = [i for i in data.get("items") or [] if isinstance(i, dict)]

    def add(self, field: str, message: str, item: str | None = None, rule: str | None = None):
        self.issues.append(ContentIssue(self.source, rule, field, message, item=item))

    def run(self) -> list[ContentIssue]:
        seen: dict[str, int] = {}
        for index, item in enumerate(self.data.get("items") or []):
            if not isinstance(item, dict):
                continue
            link_id = item.get("link_id")
            where = f"items[{index}]"
            if link_id in seen:
                self.add(f"{where}.link_id",
                         f"duplicate link_id {link_id!r} (already items[{seen[link_id]}])", link_id)
            elif isinstance(link_id, str):
                seen[link_id] = index
            self._item(item, where, earlier=dict(seen))
        self._score(seen)
        self._rules(seen)
        min_answers = self.data.get("min_answers")
        if isinstance(min_answers, int) and min_answers > len(self.items):
            self.add("min_answers", f"{min_answers} is more than the {len(self.items)} items")
        return self.issues

    def _item(self, item: dict, where: str, earlier: dict[str, int]) -> None:
        link_id = item.get("link_id")
        lo, hi = _decimal(item.get("min")), _decimal(item.get("max"))
        if lo is not None and hi is not None and lo > hi:
            self.add(f"{where}.min", f"min {lo} is greater than max {hi}", link_id)
        codes = [c.get("code") for c in item.get("choices") or [] if isinstance(c, dict)]
        for code in {c for c in codes if codes.count(c) > 1}:
            self.add(f"{where}.choices", f"duplicate choice code {code!r}", link_id)
        if item.get("type") == "reading":
            reading = item.get("reading")
            rtype = READING_TYPES.get(reading) if isinstance(reading, str) else None
            if rtype is None:
                known = ", ".join(READING_TYPES)
                self.add(f"{where}.reading", f"unknown reading type {reading!r} (known: {known})",
                         link_id)
            elif "unit" in item and item["unit"] != rtype.unit:
                self.add(f"{where}.unit", f"a {reading} reading is stored in {rtype.unit!r}, "
                         f"not {item['unit']!r}", link_id)
            elif rtype.kind == "code" and tuple(codes) != rtype.codes:
                self.add(f"{where}.choices", f"a {reading} reading needs one choice per code "
                         f"{', '.join(rtype.codes)}, in that order", link_id)
            elif rtype.kind != "code" and codes:
                self.add(f"{where}.choices", f"a {reading} reading has no choices", link_id)
            if rtype is not None and isinstance(item.get("units"), list):
                self._units(rtype, item["units"], f"{where}.units", link_id)
        if isinstance(item.get("enable_when"), dict):
            earlier.pop(link_id, None)  # an item cannot depend on itself
            self._condition(item["enable_when"], f"{where}.enable_when", link_id, earlier)

    def _units(self, rtype: Any, units: list, field: str, link_id: Any) -> None:
        """The units a patient may choose: each accepted for the reading, each unit once."""
        if rtype.kind in ("code", "boolean"):
            self.add(field, f"a {rtype.slug} reading has no unit to choose", link_id)
            return
        chosen: dict[Any, str] = {}  # conversion → first spelling listed
        for unit in units:
            convert = rtype.accepted_units.get(unit) if isinstance(unit, str) else None
            if convert is None:
                accepted = ", ".join(repr(u) for u in rtype.accepted_units)
                self.add(field, f"{unit!r} is not a unit of {rtype.slug} (use {accepted})",
                         link_id)
            elif convert in chosen:
                self.add(field, f"{unit!r} is the same unit as {chosen[convert]!r}", link_id)
            else:
                chosen[convert] = unit

    def _condition(self, cond: dict, field: str, link_id: Any, earlier: dict[str, int]) -> None:
        for key in ("all", "any"):
            for i, sub in enumerate(cond.get(key) or []):
                if isinstance(sub, dict):
                    self._condition(sub, f"{field}.{key}[{i}]", link_id, earlier)
        if isinstance(cond.get("not"), dict):
            self._condition(cond["not"], f"{field}.not", link_id, earlier)
        if "answer" not in cond:
            return
        ref = self._local_ref(cond["answer"])
        if ref is None:
            self.add(f"{field}.answer", f"{cond['answer']!r} is not an answer of {self.slug}",
                     link_id)
            return
        if ref not in earlier:
            self.add(f"{field}.answer",
                     f"{ref!r} must be an item placed before {link_id!r}", link_id)
            return
        target = self.items_by_id()[ref]
        self._op_and_value(target, cond, field, link_id)

    def _op_and_value(self, target: dict, cond: dict, field: str, link_id: Any) -> None:
        ttype, op, value = target.get("type"), cond.get("op"), cond.get("value")
        codes = {c.get("code") for c in target.get("choices") or [] if isinstance(c, dict)}
        if ttype == "reading":  # compared like the reading's kind of value
            rtype = READING_TYPES.get(str(target.get("reading")))
            kind = rtype.kind if rtype else None
            ttype = {"code": "choice", "integer": "decimal"}.get(str(kind), kind)
            codes = set(rtype.codes) if rtype else set()
        allowed = OPS_BY_TYPE.get(str(ttype), frozenset())
        if op not in allowed:
            self.add(f"{field}.op", f"operator {op!r} cannot be applied to a {ttype} answer "
                     f"(allowed: {', '.join(sorted(allowed)) or 'none'})", link_id)
            return
        values = value if op in ("between", "in") else [value]
        if op in ("between", "in") and not isinstance(value, list):
            self.add(f"{field}.value", f"{op!r} needs a list", link_id)
            return
        if op == "between" and len(values) != 2:
            self.add(f"{field}.value", "'between' needs [low, high]", link_id)
        for v in values:
            if ttype in ("choice", "multi_choice") and v not in codes:
                self.add(f"{field}.value", f"{v!r} is not a choice of {target.get('link_id')!r}",
                         link_id)
            elif ttype == "boolean" and not isinstance(v, bool):
                self.add(f"{field}.value", f"{v!r} is not true or false", link_id)
            elif ttype in NUMERIC_TYPES and _decimal(v) is None:
                self.add(f"{field}.value", f"{v!r} is not a number", link_id)

    def _local_ref(self, ref: Any) -> str | None:
        """``pain_now`` or ``daily-postop.pain_now`` → ``pain_now``; None if another slug."""
        if not isinstance(ref, str):
            return None
        slug, dot, link_id = ref.rpartition(".")
        if dot and slug != self.slug:
            return None
        return link_id

    def items_by_id(self) -> dict[str, dict]:
        return {i.get("link_id"): i for i in self.items}

    def _score(self, seen: Mapping[str, int]) -> None:
        score = self.data.get("score")
        needed = SCORE_ITEMS.get(score) if isinstance(score, str) else None
        if needed is None:
            return
        by_id = self.items_by_id()
        for link_id, spec in needed.items():
            item = by_id.get(link_id)
            if item is None:
                self.add("items", f"score {score} needs an item {link_id!r}", link_id)
                continue
            field = f"items[{seen[link_id]}]"
            if item.get("type") != spec[0]:
                self.add(f"{field}.type", f"score {score} needs {link_id} to be {spec[0]}", link_id)
            elif spec[0] == "integer" and (
                _decimal(item.get("min")) != spec[1] or _decimal(item.get("max")) != spec[2]
            ):
                self.add(f"{field}.min", f"score {score} needs {link_id} from {spec[1]} to "
                         f"{spec[2]}", link_id)
            elif spec[0] == "choice":
                scores = tuple(c.get("score") for c in item.get("choices") or [])
                if scores != spec[1]:
                    self.add(f"{field}.choices", f"score {score} needs choice scores {spec[1]}, "
                             f"got {scores}", link_id)

    def _rules(self, seen: Mapping[str, int]) -> None:
        ids: set[str] = set()
        for index, rule in enumerate(self.data.get("rules") or []):
            if not isinstance(rule, dict):
                continue
            rule_id = str(rule.get("id", f"rules[{index}]"))
            if rule_id in ids:
                self.add("id", f"duplicate rule id {rule_id!r}", rule=rule_id)
            ids.add(rule_id)
            for field, ref in _answer_refs(rule.get("when"), "when"):
                local = self._local_ref(ref)
                if local is None or local not in seen:
                    self.add(field, f"{ref!r} is not an item of questionnaire {self.slug}",
                             rule=rule_id)


def _answer_refs(cond: Any, field: str):
    """Every ``answer:`` reference inside a rule condition, with its field path."""
    if isinstance(cond, dict):
        for key, value in cond.items():
            if key == "answer":
                yield f"{field}.answer", value
            else:
                yield from _answer_refs(value, f"{field}.{key}")
    elif isinstance(cond, list):
        for i, value in enumerate(cond):
            yield from _answer_refs(value, f"{field}[{i}]")


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _text(data: Any) -> Text | None:
    return Text.from_dict(data) if data else None


def _condition(cond: Mapping[str, Any]) -> ItemCondition:
    for kind in ("all", "any"):
        if kind in cond:
            return ItemCondition(kind, conditions=tuple(_condition(c) for c in cond[kind]))
    if "not" in cond:
        return ItemCondition("not", conditions=(_condition(cond["not"]),))
    value = cond.get("value")
    if isinstance(value, list):
        value = tuple(_decimal(v) if _decimal(v) is not None and not isinstance(v, str) else v
                      for v in value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = _decimal(value)
    return ItemCondition("answer", link_id=cond["answer"].rpartition(".")[2], op=cond["op"],
                         value=value)


def _build_item(raw: Mapping[str, Any]) -> Item:
    unit = raw.get("unit")
    if raw["type"] == "reading":
        unit = READING_TYPES[raw["reading"]].unit
    return Item(
        link_id=raw["link_id"],
        type=raw["type"],
        text=Text.from_dict(raw["text"]),
        required=raw.get("required", True),
        min=_decimal(raw.get("min")),
        max=_decimal(raw.get("max")),
        unit=unit,
        reading=raw.get("reading"),
        choices=tuple(Choice(c["code"], Text.from_dict(c["text"]), c.get("score"))
                      for c in raw.get("choices", ())),
        enable_when=_condition(raw["enable_when"]) if raw.get("enable_when") else None,
        help=_text(raw.get("help")),
        min_label=_text(raw.get("min_label")),
        max_label=_text(raw.get("max_label")),
        max_length=raw.get("max_length"),
        units=tuple(raw.get("units", ())),
    )


def _parse_rules(raw_rules: list, source: str, slug: str
                 ) -> tuple[tuple[Any, ...], list[ContentIssue]]:
    """Questionnaire-level rules through the protocol rule parser, when it is installed."""
    try:
        from rules.conditions import parse_rule
    except ImportError:  # protocol side not installed yet: keep the validated raw dicts
        return tuple(raw_rules), []
    parsed, issues = [], []
    for raw in raw_rules:
        try:
            parsed.append(parse_rule(raw, source, questionnaire=slug))
        except ContentError as exc:
            issues.extend(exc.issues)
    return tuple(parsed), issues


def read_yaml(path: Path) -> Any:
    """A YAML file's content; a syntax error becomes a ContentError naming the file."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError([ContentIssue(path.name, None, "(yaml)", str(exc))]) from None


def load_questionnaire(path_or_dict: Path | str | Mapping[str, Any],
                       source: str | None = None) -> Questionnaire:
    """A validated :class:`Questionnaire` from a YAML file or an already parsed dict.

    Raises :class:`ContentError` listing every schema and semantic problem, each naming
    the file (``source``), the item and the field.
    """
    if isinstance(path_or_dict, Mapping):
        data: Any = dict(path_or_dict)
        source = source or str(data.get("slug", "<questionnaire>"))
    else:
        path = Path(path_or_dict)
        source = source or path.name
        data = read_yaml(path)
    if not isinstance(data, dict):
        raise ContentError([ContentIssue(source, None, "(top level)", "expected a mapping")])
    issues = (schema_issues(data, source) + _Checker(data, source).run()
              + [ContentIssue(source, None, field, message, item=link_id)
                 for field, message, link_id in sms_issues(data)])
    if issues:
        raise ContentError(issues)
    rules, rule_issues = _parse_rules(data.get("rules") or [], source, data["slug"])
    if rule_issues:
        raise ContentError(rule_issues)
    return Questionnaire(
        slug=data["slug"],
        version=data["version"],
        title=Text.from_dict(data["title"]),
        items=tuple(_build_item(i) for i in data["items"]),
        source=data["source"].strip(),
        score=data.get("score"),
        rules=rules,
        description=_text(data.get("description")),
        min_answers=data.get("min_answers", 0),
        sms=build_sms_form(data),
    )


def load_questionnaires(directory: Path = INSTRUMENTS_DIR) -> tuple[dict[str, Questionnaire],
                                                                   dict[str, dict]]:
    """Every ``*.yaml`` questionnaire of ``directory``: (by slug, raw dicts by slug).

    The file name must be the slug, so that a file is found where its slug says.
    """
    questionnaires: dict[str, Questionnaire] = {}
    raw: dict[str, dict] = {}
    issues: list[ContentIssue] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            questionnaire = load_questionnaire(path)
        except ContentError as exc:
            issues.extend(exc.issues)
            continue
        if questionnaire.slug != path.stem:
            issues.append(ContentIssue(path.name, None, "slug",
                                       f"slug {questionnaire.slug!r} differs from the file name"))
            continue
        questionnaires[questionnaire.slug] = questionnaire
        raw[questionnaire.slug] = read_yaml(path)
    if issues:
        raise ContentError(issues)
    return questionnaires, raw
