"""The plan: a value that knows its changes, its summary and its JSON form.

A plan holds, per tenant and document, the whole document apply will PUT and the fingerprint of
the live document it was computed from, plus, per tenant, the tenant file it came from and the
digest of that file's configuration. It holds no secrets and no endpoints anyone acts on: apply
takes credentials, endpoints and desired content from the tenant files (``reconciler.planfile``
binds a saved plan to them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.desired import Locales, desired_documents
from reconciler.diff import Change, DocumentDiff, Unmanaged, diff_document
from reconciler.documents import Document, DocumentKey
from reconciler.model import SafetyLimits, TenantConfig
from reconciler.version import __version__

FORMAT_VERSION = 2


@dataclass(frozen=True)
class DocumentPlan:
    """One managed document: what is live, what will be written, and why."""

    key: DocumentKey
    live_fingerprint: str
    document: Document
    changes: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...] = ()
    live: Document | None = field(default=None, compare=False, repr=False)
    """The live document this plan was made from (in memory only, never saved)."""
    read_at: float | None = field(default=None, compare=False, repr=False)
    """When ``live`` was read, on the monotonic clock (in memory only)."""

    @property
    def will_write(self) -> bool:
        return bool(self.changes)

    @classmethod
    def of(cls, diff: DocumentDiff, live: Document, read_at: float | None) -> DocumentPlan:
        return cls(
            key=live.key,
            live_fingerprint=live.fingerprint(),
            document=diff.merged,
            changes=diff.changes,
            unmanaged=diff.unmanaged,
            live=live,
            read_at=read_at,
        )


@dataclass(frozen=True)
class TenantPlan:
    """Everything planned for one tenant, or the reason it could not be planned."""

    source: str
    """The tenant file, as a path relative to the folder the run started from."""
    config: TenantConfig = field(repr=False)
    """The loaded tenant file: where credentials, endpoints and limits come from."""
    locales: Locales | None = field(default=None, compare=False, repr=False)
    """The tenant's languages as read for this plan (custom text), in memory only."""
    documents: tuple[DocumentPlan, ...] = ()
    error: str | None = None
    warnings: tuple[str, ...] = ()
    """Checks that failed but do not stop a write."""

    @property
    def tenant(self) -> str:
        return self.config.name

    @property
    def domain(self) -> str:
        return self.config.domain

    @property
    def safety(self) -> SafetyLimits:
        return self.config.safety

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for d in self.documents for c in d.changes)

    @property
    def to_write(self) -> tuple[DocumentPlan, ...]:
        return tuple(d for d in self.documents if d.will_write)


@dataclass(frozen=True)
class Summary:
    creates: int = 0
    updates: int = 0
    deletes: int = 0
    documents: int = 0
    tenants_failed: int = 0

    @property
    def total(self) -> int:
        return self.creates + self.updates + self.deletes

    def __str__(self) -> str:
        text = (
            f"{self.creates} to create, {self.updates} to update, {self.deletes} to delete"
            f" in {self.documents} document{'s' if self.documents != 1 else ''}"
        )
        if self.tenants_failed:
            text += f"; {self.tenants_failed} tenant{'s' if self.tenants_failed != 1 else ''}"
            text += " could not be planned"
        return text


@dataclass(frozen=True)
class Plan:
    """All tenants of one run, in a stable order (by tenant name, then document)."""

    tenants: tuple[TenantPlan, ...]
    tool_version: str = __version__
    targets: tuple[str, ...] = ()

    @property
    def summary(self) -> Summary:
        changes = [c for t in self.tenants for c in t.changes]
        return Summary(
            creates=sum(c.action == "create" for c in changes),
            updates=sum(c.action == "update" for c in changes),
            deletes=sum(c.action == "delete" for c in changes),
            documents=sum(len(t.to_write) for t in self.tenants),
            tenants_failed=sum(t.error is not None for t in self.tenants),
        )

    @property
    def has_changes(self) -> bool:
        return any(t.changes for t in self.tenants)

    @property
    def has_errors(self) -> bool:
        return any(t.error is not None for t in self.tenants)

    def to_json(self) -> dict[str, Any]:
        """The plan's JSON form (``schemas/plan.schema.json``), without checksum or signature
        (``reconciler.planfile`` seals it)."""
        summary = self.summary
        return {
            "format_version": FORMAT_VERSION,
            "tool_version": self.tool_version,
            "targets": list(self.targets),
            "summary": {
                "creates": summary.creates,
                "updates": summary.updates,
                "deletes": summary.deletes,
                "documents_to_write": summary.documents,
                "tenants_failed": summary.tenants_failed,
            },
            "tenants": [_tenant_json(t) for t in self.tenants],
        }


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "screen": change.screen,
        "slot": change.slot,
        "before": change.before,
        "after": change.after,
        "buttons": [b.to_json() for b in change.buttons],
    }


def _document_json(document: DocumentPlan) -> dict[str, Any]:
    return {
        **document.key.to_json(),
        "live_fingerprint": document.live_fingerprint,
        "will_write": document.will_write,
        "document": document.document.to_json(),
        "changes": [_change_json(c) for c in document.changes],
        "unmanaged": [
            {"screen": u.screen, "slot": u.slot, "length": u.length} for u in document.unmanaged
        ],
    }


def _tenant_json(tenant: TenantPlan) -> dict[str, Any]:
    return {
        "tenant": tenant.tenant,
        "source": tenant.source,
        "config_digest": tenant.config.digest(),
        **binding_json(tenant.config),
        "error": tenant.error,
        "warnings": list(tenant.warnings),
        "documents": [_document_json(d) for d in tenant.documents],
    }


def binding_json(config: TenantConfig) -> dict[str, Any]:
    """What a saved plan checks against the tenant file before apply: where the API is, how
    the run authenticates (variable names only), and the safety limits."""
    return {
        "domain": config.domain,
        "custom_domain": config.custom_domain,
        "credentials": config.credentials.to_json(),
        "safety": {
            "max_deletes": config.safety.max_deletes,
            "allow_empty_prompt": config.safety.allow_empty_prompt,
        },
    }


def plan_tenant(
    config: TenantConfig,
    source: str,
    live: Mapping[DocumentKey, Document],
    *,
    read_at: Mapping[DocumentKey, float] | None = None,
    only: frozenset[DocumentKey] | None = None,
    locales: Locales | None = None,
) -> TenantPlan:
    """Pure: the tenant's plan from its file and the live documents it manages.

    ``only`` limits the plan to some documents (``--target TENANT/PROMPT``); ``live`` must hold
    each planned document.
    """
    documents = []
    for desired in desired_documents(config, locales):
        if only is not None and desired.key not in only:
            continue
        current = live[desired.key]
        diff = diff_document(desired, current)
        documents.append(DocumentPlan.of(diff, current, (read_at or {}).get(desired.key)))
    return TenantPlan(
        source=source,
        config=config,
        documents=tuple(sorted(documents, key=lambda d: d.key)),
        locales=locales,
    )
