"""The optional ``sms:`` section of a questionnaire file: the few items asked by SMS.

```yaml
sms:
  items:
    - link_id: pain_now          # an item of this questionnaire
      reply: number              # number | yes_no | choice
      text: {fr: "...", en: "..."}
      example: {fr: "8", en: "8"}
    - link_id: breathlessness
      reply: choice
      choices: {"1": none, "2": on_exertion, "3": at_rest}   # what is typed → item code
```

Checked here (the JSON Schema checks the shape): the item exists and is asked at most
once; the reply kind fits the item (``number``: an integer, decimal or numeric reading;
``yes_no``: a boolean; ``choice``: a choice item, every code of it reachable by one
reply); ``skip`` only on an optional item; no conditional item (an SMS form asks every
question it lists); the example reads as a reply of its kind; the wording fits two SMS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rules.model import SmsForm, SmsItem, Text
from rules.sms_replies import parse_reply
from rules.units import READING_TYPES

# Each question is one SMS and each answer one more: a short form or none.
SMS_ITEMS_MAX = 6
# Two SMS segments of text with accents (UCS-2: 67 characters each once concatenated).
SMS_TEXT_MAX = 134 * 2
NUMERIC_TYPES = ("integer", "decimal")

Issue = tuple[str, str, str | None]  # (field, message, link_id)


def sms_issues(data: Mapping[str, Any]) -> list[Issue]:
    """Every problem of the ``sms`` section of questionnaire ``data`` (shape aside)."""
    sms = data.get("sms")
    if not isinstance(sms, Mapping) or not isinstance(sms.get("items"), list):
        return []
    items = {i.get("link_id"): i for i in data.get("items") or [] if isinstance(i, Mapping)}
    issues: list[Issue] = []
    if len(sms["items"]) > SMS_ITEMS_MAX:
        issues.append(("sms.items", f"{len(sms['items'])} items; an SMS form asks at most "
                                    f"{SMS_ITEMS_MAX}", None))
    seen: set[str] = set()
    for index, raw in enumerate(sms["items"]):
        if not isinstance(raw, Mapping):
            continue
        where, link_id = f"sms.items[{index}]", raw.get("link_id")
        item = items.get(link_id)
        if item is None:
            issues.append((f"{where}.link_id", f"{link_id!r} is not an item of this "
                                               "questionnaire", link_id))
            continue
        if link_id in seen:
            issues.append((f"{where}.link_id", f"{link_id!r} is asked twice", link_id))
        seen.add(link_id)
        issues += [(f"{where}.{field}", message, link_id)
                   for field, message in _item_issues(raw, item)]
    return issues


def _item_issues(raw: Mapping[str, Any], item: Mapping[str, Any]) -> list[tuple[str, str]]:
    issues = []
    reply, kind = raw.get("reply"), _kind(item)
    unknown_reading = item.get("type") == "reading" and item.get("reading") not in READING_TYPES
    if reply != kind and not unknown_reading:  # an unknown reading is reported already
        issues.append(("reply", f"a {item.get('type')} item is answered by "
                                f"{kind or 'no SMS reply'}, not {reply!r}"))
    if item.get("enable_when"):
        issues.append(("link_id", "an item shown only under a condition cannot be asked by "
                                  "SMS"))
    if raw.get("skip") and item.get("required", True):
        issues.append(("skip", "only an optional item (required: false) may be skipped"))
    if reply == "choice" and kind == "choice":
        issues += _choice_issues(raw.get("choices") or {}, item)
    elif raw.get("choices"):
        issues.append(("choices", "only a choice reply has choices"))
    for lang, text in (raw.get("text") or {}).items():
        if isinstance(text, str) and len(text) > SMS_TEXT_MAX:
            issues.append((f"text.{lang}", f"{len(text)} characters; at most {SMS_TEXT_MAX} "
                                           "(two SMS)"))
    if reply == kind:
        for lang, example in (raw.get("example") or {}).items():
            choices = {str(k): str(v) for k, v in (raw.get("choices") or {}).items()}
            if isinstance(example, str) and parse_reply(kind, example, choices).unclear:
                issues.append((f"example.{lang}", f"{example!r} does not read as a "
                                                  f"{kind} reply"))
    return issues


def _kind(item: Mapping[str, Any]) -> str | None:
    """The reply kind that can answer ``item``, or None (free text, dates: not by SMS)."""
    item_type = item.get("type")
    if item_type in NUMERIC_TYPES:
        return "number"
    if item_type == "boolean":
        return "yes_no"
    if item_type == "choice":
        return "choice"
    if item_type == "reading":
        reading = READING_TYPES.get(item.get("reading"))
        return "number" if reading is not None and reading.kind in NUMERIC_TYPES else None
    return None


def _choice_issues(choices: Mapping[str, Any], item: Mapping[str, Any]) -> list[tuple[str, str]]:
    codes = [c.get("code") for c in item.get("choices") or [] if isinstance(c, Mapping)]
    unknown = sorted(str(v) for v in choices.values() if v not in codes)
    missing = [code for code in codes if code not in choices.values()]
    issues = []
    if unknown:
        issues.append(("choices", f"{', '.join(unknown)}: not a code of {item.get('link_id')}"))
    if missing:
        issues.append(("choices", f"no reply gives {', '.join(missing)}: every answer the app "
                                  "offers must be possible by SMS"))
    return issues


def build_sms_form(data: Mapping[str, Any]) -> SmsForm | None:
    """The form of a questionnaire already checked, or None when it has none."""
    sms = data.get("sms")
    if not sms:
        return None
    return SmsForm(tuple(
        SmsItem(link_id=raw["link_id"], reply=raw["reply"], text=Text.from_dict(raw["text"]),
                example=Text.from_dict(raw["example"]),
                choices=tuple((str(k), str(v)) for k, v in (raw.get("choices") or {}).items()),
                skip=bool(raw.get("skip", False)))
        for raw in sms["items"]))
