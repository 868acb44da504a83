"""Lists the way the Management API pages and trims them.

- Offset pagination ([OAS] ``page``, ``per_page``, ``include_totals``): a JSON array, or with
  ``include_totals=true`` an object ``{"start", "limit", "total", <items>}`` (the shape of the
  recorded go-auth0 list answers).
- Checkpoint pagination ([OAS] ``from``, ``take``): ``{<items>, "next"}``; ``from`` is the id to
  start from (inclusive), ``next`` the id of the first item of the next page, absent at the end.
- ``fields`` / ``include_fields``: keep (or drop) the named fields. [REC] a few fields always
  come along: ``is_domain_connection`` for connections, ``tenant`` for clients.
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
) -> object:
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
