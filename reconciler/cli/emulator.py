"""``auth0-partials emulator``: serve the Auth0 emulator."""

from __future__ import annotations

from pathlib import Path

import click

FAULT_HELP = (
    "Inject a fault (repeatable): KIND[=VALUE][,KEY=VALUE]..., e.g. "
    "status=503,method=PUT,prompt=login,times=2 or latency=1.5 or drip=0.5,times=1. Kinds: "
    "status, latency, timeout, reset, truncated, invalid_json, token_expire_after, "
    "concurrent_writer, drip, oversize, late_put. Keys: tenant, method, prompt, endpoint "
    "(partials, token, management, any or a route family), times, probability, retry_after, "
    "seconds, uses, bytes, status, document (last). See docs/emulator.md."
)


@click.group(short_help="Serve the Auth0 emulator (a local stand-in for a tenant).")
def emulator() -> None:
    """The Auth0 emulator: the Universal Login slice of the Management API, locally."""


@emulator.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 or :: for every interface).",
)
@click.option("--port", default=8765, show_default=True, help="0 picks a free port.")
@click.option(
    "--state",
    type=click.Path(dir_okay=False),
    help="Persist every tenant to this JSON file (loaded at start, rewritten after each change).",
)
@click.option(
    "--rate-limits",
    type=click.Choice(["auth0", "off"]),
    default="auth0",
    show_default=True,
    help="auth0: per tenant, partials GET and PUT buckets of 5 burst, 5 per minute, and a "
    "global Management API bucket (see --global-burst); off: no limits.",
)
@click.option(
    "--global-burst",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Burst of the global Management API bucket (Auth0: 10 on an Enterprise "
    "non-production tenant, 50 in production).",
)
@click.option(
    "--global-rate",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    show_default=True,
    help="Refill of the global bucket, requests per second (Auth0: 2 non-production, 16 "
    "production).",
)
@click.option(
    "--partials-rate-limit-headers",
    type=click.Choice(["endpoint", "global"]),
    default="endpoint",
    show_default=True,
    help="Which bucket the x-ratelimit-* headers of a partials answer describe (Auth0 does not "
    "say).",
)
@click.option(
    "--seed",
    is_flag=True,
    help="New tenants start ready for connection switching: custom domain, page template, "
    "Identifier First, connections enabled for 'Acme Web', the documented partials.",
)
@click.option(
    "--latency",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Milliseconds added to every API call, the token endpoint included.",
)
@click.option(
    "--validation",
    type=click.Choice(["evidence", "strict"]),
    default="evidence",
    show_default=True,
    help="evidence: refuse only what Auth0 is known to refuse; strict: also refuse unknown "
    "partials screens and insertion points and other unproven cases.",
)
@click.option(
    "--unavailable-prompt",
    "unavailable_prompts",
    multiple=True,
    metavar="NAME",
    help="Model tenants without this partials prompt (Auth0's 400), e.g. passkeys (repeatable).",
)
@click.option("--fault", "faults", multiple=True, metavar="SPEC", help=FAULT_HELP)
@click.option(
    "--client",
    "clients",
    multiple=True,
    metavar="ID=SECRET[@SCOPES]",
    help="Accept only these clients (repeatable); SCOPES (comma-separated) are those of the "
    "client's grant, default read:prompts,update:prompts; @- declares a client without a "
    "grant. Without --client any client gets every scope.",
)
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False),
    help="Serve HTTPS with this PEM certificate (with --tls-key).",
)
@click.option(
    "--tls-key",
    type=click.Path(exists=True, dir_okay=False),
    help="The PEM private key of --tls-cert.",
)
def emulator_serve(
    host: str,
    port: int,
    state: str | None,
    rate_limits: str,
    global_burst: int,
    global_rate: float,
    partials_rate_limit_headers: str,
    seed: bool,
    latency: float,
    validation: str,
    unavailable_prompts: tuple[str, ...],
    faults: tuple[str, ...],
    clients: tuple[str, ...],
    tls_cert: str | None,
    tls_key: str | None,
) -> None:
    """Serve the emulator until interrupted (Ctrl-C or SIGTERM). The default tenant is at the
    root; tenant T is at /tenants/T. Admin endpoints (request log, faults, state) are under
    /__emulator/."""
    from reconciler.emulator import EmulatorOptions, parse_client, parse_fault, serve

    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert and --tls-key go together")
    try:
        options = EmulatorOptions(
            rate_limits="auth0" if rate_limits == "auth0" else "off",
            state_file=Path(state) if state else None,
            seed=seed,
            latency_seconds=latency / 1000.0,
            validation="strict" if validation == "strict" else "evidence",
            unavailable_prompts=frozenset(unavailable_prompts),
            faults=tuple(parse_fault(spec) for spec in faults),
            clients=dict(parse_client(spec) for spec in clients) if clients else None,
            global_rate_limit_burst=global_burst,
            global_rate_limit_per_second=global_rate,
            partials_rate_limit_headers=(
                "global" if partials_rate_limit_headers == "global" else "endpoint"
            ),
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
