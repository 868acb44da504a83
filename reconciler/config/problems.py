"""How a tenant file's checks collect and word their problems.

``NodeReader`` is the base of the readers that build a ``TenantConfig`` part by part
(credentials, prompts, items): they share one list of problems, so a file's problems are
reported together and in file order. ``did_you_mean`` and ``kind`` word names and values the same
way in every message.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from reconciler.errors import ConfigError, SourceLocation
from reconciler.yamlsource import YamlDocument

__all__ = ["NodeReader", "did_you_mean", "kind"]


class NodeReader:
    """Reads part of a tenant file's schema-shaped data, adding each problem to ``problems``.

    It reads defensively: a value of the wrong type is skipped (the schema reports it).
    """

    def __init__(
        self, document: YamlDocument, root: dict[str, object], problems: list[ConfigError]
    ) -> None:
        self.document = document
        self.root = root
        self.problems = problems

    def fail(self, message: str, location: SourceLocation, hint: str | None = None) -> None:
        self.problems.append(ConfigError(message, location=location, hint=hint))

    def at(self, *path: str | int) -> SourceLocation:
        return self.document.location(path)

    def key_at(self, *path: str | int) -> SourceLocation:
        return self.document.key_location(path)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, list(options), n=3, cutoff=0.6)
    if not matches:
        return ""
    quoted = [f"'{match}'" for match in matches]
    choice = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"; did you mean {choice}?"


def kind(value: object, *, secret: bool = False) -> str:
    """What a YAML value is, in words (``secret``: without showing it)."""
    if value is None:
        return "null (nothing)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if secret:
        return "text" if isinstance(value, str) else "a number"
    if isinstance(value, str):
        return f"the text {_short(value)!r}"
    return f"the number {value}"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
