"""Will the buttons work? Checks of a tenant against what connection switching needs.

Each check has a stable id, looks at the tenant file and the tenant's facts
(``checks.facts``), and gives ``CheckResult`` values: ``pass``, ``fail`` (with the evidence and
the fix) or ``unknown`` (a fact could not be read for lack of a scope: the ``scopes`` check
names it). The rules live in ``checks.rules``, one function per check; adding a check is one
function there and one line in ``CHECKS``.

``doctor`` runs them all. ``plan`` and ``drift`` run the cheap ones (``CHEAP``: two reads per
tenant on the global bucket, and one offline) and show their failures as warnings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from reconciler.checks.facts import TenantFacts
from reconciler.checks.rules import (
    connection_enabled,
    connection_exists,
    connection_kind,
    custom_domain,
    first_reads,
    identifier_first,
    languages,
    nested_form,
    page_template,
    prompt_available,
    rendering_mode,
    scopes,
    universal_login,
)
from reconciler.checks.values import CheckId, CheckResult, Status
from reconciler.model import TenantConfig

__all__ = [
    "CHEAP",
    "CHECKS",
    "CheckId",
    "CheckResult",
    "DoctorReport",
    "Status",
    "TenantDiagnosis",
    "TenantFacts",
    "run_checks",
]

Rule = Callable[[TenantConfig, TenantFacts], list[CheckResult]]

#: Every check, in the order reports list them (``scopes`` last: it sums up what others lacked).
CHECKS: Mapping[CheckId, Rule] = {
    "custom-domain": custom_domain,
    "page-template": page_template,
    "universal-login": universal_login,
    "identifier-first": identifier_first,
    "prompt-available": prompt_available,
    "rendering-mode": rendering_mode,
    "connection-exists": connection_exists,
    "connection-kind": connection_kind,
    "connection-enabled": connection_enabled,
    "nested-form": nested_form,
    "languages": languages,
    "scopes": scopes,
}

#: The checks plan and drift run: one rendering list and one connection read per target.
CHEAP: tuple[CheckId, ...] = ("rendering-mode", "connection-exists", "nested-form", "scopes")


def run_checks(
    config: TenantConfig, facts: TenantFacts, checks: Iterable[CheckId] = tuple(CHECKS)
) -> tuple[CheckResult, ...]:
    """The results of ``checks`` for one tenant. Raises what a read raises, but a missing
    scope (``unknown`` results and a ``scopes`` failure)."""
    chosen = set(checks)
    facts.prefetch(first_reads(config, facts, chosen))
    return tuple(
        r for check, rule in CHECKS.items() if check in chosen for r in rule(config, facts)
    )


@dataclass(frozen=True)
class TenantDiagnosis:
    tenant: str
    domain: str
    source: str
    results: tuple[CheckResult, ...] = ()
    error: str | None = None

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.status == "fail")

    @property
    def status(self) -> Literal["ok", "problems", "error"]:
        if self.error is not None:
            return "error"
        return "problems" if self.failed else "ok"


@dataclass(frozen=True)
class DoctorReport:
    tenants: tuple[TenantDiagnosis, ...]

    def exit_code(self) -> int:
        """0 every check passed, 2 problems found, 1 a tenant could not be checked."""
        if any(t.status == "error" for t in self.tenants):
            return 1
        if any(t.status == "problems" for t in self.tenants):
            return 2
        return 0
