"""Apply a plan: one PUT per prompt that changes, carrying the whole merged document.

PUT replaces a prompt's whole document, so the document written is the live one with only
the owned insertion points changed. Before each PUT the live document is saved to a backup
file; after it, the echoed document is checked against what was sent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from reconciler.errors import Auth0PartialsError, UnsafePlanError, VerificationError
from reconciler.model import Credentials, PromptDocument
from reconciler.plan import Plan, PromptPlan, TenantPlan
from reconciler.state import PartialsApi

Status = Literal["written", "failed", "not attempted"]


@dataclass(frozen=True)
class PromptOutcome:
    tenant: str
    prompt: str
    status: Status
    error: str | None = None
    backup: Path | None = None


@dataclass(frozen=True)
class ApplyReport:
    outcomes: tuple[PromptOutcome, ...]
    tenant_errors: tuple[tuple[str, str], ...] = ()
    """Tenants that failed before any write (token, stale plan): (tenant, error)."""

    @property
    def written(self) -> tuple[PromptOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "written")

    @property
    def failed(self) -> bool:
        return bool(self.tenant_errors) or any(o.status != "written" for o in self.outcomes)


def safety_violations(plan: Plan) -> list[str]:
    """Reasons this plan needs --allow-destroy; empty when it is within every tenant's limits."""
    problems: list[str] = []
    for tenant in plan.tenants:
        deletes = [c for c in tenant.changes if c.action == "delete"]
        if len(deletes) > tenant.safety.max_deletes:
            problems.append(
                f"{tenant.tenant}: deletes {len(deletes)} managed partials, more than its"
                f" limit of {tenant.safety.max_deletes} (safety.max_deletes)"
            )
        if tenant.safety.allow_empty_prompt:
            continue
        for prompt in tenant.prompts_to_write:
            if prompt.document.is_empty():
                problems.append(f"{tenant.tenant}: empties the whole prompt {prompt.prompt}")
    return problems


def check_safety(plan: Plan, *, allow_destroy: bool) -> None:
    problems = safety_violations(plan)
    if problems and not allow_destroy:
        raise UnsafePlanError(
            "refusing to apply a destructive plan:\n" + "\n".join(f"  - {p}" for p in problems),
            hint="review the deletions; rerun with --allow-destroy if they are intended",
        )


class BackupStore:
    """Saves the live document of a prompt before it is overwritten."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, tenant: TenantPlan, document: PromptDocument) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", tenant.tenant)
        path = self.folder / safe / f"{stamp}-{document.prompt}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "format_version": 1,
            "tenant": tenant.tenant,
            "domain": tenant.domain,
            "credentials": tenant.credentials.to_json(),
            "prompt": document.prompt,
            "fingerprint": document.fingerprint(),
            "saved_at": stamp,
            "document": document.to_json(),
        }
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
        return path


def write_prompt(api: PartialsApi, prompt: PromptPlan) -> None:
    """PUT the merged document and check the echo (compared as maps)."""
    echoed = api.put_partials(prompt.document)
    if echoed.to_json() != prompt.document.to_json():
        raise VerificationError(
            f"Auth0 stored a different document for {prompt.prompt} than the one sent",
            hint="run `auth0-partials plan` to see what is live now",
        )


def apply_tenant(
    tenant: TenantPlan,
    api: PartialsApi,
    *,
    live: dict[str, PromptDocument] | None = None,
    backups: BackupStore | None = None,
) -> list[PromptOutcome]:
    """Write each changing prompt of one tenant; stop at the first failure.

    ``live`` holds documents read just before (a saved plan's freshness check); otherwise the
    documents read by the plan itself are backed up.
    """
    outcomes: list[PromptOutcome] = []
    pending = list(tenant.prompts_to_write)
    for index, prompt in enumerate(pending):
        current = (live or {}).get(prompt.prompt) or prompt.live
        try:
            backup = backups.save(tenant, current) if backups and current else None
            write_prompt(api, prompt)
        except Auth0PartialsError as exc:
            outcomes.append(PromptOutcome(tenant.tenant, prompt.prompt, "failed", str(exc)))
            outcomes.extend(
                PromptOutcome(tenant.tenant, rest.prompt, "not attempted")
                for rest in pending[index + 1 :]
            )
            break
        outcomes.append(PromptOutcome(tenant.tenant, prompt.prompt, "written", backup=backup))
    return outcomes


@dataclass(frozen=True)
class Backup:
    """A saved live document, as written by ``BackupStore``."""

    path: Path
    tenant: TenantPlan
    document: PromptDocument


def load_backup(path: Path) -> Backup:
    try:
        record = json.loads(path.read_text("utf-8"))
        tenant = TenantPlan(
            tenant=record["tenant"],
            domain=record["domain"],
            credentials=Credentials.from_json(record["credentials"]),
            source=str(path),
        )
        document = PromptDocument.from_json(record["prompt"], record["document"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Auth0PartialsError(
            f"{path} is not a readable backup: {exc}",
            hint="pass a file from the backup folder (default .auth0-partials/backups/)",
        ) from None
    return Backup(path, tenant, document)


def restore(backup: Backup, api: PartialsApi, store: BackupStore) -> Path | None:
    """Put a backed-up document back, after backing up what is live now.

    Returns the backup of the replaced document, or None when the backup is already live.
    """
    live = api.get_partials(backup.document.prompt)
    if live.fingerprint() == backup.document.fingerprint():
        return None
    saved = store.save(backup.tenant, live)
    write_prompt(api, PromptPlan(backup.document.prompt, live.fingerprint(), backup.document, ()))
    return saved
