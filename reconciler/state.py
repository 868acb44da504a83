"""Read the live state: one GET per managed prompt, nothing more."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from reconciler.model import PromptDocument


class PartialsApi(Protocol):
    """What the flow needs from a Management API client."""

    def get_partials(self, prompt: str) -> PromptDocument: ...

    def put_partials(self, document: PromptDocument) -> PromptDocument: ...


def read_prompts(api: PartialsApi, prompts: Iterable[str]) -> dict[str, PromptDocument]:
    """The live document of each prompt, read once each. Any failure propagates: a prompt
    that could not be read is never treated as empty."""
    return {name: api.get_partials(name) for name in dict.fromkeys(prompts)}
