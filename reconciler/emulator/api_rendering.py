"""Rendering settings (ACUL): ``GET /api/v2/prompts/rendering`` and ``GET``/``PATCH
/api/v2/prompts/{prompt}/screen/{screen}/rendering``.

Facts:

- [OAS] list filters ``prompt``, ``screen``, ``rendering_mode``; ``page`` (from 0), ``per_page``
  (1..100, default 50), ``include_totals`` → ``{configs, start, limit, total}``; ``start`` and
  ``limit`` are "before filtering" and ``total`` is "the total number of configurations on this
  tenant": a page is cut from every configuration, then filtered. [REC] deploy-cli: an
  unconfigured tenant answers ``{"configs":[],"start":0,"limit":100,"total":0}``, also without a
  custom domain; go-auth0 TestPromptManager_ListRendering: list items carry ``prompt`` and
  ``screen`` but no ``tenant``.
- [REC] go-auth0 TestPromptManager_*Rendering, TF TestAccPromptScreenSettings: PATCH merges into
  the stored settings and answers 200 echoing the request (``PATCH {}`` → ``200 {}``); GET adds
  ``tenant``, ``prompt`` and ``screen``.
- [REC] deploy-cli 0d425455: without a custom domain, GET of a screen answers ``403
  operation_not_supported`` "This feature requires at least one custom domain to be configured
  for the tenant." (PATCH answers the same: [GAP]).
- [OAS] 402 "A paid subscription is required to use Advanced Customizations." when the tenant's
  plan lacks them (``features.advanced_customizations: false``; no errorCode, like the recorded
  402 of TF#1286).
- [OAS] ``prompt`` in ``PromptGroupNameEnum``, ``screen`` in ``ScreenGroupNameEnum``; otherwise
  the path validation error.

[GAP] choices: a screen never configured answers ``{"tenant", "prompt", "screen",
"rendering_mode": "standard"}`` (``tenant`` is the emulated tenant's name; Auth0 shows its
canonical domain); a screen that is not the prompt's is accepted unless ``validation="strict"``
(then the path validation error for ``screen``); strict mode also requires ``head_tags`` and
``context_configuration`` once a screen is ``advanced`` ([DOC] ACUL reference). Scopes
``read:prompts`` / ``update:prompts``; global bucket.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.bodies import read_body
from reconciler.emulator.enums import PROMPT_GROUPS, SCREEN_NAMES
from reconciler.emulator.evidence import PATH_PARAMETER_DESCRIPTIONS, SCREENS_BY_PROMPT
from reconciler.emulator.listing import trim_fields
from reconciler.emulator.oas_schemas import RENDERING_BODY, RENDERING_LIST_QUERY
from reconciler.emulator.responses import ApiError, Reply, json_reply
from reconciler.emulator.routing import Call, Route
from reconciler.emulator.tenant import Tenant
from reconciler.emulator.validation import (
    RequestInvalid,
    check_body,
    check_query,
    path_message,
    payload_message,
)

NEEDS_CUSTOM_DOMAIN = (
    "This feature requires at least one custom domain to be configured for the tenant."
)
NEEDS_PAID_PLAN = "A paid subscription is required to use Advanced Customizations."
SCREEN_TEMPLATE = "/api/v2/prompts/{prompt}/screen/{screen}/rendering"
DEFAULT_PER_PAGE = 50


def _check_plan(tenant: Tenant) -> None:
    if not tenant.features.get("advanced_customizations", True):
        raise ApiError(402, NEEDS_PAID_PLAN)


def list_rendering(call: Call, tenant: Tenant) -> Reply:
    _check_plan(tenant)
    query = check_query(RENDERING_LIST_QUERY, call.query)
    page = int(query.get("page", 0))
    per_page = int(query.get("per_page", DEFAULT_PER_PAGE))
    start = page * per_page
    wanted = {key: query[key] for key in ("prompt", "screen", "rendering_mode") if key in query}
    configs = [
        trim_fields(config, query)
        for config in tenant.rendering[start : start + per_page]
        if all(config.get(key) == value for key, value in wanted.items())
    ]
    if query.get("include_totals"):
        total = len(tenant.rendering)
        return json_reply(
            200, {"configs": configs, "start": start, "limit": per_page, "total": total}
        )
    return json_reply(200, configs)


def _screen(call: Call, tenant: Tenant) -> tuple[str, str]:
    prompt, screen = call.params["prompt"], call.params["screen"]
    strict = call.options.validation == "strict"
    for name, value, allowed in (
        ("prompt", prompt, PROMPT_GROUPS),
        (
            "screen",
            screen,
            SCREENS_BY_PROMPT[prompt] if strict and prompt in PROMPT_GROUPS else SCREEN_NAMES,
        ),
    ):
        if value not in allowed:
            message = path_message(name, value, PATH_PARAMETER_DESCRIPTIONS[name])
            raise RequestInvalid(message, "bad_request")
    _check_plan(tenant)
    if not tenant.custom_domains:
        raise ApiError(403, NEEDS_CUSTOM_DOMAIN, "operation_not_supported")
    return prompt, screen


def get_rendering(call: Call, tenant: Tenant) -> Reply:
    prompt, screen = _screen(call, tenant)
    stored = tenant.rendering_config(prompt, screen) or {"rendering_mode": "standard"}
    settings = {k: v for k, v in stored.items() if k not in ("prompt", "screen")}
    return json_reply(200, {"tenant": tenant.name, "prompt": prompt, "screen": screen, **settings})


def _check_advanced(merged: dict[str, Any]) -> None:
    if merged.get("rendering_mode") != "advanced":
        return
    for required in ("context_configuration", "head_tags"):
        if not merged.get(required):
            raise RequestInvalid(payload_message(f"Missing required property: {required}"))


def patch_rendering(call: Call, tenant: Tenant) -> Reply:
    prompt, screen = _screen(call, tenant)
    body: Any = read_body(call)
    check_body(RENDERING_BODY, body)
    stored = tenant.rendering_config(prompt, screen)
    merged = {**(stored or {"prompt": prompt, "screen": screen}), **body}
    if call.options.validation == "strict":
        _check_advanced(merged)
    if stored is None:
        if body:
            tenant.rendering.append(merged)
    else:
        stored.update(body)
    return json_reply(200, body)


ROUTES = (
    Route("GET", "/api/v2/prompts/rendering", "rendering", ("read:prompts",), list_rendering),
    Route("GET", SCREEN_TEMPLATE, "rendering", ("read:prompts",), get_rendering),
    Route("PATCH", SCREEN_TEMPLATE, "rendering", ("update:prompts",), patch_rendering, writes=True),
)
