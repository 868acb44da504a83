"""``GET /api/v2/clients`` and ``GET /api/v2/client-grants``.

Facts: [OAS] offset pagination (``page``, ``per_page`` default 50, ``include_totals`` →
``{start, limit, total, clients|client_grants}``) and checkpoint pagination (``from``,
``take``); clients filter on ``app_type`` (comma-separated), ``is_first_party`` and
``is_global``; grants on ``audience`` and ``client_id``. [REC] go-auth0 TestClient_List and
TestClientGrantManager_List show those shapes, and ``fields=client_id`` still carrying
``tenant``. Client secrets are never shown ([GAP]: Auth0 shows them with
``read:client_keys``). Scopes: any of ``read:clients``, ``read:client_keys``,
``read:client_credentials``, ``read:client_summary`` / ``read:client_grants``; global bucket.
"""

from __future__ import annotations

from reconciler.emulator.applications import all_clients, all_grants
from reconciler.emulator.listing import list_page
from reconciler.emulator.oas_schemas import CLIENT_GRANTS_LIST_QUERY, CLIENTS_LIST_QUERY
from reconciler.emulator.responses import Reply, json_reply
from reconciler.emulator.routing import Call, Route
from reconciler.emulator.tenant import Tenant
from reconciler.emulator.validation import check_query

CLIENT_SCOPES = (
    "read:clients",
    "read:client_keys",
    "read:client_credentials",
    "read:client_summary",
)


def list_clients(call: Call, tenant: Tenant) -> Reply:
    query = check_query(CLIENTS_LIST_QUERY, call.query)
    clients = all_clients(tenant, call.options.clients)
    if "app_type" in query:
        types = {t.strip() for t in str(query["app_type"]).split(",")}
        clients = [c for c in clients if c.get("app_type") in types]
    for flag in ("is_first_party", "is_global"):
        if flag in query:
            clients = [c for c in clients if bool(c.get(flag, False)) == query[flag]]
    page = list_page(
        clients, query, "clients", "client_id", default_per_page=50, always=("tenant",)
    )
    return json_reply(200, page)


def list_grants(call: Call, tenant: Tenant) -> Reply:
    query = check_query(CLIENT_GRANTS_LIST_QUERY, call.query)
    grants = [
        g
        for g in all_grants(tenant, call.options.clients, call.audience)
        if ("audience" not in query or g.get("audience") == query["audience"])
        and ("client_id" not in query or g.get("client_id") == query["client_id"])
    ]
    return json_reply(200, list_page(grants, query, "client_grants", "id", default_per_page=50))


ROUTES = (
    Route("GET", "/api/v2/clients", "clients", CLIENT_SCOPES, list_clients),
    Route("GET", "/api/v2/client-grants", "client_grants", ("read:client_grants",), list_grants),
)
