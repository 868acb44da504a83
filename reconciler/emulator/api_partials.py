"""``GET``/``PUT /api/v2/prompts/{prompt}/partials``: a prompt's partials, whole-document replace.

Facts (``auth0-api.md``, recordings): GET of an empty prompt answers ``200 {}``; PUT replaces
the whole document and answers ``200`` with the stored document; a prompt the tenant lacks
answers the recorded path validation error (400 ``bad_request``). Scopes ``read:prompts`` /
``update:prompts``; own GET and PUT buckets (5 burst, 5 per minute). Body checks: see
:mod:`.documents`.
"""

from __future__ import annotations

from reconciler.emulator.documents import (
    path_validation_message,
    prompt_available,
    validate_put,
)
from reconciler.emulator.responses import Reply, json_reply
from reconciler.emulator.routing import Call, Route
from reconciler.emulator.tenant import Tenant
from reconciler.emulator.validation import RequestInvalid

TEMPLATE = "/api/v2/prompts/{prompt}/partials"


def _check_prompt(call: Call) -> str:
    prompt = call.params["prompt"]
    options = call.options
    if not prompt_available(prompt, options.unavailable_prompts, options.early_access):
        raise RequestInvalid(path_validation_message(prompt), "bad_request")
    return prompt


def get_partials(call: Call, tenant: Tenant) -> Reply:
    # A GET body (go-auth0 sends "null") is ignored, as Auth0 does.
    prompt = _check_prompt(call)
    return json_reply(200, tenant.prompts.get(prompt, {}))


def put_partials(call: Call, tenant: Tenant) -> Reply:
    prompt = _check_prompt(call)
    document = validate_put(prompt, call.body, strict=call.options.validation == "strict")
    tenant.set_partials(prompt, document)
    return json_reply(200, document)


ROUTES = (
    Route("GET", TEMPLATE, "partials", ("read:prompts",), get_partials, bucket="get"),
    Route(
        "PUT", TEMPLATE, "partials", ("update:prompts",), put_partials, bucket="put", writes=True
    ),
)
