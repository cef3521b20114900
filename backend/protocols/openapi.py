"""The protocol file's JSON Schema (questionnaires/schemas/protocol.schema.json, draft
2020-12) as OpenAPI 3.0 components, so that the upload route documents its whole body.

OpenAPI 3.0 speaks an older dialect: ``$defs`` become components (``Protocol…``),
``const`` a one-value ``enum``, a list of types an ``anyOf``, a numeric
``exclusiveMinimum`` a ``minimum`` flagged exclusive; what it cannot say
``propertyNames``) is left out of the document, never out of the checks: the rules
loader validates every upload field by field; a chain of ``if``/``then``/``else`` (a
condition's kinds) becomes the ``anyOf`` of its branches. A condition nests
conditions (``all``, ``any``, ``not``): the document says so in words at the second level
rather than by a recursive reference, which API tools (and test generators) often cannot
follow."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "questionnaires" / "schemas" / \
    "protocol.schema.json"
NAME = "ProtocolDocument"
_DROPPED = {"$schema", "$id", "$comment", "if", "then", "else", "propertyNames"}


def _component(name: str) -> str:
    return NAME + "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


NESTED = {"type": "object", "description": "a nested condition, of the same shape"}


def _convert(node: Any, itself: str | None = None) -> Any:
    """``node`` in OpenAPI 3.0; inside the definition ``itself``, a reference to itself
    becomes a plain object."""
    if isinstance(node, list):
        return [_convert(item, itself) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    if "if" in node and "then" in node:
        out["anyOf"] = [_convert(branch, itself) for branch in _branches(node)]
    for key, value in node.items():
        if key in _DROPPED or key == "$defs":
            continue
        if key == "$ref" and value == f"#/$defs/{itself}":
            out.update(NESTED)
        elif key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
            out[key] = f"#/components/schemas/{_component(value.removeprefix('#/$defs/'))}"
        elif key == "const":
            out["enum"] = [value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True  # 3.0: a flag on minimum / maximum
        elif key == "type" and isinstance(value, list):
            out["anyOf"] = [{"type": kind} for kind in value if kind != "null"]
            if "null" in value:
                out["nullable"] = True
        elif key == "properties":
            out[key] = {name: _convert(schema, itself) for name, schema in value.items()}
        else:
            out[key] = _convert(value, itself)
    if "$ref" in out and len(out) > 1:  # 3.0 ignores siblings of $ref: keep them apart
        ref = out.pop("$ref")
        out = {"allOf": [{"$ref": ref}], **out}
    return out


def _branches(node: dict[str, Any]) -> list[Any]:
    """The ``then`` of each ``if`` of a chain, and its last ``else``."""
    branches = [node["then"]]
    rest = node.get("else")
    if isinstance(rest, dict) and "if" in rest and "then" in rest:
        return branches + _branches(rest)
    return branches + ([rest] if rest is not None else [])


@cache
def components() -> dict[str, dict[str, Any]]:
    """The protocol document and each of its definitions, as OpenAPI 3.0 schemas."""
    schema = json.loads(SCHEMA_FILE.read_text())
    found = {NAME: _convert(schema)}
    for name, definition in schema.get("$defs", {}).items():
        found[_component(name)] = _convert(definition, name)
    return found


def register(spec: Any) -> None:
    for name, schema in components().items():
        spec.components.schema(name, component=schema)


REQUEST_BODY = {"content": {"application/json": {
    "schema": {"$ref": f"#/components/schemas/{NAME}"}}}}
