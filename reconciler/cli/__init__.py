"""The command line: parse options, call one library function, print, choose the exit code.

Exit codes: 0 success; 1 error (including usage errors and a refused confirmation); 2 only where
asked for, meaning "changes present" (``plan --detailed-exitcode``), "drift found" (``drift``)
or "problems found" (``doctor``); 130 / 143 after Ctrl-C / SIGTERM.

The library is imported inside each command: ``--help`` and usage errors then start in a
fraction of the time (deepdiff, httpx and jsonschema are slow to import).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

import click

from reconciler import __version__
from reconciler.cli.doctor import doctor
from reconciler.cli.emulator import emulator
from reconciler.cli.files import import_, render, restore, validate
from reconciler.cli.preview import preview
from reconciler.cli.reconcile import apply, drift, plan
from reconciler.errors import Auth0PartialsError


class _WarningLines(logging.Handler):
    """The library's warnings (a replaced trust store, say) as one stderr line each."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"warning: {record.getMessage()}", err=True)


def _show_library_warnings() -> None:
    logger = logging.getLogger("reconciler")
    if not any(isinstance(h, _WarningLines) for h in logger.handlers):
        handler = _WarningLines(logging.WARNING)
        logger.addHandler(handler)


class ExitCodeGroup(click.Group):
    """A group whose errors exit 1 with a message and no traceback, keeping 2 for "changes
    present"."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        standalone = extra.pop("standalone_mode", True)
        _show_library_warnings()
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except click.ClickException as exc:
            exc.show()
            code = 1
        except click.Abort:
            click.echo("Aborted.", err=True)
            code = 1
        except Auth0PartialsError as exc:
            if type(exc).__name__ == "ApplyCancelled":
                click.echo(exc.message, err=True)
            else:
                click.echo(f"Error: {exc}", err=True)
            code = 1
        except OSError as exc:
            click.echo(f"Error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
            code = 1
        code = code if isinstance(code, int) else 0
        if standalone:
            sys.exit(code)
        return code


@click.group(cls=ExitCodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auth0-partials")
def cli() -> None:
    """Keep Auth0 Universal Login prompt partials (connection-switching buttons) in Git.

    Tenant files (YAML, one per tenant, default folder tenants/) declare the buttons; plan
    shows what would change, apply writes only what changed, drift checks for out-of-band
    edits. Exit codes: 0 ok, 1 error, 2 changes/drift/problems present where asked, 130/143
    when interrupted.
    """


for command in (validate, render, plan, apply, drift, doctor, preview, import_, restore, emulator):
    cli.add_command(command)


def main() -> None:
    cli.main(prog_name="auth0-partials")
