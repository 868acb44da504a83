"""The command line: parse options, call one library function, print, choose the exit code.

Exit codes: 0 success; 1 error (including usage errors); 2 only where asked for, meaning
"changes present" (``plan --detailed-exitcode``) or "drift found" (``drift``).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reconciler import __version__
from reconciler.cli.completion import complete_target
from reconciler.errors import Auth0PartialsError

# The library is imported inside each command: `--help` and usage errors then start in a
# fraction of the time (deepdiff, httpx and jsonschema are slow to import).
if TYPE_CHECKING:
    from reconciler.apply import ApplyReport
    from reconciler.model import Credentials, TenantConfig
    from reconciler.plan import Plan
    from reconciler.runner import Connector

LOCAL_DIR = Path(".auth0-partials")
DEFAULT_PATHS = ("tenants",)
FORMATS = click.Choice(["text", "markdown", "json"])


class ExitCodeGroup(click.Group):
    """A group whose usage errors exit 1, keeping 2 for "changes present"."""

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
        except OSError as exc:
            click.echo(f"Error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
            code = 1
        code = code if isinstance(code, int) else 0
        if standalone:
            sys.exit(code)
        return code


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _fail(exc: Auth0PartialsError) -> click.ClickException:
    return click.ClickException(str(exc))


def _paths(paths: Sequence[str]) -> list[Path]:
    return [Path(p) for p in (paths or DEFAULT_PATHS)]


def _load(
    paths: Sequence[str], *, check_env: bool = True, targets: tuple[str, ...] = ()
) -> list[TenantConfig]:
    from reconciler.config import load_tenants
    from reconciler.plan import unmatched_targets

    try:
        configs = load_tenants(_paths(paths), check_env=check_env)
    except Auth0PartialsError as exc:
        raise _fail(exc) from None
    unmatched = unmatched_targets(configs, targets)
    if unmatched:
        known = ", ".join(sorted(c.name for c in configs))
        raise click.UsageError(
            f"--target {', '.join(unmatched)} matches no tenant or managed prompt"
            f" (tenants: {known})"
        )
    return configs


def _progress(done: int, total: int, tenant: str) -> None:
    if total >= 5:
        click.echo(f"[{done}/{total}] {tenant}", err=True)


def _calls_line(connector: Connector) -> str:
    c = connector.calls()
    line = f"API calls: {c['get']} GET partials, {c['put']} PUT partials, {c['token']} token"
    if c["retries"] or c["rate_limited"]:
        line += f"; {c['retries']} retries, {c['rate_limited']} answered 429"
    return line


# -- endpoints: a real tenant, the embedded emulator, or a running emulator ----------------

emulator_option = click.option(
    "--emulator",
    is_flag=True,
    help="Run against the embedded Auth0 emulator (state in ./.auth0-partials/emulator/; new "
    "tenants start from the documented seed with one drifted button). No credentials needed.",
)
emulator_url_option = click.option(
    "--emulator-url",
    metavar="URL",
    help="Send every tenant to a running `auth0-partials emulator serve` at URL "
    "(tenant T at URL/tenants/T).",
)
target_option = click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="TENANT[/PROMPT]",
    help="Limit the run to a tenant or one prompt of it. Repeatable.",
    shell_complete=complete_target,
)
concurrency_option = click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=64,
    show_default=True,
    help="Tenants handled at once.",
)
paths_argument = click.argument("paths", nargs=-1, type=click.Path())
timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for one answer from Auth0.",
)
budget_option = click.option(
    "--budget",
    type=click.Choice(["auth0", "off"]),
    default="auth0",
    show_default=True,
    envvar="AUTH0_PARTIALS_BUDGET",
    help="Client-side rate-limit budget. auth0: Auth0's partials buckets (5 burst, 5 per minute "
    "each way). off: none, for an emulator without rate limits or a tenant with a custom "
    "rate-limit policy; 429 answers are still retried. [env: AUTH0_PARTIALS_BUDGET]",
)
deadline_option = click.option(
    "--deadline",
    type=click.FloatRange(min=1),
    default=None,
    help="Seconds the whole run may take, retries and rate-limit waits included.",
)


@dataclass(frozen=True)
class Run:
    """How a command reaches its tenants (the options added by ``run_options``)."""

    emulator: bool
    emulator_url: str | None
    concurrency: int
    timeout: float
    budget: str
    deadline: float | None

    @property
    def needs_credentials(self) -> bool:
        """Emulators accept their own demo client: the files' variables may be unset."""
        return not (self.emulator or self.emulator_url)


def run_options(command: Callable[..., None]) -> Callable[..., None]:
    """Adds the options of every command that reaches tenants (where, how many at once, how
    long) and hands them to the command as one ``run: Run``."""

    @functools.wraps(command)
    def with_run(**options: Any) -> None:
        fields = {name: options.pop(name) for name in Run.__dataclass_fields__}
        command(run=Run(**fields), **options)

    wrapped: Callable[..., None] = with_run
    for option in reversed(
        (
            emulator_option,
            emulator_url_option,
            concurrency_option,
            timeout_option,
            budget_option,
            deadline_option,
        )
    ):
        wrapped = option(wrapped)
    return wrapped


@contextmanager
def _connector(run: Run) -> Iterator[Connector]:
    if run.emulator and run.emulator_url:
        raise click.UsageError("use either --emulator or --emulator-url, not both")
    from reconciler.runner import ClientSettings, Connector

    settings = ClientSettings(
        emulator_url=run.emulator_url,
        timeout=run.timeout,
        deadline_seconds=run.deadline,
        rate_limits=run.budget == "auth0",
        budget_ledger=LOCAL_DIR / "ratelimit.json" if run.budget == "auth0" else None,
    )
    if not run.emulator:
        with Connector(settings) as connector:
            yield connector
        return
    from reconciler.emulator import EmulatorOptions, EmulatorServer

    state = LOCAL_DIR / "emulator" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    server = EmulatorServer(EmulatorOptions(state_file=state, seed=True))
    server.start()
    try:
        embedded = replace(settings, emulator_url=server.base_url, budget_ledger=None)
        with Connector(embedded) as connector:
            yield connector
    finally:
        server.stop()


def _plan_tenants(
    paths: Sequence[str], targets: tuple[str, ...], run: Run, connector: Connector
) -> Plan:
    """Load the tenant files and plan them: one GET per managed prompt."""
    from reconciler.runner import make_plan

    configs = _load(paths, check_env=run.needs_credentials, targets=targets)
    return make_plan(
        configs, connector, targets=targets, concurrency=run.concurrency, progress=_progress
    )


@click.group(cls=ExitCodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auth0-partials")
def cli() -> None:
    """Keep Auth0 Universal Login prompt partials (connection-switching buttons) in Git.

    Tenant files (YAML, one per tenant, default folder tenants/) declare the buttons;
    plan shows what would change, apply writes only what changed, drift checks for
    out-of-band edits. Exit codes: 0 ok, 1 error, 2 changes/drift present where asked.
    """


@cli.command()
@paths_argument
def validate(paths: tuple[str, ...]) -> None:
    """Check tenant files offline: schema, prompts, screens, insertion points, connections,
    the 10,000-character limit, forms inside the main form, and environment variables."""
    configs = _load(paths)
    for config in configs:
        count = sum(len(s.insertion_points) for p in config.prompts for s in p.screens)
        click.echo(f"ok  {config.source}  {config.name}: {count} insertion points")
    click.echo(f"{len(configs)} tenant file{'s' if len(configs) != 1 else ''} valid.")


@cli.command()
@paths_argument
@target_option
def render(paths: tuple[str, ...], targets: tuple[str, ...]) -> None:
    """Print, as JSON, the HTML each declared insertion point will hold (null = deleted).
    Offline: needs no credentials."""
    from reconciler.plan import prompts_targeted
    from reconciler.render import render_items

    out: dict[str, Any] = {}
    for config in _load(paths, check_env=False, targets=targets):
        selected = prompts_targeted(config, targets)
        for prompt in config.prompts:
            if prompt.name not in selected:
                continue
            screens = out.setdefault(config.name, {}).setdefault(prompt.name, {})
            for screen in prompt.screens:
                for point in screen.insertion_points:
                    screens.setdefault(screen.name, {})[point.name] = (
                        render_items(point.items) or None
                    )
    click.echo(json.dumps(out, indent=2, ensure_ascii=False))


@cli.command()
@paths_argument
@target_option
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="text for terminals and logs, markdown for a pull-request comment or issue, json "
    "for machines (see schemas/).",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Save the plan (JSON) for apply.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when the plan has changes, 0 when it has none, 1 on error.",
)
@run_options
def plan(
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    run: Run,
) -> None:
    """Read the live partials (one GET per managed prompt) and show what apply would change.
    Needs only the read:prompts scope."""
    from reconciler.output import render_plan

    with _connector(run) as connector:
        result = _plan_tenants(paths, targets, run, connector)
        calls = _calls_line(connector)
    click.echo(render_plan(result, fmt, color=_color()), nl=False, color=_color())  # type: ignore[arg-type]
    if fmt == "text":
        click.echo(calls, err=True)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n")
        click.echo(f"Saved plan to {out}; apply it with: auth0-partials apply {out}", err=True)
    if result.has_errors:
        sys.exit(1)
    if detailed_exitcode and result.has_changes:
        sys.exit(2)


def _read_plan_file(path: Path) -> Plan:
    from reconciler.errors import PlanFileError
    from reconciler.plan import Plan

    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanFileError(
            f"cannot read saved plan {path}: {exc}", hint="pass a file written by plan --out"
        ) from None
    return Plan.from_json(data)


def _confirm(question: str) -> None:
    try:
        confirmed = click.confirm(question, default=False)
    except click.Abort:
        confirmed = False
    if not confirmed:
        raise click.ClickException("not confirmed; nothing written (in CI, pass --auto-approve)")


def _print_report(report: ApplyReport) -> None:
    for outcome in report.outcomes:
        line = f"{outcome.status:>13}  {outcome.tenant}/{outcome.prompt}"
        if outcome.backup:
            line += f"  (previous document saved to {outcome.backup})"
        click.echo(line)
        if outcome.error:
            click.echo(f"               {outcome.error}")
    for tenant, error in report.tenant_errors:
        click.echo(f"       failed  {tenant}: {error}")
    written = len(report.written)
    failed = len(report.outcomes) - written
    click.echo(
        f"Apply {'incomplete' if report.failed else 'complete'}: {written} prompt"
        f"{'s' if written != 1 else ''} written, {failed} not written."
    )
    if report.failed:
        click.echo("Rerun the same command to converge once the cause is fixed.")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@target_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--allow-destroy", is_flag=True, help="Allow deletions beyond the tenant's safety limits."
)
@click.option(
    "--backup-dir",
    type=click.Path(file_okay=False),
    default=str(LOCAL_DIR / "backups"),
    show_default=True,
    help="Where the live document of each prompt is saved before it is overwritten.",
)
@run_options
def apply(
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    auto_approve: bool,
    allow_destroy: bool,
    backup_dir: str,
    run: Run,
) -> None:
    """Write the changes: one PUT per changed prompt, with the whole merged document.

    PATHS are tenant files or folders (plan, then apply), or one saved plan file from
    `plan --out` (apply exactly that plan, refusing if any prompt changed since).
    After an interactive confirmation, each prompt is read again before writing, and nothing
    is written if any changed meanwhile. Needs the update:prompts scope."""
    from reconciler.apply import BackupStore
    from reconciler.output import render_plan
    from reconciler.runner import apply_plan

    saved = len(paths) == 1 and paths[0].endswith(".json")
    if saved and targets:
        raise click.UsageError("--target cannot narrow a saved plan; plan again with --target")
    with _connector(run) as connector:
        try:
            if saved:
                result = _read_plan_file(Path(paths[0]))
            else:
                result = _plan_tenants(paths, targets, run, connector)
            click.echo(render_plan(result, "text", color=_color()), nl=False, color=_color())
            if result.has_errors:
                raise click.ClickException("some tenants could not be planned; nothing written")
            if not result.has_changes:
                click.echo("Nothing to apply.")
                click.echo(_calls_line(connector), err=True)
                return
            if not auto_approve:
                _confirm(f"Apply {result.summary}?")
            report = apply_plan(
                result,
                connector,
                verify_fresh=saved or not auto_approve,
                saved=saved,
                allow_destroy=allow_destroy,
                backups=BackupStore(Path(backup_dir)),
                concurrency=run.concurrency,
            )
        except Auth0PartialsError as exc:
            raise _fail(exc) from None
        _print_report(report)
        click.echo(_calls_line(connector), err=True)
    if report.failed:
        sys.exit(1)


@cli.command()
@paths_argument
@target_option
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="text for terminals and logs, markdown for a pull-request comment or issue, json "
    "for machines (see schemas/).",
)
@click.option(
    "--fail-on-unmanaged",
    is_flag=True,
    help="Also exit 2 when content the files do not manage is present.",
)
@run_options
def drift(
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    fmt: str,
    fail_on_unmanaged: bool,
    run: Run,
) -> None:
    """Read-only check for scheduled jobs. Exit 0 in sync, 2 drift found, 1 could not tell
    (a tenant that could not be read is never reported in sync). Needs only read:prompts."""
    from reconciler.drift import drift_json, drift_markdown, drift_report, drift_text

    with _connector(run) as connector:
        result = _plan_tenants(paths, targets, run, connector)
    report = drift_report(result)
    if fmt == "json":
        click.echo(drift_json(report), nl=False)
    elif fmt == "markdown":
        click.echo(drift_markdown(report), nl=False)
    else:
        click.echo(drift_text(report, color=_color()), nl=False, color=_color())
    sys.exit(report.exit_code(fail_on_unmanaged=fail_on_unmanaged))


@cli.command("import")
@click.option("--tenant", help="Name of the new tenant file's tenant.")
@click.option("--domain", help="Domain the Management API is called on (new file).")
@click.option("--client-id-env", metavar="VAR", help="Variable holding the client id.")
@click.option("--client-secret-env", metavar="VAR", help="Variable holding the client secret.")
@click.option("--token-env", metavar="VAR", help="Variable holding a Management API token.")
@click.option("--audience", help="Management API audience, when not https://DOMAIN/api/v2/.")
@click.option(
    "--update",
    "update_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Fold the live state of this tenant file's prompts back into it (comments and "
    "header kept; other prompts untouched).",
)
@click.option(
    "--prompt",
    "prompts",
    multiple=True,
    help="Prompts to read (repeatable). Default: every catalogue prompt for a new file, the "
    "file's prompts with --update. Each costs one of the 5 reads per minute.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write the new file here.")
@run_options
def import_(
    tenant: str | None,
    domain: str | None,
    client_id_env: str | None,
    client_secret_env: str | None,
    token_env: str | None,
    audience: str | None,
    update_file: str | None,
    prompts: tuple[str, ...],
    out: str | None,
    run: Run,
) -> None:
    """Write a tenant file from a live tenant: switch-button forms (any quoting) become button
    entries, anything else raw entries. Then `plan` shows no changes."""
    from reconciler.catalog import PROMPTS
    from reconciler.importer import fold_prompts, import_tenant_yaml
    from reconciler.state import read_available_prompts

    if update_file:
        config = _load([update_file], check_env=run.needs_credentials)[0]
        tenant, domain, credentials = config.name, config.domain, config.credentials
        names = list(prompts) or [p.name for p in config.prompts]
    else:
        if not tenant or not domain:
            raise click.UsageError("a new file needs --tenant and --domain (or use --update)")
        credentials = _import_credentials(client_id_env, client_secret_env, token_env, audience)
        names = list(prompts) or list(PROMPTS)
    try:
        with _connector(run) as connector:
            api = connector.client(tenant, domain, credentials)
            documents, skipped = read_available_prompts(api, names)
        live = [documents[name] for name in names if name in documents]
        if update_file:
            text = fold_prompts(Path(update_file).read_text("utf-8"), live)
        else:
            found = [d for d in live if not d.is_empty()]
            text = import_tenant_yaml(
                tenant=tenant, domain=domain, credentials=credentials, documents=found
            )
    except Auth0PartialsError as exc:
        raise _fail(exc) from None
    for name in skipped:
        click.echo(f"skipped {name}: the tenant does not have this prompt", err=True)
    target = update_file or out
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(text, "utf-8")
        click.echo(f"Wrote {target} ({len(live)} prompts read).", err=True)
    else:
        click.echo(text, nl=False)


def _import_credentials(
    client_id_env: str | None,
    client_secret_env: str | None,
    token_env: str | None,
    audience: str | None,
) -> Credentials:
    from reconciler.model import Credentials

    if token_env and not (client_id_env or client_secret_env):
        return Credentials("token", token_env=token_env, audience=audience)
    if client_id_env and client_secret_env and not token_env:
        return Credentials(
            "client_credentials",
            client_id_env=client_id_env,
            client_secret_env=client_secret_env,
            audience=audience,
        )
    raise click.UsageError(
        "name the credentials: --client-id-env and --client-secret-env, or --token-env"
    )


@cli.command()
@click.argument("backup", type=click.Path(exists=True, dir_okay=False))
@click.option("--auto-approve", is_flag=True, help="Restore without asking for confirmation.")
@click.option(
    "--backup-dir",
    type=click.Path(file_okay=False),
    default=str(LOCAL_DIR / "backups"),
    show_default=True,
    help="Where the document being replaced is saved first.",
)
@run_options
def restore(
    backup: str,
    auto_approve: bool,
    backup_dir: str,
    run: Run,
) -> None:
    """Put a backed-up prompt document back (apply saves one before every write). The
    document it replaces is backed up in turn. Costs one GET and one PUT."""
    from reconciler.apply import BackupStore, load_backup
    from reconciler.apply import restore as restore_backup

    try:
        saved = load_backup(Path(backup))
        click.echo(
            f"Restore {saved.tenant.tenant}/{saved.document.prompt} to the document saved "
            f"in {backup}."
        )
        if not auto_approve:
            _confirm("Restore it?")
        with _connector(run) as connector:
            tenant = saved.tenant
            api = connector.client(tenant.tenant, tenant.domain, tenant.credentials)
            replaced = restore_backup(saved, api, BackupStore(Path(backup_dir)))
    except Auth0PartialsError as exc:
        raise _fail(exc) from None
    if replaced is None:
        click.echo("Already live: nothing written.")
    else:
        click.echo(f"Restored. The document it replaced is saved in {replaced}.")


from reconciler.cli.emulator import emulator  # noqa: E402

cli.add_command(emulator)


def main() -> None:
    cli.main(prog_name="auth0-partials")
