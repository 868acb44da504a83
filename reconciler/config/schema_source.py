"""The tenant-file JSON Schema, generated from the catalogue (``reconciler.catalog``).

``schemas/tenant.schema.json`` is this module's output (``python scripts/generate_schemas.py``
writes it; a test fails when the committed file differs). One source of truth: a prompt, screen
or insertion point added to the catalogue reaches editors' completion and the first pass of
``validate`` at once.

Every ``pattern`` is anchored for real: JSON Schema patterns are searched, and in Python ``$``
also matches before a trailing newline, so each ends in ``$(?!\\n)``.
"""

from __future__ import annotations

from typing import Any

from reconciler.catalog import (
    CONNECTION_NAME_PATTERN,
    DEFAULT_INSERTION_POINT,
    INSERTION_POINT_NOTES,
    INSIDE_MAIN_FORM,
    LANGUAGES,
    NAME_PATTERN,
    PROMPTS,
    STANDARD_INSERTION_POINTS,
    TEXT_KEY_PATTERN,
    PromptSpec,
)

SCHEMA_ID = "https://auth0-partials.dev/schemas/tenant.schema.json"

TENANT_NAME_PATTERN = r"[a-z0-9][a-z0-9_.-]*"
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
_LOOPBACK = r"http://(?:localhost|127(?:\.[0-9]{1,3}){3}|\[::1\])"
DOMAIN_PATTERN = rf"(?:{_LOOPBACK}|(?:https://)?{_HOST})(?::[0-9]{{1,5}})?(?:/[^\s?#]*)?"
HOST_PATTERN = _HOST
ENV_REFERENCE_PATTERN = r"\$\{[A-Za-z_][A-Za-z0-9_]*\}"


def anchored(pattern: str) -> str:
    """``pattern`` matching a whole string, trailing newline included, in Python and ECMA."""
    core = pattern.removeprefix("^").removesuffix("$")
    return f"^(?:{core})$(?!\\n)"


def _exclusive(what: str) -> dict[str, Any]:
    return {
        "type": "boolean",
        "description": what,
        "x-hint": "write exclusive: true or exclusive: false, without quotes",
    }


_TEXTS = {
    "type": "object",
    "description": "Custom text variables the raw items of this screen use (`{{ prompt.screen."
    "texts.varName }}` for `var-name`): each maps languages to its text. The file owns the "
    "variables it declares here, per language.",
    "propertyNames": {
        "pattern": anchored(TEXT_KEY_PATTERN),
        "x-hint": "a custom text variable is var-NAME in lower-case words joined by hyphens",
    },
    "additionalProperties": {"$ref": "#/$defs/translations"},
}

_PROMPT_EXCLUSIVE = _exclusive(
    "true: this file owns the whole prompt. Screens and insertion points it does not declare "
    "are deleted on apply. Default false: only the declared insertion points are managed."
)
_SCREEN_EXCLUSIVE = _exclusive(
    "true: this file owns every insertion point of this screen; undeclared ones are deleted on "
    "apply. Default false."
)


def _point(name: str) -> dict[str, Any]:
    note = INSERTION_POINT_NOTES.get(name, "An insertion point")
    if name in INSIDE_MAIN_FORM and name != "form-content":
        note += ". No switch buttons here: a form inside the main form breaks the login form"
    elif name == "form-content":
        note += ". Inside the main form: no switch buttons"
    return {
        "$ref": "#/$defs/itemList",
        "description": f"Insertion point {name}: {note}. A list of items; [] keeps it empty.",
    }


def _list_or_mapping(description: str, properties: dict[str, Any], rest: str) -> dict[str, Any]:
    return {
        "description": description,
        "x-hint": "write a list of items (- switch: ... / - raw: ...), or a mapping of screens "
        "and insertion points",
        "type": ["array", "object"],
        "if": {"type": "array"},
        "then": {"$ref": "#/$defs/itemList"},
        "else": {"properties": properties, "additionalProperties": {"$ref": f"#/$defs/{rest}"}},
    }


def _screen_def(spec: PromptSpec, screen: str) -> dict[str, Any]:
    default = spec.default_insertion_point
    goes = f"A list of items goes to {default}" if default else "No list directly here"
    return _list_or_mapping(
        f"Screen {screen} of prompt {spec.name}. {goes}; a mapping names insertion points "
        "(and exclusive).",
        {
            "exclusive": _SCREEN_EXCLUSIVE,
            "texts": _TEXTS,
            **{p: _point(p) for p in spec.insertion_points},
        },
        "itemList",
    )


def _prompt_def(spec: PromptSpec) -> dict[str, Any]:
    properties: dict[str, Any] = {"exclusive": _PROMPT_EXCLUSIVE}
    properties.update({s: {"$ref": f"#/$defs/screen.{spec.name}.{s}"} for s in spec.screens})
    if spec.default_screen is not None:
        default = spec.default_insertion_point
        goes = f"A list of items goes to its {default}" if default else "No list directly here"
        properties.update({p: _point(p) for p in spec.insertion_points})
        properties["texts"] = _TEXTS
        text = (
            f"Prompt {spec.name} (one screen, {spec.default_screen}). {goes}; a mapping names "
            "insertion points directly, or the screen."
        )
    else:
        text = (
            f"Prompt {spec.name}, screens: {', '.join(spec.screens)}. A mapping of screens (and "
            "exclusive); several screens, so no list directly here."
        )
    if spec.note:
        text += f" Note: {spec.note}."
    return _list_or_mapping(text, properties, "screen")


def _names(what: str) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": anchored(NAME_PATTERN),
        "x-hint": f"{what} names are lower-case letters, digits and hyphens",
    }


def _fixed_defs() -> dict[str, Any]:
    return {
        "envRef": {
            "type": "string",
            "pattern": anchored(ENV_REFERENCE_PATTERN),
            "description": "A reference to an environment variable, written ${NAME}. The value "
            "is read from the environment at run time and never stored in the file.",
            "examples": ["${ACME_DEV_CLIENT_SECRET}"],
            "x-hint": "write ${ENV_VAR_NAME} and put the secret in that environment variable",
        },
        "itemList": {
            "type": "array",
            "description": "The items of one insertion point, rendered in order into one "
            "partial (at most 10000 characters). [] declares it empty: it is owned and deleted "
            "if present.",
            "items": {"$ref": "#/$defs/item"},
            "x-hint": "write a list: each entry starts with '- switch:' or '- raw:'",
        },
        "item": {
            "description": "A switch button (switch + label) or a raw HTML/Liquid item (raw).",
            "type": "object",
            "if": {"required": ["raw"], "not": {"required": ["switch"]}},
            "then": {"$ref": "#/$defs/rawItem"},
            "else": {"$ref": "#/$defs/switchButton"},
            "x-hint": "an item is '- switch: <connection>' with 'label: <text>', or "
            "'- raw: <html>', never both",
        },
        "switchButton": {
            "description": "A button that switches the login transaction to another "
            "connection (Auth0's documented connection-switching form).",
            "required": ["switch", "label"],
            "additionalProperties": False,
            "properties": {
                "switch": {
                    "type": "string",
                    "pattern": anchored(CONNECTION_NAME_PATTERN),
                    "description": "The connection to switch to: email or sms (passwordless), "
                    "or a database connection name such as Username-Password-Authentication. "
                    "Letters, digits and hyphens, at most 128.",
                    "examples": ["email", "sms", "Username-Password-Authentication"],
                    "x-hint": "name the connection to switch to, e.g. email, sms or "
                    "Username-Password-Authentication",
                },
                "label": {
                    "type": ["string", "object"],
                    "if": {"type": "object"},
                    "then": {"$ref": "#/$defs/translations"},
                    "else": {"minLength": 1},
                    "description": "The button text: plain text (HTML-escaped; no Liquid), or a "
                    "map of languages to texts, kept as custom text variables so each user "
                    "sees their language.",
                    "examples": [
                        "Send a secure code by email",
                        {"en": "Send a secure code by email", "fr": "Recevoir un code par e-mail"},
                    ],
                    "x-hint": "write the button text, e.g. label: Use Password Instead, or a map "
                    "such as label: {en: Use Password Instead, fr: Utiliser le mot de passe}",
                },
                "id": {
                    "type": ["string", "null"],
                    "description": "The button's id attribute. Default switchConnectionButton; "
                    "null for none.",
                },
                "class": {
                    "type": ["string", "null"],
                    "description": "The button's class attribute. Default none.",
                },
                "style": {
                    "type": ["string", "null"],
                    "description": "The button's style attribute. Default Auth0's documented "
                    "style (background: #635dff; width: 100%; padding: 12px 16px; border: none; "
                    "color: white;); null for none.",
                },
            },
            "x-hint": "a switch button takes switch, label and optionally id, class, style; "
            "raw HTML goes in its own item (- raw: ...)",
        },
        "rawItem": {
            "description": "Raw HTML/Liquid, kept exactly as written.",
            "required": ["raw"],
            "additionalProperties": False,
            "properties": {
                "raw": {
                    "type": "string",
                    "minLength": 1,
                    "description": "HTML, CSS, JS or Liquid for the partial, kept as written. "
                    "Use a block scalar (raw: |) for several lines.",
                    "x-hint": "write raw: | and the HTML on the following, indented lines",
                }
            },
            "x-hint": "a raw item takes only raw",
        },
        "screen": _list_or_mapping(
            "A screen: a list of items (goes to form-footer-start) or a mapping of insertion "
            "points to item lists (and exclusive).",
            {
                "exclusive": _SCREEN_EXCLUSIVE,
                **{p: _point(p) for p in STANDARD_INSERTION_POINTS},
            },
            "itemList",
        ),
        "prompt": _list_or_mapping(
            "A prompt (from extra_prompts, or one the schema does not list): a list of items "
            "(one-screen prompts only), or a mapping of screens / insertion points (and "
            "exclusive).",
            {"exclusive": _PROMPT_EXCLUSIVE},
            "screen",
        ),
        "translations": {
            "type": "object",
            "description": "Texts by language (the languages Universal Login speaks).",
            "minProperties": 1,
            "propertyNames": {
                "enum": list(LANGUAGES),
                "x-hint": "use a language Universal Login speaks, e.g. en, fr, de, es, pt-BR",
            },
            "additionalProperties": {"type": "string", "minLength": 1},
        },
        "extraPrompt": {
            "type": "object",
            "description": "A prompt the built-in catalogue lacks (or a replacement for a "
            "built-in one).",
            "required": ["screens"],
            "additionalProperties": False,
            "properties": {
                "screens": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": _names("screen"),
                    "description": "The prompt's screens. A one-screen prompt's screen is "
                    "usually named like the prompt.",
                    "x-hint": "write screens: [screen-name, ...]",
                },
                "insertion_points": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": _names("insertion point"),
                    "description": "The insertion points its screens offer. Default: the six "
                    f"standard ones ({', '.join(STANDARD_INSERTION_POINTS)}).",
                },
            },
        },
    }


def _top_properties() -> dict[str, Any]:
    return {
        "tenant": {
            "type": "string",
            "pattern": anchored(TENANT_NAME_PATTERN),
            "maxLength": 128,
            "description": "The tenant's name in plans and for --target: lower-case letters, "
            "digits, '-', '_' and '.', starting with a letter or digit. Unique across tenant "
            "files.",
            "examples": ["acme-dev"],
            "x-hint": "use lower-case letters, digits, '-', '_' and '.', starting with a letter "
            "or digit, e.g. acme-dev",
        },
        "domain": {
            "type": "string",
            "pattern": anchored(DOMAIN_PATTERN),
            "description": "The tenant's Auth0 domain (TENANT.REGION.auth0.com): the token, the "
            "audience and every Management API call use it. Not the custom domain (see "
            "custom_domain). Only a loopback address may be written with http:// (the "
            "emulator).",
            "examples": ["acme-dev.eu.auth0.com", "http://127.0.0.1:8765/tenants/acme-dev"],
            "x-hint": "write the tenant's Auth0 domain, e.g. acme-dev.eu.auth0.com; only "
            "loopback may use http://, e.g. http://127.0.0.1:8765",
        },
        "custom_domain": {
            "type": "string",
            "pattern": anchored(HOST_PATTERN),
            "description": "The custom domain users log in on (partials need one), e.g. "
            "login.acme.com. The checks (doctor) confirm it is the tenant's ready custom domain.",
            "examples": ["login.acme.com"],
            "x-hint": "write the bare host users log in on, e.g. login.acme.com",
        },
        "applications": {
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "minLength": 1},
            "description": "The applications the buttons serve, by name or client id: the "
            "checks require each switch target to be enabled for each of them. Default: at "
            "least one application.",
            "examples": [["Acme Web"]],
            "x-hint": "write a list of application names or client ids, e.g. [Acme Web]",
        },
        "default_language": {
            "enum": list(LANGUAGES),
            "description": "The language whose label a translated button shows where a page's "
            "language has none. Default: the tenant's default language.",
            "x-hint": "use a language Universal Login speaks, e.g. en",
        },
        "credentials": {
            "type": "object",
            "x-hint": "write credentials: with client_id: ${VAR} and client_secret: ${VAR} "
            "(or token: ${VAR}) on the lines below, indented",
            "description": "How to authenticate to the Management API: client_id + "
            "client_secret (a machine-to-machine application with read:prompts and "
            "update:prompts), or a ready-made token. Values are ${ENV_VAR} references, never "
            "secrets.",
            "additionalProperties": False,
            "properties": {
                "client_id": {
                    "$ref": "#/$defs/envRef",
                    "description": "${ENV_VAR} holding the client ID of the machine-to-machine "
                    "application.",
                },
                "client_secret": {
                    "$ref": "#/$defs/envRef",
                    "description": "${ENV_VAR} holding its client secret.",
                },
                "token": {
                    "$ref": "#/$defs/envRef",
                    "description": "${ENV_VAR} holding a Management API access token, instead "
                    "of client_id/client_secret.",
                },
                "audience": {
                    "type": "string",
                    "pattern": anchored(r"https?://[^\s]+"),
                    "description": "The Management API audience for the client-credentials "
                    "grant, a literal URL. Default https://{domain}/api/v2/; needed only when "
                    "domain is not the tenant's Auth0 domain.",
                    "examples": ["https://acme-dev.eu.auth0.com/api/v2/"],
                    "x-hint": "write the API URL, e.g. https://acme-dev.eu.auth0.com/api/v2/",
                },
            },
        },
        "safety": {
            "type": "object",
            "description": "Limits that make an apply stop and ask for --allow-destroy.",
            "additionalProperties": False,
            "properties": {
                "max_deletes": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "How many managed partials one apply may delete without "
                    "--allow-destroy. Default 3.",
                    "x-hint": "write a whole number, e.g. max_deletes: 3",
                },
                "allow_empty_prompt": {
                    "type": "boolean",
                    "description": "May an apply empty a whole prompt without --allow-destroy. "
                    "Default false.",
                    "x-hint": "write true or false, without quotes",
                },
            },
        },
        "extra_prompts": {
            "type": "object",
            "description": "Prompts the built-in catalogue lacks (Auth0 adds new ones over "
            "time), so they can be used under prompts.",
            "propertyNames": {
                "pattern": anchored(NAME_PATTERN),
                "x-hint": "prompt names are lower-case letters, digits and hyphens",
            },
            "additionalProperties": {"$ref": "#/$defs/extraPrompt"},
        },
        "prompts": {
            "type": "object",
            "x-hint": "under prompts:, give each prompt a list of items or a mapping of its "
            "screens and insertion points",
            "description": "The partials this file manages, by prompt. Prompts not named here "
            "are left alone.",
            "properties": {name: {"$ref": f"#/$defs/prompt.{name}"} for name in PROMPTS},
            "propertyNames": {
                "pattern": anchored(NAME_PATTERN),
                "x-hint": "prompt names are lower-case letters, digits and hyphens",
            },
            "additionalProperties": {"$ref": "#/$defs/prompt"},
        },
    }


def tenant_schema_document() -> dict[str, Any]:
    """The tenant-file schema, as committed in ``schemas/tenant.schema.json``."""
    defs = _fixed_defs()
    for spec in PROMPTS.values():
        defs[f"prompt.{spec.name}"] = _prompt_def(spec)
        for screen in spec.screens:
            defs[f"screen.{spec.name}.{screen}"] = _screen_def(spec, screen)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "auth0-partials tenant file",
        "description": "One Auth0 tenant: where to reach it, how to authenticate, and the "
        "Universal Login prompt partials (connection-switching buttons, raw HTML) it should "
        "have. Rules the schema cannot express (known prompts, screens and insertion points, "
        "partial length, nested forms, environment variables) are checked by the loader. "
        f"Generated from the catalogue; a list under a screen goes to {DEFAULT_INSERTION_POINT}.",
        "type": "object",
        "required": ["tenant", "domain", "credentials"],
        "additionalProperties": False,
        "properties": _top_properties(),
        "$defs": defs,
    }
