"""Read the live state: one GET per managed prompt, nothing more."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from reconciler.errors import ApiError
from reconciler.model import PromptDocument


class PartialsApi(Protocol):
    """What the flow needs from a Management API client."""

    def get_partials(self, prompt: str) -> PromptDocument: ...

    def put_partials(self, document: PromptDocument) -> PromptDocument: ...


def read_prompts(api: PartialsApi, prompts: Iterable[str]) -> dict[str, PromptDocument]:
    """The live document of each prompt, read once each. Any failure propagates: a prompt
    that could not be read is never treated as empty."""
    return {name: api.get_partials(name) for name in dict.fromkeys(prompts)}


def read_available_prompts(
    api: PartialsApi, prompts: Iterable[str]
) -> tuple[dict[str, PromptDocument], list[str]]:
    """Like ``read_prompts``, but a prompt the tenant does not have (Auth0 answers 400, as for
    early-access prompts) is skipped and named instead of failing the whole read."""
    documents: dict[str, PromptDocument] = {}
    skipped: list[str] = []
    for name in dict.fromkeys(prompts):
        try:
            documents[name] = api.get_partials(name)
        except ApiError as exc:
            if exc.status != 400:
                raise
            skipped.append(name)
    return documents, skipped
