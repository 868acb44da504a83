"""Run the flow over many tenants: concurrently across tenants, one client per tenant.

Each tenant has its own client, token and rate-limit budget, so tenants never slow each
other down. One tenant's failure is recorded in its place and never hides the others.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import TypeVar

from reconciler.apply import ApplyReport, BackupStore, PromptOutcome, apply_tenant, check_safety
from reconciler.client import ManagementClient
from reconciler.errors import Auth0PartialsError, StalePlanError
from reconciler.model import Credentials, PromptDocument, TenantConfig
from reconciler.plan import Plan, TenantPlan, failed_tenant, plan_tenant, prompts_targeted
from reconciler.ratelimit import BudgetLedger, PartialsBudget
from reconciler.state import read_prompts

#: Credentials the embedded and served emulators accept; they are not secrets.
EMULATOR_ENV = {
    "AUTH0_PARTIALS_EMULATOR_CLIENT_ID": "emulator-client",
    "AUTH0_PARTIALS_EMULATOR_CLIENT_SECRET": "emulator-secret",
}
EMULATOR_CREDENTIALS = Credentials(
    kind="client_credentials",
    client_id_env="AUTH0_PARTIALS_EMULATOR_CLIENT_ID",
    client_secret_env="AUTH0_PARTIALS_EMULATOR_CLIENT_SECRET",
)

Progress = Callable[[int, int, str], None]
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ClientSettings:
    """How the run reaches its tenants."""

    emulator_url: str | None = None
    """Send every tenant to this emulator, at ``{emulator_url}/tenants/{tenant}``."""
    timeout: float = 30.0
    deadline_seconds: float | None = None
    rate_limits: bool = True
    environ: Mapping[str, str] | None = None
    budget_ledger: Path | None = None
    """Carry each tenant's rate-limit budget over to the next run (see ``BudgetLedger``)."""


class Connector:
    """Opens one client per tenant and keeps it (token and budget) for the whole run."""

    def __init__(self, settings: ClientSettings = ClientSettings()) -> None:
        self.settings = settings
        self._clients: dict[str, ManagementClient] = {}
        self._budgets: dict[str, PartialsBudget] = {}
        self._ledger = BudgetLedger(settings.budget_ledger) if settings.budget_ledger else None
        self._lock = Lock()
        self._deadline = (
            time.monotonic() + settings.deadline_seconds if settings.deadline_seconds else None
        )

    def client(self, tenant: str, domain: str, credentials: Credentials) -> ManagementClient:
        with self._lock:
            if tenant not in self._clients:
                self._clients[tenant] = self._open(tenant, domain, credentials)
            return self._clients[tenant]

    def _open(self, tenant: str, domain: str, credentials: Credentials) -> ManagementClient:
        environ: Mapping[str, str] = (
            self.settings.environ if self.settings.environ is not None else os.environ
        )
        if self.settings.emulator_url:
            domain = f"{self.settings.emulator_url.rstrip('/')}/tenants/{tenant}"
            credentials = EMULATOR_CREDENTIALS
            environ = {**environ, **EMULATOR_ENV}
        budget = PartialsBudget() if self.settings.rate_limits else PartialsBudget.unlimited()
        if self._ledger:
            self._ledger.restore(domain, budget, time.time())
        self._budgets[domain] = budget
        return ManagementClient(
            tenant,
            domain,
            credentials,
            environ=environ,
            budget=budget,
            timeout=self.settings.timeout,
            deadline=self._deadline,
        )

    def calls(self) -> dict[str, int]:
        """API calls made so far, by kind, over all tenants."""
        totals = {"token": 0, "get": 0, "put": 0, "retries": 0, "rate_limited": 0}
        for client in self._clients.values():
            stats = client.stats
            totals["token"] += stats.token_requests
            totals["get"] += stats.partials_gets
            totals["put"] += stats.partials_puts
            totals["retries"] += stats.retries
            totals["rate_limited"] += stats.rate_limited
        return totals

    def close(self) -> None:
        if self._ledger and self._budgets:
            self._ledger.save(self._budgets, time.time())
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self._budgets.clear()

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _each(
    items: Sequence[T],
    work: Callable[[T], R],
    *,
    concurrency: int,
    progress: Progress | None,
    name: Callable[[T], str],
) -> list[R]:
    """``work`` over ``items`` on a thread pool, results in input order."""
    done = 0
    lock = Lock()

    def run(item: T) -> R:
        nonlocal done
        result = work(item)
        with lock:
            done += 1
            if progress:
                progress(done, len(items), name(item))
        return result

    if concurrency <= 1 or len(items) <= 1:
        return [run(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
        return list(pool.map(run, items))


def make_plan(
    configs: Iterable[TenantConfig],
    connector: Connector,
    *,
    targets: tuple[str, ...] = (),
    concurrency: int = 64,
    progress: Progress | None = None,
) -> Plan:
    """Read every targeted tenant (one GET per managed prompt) and plan it."""
    selected = [c for c in configs if prompts_targeted(c, targets)]

    def plan_one(config: TenantConfig) -> TenantPlan:
        try:
            api = connector.client(config.name, config.domain, config.credentials)
            live = read_prompts(api, prompts_targeted(config, targets))
            return plan_tenant(config, live, targets=targets)
        except Auth0PartialsError as exc:
            return failed_tenant(config, str(exc))

    tenants = _each(
        selected, plan_one, concurrency=concurrency, progress=progress, name=lambda c: c.name
    )
    return Plan(tenants=tuple(sorted(tenants, key=lambda t: t.tenant)), targets=targets)


def apply_plan(
    plan: Plan,
    connector: Connector,
    *,
    verify_fresh: bool,
    saved: bool = False,
    allow_destroy: bool = False,
    backups: BackupStore | None = None,
    concurrency: int = 64,
    progress: Progress | None = None,
) -> ApplyReport:
    """Write every tenant's changing prompts.

    With ``verify_fresh`` (a saved plan, or a plan that waited for a person to confirm it),
    every prompt to be written is read again first; if any differs from what the plan saw, or
    cannot be read, nothing at all is written. Without it the plan's own reads, made moments
    before, stand: the Management API has no conditional write, so no re-read closes the race
    with another writer completely, and each re-read costs one of five reads a minute.
    """
    check_safety(plan, allow_destroy=allow_destroy)
    writing = [t for t in plan.tenants if t.prompts_to_write]
    live: dict[str, dict[str, PromptDocument]] = {}
    if verify_fresh:
        what = "saved plan" if saved else "plan"
        live = _check_fresh(writing, connector, concurrency=concurrency, what=what)

    def apply_one(tenant: TenantPlan) -> tuple[list[PromptOutcome], str | None]:
        try:
            api = connector.client(tenant.tenant, tenant.domain, tenant.credentials)
        except Auth0PartialsError as exc:
            return [
                PromptOutcome(tenant.tenant, p.prompt, "not attempted")
                for p in tenant.prompts_to_write
            ], str(exc)
        return apply_tenant(tenant, api, live=live.get(tenant.tenant), backups=backups), None

    results = _each(
        writing, apply_one, concurrency=concurrency, progress=progress, name=lambda t: t.tenant
    )
    outcomes = tuple(o for result, _ in results for o in result)
    errors = tuple(
        (t.tenant, error) for t, (_, error) in zip(writing, results, strict=True) if error
    )
    return ApplyReport(outcomes=outcomes, tenant_errors=errors)


def _check_fresh(
    tenants: Sequence[TenantPlan], connector: Connector, *, concurrency: int, what: str
) -> dict[str, dict[str, PromptDocument]]:
    """Re-read each prompt the plan writes; refuse the whole apply if any moved."""

    def read(tenant: TenantPlan) -> tuple[dict[str, PromptDocument], list[str]]:
        api = connector.client(tenant.tenant, tenant.domain, tenant.credentials)
        docs = read_prompts(api, [p.prompt for p in tenant.prompts_to_write])
        stale = [
            f"{tenant.tenant}/{p.prompt}"
            for p in tenant.prompts_to_write
            if docs[p.prompt].fingerprint() != p.live_fingerprint
        ]
        return docs, stale

    results = _each(tenants, read, concurrency=concurrency, progress=None, name=lambda t: t.tenant)
    stale = [address for _, addresses in results for address in addresses]
    if stale:
        raise StalePlanError(
            f"{what} is stale: "
            + ", ".join(f"{a} changed since the plan was made" for a in stale)
            + "; nothing was written",
            hint="run `auth0-partials plan --out FILE` again, review it, and apply the new plan",
        )
    return {t.tenant: docs for t, (docs, _) in zip(tenants, results, strict=True)}
