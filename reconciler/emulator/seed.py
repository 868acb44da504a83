"""A tenant "configured by hand from the curl calls" of Auth0's flexible connection switching page.

Source: ``shared/seed/configure-flexible-connection-switching.txt`` (Auth0's documentation page
"Configure Flexible Connection Switching"). The three switch buttons are copied from its three
``curl --data`` payloads exactly as the shell hands them to Auth0:

- ``signup-password`` / ``form-footer-start``: the double-quoted button.
- ``login-password`` / ``form-footer-start``: the single-quoted variant.
- ``login-passwordless`` / ``login-passwordless-email-code`` / ``form-footer-start``: the
  single-quoted "Use Password Instead" button (note the seed's double space in
  ``type='hidden'  name='state'``), **drifted**: someone relabelled it by hand in the dashboard
  to "Use password instead" (lowercase p).

Plus one partial nobody declares in a tenant file (unmanaged): a help link at
``login-password`` / ``secondary-actions-end``.

Start an emulator with ``EmulatorOptions(seed=True)`` (``emulator serve --seed``) to give every
new tenant this content, in a tenant **ready** for connection switching as Auth0's documentation
lists its prerequisites (connection-switching.mdx, customize-signup-and-login-prompts.mdx): a
verified custom domain, a page template with ``{%- auth0:head -%}`` and ``{%- auth0:widget -%}``
(the recorded template of terraform-provider-auth0's cassettes), New Universal Login with
Identifier First, standard rendering for every screen, "Customize Login Page" off for the
application ``Acme Web``, and the connections ``Username-Password-Authentication`` (database),
``email`` and ``sms`` (passwordless) and ``google-oauth2`` (social) enabled for it; enabled
locales ``en`` and ``fr``; one database user, ``alice@acme.example``. Connection options are
shaped like go-auth0's recorded connections. The ids below are the same in every tenant.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from reconciler.emulator.evidence import SCREENS_BY_PROMPT
from reconciler.emulator.tenant import Tenant
from reconciler.emulator.users import hash_password, user_id_for

_STYLE = "background: #635dff; width: 100%; padding: 12px 16px; border: none; color: white;"

#: signup-password, form-footer-start: the seed's double-quoted button, verbatim.
SIGNUP_PASSWORD_SWITCH = (
    '<form method="post" data-form-secondary="true">'
    '<input type="hidden" name="state" value="{{state}}"> '
    '<input type="hidden" name="connection" value="email"> '
    f'<button type="submit" id="switchConnectionButton" style="{_STYLE}"'
    ' data-action-button-secondary="true">'
    " <span>Send a secure code by email</span> </button></form>"
)

#: login-password, form-footer-start: the seed's single-quoted variant, verbatim.
LOGIN_PASSWORD_SWITCH = (
    "<form method='post' data-form-secondary='true'>"
    "<input type='hidden' name='state' value='{{state}}'> "
    "<input type='hidden' name='connection' value='email'> "
    f"<button type='submit' id='switchConnectionButton' style='{_STYLE}'"
    " data-action-button-secondary='true'>"
    " <span>Send a secure code by email</span> </button></form>"
)

#: login-passwordless-email-code, form-footer-start: the seed's button with its label drifted
#: from "Use Password Instead" to "Use password instead". Keeps the seed's double space.
LOGIN_PASSWORDLESS_SWITCH_DRIFTED = (
    "<form method='post' data-form-secondary='true'>"
    "<input type='hidden'  name='state' value='{{state}}'> "
    "<input type='hidden' name='connection' value='Username-Password-Authentication'> "
    f"<button type='submit' id='switchConnectionButton' style='{_STYLE}'"
    " data-action-button-secondary='true'>"
    " <span>Use password instead</span> </button></form>"
)

#: login-password, secondary-actions-end: a partial no tenant file manages.
UNMANAGED_HELP_LINK = (
    '<p class="help"><a href="https://support.example.com">Trouble signing in?</a></p>'
)

#: prompt -> partials document (``{screen: {insertion point: html}}``).
SEED_PROMPTS: dict[str, dict[str, dict[str, str]]] = {
    "signup-password": {
        "signup-password": {"form-footer-start": SIGNUP_PASSWORD_SWITCH},
    },
    "login-password": {
        "login-password": {
            "form-footer-start": LOGIN_PASSWORD_SWITCH,
            "secondary-actions-end": UNMANAGED_HELP_LINK,
        },
    },
    "login-passwordless": {
        "login-passwordless-email-code": {"form-footer-start": LOGIN_PASSWORDLESS_SWITCH_DRIFTED},
    },
}


def seed_documents() -> dict[str, dict[str, dict[str, str]]]:
    """A fresh deep copy of :data:`SEED_PROMPTS`, safe to store and mutate."""
    return copy.deepcopy(SEED_PROMPTS)


#: The application the seeded connections are enabled for.
ACME_WEB_CLIENT_ID = "SeedAcmeWebApp000000000000000001"
DATABASE_CONNECTION_ID = "con_SeedDatabase0001"
EMAIL_CONNECTION_ID = "con_SeedEmail0000001"
SMS_CONNECTION_ID = "con_SeedSms000000001"
GOOGLE_CONNECTION_ID = "con_SeedGoogle000001"

SEED_USER_EMAIL = "alice@acme.example"
SEED_USER_PASSWORD = "correct horse battery staple"

#: [REC] the page template of terraform-provider-auth0's and go-auth0's cassettes.
SEED_PAGE_TEMPLATE = (
    "<!DOCTYPE html><html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>"
)


def _connection(
    connection_id: str, name: str, strategy: str, options: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": connection_id,
        "options": options,
        "strategy": strategy,
        "name": name,
        "is_domain_connection": False,
        "realms": [name],
        "enabled_clients": [ACME_WEB_CLIENT_ID],
    }


def seed_connections() -> list[dict[str, Any]]:
    """The four connections of the seeded tenant, all enabled for ``Acme Web``."""
    return [
        _connection(
            DATABASE_CONNECTION_ID,
            "Username-Password-Authentication",
            "auth0",
            {
                "mfa": {"active": True, "return_enroll_settings": True},
                "passwordPolicy": "good",
                "strategy_version": 2,
                "authentication_methods": {
                    "password": {"enabled": True},
                    "passkey": {"enabled": False},
                },
                "brute_force_protection": True,
            },
        ),
        _connection(
            EMAIL_CONNECTION_ID,
            "email",
            "email",
            {
                "name": "email",
                "totp": {"length": 6, "time_step": 300},
                "email": {
                    "from": "{{application.name}} <root@auth0.com>",
                    "syntax": "liquid",
                    "subject": "Welcome to {{application.name}}",
                    "body": "<html><body>Your code is {{code}}</body></html>",
                },
                "disable_signup": False,
                "brute_force_protection": True,
            },
        ),
        _connection(
            SMS_CONNECTION_ID,
            "sms",
            "sms",
            {
                "name": "sms",
                "totp": {"length": 6, "time_step": 300},
                "syntax": "md_with_macros",
                "template": "Your verification code is: @@password@@",
                "disable_signup": False,
                "brute_force_protection": True,
            },
        ),
        _connection(
            GOOGLE_CONNECTION_ID,
            "google-oauth2",
            "google-oauth2",
            {"email": True, "profile": True, "scope": ["email", "profile"]},
        ),
    ]


def acme_web(tenant: str) -> dict[str, Any]:
    """The seeded application, shaped like Auth0's Client (no secret is kept)."""
    return {
        "tenant": tenant,
        "client_id": ACME_WEB_CLIENT_ID,
        "name": "Acme Web",
        "description": "The web application of the seeded tenant",
        "app_type": "regular_web",
        "is_first_party": True,
        "oidc_conformant": True,
        "callbacks": ["https://app.acme.example/callback"],
        "allowed_logout_urls": ["https://app.acme.example/"],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "client_secret_post",
        "custom_login_page_on": False,
    }


def seed_tenant(name: str) -> Tenant:
    """A tenant ready for connection switching (see the module docstring)."""
    tenant = Tenant.fresh(name)
    tenant.prompts = seed_documents()
    tenant.prompt_settings = {
        "universal_login_experience": "new",
        "identifier_first": True,
        "webauthn_platform_first_factor": False,
    }
    tenant.tenant_settings["enabled_locales"] = ["en", "fr"]
    tenant.page_template = SEED_PAGE_TEMPLATE
    tenant.rendering = [
        {"prompt": prompt, "screen": screen, "rendering_mode": "standard"}
        for prompt, screens in SCREENS_BY_PROMPT.items()
        for screen in screens
    ]
    tenant.clients = [acme_web(name)]
    tenant.connections = seed_connections()
    tenant.users = [
        {
            "user_id": user_id_for(SEED_USER_EMAIL),
            "email": SEED_USER_EMAIL,
            "connection": "Username-Password-Authentication",
            "password_hash": _seed_password_hash(),
        }
    ]
    return tenant


@functools.cache
def _seed_password_hash() -> str:
    return hash_password(SEED_USER_PASSWORD, salt="seed")
