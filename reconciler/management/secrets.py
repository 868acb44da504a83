"""How the client holds secrets so that none reaches an exception, a log line or ``repr()``.

Client secrets and tokens are read from the environment at first use and kept in ``Secret``
wrappers; the token request's form is a ``SecretForm``; the Authorization header is set by
``BearerAuth`` at send time; a ``Redactor`` scrubs every secret seen (and anything token-shaped)
from server messages before they go into an error.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Mapping
from typing import Final

import httpx

__all__ = ["REDACTED", "BearerAuth", "Environ", "Redactor", "Secret", "SecretForm"]

REDACTED: Final = "[redacted]"
#: Token-shaped text is scrubbed from server messages even when it is not a token we know.
_TOKEN_LIKE_RE: Final = re.compile(
    r"(?i:bearer)\s+\S+|eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"
)


class Secret:
    """A secret string that does not show itself in repr(), str() or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


class SecretForm(dict[str, str]):
    """The token request's form: a dict that hides its values from repr() (and tracebacks)."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{key!r}: <secret>" for key in self) + "}"

    __str__ = __repr__


class Environ(Mapping[str, str]):
    """Where secrets come from; repr() does not list the environment."""

    def __init__(self, source: Mapping[str, str]) -> None:
        self._source = source

    def __getitem__(self, key: str) -> str:
        return self._source[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def __repr__(self) -> str:
        return "<environ>"


class BearerAuth(httpx.Auth):
    """Sets the Authorization header at send time, so it sits in no logged structure."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "_BearerAuth(<secret>)"


class Redactor:
    """The secrets a client has read or been issued, scrubbed from any text shown to a user."""

    def __init__(self) -> None:
        self._secrets: list[Secret] = []  # longest first: one inside another goes whole

    def remember(self, value: str) -> None:
        if value and all(value != known.reveal() for known in self._secrets):
            self._secrets.append(Secret(value))
            self._secrets.sort(key=lambda secret: len(secret.reveal()), reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret.reveal(), REDACTED)
        return _TOKEN_LIKE_RE.sub(REDACTED, text)

    def __repr__(self) -> str:
        return "<redactor>"
