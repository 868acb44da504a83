"""``GET``/``PATCH /api/v2/prompts``: the tenant's prompt settings.

Facts: [OAS] ``UpdateSettingsRequestContent`` (``additionalProperties: false``,
``minProperties: 1``; ``universal_login_experience`` ``new|classic``; ``identifier_first`` and
``webauthn_platform_first_factor`` boolean or null); [REC] go-auth0 TestPrompt and TF
TestAccPrompt: PATCH answers 200 with the full settings; deploy-cli#916: an unknown property
answers ``Payload validation error: 'Additional properties not allowed: partials'.``.
[GAP] a null resets the setting to false. Scopes ``read:prompts`` / ``update:prompts``; global
bucket.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.bodies import read_body
from reconciler.emulator.oas_schemas import PROMPT_SETTINGS_BODY
from reconciler.emulator.responses import Reply, json_reply
from reconciler.emulator.routing import Call, Route
from reconciler.emulator.tenant import Tenant
from reconciler.emulator.validation import check_body


def get_settings(call: Call, tenant: Tenant) -> Reply:
    return json_reply(200, tenant.prompt_settings)


def patch_settings(call: Call, tenant: Tenant) -> Reply:
    body: Any = read_body(call)
    check_body(PROMPT_SETTINGS_BODY, body)
    for key, value in body.items():
        tenant.prompt_settings[key] = False if value is None else value
    return json_reply(200, tenant.prompt_settings)


ROUTES = (
    Route("GET", "/api/v2/prompts", "prompts", ("read:prompts",), get_settings),
    Route("PATCH", "/api/v2/prompts", "prompts", ("update:prompts",), patch_settings, writes=True),
)
