"""The library's warnings (a replaced trust store, say) as one stderr line each."""

from __future__ import annotations

import logging

import click


class _WarningLines(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"warning: {record.getMessage()}", err=True)


def show_library_warnings() -> None:
    """Print the ``reconciler`` logger's warnings on stderr (once, however often called)."""
    logger = logging.getLogger("reconciler")
    if not any(isinstance(h, _WarningLines) for h in logger.handlers):
        logger.addHandler(_WarningLines(logging.WARNING))
