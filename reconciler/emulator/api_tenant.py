"""``GET``/``PATCH /api/v2/tenants/settings`` and ``GET /api/v2/custom-domains``.

Facts:

- [OAS] ``UpdateTenantSettingsRequestContent``: ``additionalProperties: false``,
  ``minProperties: 1``, ``enabled_locales`` items in ``TenantSettingsSupportedLocalesEnum``
  (the first locale is the tenant's default language: there is no ``default_language``
  field). [REC] go-auth0 TestTenantManager: PATCH answers 200 with the full settings; GET
  honours ``fields`` / ``include_fields``.
- [REC] the custom domain list is a JSON array of Auth0's custom domain objects (go-auth0
  TestCustomDomainManager_List, TF and deploy-cli cassettes); [OAS] ``take``/``from`` give
  ``{"custom_domains": [...], "next"}``.

[GAP] PATCH merges object settings (``flags``, ``sessions``...) one level deep and replaces the
rest; the custom domain ``q`` and ``sort`` parameters are accepted and ignored. Scopes
``read:tenant_settings`` / ``update:tenant_settings`` / ``read:custom_domains``; global bucket.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.bodies import read_body
from reconciler.emulator.listing import list_page, trim_fields
from reconciler.emulator.oas_schemas import (
    CUSTOM_DOMAINS_LIST_QUERY,
    TENANT_SETTINGS_BODY,
    TENANT_SETTINGS_QUERY,
)
from reconciler.emulator.responses import Reply, json_reply
from reconciler.emulator.routing import Call, Route
from reconciler.emulator.tenant import Tenant
from reconciler.emulator.validation import check_body, check_query

SETTINGS = "/api/v2/tenants/settings"


def get_settings(call: Call, tenant: Tenant) -> Reply:
    query = check_query(TENANT_SETTINGS_QUERY, call.query)
    return json_reply(200, trim_fields(tenant.tenant_settings, query))


def patch_settings(call: Call, tenant: Tenant) -> Reply:
    body: Any = read_body(call)
    check_body(TENANT_SETTINGS_BODY, body)
    settings = tenant.tenant_settings
    for key, value in body.items():
        current = settings.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            settings[key] = {**current, **value}
        else:
            settings[key] = value
    return json_reply(200, settings)


def list_custom_domains(call: Call, tenant: Tenant) -> Reply:
    query = check_query(CUSTOM_DOMAINS_LIST_QUERY, call.query)
    page = list_page(tenant.custom_domains, query, "custom_domains", "custom_domain_id")
    return json_reply(200, page)


ROUTES = (
    Route("GET", SETTINGS, "tenant_settings", ("read:tenant_settings",), get_settings),
    Route(
        "PATCH",
        SETTINGS,
        "tenant_settings",
        ("update:tenant_settings",),
        patch_settings,
        writes=True,
    ),
    Route(
        "GET",
        "/api/v2/custom-domains",
        "custom_domains",
        ("read:custom_domains",),
        list_custom_domains,
    ),
)
