"""The plan: a value that knows its changes, its summary, its JSON form and its checksum.

A plan holds, per tenant and prompt, the full document apply will PUT and the fingerprint of
the live document it was computed from, so a saved plan can refuse to apply once the tenant
has moved on. It holds no secrets: credentials appear only as environment variable names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler import __version__
from reconciler.catalog import prompt_spec
from reconciler.diff import Change, UnmanagedPartial, diff_prompt
from reconciler.errors import PlanFileError
from reconciler.model import (
    Credentials,
    PromptDocument,
    SafetyLimits,
    TenantConfig,
    canonical_json,
)

FORMAT_VERSION = 1


@dataclass(frozen=True)
class PromptPlan:
    """One managed prompt: what is live, what will be written, and why."""

    prompt: str
    live_fingerprint: str
    document: PromptDocument
    changes: tuple[Change, ...]
    unmanaged: tuple[UnmanagedPartial, ...] = ()
    live: PromptDocument | None = field(default=None, compare=False, repr=False)
    """The live document read for this plan (kept in memory for backups, never saved)."""

    @property
    def will_write(self) -> bool:
        return bool(self.changes)


@dataclass(frozen=True)
class TenantPlan:
    """Everything planned for one tenant, or the reason it could not be planned."""

    tenant: str
    domain: str
    credentials: Credentials
    source: str
    safety: SafetyLimits = field(default_factory=SafetyLimits)
    prompts: tuple[PromptPlan, ...] = ()
    error: str | None = None

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for p in self.prompts for c in p.changes)

    @property
    def prompts_to_write(self) -> tuple[PromptPlan, ...]:
        return tuple(p for p in self.prompts if p.will_write)


@dataclass(frozen=True)
class Summary:
    creates: int = 0
    updates: int = 0
    deletes: int = 0
    prompts: int = 0
    tenants_failed: int = 0

    @property
    def total(self) -> int:
        return self.creates + self.updates + self.deletes

    def __str__(self) -> str:
        text = (
            f"{self.creates} to create, {self.updates} to update, {self.deletes} to delete"
            f" in {self.prompts} prompt{'s' if self.prompts != 1 else ''}"
        )
        if self.tenants_failed:
            text += f"; {self.tenants_failed} tenant{'s' if self.tenants_failed != 1 else ''}"
            text += " could not be planned"
        return text


def summarize(tenants: tuple[TenantPlan, ...]) -> Summary:
    changes = [c for t in tenants for c in t.changes]
    return Summary(
        creates=sum(c.action == "create" for c in changes),
        updates=sum(c.action == "update" for c in changes),
        deletes=sum(c.action == "delete" for c in changes),
        prompts=sum(len(t.prompts_to_write) for t in tenants),
        tenants_failed=sum(t.error is not None for t in tenants),
    )


@dataclass(frozen=True)
class Plan:
    """All tenants of one run, in a stable order (by tenant name, then prompt)."""

    tenants: tuple[TenantPlan, ...]
    tool_version: str = __version__
    targets: tuple[str, ...] = field(default=())

    @property
    def summary(self) -> Summary:
        return summarize(self.tenants)

    @property
    def has_changes(self) -> bool:
        return any(t.changes for t in self.tenants)

    @property
    def has_errors(self) -> bool:
        return any(t.error is not None for t in self.tenants)

    def changes(self) -> Iterator[tuple[TenantPlan, Change]]:
        for tenant in self.tenants:
            for change in tenant.changes:
                yield tenant, change

    def to_json(self) -> dict[str, Any]:
        body = _plan_body(self)
        return {**body, "checksum": checksum(body)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        return _plan_from_json(data)


def plan_tenant(
    config: TenantConfig, live: Mapping[str, PromptDocument], *, targets: tuple[str, ...] = ()
) -> TenantPlan:
    """Pure: the tenant's plan from its config and the live documents of its prompts."""
    prompts = []
    for desired in config.prompts:
        if not _targeted(config.name, desired.name, targets):
            continue
        current = live[desired.name]
        spec = prompt_spec(desired.name, config.extra_prompts)
        result = diff_prompt(desired, current, spec)
        prompts.append(
            PromptPlan(
                prompt=desired.name,
                live_fingerprint=current.fingerprint(),
                document=result.merged,
                changes=result.changes,
                unmanaged=result.unmanaged,
                live=current,
            )
        )
    return TenantPlan(
        tenant=config.name,
        domain=config.domain,
        credentials=config.credentials,
        source=str(config.source),
        safety=config.safety,
        prompts=tuple(sorted(prompts, key=lambda p: p.prompt)),
    )


def failed_tenant(config: TenantConfig, error: str) -> TenantPlan:
    return TenantPlan(
        tenant=config.name,
        domain=config.domain,
        credentials=config.credentials,
        source=str(config.source),
        safety=config.safety,
        error=error,
    )


def _targeted(tenant: str, prompt: str, targets: tuple[str, ...]) -> bool:
    """``--target acme`` selects a tenant; ``--target acme/login-password`` one prompt."""
    if not targets:
        return True
    for target in targets:
        name, _, only = target.partition("/")
        if name == tenant and (not only or only == prompt):
            return True
    return False


def tenant_targeted(tenant: str, targets: tuple[str, ...]) -> bool:
    return not targets or any(t.partition("/")[0] == tenant for t in targets)


def unmatched_targets(configs: list[TenantConfig], targets: tuple[str, ...]) -> list[str]:
    """Targets that select nothing: a misspelt tenant or prompt must not plan silently empty."""
    return [
        t
        for t in targets
        if not any(_targeted(c.name, p.name, (t,)) for c in configs for p in c.prompts)
    ]


def prompts_targeted(config: TenantConfig, targets: tuple[str, ...]) -> list[str]:
    return [p.name for p in config.prompts if _targeted(config.name, p.name, targets)]


# -- JSON form ---------------------------------------------------------------------------


def checksum(body: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "prompt": change.prompt,
        "screen": change.screen,
        "insertion_point": change.insertion_point,
        "before": change.before,
        "after": change.after,
        "details": list(change.details),
    }


def _plan_body(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "tool_version": plan.tool_version,
        "targets": list(plan.targets),
        "summary": {
            "creates": plan.summary.creates,
            "updates": plan.summary.updates,
            "deletes": plan.summary.deletes,
            "prompts_to_write": plan.summary.prompts,
            "tenants_failed": plan.summary.tenants_failed,
        },
        "tenants": [
            {
                "tenant": t.tenant,
                "domain": t.domain,
                "source": t.source,
                "credentials": t.credentials.to_json(),
                "safety": {
                    "max_deletes": t.safety.max_deletes,
                    "allow_empty_prompt": t.safety.allow_empty_prompt,
                },
                "error": t.error,
                "prompts": [
                    {
                        "prompt": p.prompt,
                        "live_fingerprint": p.live_fingerprint,
                        "will_write": p.will_write,
                        "document": p.document.to_json(),
                        "changes": [_change_json(c) for c in p.changes],
                        "unmanaged": [
                            {
                                "screen": u.screen,
                                "insertion_point": u.insertion_point,
                                "length": u.length,
                            }
                            for u in p.unmanaged
                        ],
                    }
                    for p in t.prompts
                ],
            }
            for t in plan.tenants
        ],
    }


def _plan_from_json(data: Mapping[str, Any]) -> Plan:
    if not isinstance(data, Mapping):
        raise PlanFileError("the plan file is not a JSON object")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanFileError(
            f"unsupported plan format_version {version!r} (this tool reads {FORMAT_VERSION})",
            hint="make the plan again with this version of auth0-partials",
        )
    body = {k: v for k, v in data.items() if k != "checksum"}
    if data.get("checksum") != checksum(body):
        raise PlanFileError(
            "the plan file's checksum does not match its content: it was edited or damaged",
            hint="do not edit saved plans; run `auth0-partials plan --out FILE` again",
        )
    try:
        tenants = tuple(_tenant_from_json(t) for t in data["tenants"])
        return Plan(
            tenants=tenants,
            tool_version=str(data["tool_version"]),
            targets=tuple(data.get("targets", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanFileError(
            f"the plan file is incomplete: {exc}", hint="make the plan again"
        ) from None


def _tenant_from_json(t: Mapping[str, Any]) -> TenantPlan:
    return TenantPlan(
        tenant=t["tenant"],
        domain=t["domain"],
        source=t["source"],
        credentials=Credentials.from_json(t["credentials"]),
        safety=SafetyLimits(**t["safety"]),
        error=t["error"],
        prompts=tuple(
            PromptPlan(
                prompt=p["prompt"],
                live_fingerprint=p["live_fingerprint"],
                document=PromptDocument.from_json(p["prompt"], p["document"]),
                changes=tuple(
                    Change(
                        action=c["action"],
                        prompt=c["prompt"],
                        screen=c["screen"],
                        insertion_point=c["insertion_point"],
                        before=c["before"],
                        after=c["after"],
                        details=tuple(c["details"]),
                    )
                    for c in p["changes"]
                ),
                unmanaged=tuple(
                    UnmanagedPartial(p["prompt"], u["screen"], u["insertion_point"], u["length"])
                    for u in p["unmanaged"]
                ),
            )
            for p in t["prompts"]
        ),
    )
