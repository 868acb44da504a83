"""The command line: parse options, call one library function, print, choose the exit code.

Exit codes: 0 success; 1 error (including usage errors and a refused confirmation); 2 only where
asked for, meaning "changes present" (``plan --detailed-exitcode``), "drift found" (``drift``)
or "problems found" (``doctor``); 130 / 143 after Ctrl-C / SIGTERM.

Each command's module loads when that command runs, and the library inside each command:
``auth0-partials --help`` imports click and little else, and a command's ``--help`` or usage
error starts in a fraction of the time a run takes (deepdiff, httpx and jsonschema are slow to
import).
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from reconciler import __version__
from reconciler.errors import ApplyCancelled, Auth0PartialsError

#: Each command: the module and function that define it, and its line in ``--help``
#: (``tests/test_cli.py`` checks that line against the command's own ``short_help``).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "apply": (
        "reconciler.cli.reconcile",
        "apply",
        "Write the changes (one PUT per changed prompt).",
    ),
    "doctor": (
        "reconciler.cli.doctor",
        "doctor",
        "Check that the buttons can work on each tenant (read-only).",
    ),
    "drift": (
        "reconciler.cli.reconcile",
        "drift",
        "Check the tenants for drift (read-only; exit 2 on drift).",
    ),
    "emulator": (
        "reconciler.cli.emulator",
        "emulator",
        "Serve the Auth0 emulator (a local stand-in for a tenant).",
    ),
    "import": ("reconciler.cli.files", "import_", "Write a tenant file from a live tenant."),
    "plan": ("reconciler.cli.reconcile", "plan", "Show what apply would change (read-only)."),
    "preview": (
        "reconciler.cli.preview",
        "preview",
        "Render the login pages a plan changes, before and after (read-only).",
    ),
    "render": (
        "reconciler.cli.files",
        "render",
        "Print the HTML each declared insertion point will hold.",
    ),
    "restore": ("reconciler.cli.files", "restore", "Put a backed-up prompt document back."),
    "validate": ("reconciler.cli.files", "validate", "Check tenant files offline."),
}


class ExitCodeGroup(click.Group):
    """The top command: its subcommands load on use (``COMMANDS``); its errors exit 1 with a
    message and no traceback, keeping 2 for "changes present"."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, name, _ = found
        from reconciler.cli.library_warnings import show_library_warnings

        show_library_warnings()
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from ``COMMANDS``, without loading a command's module."""
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        standalone = extra.pop("standalone_mode", True)
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
            if isinstance(exc, ApplyCancelled):
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


#: The youngest generation is collected every this many allocations, not CPython's 700: a run of
#: many tenants allocates many short-lived objects on many threads, and a fleet plan spends about
#: a tenth less CPU (``bench/``: ``fleet.plan-1000``). Only the command line sets it.
GC_YOUNG_THRESHOLD = 10_000


def main() -> None:
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    cli.main(prog_name="auth0-partials")
