"""The emulator's tenants and their prompt documents, optionally persisted to a JSON file.

State file format (also the answer of ``GET /__emulator/state``)::

    {"tenants": {"<tenant>": {"prompts": {"<prompt>": {"<screen>": {"<point>": "<html>"}}}}}}

The file is loaded at start and rewritten atomically (temporary file + ``os.replace``) after
every change: a PUT, an out-of-band change, a tenant's creation. Empty prompts are not written.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from reconciler.emulator.documents import Document, DocumentError, check_shape, normalize
from reconciler.errors import Auth0PartialsError

StateJson = dict[str, dict[str, dict[str, dict[str, Document]]]]


class EmulatorStateError(Auth0PartialsError):
    """The emulator's state file cannot be read or written."""


def _parse_state(path: Path, text: str) -> dict[str, dict[str, Document]]:
    hint = f"fix or delete {path}; its format is {{'tenants': {{name: {{'prompts': {{...}}}}}}}}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EmulatorStateError(f"{path}: not JSON ({exc})", hint=hint) from exc
    tenants = data.get("tenants") if isinstance(data, dict) else None
    if not isinstance(tenants, dict):
        raise EmulatorStateError(f"{path}: no 'tenants' object", hint=hint)
    result: dict[str, dict[str, Document]] = {}
    for name, tenant in tenants.items():
        prompts = tenant.get("prompts") if isinstance(tenant, dict) else None
        if not isinstance(prompts, dict):
            raise EmulatorStateError(f"{path}: tenant {name!r} has no 'prompts' object", hint=hint)
        result[name] = {}
        for prompt, document in prompts.items():
            try:
                result[name][prompt] = normalize(check_shape(document))
            except DocumentError as exc:
                raise EmulatorStateError(
                    f"{path}: tenants.{name}.prompts.{prompt}: {exc.message}", hint=hint
                ) from exc
    return result


class TenantStore:
    """Tenants -> prompts -> documents. Tenants appear on first use. Thread-safe."""

    def __init__(
        self,
        state_file: Path | None = None,
        seed: Callable[[], Mapping[str, Document]] | None = None,
    ) -> None:
        self._state_file = state_file
        self._seed = seed
        self._lock = threading.Lock()
        self._tenants: dict[str, dict[str, Document]] = {}
        if state_file is not None and state_file.exists():
            try:
                text = state_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise EmulatorStateError(f"cannot read {state_file}: {exc}") from exc
            self._tenants = _parse_state(state_file, text)

    def _tenant(self, name: str) -> dict[str, Document]:
        """The tenant's prompts, created (and seeded) on first use. Call with the lock held."""
        prompts = self._tenants.get(name)
        if prompts is None:
            seeded = self._seed() if self._seed is not None else {}
            prompts = self._tenants[name] = {
                prompt: normalize(document) for prompt, document in seeded.items()
            }
            self._persist()
        return prompts

    def ensure_tenant(self, name: str) -> None:
        with self._lock:
            self._tenant(name)

    def get(self, tenant: str, prompt: str) -> Document:
        """A copy of the prompt's document; ``{}`` when nothing is set."""
        with self._lock:
            return copy.deepcopy(self._tenant(tenant).get(prompt, {}))

    def put(self, tenant: str, prompt: str, document: Mapping[str, Mapping[str, str]]) -> Document:
        """Replace the prompt's whole document; the stored copy."""
        stored = normalize(document)
        with self._lock:
            prompts = self._tenant(tenant)
            if stored:
                prompts[prompt] = stored
            else:
                prompts.pop(prompt, None)
            self._persist()
            return copy.deepcopy(stored)

    def snapshot(self) -> StateJson:
        """Every tenant, in the state file's format."""
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> StateJson:
        return {
            "tenants": {
                name: {"prompts": copy.deepcopy(prompts)}
                for name, prompts in sorted(self._tenants.items())
            }
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
