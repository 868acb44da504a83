"""``POST /oauth/token``: client credentials for the tenant's Management API.

Facts (``auth0-api.md`` "Token"; universal-login.md §3 rows 20-21):

- the answer: ``{"access_token", "expires_in", "scope", "token_type": "Bearer"}``;
- wrong or unknown client or secret: ``401 {"error":"access_denied","error_description":
  "Unauthorized"}`` (node-auth0#682);
- the audience must be the tenant's canonical Management API identifier, here
  ``{tenant base URL}/api/v2/`` (the base URL is ``SCHEME://HOST`` plus ``/tenants/T`` for any
  tenant but the default; HOST is the request's Host header). Any other audience, a custom
  domain's included: ``403 access_denied "Service not enabled within domain: <audience>"``
  (node-auth0#292, TF#951);
- no audience: ``403 access_denied "Non-global clients are not allowed access to APIv1"``
  (postman-app-support#2934 and Kong's documentation quote the body; the status is a [GAP]);
- a client without a client grant for the API: ``403 access_denied 'Client is not authorized
  to access "<audience>". You need to create a "client-grant" associated to this API. See:
  https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants'`` (ruby-auth0#610,
  auth0-python#173).

Which clients exist: with ``--client`` (``EmulatorOptions.clients``) only those, each with its
grant's scopes (or none); without it any client id and secret get a token with every scope of
the slice (:data:`.evidence.SLICE_SCOPES`). A stored client grant (admin endpoints) wins over
both. [GAP] refusals of a malformed request, in the OAuth shape: a body that is neither
form-encoded nor JSON, or no ``grant_type``: 400 ``invalid_request``; another grant type: 400
``unsupported_grant_type``; a missing secret: 401 as a wrong one; the client is checked before
the audience; a ``scope`` parameter is ignored; only body credentials (``client_secret_post``)
are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs

from reconciler.emulator.applications import management_scopes
from reconciler.emulator.evidence import SLICE_SCOPES
from reconciler.emulator.options import EmulatorOptions
from reconciler.emulator.responses import Reply, json_reply, oauth_error
from reconciler.emulator.tenant import Tenant
from reconciler.emulator.tokens import TokenIssuer
from reconciler.emulator.validation import RequestInvalid, parse_json

NO_AUDIENCE = "Non-global clients are not allowed access to APIv1"


def no_grant_message(audience: str) -> str:
    return (
        f'Client is not authorized to access "{audience}". You need to create a "client-grant" '
        "associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/"
        "post_client_grants"
    )


def token_params(content_type: str, body: bytes) -> dict[str, str] | None:
    """The form or JSON parameters of a token request; None when the body is neither."""
    text = body.decode("utf-8", errors="replace")
    if content_type == "application/json" or (not content_type and text.lstrip().startswith("{")):
        try:
            data = parse_json(body)
        except RequestInvalid:
            return None
        if not isinstance(data, dict):
            return None
        return {k: v for k, v in data.items() if isinstance(v, str)}
    if content_type in ("", "application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    return None


def token_answer(
    params: Mapping[str, str] | None,
    tenant: Tenant,
    audience_expected: str,
    options: EmulatorOptions,
    issuer: TokenIssuer,
) -> Reply:
    """Auth0's answer to one client-credentials request."""
    if params is None:
        return oauth_error(400, "invalid_request", "Invalid request body")
    grant_type = params.get("grant_type")
    if not grant_type:
        return oauth_error(400, "invalid_request", "Missing required parameter: grant_type")
    if grant_type != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
    client_id = params.get("client_id", "")
    secret = params.get("client_secret", "")
    if not client_id or not secret:
        return oauth_error(401, "access_denied", "Unauthorized")
    if options.clients is not None:
        spec = options.clients.get(client_id)
        if spec is None or not spec.secret_matches(secret):
            return oauth_error(401, "access_denied", "Unauthorized")
    audience = params.get("audience")
    if not audience:
        return oauth_error(403, "access_denied", NO_AUDIENCE)
    if audience != audience_expected:
        return oauth_error(403, "access_denied", f"Service not enabled within domain: {audience}")
    scopes = management_scopes(tenant, options.clients, client_id)
    if scopes is None:
        if options.clients is not None:
            return oauth_error(403, "access_denied", no_grant_message(audience))
        scopes = frozenset(SLICE_SCOPES)
    ttl = options.token_ttl
    token = issuer.issue(tenant.name, client_id, scopes, options.clock(), ttl)
    body = {
        "access_token": token,
        "expires_in": ttl,
        "scope": " ".join(sorted(scopes)),
        "token_type": "Bearer",
    }
    return json_reply(200, body, (("Cache-Control", "no-store"), ("Pragma", "no-cache")))
