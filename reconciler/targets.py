"""``--target TENANT[/PROMPT]``: which tenants and documents a run touches."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reconciler.desired import Locales, desired_documents
from reconciler.documents import DocumentKey
from reconciler.errors import Auth0PartialsError
from reconciler.model import TenantConfig


@dataclass(frozen=True)
class Shard:
    """``--shard K/N``: the K-th of N stable parts of a fleet, by tenant name.

    A tenant's shard depends on its name and N only (sha256), never on file order or on the
    other tenants, so N CI jobs each running one shard cover every tenant exactly once.
    """

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        k, sep, n = text.partition("/")
        if not sep or not k.isdigit() or not n.isdigit() or not 1 <= int(k) <= int(n):
            raise ValueError(f"--shard {text!r}: write K/N with 1 <= K <= N, e.g. 2/4")
        return cls(int(k), int(n))

    def holds(self, tenant: str) -> bool:
        digest = hashlib.sha256(tenant.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def select(self, configs: Sequence[TenantConfig]) -> list[TenantConfig]:
        return [c for c in configs if self.holds(c.name)]


@dataclass(frozen=True)
class Targets:
    """The ``--target`` values of a run; empty selects everything."""

    values: tuple[str, ...] = ()

    def selects(self, tenant: str, prompt: str | None = None) -> bool:
        """A tenant (``prompt`` None: any of it) or one prompt of it."""
        if not self.values:
            return True
        for value in self.values:
            name, _, only = value.partition("/")
            if name == tenant and (prompt is None or not only or only == prompt):
                return True
        return False

    def documents(
        self, config: TenantConfig, locales: Locales | None = None
    ) -> frozenset[DocumentKey]:
        """The documents of ``config`` this run touches (``locales``: the tenant's languages,
        for its custom text documents)."""
        return frozenset(
            d.key
            for d in desired_documents(config, locales)
            if self.selects(config.name, d.key.prompt)
        )

    def select(self, configs: Sequence[TenantConfig]) -> list[TenantConfig]:
        """Every tenant without targets; else the tenants with at least one targeted
        document, refusing targets that match nothing (a misspelt tenant or prompt must not
        plan silently empty)."""
        if not self.values:
            return list(configs)
        unmatched = [
            value
            for value in self.values
            if not any(Targets((value,)).documents(config) for config in configs)
        ]
        if unmatched:
            known = ", ".join(sorted(c.name for c in configs)) or "none"
            raise Auth0PartialsError(
                f"--target {', '.join(unmatched)} matches no tenant or managed prompt "
                f"(tenants: {known})",
                hint="use --target TENANT or --target TENANT/PROMPT with a prompt the file manages",
            )
        return [c for c in configs if self.documents(c)]

    @classmethod
    def of(cls, values: Iterable[str]) -> Targets:
        return cls(tuple(values))
