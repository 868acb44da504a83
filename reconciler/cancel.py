"""Stopping a run: a flag every wait of the run watches.

Budget waits, retry backoffs and lock waits sleep through ``Cancellation.sleep``; once
``cancel()`` is called (Ctrl-C, SIGTERM), every sleeping or later wait raises ``Cancelled`` at
once, so no new request starts. Requests already on the wire finish or time out on their own.
"""

from __future__ import annotations

import threading

from reconciler.errors import Auth0PartialsError


class Cancelled(Auth0PartialsError):
    """The run was interrupted before this step."""

    def __init__(self) -> None:
        super().__init__("interrupted before this step; nothing more was sent")


class Cancellation:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled

    def sleep(self, seconds: float) -> None:
        """Sleep, or raise ``Cancelled`` as soon as the run is cancelled."""
        if self._event.wait(max(0.0, seconds)):
            raise Cancelled
