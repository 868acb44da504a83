"""An Auth0 emulator for the Universal Login slice of the Management API, to run in CI instead of
a tenant.

It behaves like the real API as Auth0's OpenAPI document, its documentation and recorded real
traffic show it (each fact's evidence is in the module that reproduces it and in
``docs/emulator.md``): client-credentials tokens with client grants and the canonical audience;
prompt partials (whole-document replace), prompt settings, custom text, rendering settings, the
page template, tenant settings, custom domains, connections and their enabled clients, clients
and client grants; Auth0's error bodies, scopes and validation messages; per-tenant rate limits
(the partials buckets and a global bucket, ``x-ratelimit-*`` headers); many tenants
(``/tenants/{name}``, the ``default`` one also at the root); a JSON state file; a seeded tenant
ready for connection switching; injected faults; admin endpoints under ``/__emulator/``. Where
the evidence has a gap, the behaviour is a documented choice, configurable where it matters.

Python::

    from reconciler.emulator import EmulatorOptions, EmulatorServer

    with EmulatorServer(EmulatorOptions(rate_limits="off")) as emulator:
        base = emulator.tenant_base("acme-dev")   # http://127.0.0.1:PORT/tenants/acme-dev
        ...
        assert emulator.get_document("acme-dev", "login") == {...}

Command line: ``auth0-partials emulator serve`` (``--help`` lists every option).

Modules: :mod:`.app` (the request pipeline), :mod:`.routing` (routes), ``api_*`` (one per
route family), :mod:`.token_endpoint`, :mod:`.admin`, :mod:`.server` (sockets), :mod:`.tenant`
and :mod:`.store` (state), :mod:`.seed`, :mod:`.evidence`, :mod:`.enums` and
:mod:`.oas_schemas` (what the emulator knows of Auth0, with provenance), :mod:`.validation` and
:mod:`.documents` (400s), :mod:`.limits`, :mod:`.tokens`, :mod:`.faults`, :mod:`.requestlog`,
:mod:`.clock`.
"""

from reconciler.emulator.app import IncomingRequest
from reconciler.emulator.clock import ManualClock
from reconciler.emulator.documents import EARLY_ACCESS_PROMPTS
from reconciler.emulator.evidence import SLICE_SCOPES
from reconciler.emulator.faults import Fault, FaultKind, parse_fault
from reconciler.emulator.options import EmulatorOptions
from reconciler.emulator.requestlog import LoggedRequest
from reconciler.emulator.seed import SEED_PROMPTS
from reconciler.emulator.server import EmulatorServer, serve
from reconciler.emulator.store import EmulatorStateError
from reconciler.emulator.tenant import DEFAULT_TENANT
from reconciler.emulator.tokens import DEFAULT_SCOPES, ClientSpec, parse_client

__all__ = [
    "DEFAULT_SCOPES",
    "DEFAULT_TENANT",
    "EARLY_ACCESS_PROMPTS",
    "SEED_PROMPTS",
    "SLICE_SCOPES",
    "ClientSpec",
    "EmulatorOptions",
    "EmulatorServer",
    "EmulatorStateError",
    "Fault",
    "FaultKind",
    "IncomingRequest",
    "LoggedRequest",
    "ManualClock",
    "parse_client",
    "parse_fault",
    "serve",
]
