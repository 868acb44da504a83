"""``--target TENANT[/PROMPT]``: which tenants and documents a run touches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reconciler.desired import desired_documents
from reconciler.documents import DocumentKey
from reconciler.errors import Auth0PartialsError
from reconciler.model import TenantConfig


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

    def documents(self, config: TenantConfig) -> frozenset[DocumentKey]:
        """The documents of ``config`` this run touches."""
        return frozenset(
            d.key for d in desired_documents(config) if self.selects(config.name, d.key.prompt)
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
