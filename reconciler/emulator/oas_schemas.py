"""Request bodies and query strings as Auth0's OpenAPI document constrains them.

Source: the June 2026 copy of the OpenAPI slice (``tests/fixtures/emulator/
management-api-ul-slice.json``). Each body schema is the document's schema with ``$ref`` resolved,
reduced to what :mod:`reconciler.emulator.validation` checks: the keywords ``type``, ``pattern``,
``enum``, ``maxLength``, ``minLength``, ``minimum``, ``maximum``, ``minItems``, ``maxItems``,
``oneOf`` and ``items`` everywhere, plus ``properties``, ``additionalProperties``,
``minProperties`` and ``required`` for the body's own object (or the objects of a body that is
an array); nested objects are checked for their type only. A query schema maps each query
parameter to its reduced schema. ``tests/test_emulator_evidence.py`` rebuilds every schema from
the document by that rule and compares: an edit here that the document does not back fails.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.enums import CONNECTION_STRATEGIES, LOCALES

#: A reduced JSON Schema (see the module docstring).
Schema = dict[str, Any]

#: ``PATCH /prompts``: ``UpdateSettingsRequestContent``.
PROMPT_SETTINGS_BODY: Schema = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "universal_login_experience": {"type": "string", "enum": ["new", "classic"]},
        "identifier_first": {"type": ["boolean", "null"]},
        "webauthn_platform_first_factor": {"type": ["boolean", "null"]},
    },
}

#: ``PATCH /tenants/settings``: ``UpdateTenantSettingsRequestContent``.
TENANT_SETTINGS_BODY: Schema = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "change_password": {"type": ["object", "null"]},
        "device_flow": {"type": ["object", "null"]},
        "guardian_mfa_page": {"type": ["object", "null"]},
        "default_audience": {"type": "string"},
        "default_directory": {"type": "string"},
        "error_page": {"type": ["object", "null"]},
        "default_token_quota": {"type": ["object", "null"]},
        "flags": {"type": "object"},
        "friendly_name": {"type": "string"},
        "picture_url": {"type": "string"},
        "support_email": {"type": "string"},
        "support_url": {"type": "string"},
        "allowed_logout_urls": {"type": "array", "items": {"type": "string"}},
        "session_lifetime": {"type": "integer", "minimum": 1},
        "session_lifetime_in_minutes": {"type": "integer", "minimum": 1},
        "idle_session_lifetime": {"type": "integer", "minimum": 1},
        "idle_session_lifetime_in_minutes": {"type": "integer", "minimum": 1},
        "ephemeral_session_lifetime": {"type": "integer", "minimum": 1},
        "idle_ephemeral_session_lifetime": {"type": "integer", "minimum": 1},
        "ephemeral_session_lifetime_in_minutes": {"type": "integer", "minimum": 1},
        "idle_ephemeral_session_lifetime_in_minutes": {"type": "integer", "minimum": 1},
        "sandbox_version": {"type": "string", "maxLength": 8},
        "legacy_sandbox_version": {"type": "string", "maxLength": 8},
        "default_redirection_uri": {"type": "string"},
        "enabled_locales": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "enum": list(LOCALES)},
        },
        "security_headers": {"type": ["object", "null"]},
        "session_cookie": {"type": ["object", "null"]},
        "sessions": {"type": ["object", "null"]},
        "oidc_logout": {"type": "object"},
        "customize_mfa_in_postlogin_action": {"type": ["boolean", "null"]},
        "allow_organization_name_in_authentication_api": {"type": ["boolean", "null"]},
        "acr_values_supported": {
            "type": ["array", "null"],
            "minItems": 0,
            "items": {"type": "string"},
        },
        "mtls": {"type": ["object", "null"]},
        "pushed_authorization_requests_supported": {"type": ["boolean", "null"]},
        "authorization_response_iss_parameter_supported": {"type": ["boolean", "null"]},
        "skip_non_verifiable_callback_uri_confirmation_prompt": {"type": ["boolean", "null"]},
        "resource_parameter_profile": {"type": "string", "enum": ["audience", "compatibility"]},
        "client_id_metadata_document_supported": {"type": "boolean"},
        "enable_ai_guide": {"type": "boolean"},
        "phone_consolidated_experience": {"type": "boolean"},
        "include_session_metadata_in_tenant_logs": {"type": "boolean"},
        "dynamic_client_registration_security_mode": {
            "type": "string",
            "enum": ["strict", "permissive"],
        },
        "country_codes": {"type": ["object", "null"]},
    },
}

#: ``PATCH /prompts/{prompt}/screen/{screen}/rendering``: ``UpdateAculRequestContent``.
RENDERING_BODY: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "rendering_mode": {"type": "string", "enum": ["advanced", "standard"]},
        "context_configuration": {
            "type": ["array", "null"],
            "items": {
                "oneOf": [
                    {
                        "type": "string",
                        "enum": [
                            "branding.settings",
                            "branding.themes.default",
                            "client.logo_uri",
                            "client.description",
                            "organization.display_name",
                            "organization.branding",
                            "screen.texts",
                            "tenant.name",
                            "tenant.friendly_name",
                            "tenant.logo_url",
                            "tenant.enabled_locales",
                            "untrusted_data.submitted_form_data",
                            "untrusted_data.authorization_params.login_hint",
                            "untrusted_data.authorization_params.screen_hint",
                            "untrusted_data.authorization_params.ui_locales",
                            "user.organizations",
                            "transaction.custom_domain.domain",
                            "experiment",
                        ],
                    },
                    {"type": "string", "pattern": "^client\\.metadata\\.[^\\.]+$"},
                    {"type": "string", "pattern": "^organization\\.metadata\\.[^\\.]+$"},
                    {
                        "type": "string",
                        "pattern": "^transaction\\.custom_domain\\.domain_metadata\\.[^\\.]+$",
                    },
                    {"type": "string", "pattern": "^user\\.user_metadata\\.[^\\.]+$"},
                    {"type": "string", "pattern": "^user\\.app_metadata\\.[^\\.]+$"},
                    {
                        "type": "string",
                        "pattern": "^untrusted_data\\.authorization_params\\.ext-[^\\.]+$",
                    },
                ]
            },
        },
        "default_head_tags_disabled": {"type": ["boolean", "null"]},
        "use_page_template": {"type": ["boolean", "null"]},
        "head_tags": {"type": ["array", "null"], "items": {"type": "object"}},
        "filters": {"type": ["object", "null"]},
    },
}

#: ``PUT /branding/templates/universal-login``: ``UpdateUniversalLoginTemplateRequestContent``.
TEMPLATE_BODY: Schema = {
    "oneOf": [
        {"type": "string", "maxLength": 102400},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["template"],
            "properties": {"template": {"type": "string", "maxLength": 102400}},
        },
    ]
}

#: ``PATCH /connections/{id}``: ``UpdateConnectionRequestContent``.
CONNECTION_BODY: Schema = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "display_name": {"type": "string", "maxLength": 128},
        "options": {"type": ["object", "null"]},
        "enabled_clients": {"type": ["array", "null"], "items": {"type": "string"}},
        "is_domain_connection": {"type": "boolean"},
        "show_as_button": {"type": "boolean"},
        "realms": {"type": "array", "items": {"type": "string"}},
        "metadata": {"type": "object"},
        "authentication": {"type": "object"},
        "connected_accounts": {"type": "object"},
        "cross_app_access_requesting_app": {"type": "object"},
    },
}

#: ``PATCH /connections/{id}/clients``: ``UpdateEnabledClientConnectionsRequestContent``.
CONNECTION_CLIENTS_BODY: Schema = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["client_id", "status"],
        "properties": {"client_id": {"type": "string"}, "status": {"type": "boolean"}},
    },
}

#: ``PUT /prompts/{prompt}/custom-text/{language}``: ``SetsCustomTextsByLanguageRequestContent``.
CUSTOM_TEXT_BODY: Schema = {"type": "object", "additionalProperties": True}

#: ``PUT /prompts/{prompt}/partials``: ``SetPartialsRequestContent``.
PARTIALS_BODY: Schema = {"type": "object", "additionalProperties": True}

#: ``GET /prompts/rendering``: query parameters.
RENDERING_LIST_QUERY: Schema = {
    "fields": {"type": "string"},
    "include_fields": {"type": "boolean"},
    "page": {"type": "integer", "minimum": 0},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
    "include_totals": {"type": "boolean"},
    "prompt": {"type": "string"},
    "screen": {"type": "string"},
    "rendering_mode": {"type": "string", "enum": ["advanced", "standard"]},
}

#: ``GET /connections``: query parameters.
CONNECTIONS_LIST_QUERY: Schema = {
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
    "page": {"type": "integer", "minimum": 0},
    "include_totals": {"type": "boolean"},
    "from": {"type": "string"},
    "take": {"type": "integer", "minimum": 1, "maximum": 100},
    "strategy": {"type": "array", "items": {"type": "string", "enum": list(CONNECTION_STRATEGIES)}},
    "name": {"type": "string"},
    "fields": {"type": "string"},
    "include_fields": {"type": "boolean"},
}

#: ``GET /connections/{id}/clients``: query parameters.
CONNECTION_CLIENTS_QUERY: Schema = {
    "take": {"type": "integer", "minimum": 1, "maximum": 1000},
    "from": {"type": "string", "maxLength": 1000},
}

#: ``GET /clients``: query parameters.
CLIENTS_LIST_QUERY: Schema = {
    "fields": {"type": "string"},
    "include_fields": {"type": "boolean"},
    "page": {"type": "integer", "minimum": 0},
    "per_page": {"type": "integer", "minimum": 0, "maximum": 100},
    "include_totals": {"type": "boolean"},
    "from": {"type": "string"},
    "take": {"type": "integer", "minimum": 1, "maximum": 100},
    "is_global": {"type": "boolean"},
    "is_first_party": {"type": "boolean"},
    "app_type": {"type": "string"},
    "external_client_id": {"type": "string", "maxLength": 120, "minLength": 1},
    "q": {"type": "string"},
}

#: ``GET /client-grants``: query parameters.
CLIENT_GRANTS_LIST_QUERY: Schema = {
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
    "page": {"type": "integer", "minimum": 0},
    "include_totals": {"type": "boolean"},
    "from": {"type": "string"},
    "take": {"type": "integer", "minimum": 1, "maximum": 100},
    "audience": {"type": "string"},
    "client_id": {"type": "string"},
    "allow_any_organization": {"type": "boolean", "enum": [True]},
    "subject_type": {"type": "string", "enum": ["client", "user"]},
    "default_for": {"type": "string", "enum": ["third_party_clients"]},
}

#: ``GET /custom-domains``: query parameters.
CUSTOM_DOMAINS_LIST_QUERY: Schema = {
    "take": {"type": "integer", "minimum": 1, "maximum": 100},
    "from": {"type": "string", "maxLength": 1000},
    "q": {"type": "string", "maxLength": 1000},
    "fields": {"type": "string", "maxLength": 100},
    "include_fields": {"type": "boolean"},
    "sort": {"type": "string", "maxLength": 15},
}

#: ``GET /tenants/settings``: query parameters.
TENANT_SETTINGS_QUERY: Schema = {
    "fields": {"type": "string"},
    "include_fields": {"type": "boolean"},
}
