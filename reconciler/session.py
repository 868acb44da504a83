"""One run's connections: a Management API client per tenant, kept for the whole run.

Each tenant gets its own client, token and rate-limit budget, so tenants never slow each other
down; clients open in parallel (a tenant waits only for its own), and tenants served by one host
(an emulator) share its connections (``ConnectionPools``). A ``Redirect`` sends every tenant
somewhere else than its ``domain`` (a local emulator), optionally with fallback credentials for
tenants whose variables are unset. Waits are interruptible through the run's ``Cancellation``,
and announced to its listener.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from reconciler.cancel import Cancellation
from reconciler.domains import endpoint_base
from reconciler.events import Listener, Notice, Waiting, ignore
from reconciler.locks import tenant_lock
from reconciler.management.client import ManagementClient
from reconciler.management.ratelimit import BudgetLedger, PartialsBudget
from reconciler.management.transport import ClientStats, ConnectionPools, Wait
from reconciler.model import Credentials, TenantConfig


@dataclass(frozen=True)
class Redirect:
    """Send every tenant to ``base_for(tenant)`` instead of its domain.

    ``fallback`` (credentials and the environment they name) is used for a tenant whose own
    credential variables are unset; ``fallback_note`` says so once per tenant.
    """

    base_for: Callable[[str], str]
    fallback: tuple[Credentials, Mapping[str, str]] | None = None
    fallback_note: str = "its credential variables are unset: using the fallback client"


@dataclass(frozen=True)
class SessionSettings:
    """How a run reaches its tenants."""

    redirect: Redirect | None = None
    timeout: float = 30.0
    deadline_seconds: float | None = None
    budget: bool = True
    """Keep Auth0's partials buckets client-side (off: for a server without those limits)."""
    ledger: Path | None = None
    """Carry each tenant's budget over to the next run (see ``BudgetLedger``)."""
    environ: Mapping[str, str] | None = None
    cancellation: Cancellation = field(default_factory=Cancellation)
    listener: Listener = ignore
    locking: bool = False
    """Hold each tenant's machine-wide write lock (``reconciler.locks``) from its first request
    to the end of the session: for runs that write."""
    lock_folder: Path | None = None


def _variables(credentials: Credentials) -> list[str]:
    names = [credentials.client_id_env, credentials.client_secret_env, credentials.token_env]
    return [name for name in names if name]


class Session:
    """Opens one client per tenant and keeps it (token and budget) for the whole run."""

    def __init__(self, settings: SessionSettings | None = None) -> None:
        self.settings = settings or SessionSettings()
        self._clients: dict[str, ManagementClient] = {}
        self._opening: dict[str, Lock] = {}
        self._budgets: dict[str, PartialsBudget] = {}
        self._pools = ConnectionPools()
        self._ledger = BudgetLedger(self.settings.ledger) if self.settings.ledger else None
        self._lock = Lock()
        self._held = ExitStack()
        seconds = self.settings.deadline_seconds
        self.deadline = time.monotonic() + seconds if seconds else None

    @property
    def cancellation(self) -> Cancellation:
        return self.settings.cancellation

    @property
    def listener(self) -> Listener:
        return self.settings.listener

    def endpoint(self, config: TenantConfig) -> str:
        """The base URL the run sends ``config``'s requests to."""
        redirect = self.settings.redirect
        return redirect.base_for(config.name) if redirect else endpoint_base(config.domain)

    def client(self, config: TenantConfig) -> ManagementClient:
        """The tenant's client, opened on first use (after taking its write lock when the
        session locks). Thread-safe; tenants open in parallel, each under its own lock."""
        with self._lock:
            client = self._clients.get(config.name)
            if client is not None:
                return client
            opening = self._opening.setdefault(config.name, Lock())
        with opening:
            with self._lock:
                client = self._clients.get(config.name)
            if client is not None:
                return client
            if self.settings.locking:
                self._take_lock(config)
            client = self._open(config)
            with self._lock:
                self._clients[config.name] = client
            return client

    def _take_lock(self, config: TenantConfig) -> None:
        listener = self.listener
        held = tenant_lock(
            config.name,
            self.endpoint(config),
            folder=self.settings.lock_folder,
            sleep=self.cancellation.sleep,
            deadline=self.deadline,
            on_wait=lambda text: listener(Notice(config.name, text)),
        )
        held.__enter__()
        with self._lock:
            self._held.callback(held.__exit__, None, None, None)

    def _open(self, config: TenantConfig) -> ManagementClient:
        environ: Mapping[str, str] = (
            self.settings.environ if self.settings.environ is not None else os.environ
        )
        credentials = config.credentials
        redirect = self.settings.redirect
        if (
            redirect
            and redirect.fallback
            and not all(environ.get(v) for v in _variables(credentials))
        ):
            credentials, environ = redirect.fallback
            if redirect.fallback_note:
                self.listener(Notice(config.name, redirect.fallback_note))
        endpoint = self.endpoint(config)
        cancellation = self.settings.cancellation
        budget = (
            PartialsBudget(sleep=cancellation.sleep)
            if self.settings.budget
            else PartialsBudget.unlimited()
        )
        if self._ledger:
            self._ledger.restore(endpoint, budget, time.time())
        with self._lock:
            self._budgets[endpoint] = budget
        listener = self.listener

        def on_wait(wait: Wait) -> None:
            listener(Waiting(wait.tenant, wait.seconds, wait.why))

        return ManagementClient(
            config.name,
            endpoint,
            credentials,
            environ=environ,
            budget=budget,
            timeout=self.settings.timeout,
            deadline=self.deadline,
            sleep=cancellation.sleep,
            on_wait=on_wait,
            pools=self._pools,
        )

    def stats(self) -> ClientStats:
        """Requests made so far, over all tenants."""
        total = ClientStats()
        for client in list(self._clients.values()):
            stats = client.stats
            total.token_requests += stats.token_requests
            total.document_reads += stats.document_reads
            total.document_writes += stats.document_writes
            total.other_reads += stats.other_reads
            total.retries += stats.retries
            total.rate_limited += stats.rate_limited
        return total

    def close(self) -> None:
        if self._ledger and self._budgets:
            self._ledger.save(self._budgets, time.time())
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self._opening.clear()
        self._budgets.clear()
        self._pools.close()
        self._held.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
