"""What a run says while it works: progress on stderr, each write on stdout as it lands.

``Printer`` is the run's listener (``reconciler.events``): waits of a second or more, lock
waits and other notices, per-tenant lines for long multi-tenant runs (stderr, unless
``--quiet``), and each document's apply outcome (stdout, always: it is the apply's report).
Events come from worker threads; printing is serialised.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import TYPE_CHECKING

import click

from reconciler.events import (
    DocumentApplied,
    DocumentRead,
    Event,
    Notice,
    TenantDone,
    TenantStarted,
    Waiting,
)

if TYPE_CHECKING:
    from reconciler.session import Session
    from reconciler.writes import DocumentOutcome

#: Multi-tenant runs print a line per finished tenant from this many tenants, or once the run
#: has taken this long.
MANY_TENANTS = 5
LONG_RUN_SECONDS = 2.0


class Printer:
    def __init__(self, *, quiet: bool = False, color: bool = False) -> None:
        self.quiet = quiet
        self.color = color
        self.outcomes: list[DocumentOutcome] = []
        self._lock = threading.Lock()
        self._read: dict[str, int] = defaultdict(int)
        self._planned: dict[str, int] = {}
        self._started = time.monotonic()

    def progress(self, line: str) -> None:
        if not self.quiet:
            click.echo(line, err=True)

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._heard(event)

    def _heard(self, event: Event) -> None:
        if isinstance(event, TenantStarted):
            self._planned[event.tenant] = event.documents
            self._read[event.tenant] = 0
        elif isinstance(event, DocumentRead):
            self._read[event.tenant] += 1
        elif isinstance(event, Waiting):
            planned = self._planned.get(event.tenant)
            done = f" ({self._read[event.tenant]} of {planned} read)" if planned else ""
            self.progress(f"{event.tenant}: waiting {event.seconds:.0f} s for {event.why}{done}")
        elif isinstance(event, Notice):
            self.progress(f"{event.tenant}: {event.text}")
        elif isinstance(event, TenantDone):
            elapsed = time.monotonic() - self._started
            if event.total > 1 and (event.total >= MANY_TENANTS or elapsed > LONG_RUN_SECONDS):
                self.progress(f"[{event.done}/{event.total}] {event.tenant}")
        elif isinstance(event, DocumentApplied):
            self.outcomes.append(event.outcome)
            from reconciler.reports.apply import outcome_lines  # not needed for --help

            for line in outcome_lines(event.outcome, color=self.color):
                click.echo(line, color=self.color)


def calls_line(session: Session) -> str:
    """The Management API calls a run made, over all its tenants: the line every command that
    reaches tenants ends with (on stderr)."""
    stats = session.stats()
    line = (
        f"API calls: {stats.document_reads} GET, {stats.document_writes} PUT, "
        f"{stats.token_requests} token"
    )
    if stats.other_reads:
        line += f", {stats.other_reads} other reads"
    if stats.retries or stats.rate_limited:
        line += f"; {stats.retries} retries, {stats.rate_limited} answered 429"
    return line
