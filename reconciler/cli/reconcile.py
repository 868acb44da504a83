"""``plan``, ``apply`` and ``drift``: parse options, call the library, print, pick the exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.options import (
    Run,
    color,
    format_option,
    load_configs,
    paths_argument,
    run_in_session,
    run_options,
    state_folder,
    target_option,
    warn_config,
)
from reconciler.cli.progress import Printer

if TYPE_CHECKING:
    import reconciler


no_checks_option = click.option(
    "--no-checks",
    is_flag=True,
    help="Skip the cheap checks (rendering mode, target connections; two reads per tenant on "
    "the global bucket) whose failures show as warnings.",
)


def _interrupted_plan(signum: int) -> None:
    click.echo("Interrupted: nothing was written.", err=True)


@click.command(short_help="Show what apply would change (read-only).")
@paths_argument
@target_option
@format_option("a pull-request comment")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Save the plan (sealed JSON) for `apply PLAN.json`. Signed when "
    "AUTH0_PARTIALS_PLAN_KEY is set.",
)
@click.option(
    "--out-mode",
    default="600",
    show_default=True,
    metavar="OCTAL",
    help="Permissions of the saved plan (e.g. 644 when another user must read the artifact).",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when the plan has changes, 0 when it has none, 1 on error.",
)
@no_checks_option
@click.option(
    "--merge",
    "merged",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="PLAN.json",
    help="Merge the saved plans of a CI matrix's shards into one plan (and one comment) "
    "instead of reading tenants. Repeatable.",
)
@click.option(
    "--preview-base-url",
    metavar="URL",
    help="With --format markdown: link the login-page previews (`preview --out DIR`) "
    "published at URL.",
)
@run_options(many_tenants=True)
def plan(
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    fmt: str,
    out: str | None,
    out_mode: str,
    detailed_exitcode: bool,
    no_checks: bool,
    merged: tuple[str, ...],
    preview_base_url: str | None,
    run: Run,
) -> None:
    """Read the live documents (one GET per managed prompt) and show what apply would change.

    PATHS are tenant files or folders of them (default: tenants/). Needs only the read:prompts
    scope. Exit 0 (or 2 with --detailed-exitcode when there are changes), 1 on error."""
    import reconciler

    try:
        mode = int(out_mode, 8)
    except ValueError:
        raise click.BadParameter(
            f"{out_mode!r} is not an octal mode", param_hint="--out-mode"
        ) from None
    printer = Printer(quiet=run.quiet)
    if merged:
        if paths or targets or run.shard:
            raise click.UsageError("--merge takes saved plans only: no PATHS, --target or --shard")
        result, calls = _merged(merged), "API calls: none (merged saved plans)"
        _show_plan(result, fmt, out, mode, detailed_exitcode, preview_base_url, calls, printer, run)
        return
    configs = load_configs(paths, targets, run)
    warn_config(configs, printer)

    def work(session: reconciler.Session) -> reconciler.Plan:
        return reconciler.plan(
            configs,
            session=session,
            targets=targets,
            concurrency=run.concurrency,
            checks=not no_checks,
        )

    result, calls = run_in_session(run, paths, printer, work, _interrupted_plan)
    _show_plan(result, fmt, out, mode, detailed_exitcode, preview_base_url, calls, printer, run)


def _merged(paths: tuple[str, ...]) -> reconciler.Plan:
    from reconciler.config import load_tenant
    from reconciler.planfile import merge, plan_key, read_whole

    def load(source: str) -> reconciler.TenantConfig:
        return load_tenant(Path(source), env="skip")

    return merge([read_whole(Path(p), key=plan_key(), load=load) for p in paths])


def _show_plan(
    result: reconciler.Plan,
    fmt: str,
    out: str | None,
    mode: int,
    detailed_exitcode: bool,
    preview_base_url: str | None,
    calls: str,
    printer: Printer,
    run: Run,
) -> None:
    from reconciler.planfile import plan_key, write_plan
    from reconciler.reports import render_plan

    text = render_plan(result, fmt, color=color(), preview_base_url=preview_base_url)  # type: ignore[arg-type]
    click.echo(text, nl=False, color=color())
    if fmt == "text":
        printer.progress(calls)
    if out:
        write_plan(result, Path(out), key=plan_key(), mode=mode)
        where = f" --emulator-url {run.emulator_url}" if run.emulator_url else ""
        where += " --emulator" if run.emulator else ""
        click.echo(
            f"Saved plan to {out}; apply it with: auth0-partials apply {out}{where}", err=True
        )
    if result.has_errors:
        sys.exit(1)
    if detailed_exitcode and result.has_changes:
        sys.exit(2)


def _confirm(plan: object) -> bool:
    tenants = ", ".join(t.tenant for t in plan.tenants if t.to_write)  # type: ignore[attr-defined]
    try:
        return click.confirm(f"Apply {plan.summary} to {tenants}?", default=False)  # type: ignore[attr-defined]
    except click.Abort:
        return False


@click.command(short_help="Write the changes (one PUT per changed prompt).")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[PATHS | PLAN.json]...")
@target_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--allow-destroy", is_flag=True, help="Allow deletions beyond the tenant's safety limits."
)
@click.option(
    "--backup-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the live document of each prompt is saved before it is overwritten "
    "[default: .auth0-partials/backups beside the tenant files].",
)
@click.option(
    "--max-read-age",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Seconds a read may be old when its prompt is written; older ones are read again "
    "first (costs a read from the 5-per-minute budget).",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Read each written prompt again at the end and fail if its declared content is gone.",
)
@no_checks_option
@run_options(many_tenants=True)
def apply(
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    auto_approve: bool,
    allow_destroy: bool,
    backup_dir: str | None,
    max_read_age: float,
    verify: bool,
    no_checks: bool,
    run: Run,
) -> None:
    """Write the changes: one PUT per changed prompt, each built on a read at most
    --max-read-age seconds old, after backing up what it replaces.

    PATHS are tenant files or folders (default: tenants/): plan, show, ask (unless
    --auto-approve), write. Or one saved plan from `plan --out`: apply exactly that plan, without
    asking (it was the review), refusing everything if the tenant files or any prompt changed
    since. Needs the update:prompts scope. Holds a machine-wide lock per tenant while it runs."""
    import reconciler
    from reconciler.backups import BackupStore
    from reconciler.reports import render_plan
    from reconciler.reports.apply import apply_verdict

    plans = [p for p in paths if p.endswith(".json")]
    if plans and len(paths) > 1:
        raise click.UsageError(
            "apply takes one saved plan (PLAN.json) alone, or tenant files: "
            f"apply {plans[0]} on its own"
        )
    if plans and targets:
        raise click.UsageError("--target cannot narrow a saved plan: plan again with --target")
    saved = Path(plans[0]) if plans else None
    if saved:
        bound = reconciler.load_saved(saved)  # refuses a forged or stale plan before any call
    # The local state (backups, the embedded emulator) belongs to the tenant files, also when
    # the saved plan lies elsewhere (a CI artifact).
    files = tuple(str(t.config.source) for t in bound) if saved else paths
    backups = BackupStore(Path(backup_dir) if backup_dir else state_folder(files) / "backups")
    printer = Printer(quiet=run.quiet, color=color())
    configs = [] if saved else load_configs(paths, targets, run)
    warn_config(configs, printer)

    shown: list[reconciler.Plan] = []

    def show(plan: reconciler.Plan) -> None:
        shown.append(plan)
        click.echo(render_plan(plan, "text", color=color()), nl=False, color=color())

    def work(session: reconciler.Session) -> reconciler.ApplyReport:
        if saved:
            planned = reconciler.replan_saved(bound, session=session, concurrency=run.concurrency)
        else:
            planned = reconciler.plan(
                configs,
                session=session,
                targets=targets,
                concurrency=run.concurrency,
                checks=not no_checks,
            )
        return reconciler.apply(
            planned,
            session=session,
            show=show,
            approve=None if saved or auto_approve else _confirm,
            allow_destroy=allow_destroy,
            backups=backups,
            max_read_age=max_read_age,
            verify=verify,
            concurrency=run.concurrency,
            on_stale="refuse" if saved else None,
        )

    def interrupted(signum: int) -> None:
        from reconciler.writes import ApplyReport

        partial = ApplyReport(outcomes=tuple(printer.outcomes), interrupted=True)
        planned = shown[-1].summary.documents if shown else None
        click.echo("Interrupted.", err=True)
        for line in apply_verdict(partial, backup_dir=backups.folder, planned=planned):
            click.echo(line)

    report, calls = run_in_session(run, files, printer, work, interrupted, locking=True)
    if not shown[-1].has_changes:
        click.echo("Nothing to apply.")
        printer.progress(calls)
        return
    for line in apply_verdict(report, backup_dir=backups.folder):
        click.echo(line)
    printer.progress(calls)
    if report.failed:
        sys.exit(1)


@click.command(short_help="Check the tenants for drift (read-only; exit 2 on drift).")
@paths_argument
@target_option
@format_option("an issue body")
@click.option(
    "--fail-on-unmanaged",
    is_flag=True,
    help="Also exit 2 when content the files do not manage is present.",
)
@no_checks_option
@run_options(many_tenants=True)
def drift(
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    fmt: str,
    fail_on_unmanaged: bool,
    no_checks: bool,
    run: Run,
) -> None:
    """Read-only check for scheduled jobs. Exit 0 in sync, 2 drift found, 1 could not tell
    (a tenant that could not be read is never reported in sync).

    PATHS are tenant files or folders of them (default: tenants/). Needs only read:prompts."""
    import reconciler
    from reconciler.reports import render_drift

    printer = Printer(quiet=run.quiet)
    configs = load_configs(paths, targets, run)
    warn_config(configs, printer)

    def work(session: reconciler.Session) -> reconciler.DriftReport:
        return reconciler.drift(
            configs,
            session=session,
            targets=targets,
            concurrency=run.concurrency,
            checks=not no_checks,
        )

    report, calls = run_in_session(run, paths, printer, work, _interrupted_plan)
    click.echo(render_drift(report, fmt, color=color()), nl=False, color=color())  # type: ignore[arg-type]
    printer.progress(calls)
    sys.exit(report.exit_code(fail_on_unmanaged=fail_on_unmanaged))
