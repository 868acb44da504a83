"""The texts of a screen: built-in English defaults, overridden by the tenant's custom text.

Custom text is Auth0's ``{screen: {key: text}}`` document of one prompt and language
(``/api/v2/prompts/{prompt}/custom-text/{language}``). Keys ``var-NAME`` are the tenant's own
variables; templates and partials read them as ``prompt.screen.texts.varName`` ([DOC]
customize-signup-and-login-prompts.mdx, "Localize Content": ``var-tos`` is
``prompt.screen.texts.varTos``). Texts may use ``${companyName}`` (the tenant's friendly name),
``${clientName}`` (the application's name) and ``${connectionName}``.

The defaults below are shaped like Universal Login's English texts (key names and wording of
the screens this package renders) [choice: an abridged set; Auth0's full list is longer].
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_LOGIN_FOOTER = {"footerText": "Don't have an account?", "footerLinkText": "Sign up"}
_SIGNUP_FOOTER = {"loginActionText": "Already have an account?", "loginActionLinkText": "Log in"}
_COMMON = {
    "buttonText": "Continue",
    "separatorText": "Or",
    "federatedConnectionButtonText": "Continue with ${connectionName}",
    "usernamePlaceholder": "Email address",
    "emailPlaceholder": "Email address",
    "passwordPlaceholder": "Password",
    "codePlaceholder": "Enter the code",
    "editEmailText": "Edit",
    "forgotPasswordText": "Forgot password?",
    "invalid-connection": "Invalid connection",
    "no-db-connection": "Invalid connection",
    "wrong-credentials": "Wrong email or password",
    "invalid-code": "The code you entered is invalid",
    "no-email": "Please enter an email address",
    "no-password": "Password is required",
    "user-exists": "The user already exists.",
}

DEFAULT_TEXTS: Mapping[str, Mapping[str, str]] = {
    "login": {
        "pageTitle": "Log in | ${clientName}",
        "title": "Welcome",
        "description": "Log in to ${companyName} to continue to ${clientName}.",
        **_LOGIN_FOOTER,
    },
    "login-id": {
        "pageTitle": "Log in | ${clientName}",
        "title": "Welcome",
        "description": "Log in to ${companyName} to continue to ${clientName}.",
        **_LOGIN_FOOTER,
    },
    "login-password": {
        "pageTitle": "Enter your password to log in | ${clientName}",
        "title": "Enter Your Password",
        "description": "Enter your password for ${companyName} to continue to ${clientName}",
        **_LOGIN_FOOTER,
    },
    "login-passwordless-email-code": {
        "pageTitle": "Enter your email code to log in | ${clientName}",
        "title": "Verify Your Identity",
        "description": "We've sent an email with your code to",
        "resendText": "Didn't receive an email?",
        "resendActionText": "Resend",
    },
    "login-passwordless-sms-otp": {
        "pageTitle": "Enter your phone code to log in | ${clientName}",
        "title": "Verify Your Identity",
        "description": "We've sent a text message to:",
        "resendText": "Didn't receive a code?",
        "resendActionText": "Resend",
    },
    "signup": {
        "pageTitle": "Sign up | ${clientName}",
        "title": "Create Your Account",
        "description": "Sign Up to ${companyName} to continue to ${clientName}.",
        **_SIGNUP_FOOTER,
    },
    "signup-id": {
        "pageTitle": "Sign up | ${clientName}",
        "title": "Create Your Account",
        "description": "Sign Up to ${companyName} to continue to ${clientName}.",
        **_SIGNUP_FOOTER,
    },
    "signup-password": {
        "pageTitle": "Create a password to sign up | ${clientName}",
        "title": "Create Your Account",
        "description": "Set your password for ${companyName} to continue to ${clientName}",
        **_SIGNUP_FOOTER,
    },
}

_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def screen_texts(screen: str, custom: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Every text of ``screen``: the defaults, then the custom text document's ``screen``."""
    own = DEFAULT_TEXTS.get(screen, {"title": screen, "pageTitle": screen})
    texts = {**_COMMON, **own}
    texts.update({k: v for k, v in custom.get(screen, {}).items() if isinstance(v, str)})
    return texts


def fill(text: str, values: Mapping[str, str]) -> str:
    """``${name}`` placeholders replaced by ``values`` (unknown ones are kept as written)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def variable_name(key: str) -> str:
    """How a template reads a text key: ``var-tos-link`` is ``varTosLink``; others unchanged."""
    if not key.startswith("var-"):
        return key
    head, *rest = key.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def template_texts(texts: Mapping[str, str], values: Mapping[str, str]) -> dict[str, str]:
    """``prompt.screen.texts`` as templates and partials see it: placeholders filled, ``var-``
    keys in camel case."""
    return {variable_name(key): fill(text, values) for key, text in texts.items()}
