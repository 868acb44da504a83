"""What the checks need to know about a tenant, read once each through the Management API.

Every read uses Auth0's global Management API bucket, never the 5-per-minute partials buckets.
A read refused for a missing scope is not an error of the run: it becomes ``Unreadable`` (the
checks that need it report ``unknown`` and the ``scopes`` check names the scope); any other
failure propagates (the tenant "could not be checked").

The reads, and the scope each needs:

====================================================  =====================
``GET /api/v2/custom-domains``                         read:custom_domains
``GET /api/v2/branding/templates/universal-login``     read:branding
``GET /api/v2/prompts``                                read:prompts
``GET /api/v2/prompts/rendering`` (pages of 100)       read:prompts
``GET /api/v2/prompts/{prompt}/screen/{s}/rendering``  read:prompts (one per managed prompt)
``GET /api/v2/connections?name=NAME``                  read:connections (one per target)
``GET /api/v2/connections/{id}/clients``               read:connections (one per target)
``GET /api/v2/clients`` (pages of 100)                 read:clients
``GET /api/v2/tenants/settings`` (label languages)     read:tenant_settings
====================================================  =====================
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from reconciler.errors import ApiError, missing_scope
from reconciler.parallel import at_once

T = TypeVar("T")

#: Largest page the list endpoints give.
PAGE = 100
#: Reads of one tenant's facts in flight at once (Auth0's global bucket bursts to 10 at least).
MAX_PARALLEL = 8


def _quietly(read: Callable[[], object]) -> None:
    """Make a read whose failure its fact keeps (``TenantFacts._read``) for its use to raise."""
    with contextlib.suppress(Exception):
        read()


class JsonApi(Protocol):
    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> object: ...


@dataclass(frozen=True)
class Unreadable:
    """A read the client's token may not make: ``scope`` is what Auth0 asked for."""

    path: str
    scope: str
    message: str


@dataclass(frozen=True)
class Connection:
    id: str
    name: str
    strategy: str


@dataclass(frozen=True)
class Application:
    client_id: str
    name: str
    app_type: str | None


@dataclass(frozen=True)
class Rendering:
    prompt: str
    screen: str
    mode: str
    filtered: bool


def _items(data: object, key: str) -> list[dict[str, Any]]:
    """A list answer, bare or wrapped in a paginated object under ``key``."""
    if isinstance(data, dict):
        data = data.get(key, [])
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


@dataclass(frozen=True)
class _Failed:
    """A read that failed: every later use of the fact raises the same error (no second try)."""

    error: Exception


class TenantFacts:
    """The tenant's Universal Login facts, each read once, on first use or by ``prefetch``, and
    kept for the run. Safe to use from several threads: a fact being read is waited for."""

    def __init__(self, api: JsonApi) -> None:
        self._api = api
        self._cache: dict[str, object] = {}
        self._reading: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.unreadable: list[Unreadable] = []

    def prefetch(self, reads: Sequence[Callable[[], object]]) -> None:
        """Make independent reads at once (each a call of one of the fact methods): a check
        then finds its facts read, and a tenant costs one round trip for all of them. A failed
        read is raised when its fact is used, not here."""
        at_once(_quietly, reads, limit=MAX_PARALLEL)

    def _read(self, key: str, read: Callable[[], T]) -> T | Unreadable:
        with self._guard:
            lock = self._reading.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                self._cache[key] = self._answer(read)
        found = self._cache[key]
        if isinstance(found, _Failed):
            raise found.error
        return found  # type: ignore[return-value]

    def _answer(self, read: Callable[[], object]) -> object:
        try:
            return read()
        except ApiError as exc:
            if exc.status != 403 or exc.error_code != "insufficient_scope":
                return _Failed(exc)
            missing = Unreadable(exc.path, missing_scope(exc.message), exc.message)
            with self._guard:
                self.unreadable.append(missing)
            return missing
        except Exception as exc:  # a transport or decoding error: raised at each use
            return _Failed(exc)

    def _pages(
        self, path: str, key: str, params: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 0
        while True:
            query = {**(params or {}), "page": str(page), "per_page": str(PAGE)}
            answer = self._api.get_json(path, {**query, "include_totals": "true"})
            batch = _items(answer, key)
            items += batch
            total = answer.get("total") if isinstance(answer, dict) else None
            if len(batch) < PAGE or (isinstance(total, int | float) and len(items) >= total):
                return items
            page += 1

    def custom_domains(self) -> list[dict[str, Any]] | Unreadable:
        return self._read(
            "custom-domains", lambda: _items(self._api.get_json("custom-domains"), "custom_domains")
        )

    def template(self) -> str | Unreadable | None:
        """The page template's body; None when the tenant has none (404)."""

        def read() -> str | None:
            try:
                answer = self._api.get_json("branding/templates/universal-login")
            except ApiError as exc:
                if exc.status == 404:
                    return None
                raise
            if isinstance(answer, dict):
                body = answer.get("body")
                return body if isinstance(body, str) else None
            return answer if isinstance(answer, str) else None

        return self._read("template", read)

    def tenant_settings(self) -> dict[str, Any] | Unreadable:
        def read() -> dict[str, Any]:
            answer = self._api.get_json("tenants/settings")
            return answer if isinstance(answer, dict) else {}

        return self._read("tenant-settings", read)

    def prompt_settings(self) -> dict[str, Any] | Unreadable:
        def read() -> dict[str, Any]:
            answer = self._api.get_json("prompts")
            return answer if isinstance(answer, dict) else {}

        return self._read("prompts", read)

    def renderings(self) -> list[Rendering] | Unreadable:
        """Every screen with a rendering configuration; [] on a plan without ACUL (402)."""

        def read() -> list[Rendering]:
            try:
                configs = self._pages("prompts/rendering", "configs")
            except ApiError as exc:
                if exc.status == 402:
                    return []
                raise
            return [
                Rendering(
                    str(c.get("prompt")),
                    str(c.get("screen")),
                    str(c.get("rendering_mode", "standard")),
                    bool(c.get("filters")),
                )
                for c in configs
            ]

        return self._read("renderings", read)

    def prompt_available(self, prompt: str, screen: str) -> bool | Unreadable:
        """Whether the tenant has ``prompt`` (Auth0 answers 400 or 404 for one it lacks)."""

        def read() -> bool:
            try:
                self._api.get_json(f"prompts/{prompt}/screen/{screen}/rendering")
            except ApiError as exc:
                if exc.status in (400, 404):
                    return False
                if exc.status == 402:
                    return True  # no ACUL on this plan: the prompt answered
                raise
            return True

        return self._read(f"available:{prompt}", read)

    def connection(self, name: str) -> Connection | Unreadable | None:
        def read() -> Connection | None:
            found = _items(self._api.get_json("connections", {"name": name}), "connections")
            for item in found:
                if item.get("name") == name:
                    return Connection(str(item.get("id")), name, str(item.get("strategy")))
            return None

        return self._read(f"connection:{name}", read)

    def enabled_clients(self, connection: Connection) -> frozenset[str] | Unreadable:
        def read() -> frozenset[str]:
            answer = self._api.get_json(f"connections/{connection.id}/clients")
            return frozenset(str(c.get("client_id")) for c in _items(answer, "clients"))

        return self._read(f"enabled:{connection.id}", read)

    def applications(self) -> list[Application] | Unreadable:
        def read() -> list[Application]:
            clients = self._pages(
                "clients",
                "clients",
                {"fields": "client_id,name,app_type", "include_fields": "true"},
            )
            return [
                Application(str(c.get("client_id")), str(c.get("name")), c.get("app_type"))
                for c in clients
            ]

        return self._read("clients", read)
