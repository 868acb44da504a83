"""The test harness: the real CLI against the real emulator over a real socket, in-process.

- ``run_cli(*args, cwd=, env=, stdin=)`` runs the CLI (``reconciler.cli.cli``) through click's
  ``CliRunner`` in this process, as a user would run ``auth0-partials ARGS`` in ``cwd``: the
  working directory and the environment (``env`` is the whole environment, as for a
  subprocess; default ``cli_env()``) are set for the call and restored after it. One call at a
  time: it changes process-wide state.
- ``cli_workers`` (fixture) runs the same ``run_cli`` in worker processes forked from a server
  that has already imported the project, for tests that run many commands at once (each
  command needs a working directory of its own, and there is one per process).
- ``start_emulator(*args, cwd=)`` starts an ``EmulatorServer`` in this process on 127.0.0.1
  (a free port), from the flags ``auth0-partials emulator serve`` takes; ``stop_emulator``
  stops it; ``served_emulator`` (fixture) is a seeded one without rate limits. Its admin
  helpers go over HTTP to ``/__emulator/``, as for any emulator.
- ``run_cli_subprocess`` and ``start_emulator_subprocess`` are the same as real processes, for
  the few smoke tests that need one (``tests/test_smoke.py``).
- Hypothesis runs the ``deterministic`` profile (derandomized, no example database, no
  deadline); ``HYPOTHESIS_PROFILE=fuzz`` explores random examples instead. Its cache goes to a
  temporary folder, so a test run writes nothing into the repository.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from reconciler.emulator import EmulatorServer

PROJECT = Path(__file__).resolve().parents[1]

# -- Hypothesis ------------------------------------------------------------------------------

if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    # Hypothesis caches its Unicode tables there (by default in ./.hypothesis/).
    _hypothesis_home = tempfile.mkdtemp(prefix="auth0-partials-hypothesis-")
    atexit.register(shutil.rmtree, _hypothesis_home, ignore_errors=True)
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = _hypothesis_home

# -- machine-wide state -----------------------------------------------------------------------

# The locks and the rate-limit ledger are machine-wide (the user's cache folder): the tests keep
# theirs in a folder of their own, one per test process, removed at exit.
LOCK_DIR = tempfile.mkdtemp(prefix="auth0-partials-locks-")
atexit.register(shutil.rmtree, LOCK_DIR, ignore_errors=True)
os.environ["AUTH0_PARTIALS_LOCK_DIR"] = LOCK_DIR

settings.register_profile(
    "deterministic",
    derandomize=True,  # the same examples on every run and every machine
    database=None,  # no replay of examples found by an earlier run
    deadline=None,  # timing under load is no property of the code
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],  # another timing check
)
settings.register_profile("fuzz", database=None, deadline=None, max_examples=2_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


# -- the CLI -------------------------------------------------------------------------------


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI run: this process's, without its ``AUTH0_PARTIALS_*``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0_PARTIALS_")}
    # Test emulators run without rate limits; tests of the budget set it back to auth0.
    env.update(
        {
            "NO_COLOR": "1",
            "PYTHONUTF8": "1",
            "AUTH0_PARTIALS_BUDGET": "off",
            "AUTH0_PARTIALS_LOCK_DIR": LOCK_DIR,
        }
    )
    env.update(extra)
    return env


class _StderrLogHandler(logging.Handler):
    """What Python prints for warnings when no logging is configured (as in the CLI), written
    to the ``sys.stderr`` of the moment, so the command's own stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")


_one_command = threading.Lock()


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = "") -> Result:
    """Run ``auth0-partials ARGS`` in ``cwd`` with exactly ``env``, in this process."""
    from reconciler.cli import cli

    environ = env or cli_env()
    # CliRunner overlays os.environ: unset what is not in ``environ``, as a new process would.
    overlay: dict[str, str | None] = {k: None for k in os.environ if k not in environ}
    overlay.update(environ)
    if not _one_command.acquire(blocking=False):
        raise RuntimeError(
            "run_cli runs one command at a time (it sets the working directory and the "
            "environment of the process); use the cli_workers fixture for concurrent runs"
        )
    log = logging.getLogger("reconciler")
    handler = _StderrLogHandler(logging.WARNING)
    try:
        log.addHandler(handler)
        with contextlib.chdir(cwd):
            result = CliRunner(env=overlay).invoke(
                cli, list(args), input=stdin, prog_name="auth0-partials"
            )
    finally:
        log.removeHandler(handler)
        _one_command.release()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        # What the interpreter would print on its way out.
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return Result(result.exit_code, result.stdout, stderr)


def run_cli_subprocess(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = "", script: bool = False
) -> Result:
    """Run ``python -m reconciler ARGS`` (or the installed ``auth0-partials``) as a process."""
    command = [installed_script()] if script else [sys.executable, "-m", "reconciler"]
    proc = subprocess.run(
        [*command, *args],
        cwd=cwd,
        env=env or cli_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def installed_script() -> str:
    """The ``auth0-partials`` console script of the interpreter running the tests."""
    script = Path(sys.executable).parent / "auth0-partials"
    found = str(script) if script.is_file() else shutil.which("auth0-partials")
    assert found, "auth0-partials is not installed (pip install -e .)"
    return found


class CliWorkers:
    """``run_cli`` in worker processes, for many commands at once.

    The workers fork from a server process that imported the project once, so a command costs
    what it costs in-process, not an interpreter start. Safe to call from many threads.
    """

    def __init__(self, workers: int = 16) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__, "reconciler.cli", "reconciler.operations"])
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def run(
        self, *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
    ) -> Result:
        # The environment is this process's: a worker's is a copy from when it started.
        future = self._pool.submit(run_cli, *args, cwd=cwd, env=env or cli_env(), stdin=stdin)
        return future.result(timeout=120)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def cli_workers() -> Iterator[CliWorkers]:
    workers = CliWorkers()
    try:
        yield workers
    finally:
        workers.close()


# -- the emulator --------------------------------------------------------------------------


@dataclass
class ServedEmulator:
    """An emulator on a socket (in this process, or an ``emulator serve`` process) and its
    admin endpoints."""

    url: str
    server: EmulatorServer | None = None
    process: subprocess.Popen[str] | None = None
    _http: httpx.Client = field(
        default_factory=lambda: httpx.Client(timeout=10, verify=False), repr=False
    )

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        response = self._http.request(method, f"{self.url}/__emulator/{path}", json=json)
        response.raise_for_status()
        return response.json() if response.content else None

    def requests(self) -> list[dict[str, Any]]:
        return list(self.admin("GET", "requests"))

    def clear_requests(self) -> None:
        self.admin("DELETE", "requests")

    def partials_calls(self, method: str, tenant: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in self.requests()
            if r["method"] == method
            and "/partials" in r["path"]
            and (tenant is None or r["tenant"] == tenant)
        ]

    def document(self, tenant: str, prompt: str) -> dict[str, Any]:
        state = self.admin("GET", "state")
        return dict(state["tenants"].get(tenant, {}).get("prompts", {}).get(prompt, {}))

    def set_document(self, tenant: str, prompt: str, document: dict[str, Any]) -> None:
        self.admin("PUT", f"tenants/{tenant}/prompts/{prompt}", json=document)

    def stop(self) -> None:
        """Stop it (releasing held connections); a process gets SIGTERM, then SIGKILL."""
        self._http.close()
        if self.server is not None:
            self.server.stop()
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


def start_emulator(*args: str, cwd: Path) -> ServedEmulator:
    """An emulator in this process, configured by ``emulator serve`` flags (``--seed``,
    ``--rate-limits``, ``--fault``, ``--client``, ``--latency``, ``--state``, ...): the flags
    are read by the command's own parser, relative paths from ``cwd``."""
    from reconciler.cli.emulator import emulator_serve
    from reconciler.emulator import EmulatorOptions, EmulatorServer, parse_client, parse_fault

    with contextlib.chdir(cwd):
        flags = emulator_serve.make_context("serve", ["--port", "0", *args]).params
    cert, key, state = flags["tls_cert"], flags["tls_key"], flags["state"]
    options = EmulatorOptions(
        rate_limits=flags["rate_limits"],
        state_file=cwd / state if state else None,
        seed=flags["seed"],
        latency_seconds=flags["latency"] / 1000.0,
        faults=tuple(parse_fault(spec) for spec in flags["faults"]),
        clients=dict(parse_client(spec) for spec in flags["clients"]) or None,
    )
    server = EmulatorServer(
        options,
        host=flags["host"],
        port=flags["port"],
        tls_cert=cwd / cert if cert else None,
        tls_key=cwd / key if key else None,
    ).start()
    return ServedEmulator(url=server.base_url, server=server)


def start_emulator_subprocess(*args: str, cwd: Path) -> ServedEmulator:
    """``python -m reconciler emulator serve --port 0 ARGS`` as a process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "serve", "--port", "0", *args],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"emulator did not start: {line!r} {process.stderr.read()!r}")
    url = line.split("listening on", 1)[1].split()[0]
    return ServedEmulator(url=url, process=process)


def stop_emulator(emulator: ServedEmulator) -> None:
    emulator.stop()


@pytest.fixture
def served_emulator(tmp_path: Path) -> Iterator[ServedEmulator]:
    """A seeded emulator without rate limits (rate limits have their own tests)."""
    emulator = start_emulator("--seed", "--rate-limits", "off", cwd=tmp_path)
    try:
        yield emulator
    finally:
        stop_emulator(emulator)
