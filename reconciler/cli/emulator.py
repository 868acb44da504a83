"""``auth0-partials emulator``: serve the Auth0 emulator."""

from __future__ import annotations

from pathlib import Path

import click


@click.group(short_help="Serve a local Auth0 emulator to try the tool on.")
def emulator() -> None:
    """The Auth0 emulator: the Management API's token and partials endpoints, locally."""


@emulator.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, help="0 picks a free port.")
@click.option("--state", type=click.Path(dir_okay=False), help="Persist state to this JSON file.")
@click.option(
    "--rate-limits",
    type=click.Choice(["auth0", "off"]),
    default="auth0",
    show_default=True,
    help="auth0: partials GET and PUT buckets of 5 burst, 5 per minute per tenant.",
)
@click.option("--seed", is_flag=True, help="New tenants start from the documented seed.")
@click.option("--latency", type=float, default=0.0, help="Milliseconds added to each call.")
@click.option(
    "--fault", "faults", multiple=True, metavar="SPEC", help="Inject a fault (repeatable)."
)
@click.option(
    "--client",
    "clients",
    multiple=True,
    metavar="ID=SECRET[@SCOPES]",
    help="Accept only these clients (repeatable); SCOPES is comma-separated, default "
    "read:prompts,update:prompts. Without --client any client is accepted.",
)
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False))
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False))
def emulator_serve(
    host: str,
    port: int,
    state: str | None,
    rate_limits: str,
    seed: bool,
    latency: float,
    faults: tuple[str, ...],
    tls_cert: str | None,
    tls_key: str | None,
    clients: tuple[str, ...],
) -> None:
    """Serve the emulator until interrupted. The default tenant is at the root; tenant T is
    at /tenants/T. Admin endpoints (request log, faults, state) are under /__emulator/."""
    from reconciler.emulator import EmulatorOptions, parse_client, parse_fault, serve

    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert and --tls-key go together")
    try:
        options = EmulatorOptions(
            rate_limits="auth0" if rate_limits == "auth0" else "off",
            state_file=Path(state) if state else None,
            seed=seed,
            latency_seconds=latency / 1000.0,
            faults=tuple(parse_fault(spec) for spec in faults),
            clients=dict(parse_client(spec) for spec in clients) if clients else None,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    serve(
        options,
        host=host,
        port=port,
        tls_cert=Path(tls_cert) if tls_cert else None,
        tls_key=Path(tls_key) if tls_key else None,
        announce=lambda line: click.echo(line, err=False),
    )
