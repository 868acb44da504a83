"""Client credentials and the opaque access tokens the emulator issues.

Facts (``auth0-api.md``, "Token"): ``POST /oauth/token`` with ``grant_type=client_credentials``
answers ``{"access_token", "expires_in", "scope", "token_type": "Bearer"}``; tokens cannot be
revoked. Here a token is a random string bound to the tenant that issued it; tokens live in
memory only, so they do not survive a restart (clients get a 401 and fetch a new one).

[gap] The recordings hold no 401. The bodies below follow what users of the real Management
API have reported (e.g. auth0-community/auth0-drupal#130): Auth0's 401s carry no ``errorCode``
but an ``attributes.error`` copy of the message, so a client must not rely on ``errorCode``
for a 401. The ``WWW-Authenticate`` challenge is also a [gap] (``Bearer error="invalid_token"``).

- no ``Authorization: Bearer`` header: ``{"statusCode":401,"error":"Unauthorized",
  "message":"Missing authentication"}``
- unknown token, or a token of another tenant: message ``Invalid token``
- expired token (``token_ttl`` passed, or a ``token_expire_after`` fault): message ``Expired
  token received for JSON Web Token validation``
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field

#: The scopes of a ``--client ID=SECRET`` declared without ``@SCOPES``.
DEFAULT_SCOPES: frozenset[str] = frozenset({"read:prompts", "update:prompts"})

MISSING_AUTHENTICATION = "Missing authentication"
INVALID_TOKEN = "Invalid token"
EXPIRED_TOKEN = "Expired token received for JSON Web Token validation"


@dataclass(frozen=True)
class ClientSpec:
    """A machine-to-machine application: its secret and the scopes of its client grant for the
    Management API; ``scopes=None`` declares a client without a client grant (Auth0 then
    refuses it a token: 403 ``access_denied``)."""

    secret: str = field(repr=False)
    scopes: frozenset[str] | None = DEFAULT_SCOPES

    def __post_init__(self) -> None:
        scopes: object = self.scopes
        if isinstance(scopes, str):  # tolerate ClientSpec("s", "read:prompts update:prompts")
            object.__setattr__(self, "scopes", frozenset(scopes.split()))
        elif scopes is not None and not isinstance(scopes, frozenset):
            object.__setattr__(self, "scopes", frozenset(scopes))  # type: ignore[call-overload]

    @property
    def has_grant(self) -> bool:
        return self.scopes is not None

    def secret_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(self.secret.encode("utf-8"), candidate.encode("utf-8"))


@dataclass
class AccessToken:
    """What the emulator remembers about an issued token (never logged)."""

    tenant: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float
    uses: int = 0
    revoked: bool = False


@dataclass(frozen=True)
class AuthFailure:
    """Why a request's token was refused: a 401 message."""

    message: str


class TokenIssuer:
    """Issues and checks tokens. Thread-safe."""

    def __init__(self) -> None:
        self._tokens: dict[str, AccessToken] = {}
        self._lock = threading.Lock()

    def issue(
        self, tenant: str, client_id: str, scopes: frozenset[str], now: float, ttl: int
    ) -> str:
        """A new opaque token for ``tenant``."""
        value = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[value] = AccessToken(tenant, client_id, scopes, now + ttl)
        return value

    def check(
        self, tenant: str, authorization: str | None, now: float
    ) -> AccessToken | AuthFailure:
        """The token of an ``Authorization`` header, if it is valid for ``tenant`` right now."""
        if not authorization:
            return AuthFailure(MISSING_AUTHENTICATION)
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return AuthFailure(MISSING_AUTHENTICATION)
        with self._lock:
            token = self._tokens.get(value.strip())
            if token is None or token.tenant != tenant:
                return AuthFailure(INVALID_TOKEN)
            if token.revoked or now >= token.expires_at:
                return AuthFailure(EXPIRED_TOKEN)
            return token

    def record_use(self, token: AccessToken) -> None:
        with self._lock:
            token.uses += 1

    def expire(self, token: AccessToken) -> None:
        """Make a token stop working for good (a ``token_expire_after`` fault)."""
        with self._lock:
            token.revoked = True


def parse_client(spec: str) -> tuple[str, ClientSpec]:
    """``ID=SECRET[@SCOPE,SCOPE...]`` or ``ID=SECRET@-`` (the ``--client`` flag).

    Without ``@`` the client's grant has read:prompts and update:prompts; ``@-`` declares a
    client without a client grant.
    """
    client_id, sep, rest = spec.partition("=")
    secret, at, scopes = rest.partition("@")
    if not sep or not client_id or not secret:
        raise ValueError(
            f"--client {client_id or '?'}=...: expected ID=SECRET, ID=SECRET@SCOPE,SCOPE "
            "or ID=SECRET@- (no client grant)"
        )
    if not at:
        return client_id, ClientSpec(secret)
    if scopes.strip() == "-":
        return client_id, ClientSpec(secret, None)
    chosen = frozenset(s.strip() for s in scopes.split(",") if s.strip())
    if not chosen:
        raise ValueError(
            f"--client {client_id}=...@: no scopes after @ (use @- for a client without a grant)"
        )
    return client_id, ClientSpec(secret, chosen)
