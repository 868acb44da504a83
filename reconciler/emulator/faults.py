"""Fault injection: make the emulator fail the way networks and Auth0 sometimes do.

A :class:`Fault` matches requests by optional ``tenant``, ``method`` and ``prompt`` (the prompt of
a partials call) and by ``endpoint``: ``partials`` (the default), ``token``, a route family of
the Management API (``prompts``, ``custom_text``, ``rendering``, ``branding``,
``custom_domains``, ``connections``, ``clients``, ``client_grants``, ``tenant_settings``),
``management`` (every Management API route) or ``any``. ``times`` is how many matching requests
it affects (None: forever); ``probability`` (0..1) makes it strike at random, from an RNG seeded
by ``EmulatorOptions.fault_seed``.

Kinds:

=====================  ==========================================================================
``status``             answer ``status`` (500, 502, 503, 429, ...) with Auth0's error body
                       ([gap]: message = the reason phrase, errorCode = it in snake case,
                       e.g. ``service_unavailable``; a 429 says "Endpoint limit has been
                       reached"; on ``/oauth/token`` the OAuth error shape); a 429
                       also carries ``x-ratelimit-*`` headers (reset after ``retry_after``
                       seconds, default 60) and ``Retry-After`` when ``retry_after`` is set
``latency``            wait ``seconds`` (with the injectable sleep), then answer normally
``timeout``            hold the connection open, answering nothing, for ``seconds`` (default 30,
                       real time: the client's own timeout has to fire), then close it;
                       ``stop()`` releases held connections at once
``reset``              close the connection abruptly (SO_LINGER 0: a TCP RST), no answer
``truncated``          answer normally, but with the full Content-Length and only half the body,
                       then close (the request *was* processed: a PUT is stored)
``invalid_json``       answer 200 with a body that is not JSON (a PUT is stored)
``token_expire_after`` tokens stop working (401, expired) after ``uses`` successful uses
``concurrent_writer``  right after a GET of the prompt is answered, store ``document`` for it:
                       another writer between our read and our write
``drip``               answer normally, but send the body one byte every ``seconds`` (default 1,
                       real time) after the headers: a server that never quite stalls
``oversize``           answer a successful request with a 200 whose body is a JSON object
                       ``bytes`` long (default 200 MiB: ``{"padding":"xxxx…"}``), streamed
                       without building it in memory (the request *was* processed)
``late_put``           hold a PUT or PATCH without answering for ``seconds`` (default 30, real
                       time), then close the connection and only then process it: the write
                       lands after the client gave up and reported a failure
=====================  ==========================================================================

``status``, ``timeout``, ``reset`` and ``late_put`` strike before the request is processed (no
rate-limit token spent). ``truncated``, ``invalid_json`` and ``oversize`` strike only 2xx
answers; ``drip`` any answer.

Command-line syntax (``--fault SPEC``, :func:`parse_fault`)::

    KIND[=VALUE][,KEY=VALUE]...

    status=500,method=GET,prompt=login-password,times=2
    status=429,retry_after=3,times=1
    status=503,endpoint=management,times=3
    latency=1.5,tenant=acme-dev
    timeout=10,method=PUT          timeout (30 s without a value)
    reset,prompt=login,times=1
    truncated,method=GET
    invalid_json,probability=0.2
    token_expire_after=3
    concurrent_writer,prompt=login,times=1,document={"login":{"form-footer-end":"<p>x</p>"}}
    concurrent_writer,prompt=login,document=@other-writer.json
    drip=0.5,method=GET,times=1
    oversize=209715200,method=GET,prompt=login
    late_put=5,prompt=login-password,times=1

The VALUE after KIND is the status code (``status``), the seconds (``latency``, ``timeout``,
``drip``, ``late_put``), the number of uses (``token_expire_after``) or the body size
(``oversize``). KEYs: ``tenant``, ``method``, ``prompt``, ``endpoint``, ``times``,
``probability``, ``retry_after``, ``seconds``, ``uses``, ``bytes``, ``status`` and ``document``
(JSON, or ``@FILE``; it must come last because it takes the rest of the spec, commas included).
Kind names may use ``-`` for ``_``.

The admin endpoint ``POST /__emulator/faults`` takes a JSON list of the same fields
(``{"kind": "status", "status": 503, "times": 1}``).
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal, get_args

from reconciler.emulator.documents import check_shape
from reconciler.emulator.validation import RequestInvalid

FaultKind = Literal[
    "status",
    "latency",
    "timeout",
    "reset",
    "truncated",
    "invalid_json",
    "token_expire_after",
    "concurrent_writer",
    "drip",
    "oversize",
    "late_put",
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
#: The route families of the Management API: what a fault's ``endpoint`` may name.
RouteFamily = Literal[
    "partials",
    "prompts",
    "custom_text",
    "rendering",
    "branding",
    "custom_domains",
    "connections",
    "clients",
    "client_grants",
    "tenant_settings",
]
Endpoint = Literal[
    "partials",
    "token",
    "any",
    "management",
    "prompts",
    "custom_text",
    "rendering",
    "branding",
    "custom_domains",
    "connections",
    "clients",
    "client_grants",
    "tenant_settings",
]
ENDPOINTS: tuple[Endpoint, ...] = get_args(Endpoint)

#: How long a ``timeout`` fault holds the connection when ``seconds`` is not given.
DEFAULT_TIMEOUT_SECONDS = 30.0
#: When an injected 429 says the next token arrives, when ``retry_after`` is not given.
DEFAULT_RETRY_AFTER = 60
#: How long a ``drip`` fault pauses between two bytes when ``seconds`` is not given.
DEFAULT_DRIP_SECONDS = 1.0
#: How long an ``oversize`` answer is when ``bytes`` is not given: 200 MiB.
DEFAULT_OVERSIZE_BYTES = 200 * 1024 * 1024
#: The smallest ``oversize`` body: ``{"padding":""}``.
MIN_OVERSIZE_BYTES = 14


@dataclass(frozen=True)
class FaultContext:
    """What a fault matches against: one request."""

    tenant: str
    method: str
    prompt: str | None
    endpoint: RouteFamily | Literal["token"]


@dataclass(frozen=True)
class Fault:
    """One injected fault; see the module docstring for the kinds."""

    kind: FaultKind
    tenant: str | None = None
    method: str | None = None
    prompt: str | None = None
    endpoint: Endpoint = "partials"
    times: int | None = None
    probability: float = 1.0
    status: int = 500
    retry_after: int | None = None
    seconds: float | None = None
    uses: int = 1
    bytes: int | None = None
    document: Mapping[str, Mapping[str, str]] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(FAULT_KINDS)}")
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"fault endpoint must be one of {', '.join(ENDPOINTS)}")
        if self.times is not None and self.times < 1:
            raise ValueError("fault times must be at least 1 (or omitted: forever)")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("fault probability must be between 0 and 1")
        if self.kind == "status" and not 400 <= self.status <= 599:
            raise ValueError("a status fault needs a 4xx or 5xx status")
        if self.seconds is not None and self.seconds < 0:
            raise ValueError("fault seconds must not be negative")
        if self.kind == "latency" and self.seconds is None:
            raise ValueError("a latency fault needs seconds")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("fault retry_after must not be negative")
        if self.uses < 0:
            raise ValueError("fault uses must not be negative")
        if self.bytes is not None and self.bytes < MIN_OVERSIZE_BYTES:
            raise ValueError(f"an oversize fault needs at least {MIN_OVERSIZE_BYTES} bytes")
        if self.kind == "concurrent_writer":
            if self.document is None:
                raise ValueError("a concurrent_writer fault needs a document")
            try:
                object.__setattr__(self, "document", check_shape(self.document))
            except RequestInvalid as exc:
                raise ValueError(f"concurrent_writer document: {exc.message}") from exc

    @property
    def hold_seconds(self) -> float:
        """How long a ``timeout`` or ``late_put`` fault holds the connection."""
        return DEFAULT_TIMEOUT_SECONDS if self.seconds is None else self.seconds

    @property
    def drip_seconds(self) -> float:
        """The pause between two bytes of a ``drip`` fault."""
        return DEFAULT_DRIP_SECONDS if self.seconds is None else self.seconds

    @property
    def oversize_bytes(self) -> int:
        """The body length of an ``oversize`` fault."""
        return DEFAULT_OVERSIZE_BYTES if self.bytes is None else self.bytes

    def matches(self, request: FaultContext) -> bool:
        if self.endpoint == "management":
            if request.endpoint == "token":
                return False
        elif self.endpoint != "any" and self.endpoint != request.endpoint:
            return False
        if self.tenant is not None and self.tenant != request.tenant:
            return False
        if self.method is not None and self.method != request.method:
            return False
        return self.prompt is None or self.prompt == request.prompt

    def to_json(self) -> dict[str, object]:
        """The fault as the admin API shows it: ``kind`` plus every field not at its default."""
        data: dict[str, object] = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "kind" and value != f.default:
                data[f.name] = value
        return data

    @classmethod
    def from_json(cls, data: object) -> Fault:
        """A fault from the admin API's JSON object; ValueError when it is not one."""
        if not isinstance(data, dict):
            raise ValueError("a fault must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        if "kind" not in data:
            raise ValueError("a fault needs a kind")
        values = dict(data)
        values["kind"] = _kind(str(values["kind"]))
        for name, convert in _CONVERTERS.items():
            if name in values and values[name] is not None:
                values[name] = convert(values[name])
        try:
            return cls(**values)
        except TypeError as exc:
            raise ValueError(f"invalid fault: {exc}") from exc


def _kind(name: str) -> FaultKind:
    kind = name.strip().replace("-", "_")
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {name!r}; one of {', '.join(FAULT_KINDS)}")
    return kind


def _to_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected an integer, got {value!r}")
    number = float(value)
    if not number.is_integer():
        raise ValueError(f"expected an integer, got {value!r}")
    return int(number)


def _to_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _to_str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


_CONVERTERS: dict[str, Callable[[object], object]] = {
    "tenant": _to_str,
    "method": _to_str,
    "prompt": _to_str,
    "endpoint": _to_str,
    "times": _to_int,
    "probability": _to_float,
    "status": _to_int,
    "retry_after": _to_int,
    "seconds": _to_float,
    "uses": _to_int,
    "bytes": _to_int,
}

#: Which field the VALUE after KIND sets, per kind.
_HEAD_VALUE: dict[str, str] = {
    "status": "status",
    "latency": "seconds",
    "timeout": "seconds",
    "token_expire_after": "uses",
    "drip": "seconds",
    "late_put": "seconds",
    "oversize": "bytes",
}


def _load_document(text: str) -> object:
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read fault document {text[1:]!r}: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"fault document is not JSON: {exc}") from exc


def parse_fault(spec: str) -> Fault:
    """A fault from the ``--fault`` syntax (see the module docstring); ValueError if invalid."""
    head, _, rest = spec.strip().partition(",")
    name, has_value, value = head.partition("=")
    kind = _kind(name)
    values: dict[str, object] = {"kind": kind}
    if has_value:
        target = _HEAD_VALUE.get(kind)
        if target is None:
            raise ValueError(f"fault kind {kind!r} takes no value (got {value!r})")
        values[target] = value
    elif kind in ("status", "latency", "token_expire_after"):
        raise ValueError(f"fault kind {kind!r} needs a value, e.g. {kind}=…")
    while rest:
        item, _, remainder = rest.partition(",")
        key, has_eq, raw = item.partition("=")
        key = key.strip()
        if not has_eq or not key:
            raise ValueError(f"expected KEY=VALUE in fault spec, got {item!r}")
        if key == "document":
            values["document"] = _load_document(raw + ("," + remainder if remainder else ""))
            break
        if key == "kind" or key not in _CONVERTERS:
            raise ValueError(f"unknown fault key {key!r} in {spec!r}")
        values[key] = raw.strip()
        rest = remainder
    try:
        return Fault.from_json(values)
    except ValueError as exc:
        raise ValueError(f"invalid fault {spec!r}: {exc}") from exc


class FaultSet:
    """The active faults and how many strikes each has left. Thread-safe."""

    def __init__(self, faults: Iterable[Fault], rng: random.Random) -> None:
        self._rng = rng
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._remaining: list[int | None] = []
        self.replace(faults)

    def replace(self, faults: Iterable[Fault]) -> None:
        with self._lock:
            self._faults = list(faults)
            self._remaining = [f.times for f in self._faults]

    def clear(self) -> None:
        self.replace(())

    def _strikes(self, index: int) -> bool:
        fault = self._faults[index]
        if self._remaining[index] == 0:
            return False
        if fault.probability < 1.0 and self._rng.random() >= fault.probability:
            return False
        remaining = self._remaining[index]
        if remaining is not None:
            self._remaining[index] = remaining - 1
        return True

    def take(
        self,
        kinds: frozenset[FaultKind],
        request: FaultContext,
        when: Callable[[Fault], bool] | None = None,
    ) -> Fault | None:
        """The first fault of ``kinds`` that matches and strikes; it spends one of its times."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.kind not in kinds or not fault.matches(request):
                    continue
                if when is not None and not when(fault):
                    continue
                if self._strikes(index):
                    return fault
        return None

    def take_all(self, kinds: frozenset[FaultKind], request: FaultContext) -> tuple[Fault, ...]:
        """Every fault of ``kinds`` that matches and strikes (latencies add up)."""
        with self._lock:
            return tuple(
                fault
                for index, fault in enumerate(self._faults)
                if fault.kind in kinds and fault.matches(request) and self._strikes(index)
            )

    def describe(self) -> list[dict[str, object]]:
        """The faults as JSON, each with ``remaining`` strikes (null: forever)."""
        with self._lock:
            return [
                {**fault.to_json(), "remaining": remaining}
                for fault, remaining in zip(self._faults, self._remaining, strict=True)
            ]
