"""How an emulator behaves: one frozen value, :class:`EmulatorOptions`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.emulator.faults import Fault
from reconciler.emulator.limits import RateLimitMode
from reconciler.emulator.tokens import ClientSpec


@dataclass(frozen=True)
class EmulatorOptions:
    """Everything an :class:`~reconciler.emulator.EmulatorServer` can be told.

    - ``rate_limits``: ``"auth0"`` (per tenant, GET and PUT partials buckets of burst
      ``rate_limit_burst``, refilled at ``rate_limit_per_minute``) or ``"off"``.
    - ``state_file``: JSON file loaded at start and rewritten atomically after every change.
    - ``seed``: a tenant seen for the first time starts from :data:`~.seed.SEED_PROMPTS`.
    - ``latency_seconds``: added to every partials call (real Auth0: a median of about 0.38).
    - ``early_access``: prompts like ``passkeys`` that tenants have; without it, ``passkeys``
      answers Auth0's recorded 400. A name the catalogue does not know becomes a prompt
      whose screens and insertion points are not checked (a prompt Auth0 just added).
    - ``token_ttl``: seconds an access token lives (``expires_in``).
    - ``clients``: client_id -> :class:`ClientSpec`; None accepts any client id and secret and
      grants ``read:prompts update:prompts``.
    - ``faults`` and ``fault_seed``: see :mod:`reconciler.emulator.faults`.
    - ``strict_validation``: refuse screens and insertion points the catalogue does not know
      (a [gap]: Auth0's behaviour is unknown; turn off to accept them).
    - ``clock`` (UNIX seconds) and ``sleep``: injectable, e.g. a
      :class:`~reconciler.emulator.ManualClock` for both.
    """

    rate_limits: RateLimitMode = "auth0"
    state_file: Path | None = None
    seed: bool = False
    latency_seconds: float = 0.0
    early_access: frozenset[str] = frozenset()
    token_ttl: int = 86_400
    clients: Mapping[str, ClientSpec] | None = field(default=None, hash=False)
    faults: tuple[Fault, ...] = ()
    fault_seed: int | None = None
    strict_validation: bool = True
    rate_limit_burst: int = 5
    rate_limit_per_minute: float = 5.0
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
        if self.request_log_limit < 1:
            raise ValueError("request_log_limit must be at least 1")
        if not isinstance(self.early_access, frozenset):
            object.__setattr__(self, "early_access", frozenset(self.early_access))
        if not isinstance(self.faults, tuple):
            object.__setattr__(self, "faults", tuple(self.faults))
        if self.state_file is not None and not isinstance(self.state_file, Path):
            object.__setattr__(self, "state_file", Path(self.state_file))
