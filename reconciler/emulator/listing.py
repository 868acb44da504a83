"""Lists the way the Management API pages and trims them.

- Offset pagination ([OAS] ``page``, ``per_page``, ``include_totals``): a JSON array, or with
  ``include_totals=true`` an object ``{"start", "limit", "total", <items>}`` (the shape of the
  recorded go-auth0 list answers).
- Checkpoint pagination ([OAS] ``from``, ``take``): ``{<items>, "next"}``; ``from`` is the id to
  start from (inclusive), ``next`` the id of the first item of the next page, absent at the end.
- ``fields`` / ``include_fields``: keep (or drop) the named fields. [REC] a few fields always
  come along: ``is_domain_connection`` for connections, ``tenant`` for clients.

:func:`list_page` pages first and trims after, so ``from`` and ``next`` still see the id of an
item whose id ``fields`` leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

JsonObject = dict[str, Any]


def trim_fields(
    item: Mapping[str, Any], query: Mapping[str, Any], always: Sequence[str] = ()
) -> JsonObject:
    """``item`` reduced by ``fields`` / ``include_fields``, if asked."""
    fields = query.get("fields")
    if not fields:
        return dict(item)
    names = {name.strip() for name in str(fields).split(",") if name.strip()}
    if query.get("include_fields", True):
        keep = names | set(always)
        return {key: value for key, value in item.items() if key in keep}
    return {key: value for key, value in item.items() if key not in names or key in always}


def offset_page(
    items: Sequence[JsonObject], query: Mapping[str, Any], key: str, default_per_page: int
) -> list[JsonObject] | JsonObject:
    """One page of ``items`` as an array, or the object with totals."""
    page = int(query.get("page", 0))
    per_page = int(query.get("per_page", default_per_page))
    start = page * per_page
    chosen = list(items[start : start + per_page])
    if query.get("include_totals"):
        return {"start": start, "limit": per_page, "total": len(items), key: chosen}
    return chosen


def checkpoint_page(
    items: Sequence[JsonObject], query: Mapping[str, Any], key: str, id_key: str, default_take: int
) -> JsonObject:
    """One checkpoint page: ``{key: [...], "next": id}``."""
    start = 0
    after = query.get("from")
    if after:
        start = next((i for i, item in enumerate(items) if item.get(id_key) == after), len(items))
    take = int(query.get("take", default_take))
    chosen = list(items[start : start + take])
    answer: JsonObject = {key: chosen}
    if start + take < len(items):
        answer["next"] = items[start + take][id_key]
    return answer


def list_page(
    items: Sequence[JsonObject],
    query: Mapping[str, Any],
    key: str,
    id_key: str,
    *,
    default_take: int = 50,
    default_per_page: int | None = None,
    always: Sequence[str] = (),
) -> object:
    """One page of ``items``, each trimmed by ``fields`` / ``include_fields``.

    A checkpoint page when ``from`` or ``take`` is asked; otherwise an offset page of
    ``default_per_page`` items, or the whole list when ``default_per_page`` is ``None``.
    """

    def trim(chosen: Sequence[JsonObject]) -> list[JsonObject]:
        return [trim_fields(item, query, always) for item in chosen]

    if "from" in query or "take" in query:
        checkpoint = checkpoint_page(items, query, key, id_key, default_take)
        checkpoint[key] = trim(checkpoint[key])
        return checkpoint
    if default_per_page is None:
        return trim(items)
    page = offset_page(items, query, key, default_per_page)
    if isinstance(page, dict):
        page[key] = trim(page[key])
        return page
    return trim(page)
