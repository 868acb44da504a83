"""A prompt's partials document: its shape, the prompts a tenant has, and Auth0's 400s.

Facts (``auth0-api.md``, recordings): a document is ``{screen: {insertion point: html}}``; a PUT
replaces the whole document; a screen sent as ``{}`` is dropped; a partial holds at most 10,000
characters; a prompt the tenant lacks answers the recorded path validation error.

[GAP] Auth0's answers to a malformed document are not recorded; every one is a 400 with
``errorCode: invalid_body`` in z-schema's wording (see :mod:`.validation`), so a client that
matches on status and errorCode is right either way:

- body that is not JSON: ``Invalid request payload JSON format``.
- wrong JSON type: ``Payload validation error: 'Expected type object but found type array'.``
  (``on property <screen>`` / ``<screen>.<insertion point>`` when nested).
- over-long partial (always checked, the limit is documented): ``Payload validation error:
  'String is too long (<n> chars), maximum 10000' on property <screen>.<insertion point>.``
  Characters are code points.
- ``validation="strict"`` only (unproven: the OAS body schema is free-form): an unknown screen,
  ``'Additional properties not allowed: <screen>'.``; an unknown insertion point, the same
  ``on property <screen>``. Checked for the prompts of :data:`.evidence.PARTIALS_PROMPTS`.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.emulator.evidence import (
    MAX_PARTIAL_CHARS,
    NEWER_PROMPTS,
    PARTIALS_PROMPTS,
    PATH_PARAMETER_DESCRIPTIONS,
    partial_groups,
)
from reconciler.emulator.validation import (
    RequestInvalid,
    json_type,
    parse_json,
    path_message,
    payload_message,
)

#: A partials document as stored: ``{screen: {insertion point: html}}``.
Document = dict[str, dict[str, str]]

#: Kept for callers of earlier versions: the prompts that arrived after the first partials
#: prompts. They are available unless ``unavailable_prompts`` names them.
EARLY_ACCESS_PROMPTS: frozenset[str] = NEWER_PROMPTS


def prompt_available(
    prompt: str, unavailable: frozenset[str], extra: frozenset[str] = frozenset()
) -> bool:
    """Does a tenant have this partials prompt?

    The evidence's prompts do, unless ``unavailable`` names them; ``extra`` adds prompts the
    evidence does not know yet (a prompt Auth0 just added).
    """
    if prompt in extra:
        return True
    return prompt in partial_groups() and prompt not in unavailable


def path_validation_message(prompt: str) -> str:
    """Auth0's recorded message for a prompt the tenant does not have."""
    return path_message("prompt", prompt, PATH_PARAMETER_DESCRIPTIONS["prompt"])


def check_shape(data: object) -> Document:
    """``data`` as a document, if it is an object of objects of strings; else a 400."""
    if not isinstance(data, dict):
        raise RequestInvalid(
            payload_message(f"Expected type object but found type {json_type(data)}")
        )
    document: Document = {}
    for screen, points in data.items():
        if not isinstance(points, dict):
            raise RequestInvalid(
                payload_message(f"Expected type object but found type {json_type(points)}", screen)
            )
        for point, html in points.items():
            if not isinstance(html, str):
                raise RequestInvalid(
                    payload_message(
                        f"Expected type string but found type {json_type(html)}",
                        f"{screen}.{point}",
                    )
                )
        document[screen] = dict(points)
    return document


def check_catalog(prompt: str, document: Mapping[str, Mapping[str, str]]) -> None:
    """Strict mode: screens and insertion points must be the prompt's own (evidence prompts)."""
    spec = PARTIALS_PROMPTS.get(prompt)
    if spec is None:
        return  # a prompt the evidence does not know: nothing to check against
    unknown_screens = [s for s in document if s not in spec.screens]
    if unknown_screens:
        raise RequestInvalid(
            payload_message(f"Additional properties not allowed: {','.join(unknown_screens)}")
        )
    for screen, points in document.items():
        unknown_points = [p for p in points if p not in spec.insertion_points]
        if unknown_points:
            raise RequestInvalid(
                payload_message(
                    f"Additional properties not allowed: {','.join(unknown_points)}", screen
                )
            )


def check_lengths(document: Mapping[str, Mapping[str, str]]) -> None:
    """No partial may exceed ``MAX_PARTIAL_CHARS`` characters."""
    for screen, points in document.items():
        for point, html in points.items():
            if len(html) > MAX_PARTIAL_CHARS:
                raise RequestInvalid(
                    payload_message(
                        f"String is too long ({len(html)} chars), maximum {MAX_PARTIAL_CHARS}",
                        f"{screen}.{point}",
                    )
                )


def normalize(document: Mapping[str, Mapping[str, str]]) -> Document:
    """The document as Auth0 stores it: screens sent as ``{}`` are dropped."""
    return {screen: dict(points) for screen, points in document.items() if points}


def validate_put(prompt: str, raw: bytes, *, strict: bool) -> Document:
    """Everything a PUT body must pass, in order; the normalized document."""
    document = check_shape(parse_json(raw))
    if strict:
        check_catalog(prompt, document)
    check_lengths(document)
    return normalize(document)
