"""``GET``/``PUT /api/v2/prompts/{prompt}/custom-text/{language}``: a prompt's texts in a language.

Facts: [OAS] ``prompt`` in ``PromptGroupNameEnum`` (37 prompts), ``language`` in
``PromptLanguageEnum`` (82 languages), anything else the path validation error; the body is a
free-form object; PUT "Existing texts will be overwritten" (whole prompt and language). [REC]
go-auth0 TestPromptCustomText and TF TestAccPromptCustomText: PUT answers 200 with the texts,
``PUT {}`` clears, GET of nothing set answers ``200 {}``. [DOC] "Localize content": at most 30
``var-*`` variables per screen and language (enforced; the message is a [GAP]:
``Payload validation error: 'Too many custom variables (31), maximum 30' on property
<screen>.``). [GAP] Auth0 refuses unknown text keys (``Invalid key "x" in screen "y".``,
auth0-cli#382) but the emulator does not know the keys, so it accepts any; ``validation=
"strict"`` refuses screens that are not the prompt's and values that are not strings. Scopes
``read:prompts`` / ``update:prompts``; global bucket.
"""

from __future__ import annotations

from reconciler.emulator.bodies import read_body
from reconciler.emulator.documents import check_shape
from reconciler.emulator.enums import LANGUAGES, PROMPT_GROUPS
from reconciler.emulator.evidence import (
    MAX_TEXT_VARIABLES,
    PATH_PARAMETER_DESCRIPTIONS,
    SCREENS_BY_PROMPT,
)
from reconciler.emulator.oas_schemas import CUSTOM_TEXT_BODY
from reconciler.emulator.responses import Reply, json_reply
from reconciler.emulator.routing import Call, Route
from reconciler.emulator.tenant import Tenant
from reconciler.emulator.validation import RequestInvalid, check_body, path_message, payload_message

TEMPLATE = "/api/v2/prompts/{prompt}/custom-text/{language}"


def _path(call: Call) -> tuple[str, str]:
    for name, allowed in (("prompt", PROMPT_GROUPS), ("language", LANGUAGES)):
        value = call.params[name]
        if value not in allowed:
            message = path_message(name, value, PATH_PARAMETER_DESCRIPTIONS[name])
            raise RequestInvalid(message, "bad_request")
    return call.params["prompt"], call.params["language"]


def _check_strict(prompt: str, texts: dict[str, object]) -> None:
    unknown = [screen for screen in texts if screen not in SCREENS_BY_PROMPT[prompt]]
    if unknown:
        raise RequestInvalid(
            payload_message(f"Additional properties not allowed: {','.join(unknown)}")
        )
    check_shape(texts)


def _check_variables(texts: dict[str, object]) -> None:
    for screen, keys in texts.items():
        if isinstance(keys, dict):
            count = sum(str(key).startswith("var-") for key in keys)
            if count > MAX_TEXT_VARIABLES:
                detail = f"Too many custom variables ({count}), maximum {MAX_TEXT_VARIABLES}"
                raise RequestInvalid(payload_message(detail, screen))


def get_custom_text(call: Call, tenant: Tenant) -> Reply:
    prompt, language = _path(call)
    return json_reply(200, tenant.custom_text.get(prompt, {}).get(language, {}))


def put_custom_text(call: Call, tenant: Tenant) -> Reply:
    prompt, language = _path(call)
    texts = read_body(call)
    check_body(CUSTOM_TEXT_BODY, texts)
    assert isinstance(texts, dict)
    if call.options.validation == "strict":
        _check_strict(prompt, texts)
    _check_variables(texts)
    languages = tenant.custom_text.setdefault(prompt, {})
    if texts:
        languages[language] = texts
    else:
        languages.pop(language, None)
        if not languages:
            tenant.custom_text.pop(prompt, None)
    return json_reply(200, texts)


ROUTES = (
    Route("GET", TEMPLATE, "custom_text", ("read:prompts",), get_custom_text),
    Route("PUT", TEMPLATE, "custom_text", ("update:prompts",), put_custom_text, writes=True),
)
