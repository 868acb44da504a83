"""One writer per tenant at a time on a machine: advisory locks per Management API endpoint.

Auth0 has no conditional write: two runs that read the same prompt and then write it lose one
run's change. Every run that writes (``apply``, ``restore``) therefore holds, from its first read
to its last write, an exclusive ``flock`` on a file named after the tenant's endpoint, in a
folder shared by every checkout on the machine (``AUTH0_PARTIALS_LOCK_DIR``, else
``$XDG_RUNTIME_DIR/auth0-partials/locks``, else ``~/.cache/auth0-partials/locks``). Two runs from
two repositories on one CI runner serialise; across machines, CI concurrency groups keyed by
tenant do the same (see ``examples/``). The lock file names the holder, for the waiting message.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from reconciler.errors import Auth0PartialsError

LOCK_DIR_ENV = "AUTH0_PARTIALS_LOCK_DIR"
#: How often a waiting run tries the lock again (seconds).
POLL = 0.2


def lock_folder() -> Path:
    if os.environ.get(LOCK_DIR_ENV):
        return Path(os.environ[LOCK_DIR_ENV])
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "auth0-partials" / "locks"
    return Path.home() / ".cache" / "auth0-partials" / "locks"


def _holder(path: Path) -> str:
    try:
        data = json.loads(path.read_text("utf-8"))
        return f"pid {data['pid']} on {data['host']} since {data['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another auth0-partials run"


@contextlib.contextmanager
def tenant_lock(
    tenant: str,
    endpoint: str,
    *,
    folder: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    deadline: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the machine-wide lock of ``endpoint`` (a tenant's base URL) for the block.

    Waits while another run holds it, telling ``on_wait`` once; raises at ``deadline``.
    """
    folder = folder or lock_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = hashlib.sha256(endpoint.encode("utf-8")).hexdigest()[:32]
    path = folder / f"{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and clock() + POLL > deadline:
                    raise Auth0PartialsError(
                        f"{tenant}: another run still holds the lock of {endpoint} "
                        f"({_holder(path)}) at the run deadline; nothing was written",
                        hint="wait for the other run to finish, then rerun",
                    ) from None
                if not told and on_wait is not None:
                    on_wait(f"{tenant}: waiting for {_holder(path)} to finish writing this tenant")
                    told = True
                sleep(POLL)
        record = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.ctime()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({**record, "endpoint": endpoint}).encode("utf-8"), 0)
        yield
    finally:
        os.close(fd)  # releases the flock
