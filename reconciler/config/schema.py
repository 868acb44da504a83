"""The first pass over a tenant file: its JSON Schema, and its errors in the file's own words.

``schemas/tenant.schema.json`` (JSON Schema 2020-12) checks the shape: keys, types, patterns.
``schema_problems`` turns each validation error into a ``ConfigError`` at the offending node,
with the schema's ``x-hint`` as the fix. Values under ``credentials`` are never echoed.

Speed: the schema is compiled once into plain Python checks (``compile_schema``) that say
whether a file is valid, many times faster than jsonschema walks it; jsonschema then runs only
on a file they refuse, and gives its errors. The compiled checks refuse whatever they are unsure
of, so they never let through a file jsonschema would refuse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.config.problems import did_you_mean, kind
from reconciler.errors import ConfigError, SourceLocation
from reconciler.yamlsource import YamlDocument, YamlPath

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

__all__ = [
    "SCHEMA_PATH",
    "Check",
    "compile_schema",
    "packaged_schema",
    "schema_problems",
    "tenant_schema",
]

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
    """jsonschema's validator, for a file the compiled checks refuse (imported then: it is
    slow to import, and most runs read only valid files)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(tenant_schema())


@cache
def _compiled() -> Check:
    return compile_schema(tenant_schema())


def schema_problems(document: YamlDocument) -> Iterator[ConfigError]:
    if _compiled()(document.data):
        return
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


# --------------------------------------------------------------------------- compiled checks

#: Whether a value is valid against a (sub)schema: True only when jsonschema would find no error.
Check = Callable[[object], bool]

#: Keywords that never make a value invalid.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"}
)


def _refuse(value: object) -> bool:
    """The check of a schema the compiler is unsure of: jsonschema decides."""
    return False


def _accept(value: object) -> bool:
    """The check of the schema ``true``."""
    return True


def _false(value: object) -> bool:
    """The check of the schema ``false`` (exact, unlike ``_refuse``)."""
    return False


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _at_least(value: Any, bound: float) -> bool:
    return bool(value >= bound)


def _is_integer(value: object) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer()
    )


_TYPES: Mapping[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": _is_integer,
}


def compile_schema(root: Mapping[str, Any]) -> Check:
    """The schema as one check, for the keywords the tenant schema uses, with JSON Schema
    2020-12 semantics as jsonschema implements them. A keyword it does not know, a ``$ref``
    outside the document, an ``enum`` or ``uniqueItems`` over anything but text, or a ``not``
    or ``if`` over such a subschema compiles to a check that refuses everything: jsonschema
    then decides."""
    return _Compiler(root).compile(root)


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, schema: object) -> Check:
        if isinstance(schema, bool):
            return _accept if schema else _false
        if not isinstance(schema, dict):
            return _refuse
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                continue
            if keyword in ("then", "else") and "if" in schema:
                continue  # compiled with "if"
            compiler = _KEYWORDS.get(keyword)
            check = compiler(self, value, schema) if compiler is not None else _refuse
            if check is _refuse:
                return _refuse
            checks.append(check)
        if len(checks) <= 1:
            return checks[0] if checks else _accept
        return lambda value: all(check(value) for check in checks)

    def exact(self, schema: object) -> bool:
        """Whether ``schema`` compiles to a check that never refuses out of doubt: it compiles,
        and no ``uniqueItems`` (which refuses lists of anything but text) is within reach."""
        if self.compile(schema) is _refuse:
            return False
        seen: set[str] = set()
        todo = [schema]
        while todo:
            node = todo.pop()
            if isinstance(node, list):
                todo.extend(node)
            elif isinstance(node, dict):
                if "uniqueItems" in node:
                    return False
                ref = node.get("$ref")
                if isinstance(ref, str) and ref not in seen:
                    seen.add(ref)
                    todo.append(self._resolve(ref))
                todo.extend(v for k, v in node.items() if k not in _ANNOTATIONS)
        return True

    def ref(self, ref: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(ref, str) or not ref.startswith("#"):
            return _refuse
        if ref not in self.refs:
            target = self._resolve(ref)
            if target is None:
                return _refuse
            cell: list[Check] = []
            self.refs[ref] = lambda value: cell[0](value)  # a recursive use, filled in below
            cell.append(self.compile(target))
            self.refs[ref] = cell[0]
        return self.refs[ref]

    def _resolve(self, ref: str) -> object | None:
        node: object = self.root
        for part in ref[1:].split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def type(self, types: object, schema: Mapping[str, Any]) -> Check:
        names = types if isinstance(types, list) else [types]
        if not all(isinstance(n, str) and n in _TYPES for n in names):
            return _refuse
        checks = [_TYPES[str(n)] for n in names]
        if len(checks) == 1:
            return checks[0]
        return lambda value: any(check(value) for check in checks)

    def enum(self, values: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return _refuse
        allowed = frozenset(values)
        return lambda value: isinstance(value, str) and value in allowed

    def not_(self, sub: object, schema: Mapping[str, Any]) -> Check:
        if not self.exact(sub):
            return _refuse
        check = self.compile(sub)
        return lambda value: not check(value)

    def if_(self, sub: object, schema: Mapping[str, Any]) -> Check:
        if not self.exact(sub):
            return _refuse
        condition = self.compile(sub)
        then = self.compile(schema.get("then", True))
        otherwise = self.compile(schema.get("else", True))
        return lambda value: then(value) if condition(value) else otherwise(value)

    def pattern(self, pattern: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(pattern, str):
            return _refuse
        search = re.compile(pattern).search
        return lambda value: not isinstance(value, str) or search(value) is not None

    def min_length(self, limit: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(limit, int):
            return _refuse
        return lambda value: not isinstance(value, str) or len(value) >= limit

    def max_length(self, limit: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(limit, int):
            return _refuse
        return lambda value: not isinstance(value, str) or len(value) <= limit

    def minimum(self, limit: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(limit, int | float) or isinstance(limit, bool):
            return _refuse
        bound = limit
        return lambda value: not _is_number(value) or _at_least(value, bound)

    def items(self, sub: object, schema: Mapping[str, Any]) -> Check:
        if "prefixItems" in schema:
            return _refuse
        check = self.compile(sub)
        return lambda value: not isinstance(value, list) or all(check(item) for item in value)

    def min_items(self, limit: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(limit, int):
            return _refuse
        return lambda value: not isinstance(value, list) or len(value) >= limit

    def unique_items(self, unique: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(unique, bool):
            return _refuse
        if not unique:
            return _accept
        return lambda value: (
            not isinstance(value, list)
            or (all(isinstance(item, str) for item in value) and len(set(value)) == len(value))
        )

    def properties(self, properties: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(properties, dict):
            return _refuse
        checks = [(name, self.compile(sub)) for name, sub in properties.items()]
        if any(check is _refuse for _, check in checks):
            return _refuse
        return lambda value: (
            not isinstance(value, dict)
            or all(check(value[name]) for name, check in checks if name in value)
        )

    def additional_properties(self, sub: object, schema: Mapping[str, Any]) -> Check:
        if "patternProperties" in schema:
            return _refuse
        known = frozenset(schema.get("properties", {}))
        check = self.compile(sub)
        return lambda value: (
            not isinstance(value, dict)
            or all(check(item) for name, item in value.items() if name not in known)
        )

    def property_names(self, sub: object, schema: Mapping[str, Any]) -> Check:
        check = self.compile(sub)
        return lambda value: not isinstance(value, dict) or all(check(name) for name in value)

    def required(self, names: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(names, list):
            return _refuse
        wanted = tuple(names)
        return lambda value: not isinstance(value, dict) or all(n in value for n in wanted)

    def min_properties(self, limit: object, schema: Mapping[str, Any]) -> Check:
        if not isinstance(limit, int):
            return _refuse
        return lambda value: not isinstance(value, dict) or len(value) >= limit


_KEYWORDS: Mapping[str, Callable[[_Compiler, Any, Mapping[str, Any]], Check]] = {
    "$ref": _Compiler.ref,
    "type": _Compiler.type,
    "enum": _Compiler.enum,
    "not": _Compiler.not_,
    "if": _Compiler.if_,
    "pattern": _Compiler.pattern,
    "minLength": _Compiler.min_length,
    "maxLength": _Compiler.max_length,
    "minimum": _Compiler.minimum,
    "items": _Compiler.items,
    "minItems": _Compiler.min_items,
    "uniqueItems": _Compiler.unique_items,
    "properties": _Compiler.properties,
    "additionalProperties": _Compiler.additional_properties,
    "propertyNames": _Compiler.property_names,
    "required": _Compiler.required,
    "minProperties": _Compiler.min_properties,
}


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
