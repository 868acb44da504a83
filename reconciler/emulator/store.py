"""The emulator's tenants, optionally persisted to a JSON state file.

State file format (also the answer of ``GET /__emulator/state``)::

    {"tenants": {"<tenant>": {"prompts": {"<prompt>": {"<screen>": {"<point>": "<html>"}}},
                              "prompt_settings": {...}, "custom_text": {...}, ...}}}

(the sections are listed in :mod:`reconciler.emulator.tenant`). A file of earlier versions,
``{"tenants": {T: {"prompts": {...}}}}``, still loads: the sections it lacks get a fresh
tenant's defaults. The file is loaded at start and rewritten atomically (temporary file +
``os.replace``) after every change: a write, an out-of-band change, a tenant's creation.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reconciler.emulator.documents import Document, normalize
from reconciler.emulator.tenant import Tenant
from reconciler.errors import Auth0PartialsError

StateJson = dict[str, dict[str, dict[str, Any]]]

_HINT = "its format is {'tenants': {name: {'prompts': {...}, ...}}}"


class EmulatorStateError(Auth0PartialsError):
    """The emulator's state file cannot be read or written, or a state is malformed."""


def parse_state(data: object, where: str) -> dict[str, Tenant]:
    """Tenants from the state format; EmulatorStateError names what is wrong."""
    tenants = data.get("tenants") if isinstance(data, dict) else None
    if not isinstance(tenants, dict):
        raise EmulatorStateError(f"{where}: no 'tenants' object", hint=_HINT)
    result: dict[str, Tenant] = {}
    for name, tenant in tenants.items():
        try:
            result[name] = Tenant.from_json(name, tenant)
        except ValueError as exc:
            raise EmulatorStateError(f"{where}: tenant {name!r}: {exc}", hint=_HINT) from exc
    return result


def _read_state(path: Path) -> dict[str, Tenant]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EmulatorStateError(f"cannot read {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EmulatorStateError(
            f"{path}: not JSON ({exc})", hint=f"fix or delete {path}; {_HINT}"
        ) from exc
    try:
        return parse_state(data, str(path))
    except EmulatorStateError as exc:
        raise EmulatorStateError(exc.message, hint=f"fix or delete {path}; {_HINT}") from exc


class TenantStore:
    """Tenants by name, created on first use by ``factory``. One lock guards them all."""

    def __init__(
        self, state_file: Path | None = None, factory: Callable[[str], Tenant] = Tenant.fresh
    ) -> None:
        self._state_file = state_file
        self._factory = factory
        self._lock = threading.RLock()
        self._tenants: dict[str, Tenant] = {}
        if state_file is not None and state_file.exists():
            self._tenants = _read_state(state_file)

    def _tenant(self, name: str) -> Tenant:
        """The tenant, created (and seeded) on first use. Call with the lock held."""
        tenant = self._tenants.get(name)
        if tenant is None:
            tenant = self._tenants[name] = self._factory(name)
            self._persist()
        return tenant

    @contextmanager
    def locked(self, name: str) -> Iterator[Tenant]:
        """The tenant, with every other request waiting; call :meth:`persist` after a change."""
        with self._lock:
            yield self._tenant(name)

    def persist(self) -> None:
        """Write the state file now (after a change made under :meth:`locked`)."""
        with self._lock:
            self._persist()

    def ensure_tenant(self, name: str) -> None:
        with self._lock:
            self._tenant(name)

    # -- partials documents (the out-of-band API of earlier versions) ------------------------

    def get(self, tenant: str, prompt: str) -> Document:
        """A copy of the prompt's partials document; ``{}`` when nothing is set."""
        with self._lock:
            return copy.deepcopy(self._tenant(tenant).prompts.get(prompt, {}))

    def put(self, tenant: str, prompt: str, document: Mapping[str, Mapping[str, str]]) -> Document:
        """Replace the prompt's whole partials document; the stored copy."""
        stored = normalize(document)
        with self._lock:
            self._tenant(tenant).set_partials(prompt, stored)
            self._persist()
            return copy.deepcopy(stored)

    # -- whole tenants and the whole state ---------------------------------------------------

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._tenants)

    def put_tenant(self, tenant: Tenant) -> None:
        """Replace (or add) a whole tenant."""
        with self._lock:
            self._tenants[tenant.name] = tenant
            self._persist()

    def drop_tenant(self, name: str) -> bool:
        """Forget a tenant (its next use creates it afresh); whether it existed."""
        with self._lock:
            existed = self._tenants.pop(name, None) is not None
            self._persist()
            return existed

    def snapshot(self) -> StateJson:
        """Every tenant, in the state file's format."""
        with self._lock:
            return self._snapshot()

    def replace(self, data: object) -> None:
        """Replace every tenant with those of a state document (EmulatorStateError if bad)."""
        tenants = parse_state(data, "state")
        with self._lock:
            self._tenants = tenants
            self._persist()

    def _snapshot(self) -> StateJson:
        return {
            "tenants": {name: tenant.to_json() for name, tenant in sorted(self._tenants.items())}
        }

    def _persist(self) -> None:
        """Write the state file atomically. Call with the lock held."""
        if self._state_file is None:
            return
        path = self._state_file
        text = json.dumps(self._snapshot(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise EmulatorStateError(f"cannot write {path}: {exc}") from exc
