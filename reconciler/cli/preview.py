"""``preview``: the login pages a plan changes, before and after, as HTML and images."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.cli.options import (
    Run,
    load_configs,
    paths_argument,
    run_in_session,
    run_options,
    target_option,
    warn_config,
)
from reconciler.cli.progress import Printer


def _interrupted(signum: int) -> None:
    click.echo("Interrupted: nothing was written to any tenant (preview only reads).", err=True)


@click.command(short_help="Render the login pages a plan changes, before and after (read-only).")
@paths_argument
@target_option
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder to write the previews to (created if missing): TENANT/PROMPT/SCREEN.before.html, "
    ".after.html, .before.png, .after.png, the side-by-side SCREEN.png, and index.html.",
)
@click.option(
    "--no-images", is_flag=True, help="Write the HTML only, even when a browser is available."
)
@run_options(many_tenants=True)
def preview(
    paths: tuple[str, ...], targets: tuple[str, ...], out: str, no_images: bool, run: Run
) -> None:
    """Plan, then render every screen the plan changes as it is now and as it will be after
    apply: the tenant's page template, custom text (its default language) and partials, in an
    emulated Universal Login page. With Playwright and Chromium (AUTH0_PARTIALS_BROWSER, or
    chromium on the PATH) also screenshots and a side-by-side image with the changed region
    outlined. Link DIR/index.html from a pull request with `plan --preview-base-url`.

    PATHS are tenant files or folders of them (default: tenants/). Read-only: the plan's reads,
    then the page template (read:branding), the tenant settings (read:tenant_settings) and
    custom text (read:prompts) on the global bucket. Exit 0, or 1 when a tenant or a screen
    could not be previewed."""
    import reconciler
    from reconciler.previews import PreviewReport

    printer = Printer(quiet=run.quiet)
    configs = load_configs(paths, targets, run)
    warn_config(configs, printer)
    folder = Path(out)

    def work(session: reconciler.Session) -> PreviewReport:
        planned = reconciler.plan(
            configs, session=session, targets=targets, concurrency=run.concurrency, checks=False
        )
        return reconciler.preview(planned, session=session, out=folder, images=not no_images)

    report, calls = run_in_session(run, paths, printer, work, _interrupted)
    for screen in report.screens:
        address = f"{screen.tenant} {screen.prompt}/{screen.screen}"
        if screen.error is not None:
            click.echo(f"{address}: could not be rendered: {screen.error}", err=True)
            continue
        shown = screen.file("png") if report.images else screen.file("after.html")
        click.echo(f"{address}: {folder / shown}")
    for tenant, error in report.tenant_errors:
        click.echo(f"Error: {tenant}: {error}", err=True)
    for tenant, notes in report.notes.items():
        for note in notes:
            printer.progress(f"note: {tenant}: {note}")
    if report.images_note:
        printer.progress(f"note: {report.images_note}")
    count = len(report.screens)
    click.echo(
        f"Previews of {count} screen{'s' if count != 1 else ''}: {report.index}"
        if count
        else f"No screen changes to preview: {report.index}"
    )
    printer.progress(calls)
    if report.has_errors:
        sys.exit(1)
