"""One emulated tenant: everything the Universal Login slice can read or change, as Auth0's JSON.

The sections, as the state file and ``GET /__emulator/tenants/{tenant}`` show them:

==================  ==========================================================================
``prompts``         partials documents by prompt (the only section of older state files)
``prompt_settings`` ``GET/PATCH /prompts``: universal_login_experience, identifier_first, ...
``tenant_settings`` ``GET/PATCH /tenants/settings`` (friendly_name, enabled_locales, flags, ...)
``custom_text``     ``{prompt: {language: {screen: {key: text}}}}``
``rendering``       a list of ``{prompt, screen, rendering_mode, ...}``, in creation order
``page_template``   the Universal Login page template, or null
``custom_domains``  Auth0's custom domain objects
``connections``     connection objects; ``enabled_clients`` is the one record of which
                    applications a connection is enabled for (both endpoints read it)
``clients``         applications (no secrets); ``--client`` clients are added when listed
``client_grants``   ``{id, client_id, audience, scope}``; an ``audience`` of ``/api/v2/`` is the
                    Management API of this tenant, whatever its base URL
``users``           database users, ``password_hash`` only (:mod:`.users`)
``features``        ``page_templates`` and ``advanced_customizations``: false models a plan
                    without them (402 answers)
==================  ==========================================================================

A tenant seen for the first time gets :meth:`Tenant.fresh` (or the seed, :mod:`.seed`); a
section missing from a state file gets its fresh default.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reconciler.emulator.documents import Document, check_shape, normalize
from reconciler.emulator.users import clean_user, password_matches
from reconciler.emulator.validation import RequestInvalid

JsonObject = dict[str, Any]

#: The audience of a client grant for the tenant's own Management API (stored relative, shown
#: as ``{tenant base URL}/api/v2/``).
MANAGEMENT_AUDIENCE = "/api/v2/"

DEFAULT_TENANT = "default"

#: What a tenant name may be, in a ``/tenants/T`` prefix or an admin path.
TENANT_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")

#: The id of every tenant's custom domain ``login.{tenant}.example``.
CUSTOM_DOMAIN_ID = "cd_SeedCustomDom001"


def custom_domain_for(tenant: str) -> JsonObject:
    """The verified custom domain every tenant starts with, shaped like the recorded ones."""
    domain = f"login.{tenant}.example"
    return {
        "custom_domain_id": CUSTOM_DOMAIN_ID,
        "domain": domain,
        "primary": True,
        "status": "ready",
        "type": "auth0_managed_certs",
        "verification": {
            "methods": [
                {
                    "name": "CNAME",
                    "record": f"{tenant}-cd-seedcustomdom001.edge.tenants.auth0.com",
                    "domain": domain,
                }
            ]
        },
        "tls_policy": "recommended",
    }


def _default_prompt_settings() -> JsonObject:
    # [GAP] a new tenant's settings; [REC] go-auth0 TestPrompt shows the shape.
    return {
        "universal_login_experience": "new",
        "identifier_first": False,
        "webauthn_platform_first_factor": False,
    }


def _default_tenant_settings(name: str) -> JsonObject:
    # Shape of [REC] go-auth0 TestTenantManager; values are this emulator's choice.
    return {
        "allowed_logout_urls": [],
        "enabled_locales": ["en"],
        "flags": {"universal_login": True, "new_universal_login_experience_enabled": True},
        "friendly_name": name,
        "idle_session_lifetime": 72,
        "sandbox_version": "18",
        "session_lifetime": 168,
    }


def _object(value: object, where: str) -> JsonObject:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a JSON object")
    return copy.deepcopy(value)


def _objects(value: object, where: str, *keys: str) -> list[JsonObject]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{where} must be a JSON list of objects")
    for index, item in enumerate(value):
        for key in keys:
            if not isinstance(item.get(key), str):
                raise ValueError(f"{where}[{index}] needs a string {key!r}")
    return copy.deepcopy(value)


def _partials(value: object) -> dict[str, Document]:
    prompts = _object(value, "prompts")
    result: dict[str, Document] = {}
    for prompt, document in prompts.items():
        try:
            result[prompt] = normalize(check_shape(document))
        except RequestInvalid as exc:
            raise ValueError(f"prompts.{prompt}: {exc.message}") from exc
    return result


def _custom_text(value: object) -> dict[str, dict[str, JsonObject]]:
    texts = _object(value, "custom_text")
    for prompt, languages in texts.items():
        if not isinstance(languages, dict) or not all(
            isinstance(d, dict) for d in languages.values()
        ):
            raise ValueError(f"custom_text.{prompt} must map languages to JSON objects")
    return texts


def _connections(value: object) -> list[JsonObject]:
    connections = _objects(value, "connections", "id", "name", "strategy")
    for connection in connections:
        clients = connection.setdefault("enabled_clients", [])
        if not isinstance(clients, list) or not all(isinstance(c, str) for c in clients):
            raise ValueError(f"connection {connection['id']}: enabled_clients must list strings")
    return connections


def _template(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("page_template must be a string or null")
    return value


def _features(value: object) -> dict[str, bool]:
    features = _object(value, "features")
    if not all(isinstance(v, bool) for v in features.values()):
        raise ValueError("features must map names to true or false")
    return {**_default_features(), **features}


def _default_features() -> dict[str, bool]:
    return {"page_templates": True, "advanced_customizations": True}


def _users(value: object) -> list[JsonObject]:
    if not isinstance(value, list):
        raise ValueError("users must be a JSON list")
    return [clean_user(user) for user in value]


#: Section name -> the check that turns its JSON into the stored value (ValueError if wrong).
SECTIONS: dict[str, Callable[[object], Any]] = {
    "prompts": _partials,
    "prompt_settings": lambda v: _object(v, "prompt_settings"),
    "tenant_settings": lambda v: _object(v, "tenant_settings"),
    "custom_text": _custom_text,
    "rendering": lambda v: _objects(v, "rendering", "prompt", "screen"),
    "page_template": _template,
    "custom_domains": lambda v: _objects(v, "custom_domains", "custom_domain_id", "domain"),
    "connections": _connections,
    "clients": lambda v: _objects(v, "clients", "client_id"),
    "client_grants": lambda v: _objects(v, "client_grants", "id", "client_id", "audience"),
    "users": _users,
    "features": _features,
}


@dataclass
class Tenant:
    """The mutable state of one tenant. Only touched with the store's lock held."""

    name: str
    prompts: dict[str, Document] = field(default_factory=dict)
    prompt_settings: JsonObject = field(default_factory=_default_prompt_settings)
    tenant_settings: JsonObject = field(default_factory=dict)
    custom_text: dict[str, dict[str, JsonObject]] = field(default_factory=dict)
    rendering: list[JsonObject] = field(default_factory=list)
    page_template: str | None = None
    custom_domains: list[JsonObject] = field(default_factory=list)
    connections: list[JsonObject] = field(default_factory=list)
    clients: list[JsonObject] = field(default_factory=list)
    client_grants: list[JsonObject] = field(default_factory=list)
    users: list[JsonObject] = field(default_factory=list)
    features: dict[str, bool] = field(default_factory=_default_features)

    @classmethod
    def fresh(cls, name: str) -> Tenant:
        """A tenant as the emulator creates it unseeded: settings and its custom domain only."""
        return cls(
            name,
            tenant_settings=_default_tenant_settings(name),
            custom_domains=[custom_domain_for(name)],
        )

    @classmethod
    def from_json(cls, name: str, data: object) -> Tenant:
        """A tenant from the state file's JSON; ValueError names the broken section."""
        if not isinstance(data, dict):
            raise ValueError("a tenant must be a JSON object")
        if not isinstance(data.get("prompts"), dict):
            raise ValueError("no 'prompts' object")
        tenant = cls.fresh(name)
        for section, value in data.items():
            tenant.set_section(section, value)
        return tenant

    def set_section(self, section: str, value: object) -> None:
        """Replace one section after checking its shape (ValueError if it is wrong)."""
        check = SECTIONS.get(section)
        if check is None:
            raise ValueError(f"unknown tenant section {section!r}; one of {', '.join(SECTIONS)}")
        setattr(self, section, check(value))

    def section(self, section: str) -> object:
        if section not in SECTIONS:
            raise ValueError(f"unknown tenant section {section!r}; one of {', '.join(SECTIONS)}")
        return copy.deepcopy(getattr(self, section))

    def to_json(self) -> JsonObject:
        """The state file's form of this tenant (empty partials documents are left out)."""
        data: JsonObject = {name: copy.deepcopy(getattr(self, name)) for name in SECTIONS}
        data["prompts"] = {p: d for p, d in data["prompts"].items() if d}
        return data

    # -- changes -----------------------------------------------------------------------------

    def set_partials(self, prompt: str, document: Document) -> None:
        """Store the prompt's partials document; an empty one removes the prompt's entry."""
        if document:
            self.prompts[prompt] = document
        else:
            self.prompts.pop(prompt, None)

    # -- lookups -----------------------------------------------------------------------------

    def connection(self, connection_id: str) -> JsonObject | None:
        return next((c for c in self.connections if c["id"] == connection_id), None)

    def rendering_config(self, prompt: str, screen: str) -> JsonObject | None:
        return next(
            (r for r in self.rendering if r["prompt"] == prompt and r["screen"] == screen), None
        )

    def check_password(self, email: str, password: str, connection: str | None = None) -> bool:
        """Does a database user with this email (and connection) have this password?"""
        for user in self.users:
            if user.get("email", "").lower() != email.lower():
                continue
            if connection is not None and user.get("connection") != connection:
                continue
            stored = user.get("password_hash")
            if isinstance(stored, str) and password_matches(password, stored):
                return True
        return False
