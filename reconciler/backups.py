"""Backups: the live document of every prompt apply overwrites, and putting one back.

A backup holds the tenant's name, which document it is, when it was read, and the document. It
holds no domain and no credentials: ``restore`` takes those from the tenant file, and trusts
nothing in a backup but its document, whose names are checked before they reach a URL or a path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reconciler.documents import Document, DocumentKey, content_problem
from reconciler.errors import Auth0PartialsError
from reconciler.files import write_atomic

FORMAT_VERSION = 2
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _safe(name: str) -> str:
    """A path component that cannot climb out of the backup folder."""
    cleaned = _SAFE.sub("_", name).lstrip(".")
    return cleaned or "_"


@dataclass(frozen=True)
class Backup:
    """A saved live document."""

    tenant: str
    document: Document
    saved_at: str
    path: Path | None = None


class BackupStore:
    """Saves the live document of a document before it is overwritten (files are 0600)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, tenant: str, document: Document) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        key = document.key
        name = _safe(key.prompt) + (f"-{_safe(key.language)}" if key.language else "")
        path = self.folder / _safe(tenant) / f"{stamp}-{name}.json"
        record = {
            "format_version": FORMAT_VERSION,
            "tenant": tenant,
            **key.to_json(),
            "fingerprint": document.fingerprint(),
            "saved_at": stamp,
            "document": document.to_json(),
        }
        write_atomic(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n", exclusive=True)
        return path


def load_backup(path: Path) -> Backup:
    """A backup file, its shape checked; the caller checks its names against the tenant file."""
    hint = "pass a file from the backup folder (default .auth0-partials/backups/)"
    try:
        record = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise Auth0PartialsError(f"{path} is not a readable backup: {exc}", hint=hint) from None
    if not isinstance(record, dict) or record.get("format_version") != FORMAT_VERSION:
        raise Auth0PartialsError(f"{path} is not a backup of this version", hint=hint)
    try:
        key = DocumentKey.from_json(record)
        tenant, saved_at, content = record["tenant"], record["saved_at"], record["document"]
        problem = content_problem(content)
        if problem is not None or not isinstance(tenant, str) or not isinstance(saved_at, str):
            raise ValueError(problem or "tenant and saved_at must be strings")
    except (KeyError, TypeError, ValueError) as exc:
        raise Auth0PartialsError(f"{path} is not a valid backup: {exc}", hint=hint) from None
    return Backup(tenant, Document.from_json(key, content), saved_at, path)
