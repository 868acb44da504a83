"""A prompt's partials document: its shape, what the catalogue allows, and Auth0's 400s.

Facts (``auth0-api.md``): a document is ``{screen: {insertion point: html}}``; a PUT replaces
the whole document; a screen sent as ``{}`` is dropped; a partial holds at most 10,000
characters; a prompt the tenant lacks answers the recorded path validation error.

[gap] Auth0's real answers here are unknown; every one is a 400 with
``errorCode: invalid_body`` and a message in the style of Auth0's other payload validation
errors, so a client that matches on status and errorCode is right either way):

- body that is not JSON: ``Invalid request payload JSON format``.
- wrong JSON type: ``Payload validation error: 'Expected type object but found type array'``
  (``on property <screen>`` / ``<screen>.<insertion point>`` when nested).
- unknown screen (strict validation): ``Payload validation error: 'Additional properties not
  allowed: <screen>'.``; unknown insertion point: the same ``on property <screen>``.
- over-long partial: ``Payload validation error: 'String is too long (<n> chars), maximum
  10000' on property <screen>.<insertion point>.`` Characters are Unicode code points (the
  bytes-vs-characters question is itself a gap; code points are what the docs say).

Strict validation (screens and insertion points from ``reconciler.catalog``) is the default;
``EmulatorOptions(strict_validation=False)`` accepts any screen and insertion point, for the
case where Auth0 turns out to be lenient. The shape and the length limit always apply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from reconciler.catalog import MAX_PARTIAL_CHARS, PROMPTS

#: A partials document as stored: ``{screen: {insertion point: html}}``.
Document = dict[str, dict[str, str]]

#: Prompts of the catalogue that only tenants with early access have.
EARLY_ACCESS_PROMPTS: frozenset[str] = frozenset({"passkeys"})


class DocumentError(ValueError):
    """A document Auth0 would refuse with a 400; ``message`` is the answer's message."""

    def __init__(self, message: str, error_code: str = "invalid_body") -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code


def prompt_available(prompt: str, early_access: frozenset[str]) -> bool:
    """Does a tenant have this prompt? Catalogue prompts do, early-access ones only if enabled."""
    if prompt in early_access:
        return True
    return prompt in PROMPTS and prompt not in EARLY_ACCESS_PROMPTS


def path_validation_message(prompt: str) -> str:
    """Auth0's recorded message for a prompt the tenant does not have."""
    return (
        f"Path validation error: 'Invalid value \"{prompt}\"' on property prompt "
        "(Name of the prompt)."
    )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _payload_error(detail: str, prop: str | None = None) -> DocumentError:
    where = f" on property {prop}" if prop else ""
    return DocumentError(f"Payload validation error: '{detail}'{where}.")


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> object:
    """Parse a request body; anything that is not strict UTF-8 JSON is a 400."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise DocumentError("Invalid request payload JSON format") from exc


def check_shape(data: object) -> Document:
    """``data`` as a document, if it is an object of objects of strings; else a 400."""
    if not isinstance(data, dict):
        raise _payload_error(f"Expected type object but found type {_json_type(data)}")
    document: Document = {}
    for screen, points in data.items():
        if not isinstance(points, dict):
            raise _payload_error(
                f"Expected type object but found type {_json_type(points)}", screen
            )
        for point, html in points.items():
            if not isinstance(html, str):
                raise _payload_error(
                    f"Expected type string but found type {_json_type(html)}",
                    f"{screen}.{point}",
                )
        document[screen] = dict(points)
    return document


def check_catalog(prompt: str, document: Mapping[str, Mapping[str, str]]) -> None:
    """Screens and insertion points must be the prompt's own (catalogue prompts only)."""
    spec = PROMPTS.get(prompt)
    if spec is None:
        return  # an early-access prompt the catalogue does not know: nothing to check against
    unknown_screens = [s for s in document if s not in spec.screens]
    if unknown_screens:
        raise _payload_error(f"Additional properties not allowed: {', '.join(unknown_screens)}")
    for screen, points in document.items():
        unknown_points = [p for p in points if p not in spec.insertion_points]
        if unknown_points:
            raise _payload_error(
                f"Additional properties not allowed: {', '.join(unknown_points)}", screen
            )


def check_lengths(document: Mapping[str, Mapping[str, str]]) -> None:
    """No partial may exceed ``MAX_PARTIAL_CHARS`` characters."""
    for screen, points in document.items():
        for point, html in points.items():
            if len(html) > MAX_PARTIAL_CHARS:
                raise _payload_error(
                    f"String is too long ({len(html)} chars), maximum {MAX_PARTIAL_CHARS}",
                    f"{screen}.{point}",
                )


def normalize(document: Mapping[str, Mapping[str, str]]) -> Document:
    """The document as Auth0 stores it: screens sent as ``{}`` are dropped."""
    return {screen: dict(points) for screen, points in document.items() if points}


def validate_put(prompt: str, raw: bytes, *, strict: bool) -> Document:
    """Everything a PUT body must pass, in Auth0's order; the normalized document."""
    document = check_shape(parse_json(raw))
    if strict:
        check_catalog(prompt, document)
    check_lengths(document)
    return normalize(document)
