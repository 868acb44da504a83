"""Values of the desired state: what a tenant file declares.

Raw YAML stops at ``config``; raw JSON stops at the Management API client. Everything in
between is one of these frozen dataclasses (live documents: ``reconciler.documents``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from reconciler.catalog import PromptSpec
from reconciler.documents import sha256_of
from reconciler.errors import ConfigError, SourceLocation

#: The button style of Auth0's documented example.
DEFAULT_BUTTON_STYLE = (
    "background: #635dff; width: 100%; padding: 12px 16px; border: none; color: white;"
)
DEFAULT_BUTTON_ID = "switchConnectionButton"


@dataclass(frozen=True)
class SwitchButton:
    """A button that switches the login transaction to another connection.

    A translated button (a label map in the tenant file) shows the custom text variable
    ``text_key`` of the page's language; ``label`` is the fallback where a language has none.
    """

    connection: str
    label: str
    id: str | None = DEFAULT_BUTTON_ID
    css_class: str | None = None
    style: str | None = DEFAULT_BUTTON_STYLE
    text_key: str | None = None
    translations: tuple[tuple[str, str], ...] = ()
    """(language, label) of a label map, sorted by language."""

    def text(self, language: str) -> str | None:
        return dict(self.translations).get(language)


@dataclass(frozen=True)
class DeclaredText:
    """A custom text variable a file declares for its raw items: (language, text) pairs."""

    key: str
    translations: tuple[tuple[str, str], ...]


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
    """A screen of a prompt. ``exclusive`` means the file owns every insertion point of it;
    ``texts`` are custom text variables the file declares for it."""

    name: str
    insertion_points: tuple[DesiredInsertionPoint, ...]
    exclusive: bool = False
    location: SourceLocation | None = None
    texts: tuple[DeclaredText, ...] = ()

    def buttons(self) -> tuple[SwitchButton, ...]:
        return tuple(
            item
            for point in self.insertion_points
            for item in point.items
            if isinstance(item, SwitchButton)
        )


@dataclass(frozen=True)
class DesiredPrompt:
    """A prompt a tenant file manages. ``exclusive`` means it owns every screen of it."""

    name: str
    screens: tuple[DesiredScreen, ...]
    exclusive: bool = False
    location: SourceLocation | None = None


CredentialsKind = Literal["client_credentials", "token"]

#: What loading a tenant file does about unset credential variables: ``require`` (an error),
#: ``warn`` (a warning on the config) or ``skip`` (not asked: a run on an emulator).
EnvCheck = Literal["require", "warn", "skip"]


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
    """One tenant file, validated.

    ``domain`` is the tenant's canonical Auth0 domain (``acme-dev.eu.auth0.com``): the token,
    the audience and every Management API call use it. ``custom_domain`` is the login domain
    users see, used by the checks. ``applications`` names (or gives the client ids of) the
    applications the buttons serve. ``warnings`` are problems that do not stop a run.
    """

    name: str
    domain: str
    credentials: Credentials
    prompts: tuple[DesiredPrompt, ...]
    source: Path
    extra_prompts: Mapping[str, PromptSpec] = field(default_factory=dict)
    safety: SafetyLimits = SafetyLimits()
    custom_domain: str | None = None
    applications: tuple[str, ...] = ()
    default_language: str | None = None
    """The language whose label a translated button falls back to (else the tenant's)."""
    warnings: tuple[ConfigError, ...] = field(default=(), compare=False, repr=False)

    def languages(self) -> tuple[str, ...]:
        """Every language the file's label maps and texts name, sorted."""
        found = {
            language
            for prompt in self.prompts
            for screen in prompt.screens
            for pairs in (
                *(b.translations for b in screen.buttons()),
                *(t.translations for t in screen.texts),
            )
            for language, _ in pairs
        }
        return tuple(sorted(found))

    def to_json(self) -> dict[str, object]:
        """Everything that decides what a run does, for the digest a saved plan records."""
        return {
            "tenant": self.name,
            "domain": self.domain,
            "custom_domain": self.custom_domain,
            "credentials": self.credentials.to_json(),
            "safety": {
                "max_deletes": self.safety.max_deletes,
                "allow_empty_prompt": self.safety.allow_empty_prompt,
            },
            "applications": list(self.applications),
            "default_language": self.default_language,
            "extra_prompts": {
                name: {
                    "screens": list(spec.screens),
                    "insertion_points": list(spec.insertion_points),
                }
                for name, spec in sorted(self.extra_prompts.items())
            },
            "prompts": [_prompt_json(prompt) for prompt in self.prompts],
        }

    def digest(self) -> str:
        """sha256 of ``to_json``: two loads of an unchanged file give the same digest."""
        return sha256_of(self.to_json())


def _item_json(item: Item) -> dict[str, str | None]:
    if isinstance(item, RawPartial):
        return {"raw": item.html}
    return {
        "switch": item.connection,
        "label": item.label,
        "id": item.id,
        "class": item.css_class,
        "style": item.style,
        "text_key": item.text_key,
        "translations": json.dumps(item.translations) if item.translations else None,
    }


def _prompt_json(prompt: DesiredPrompt) -> dict[str, object]:
    return {
        "name": prompt.name,
        "exclusive": prompt.exclusive,
        "screens": [
            {
                "name": screen.name,
                "exclusive": screen.exclusive,
                "texts": [[text.key, list(text.translations)] for text in screen.texts],
                "insertion_points": [
                    {"name": point.name, "items": [_item_json(i) for i in point.items]}
                    for point in screen.insertion_points
                ],
            }
            for screen in prompt.screens
        ],
    }
