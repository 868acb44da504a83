"""The benchmark's statistics and table (``bench/harness.py``); the benchmark itself is not a
test (it measures wall time)."""

from __future__ import annotations

import sys

import pytest

from bench.harness import (
    Row,
    Sample,
    Target,
    listen_overflows,
    measured_row,
    render_table,
    run_process,
    spread,
)


def test_spread_is_the_median_with_min_and_max() -> None:
    assert spread([3.0, 1.0, 2.0]) == spread([2.0, 3.0, 1.0])
    found = spread([5.0, 1.0, 4.0, 2.0])
    assert (found.median, found.low, found.high, found.count) == (3.0, 1.0, 5.0, 4)
    assert found.text() == "3.00 (1.00–5.00)"
    assert spread([0.5]).text() == "0.50"
    with pytest.raises(ValueError, match="at least one"):
        spread([])


def test_a_row_compares_its_median_with_its_floor_and_target() -> None:
    samples = [Sample(1.0, 0.5, 40.0), Sample(3.0, 0.7, 60.0), Sample(2.0, 0.6, 50.0)]
    row = Row("k", "name", samples=samples, floor=0.5, target=Target(2.0, "≤ 2 s"))
    assert row.measured == 2.0
    assert row.ratio == 4.0
    assert row.met is True
    assert row.rss == 60.0
    assert row.cpu is not None and row.cpu.median == 0.6
    row.target = Target(1.9, "≤ 1.9 s")
    assert row.met is False
    assert Row("k", "info", samples=samples).met is None
    failed = Row("k", "failed", samples=samples, error="boom", target=Target(9, "≤ 9 s"))
    assert failed.measured is None and failed.met is False


def test_a_value_row_is_its_value() -> None:
    row = Row("k", "calls", unit="429s", value=0.0, target=Target(0, "0"))
    assert (row.measured, row.met, row.wall) == (0.0, True, None)


def test_the_table_has_one_line_per_row() -> None:
    rows = [
        Row("a.one", "one", samples=[Sample(1.5, 0.2, 30.0)], floor=0.76, notes="x | y"),
        Row("a.two", "two", unit="MiB", value=150.0, target=Target(200, "≤ 200 MiB")),
        Row("a.three", "three", error="it failed"),
    ]
    lines = render_table(rows).splitlines()
    assert len(lines) == 2 + len(rows)
    assert "| a.one | one | 1.50 s | 0.20 s | 30 MiB | 0.76 s | 1.97 |" in lines[2]
    assert "x \\| y" in lines[2]
    assert "150 MiB" in lines[3] and "| yes |" in lines[3]
    assert "| error |" in lines[4] and "**NO**" in lines[4]


def test_a_failed_measurement_is_a_row_not_a_crash() -> None:
    def fails() -> list[Sample]:
        raise RuntimeError("no emulator")

    row = measured_row(Row("k", "name"), fails)
    assert row.error == "RuntimeError: no emulator"
    assert row.load is not None


def test_a_child_process_is_timed_with_its_own_cpu_and_memory() -> None:
    code = (
        "import sys, time; held = bytearray(64 * 2**20); time.sleep(0.2);"
        " print('out'); print('err', file=sys.stderr); sys.exit(3)"
    )
    done = run_process([sys.executable, "-c", code])
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")
    assert done.sample.wall > 0.2 and done.sample.cpu > 0
    # Its own 64 MiB, and not this process's memory (a copy of which it was until it executed).
    assert done.sample.rss_mib is not None and 64 < done.sample.rss_mib < 64 + 40


def test_listen_overflows_is_a_count() -> None:
    assert listen_overflows() >= 0
