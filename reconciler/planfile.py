"""Saved plans: sealed when written, checked and bound to the tenant files before any apply.

A saved plan is evidence of a review, never a source of authority. ``apply PLAN.json``:

1. validates the file against ``schemas/plan.schema.json``, then its checksum, then, when
   ``AUTH0_PARTIALS_PLAN_KEY`` is set, its HMAC-SHA256 signature (an unsigned or wrongly signed
   plan is refused);
2. loads each tenant file the plan names (a path relative to the folder the run starts from)
   and refuses, before any network call, if a file is missing, declares another tenant, or its
   domain, custom domain, credential references, safety limits or declared content differ from
   what the plan recorded (``bind``);
3. acts only on documents the files themselves manage, with credentials and endpoints from the
   files and the environment, and writes only what the files and a fresh read of the tenant
   produce, when that equals what the plan shows (``reconciler.operations``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.buttons import ButtonChange, FieldChange
from reconciler.config.schema import packaged_schema
from reconciler.desired import Locales
from reconciler.diff import Change, Unmanaged
from reconciler.documents import Document, DocumentKey, canonical_json, sha256_of
from reconciler.errors import PlanFileError
from reconciler.files import PRIVATE, write_atomic
from reconciler.model import SwitchButton, TenantConfig
from reconciler.plans import FORMAT_VERSION, DocumentPlan, Plan, TenantPlan, binding_json
from reconciler.targets import Targets

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

#: The environment variable holding the key that signs and verifies saved plans.
PLAN_KEY_ENV = "AUTH0_PARTIALS_PLAN_KEY"

_REPLAN_HINT = "run `auth0-partials plan --out FILE` again from the reviewed files, and apply that"


def plan_key(environ: Mapping[str, str] | None = None) -> bytes | None:
    value = (os.environ if environ is None else environ).get(PLAN_KEY_ENV)
    return value.encode("utf-8") if value else None


def _signature(body: Mapping[str, Any], key: bytes) -> str:
    digest = hmac.new(key, canonical_json(body).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


def seal(plan: Plan, key: bytes | None = None) -> dict[str, Any]:
    """The plan's JSON with its checksum and, given a key, its signature."""
    body = plan.to_json()
    sealed = {**body, "checksum": sha256_of(body)}
    if key is not None:
        sealed["signature"] = _signature(sealed, key)
    return sealed


def write_plan(plan: Plan, path: Path, *, key: bytes | None = None, mode: int = PRIVATE) -> None:
    text = json.dumps(seal(plan, key), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(path, text, mode=mode)


# --- reading ----------------------------------------------------------------------------------


@cache
def _plan_validator() -> Draft202012Validator:
    """jsonschema's validator of saved plans, imported when a plan is read (not by every run)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(packaged_schema("plan.schema.json"))


@dataclass(frozen=True)
class SavedDocument:
    key: DocumentKey
    live_fingerprint: str
    document: Document


@dataclass(frozen=True)
class SavedTenant:
    """What a plan file says of one tenant: untrusted until ``bind`` checks it."""

    tenant: str
    source: str
    config_digest: str
    binding: Mapping[str, Any]
    error: str | None
    documents: tuple[SavedDocument, ...]
    """The documents the plan writes."""


@dataclass(frozen=True)
class SavedPlan:
    path: Path
    tenants: tuple[SavedTenant, ...]
    targets: tuple[str, ...]
    signed: bool


def _fail(path: Path, problem: str, hint: str = _REPLAN_HINT) -> PlanFileError:
    return PlanFileError(f"saved plan {path}: {problem}; nothing was read or written", hint=hint)


def read_plan(path: Path, *, key: bytes | None) -> SavedPlan:
    """A plan file, validated, checksummed and (with ``key``) signature-checked."""
    return _read_checked(path, key)[0]


def _read_checked(path: Path, key: bytes | None) -> tuple[SavedPlan, dict[str, Any]]:
    """``read_plan``'s result and the plan's JSON it was built from (without its checksum and
    signature), from one read of the file."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _fail(path, f"cannot be read ({exc})", "pass a file written by plan --out") from None
    if isinstance(data, dict) and data.get("format_version") != FORMAT_VERSION:
        raise _fail(
            path,
            f"format_version {data.get('format_version')!r} is not {FORMAT_VERSION}",
            "make the plan again with this version of auth0-partials",
        )
    problems = sorted(_plan_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if problems:
        first = problems[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise _fail(path, f"not a valid plan file: {where}: {first.message}")
    signature = data.pop("signature", None)
    checksum = data.pop("checksum", None)
    if checksum is None:
        raise _fail(path, "it has no checksum: it is the output of --format json, not --out")
    if checksum != sha256_of(data):
        raise _fail(path, "its checksum does not match its content: it was edited or damaged")
    if key is not None:
        if signature is None:
            raise _fail(
                path,
                f"it is not signed, and {PLAN_KEY_ENV} is set",
                f"make the plan in a job that has {PLAN_KEY_ENV}",
            )
        expected = _signature({**data, "checksum": checksum}, key)
        if not hmac.compare_digest(str(signature), expected):
            raise _fail(path, f"its signature does not match {PLAN_KEY_ENV}")
    saved = SavedPlan(
        path=path,
        tenants=tuple(_tenant(t) for t in data["tenants"]),
        targets=tuple(data["targets"]),
        signed=signature is not None,
    )
    return saved, data


def _tenant(data: Mapping[str, Any]) -> SavedTenant:
    documents = tuple(
        SavedDocument(
            key=(key := DocumentKey.from_json(d)),
            live_fingerprint=d["live_fingerprint"],
            document=Document.from_json(key, d["document"]),
        )
        for d in data["documents"]
        if d["will_write"]
    )
    binding = {name: data[name] for name in ("domain", "custom_domain", "credentials", "safety")}
    return SavedTenant(
        tenant=data["tenant"],
        source=data["source"],
        config_digest=data["config_digest"],
        binding=binding,
        error=data["error"],
        documents=documents,
    )


# --- binding to the tenant files --------------------------------------------------------------


@dataclass(frozen=True)
class BoundTenant:
    """A tenant of a saved plan, checked against its file: what apply will act on."""

    config: TenantConfig
    source: str
    documents: tuple[SavedDocument, ...]


_BINDING_WORDS = {
    "domain": "domain",
    "custom_domain": "custom_domain",
    "credentials": "credentials (variable names or audience)",
    "safety": "safety limits",
}


def bind(saved: SavedPlan, load: Callable[[str], TenantConfig]) -> tuple[BoundTenant, ...]:
    """Check every tenant of ``saved`` against its tenant file (``load(source)`` loads one,
    raising ``ConfigError`` when it cannot). Raises ``PlanFileError``; makes no network call."""
    if any(t.error is not None for t in saved.tenants):
        failed = ", ".join(t.tenant for t in saved.tenants if t.error is not None)
        raise _fail(saved.path, f"it holds tenants that could not be planned ({failed})")
    bound: list[BoundTenant] = []
    for tenant in saved.tenants:
        if not tenant.documents:
            continue
        config = load(tenant.source)
        where = f"tenant {tenant.tenant} ({tenant.source})"
        if config.name != tenant.tenant:
            raise _fail(saved.path, f"{tenant.source} now declares tenant {config.name!r}")
        current = binding_json(config)
        for name, words in _BINDING_WORDS.items():
            if current[name] != tenant.binding.get(name):
                raise _fail(saved.path, f"{where}: the file and the plan disagree on its {words}")
        if config.digest() != tenant.config_digest:
            raise _fail(saved.path, f"{where}: the file changed since the plan was made")
        languages = tuple(sorted({d.key.language for d in tenant.documents if d.key.language}))
        managed = Targets.of(saved.targets).documents(config, Locales(languages))
        foreign = [str(d.key) for d in tenant.documents if d.key not in managed]
        if foreign:
            raise _fail(
                saved.path,
                f"{where}: it writes documents the file does not manage: {', '.join(foreign)}",
            )
        bound.append(BoundTenant(config, tenant.source, tenant.documents))
    return tuple(bound)


# --- whole plans back from JSON (merging shards) ----------------------------------------------


def _button_change(data: Mapping[str, Any]) -> ButtonChange:
    return ButtonChange(
        kind=data["kind"],
        button=SwitchButton(data["connection"], data["label"]),
        position=data["position"],
        old_position=data["old_position"],
        fields=tuple(FieldChange(f["name"], f["before"], f["after"]) for f in data["fields"]),
    )


def _document_plan(data: Mapping[str, Any]) -> DocumentPlan:
    key = DocumentKey.from_json(data)
    return DocumentPlan(
        key=key,
        live_fingerprint=data["live_fingerprint"],
        document=Document.from_json(key, data["document"]),
        changes=tuple(
            Change(
                c["action"],
                key,
                c["screen"],
                c["slot"],
                c["before"],
                c["after"],
                tuple(_button_change(b) for b in c["buttons"]),
            )
            for c in data["changes"]
        ),
        unmanaged=tuple(
            Unmanaged(key, u["screen"], u["slot"], u["length"]) for u in data["unmanaged"]
        ),
    )


def read_whole(path: Path, *, key: bytes | None, load: Callable[[str], TenantConfig]) -> Plan:
    """A saved plan as a ``Plan`` to render (checked like ``read_plan``, each tenant file loaded
    and bound); apply never acts on it: it plans again from the files and a fresh read."""
    saved, data = _read_checked(path, key)
    bound = {t.source: t for t in bind(saved, load)}
    tenants = []
    for tenant in data["tenants"]:
        config = (
            bound[tenant["source"]].config if tenant["source"] in bound else load(tenant["source"])
        )
        tenants.append(
            TenantPlan(
                source=tenant["source"],
                config=config,
                documents=tuple(_document_plan(d) for d in tenant["documents"]),
                error=tenant["error"],
                warnings=tuple(tenant["warnings"]),
            )
        )
    return Plan(tuple(tenants), tool_version=data["tool_version"], targets=saved.targets)


def merge(plans: Sequence[Plan]) -> Plan:
    """Shards of one run as one plan: every tenant once, in tenant order."""
    seen: dict[str, TenantPlan] = {}
    for plan in plans:
        for tenant in plan.tenants:
            if tenant.tenant in seen:
                raise PlanFileError(
                    f"tenant {tenant.tenant} is in more than one of the plans merged",
                    hint="merge the plans of the shards of one run: each tenant is in one shard",
                )
            seen[tenant.tenant] = tenant
    targets = tuple(dict.fromkeys(t for plan in plans for t in plan.targets))
    return Plan(tuple(seen[name] for name in sorted(seen)), targets=targets)
