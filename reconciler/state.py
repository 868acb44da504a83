"""Read the live state: one GET per managed prompt, nothing more."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from reconciler.errors import ApiError
from reconciler.model import PromptDocument


class PartialsApi(Protocol):
    """What the flow needs from a Management API client."""

    def get_partials(self, prompt: str) -> PromptDocument: ...

    def put_partials(self, document: PromptDocument) -> PromptDocument: ...


#: Reads of one tenant in flight at once: Auth0's partials read bucket holds five.
MAX_PARALLEL_READS = 5


def read_prompts(api: PartialsApi, prompts: Iterable[str]) -> dict[str, PromptDocument]:
    """The live document of each prompt, read once each. Any failure propagates: a prompt
    that could not be read is never treated as empty.

    The first read goes alone (it also fetches the token, and a tenant that fails it fails
    after one prompt's retries, not after every prompt's); the rest go up to five at a time.
    """
    names = list(dict.fromkeys(prompts))
    if not names:
        return {}
    first, rest = names[0], names[1:]
    documents = {first: api.get_partials(first)}
    if len(rest) <= 1:
        documents.update((name, api.get_partials(name)) for name in rest)
        return documents
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_READS, len(rest))) as pool:
        documents.update(zip(rest, pool.map(api.get_partials, rest), strict=True))
    return documents


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
