"""A tenant's applications and client grants, the stored ones and the ``--client`` ones.

``--client ID=SECRET[@SCOPES]`` (``EmulatorOptions.clients``) declares machine-to-machine
applications for every tenant; they are listed with the tenant's stored clients (never with
their secret) and their client grant for the tenant's Management API carries the declared
scopes. A stored grant whose ``audience`` is ``/api/v2/`` is the tenant's Management API grant;
both lists show it as ``{tenant base URL}/api/v2/``. The token endpoint asks
:func:`management_scopes` what a client may have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from reconciler.emulator.tenant import MANAGEMENT_AUDIENCE, JsonObject, Tenant
from reconciler.emulator.tokens import ClientSpec


def grant_id(client_id: str) -> str:
    """A stable ``cgr_`` id for a declared client's grant."""
    return "cgr_" + hashlib.sha256(client_id.encode("utf-8")).hexdigest()[:16]


def declared_client(tenant: str, client_id: str) -> JsonObject:
    """A ``--client`` application as ``GET /clients`` shows it."""
    return {
        "tenant": tenant,
        "client_id": client_id,
        "name": client_id,
        "app_type": "non_interactive",
        "is_first_party": True,
        "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "client_secret_post",
    }


def all_clients(tenant: Tenant, declared: Mapping[str, ClientSpec] | None) -> list[JsonObject]:
    clients = [dict(client) for client in tenant.clients]
    known = {client["client_id"] for client in clients}
    for client_id in declared or {}:
        if client_id not in known:
            clients.append(declared_client(tenant.name, client_id))
    return clients


def all_grants(
    tenant: Tenant, declared: Mapping[str, ClientSpec] | None, audience: str
) -> list[JsonObject]:
    """Every client grant, the Management API's shown with the tenant's ``audience``."""
    grants = []
    for grant in tenant.client_grants:
        shown = dict(grant)
        if shown.get("audience") == MANAGEMENT_AUDIENCE:
            shown["audience"] = audience
        grants.append(shown)
    for client_id, spec in (declared or {}).items():
        if spec.scopes is not None:
            grants.append(
                {
                    "id": grant_id(client_id),
                    "client_id": client_id,
                    "audience": audience,
                    "scope": sorted(spec.scopes),
                }
            )
    return grants


def management_scopes(
    tenant: Tenant, declared: Mapping[str, ClientSpec] | None, client_id: str
) -> frozenset[str] | None:
    """The scopes of the client's grant for the tenant's Management API; None without one.

    A stored grant wins over the declared one (an admin can change a grant at run time).
    """
    for grant in tenant.client_grants:
        if grant.get("client_id") == client_id and grant.get("audience") == MANAGEMENT_AUDIENCE:
            scope = grant.get("scope") or []
            return frozenset(s for s in scope if isinstance(s, str))
    spec = (declared or {}).get(client_id)
    return spec.scopes if spec is not None else None
