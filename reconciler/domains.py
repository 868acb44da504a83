"""Where a tenant's Management API lives: a tenant file's ``domain`` as a base URL.

``endpoint_base`` turns ``domain`` into a base URL (https implied; plain http only for loopback
hosts, i.e. the local emulator); ``is_auth0_domain`` tells a tenant's canonical Auth0 domain
(``acme-dev.eu.auth0.com``) from anything else, such as a custom domain. Pure functions: the
config checks use them offline, the client before connecting.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Final
from urllib.parse import urlsplit

from reconciler.errors import ConfigError

__all__ = ["endpoint_base", "is_auth0_domain", "is_loopback"]

#: A tenant's canonical Auth0 domain: TENANT.auth0.com or TENANT.REGION.auth0.com.
_AUTH0_DOMAIN_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)?\.auth0\.com", re.I)


def is_auth0_domain(host: str) -> bool:
    """``acme.auth0.com``, ``acme-dev.eu.auth0.com`` and the like (any region)."""
    return _AUTH0_DOMAIN_RE.fullmatch(host.rstrip(".")) is not None


_HOST_RE: Final = re.compile(
    r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$"
)


@functools.lru_cache(maxsize=4096)
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


@functools.lru_cache(maxsize=4096)
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
