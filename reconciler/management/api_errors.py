"""What a failed Management API call means, and what to do next.

Reads Auth0's error bodies (``error_body``) and words the hint of every failure the client
raises: error answers of the partials endpoints (``api_hint``), of the token endpoint
(``token_hint``), 401s, redirects, unusable bodies and transport errors. Pure functions of the
answer or exception: the client builds the ``ApiError`` / ``TransportError`` (see
``reconciler.errors``) around them.
"""

from __future__ import annotations

import json
import math
import ssl
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from reconciler.errors import missing_scope
from reconciler.model import Credentials

__all__ = [
    "PARTIALS_RATE_NOTE",
    "ErrorBody",
    "api_hint",
    "bad_body_hint",
    "error_body",
    "is_tls_failure",
    "redirect_hint",
    "token_hint",
    "transport_hint",
    "unauthorized_hint",
]

PARTIALS_RATE_NOTE: Final = (
    "Auth0 allows 5 reads and 5 writes of prompt partials per minute per tenant"
)


@dataclass(frozen=True)
class ErrorBody:
    message: str | None
    error_code: str | None


def error_body(content: bytes) -> ErrorBody:
    """Auth0's ``{statusCode, error, message, errorCode}`` or OAuth's ``{error, ...}``."""
    try:
        data: Any = json.loads(content)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        text = content[:200].decode("utf-8", "replace").strip()
        return ErrorBody(text or None, None)

    def text_of(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value else None

    # Auth0's API puts the reason phrase in "error"; OAuth (/oauth/token) puts the code there.
    code = text_of("errorCode") or (None if "statusCode" in data else text_of("error"))
    message = text_of("message") or text_of("error_description") or text_of("error")
    return ErrorBody(message, code)


# --------------------------------------------------------------------------- partials endpoints


def _rate_limit_hint(wait: float | None) -> str:
    when = f"wait {math.ceil(wait)} s" if wait is not None and wait > 0 else "wait a minute"
    return f"{PARTIALS_RATE_NOTE}: {when} and rerun"


def api_hint(
    status: int,
    error_code: str | None,
    message: str,
    *,
    method: str,
    what: str,
    wait: float | None = None,
) -> str | None:
    """The next step for an error answer of the Management API (401 and 3xx aside);
    ``what`` names the document or endpoint."""
    lowered = message.lower()
    if "custom domain" in lowered:
        return (
            "prompt partials need a custom domain on the tenant: add one under Branding > "
            "Custom Domains (one pending verification is enough), then rerun"
        )
    if status == 400:
        if method == "GET" or "invalid value" in lowered:
            return (
                f"Auth0 does not know {what!r} on this tenant: check the prompt's spelling, or "
                "whether this tenant has it (new prompts reach tenants gradually)"
            )
        return (
            "Auth0 rejected the document: check the screen and insertion point names of this "
            "prompt and the 10,000-character limit per partial"
        )
    if status == 403:
        if error_code == "insufficient_scope":
            needed = missing_scope(message)
            scope = needed or ("read:prompts" if method == "GET" else "update:prompts")
            return (
                f"grant the scope {scope} to the Machine to Machine application on the Auth0 "
                "Management API (read:prompts for plan and drift, update:prompts for apply), "
                "then rerun so a new token carries it"
            )
        return (
            "the tenant refused: check that its plan includes prompt partials and the Universal "
            "Login prerequisites (custom domain, custom page template, Customize Login Page off)"
        )
    if status == 404:
        return (
            "nothing answers at this path: check the tenant's `domain` (Auth0 answers 200 {} for "
            "a prompt without partials, so a 404 means a wrong host or path)"
        )
    if status == 408:
        return "Auth0 timed out the request even after retries; rerun later"
    if status == 429:
        return _rate_limit_hint(wait)
    if status >= 500:
        outcome = (
            "a failed read never leads to a write"
            if method == "GET"
            else "run `auth0-partials plan` to see whether the write landed"
        )
        return (
            "Auth0 answered with a server error even after retries; check status.auth0.com and "
            f"rerun later ({outcome})"
        )
    return None


def unauthorized_hint(credentials: Credentials, audience: str) -> str:
    """A 401 of the partials endpoints (after one token refresh for client credentials)."""
    if credentials.kind == "token":
        return (
            f"the token in ${credentials.token_env} was rejected: it may have expired or belong "
            "to another tenant or audience; issue a new Management API token"
        )
    return (
        "a freshly issued token was rejected too: check that the client in "
        f"${credentials.client_id_env} / ${credentials.client_secret_env} belongs to this "
        f"tenant, the audience ({audience}) and the token expiry"
    )


def redirect_hint(location: str) -> str:
    target = urlsplit(location).hostname
    where = f" to {target}" if target else ""
    return f"the domain redirects{where}: set `domain` to the host that serves the API"


def bad_body_hint(method: str) -> str:
    """A success answer whose body is not a partials document."""
    if method == "PUT":
        return "the PUT was answered, so it was probably applied: run plan to see the live state"
    return "a truncated answer or a proxy page? Nothing was read, so nothing will be written; rerun"


# --------------------------------------------------------------------------- token endpoint


def token_hint(
    status: int, path: str, credentials: Credentials, audience: str, message: str = ""
) -> str:
    """The next step for an error answer of ``POST /oauth/token``."""
    if "service not enabled within domain" in message.lower():
        return (
            f"Auth0 does not serve the Management API audience {audience}: `domain` must be "
            "the tenant's Auth0 domain (TENANT.REGION.auth0.com), not its custom domain (put "
            "that under custom_domain), and credentials.audience, if set, "
            "https://TENANT.REGION.auth0.com/api/v2/"
        )
    if status in (400, 401):
        return (
            f"check the client id and secret in ${credentials.client_id_env} and "
            f"${credentials.client_secret_env} (a Machine to Machine application of this tenant)"
            f" and the audience {audience}"
        )
    if status == 403:
        return (
            "authorize the Machine to Machine application for the Auth0 Management API "
            f"(audience {audience}) with the scopes read:prompts and update:prompts"
        )
    if status == 404:
        return f"nothing serves {path}: check the tenant's domain"
    if status == 429:
        return "the token endpoint's rate limit is exhausted: wait a minute and rerun"
    if status >= 500:
        return "Auth0 had a server error issuing the token; check status.auth0.com and rerun"
    return "see the message; check the tenant's domain and credentials"


# --------------------------------------------------------------------------- no answer


def is_tls_failure(exc: Exception) -> bool:
    return "CERTIFICATE_VERIFY_FAILED" in str(exc) or isinstance(exc, ssl.SSLError)


def transport_hint(exc: Exception, method: str, timeout: float) -> str:
    if is_tls_failure(exc):
        hint = "TLS verification failed: check the domain, or pass the CA bundle of a proxy"
    elif isinstance(exc, httpx.TimeoutException):
        hint = f"no answer within {timeout:g} s: Auth0 or the network is slow; rerun later"
    elif isinstance(exc, httpx.ConnectError):
        hint = "could not connect: check the tenant's domain, DNS, network and proxy settings"
    elif isinstance(exc, httpx.ProxyError):
        hint = "the HTTP proxy failed: check HTTPS_PROXY / NO_PROXY"
    else:
        hint = "the connection broke before a complete answer arrived; rerun"
    if method == "PUT":
        hint += "; the PUT may or may not have been applied: run plan to see the live state"
    elif method == "GET":
        hint += " (nothing was read, so nothing was written)"
    return hint
