"""``doctor``: will the declared buttons work on each tenant?"""

from __future__ import annotations

import sys

import click

from reconciler.cli.options import (
    Run,
    color,
    format_option,
    load_configs,
    paths_argument,
    run_in_session,
    run_options,
    target_option,
)
from reconciler.cli.progress import Printer


def _interrupted(signum: int) -> None:
    click.echo("Interrupted: nothing was written (doctor only reads).", err=True)


@click.command(short_help="Check that the buttons can work on each tenant (read-only).")
@paths_argument
@target_option
@format_option("a pull-request comment")
@click.option("--verbose", "-v", is_flag=True, help="Text format: list passed checks too.")
@run_options(many_tenants=True)
def doctor(
    paths: tuple[str, ...], targets: tuple[str, ...], fmt: str, verbose: bool, run: Run
) -> None:
    """Check, read-only, what connection switching needs on each tenant: a ready custom
    domain, a page template with auth0:head and auth0:widget, New Universal Login with
    Identifier First, the prompts, standard rendering of the managed screens, and target
    connections that exist, are of the right kind and are enabled for the applications.

    PATHS are tenant files or folders of them (default: tenants/). Never uses the partials'
    5-per-minute buckets. Needs read:custom_domains read:branding read:prompts
    read:connections read:clients. Exit 0 all pass, 2 problems found, 1 could not check."""
    import reconciler
    from reconciler.reports.doctor import doctor_json, doctor_markdown, doctor_text

    printer = Printer(quiet=run.quiet)
    configs = load_configs(paths, targets, run)

    def work(session: reconciler.Session) -> reconciler.DoctorReport:
        return reconciler.doctor(configs, session=session, concurrency=run.concurrency)

    report, calls = run_in_session(run, paths, printer, work, _interrupted)
    if fmt == "json":
        click.echo(doctor_json(report), nl=False)
    elif fmt == "markdown":
        click.echo(doctor_markdown(report), nl=False)
    else:
        click.echo(doctor_text(report, color=color(), verbose=verbose), nl=False, color=color())
    printer.progress(calls)
    sys.exit(report.exit_code())
