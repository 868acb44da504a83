"""Timing, statistics and the table: what every section of the benchmark measures with.

A ``Sample`` is one run: wall seconds, CPU seconds (user + system) and peak resident memory. A
CLI run is a child process timed from its start to its exit (interpreter start included), its
CPU read from the kernel when it exits (``os.wait4``) and its peak RSS from its ``VmHWM`` while it
runs (the kernel's ``ru_maxrss`` would count the benchmark's own memory, copied at the fork), so
nothing of the benchmark's own process (which serves the emulator) is counted. A ``Row`` holds a
row's samples and is shown as their median with min and max, beside its floor; ``Machine`` says
where and under what load it ran.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

Unit = Literal["s", "ms", "MiB", "calls", "429s", "x"]


@dataclass(frozen=True)
class Sample:
    """One run: wall and CPU seconds, peak RSS in MiB (None when not measured)."""

    wall: float
    cpu: float
    rss_mib: float | None = None


@dataclass(frozen=True)
class Spread:
    """The median of some values, with their min, max and count."""

    median: float
    low: float
    high: float
    count: int

    def text(self, digits: int = 2) -> str:
        if self.count == 1:
            return f"{self.median:.{digits}f}"
        return f"{self.median:.{digits}f} ({self.low:.{digits}f}–{self.high:.{digits}f})"


def spread(values: Sequence[float]) -> Spread:
    """Median, min and max of ``values`` (at least one)."""
    if not values:
        raise ValueError("spread needs at least one value")
    return Spread(statistics.median(values), min(values), max(values), len(values))


@dataclass(frozen=True)
class Finished:
    """A child process that ran to its end: its sample, exit code and output."""

    sample: Sample
    returncode: int
    stdout: str
    stderr: str


def run_process(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 600.0,
) -> Finished:
    """Run ``argv`` to its end; time it from start to exit, with its own CPU and peak RSS.

    Output goes to files (never a pipe that could fill up and stall the child).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        watcher = _PeakWatcher(process.pid)
        watcher.start()
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
            watcher.stop()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Finished(Sample(wall, cpu, watcher.peak_mib), process.returncode, stdout, stderr)


class _PeakWatcher(threading.Thread):
    """Polls a child's ``VmHWM`` (its peak RSS so far) until it exits; only once the child has
    executed its program (before that, it is a copy of this process, with this command line)."""

    INTERVAL = 0.02
    #: Polled every millisecond for the first ``EARLY_SECONDS``: an interpreter starts and a
    #: short command exits between two polls 20 ms apart.
    EARLY_INTERVAL = 0.001
    EARLY_SECONDS = 0.25

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self._proc = Path(f"/proc/{pid}")
        try:
            self._ours = Path("/proc/self/cmdline").read_bytes()
        except OSError:
            self._ours = b""
        self._executed = False  # its command line is read (under its memory lock) until then
        self._done = threading.Event()
        self.peak_kib = 0

    @property
    def peak_mib(self) -> float | None:
        return self.peak_kib / 1024 if self.peak_kib else None

    def run(self) -> None:
        started = time.monotonic()
        while not self._done.is_set():
            self._read()
            early = time.monotonic() - started < self.EARLY_SECONDS
            self._done.wait(self.EARLY_INTERVAL if early else self.INTERVAL)

    def _read(self) -> None:
        try:
            if not self._executed:
                if (self._proc / "cmdline").read_bytes() in (self._ours, b""):
                    return
                self._executed = True
            for line in (self._proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kib = max(self.peak_kib, int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            pass

    def stop(self) -> None:
        self._done.set()
        self.join()


def timed(work: Callable[[], object]) -> Sample:
    """One in-process run of ``work``: wall and this process's CPU (all its threads)."""
    cpu = time.process_time()
    started = time.perf_counter()
    work()
    return Sample(time.perf_counter() - started, time.process_time() - cpu)


def listen_overflows() -> int:
    """Linux's count of connections dropped because a listen queue was full (system-wide:
    ``TcpExt ListenOverflows``); 0 where unknown. A dropped connect is retried after 1 s."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return 0
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            fields = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(fields.get("ListenOverflows", 0))
    return 0


def load_average() -> float:
    """The 1-minute load average (how busy the machine was; 0.0 where unknown)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


@dataclass(frozen=True)
class Target:
    """What a row aims for: met when the median is at most ``limit``."""

    limit: float
    text: str


@dataclass
class Row:
    """One line of the table.

    ``samples`` are the runs (wall-time rows); ``value`` replaces them for a row that is one
    figure (a count, a ratio). ``floor`` is the best any implementation could do in that
    setting; ``baseline`` names the reference measured in the same run.
    """

    key: str
    name: str
    unit: Unit = "s"
    samples: list[Sample] = field(default_factory=list)
    value: float | None = None
    floor: float | None = None
    baseline: str = ""
    target: Target | None = None
    notes: str = ""
    load: tuple[float, float] | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def wall(self) -> Spread | None:
        return spread([s.wall for s in self.samples]) if self.samples else None

    @property
    def cpu(self) -> Spread | None:
        return spread([s.cpu for s in self.samples]) if self.samples else None

    @property
    def rss(self) -> float | None:
        values = [s.rss_mib for s in self.samples if s.rss_mib is not None]
        return max(values) if values else None

    @property
    def measured(self) -> float | None:
        if self.error is not None:
            return None
        if self.value is not None:
            return self.value
        wall = self.wall
        return wall.median if wall is not None else None

    @property
    def ratio(self) -> float | None:
        measured = self.measured
        if measured is None or not self.floor:
            return None
        return measured / self.floor

    @property
    def met(self) -> bool | None:
        """True or False against the target; None for a row without one."""
        if self.error is not None:
            return False
        if self.target is None:
            return None
        measured = self.measured
        return measured is not None and measured <= self.target.limit + 1e-9

    def to_json(self) -> dict[str, Any]:
        wall, cpu = self.wall, self.cpu
        return {
            "key": self.key,
            "name": self.name,
            "unit": self.unit,
            "measured": self.measured,
            "wall": None if wall is None else vars(wall),
            "cpu": None if cpu is None else vars(cpu),
            "peak_rss_mib": self.rss,
            "samples": [vars(s) for s in self.samples],
            "floor": self.floor,
            "ratio": self.ratio,
            "baseline": self.baseline,
            "target": None if self.target is None else self.target.text,
            "met": self.met,
            "load": self.load,
            "notes": self.notes,
            "error": self.error,
            "details": self.details,
        }


def measured_row(row: Row, runs: Callable[[], list[Sample]]) -> Row:
    """Fill ``row`` with ``runs()`` and the load average around them; an exception becomes the
    row's error instead of ending the benchmark."""
    before = load_average()
    try:
        row.samples = runs()
    except Exception as exc:  # a failed measurement is a row, not a crash
        row.error = f"{type(exc).__name__}: {exc}"
    row.load = (before, load_average())
    return row


# ------------------------------------------------------------------------------- the table


def _number(value: float | None, unit: Unit) -> str:
    if value is None:
        return "—"
    if unit in ("calls", "429s"):
        return f"{value:.0f}"
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if unit == "x":
        return f"{value:.2f}×"
    return f"{value:.2f} s"


def _measured_cell(row: Row) -> str:
    if row.error is not None:
        return "error"
    wall = row.wall
    if wall is not None and row.value is None:
        text = wall.text()
        return f"{text} s" if row.unit == "s" else text
    return _number(row.measured, row.unit)


def _met_cell(row: Row) -> str:
    met = row.met
    if met is None:
        return "info"
    return "yes" if met else "**NO**"


def render_table(rows: Sequence[Row]) -> str:
    """The rows as one Markdown table."""
    lines = [
        "| # | measure | median (min–max) | CPU | peak RSS | floor | ratio | baseline | target "
        "| met | load | notes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cpu = row.cpu
        ratio = row.ratio
        cells = [
            row.key,
            row.name,
            _measured_cell(row),
            "—" if cpu is None else f"{cpu.median:.2f} s",
            "—" if row.rss is None else f"{row.rss:.0f} MiB",
            _number(row.floor, row.unit),
            "—" if ratio is None else f"{ratio:.2f}",
            row.baseline or "—",
            row.target.text if row.target is not None else "—",
            _met_cell(row),
            "—" if row.load is None else f"{row.load[0]:.1f}→{row.load[1]:.1f}",
            (row.error or row.notes).replace("|", "\\|").replace("\n", " "),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Machine:
    """Where the benchmark ran."""

    cpus: int
    python: str
    httpx: str
    platform: str
    memory_mib: float

    @classmethod
    def here(cls) -> Machine:
        pages = os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 0
        size = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 0
        return cls(
            cpus=os.cpu_count() or 0,
            python=platform.python_version(),
            httpx=_version("httpx"),
            platform=platform.platform(terse=True),
            memory_mib=pages * size / (1024 * 1024),
        )

    def text(self) -> str:
        return (
            f"{self.cpus} CPUs, {self.memory_mib / 1024:.0f} GiB, Python {self.python}, "
            f"httpx {self.httpx}, {self.platform}"
        )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def own_peak_rss_mib() -> float:
    """This process's peak RSS (the benchmark with its emulators), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
