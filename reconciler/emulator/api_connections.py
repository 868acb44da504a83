"""Connections: ``GET /api/v2/connections``, ``GET``/``PATCH /api/v2/connections/{id}`` and
``GET``/``PATCH /api/v2/connections/{id}/clients``.

One record says which applications a connection is enabled for: the connection's
``enabled_clients``. ``PATCH /connections/{id}`` with ``enabled_clients`` (deprecated) replaces
it; ``PATCH /connections/{id}/clients`` adds and removes entries; both GETs read it.

Facts:

- [OAS] list filters ``name`` (exact) and ``strategy`` (repeatable); offset pagination
  (``per_page`` 1..100, default 100) or checkpoint pagination (``from``, ``take`` default 50);
  list items are ``ConnectionForList`` (no ``enabled_clients``), ``GET /connections/{id}`` is
  ``GetConnectionResponseContent`` (with ``enabled_clients``). [REC] go-auth0
  TestConnectionManager_List: ``fields=id`` still carries ``is_domain_connection``.
- [OAS] PATCH body ``UpdateConnectionRequestContent`` (``additionalProperties: false``,
  ``minProperties: 1``; ``name`` and ``strategy`` cannot change); "If display_name is not
  included in the request, the field will be overwritten with the name value." [DOC] the
  ``options`` object of a PATCH replaces the stored one whole. PATCH answers 200 with the
  connection.
- [REC] go-auth0 TestConnectionManager_EnabledClients / UpdateEnabledClients_*: PATCH
  ``/clients`` takes ``[{"client_id", "status"}]`` and answers 204; GET answers
  ``{"clients": [{"client_id"}]}``; GET ``/connections/{id}`` then shows the same list.
  [OAS] at most 50 clients per PATCH.
- An unknown id: 404 ``inexistent_connection`` "The connection does not exist" (Auth0's error
  code as reported by its users).

[GAP] an unknown ``client_id`` is accepted. Scopes ``read:connections`` /
``update:connections``; global bucket.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.bodies import read_body
from reconciler.emulator.evidence import MAX_CLIENTS_PER_PATCH
from reconciler.emulator.listing import checkpoint_page, list_page, trim_fields
from reconciler.emulator.oas_schemas import (
    CONNECTION_BODY,
    CONNECTION_CLIENTS_BODY,
    CONNECTION_CLIENTS_QUERY,
    CONNECTIONS_LIST_QUERY,
)
from reconciler.emulator.responses import ApiError, Reply, empty_reply, json_reply
from reconciler.emulator.routing import Call, Route
from reconciler.emulator.tenant import JsonObject, Tenant
from reconciler.emulator.validation import RequestInvalid, check_body, check_query, payload_message

ONE = "/api/v2/connections/{id}"
CLIENTS = "/api/v2/connections/{id}/clients"
_ALWAYS = ("is_domain_connection",)


def _connection(call: Call, tenant: Tenant) -> JsonObject:
    connection = tenant.connection(call.params["id"])
    if connection is None:
        raise ApiError(404, "The connection does not exist", "inexistent_connection")
    return connection


def _for_list(connection: JsonObject) -> JsonObject:
    return {key: value for key, value in connection.items() if key != "enabled_clients"}


def list_connections(call: Call, tenant: Tenant) -> Reply:
    query = check_query(CONNECTIONS_LIST_QUERY, call.query)
    chosen = [
        _for_list(c)
        for c in tenant.connections
        if ("name" not in query or c["name"] == query["name"])
        and ("strategy" not in query or c["strategy"] in query["strategy"])
    ]
    page = list_page(chosen, query, "connections", "id", default_per_page=100, always=_ALWAYS)
    return json_reply(200, page)


def get_connection(call: Call, tenant: Tenant) -> Reply:
    query = check_query(
        {"fields": {"type": "string"}, "include_fields": {"type": "boolean"}}, call.query
    )
    return json_reply(200, trim_fields(_connection(call, tenant), query, _ALWAYS))


def patch_connection(call: Call, tenant: Tenant) -> Reply:
    connection = _connection(call, tenant)
    body: Any = read_body(call)
    check_body(CONNECTION_BODY, body)
    for key, value in body.items():
        if key == "enabled_clients":
            connection[key] = list(dict.fromkeys(value or []))
        else:
            connection[key] = value
    if "display_name" not in body:
        connection["display_name"] = connection["name"]
    return json_reply(200, connection)


def get_clients(call: Call, tenant: Tenant) -> Reply:
    query = check_query(CONNECTION_CLIENTS_QUERY, call.query)
    clients = [{"client_id": c} for c in _connection(call, tenant)["enabled_clients"]]
    return json_reply(200, checkpoint_page(clients, query, "clients", "client_id", 50))


def patch_clients(call: Call, tenant: Tenant) -> Reply:
    connection = _connection(call, tenant)
    body: Any = read_body(call)
    check_body(CONNECTION_CLIENTS_BODY, body)
    if len(body) > MAX_CLIENTS_PER_PATCH:
        detail = f"Array is too long ({len(body)}), maximum {MAX_CLIENTS_PER_PATCH}"
        raise RequestInvalid(payload_message(detail))
    enabled: list[str] = connection["enabled_clients"]
    for change in body:
        client_id = change["client_id"]
        if change["status"] and client_id not in enabled:
            enabled.append(client_id)
        elif not change["status"] and client_id in enabled:
            enabled.remove(client_id)
    return empty_reply(204)


ROUTES = (
    Route("GET", "/api/v2/connections", "connections", ("read:connections",), list_connections),
    Route("GET", ONE, "connections", ("read:connections",), get_connection),
    Route("PATCH", ONE, "connections", ("update:connections",), patch_connection, writes=True),
    Route("GET", CLIENTS, "connections", ("read:connections",), get_clients),
    Route("PATCH", CLIENTS, "connections", ("update:connections",), patch_clients, writes=True),
)
