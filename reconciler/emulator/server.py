"""The emulator on a socket: a threaded HTTP/1.1 server, optionally over TLS.

Standard library only (``http.server.ThreadingHTTPServer``, ``ssl``, ``threading``). The
behaviour lives in :mod:`reconciler.emulator.app`; this module reads requests, writes
:class:`~reconciler.emulator.responses.Reply` values, and knows how to misbehave on purpose
(truncate, reset, hold).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import urlsplit

from reconciler.emulator.app import Emulator, IncomingRequest
from reconciler.emulator.documents import Document
from reconciler.emulator.faults import Fault
from reconciler.emulator.options import EmulatorOptions
from reconciler.emulator.requestlog import LoggedRequest
from reconciler.emulator.responses import Reply, auth0_error

logger = logging.getLogger("reconciler.emulator")

#: Larger request bodies answer 413 (a whole prompt document is far smaller).
MAX_BODY_BYTES = 1024 * 1024
#: How often a threaded server's accept loop looks for ``stop()`` (seconds): ``stop()`` waits
#: up to this long, and test suites stop many servers.
POLL_INTERVAL = 0.01
#: The same for ``serve_forever()``: signals interrupt it at once, so it can poll lazily.
FOREGROUND_POLL_INTERVAL = 0.5


class _BodyTooLarge(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "auth0-partials-emulator"
    sys_version = ""
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (about 40 ms a request).
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines only (never headers, so never a token).
        logger.debug("emulator: %s " + format, self.address_string(), *args)

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                raise _BodyTooLarge
            body += self.rfile.read(size)
            self.rfile.readline(1024)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise _BodyTooLarge
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self._send(auth0_error(400, "Invalid request framing", "bad_request"))
            self.close_connection = True
            return
        except _BodyTooLarge:
            self._send(auth0_error(413, "Payload Too Large", "payload_too_large"))
            self.close_connection = True
            return
        split = urlsplit(self.path)
        request = IncomingRequest(
            method=self.command,
            path=split.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            query=split.query,
            scheme="https" if self.server.ssl_context is not None else "http",
            server_host=self.server.host_header,
        )
        reply = self.server.emulator.handle(request)
        if reply.disposition == "reset":
            self._reset()
        elif reply.disposition == "hold":
            self.server.stopping.wait(reply.hold_seconds)
            self.close_connection = True
            self._close_now()
            if reply.after_hold is not None:
                reply.after_hold()
        else:
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(reply.content_length))
        if reply.disposition == "truncate":
            self.send_header("Connection", "close")
        self.end_headers()
        if reply.disposition == "truncate":
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        chunks = reply.chunks() if reply.chunks is not None else iter((reply.body,))
        if reply.drip_seconds > 0:
            self.wfile.flush()
            self._drip(chunks, reply.drip_seconds)
            return
        for chunk in chunks:
            self.wfile.write(chunk)
        self.wfile.flush()

    def _drip(self, chunks: Iterator[bytes], pause: float) -> None:
        """One byte, a pause, the next byte...; ``stop()`` cuts it short."""
        for chunk in chunks:
            for index in range(len(chunk)):
                if self.server.stopping.wait(pause):
                    self.close_connection = True
                    return
                self.wfile.write(chunk[index : index + 1])
                self.wfile.flush()

    def _close_now(self) -> None:
        """Close the socket at once (after a hold), so the peer sees the end of the hold."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _reset(self) -> None:
        """Close the socket so the peer gets a TCP RST instead of an answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Closing never waits for requests in progress: a stopping server (SIGTERM, stop()) must not
    # hang behind a client that keeps it busy.
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024  # a fleet connects at once; the default 5 drops connects

    def __init__(
        self,
        address: tuple[str, int],
        emulator: Emulator,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        self.emulator = emulator
        self.ssl_context = ssl_context
        self.stopping = threading.Event()
        super().__init__(address, _Handler)
        host, port = str(self.server_address[0]), int(self.server_address[1])
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        #: The Host a request without a Host header is taken to name.
        self.host_header = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        if self.ssl_context is None:
            return sock, address
        # The handshake runs on first read, in the connection's own thread, so a slow or
        # broken client cannot stall the accept loop.
        return self.ssl_context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False
        ), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up, fail the TLS handshake or meet an injected fault are normal.
        logger.debug(
            "emulator: connection from %s ended with an error", client_address, exc_info=True
        )


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Terminate(BaseException):
    """Raised by the SIGTERM handler to leave ``serve_forever``.

    A ``BaseException``: socketserver's request handling catches ``Exception`` (to report a
    failed request and carry on serving), so an ``Exception`` raised by the signal handler while
    a request is being processed would be swallowed and the server would keep serving.
    """


def _ssl_context(tls_cert: Path | str | None, tls_key: Path | str | None) -> ssl.SSLContext | None:
    if tls_cert is None and tls_key is None:
        return None
    if tls_cert is None:
        raise ValueError("--tls-key needs --tls-cert")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tls_cert), str(tls_key) if tls_key is not None else None)
    return context


class EmulatorServer:
    """The Auth0 emulator, listening as soon as it is constructed.

    ``start()`` serves from a daemon thread (tests); ``serve_forever()`` blocks (the CLI) and
    returns on Ctrl-C or SIGTERM. Use it as a context manager to start and stop it.
    """

    def __init__(
        self,
        options: EmulatorOptions | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tls_cert: Path | str | None = None,
        tls_key: Path | str | None = None,
    ) -> None:
        self.options = options if options is not None else EmulatorOptions()
        self._emulator = Emulator(self.options)
        context = _ssl_context(tls_cert, tls_key)
        server_class = _HTTPServer6 if ":" in host else _HTTPServer
        self._httpd = server_class((host, port), self._emulator, context)
        self._host = host
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https://`` with TLS); also the default tenant's base."""
        scheme = "https" if self._httpd.ssl_context is not None else "http"
        host = self._host
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"{scheme}://{host}:{self.port}"

    def tenant_base(self, tenant: str) -> str:
        """Where ``tenant`` is served: ``{base_url}/tenants/{tenant}``."""
        return f"{self.base_url}/tenants/{tenant}"

    # -- inspection and out-of-band changes (thread-safe) ------------------------------------

    @property
    def request_log(self) -> list[LoggedRequest]:
        """Every API call so far, oldest first (a copy)."""
        return self._emulator.request_log

    def clear_request_log(self) -> None:
        self._emulator.clear_request_log()

    def get_document(self, tenant: str, prompt: str) -> Document:
        """The prompt's stored document; ``{}`` when empty."""
        return self._emulator.get_document(tenant, prompt)

    def set_document(self, tenant: str, prompt: str, document: object) -> None:
        """Change a prompt behind the client's back: not logged, not rate limited."""
        self._emulator.set_document(tenant, prompt, document)

    def state(self) -> dict[str, Any]:
        """Every tenant, in the state file's format."""
        return dict(self._emulator.store.snapshot())

    def tenant_state(self, tenant: str) -> dict[str, Any]:
        """One tenant, in the state file's format (created, and seeded, if new)."""
        with self._emulator.store.locked(tenant) as model:
            return model.to_json()

    def set_tenant_section(self, tenant: str, section: str, value: object) -> None:
        """Replace one section of a tenant (see :mod:`reconciler.emulator.tenant`) out of band;
        ValueError when the value has the wrong shape."""
        store = self._emulator.store
        with store.locked(tenant) as model:
            model.set_section(section, value)
            store.persist()

    def check_password(self, tenant: str, email: str, password: str) -> bool:
        """Does the tenant have a database user with this email and password?"""
        with self._emulator.store.locked(tenant) as model:
            return model.check_password(email, password)

    def set_faults(self, faults: tuple[Fault, ...] | list[Fault]) -> None:
        """Replace the active faults (as ``POST /__emulator/faults`` does)."""
        self._emulator.faults.replace(faults)

    def clear_faults(self) -> None:
        self._emulator.faults.clear()

    # -- running -----------------------------------------------------------------------------

    def start(self) -> EmulatorServer:
        """Serve from a daemon thread; returns at once."""
        if self._closed:
            raise RuntimeError("this emulator was stopped; create a new one")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": POLL_INTERVAL},
                name=f"auth0-emulator:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release held connections and close the socket. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._httpd.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def serve_forever(self) -> None:
        """Block serving until Ctrl-C or SIGTERM, then close cleanly."""
        with _sigterm_raises():
            try:
                self._httpd.serve_forever(poll_interval=FOREGROUND_POLL_INTERVAL)
            except (KeyboardInterrupt, _Terminate):
                pass
            finally:
                self._closed = True
                self._httpd.stopping.set()
                self._httpd.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into an exception while serving (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise _Terminate

    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_flushed(line: str) -> None:
    print(line, flush=True)


def serve(
    options: EmulatorOptions,
    host: str = "127.0.0.1",
    port: int = 0,
    tls_cert: Path | str | None = None,
    tls_key: Path | str | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Run an emulator until Ctrl-C or SIGTERM (``auth0-partials emulator serve``).

    Announces one line once the socket listens, so scripts can wait for it::

        auth0-partials emulator listening on http://127.0.0.1:8787 (rate limits: auth0)
    """
    server = EmulatorServer(options, host, port, tls_cert, tls_key)
    (announce or _print_flushed)(
        f"auth0-partials emulator listening on {server.base_url} "
        f"(rate limits: {options.rate_limits})"
    )
    server.serve_forever()
