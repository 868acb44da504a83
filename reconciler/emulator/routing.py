"""Management API routes: a table of :class:`Route` values and the :class:`Call` a handler gets.

A route names its method, its path template (``/api/v2/prompts/{prompt}/partials``), its family
(for faults), the scopes that may call it (any of them; Auth0's ``oAuth2ClientCredentials``
list in the OpenAPI document), its endpoint bucket if it has one, and whether it writes (the
state file is rewritten after a successful write). A path no route serves, or a method a path
does not have, answers hapi's 404 before authentication.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

from reconciler.emulator.faults import RouteFamily
from reconciler.emulator.limits import Bucket
from reconciler.emulator.responses import Reply

if TYPE_CHECKING:
    from reconciler.emulator.options import EmulatorOptions
    from reconciler.emulator.tenant import Tenant


@dataclass(frozen=True)
class Call:
    """One Management API request as a handler sees it."""

    tenant: str
    #: The tenant's canonical base URL: ``SCHEME://HOST`` (+ ``/tenants/T`` but for the default).
    base_url: str
    method: str
    params: Mapping[str, str]
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    body: bytes
    options: EmulatorOptions

    @property
    def audience(self) -> str:
        """The tenant's Management API audience: ``{base_url}/api/v2/``."""
        return f"{self.base_url}/api/v2/"

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


Handler = Callable[[Call, "Tenant"], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    family: RouteFamily
    scopes: tuple[str, ...]
    handler: Handler = field(compare=False)
    bucket: Bucket | None = None
    writes: bool = False

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.template)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compile(template: str) -> re.Pattern[str]:
    pattern = _PATTERNS.get(template)
    if pattern is None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        pattern = _PATTERNS[template] = re.compile(f"^{regex}$")
    return pattern


def match(routes: Sequence[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving ``method path`` and its decoded path parameters, or None (404)."""
    for route in routes:
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            return route, {name: unquote(value) for name, value in found.groupdict().items()}
    return None
