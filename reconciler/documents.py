"""The documents a tenant holds and a run reads and writes, as values.

Auth0 stores two kinds of per-prompt documents that tenant files manage, both shaped
``{screen: {name: string}}`` and both replaced whole by a PUT:

- ``partials`` (``/api/v2/prompts/{prompt}/partials``): ``{screen: {insertion point: html}}``;
- ``custom-text`` (``/api/v2/prompts/{prompt}/custom-text/{language}``): ``{screen: {text key:
  text}}``, one document per prompt and language.

A ``DocumentKey`` names one such document; a ``Document`` is its content at one moment. The
second-level name (insertion point or text key) is called a *slot* where both kinds are meant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

DocumentKind = Literal["partials", "custom-text"]
DOCUMENT_KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)

#: ``{screen: {slot: text}}``: the body of a document.
Content = Mapping[str, Mapping[str, str]]


def canonical_json(data: object) -> str:
    """The one JSON spelling used for fingerprints, digests and checksums."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_of(data: object) -> str:
    """``sha256:HEX`` of ``data``'s canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def _text_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone surrogate (text that is not valid Unicode)"
    return None


def content_problem(data: object) -> str | None:
    """Why ``data`` is not ``{screen: {slot: string}}`` of valid Unicode, or None if it is."""
    if not isinstance(data, dict):
        return f"the top level is a JSON {type(data).__name__}, not an object"
    for screen, slots in data.items():
        if not isinstance(slots, dict):
            return f"screen {screen!r} is a JSON {type(slots).__name__}, not an object"
        problem = _text_problem(screen)
        if problem:
            return f"a screen name {problem}"
        for slot, text in slots.items():
            if not isinstance(text, str):
                return f"{screen}/{slot} is a JSON {type(text).__name__}, not a string"
            problem = _text_problem(slot) or _text_problem(text)
            if problem:
                return f"{screen}/{slot} {problem}"
    return None


@dataclass(frozen=True, order=True)
class DocumentKey:
    """Which document: its kind, its prompt and, for custom text, its language."""

    kind: DocumentKind
    prompt: str
    language: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in DOCUMENT_KINDS:
            raise ValueError(f"unknown document kind {self.kind!r}")
        if (self.kind == "custom-text") != (self.language is not None):
            raise ValueError("custom text documents, and only they, have a language")

    @classmethod
    def partials(cls, prompt: str) -> DocumentKey:
        return cls("partials", prompt)

    @classmethod
    def custom_text(cls, prompt: str, language: str) -> DocumentKey:
        return cls("custom-text", prompt, language)

    def __str__(self) -> str:
        """``login-password`` for partials, ``login-password custom text (fr)`` otherwise."""
        if self.kind == "partials":
            return self.prompt
        return f"{self.prompt} custom text ({self.language})"

    def to_json(self) -> dict[str, str | None]:
        return {"kind": self.kind, "prompt": self.prompt, "language": self.language}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> DocumentKey:
        kind, prompt, language = data.get("kind"), data.get("prompt"), data.get("language")
        if kind not in DOCUMENT_KINDS or not isinstance(prompt, str):
            raise ValueError(f"not a document key: {dict(data)!r}")
        if language is not None and not isinstance(language, str):
            raise ValueError(f"not a language: {language!r}")
        return cls(kind, prompt, language)


@dataclass(frozen=True)
class Document:
    """A document's content as Auth0 stores it. Compared as a map: Auth0 keeps no key order."""

    key: DocumentKey
    screens: Content

    @classmethod
    def from_json(cls, key: DocumentKey, data: Content) -> Document:
        return cls(key, {screen: dict(slots) for screen, slots in data.items()})

    @classmethod
    def empty(cls, key: DocumentKey) -> Document:
        return cls(key, {})

    def to_json(self) -> dict[str, dict[str, str]]:
        return {screen: dict(slots) for screen, slots in self.screens.items()}

    def get(self, screen: str, slot: str) -> str | None:
        return self.screens.get(screen, {}).get(slot)

    def fingerprint(self) -> str:
        """sha256 of the content compared as a map."""
        return sha256_of(self.to_json())

    def is_empty(self) -> bool:
        return not any(self.screens.values())

    def same_content(self, other: Document) -> bool:
        return self.to_json() == other.to_json()
