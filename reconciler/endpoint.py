"""Where a tenant's Management API lives and how its TLS is checked.

``endpoint_base`` turns a tenant file's ``domain`` into a base URL (https implied; plain http only
for loopback hosts, i.e. the local emulator); ``tls_verify`` decides whether certificates are
checked (always, except for loopback hosts); ``ssl_setting`` turns that decision into what the
HTTP client is built with.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import ssl
from typing import Final
from urllib.parse import urlsplit

import httpx

from reconciler.errors import ConfigError

__all__ = ["endpoint_base", "is_loopback", "ssl_setting", "tls_verify"]

#: The client's logger: a refused ``verify=False`` is reported where the client's lines go.
logger = logging.getLogger("reconciler.client")

_HOST_RE: Final = re.compile(
    r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$"
)


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8, ``::1`` (and ::ffff:127.x); brackets allowed."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name.rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _domain_error(domain: str, problem: str, hint: str) -> ConfigError:
    return ConfigError(f"domain {domain!r}: {problem}", hint=hint)


def endpoint_base(domain: str) -> str:
    """The base URL for a tenant file's ``domain``: ``host[:port][/path]``, https implied.

    An explicit ``https://`` is accepted; ``http://`` only for loopback hosts (the emulator).
    A path suffix is kept (the emulator serves tenants under ``/tenants/NAME``); a trailing
    slash is dropped.
    """
    text = domain.strip()
    scheme = "https"
    if "://" in text:
        given, text = text.split("://", 1)
        scheme = given.lower()
        if scheme not in ("http", "https"):
            raise _domain_error(
                domain, f"unsupported scheme {given!r}", "write the bare host, e.g. login.acme.com"
            )
    if "@" in text.split("/", 1)[0]:
        # Do not echo it: user info in a URL is usually a credential.
        raise ConfigError(
            "a tenant domain must not contain user info (user@host)",
            hint="write the bare host, e.g. login.acme.com; credentials go under `credentials`",
        )
    parts = urlsplit("//" + text)
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise _domain_error(
            domain, "a query or fragment is not allowed", "write host[:port][/path]"
        )
    host = parts.hostname or ""
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise _domain_error(domain, "invalid port", "write host[:port][/path]") from None
    if not _valid_host(host):
        raise _domain_error(domain, "not a valid host name", "write host[:port][/path]")
    path = parts.path.rstrip("/")
    if any(ch.isspace() for ch in path):
        raise _domain_error(domain, "whitespace in the path", "write host[:port][/path]")
    if scheme == "http" and not is_loopback(host):
        raise _domain_error(
            domain,
            "plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost)",
            "drop the http:// prefix (https is implied); http is meant for the local emulator",
        )
    return f"{scheme}://{parts.netloc}{path}"


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST_RE.match(host))
    return True


def tls_verify(base_url: str, verify: bool | str) -> bool | str:
    """The TLS verification actually used: always on for hosts that are not loopback.

    ``verify=False`` is honoured only for loopback hosts (a local emulator with a self-signed
    certificate); elsewhere it is ignored with a warning. A CA bundle path keeps verification on,
    so it is accepted for any host.
    """
    host = urlsplit(base_url).hostname or ""
    if verify is False and not is_loopback(host):
        logger.warning("TLS verification cannot be disabled for %s; it stays on", host)
        return True
    return verify


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    """One verifying context for every client: building one costs tens of milliseconds, which
    adds up over hundreds of tenants. The same context httpx builds by default."""
    return httpx.create_ssl_context()


def ssl_setting(verify: bool | str) -> bool | ssl.SSLContext:
    """httpx 0.28 deprecates CA paths as strings: build the context ourselves."""
    if verify is True:
        return _default_ssl_context()
    if not isinstance(verify, str):
        return verify
    try:
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load the CA bundle {verify!r}: {exc}",
            hint="pass the path of a PEM file holding the CA certificate(s)",
        ) from None
