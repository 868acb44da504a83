"""``GET``/``PUT``/``DELETE /api/v2/branding/templates/universal-login``: the page template.

Facts:

- [OAS] PUT body: a JSON string, or ``{"template": "…"}`` (no other property), each at most
  102,400 characters, as JSON or form-encoded; the emulator also takes ``text/html`` (the raw
  template). Too long: 400 "Payload content length greater than maximum allowed: 102400."
- [REC] go-auth0 and TF cassettes: the first PUT answers ``201 {}``, a PUT over an existing
  template ``204``; GET answers ``{"body": "…"}``; DELETE ``204``.
- [ISSUE] TF#770/#475: a template without exactly one ``{%- auth0:head -%}`` and at least one
  ``{%- auth0:widget -%}`` answers 400 "The template must contain a single auth0:head tag and at
  least one auth0:widget tag."
- [ISSUE] TF PR#446: without a custom domain, 400 "This feature requires at least one custom
  domain to be configured for the tenant."
- [REC] no template: 404 ``inexistent_templates_universal_login`` "Template does not exist."
- [ISSUE] TF#1286: a plan without the feature answers ``402 {"statusCode":402,"error":"Payment
  Required","message":"A paid subscription is required for this feature."}``
  (``features.page_templates: false``).

[GAP] choices: the custom-domain check comes first and applies to GET and DELETE too (TF PR#446
reports DELETE failing as well); errorCode ``operation_not_supported`` for it (the code of the
recorded 403 with the same message) and ``invalid_body`` for the length and tag checks; a
DELETE without a template answers 204. Scopes ``read:branding`` / ``update:branding`` /
``delete:branding``; global bucket.
"""

from __future__ import annotations

import re

from reconciler.emulator.bodies import read_body
from reconciler.emulator.evidence import MAX_TEMPLATE_CHARS
from reconciler.emulator.oas_schemas import TEMPLATE_BODY
from reconciler.emulator.responses import ApiError, Reply, empty_reply, json_reply
from reconciler.emulator.routing import Call, Route
from reconciler.emulator.tenant import Tenant
from reconciler.emulator.validation import RequestInvalid, check_body

TEMPLATE = "/api/v2/branding/templates/universal-login"
NEEDS_CUSTOM_DOMAIN = (
    "This feature requires at least one custom domain to be configured for the tenant."
)
NEEDS_PAID_PLAN = "A paid subscription is required for this feature."
TOO_LONG = f"Payload content length greater than maximum allowed: {MAX_TEMPLATE_CHARS}."
BAD_TAGS = "The template must contain a single auth0:head tag and at least one auth0:widget tag."
NO_TEMPLATE = "Template does not exist."

_HEAD = re.compile(r"\{%-?\s*auth0:head\s*-?%\}")
_WIDGET = re.compile(r"\{%-?\s*auth0:widget\s*-?%\}")


def has_required_tags(template: str) -> bool:
    """One ``auth0:head`` tag and at least one ``auth0:widget`` tag."""
    return len(_HEAD.findall(template)) == 1 and len(_WIDGET.findall(template)) >= 1


def _preconditions(tenant: Tenant) -> None:
    if not tenant.features.get("page_templates", True):
        raise ApiError(402, NEEDS_PAID_PLAN)
    if not tenant.custom_domains:
        raise ApiError(400, NEEDS_CUSTOM_DOMAIN, "operation_not_supported")


def _template_of(call: Call) -> str:
    html = call.content_type == "text/html"
    body: object = None
    if html:
        try:
            text: object = call.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RequestInvalid("Invalid request payload JSON format") from exc
    else:
        body = read_body(call)
        text = body.get("template") if isinstance(body, dict) else body
    if isinstance(text, str) and len(text) > MAX_TEMPLATE_CHARS:
        raise RequestInvalid(TOO_LONG)
    if not html:
        check_body(TEMPLATE_BODY, body)
    assert isinstance(text, str)
    return text


def get_template(call: Call, tenant: Tenant) -> Reply:
    _preconditions(tenant)
    if tenant.page_template is None:
        raise ApiError(404, NO_TEMPLATE, "inexistent_templates_universal_login")
    return json_reply(200, {"body": tenant.page_template})


def put_template(call: Call, tenant: Tenant) -> Reply:
    _preconditions(tenant)
    template = _template_of(call)
    if not has_required_tags(template):
        raise RequestInvalid(BAD_TAGS)
    created = tenant.page_template is None
    tenant.page_template = template
    return json_reply(201, {}) if created else empty_reply(204)


def delete_template(call: Call, tenant: Tenant) -> Reply:
    _preconditions(tenant)
    tenant.page_template = None
    return empty_reply(204)


ROUTES = (
    Route("GET", TEMPLATE, "branding", ("read:branding",), get_template),
    Route("PUT", TEMPLATE, "branding", ("update:branding",), put_template, writes=True),
    Route("DELETE", TEMPLATE, "branding", ("delete:branding",), delete_template, writes=True),
)
