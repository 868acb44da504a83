"""Database users of an emulated tenant: their passwords are kept hashed, never in clear.

No Management API route of the slice serves users; the tenant model keeps them for a Universal
Login page emulation (``Tenant.check_password``). The state file and the admin endpoints show
``password_hash`` only; the admin endpoints accept a ``password`` and hash it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

_ITERATIONS = 10_000
_SCHEME = "pbkdf2_sha256"


def hash_password(password: str, salt: str | None = None) -> str:
    """``pbkdf2_sha256$ITERATIONS$SALT$HEX``."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode(), _ITERATIONS)
    return f"{_SCHEME}${_ITERATIONS}${salt}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, expected = stored.split("$")
    except ValueError:
        return False
    if scheme != _SCHEME or not iterations.isdigit():
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode(), int(iterations))
    return hmac.compare_digest(digest.hex(), expected)


def user_id_for(email: str) -> str:
    """A stable ``auth0|<24 hex>`` id for a database user."""
    return "auth0|" + hashlib.sha256(email.lower().encode("utf-8")).hexdigest()[:24]


def clean_user(data: object) -> dict[str, Any]:
    """A user as stored: ``password`` (if given) replaced by ``password_hash``; ValueError if bad.

    Fields: ``email`` (required), ``connection`` (default ``Username-Password-Authentication``),
    ``user_id`` (default derived from the email), ``password`` or ``password_hash``.
    """
    if not isinstance(data, dict) or not isinstance(data.get("email"), str):
        raise ValueError("a user is an object with at least an 'email' string")
    user = {k: v for k, v in data.items() if k != "password"}
    user.setdefault("connection", "Username-Password-Authentication")
    user.setdefault("user_id", user_id_for(data["email"]))
    password = data.get("password")
    if password is not None:
        if not isinstance(password, str):
            raise ValueError("a user's 'password' must be a string")
        user["password_hash"] = hash_password(password)
    return user
