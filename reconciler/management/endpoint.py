"""How a tenant's TLS is checked.

``tls_verify`` decides whether certificates are checked (always, except for loopback hosts);
``ssl_setting`` turns that decision into what the HTTP client is built with.
"""

from __future__ import annotations

import functools
import logging
import os
import ssl
from urllib.parse import urlsplit

import httpx

from reconciler.domains import is_loopback
from reconciler.errors import ConfigError

__all__ = ["ssl_setting", "tls_verify"]

#: The client's logger: a refused ``verify=False`` is reported where the client's lines go.
logger = logging.getLogger("reconciler.management")


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


#: Environment variables that replace the trust store of the default TLS context.
TRUST_STORE_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    """One verifying context for every client: building one costs tens of milliseconds, which
    adds up over hundreds of tenants. The same context httpx builds by default, which honours
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``: a replaced trust store is said once, on the warning
    log (a CI runner's environment can otherwise redirect trust without a word)."""
    replaced = [
        f"{name}={os.environ[name]}" for name in TRUST_STORE_VARIABLES if os.environ.get(name)
    ]
    if replaced:
        logger.warning(
            "TLS certificates are checked against the trust store named by %s, not the default one",
            " and ".join(replaced),
        )
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
