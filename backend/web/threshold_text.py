"""A threshold as a surgeon types and reads it in a form: "38,0" is a number, "oui" a
boolean, "a, b" a list. Used by the new-version form and the per-patient thresholds."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def typed_threshold(typed: str, current: Any) -> Any:
    """A threshold as typed in a form, in the kind of the ``current`` value; what cannot
    be read is passed on as text, for the loader or the override check to refuse."""
    text = typed.strip()
    if isinstance(current, bool):
        return {"oui": True, "true": True, "yes": True, "non": False, "false": False,
                "no": False}.get(text.lower(), text)
    if isinstance(current, list | tuple | set | frozenset):
        return [part.strip() for part in text.split(",") if part.strip()]
    try:
        number = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    return int(number) if number == number.to_integral() and "." not in text \
        and "," not in text else float(number)


def shown_threshold(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(sorted(str(v) for v in value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a JSON column may give 38 back as 38.0 (PostgreSQL)
    return str(value)
