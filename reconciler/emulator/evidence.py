"""The emulator's own idea of Auth0's Universal Login: prompts, screens, insertion points, limits.

Every entry says where it comes from. Tags: [OAS] Auth0's OpenAPI document (June 2026 copy, see
:mod:`.enums`); [REC] recorded real traffic; [DOC] auth0.com documentation; [SDK] Auth0's own
SDKs and samples; [INF] inference, no direct source. The client keeps its own catalogue
(``reconciler.catalog``); this module never imports it, so a test comparing the two catches a
mistake in either. ``tests/test_emulator_evidence.py`` checks this data against the OpenAPI copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.emulator.enums import PARTIAL_GROUPS, PROMPT_GROUPS, SCREEN_NAMES

#: [DOC] "a partial is at most 10,000 characters" (per insertion point; counted in code points:
#: the bytes-vs-characters question is a [GAP]).
MAX_PARTIAL_CHARS = 10_000

#: [OAS] ``UpdateUniversalLoginTemplateRequestContent``: ``maxLength: 102400``.
MAX_TEMPLATE_CHARS = 102_400

#: [DOC] "Localize content": up to 30 ``var-*`` custom-text variables per screen and language.
MAX_TEXT_VARIABLES = 30

#: [OAS] description of ``UpdateEnabledClientConnectionsRequestContent.items.client_id``:
#: "the limit per PATCH request is 50 clients".
MAX_CLIENTS_PER_PATCH = 50

#: [DOC] the six insertion points of every login and signup screen ("each supported screen has
#: either four or six entry points"); [REC] terraform-provider-auth0 TestAccPromptPartials sends
#: all six on ``login``.
STANDARD_INSERTION_POINTS: tuple[str, ...] = (
    "form-content-start",
    "form-content-end",
    "form-footer-start",
    "form-footer-end",
    "secondary-actions-start",
    "secondary-actions-end",
)


@dataclass(frozen=True)
class PartialsPrompt:
    """A prompt of ``/prompts/{prompt}/partials``: its screens and their insertion points.

    Screens and insertion points are only checked with ``validation="strict"``: the OAS body
    schema is free-form (``additionalProperties: true``), so Auth0's answer to an unknown screen
    or insertion point is a [GAP].
    """

    name: str
    screens: tuple[str, ...]
    insertion_points: tuple[str, ...] = STANDARD_INSERTION_POINTS


def _one(name: str) -> PartialsPrompt:
    return PartialsPrompt(name, (name,))


#: The prompts ``/prompts/{prompt}/partials`` accepts. [OAS] ``PartialGroupsEnum`` (nine prompts,
#: ``passkeys`` included) plus ``confirmation``: [SDK] node-auth0 v6 (#1369, 2026-07-15) and
#: go-auth0 v3.0.0 (#822) added it to their ``PartialGroupsEnum`` after the OAS copy was made.
PARTIALS_PROMPTS: Mapping[str, PartialsPrompt] = {
    prompt.name: prompt
    for prompt in (
        _one("login"),
        _one("login-id"),
        _one("login-password"),
        # [DOC] screen list; [REC] TF cassettes. login-passwordless-email-link exists for
        # rendering and custom text only.
        PartialsPrompt(
            "login-passwordless", ("login-passwordless-email-code", "login-passwordless-sms-otp")
        ),
        _one("signup"),
        _one("signup-id"),
        _one("signup-password"),
        # [DOC] configure-rich-authorization-requests: ``form-content`` only; whether the six
        # standard points are accepted too is a [GAP] (strict mode refuses them).
        PartialsPrompt("customized-consent", ("customized-consent",), ("form-content",)),
        # [DOC] screen list; [SDK] go-auth0 ScreenPasskeyEnrollment*. Insertion points: [INF].
        PartialsPrompt("passkeys", ("passkey-enrollment", "passkey-enrollment-local")),
        # [SDK] node-auth0/go-auth0 enums. Its insertion points are undocumented: [INF].
        _one("confirmation"),
    )
}

#: [REC] deploy-cli 9bb3dc08: ``passkeys`` answered 400 on a tenant without the feature and
#: ``200 {}`` on the same kind of tenant from 2026-06-30 on. Both are available by default;
#: ``--unavailable-prompt`` models a tenant without one.
NEWER_PROMPTS: frozenset[str] = frozenset({"passkeys", "confirmation"})


def _screens(prompt: str, *screens: str) -> tuple[str, tuple[str, ...]]:
    return prompt, screens or (prompt,)


#: Every prompt of ``PromptGroupNameEnum`` [OAS] and its screens (``ScreenGroupNameEnum`` [OAS]),
#: for rendering settings and custom text. The mapping itself is not in the OAS: it follows Auth0's
#: ACUL samples (auth0-samples/auth0-acul-samples ``.github/config/screen-to-prompt-mapping.js``)
#: and the custom-text docs (auth0/docs ``text-customization-prompts/*``) [SDK, DOC]; the screens
#: those do not list are placed by their name [INF]: login-passwordless-email-link,
#: mfa-push-enrollment-code, mfa-push-success, pre-login-organization-picker, custom-form, status,
#: confirmation and the async-approval screens.
SCREENS_BY_PROMPT: Mapping[str, tuple[str, ...]] = dict(
    (
        _screens("login"),
        _screens("login-id"),
        _screens("login-password"),
        _screens(
            "login-passwordless",
            "login-passwordless-email-code",
            "login-passwordless-email-link",
            "login-passwordless-sms-otp",
        ),
        _screens("login-email-verification"),
        _screens("signup"),
        _screens("signup-id"),
        _screens("signup-password"),
        _screens("phone-identifier-enrollment"),
        _screens("phone-identifier-challenge"),
        _screens("email-identifier-challenge"),
        _screens(
            "reset-password",
            "reset-password-request",
            "reset-password-email",
            "reset-password",
            "reset-password-success",
            "reset-password-error",
            "reset-password-mfa-email-challenge",
            "reset-password-mfa-otp-challenge",
            "reset-password-mfa-phone-challenge",
            "reset-password-mfa-push-challenge-push",
            "reset-password-mfa-recovery-code-challenge",
            "reset-password-mfa-sms-challenge",
            "reset-password-mfa-voice-challenge",
            "reset-password-mfa-webauthn-platform-challenge",
            "reset-password-mfa-webauthn-roaming-challenge",
        ),
        _screens("custom-form"),
        _screens("consent"),
        _screens("customized-consent"),
        _screens("logout", "logout", "logout-complete", "logout-aborted"),
        _screens(
            "mfa-push",
            "mfa-push-welcome",
            "mfa-push-enrollment-qr",
            "mfa-push-enrollment-code",
            "mfa-push-success",
            "mfa-push-challenge-push",
            "mfa-push-list",
        ),
        _screens(
            "mfa-otp", "mfa-otp-enrollment-qr", "mfa-otp-enrollment-code", "mfa-otp-challenge"
        ),
        _screens("mfa-voice", "mfa-voice-enrollment", "mfa-voice-challenge"),
        _screens("mfa-phone", "mfa-phone-challenge", "mfa-phone-enrollment"),
        _screens(
            "mfa-webauthn",
            "mfa-webauthn-platform-enrollment",
            "mfa-webauthn-roaming-enrollment",
            "mfa-webauthn-platform-challenge",
            "mfa-webauthn-roaming-challenge",
            "mfa-webauthn-change-key-nickname",
            "mfa-webauthn-enrollment-success",
            "mfa-webauthn-error",
            "mfa-webauthn-not-available-error",
        ),
        _screens(
            "mfa-sms",
            "mfa-country-codes",
            "mfa-sms-enrollment",
            "mfa-sms-challenge",
            "mfa-sms-list",
        ),
        _screens("mfa-email", "mfa-email-challenge", "mfa-email-list"),
        _screens(
            "mfa-recovery-code",
            "mfa-recovery-code-enrollment",
            "mfa-recovery-code-challenge-new-code",
            "mfa-recovery-code-challenge",
        ),
        _screens(
            "mfa",
            "mfa-detect-browser-capabilities",
            "mfa-enroll-result",
            "mfa-login-options",
            "mfa-begin-enroll-options",
        ),
        _screens("status"),
        _screens(
            "device-flow",
            "device-code-activation",
            "device-code-activation-allowed",
            "device-code-activation-denied",
            "device-code-confirmation",
        ),
        _screens("email-verification", "email-verification-result"),
        _screens("email-otp-challenge"),
        _screens(
            "organizations",
            "organization-selection",
            "organization-picker",
            "pre-login-organization-picker",
        ),
        _screens("invitation", "accept-invitation"),
        _screens("common", "redeem-ticket"),
        _screens("passkeys", "passkey-enrollment", "passkey-enrollment-local"),
        _screens("captcha", "interstitial-captcha"),
        _screens(
            "brute-force-protection",
            "brute-force-protection-unblock",
            "brute-force-protection-unblock-success",
            "brute-force-protection-unblock-failure",
        ),
        _screens(
            "async-approval-flow",
            "async-approval-error",
            "async-approval-accepted",
            "async-approval-denied",
            "async-approval-wrong-user",
        ),
        _screens("confirmation"),
    )
)

#: [OAS] the descriptions of the path parameters, as Auth0's path validation errors quote them
#: ([REC] "on property prompt (Name of the prompt)", trailing period dropped).
PATH_PARAMETER_DESCRIPTIONS: Mapping[str, str] = {
    "prompt": "Name of the prompt",
    "language": "Language to update",
    "screen": "Name of the screen",
}

#: The scope a client-credentials token gets for each Management API route of the slice, first
#: of each route's ``oAuth2ClientCredentials`` list [OAS]. Without ``--client`` every token
#: carries all of them.
SLICE_SCOPES: tuple[str, ...] = (
    "read:prompts",
    "update:prompts",
    "read:tenant_settings",
    "update:tenant_settings",
    "read:branding",
    "update:branding",
    "delete:branding",
    "read:custom_domains",
    "read:connections",
    "update:connections",
    "read:clients",
    "read:client_grants",
)


def partial_groups() -> frozenset[str]:
    """Every prompt the partials endpoints know: [OAS] ``PartialGroupsEnum`` and the newer ones."""
    return frozenset(PARTIAL_GROUPS) | frozenset(PARTIALS_PROMPTS)


__all__ = [
    "MAX_CLIENTS_PER_PATCH",
    "MAX_PARTIAL_CHARS",
    "MAX_TEMPLATE_CHARS",
    "MAX_TEXT_VARIABLES",
    "NEWER_PROMPTS",
    "PARTIALS_PROMPTS",
    "PATH_PARAMETER_DESCRIPTIONS",
    "PROMPT_GROUPS",
    "SCREENS_BY_PROMPT",
    "SCREEN_NAMES",
    "SLICE_SCOPES",
    "STANDARD_INSERTION_POINTS",
    "PartialsPrompt",
    "partial_groups",
]
