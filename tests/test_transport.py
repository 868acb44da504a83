"""Hostile answers and hostile environments, against real sockets.

A server that trickles its answer or sends a huge one, a document that is not valid Unicode,
proxies in the environment, a replaced trust store: each ends in a clear error or a warning,
never a hang, a traceback, or a secret on the wire to a third party.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from reconciler.documents import DocumentKey
from reconciler.emulator import EmulatorOptions, EmulatorServer
from reconciler.errors import TransportError
from reconciler.management.client import ManagementClient
from reconciler.management.endpoint import ssl_setting
from reconciler.management.ratelimit import PartialsBudget
from reconciler.management.transport import RetryPolicy
from reconciler.model import Credentials

LOGIN = DocumentKey.partials("login")
CREDENTIALS = Credentials("token", token_env="TOKEN")
ENVIRON = {"TOKEN": "a-token"}
ONCE = RetryPolicy(max_attempts=1)


@contextmanager
def raw_server(answer: object) -> Iterator[str]:
    """A socket server that answers every connection with ``answer(connection)``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            with connection:
                connection.recv(65536)
                with contextlib.suppress(OSError):
                    answer(connection)  # type: ignore[operator]

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def client(base: str, **options: object) -> ManagementClient:
    return ManagementClient(
        "acme",
        base,
        CREDENTIALS,
        environ=ENVIRON,
        budget=PartialsBudget.unlimited(),
        retry=ONCE,
        **options,  # type: ignore[arg-type]
    )


def test_an_answer_trickling_one_byte_at_a_time_is_cut_off_at_the_timeout() -> None:
    def trickle(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            connection.sendall(b" ")
            time.sleep(0.05)

    with (
        raw_server(trickle) as base,
        client(base, timeout=0.5) as api,
        pytest.raises(TransportError, match=r"took longer than 0\.5 s in all"),
    ):
        api.get_document(LOGIN)


def test_a_huge_answer_is_refused_without_being_read_whole() -> None:
    def huge(connection: socket.socket) -> None:
        size = 50 * 1024 * 1024
        connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
        chunk = b"x" * 65536
        for _ in range(size // len(chunk)):
            connection.sendall(chunk)

    with (
        raw_server(huge) as base,
        client(base, max_body_bytes=1024 * 1024) as api,
        pytest.raises(TransportError, match="larger than 1 MiB"),
    ):
        api.get_document(LOGIN)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"login": {"form-footer-start": "\\ud800"}}', "lone surrogate"),
        (b'{"login": {"form-footer-start": 1}}', "not a string"),
        (b'{"login": {"a": "x", "a": "y"}}', "duplicate key"),
        (b"<html>proxy error</html>", "not valid JSON"),
    ],
)
def test_a_body_that_is_not_a_document_is_an_error_naming_the_prompt(
    body: bytes, problem: str
) -> None:
    def answer(connection: socket.socket) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        connection.sendall(head + body)

    with (
        raw_server(answer) as base,
        client(base) as api,
        pytest.raises(TransportError, match=problem) as caught,
    ):
        api.get_document(LOGIN)
    assert "/prompts/login/partials" in str(caught.value)


def test_proxies_from_the_environment_never_see_a_loopback_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bytes] = []

    def proxy(connection: socket.socket) -> None:
        seen.append(b"request")

    with raw_server(proxy) as proxy_url:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with EmulatorServer(EmulatorOptions(rate_limits="off")) as emulator:
            credentials = Credentials(
                "client_credentials", client_id_env="ID", client_secret_env="SECRET"
            )
            with ManagementClient(
                "acme",
                emulator.tenant_base("acme"),
                credentials,
                environ={"ID": "id", "SECRET": "secret"},
                budget=PartialsBudget.unlimited(),
            ) as api:
                assert api.get_document(LOGIN).is_empty()
    assert seen == []


def test_a_replaced_trust_store_is_named_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from reconciler.management import endpoint

    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    endpoint._default_ssl_context.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="reconciler"):
            first = ssl_setting(True)
            second = ssl_setting(True)
    finally:
        endpoint._default_ssl_context.cache_clear()
    assert first is second
    warnings = [r.getMessage() for r in caplog.records if "trust store" in r.getMessage()]
    assert warnings == [
        "TLS certificates are checked against the trust store named by "
        "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt, not the default one"
    ]
