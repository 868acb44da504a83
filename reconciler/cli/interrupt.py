"""Ctrl-C and SIGTERM: stop any command within a second, say what was done, no traceback.

The command's work runs in a worker thread while the main thread waits for it. A signal
cancels the run's ``Cancellation`` (every wait stops, no new request starts), gives requests in
flight a moment, lets the command say what it managed (an apply lists what was written and
where the backups are), and exits 130 (SIGINT) or 143 (SIGTERM) at once: a request still on
the wire is not waited for.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

from reconciler.cancel import Cancellation

T = TypeVar("T")

#: How long requests in flight may finish after a signal before the process exits.
GRACE_SECONDS = 0.5


class _Interrupted(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def run_interruptibly(
    work: Callable[[], T],
    cancellation: Cancellation,
    on_interrupt: Callable[[int], None],
) -> T:
    """``work()``'s result, computed in a worker thread; on SIGINT/SIGTERM, ``on_interrupt``
    (told the signal) and exit ``128 + signal``. Outside the main thread, just ``work()``."""
    if threading.current_thread() is not threading.main_thread():
        return work()
    outcome: dict[str, object] = {}

    def worker() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc

    def handler(signum: int, frame: FrameType | None) -> None:
        cancellation.cancel()
        for name in ("SIGINT", "SIGTERM"):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        raise _Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    thread = threading.Thread(target=worker, name="auth0-partials-run", daemon=True)
    try:
        thread.start()
        while thread.is_alive():
            thread.join(0.1)
    except _Interrupted as interrupted:
        thread.join(GRACE_SECONDS)
        try:
            on_interrupt(interrupted.signum)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(128 + interrupted.signum)
    finally:
        for signum, handler_before in previous.items():
            signal.signal(signum, handler_before)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]
