"""Safety limits: how much one apply may delete without ``--allow-destroy``.

The limits come from each tenant file (``safety.max_deletes``, default 3;
``safety.allow_empty_prompt``, default false), never from a saved plan. They count partials: the
only custom text a file deletes is the button labels it stopped translating.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.errors import UnsafePlanError
from reconciler.plans import DocumentPlan, Plan, TenantPlan


def tenant_violations(
    tenant: TenantPlan, documents: Iterable[DocumentPlan] | None = None
) -> list[str]:
    """Why writing ``documents`` (default: the tenant's documents to write) needs
    --allow-destroy; empty when they are within the tenant's limits."""
    writing = [
        d
        for d in (tenant.to_write if documents is None else documents)
        if d.key.kind == "partials"  # custom text only loses the variables this tool named
    ]
    problems: list[str] = []
    deletes = sum(c.action == "delete" for d in writing for c in d.changes)
    if deletes > tenant.safety.max_deletes:
        problems.append(
            f"{tenant.tenant}: deletes {deletes} managed partials, more than its limit of "
            f"{tenant.safety.max_deletes} (safety.max_deletes)"
        )
    if not tenant.safety.allow_empty_prompt:
        problems.extend(
            f"{tenant.tenant}: empties the whole document {d.key}"
            for d in writing
            if d.will_write and d.document.is_empty()
        )
    return problems


def violations(plan: Plan) -> list[str]:
    return [problem for tenant in plan.tenants for problem in tenant_violations(tenant)]


def check(plan: Plan, *, allow_destroy: bool) -> None:
    """Raise ``UnsafePlanError`` when the plan crosses a tenant's limits."""
    problems = violations(plan)
    if problems and not allow_destroy:
        raise UnsafePlanError(
            "refusing to apply a destructive plan:\n" + "\n".join(f"  - {p}" for p in problems),
            hint="review the deletions; rerun with --allow-destroy if they are intended",
        )
