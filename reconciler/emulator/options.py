"""How an emulator behaves: one frozen value, :class:`EmulatorOptions`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reconciler.emulator.faults import Fault
from reconciler.emulator.limits import RateLimitMode
from reconciler.emulator.tokens import ClientSpec

#: ``evidence``: refuse only what Auth0's evidence shows it refuses; ``strict``: also the
#: unproven checks (screens and insertion points of partials, custom-text screens, ACUL rules).
Validation = Literal["evidence", "strict"]
#: Which bucket the ``x-ratelimit-*`` headers of a partials answer describe (a [GAP]).
PartialsHeaders = Literal["endpoint", "global"]


@dataclass(frozen=True)
class EmulatorOptions:
    """Everything an :class:`~reconciler.emulator.EmulatorServer` can be told.

    - ``rate_limits``: ``"auth0"`` (per tenant: the partials GET and PUT buckets of burst
      ``rate_limit_burst`` refilled at ``rate_limit_per_minute``, and a global Management API
      bucket of ``global_rate_limit_burst`` refilled at ``global_rate_limit_per_second``;
      defaults model an Enterprise non-production tenant) or ``"off"``.
    - ``partials_rate_limit_headers``: which bucket the headers of a partials answer describe,
      ``"endpoint"`` (default) or ``"global"``.
    - ``state_file``: JSON file loaded at start and rewritten atomically after every change.
    - ``seed``: a tenant seen for the first time starts ready for connection switching
      (:mod:`reconciler.emulator.seed`).
    - ``latency_seconds``: added to every API call, the token endpoint included (real Auth0: a
      median of about 0.38 on the partials endpoints).
    - ``validation``: ``"evidence"`` (default) or ``"strict"``; ``strict_validation`` is the
      earlier spelling (True means ``"strict"``, False ``"evidence"``).
    - ``unavailable_prompts``: partials prompts the tenants lack (Auth0's recorded 400), e.g.
      ``passkeys`` before a tenant had it. ``early_access``: prompts the evidence does not know
      that tenants have anyway (their screens are not checked).
    - ``token_ttl``: seconds an access token lives (``expires_in``).
    - ``clients``: client_id -> :class:`ClientSpec` (secret and client grant); None accepts any
      client id and secret and grants every scope of the slice.
    - ``faults`` and ``fault_seed``: see :mod:`reconciler.emulator.faults`.
    - ``clock`` (UNIX seconds) and ``sleep``: injectable, e.g. a
      :class:`~reconciler.emulator.ManualClock` for both.
    """

    rate_limits: RateLimitMode = "auth0"
    state_file: Path | None = None
    seed: bool = False
    latency_seconds: float = 0.0
    early_access: frozenset[str] = frozenset()
    unavailable_prompts: frozenset[str] = frozenset()
    token_ttl: int = 86_400
    clients: Mapping[str, ClientSpec] | None = field(default=None, hash=False)
    faults: tuple[Fault, ...] = ()
    fault_seed: int | None = None
    validation: Validation = "evidence"
    strict_validation: bool | None = None
    rate_limit_burst: int = 5
    rate_limit_per_minute: float = 5.0
    global_rate_limit_burst: int = 10
    global_rate_limit_per_second: float = 2.0
    partials_rate_limit_headers: PartialsHeaders = "endpoint"
    request_log_limit: int = 100_000
    clock: Callable[[], float] = field(default=time.time, compare=False)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def __post_init__(self) -> None:
        if self.rate_limits not in ("auth0", "off"):
            raise ValueError("rate_limits must be 'auth0' or 'off'")
        if self.latency_seconds < 0:
            raise ValueError("latency_seconds must not be negative")
        if self.token_ttl <= 0:
            raise ValueError("token_ttl must be positive")
        if self.rate_limit_burst < 1 or self.rate_limit_per_minute <= 0:
            raise ValueError("rate limits need a burst of at least 1 and a positive refill")
        if self.global_rate_limit_burst < 1 or self.global_rate_limit_per_second <= 0:
            raise ValueError("the global rate limit needs a burst of at least 1 and a refill")
        if self.request_log_limit < 1:
            raise ValueError("request_log_limit must be at least 1")
        if self.strict_validation is not None:
            chosen = "strict" if self.strict_validation else "evidence"
            object.__setattr__(self, "validation", chosen)
        if self.validation not in ("evidence", "strict"):
            raise ValueError("validation must be 'evidence' or 'strict'")
        if self.partials_rate_limit_headers not in ("endpoint", "global"):
            raise ValueError("partials_rate_limit_headers must be 'endpoint' or 'global'")
        for name in ("early_access", "unavailable_prompts"):
            value = getattr(self, name)
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))
        if not isinstance(self.faults, tuple):
            object.__setattr__(self, "faults", tuple(self.faults))
        if self.state_file is not None and not isinstance(self.state_file, Path):
            object.__setattr__(self, "state_file", Path(self.state_file))
