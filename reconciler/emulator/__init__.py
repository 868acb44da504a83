"""An Auth0 Management API emulator for prompt partials, to run in CI instead of a tenant.

It behaves like the real API as ``shared/reference/auth0-api.md`` and the recordings describe
it: client-credentials tokens, ``GET``/``PUT /api/v2/prompts/{prompt}/partials`` with whole-
document replacement, Auth0's error bodies, per-tenant rate limits (burst 5, 5 per minute,
``x-ratelimit-*`` headers), many tenants (``/tenants/{name}``, the ``default`` one also at the
root), a JSON state file, a seeded hand-configured tenant, and injected faults.

Python::

    from reconciler.emulator import EmulatorOptions, EmulatorServer

    with EmulatorServer(EmulatorOptions(rate_limits="off")) as emulator:
        base = emulator.tenant_base("acme-dev")   # http://127.0.0.1:PORT/tenants/acme-dev
        ...
        assert emulator.get_document("acme-dev", "login") == {...}

Command line: ``auth0-partials emulator serve --port 8787 [--state FILE] [--rate-limits
auth0|off] [--tls-cert F --tls-key F] [--seed] [--latency MS] [--fault SPEC ...]``.

Modules: :mod:`.app` (routes and behaviour; admin endpoints), :mod:`.server` (sockets),
:mod:`.documents` (validation and the chosen 400s), :mod:`.limits` (rate limits),
:mod:`.tokens` (tokens, 401s), :mod:`.faults` (fault kinds and the ``--fault`` syntax),
:mod:`.store` (tenants, state file), :mod:`.seed` (the seeded tenant), :mod:`.clock`.
"""

from reconciler.emulator.app import DEFAULT_TENANT, LoggedRequest
from reconciler.emulator.clock import ManualClock
from reconciler.emulator.documents import EARLY_ACCESS_PROMPTS
from reconciler.emulator.faults import Fault, FaultKind, parse_fault
from reconciler.emulator.options import EmulatorOptions
from reconciler.emulator.seed import SEED_PROMPTS
from reconciler.emulator.server import EmulatorServer, serve
from reconciler.emulator.store import EmulatorStateError
from reconciler.emulator.tokens import DEFAULT_SCOPES, ClientSpec, parse_client

__all__ = [
    "DEFAULT_SCOPES",
    "DEFAULT_TENANT",
    "EARLY_ACCESS_PROMPTS",
    "SEED_PROMPTS",
    "ClientSpec",
    "EmulatorOptions",
    "EmulatorServer",
    "EmulatorStateError",
    "Fault",
    "FaultKind",
    "LoggedRequest",
    "ManualClock",
    "parse_client",
    "parse_fault",
    "serve",
]
