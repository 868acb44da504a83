"""Values that flow between the stages: desired state, live documents.

Raw YAML stops at ``config``; raw JSON stops at ``client``. Everything in between is one of
these frozen dataclasses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from reconciler.catalog import PromptSpec
from reconciler.errors import SourceLocation

#: The button style of Auth0's documented example.
DEFAULT_BUTTON_STYLE = (
    "background: #635dff; width: 100%; padding: 12px 16px; border: none; color: white;"
)
DEFAULT_BUTTON_ID = "switchConnectionButton"


@dataclass(frozen=True)
class SwitchButton:
    """A button that switches the login transaction to another connection."""

    connection: str
    label: str
    id: str | None = DEFAULT_BUTTON_ID
    css_class: str | None = None
    style: str | None = DEFAULT_BUTTON_STYLE


@dataclass(frozen=True)
class RawPartial:
    """Any other HTML/Liquid, kept as written."""

    html: str


Item = SwitchButton | RawPartial


@dataclass(frozen=True)
class DesiredInsertionPoint:
    """The items a tenant file puts at one insertion point. No items means: keep it empty."""

    name: str
    items: tuple[Item, ...]
    location: SourceLocation | None = None


@dataclass(frozen=True)
class DesiredScreen:
    """A screen of a prompt. ``exclusive`` means the file owns every insertion point of it."""

    name: str
    insertion_points: tuple[DesiredInsertionPoint, ...]
    exclusive: bool = False
    location: SourceLocation | None = None


@dataclass(frozen=True)
class DesiredPrompt:
    """A prompt a tenant file manages. ``exclusive`` means it owns every screen of it."""

    name: str
    screens: tuple[DesiredScreen, ...]
    exclusive: bool = False
    location: SourceLocation | None = None


CredentialsKind = Literal["client_credentials", "token"]


@dataclass(frozen=True)
class Credentials:
    """Where the credentials come from: names of environment variables, never values."""

    kind: CredentialsKind
    client_id_env: str | None = None
    client_secret_env: str | None = None
    token_env: str | None = None
    audience: str | None = None

    def to_json(self) -> dict[str, str]:
        data = {
            "kind": self.kind,
            "client_id_env": self.client_id_env,
            "client_secret_env": self.client_secret_env,
            "token_env": self.token_env,
            "audience": self.audience,
        }
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> Credentials:
        kind = data.get("kind")
        if kind in ("client_credentials", "token"):
            return cls(
                kind=cast(CredentialsKind, kind),
                client_id_env=data.get("client_id_env"),
                client_secret_env=data.get("client_secret_env"),
                token_env=data.get("token_env"),
                audience=data.get("audience"),
            )
        raise ValueError(f"unknown credentials kind {kind!r}")


@dataclass(frozen=True)
class SafetyLimits:
    """How much a plan may delete before apply needs --allow-destroy."""

    max_deletes: int = 3
    allow_empty_prompt: bool = False


@dataclass(frozen=True)
class TenantConfig:
    """One tenant file, validated."""

    name: str
    domain: str
    credentials: Credentials
    prompts: tuple[DesiredPrompt, ...]
    source: Path
    extra_prompts: Mapping[str, PromptSpec] = field(default_factory=dict)
    safety: SafetyLimits = SafetyLimits()


Document = Mapping[str, Mapping[str, str]]


def canonical_json(data: object) -> str:
    """The one JSON spelling used for fingerprints and checksums."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class PromptDocument:
    """A prompt's partials as Auth0 stores them: ``{screen: {insertion point: html}}``."""

    prompt: str
    screens: Document

    @classmethod
    def from_json(cls, prompt: str, data: Mapping[str, Mapping[str, str]]) -> PromptDocument:
        return cls(prompt, {s: dict(points) for s, points in data.items()})

    def to_json(self) -> dict[str, dict[str, str]]:
        return {s: dict(points) for s, points in self.screens.items()}

    def get(self, screen: str, insertion_point: str) -> str | None:
        return self.screens.get(screen, {}).get(insertion_point)

    def fingerprint(self) -> str:
        """sha256 of the document compared as a map (Auth0 does not keep key order)."""
        digest = hashlib.sha256(canonical_json(self.to_json()).encode("utf-8")).hexdigest()
        return f"sha256:{digest}"

    def is_empty(self) -> bool:
        return not any(self.screens.values())
