"""Request validation with Auth0's error wording: path, query string and body.

Auth0 validates requests against its OpenAPI schemas with z-schema and answers 400 with the
first error, e.g. (recorded)::

    Path validation error: 'Invalid value "passkeys"' on property prompt (Name of the prompt).
    Payload validation error: 'Additional properties not allowed: partials'.

The inner messages here are z-schema's own (``Expected type {0} but found type {1}``,
``No enum match for: {0}``, ``Too few properties defined ({0}), minimum {1}``, ``Missing
required property: {0}``, ``String is too long ({0} chars), maximum {1}``, ``Array is too short
({0}), minimum {1}``, ``Value {0} is less than minimum {1}``, ``Data does not match any schemas
from 'oneOf'``...). [GAP] Which error Auth0 reports first when there are several, the property
path format of nested errors (``a.b``, no description suffix) and the ``Query validation error``
prefix are this module's choices. Lengths count code points.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.emulator.oas_schemas import Schema
from reconciler.emulator.responses import ApiError


class RequestInvalid(ApiError):
    """A request Auth0 answers 400; ``message`` is the answer's message."""

    def __init__(self, message: str, error_code: str = "invalid_body") -> None:
        super().__init__(400, message, error_code)


def json_type(value: object) -> str:
    """The JSON type name z-schema uses (integral numbers are ``integer``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _js(value: object) -> str:
    """A value as JavaScript's string conversion shows it in a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return ",".join(_js(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _type_matches(expected: str, actual: str) -> bool:
    return expected == actual or (expected == "number" and actual == "integer")


def _check_type(schema: Schema, value: object) -> str | None:
    expected = schema.get("type")
    if expected is None:
        return None
    actual = json_type(value)
    names = [expected] if isinstance(expected, str) else list(expected)
    if any(_type_matches(name, actual) for name in names):
        return None
    return f"Expected type {','.join(names)} but found type {actual}"


def _check_object(schema: Schema, value: Mapping[str, Any]) -> str | None:
    for name in schema.get("required", ()):
        if name not in value:
            return f"Missing required property: {name}"
    minimum = schema.get("minProperties")
    if minimum is not None and len(value) < minimum:
        return f"Too few properties defined ({len(value)}), minimum {minimum}"
    if schema.get("additionalProperties") is False:
        extra = [key for key in value if key not in schema.get("properties", {})]
        if extra:
            return f"Additional properties not allowed: {','.join(extra)}"
    return None


def _check_scalar(schema: Schema, value: object) -> str | None:
    if "enum" in schema and value not in schema["enum"]:
        return f"No enum match for: {_js(value)}"
    if isinstance(value, str):
        length = len(value)
        if "maxLength" in schema and length > schema["maxLength"]:
            return f"String is too long ({length} chars), maximum {schema['maxLength']}"
        if "minLength" in schema and length < schema["minLength"]:
            return f"String is too short ({length} chars), minimum {schema['minLength']}"
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            return f"String does not match pattern {schema['pattern']}: {value}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return f"Value {_js(value)} is less than minimum {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"Value {_js(value)} is greater than maximum {schema['maximum']}"
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            return f"Array is too short ({len(value)}), minimum {schema['minItems']}"
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return f"Array is too long ({len(value)}), maximum {schema['maxItems']}"
    return None


def first_error(schema: Schema, value: object, path: str = "") -> tuple[str, str] | None:
    """The first ``(message, property path)`` that ``value`` breaks, or None when it is valid."""
    problem = _check_type(schema, value)
    if problem is None and "oneOf" in schema:
        matching = sum(first_error(branch, value) is None for branch in schema["oneOf"])
        if matching == 0:
            problem = "Data does not match any schemas from 'oneOf'"
        elif matching > 1:
            problem = "Data is valid against more than one schema from 'oneOf'"
    if problem is None:
        problem = _check_scalar(schema, value)
    if problem is None and isinstance(value, dict):
        problem = _check_object(schema, value)
    if problem is not None:
        return problem, path
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key, child in value.items():
            if key in properties:
                found = first_error(properties[key], child, f"{path}.{key}" if path else key)
                if found is not None:
                    return found
    if isinstance(value, list) and "items" in schema:
        for index, child in enumerate(value):
            found = first_error(schema["items"], child, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def payload_message(detail: str, path: str = "") -> str:
    """``Payload validation error: '<detail>'[ on property <path>].``"""
    where = f" on property {path}" if path else ""
    return f"Payload validation error: '{detail}'{where}."


def check_body(schema: Schema, value: object) -> None:
    """Raise :class:`RequestInvalid` (``invalid_body``) if ``value`` breaks ``schema``."""
    found = first_error(schema, value)
    if found is not None:
        raise RequestInvalid(payload_message(*found))


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> object:
    """A request body as JSON; anything that is not strict UTF-8 JSON is a 400 ([GAP] wording)."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RequestInvalid("Invalid request payload JSON format") from exc


def path_message(name: str, value: str, description: str) -> str:
    """Auth0's recorded path validation error for a value outside a path parameter's enum."""
    return f"Path validation error: 'Invalid value \"{value}\"' on property {name} ({description})."


def _coerce(schema: Schema, raw: Sequence[str]) -> object:
    """A query parameter's text as the JSON value its schema asks for (as hapi converts it)."""
    kind = schema.get("type")
    if kind == "array":
        return [_coerce(schema.get("items", {}), [item]) for item in raw]
    text = raw[-1]
    if kind == "integer" and re.fullmatch(r"-?\d+", text):
        return int(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def check_query(schema: Schema, query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The known query parameters, converted; :class:`RequestInvalid` when one breaks its schema.

    Unknown parameters are ignored ([GAP]: Auth0's answer to them is not recorded).
    """
    values: dict[str, Any] = {}
    for name, raw in query.items():
        parameter = schema.get(name)
        if parameter is None or not raw:
            continue
        value = _coerce(parameter, raw)
        found = first_error(parameter, value)
        if found is not None:
            detail, inner = found
            where = f"{name}.{inner}" if inner else name
            raise RequestInvalid(
                f"Query validation error: '{detail}' on property {where}.", "invalid_query_string"
            )
        values[name] = value
    return values
