"""The first pass over a tenant file: its JSON Schema, and its errors in the file's own words.

``schemas/tenant.schema.json`` (JSON Schema 2020-12) checks the shape: keys, types, patterns.
``schema_problems`` turns each validation error into a ``ConfigError`` at the offending node,
with the schema's ``x-hint`` as the fix. Values under ``credentials`` are never echoed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from reconciler.config.problems import did_you_mean, kind
from reconciler.errors import ConfigError, SourceLocation
from reconciler.yamlsource import YamlDocument, YamlPath

__all__ = ["SCHEMA_PATH", "packaged_schema", "schema_problems", "tenant_schema"]

#: The JSON Schema of a tenant file (also used by editors through ``# yaml-language-server``).
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "tenant.schema.json"
"""The schema in a source checkout; an installed package carries it as ``reconciler.schemas``."""


@cache
def packaged_schema(name: str) -> Mapping[str, Any]:
    """One of the project's JSON Schemas (``schemas/NAME``): from the source checkout when it
    is one, else from the installed package (``reconciler.schemas``)."""
    path = SCHEMA_PATH.with_name(name)
    try:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
        else:
            text = (resources.files("reconciler.schemas") / name).read_text(encoding="utf-8")
        schema: dict[str, Any] = json.loads(text)
    except (OSError, ValueError, ModuleNotFoundError) as error:
        raise ConfigError(
            f"cannot read the schema {name}: {error}",
            location=SourceLocation(path),
            hint="reinstall auth0-partials",
        ) from None
    return schema


def tenant_schema() -> Mapping[str, Any]:
    """The tenant-file JSON Schema (``schemas/tenant.schema.json``)."""
    return packaged_schema("tenant.schema.json")


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(tenant_schema())


def schema_problems(document: YamlDocument) -> Iterator[ConfigError]:
    for error in _validator().iter_errors(document.data):
        yield from _explain(error, document)


@cache
def _hints_by_key() -> Mapping[str, str]:
    """Every named property's x-hint in the schema, by name: the fix for an error in a
    sub-schema that has none of its own (``applications[0]``, a prompt given as a number)."""
    hints: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for name, child in (node.get("properties") or {}).items():
                if isinstance(child, dict) and child.get("x-hint"):
                    hints.setdefault(name, child["x-hint"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tenant_schema())
    return hints


def _hint(schema: Mapping[str, Any], path: YamlPath) -> str | None:
    own = schema.get("x-hint")
    if isinstance(own, str):
        return own
    keys = [part for part in reversed(path) if isinstance(part, str)]
    if path and path[0] == "prompts" and len(path) >= 2:
        keys.append("prompt")
    return next((_hints_by_key()[k] for k in keys if k in _hints_by_key()), None)


def _explain(error: ValidationError, document: YamlDocument) -> Iterator[ConfigError]:
    path: YamlPath = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = _hint(schema, path)
    keyword = error.validator
    if keyword == "required":
        yield from _missing_keys(error, document, path, schema)
    elif keyword == "additionalProperties":
        yield from _unknown_keys(error, document, path, schema)
    elif "propertyNames" in error.absolute_schema_path:
        name = str(error.instance)
        yield ConfigError(
            f"'{name}' is not a valid name in {_dotted(path)}",
            location=document.key_location((*path, name)),
            hint=hint,
        )
    else:
        message = _constraint_message(error, path)
        yield ConfigError(message, location=document.location(path), hint=hint)


def _missing_keys(
    error: ValidationError, document: YamlDocument, path: YamlPath, schema: Mapping[str, Any]
) -> Iterator[ConfigError]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    properties = schema.get("properties", {})
    for key in error.validator_value:
        if key in instance:
            continue
        child = properties.get(key, {})
        yield ConfigError(
            f"{_where(path)} is missing the required key '{key}'",
            location=document.location(path),
            hint=child.get("x-hint") or child.get("description"),
        )


def _unknown_keys(
    error: ValidationError, document: YamlDocument, path: YamlPath, schema: Mapping[str, Any]
) -> Iterator[ConfigError]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    allowed = list(schema.get("properties", {}))
    if "switch" in instance and "raw" in instance:
        yield ConfigError(
            "this item has both switch and raw: an item is a switch button or raw HTML, not both",
            location=document.location(path),
            hint="split it into two items: '- switch: ...' with its label, and '- raw: ...'",
        )
        return
    for key in instance:
        if key in allowed:
            continue
        yield ConfigError(
            f"unknown key '{key}' in {_where(path)}{did_you_mean(key, allowed)}",
            location=document.key_location((*path, key)),
            hint=f"allowed keys here: {', '.join(allowed)}",
        )


def _constraint_message(error: ValidationError, path: YamlPath) -> str:
    name = _dotted(path)
    keyword, limit = error.validator, error.validator_value
    secret = bool(path) and path[0] == "credentials"
    if keyword == "type":
        expected = " or ".join(_TYPE_WORDS.get(t, t) for t in _as_list(limit))
        return f"{name} must be {expected}, not {kind(error.instance, secret=secret)}"
    if keyword == "pattern":
        shown = "" if secret else f" {error.instance!r}"
        return f"{name}{shown} is not valid"
    if keyword == "minLength":
        return f"{name} must not be empty"
    if keyword == "maxLength":
        return f"{name} is longer than {limit} characters"
    if keyword == "minItems":
        return f"{name} must list at least {limit} entr{'y' if limit == 1 else 'ies'}"
    if keyword == "minProperties":
        return f"{name} must not be empty"
    if keyword == "uniqueItems":
        return f"{name} lists the same entry twice"
    if keyword == "minimum":
        return f"{name} must be at least {limit}"
    return f"{name} is not valid ({keyword})"


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "null",
}


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _dotted(path: YamlPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the tenant file"


def _where(path: YamlPath) -> str:
    return _dotted(path) if path else "the tenant file"
