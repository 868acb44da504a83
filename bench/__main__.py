"""``python -m bench``: measure auth0-partials against its floors and print one Markdown table.

    python -m bench                       # every section, about 10 minutes on 2 CPUs
    python -m bench --sections fleet,cold # some sections (the baselines always run first)
    python -m bench --json out.json       # also the rows, with every sample, as JSON

Progress goes to stderr, the table to stdout. Exit 1 when a measurement failed (an ``error``
row); a target not met does not change the exit code (this is a benchmark, not a test).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import baseline, cold, deploy_cli, fleet, rates, validate
from bench.context import Context
from bench.harness import Machine, Row, load_average, own_peak_rss_mib, render_table

SECTIONS: dict[str, Callable[[Context], list[Row]]] = {
    "fleet": fleet.rows,
    "rates": rates.rows,
    "cold": cold.rows,
    "validate": validate.rows,
    "deploy": deploy_cli.rows,
}
MIN_REPEAT = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, from: {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=MIN_REPEAT,
        help=f"runs per wall-time row (default and minimum for the reference table: {MIN_REPEAT})",
    )
    parser.add_argument("--cold-runs", type=int, default=10, help="runs per cold-start row")
    parser.add_argument(
        "--fleet-sizes",
        default="1,50,200,1000",
        help="tenants per fleet plan row (default: 1,50,200,1000)",
    )
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown sections: {', '.join(unknown)}")
    project = Path(__file__).resolve().parents[1]
    started, load_before = time.perf_counter(), load_average()
    with tempfile.TemporaryDirectory(prefix="auth0-partials-bench-") as workdir:
        context = Context(
            repeat=max(1, args.repeat),
            cold_runs=max(1, args.cold_runs),
            workdir=Path(workdir),
            project=project,
            fleet_sizes=tuple(int(n) for n in args.fleet_sizes.split(",") if n.strip()),
        )
        rows = baseline.rows(context)
        for name in chosen:
            rows += SECTIONS[name](context)
    minutes = (time.perf_counter() - started) / 60
    header = (
        f"Machine: {Machine.here().text()}. Load average (1 min): {load_before:.2f} before, "
        f"{load_average():.2f} after; {minutes:.1f} min; {context.repeat} runs per row"
        f"{'' if context.repeat >= MIN_REPEAT else ' (fewer than the reference table takes)'}; "
        f"the benchmark process (emulators) peaked at {own_peak_rss_mib():.0f} MiB."
    )
    print(header + "\n")
    print(render_table(rows), end="")
    if args.json is not None:
        args.json.write_text(
            json.dumps({"header": header, "rows": [r.to_json() for r in rows]}, indent=1),
            encoding="utf-8",
        )
    return 1 if any(r.error is not None for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
