"""Write a tenant's planned documents: each PUT built on a fresh read, backed up, verified.

For every document the plan writes, in the order its reads are freshest:

1. **Read right before write.** The plan's own read is used when it is at most
   ``max_read_age`` seconds old; otherwise (a budget wait, a person confirming) the document is
   read again. If that read differs from the one the plan was made from, the document is either
   reported ``stale`` and not written (``on_stale="refuse"``: a saved plan, or a plan a person
   approved) or merged again from the tenant file and written (``"remerge"``: ``--auto-approve``
   from files, where the file is the intent), unless the new merge crosses the safety limits.
2. **Back up** that read (``BackupStore``).
3. **PUT** the whole merged document and check the echo. A PUT whose answer was lost is read
   back to tell whether it landed; a write whose outcome stays unknown stops the tenant.

The remaining window for a lost update is one round trip: between the fresh read and the PUT
another writer can still write (Auth0 has no conditional write). Runs on one machine serialise
on ``reconciler.locks``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from reconciler.backups import BackupStore
from reconciler.desired import desired_documents
from reconciler.diff import diff_document
from reconciler.documents import Document, DocumentKey
from reconciler.errors import Auth0PartialsError, VerificationError, WriteOutcomeUnknown
from reconciler.live import DocumentApi, LiveRead, read_one
from reconciler.plans import DocumentPlan, TenantPlan
from reconciler.safety import tenant_violations

Status = Literal[
    "written", "failed", "stale", "unsafe", "outcome unknown", "not attempted", "unchanged"
]
OnStale = Literal["refuse", "remerge"]


@dataclass(frozen=True)
class DocumentOutcome:
    """What happened to one document of the plan."""

    tenant: str
    key: DocumentKey
    status: Status
    error: str | None = None
    backup: Path | None = None
    note: str | None = None
    plan: DocumentPlan | None = field(default=None, compare=False, repr=False)
    """The plan actually written (a re-merge differs from the reviewed one)."""


@dataclass(frozen=True)
class ApplyReport:
    outcomes: tuple[DocumentOutcome, ...]
    tenant_errors: tuple[tuple[str, str], ...] = ()
    """Tenants that failed before any write (token, lock, stale saved plan): (tenant, error)."""
    interrupted: bool = False

    @property
    def written(self) -> tuple[DocumentOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "written")

    @property
    def failed(self) -> bool:
        return (
            self.interrupted
            or bool(self.tenant_errors)
            or any(o.status not in ("written", "unchanged") for o in self.outcomes)
        )


@dataclass(frozen=True)
class WritePolicy:
    on_stale: OnStale = "refuse"
    max_read_age: float = 5.0
    allow_destroy: bool = False


def _verify_echo(sent: Document, echoed: Document) -> None:
    if not echoed.same_content(sent):
        raise VerificationError(
            f"Auth0 stored a different document for {sent.key} than the one sent",
            hint="run `auth0-partials plan` to see what is live now",
        )


def _fresh(
    api: DocumentApi, planned: DocumentPlan, policy: WritePolicy, clock: Callable[[], float]
) -> LiveRead:
    if (
        planned.live is not None
        and planned.read_at is not None
        and clock() - planned.read_at <= policy.max_read_age
    ):
        return LiveRead(planned.live, planned.read_at)
    return read_one(api, planned.key, clock)


def _remerge(tenant: TenantPlan, read: LiveRead) -> DocumentPlan:
    desired = next(
        d for d in desired_documents(tenant.config, tenant.locales) if d.key == read.document.key
    )
    return DocumentPlan.of(diff_document(desired, read.document), read.document, read.read_at)


def _landed(api: DocumentApi, sent: Document, before: Document) -> tuple[Status, str]:
    """After a lost answer: read the document back and say whether the write landed."""
    try:
        now = api.get_document(sent.key)
    except Auth0PartialsError as exc:
        return "outcome unknown", f"reading it back failed too: {exc.message}"
    if now.same_content(sent):
        return "written", "the answer was lost, but a read-back shows the write landed"
    if now.same_content(before):
        return "outcome unknown", (
            "a read-back shows the previous document: the write had not landed then, and may "
            "still land later"
        )
    return "outcome unknown", "a read-back shows a third document: someone else wrote it"


def additions_only(planned: DocumentPlan) -> DocumentPlan:
    """The plan without its deletions: what a custom text document may hold before the
    partials stop using the variables it deletes."""
    deletes = [c for c in planned.changes if c.action == "delete"]
    if not deletes:
        return planned
    screens = {s: dict(slots) for s, slots in planned.document.screens.items()}
    for change in deletes:
        screens.setdefault(change.screen, {})[change.slot] = change.before or ""
    kept = tuple(c for c in planned.changes if c.action != "delete")
    return replace(planned, document=Document(planned.key, screens), changes=kept)


def _deletions_after(planned: DocumentPlan, base: Document | None, at: float) -> DocumentPlan:
    """The deletions of ``planned``, to write once the partials no longer use them; ``base`` is
    the document written before (the additions), which is what is live then."""
    deletes = tuple(c for c in planned.changes if c.action == "delete")
    if base is None:
        return replace(planned, changes=deletes)
    return replace(
        planned, live_fingerprint=base.fingerprint(), changes=deletes, live=base, read_at=at
    )


def apply_tenant(
    tenant: TenantPlan,
    api: DocumentApi,
    *,
    policy: WritePolicy,
    backups: BackupStore | None = None,
    clock: Callable[[], float] = time.monotonic,
    check: Callable[[], None] = lambda: None,
    on_outcome: Callable[[DocumentOutcome], None] = lambda outcome: None,
) -> list[DocumentOutcome]:
    """Write each document ``tenant`` plans to write; stop the tenant at its first failure.

    Custom text is written around the partials that use it, so no page ever refers to a missing
    variable: new and changed texts first, then the partials, then the texts they stopped using.
    ``check`` raises to stop before the next request (an interrupted run); ``on_outcome`` hears
    each outcome as it happens.
    """
    texts = [d for d in tenant.to_write if d.key.kind == "custom-text"]
    partials = sorted(
        (d for d in tenant.to_write if d.key.kind == "partials"), key=lambda d: -(d.read_at or 0.0)
    )
    first = [d for d in (additions_only(d) for d in texts) if d.will_write]
    later = [d for d in texts if any(c.action == "delete" for c in d.changes)]
    written: list[DocumentPlan] = []
    outcomes: list[DocumentOutcome] = []

    def write_in_order(steps: Sequence[DocumentPlan], after: Sequence[DocumentPlan]) -> bool:
        """Write ``steps``; at the first failure report the rest, and ``after``, as not
        attempted, and answer False."""
        for index, planned in enumerate(steps):
            try:
                check()
                outcome = _write_one(tenant, api, planned, written, policy, backups, clock)
            except Auth0PartialsError as exc:
                unknown = isinstance(exc, WriteOutcomeUnknown)
                status: Status = "outcome unknown" if unknown else "failed"
                outcome = DocumentOutcome(tenant.tenant, planned.key, status, str(exc))
            outcomes.append(outcome)
            on_outcome(outcome)
            if outcome.status in ("failed", "outcome unknown"):
                for rest in [*steps[index + 1 :], *after]:
                    skipped = DocumentOutcome(tenant.tenant, rest.key, "not attempted")
                    outcomes.append(skipped)
                    on_outcome(skipped)
                return False
            if outcome.status == "written" and outcome.plan is not None:
                written.append(outcome.plan)
        return True

    if write_in_order([*first, *partials], later) and later:
        bases = {d.key: d.document for d in written if d.key.kind == "custom-text"}
        write_in_order([_deletions_after(d, bases.get(d.key), clock()) for d in later], ())
    return outcomes


def _write_one(
    tenant: TenantPlan,
    api: DocumentApi,
    planned: DocumentPlan,
    written: Sequence[DocumentPlan],
    policy: WritePolicy,
    backups: BackupStore | None,
    clock: Callable[[], float],
) -> DocumentOutcome:
    read = _fresh(api, planned, policy, clock)
    note = None
    if read.document.fingerprint() != planned.live_fingerprint:
        if policy.on_stale == "refuse":
            return DocumentOutcome(
                tenant.tenant,
                planned.key,
                "stale",
                "changed since the plan was made; not written",
            )
        planned = _remerge(tenant, read)
        if not planned.will_write:
            return DocumentOutcome(
                tenant.tenant, planned.key, "unchanged", note="changed meanwhile to match the file"
            )
        problems = tenant_violations(tenant, [*written, planned])
        if problems and not policy.allow_destroy:
            return DocumentOutcome(
                tenant.tenant,
                planned.key,
                "unsafe",
                "changed since the plan; merged again it would cross the safety limits: "
                + "; ".join(problems),
            )
        note = "changed since the plan; merged again from the tenant file"
    try:
        backup = backups.save(tenant.tenant, read.document) if backups else None
    except OSError as exc:
        return DocumentOutcome(
            tenant.tenant,
            planned.key,
            "failed",
            f"the backup could not be saved ({exc.strerror or exc}: {exc.filename or ''}); "
            "not written",
        )
    try:
        echoed = api.put_document(planned.document)
    except WriteOutcomeUnknown as exc:
        status, why = _landed(api, planned.document, read.document)
        error = None if status == "written" else f"{exc.message}; {why}"
        return DocumentOutcome(
            tenant.tenant,
            planned.key,
            status,
            error,
            backup,
            note=why if status == "written" else note,
            plan=planned,
        )
    _verify_echo(planned.document, echoed)
    return DocumentOutcome(tenant.tenant, planned.key, "written", None, backup, note, planned)


def verify_written(
    tenant: TenantPlan, api: DocumentApi, outcomes: Sequence[DocumentOutcome]
) -> list[DocumentOutcome]:
    """``apply --verify``: read each written document again; a document whose declared content
    is gone (another writer, a late PUT) becomes ``failed``, naming the slots."""
    desired = {d.key: d for d in desired_documents(tenant.config, tenant.locales)}
    checked: list[DocumentOutcome] = []
    for outcome in outcomes:
        if outcome.status != "written" or outcome.key not in desired:
            checked.append(outcome)
            continue
        try:
            live = api.get_document(outcome.key)
        except Auth0PartialsError as exc:
            checked.append(replace(outcome, status="failed", error=f"verify: {exc.message}"))
            continue
        lost = [c.address for c in diff_document(desired[outcome.key], live).changes]
        if lost:
            checked.append(
                replace(
                    outcome,
                    status="failed",
                    error="verify: declared content is no longer live at " + ", ".join(lost),
                )
            )
        else:
            checked.append(outcome)
    return checked
