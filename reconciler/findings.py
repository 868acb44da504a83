"""Drift: a read-only plan, read as findings (the reports render them: ``reconciler.reports``).

Every change a plan would make is drift from the tenant files: an update means managed content
was ``changed`` out of band, a create means it is ``missing``, a delete means content is
``unexpected`` where a file declares an insertion point empty or owns it exclusively. Content
the files do not own is reported as ``unmanaged``, for information: it is not drift unless the
caller asks (``exit_code(fail_on_unmanaged=True)``).

A tenant that could not be planned is never in sync: its status is ``error``, and any error
makes the exit code 1 ("could not tell"), even when other tenants drifted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from reconciler.buttons import ButtonChange, describe
from reconciler.diff import Action, Change, Unmanaged
from reconciler.documents import DocumentKey
from reconciler.plans import Plan, TenantPlan
from reconciler.version import __version__

__all__ = [
    "EXIT_DRIFT",
    "EXIT_ERROR",
    "EXIT_IN_SYNC",
    "DriftReport",
    "Finding",
    "Kind",
    "Status",
    "TenantStatus",
    "drift_report",
]

EXIT_IN_SYNC = 0
EXIT_ERROR = 1
EXIT_DRIFT = 2

Kind = Literal["changed", "missing", "unexpected", "unmanaged"]
Status = Literal["in_sync", "drifted", "error"]

KINDS: tuple[Kind, ...] = ("changed", "missing", "unexpected", "unmanaged")
KIND_OF_ACTION: Mapping[Action, Kind] = {
    "update": "changed",
    "create": "missing",
    "delete": "unexpected",
}


@dataclass(frozen=True)
class Finding:
    """One insertion point whose live content differs from, or is not covered by, the files."""

    tenant: str
    document: DocumentKey
    screen: str
    slot: str
    kind: Kind
    detail: str
    """One human line; for changed switch buttons, the button-level changes."""
    buttons: tuple[ButtonChange, ...] = ()
    """For changed switch buttons: what happened to each."""
    live: str | None = None
    """The text on the tenant, where there is some and the file owns it."""
    desired: str | None = None
    """The text the tenant file declares, where it declares some."""

    @property
    def address(self) -> str:
        return f"{self.document}/{self.screen}/{self.slot}"

    @property
    def is_drift(self) -> bool:
        return self.kind != "unmanaged"


@dataclass(frozen=True)
class TenantStatus:
    """Whether one tenant matches its file; ``error`` says why it could not be checked."""

    tenant: str
    domain: str
    source: str
    status: Status
    error: str | None = None
    warnings: tuple[str, ...] = ()
    """Checks that failed (as in the plan): they do not make the tenant drifted."""


@dataclass(frozen=True)
class DriftReport:
    """Findings in a stable order: tenant, then prompt, as in the plan; within a prompt its
    changes in plan order, then its unmanaged partials."""

    tenants: tuple[TenantStatus, ...]
    findings: tuple[Finding, ...]
    tool_version: str = __version__
    targets: tuple[str, ...] = ()

    @property
    def status(self) -> dict[str, TenantStatus]:
        """Per tenant name."""
        return {t.tenant: t for t in self.tenants}

    @property
    def drift(self) -> tuple[Finding, ...]:
        """The findings that are drift (all but ``unmanaged``)."""
        return tuple(f for f in self.findings if f.is_drift)

    @property
    def has_errors(self) -> bool:
        return any(t.status == "error" for t in self.tenants)

    def findings_for(self, tenant: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.tenant == tenant)

    def count(self, kind: Kind) -> int:
        return sum(f.kind == kind for f in self.findings)

    def exit_code(self, fail_on_unmanaged: bool = False) -> int:
        """0 in sync, 2 drift found, 1 could not tell (errors win over drift)."""
        if self.has_errors:
            return EXIT_ERROR
        if self.drift or (fail_on_unmanaged and self.count("unmanaged")):
            return EXIT_DRIFT
        return EXIT_IN_SYNC


# -- building ------------------------------------------------------------------------------


def _chars(count: int) -> str:
    return f"{count} char{'' if count == 1 else 's'}"


def _detail(change: Change) -> str:
    if change.action == "create":
        return f"declared in the tenant file, not on the tenant ({_chars(len(change.after or ''))})"
    if change.action == "delete":
        live = _chars(len(change.before or ""))
        return f"on the tenant ({live}) where the tenant file declares none"
    if change.buttons:
        return "; ".join(describe(b) for b in change.buttons)
    sizes = f"live {_chars(len(change.before or ''))}, file {_chars(len(change.after or ''))}"
    return f"differs from the tenant file ({sizes})"


def _change_finding(tenant: str, change: Change) -> Finding:
    return Finding(
        tenant=tenant,
        document=change.document,
        screen=change.screen,
        slot=change.slot,
        kind=KIND_OF_ACTION[change.action],
        detail=_detail(change),
        buttons=change.buttons,
        live=change.before,
        desired=change.after,
    )


def _unmanaged_finding(tenant: str, partial: Unmanaged) -> Finding:
    return Finding(
        tenant=tenant,
        document=partial.document,
        screen=partial.screen,
        slot=partial.slot,
        kind="unmanaged",
        detail=f"not in the tenant file, preserved by apply ({_chars(partial.length)})",
    )


def _tenant_findings(tenant: TenantPlan) -> Iterator[Finding]:
    for document in tenant.documents:
        for change in document.changes:
            yield _change_finding(tenant.tenant, change)
        for partial in document.unmanaged:
            yield _unmanaged_finding(tenant.tenant, partial)


def _tenant_status(tenant: TenantPlan) -> TenantStatus:
    if tenant.error is not None:
        status: Status = "error"
    else:
        status = "drifted" if tenant.changes else "in_sync"
    return TenantStatus(
        tenant.tenant, tenant.domain, tenant.source, status, tenant.error, tenant.warnings
    )


def drift_report(plan: Plan) -> DriftReport:
    """The drift a plan shows: what apply would change is what drifted."""
    return DriftReport(
        tenants=tuple(_tenant_status(t) for t in plan.tenants),
        findings=tuple(f for t in plan.tenants for f in _tenant_findings(t)),
        tool_version=plan.tool_version,
        targets=plan.targets,
    )
