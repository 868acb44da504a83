"""The answers the emulator sends: a :class:`Reply` value, Auth0's error bodies, :class:`ApiError`.

Management API errors have one shape (``auth0-api.md``, "Errors")::

    {"statusCode": 429, "error": "Too Many Requests", "message": "...", "errorCode": "..."}

The Authentication API (``/oauth/token``) answers OAuth errors instead::

    {"error": "access_denied", "error_description": "Unauthorized"}

Unknown routes answer hapi's 404 (``{"statusCode":404,"error":"Not Found","message":"Not
Found"}``), the framework the Management API runs on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

#: How the HTTP layer delivers a reply:
#: ``send`` normally; ``truncate`` headers with the full Content-Length, then half the body and
#: a closed connection; ``reset`` no answer, the socket closed with a TCP RST; ``hold`` no answer,
#: the connection kept open for ``hold_seconds`` and then closed.
Disposition = Literal["send", "truncate", "reset", "hold"]

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Reply:
    """One answer. ``status`` 0 means no HTTP answer at all (``reset`` and ``hold``).

    ``chunks`` (with ``length``) streams a body too large to build in memory; ``drip_seconds``
    sends the body one byte at a time with that pause between bytes; ``after_hold`` runs once a
    ``hold`` is over (a write that lands after the client gave up).
    """

    status: int
    body: bytes = b""
    headers: Headers = ()
    disposition: Disposition = "send"
    hold_seconds: float = 0.0
    chunks: Callable[[], Iterator[bytes]] | None = None
    length: int | None = None
    drip_seconds: float = 0.0
    after_hold: Callable[[], None] | None = None

    @property
    def content_length(self) -> int:
        return self.length if self.length is not None else len(self.body)

    def json(self) -> object:
        """The body parsed as JSON (for tests and the admin API)."""
        return json.loads(self.body)


class ApiError(Exception):
    """An answer a route gives instead of its normal one: status, message and errorCode."""

    def __init__(self, status: int, message: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code


def encode_json(data: object) -> bytes:
    """Compact UTF-8 JSON, as Auth0 sends it (``<`` stays ``<``, no ``\\u003c``)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_reply(status: int, data: object, headers: Headers = ()) -> Reply:
    return Reply(status, encode_json(data), (("Content-Type", JSON_CONTENT_TYPE), *headers))


def empty_reply(status: int, headers: Headers = ()) -> Reply:
    """An answer without a body (204)."""
    return Reply(status, b"", headers)


def reason(status: int) -> str:
    """The HTTP reason phrase Auth0 puts in ``error`` ("Too Many Requests")."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_code_for(status: int) -> str:
    """``service_unavailable`` for 503: the reason phrase in snake case ([GAP] for faults)."""
    return reason(status).lower().replace(" ", "_").replace("-", "_")


def auth0_error_body(status: int, message: str, error_code: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"statusCode": status, "error": reason(status), "message": message}
    if error_code is not None:
        body["errorCode"] = error_code
    return body


def auth0_error(
    status: int, message: str, error_code: str | None = None, headers: Headers = ()
) -> Reply:
    """A Management API error answer."""
    return json_reply(status, auth0_error_body(status, message, error_code), headers)


def oauth_error(status: int, error: str, description: str, headers: Headers = ()) -> Reply:
    """An Authentication API (``/oauth/token``) error answer."""
    return json_reply(status, {"error": error, "error_description": description}, headers)


def not_found() -> Reply:
    """hapi's answer to a path or method no route serves."""
    return auth0_error(404, "Not Found")
