"""Options shared by the commands, and how a command reaches its tenants.

``run_options`` adds the options of every command that talks to tenants and hands them over as
one ``Run``; ``open_session`` turns a ``Run`` into a ``Session``: straight to Auth0, to a running
emulator (``--emulator-url``), or to the embedded one (``--emulator``).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from reconciler.cli.completion import complete_target

if TYPE_CHECKING:
    from reconciler.cancel import Cancellation
    from reconciler.cli.progress import Printer
    from reconciler.events import Listener
    from reconciler.model import EnvCheck
    from reconciler.session import Session

T = TypeVar("T")

#: Where tenant files are looked for when a command is given no PATHS.
DEFAULT_PATHS = ("tenants",)
#: The folder of the project's local state (backups, the embedded emulator's tenants).
STATE_FOLDER = ".auth0-partials"

#: The client the emulators accept without --client; not a secret.
EMULATOR_CLIENT_ID = "emulator-client"
EMULATOR_CLIENT_SECRET = "emulator-secret"

FORMATS = click.Choice(["text", "markdown", "json"])


def color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def tenant_paths(paths: Sequence[str]) -> list[Path]:
    return [Path(p) for p in (paths or DEFAULT_PATHS)]


def load_configs(paths: Sequence[str], targets: Sequence[str], run: Run) -> list[Any]:
    """The tenant files of a command that reaches tenants: loaded, targeted, sharded."""
    import reconciler
    from reconciler.targets import Shard

    configs = reconciler.load(tenant_paths(paths), targets=targets, env=run.env)
    if run.shard is None:
        return configs
    try:
        shard = Shard.parse(run.shard)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None
    return shard.select(configs)


def warn_config(configs: Sequence[Any], printer: Printer) -> None:
    """Each file's warnings (an unset credential variable, say), one stderr line each."""
    for config in configs:
        for warning in config.warnings:
            printer.progress(f"warning: {warning}")


def state_folder(paths: Sequence[str]) -> Path:
    """``.auth0-partials`` at the root of the git repository holding the tenant files, or
    beside the tenant folder outside a repository, whatever the working directory."""
    first = tenant_paths(paths)[0].resolve()
    folder = first if first.is_dir() else first.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate / STATE_FOLDER
    return folder.parent / STATE_FOLDER


paths_argument = click.argument("paths", nargs=-1, type=click.Path(), metavar="[PATHS]...")

target_option = click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="TENANT[/PROMPT]",
    shell_complete=complete_target,
    help="Limit the run to a tenant or one prompt of it. Repeatable.",
)


def format_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format",
        "fmt",
        type=FORMATS,
        default="text",
        show_default=True,
        help=f"text for terminals and logs, markdown for {what}, json for machines (see schemas/).",
    )


quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="No progress lines on stderr (results still print)."
)


@dataclass(frozen=True)
class Run:
    """How a command reaches its tenants (the options added by ``run_options``)."""

    emulator: bool
    emulator_limits: str
    emulator_url: str | None
    timeout: float
    budget: str
    deadline: float | None
    quiet: bool
    concurrency: int = 1
    shard: str | None = None

    @property
    def env(self) -> EnvCheck:
        """Real tenants need the files' credential variables set; an emulator takes its demo
        client for any that are not."""
        return "skip" if self.emulator or self.emulator_url else "require"


_RUN_OPTIONS = (
    click.option(
        "--emulator",
        is_flag=True,
        help="Run against the embedded Auth0 emulator (its tenants live in .auth0-partials/"
        "emulator/ beside the tenant files; new tenants start from the documented seed, "
        "one button drifted). No credentials needed.",
    ),
    click.option(
        "--emulator-limits",
        type=click.Choice(["off", "auth0"]),
        default="off",
        show_default=True,
        help="With --emulator: off answers at once; auth0 enforces Auth0's rate limits (and "
        "the client's budget) for a faithful try-out.",
    ),
    click.option(
        "--emulator-url",
        metavar="URL",
        help="Send every tenant to a running `auth0-partials emulator serve` at URL (tenant T "
        "at URL/tenants/T), with the tenant file's credentials when their variables are set, "
        "else the emulator's demo client.",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=30.0,
        show_default=True,
        help="Seconds one answer from Auth0 may take in all.",
    ),
    click.option(
        "--budget",
        type=click.Choice(["auth0", "off"]),
        default="auth0",
        show_default=True,
        envvar="AUTH0_PARTIALS_BUDGET",
        help="Client-side rate-limit budget. auth0: Auth0's partials buckets (5 burst, 5 per "
        "minute each way). off: none, for a server without those limits or a tenant with a "
        "larger policy; 429 answers are still retried. [env: AUTH0_PARTIALS_BUDGET]",
    ),
    click.option(
        "--deadline",
        type=click.FloatRange(min=1),
        default=None,
        help="Seconds the whole run may take, retries and rate-limit waits included.",
    ),
    quiet_option,
)

_CONCURRENCY = click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=512,  # reconciler.operations.DEFAULT_CONCURRENCY (not imported: --help stays fast)
    show_default=True,
    help="Tenants handled at once.",
)
_SHARD = click.option(
    "--shard",
    metavar="K/N",
    help="Only the K-th of N stable parts of the tenants (by tenant name), for a CI matrix of "
    "N jobs; merge their saved plans with `plan --merge`.",
)


def run_options(*, many_tenants: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the options of a command that reaches tenants; the command receives ``run: Run``.
    ``many_tenants`` adds ``--concurrency``."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        names = [f.name for f in fields(Run)]

        @functools.wraps(command)
        def with_run(**options: Any) -> Any:
            values = {name: options.pop(name) for name in names if name in options}
            return command(run=Run(**values), **options)

        wrapped: Callable[..., Any] = with_run
        for option in reversed((*_RUN_OPTIONS, *((_CONCURRENCY, _SHARD) if many_tenants else ()))):
            wrapped = option(wrapped)
        return wrapped

    return decorate


def run_in_session(
    run: Run,
    paths: Sequence[str],
    printer: Printer,
    work: Callable[[Session], T],
    on_interrupt: Callable[[int], None],
    *,
    locking: bool = False,
) -> tuple[T, str]:
    """``work`` on the run's session, stopped by Ctrl-C or SIGTERM (``on_interrupt`` says what
    was done): its result, and the ``API calls:`` line of the session."""
    from reconciler.cancel import Cancellation
    from reconciler.cli.interrupt import run_interruptibly
    from reconciler.cli.progress import calls_line

    cancellation = Cancellation()

    def in_session() -> tuple[T, str]:
        with open_session(
            run, paths, cancellation=cancellation, listener=printer, locking=locking
        ) as session:
            return work(session), calls_line(session)

    return run_interruptibly(in_session, cancellation, on_interrupt)


@contextmanager
def open_session(
    run: Run,
    paths: Sequence[str],
    *,
    cancellation: Cancellation,
    listener: Listener,
    locking: bool = False,
) -> Iterator[Session]:
    """The run's session; with ``--emulator``, the embedded emulator runs until it closes."""
    from reconciler.locks import lock_folder
    from reconciler.model import Credentials
    from reconciler.session import Redirect, Session, SessionSettings

    if run.emulator and run.emulator_url:
        raise click.UsageError("use either --emulator or --emulator-url, not both")
    demo = (
        Credentials(
            "client_credentials", client_id_env="EMULATOR_ID", client_secret_env="EMULATOR_SECRET"
        ),
        {"EMULATOR_ID": EMULATOR_CLIENT_ID, "EMULATOR_SECRET": EMULATOR_CLIENT_SECRET},
    )
    note = "its credential variables are unset: using the emulator's demo client"
    budget = run.budget == "auth0" and not (run.emulator and run.emulator_limits == "off")
    cache = lock_folder().parent
    settings = SessionSettings(
        timeout=run.timeout,
        deadline_seconds=run.deadline,
        budget=budget,
        ledger=cache / "ratelimit.json" if budget and not run.emulator else None,
        cancellation=cancellation,
        listener=listener,
        locking=locking,
    )
    if run.emulator_url:
        url = run.emulator_url.rstrip("/")
        redirect = Redirect(lambda tenant: f"{url}/tenants/{tenant}", demo, note)
        with Session(_with(settings, redirect)) as session:
            yield session
        return
    if not run.emulator:
        with Session(settings) as session:
            yield session
        return
    from reconciler.emulator import EmulatorOptions, EmulatorServer

    state = state_folder(paths) / "emulator" / "state.json"
    options = EmulatorOptions(
        state_file=state,
        seed=True,
        rate_limits="auth0" if run.emulator_limits == "auth0" else "off",
    )
    with EmulatorServer(options) as server:
        base = server.base_url
        redirect = Redirect(lambda tenant: f"{base}/tenants/{tenant}", demo, "")
        # Its tokens live in memory only, so no token from the environment is ever valid there:
        # every tenant uses the demo client (no credential variable is read).
        embedded = _with(settings, redirect)
        with Session(replace(embedded, environ={})) as session:
            yield session


def _with(settings: Any, redirect: Any) -> Any:
    return replace(settings, redirect=redirect)
