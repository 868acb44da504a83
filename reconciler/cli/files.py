"""``validate``, ``render``, ``import`` and ``restore``: the commands about tenant files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from reconciler.cli.options import (
    Run,
    paths_argument,
    run_in_session,
    run_options,
    state_folder,
    target_option,
    tenant_paths,
)
from reconciler.cli.progress import Printer


def _interrupted(signum: int) -> None:
    click.echo("Interrupted.", err=True)


@click.command(short_help="Check tenant files offline.")
@paths_argument
@click.option(
    "--require-env",
    is_flag=True,
    help="Also fail when a credential variable is unset (otherwise a warning).",
)
def validate(paths: tuple[str, ...], require_env: bool) -> None:
    """Check tenant files offline, with no secrets needed: schema, prompts, screens, insertion
    points, connections, the 10,000-character limit, forms inside the main form, domains.

    PATHS are tenant files or folders of them (default: tenants/). Unset credential variables
    are warnings unless --require-env."""
    import reconciler

    configs = reconciler.load(tenant_paths(paths), env="require" if require_env else "warn")
    warnings = 0
    for config in configs:
        count = sum(len(s.insertion_points) for p in config.prompts for s in p.screens)
        click.echo(f"ok  {config.source}  {config.name}: {count} insertion points")
        for warning in config.warnings:
            click.echo(f"warning: {warning}", err=True)
            warnings += 1
    files = f"{len(configs)} tenant file{'s' if len(configs) != 1 else ''} valid"
    click.echo(
        files + (f" ({warnings} warning{'s' if warnings != 1 else ''})." if warnings else ".")
    )


@click.command(short_help="Print the HTML each declared insertion point will hold.")
@paths_argument
@target_option
def render(paths: tuple[str, ...], targets: tuple[str, ...]) -> None:
    """Print, as JSON, the HTML each declared insertion point will hold (null: deleted).
    Offline: needs no credentials. PATHS default to tenants/."""
    import reconciler
    from reconciler.desired import desired_documents
    from reconciler.targets import Targets

    chosen = Targets.of(targets)
    out: dict[str, Any] = {}
    for config in reconciler.load(tenant_paths(paths), targets=chosen, env="skip"):
        for desired in desired_documents(config):
            if not chosen.selects(config.name, desired.key.prompt):
                continue
            screens = out.setdefault(config.name, {}).setdefault(desired.key.prompt, {})
            for (screen, point), html in desired.entries.items():
                screens.setdefault(screen, {})[point] = html or None
    click.echo(json.dumps(out, indent=2, ensure_ascii=False))


def _refuse_existing(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise click.ClickException(
            f"{target} exists; nothing was written (use --update {target} to fold the live "
            "state into it, or --force to replace it)"
        )


def _write_new(target: Path, text: str, force: bool) -> None:
    from reconciler.files import write_atomic

    _refuse_existing(target, force)
    write_atomic(target, text, mode=0o644, exclusive=not force)


@click.command("import", short_help="Write a tenant file from a live tenant.")
@click.option("--tenant", help="Name of the new file's tenant.")
@click.option("--domain", help="The tenant's Auth0 domain, e.g. acme-dev.eu.auth0.com.")
@click.option("--custom-domain", help="The login domain users see, e.g. login.acme.com.")
@click.option("--client-id-env", metavar="VAR", help="Variable holding the client id.")
@click.option("--client-secret-env", metavar="VAR", help="Variable holding the client secret.")
@click.option("--token-env", metavar="VAR", help="Variable holding a Management API token.")
@click.option("--audience", help="Management API audience, when not https://DOMAIN/api/v2/.")
@click.option(
    "--update",
    "update_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Fold the live state of this tenant file's prompts back into it: comments, layout "
    "and ownership kept; live content it does not declare is listed, not adopted.",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="With --update: also declare live content at insertion points the file does not.",
)
@click.option(
    "--prompt",
    "prompts",
    multiple=True,
    help="Prompts to read for a new file (repeatable; default every catalogue prompt). Each "
    "costs one of the 5 reads per minute.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write the new file here.")
@click.option("--force", is_flag=True, help="With --out: replace an existing file.")
@run_options(many_tenants=False)
def import_(
    tenant: str | None,
    domain: str | None,
    custom_domain: str | None,
    client_id_env: str | None,
    client_secret_env: str | None,
    token_env: str | None,
    audience: str | None,
    update_file: str | None,
    adopt: bool,
    prompts: tuple[str, ...],
    out: str | None,
    force: bool,
    run: Run,
) -> None:
    """Write a tenant file from a live tenant: switch-button forms (any quoting) become button
    entries, anything else raw entries, and `plan` then shows no changes. What a tenant file
    cannot declare (a <form> inside the page's main form) is listed and left unmanaged."""
    import reconciler
    from reconciler.model import TenantConfig

    printer = Printer(quiet=run.quiet)
    if update_file:
        if prompts or out:
            raise click.UsageError("--update folds the file's own prompts in place")
        config = reconciler.load([Path(update_file)], env=run.env)[0]
    else:
        if adopt:
            raise click.UsageError("--adopt goes with --update")
        if not tenant or not domain:
            raise click.UsageError("a new file needs --tenant and --domain (or use --update)")
        credentials = _credentials(client_id_env, client_secret_env, token_env, audience)
        if out:
            _refuse_existing(Path(out), force)  # before spending any of the read budget
        config = TenantConfig(
            tenant,
            domain,
            credentials,
            (),
            Path(out or f"{tenant}.yaml"),
            custom_domain=custom_domain,
        )
    paths = (update_file or out or ".",)

    def work(session: reconciler.Session) -> Any:
        if update_file:
            return reconciler.update_tenant_file(config, session=session, adopt=adopt)
        return reconciler.import_tenant(config, session=session, prompts=prompts)

    result, calls = run_in_session(run, paths, printer, work, _interrupted)
    printer.progress(calls)
    for left in result.not_adopted:
        printer.progress(str(left))
    if update_file:
        if not result.updated and not result.adopted:
            click.echo(f"{update_file} already matches the live tenant.", err=True)
            return
        from reconciler.files import write_atomic

        write_atomic(Path(update_file), result.text, mode=0o644)
        for address in result.updated:
            click.echo(f"updated  {address}", err=True)
        for address in result.adopted:
            click.echo(f"adopted  {address}", err=True)
        click.echo(f"Wrote {update_file}.", err=True)
        return
    for key in result.skipped:
        printer.progress(f"skipped {key}: the tenant does not have this prompt")
    if out:
        from reconciler.reports.text import plural

        _write_new(Path(out), result.text, force)
        click.echo(f"Wrote {out} ({plural(len(result.read), 'prompt')} read).", err=True)
    else:
        click.echo(result.text, nl=False)


def _credentials(
    client_id_env: str | None,
    client_secret_env: str | None,
    token_env: str | None,
    audience: str | None,
) -> Any:
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


@click.command(short_help="Put a backed-up prompt document back.")
@click.argument("backup", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--tenant-file",
    type=click.Path(exists=True, dir_okay=False),
    help="The backup's tenant file (default: the file under tenants/ declaring its tenant).",
)
@click.option("--auto-approve", is_flag=True, help="Restore without asking for confirmation.")
@click.option(
    "--backup-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the document being replaced is saved first "
    "[default: .auth0-partials/backups beside the tenant files].",
)
@run_options(many_tenants=False)
def restore(
    backup: str,
    tenant_file: str | None,
    auto_approve: bool,
    backup_dir: str | None,
    run: Run,
) -> None:
    """Put a backed-up document back (apply saves one before every write). Only the document
    is taken from the backup: tenant, endpoint and credentials come from the tenant file. The
    document it replaces is backed up in turn. Costs one GET and one PUT."""
    import reconciler
    from reconciler.backups import BackupStore, load_backup

    saved = load_backup(Path(backup))
    paths = (tenant_file,) if tenant_file else ()
    configs = reconciler.load(tenant_paths(paths), env=run.env)
    config = next((c for c in configs if c.name == saved.tenant), None)
    if config is None:
        raise click.ClickException(
            f"no tenant file declares tenant {saved.tenant!r}; pass it with --tenant-file"
        )
    click.echo(f"Restore {saved.tenant}/{saved.document.key} to the document saved in {backup}.")
    if not auto_approve and not click.confirm("Restore it?", default=False):
        raise click.ClickException("not confirmed; nothing written (in CI, pass --auto-approve)")
    store = BackupStore(Path(backup_dir) if backup_dir else state_folder(paths) / "backups")
    printer = Printer(quiet=run.quiet)

    def work(session: reconciler.Session) -> Path | None:
        return reconciler.restore(saved, config, session=session, store=store)

    replaced, calls = run_in_session(run, paths, printer, work, _interrupted, locking=True)
    printer.progress(calls)
    if replaced is None:
        click.echo("Already live: nothing written.")
    else:
        click.echo(f"Restored. The document it replaced is saved in {replaced}.")
