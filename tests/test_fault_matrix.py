"""Fault matrix, end to end: the real CLI against a real emulator over a socket.

Every fault of the emulator is injected through ``POST /__emulator/faults``, targeted at one
tenant (one tenant per case) and, where it matters, at one prompt, and each case runs one of
``plan``, ``apply`` and ``drift``. A case either *converges* (the run does its job; an apply
leaves the tenant in the desired state and a following ``plan --detailed-exitcode`` exits 0)
or *fails loudly* (exit 1, the tenant and the prompt named, no traceback, nothing written, no
"in sync" / "No changes" for what could not be read). In every case the unmanaged partial
seeded on the faulted prompt is still there, byte for byte.

The ``timeout`` fault holds the connection for 3 s without answering; those rows run with
``--timeout 1`` so the client's own read timeout fires (and, for "forever", ``--deadline 4`` so
the run gives up on time).

The matrix cases are independent (a tenant, a folder and faults of their own), so they run
concurrently against one emulator, and the multi-step scenarios alongside them on emulators of
their own, to keep the file fast (the CLI runs in the ``cli_workers`` processes, since each run
needs a working folder of its own); each test then checks one recorded case. The table of cases
and their outcomes is at the end of the file.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest

from tests.conftest import (
    CliWorkers,
    Result,
    ServedEmulator,
    cli_env,
    start_emulator,
    stop_emulator,
)

MANAGED = "login-password"
"""The prompt the faults target: drifted, and holding an unmanaged partial."""
QUIET = "signup-password"
"""A second managed prompt, already in sync: never written."""

UNMANAGED = "<p  class='x'>kept &amp; <b>byte</b>\n\tfor byte: é</p>"
UNMANAGED_QUIET = '<div data-x="1">also  unmanaged</div>'
HAND_EDIT = "<p>edited by hand</p>"
THEIRS = "<p>a concurrent writer's edit</p>"

NO_CHANGES = "No changes. Live documents match the tenant files."

TENANT_FILE = """\
tenant: {tenant}
domain: {domain}
credentials:
  client_id: ${{FM_CLIENT_ID}}
  client_secret: ${{FM_CLIENT_SECRET}}
prompts:
  login-password:
    - switch: email
      label: Send a secure code by email
  signup-password:
    - switch: email
      label: Send a secure code by email
"""
ENV = cli_env(FM_CLIENT_ID="fault-matrix-client", FM_CLIENT_SECRET="fault-matrix-secret")

CONVERGED = "converged"
FAILED = "failed loudly"
OVERWRITES = "overwrites the concurrent edit"

OPERATIONS: dict[str, tuple[str, ...]] = {
    "plan": ("plan", "--detailed-exitcode"),
    "apply": ("apply", "--auto-approve"),
    "drift": ("drift",),
}


def seed_documents(desired: str) -> dict[str, dict[str, dict[str, str]]]:
    """The live tenant before a run: MANAGED drifted, QUIET in sync, both with unmanaged HTML."""
    return {
        MANAGED: {MANAGED: {"form-footer-start": HAND_EDIT, "form-footer-end": UNMANAGED}},
        QUIET: {QUIET: {"form-footer-start": desired, "form-footer-end": UNMANAGED_QUIET}},
    }


WRITER_DOCUMENT = {
    MANAGED: {
        "form-footer-start": HAND_EDIT,
        "form-footer-end": UNMANAGED,
        "form-content-end": THEIRS,
    }
}


@dataclass(frozen=True)
class Row:
    """One fault of the matrix and the outcome asserted for each operation."""

    id: str
    faults: tuple[dict[str, Any], ...]
    outcomes: dict[str, str]
    slow: bool = False
    args: tuple[str, ...] = ()
    """Extra command-line options for every operation of the row."""
    says: str = ""
    """What a failed run's output must say about the cause."""

    def faults_for(self, tenant: str) -> list[dict[str, Any]]:
        return [{**fault, "tenant": tenant} for fault in self.faults]


def _all(outcome: str) -> dict[str, str]:
    return dict.fromkeys(OPERATIONS, outcome)


ROWS: tuple[Row, ...] = (
    Row(
        "429-twice",
        ({"kind": "status", "status": 429, "retry_after": 1, "prompt": MANAGED, "times": 2},),
        _all(CONVERGED),
        slow=True,
    ),
    Row(
        "429-forever",
        ({"kind": "status", "status": 429, "retry_after": 1, "prompt": MANAGED},),
        _all(FAILED),
        slow=True,
        says="429 too_many_requests",
    ),
    Row(
        "500-twice",
        ({"kind": "status", "status": 500, "prompt": MANAGED, "times": 2},),
        _all(CONVERGED),
    ),
    Row(
        "502-forever",
        ({"kind": "status", "status": 502, "prompt": MANAGED},),
        _all(FAILED),
        says="502 bad_gateway",
    ),
    Row(
        "503-once",
        ({"kind": "status", "status": 503, "prompt": MANAGED, "times": 1},),
        _all(CONVERGED),
    ),
    Row("latency", ({"kind": "latency", "seconds": 0.3, "endpoint": "any"},), _all(CONVERGED)),
    Row(
        "timeout-once",
        ({"kind": "timeout", "seconds": 3, "prompt": MANAGED, "times": 1},),
        _all(CONVERGED),
        args=("--timeout", "1"),
    ),
    Row(
        "timeout-forever",
        ({"kind": "timeout", "seconds": 3, "prompt": MANAGED},),
        _all(FAILED),
        args=("--timeout", "1", "--deadline", "4"),
        says="no answer within 1 s",
    ),
    Row("reset-once", ({"kind": "reset", "prompt": MANAGED, "times": 1},), _all(CONVERGED)),
    Row(
        "truncated-get",
        ({"kind": "truncated", "method": "GET", "prompt": MANAGED},),
        _all(FAILED),
        says="before a complete answer arrived",
    ),
    Row(
        "truncated-put-once",
        ({"kind": "truncated", "method": "PUT", "prompt": MANAGED, "times": 1},),
        {"apply": CONVERGED},  # plan and drift make no PUT
    ),
    Row(
        "invalid-json-get",
        ({"kind": "invalid_json", "method": "GET", "prompt": MANAGED},),
        _all(FAILED),
        says="is not valid JSON",
    ),
    Row(
        # Should the two reads of a tenant run concurrently, the latency still makes
        # signup-password's read the token's second use, after login-password's.
        "401-after-1-use",
        (
            {"kind": "token_expire_after", "uses": 1, "times": 1},
            {"kind": "latency", "seconds": 1, "method": "GET", "prompt": QUIET},
        ),
        _all(CONVERGED),
    ),
    Row(
        "concurrent-writer",
        (
            {
                "kind": "concurrent_writer",
                "prompt": MANAGED,
                "times": 1,
                "document": WRITER_DOCUMENT,
            },
        ),
        {"plan": CONVERGED, "apply": OVERWRITES, "drift": CONVERGED},
    ),
)
CASES = [(row, op) for row in ROWS for op in OPERATIONS if op in row.outcomes]


# -- running the cases ----------------------------------------------------------------------


@dataclass
class Case:
    """One (fault, operation) run and what the emulator saw of it."""

    row: Row
    op: str
    tenant: str
    cwd: Path
    result: Result | None = None
    followup: Result | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def out(self) -> str:
        assert self.result is not None
        return self.result.output

    def calls(self, method: str, prompt: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in self.requests
            if r["method"] == method
            and "/partials" in r["path"]
            and (prompt is None or r["prompt"] == prompt)
        ]

    def backups(self) -> list[dict[str, Any]]:
        return read_backups(self.cwd, self.tenant)


def read_backups(cwd: Path, tenant: str, prompt: str = "") -> list[dict[str, Any]]:
    folder = cwd / ".auth0-partials" / "backups" / tenant
    return [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob(f"*{prompt}.json"))]


def write_tenant(folder: Path, tenant: str, domain: str) -> Path:
    (folder / "tenants").mkdir(parents=True, exist_ok=True)
    path = folder / "tenants" / f"{tenant}.yaml"
    path.write_text(TENANT_FILE.format(tenant=tenant, domain=domain), "utf-8")
    return path


def seed(emulator: ServedEmulator, tenant: str, documents: dict[str, Any]) -> None:
    for prompt, document in documents.items():
        emulator.set_document(tenant, prompt, document)


def state_of(emulator: ServedEmulator, tenant: str) -> dict[str, Any]:
    return dict(emulator.admin("GET", "state")["tenants"].get(tenant, {}).get("prompts", {}))


class Cli(Protocol):
    """Runs the CLI with the matrix's credentials (``ENV``) in ``cwd``."""

    def __call__(self, *args: str, cwd: Path, stdin: str = "") -> Result: ...


def elsewhere(cwd: Path, *files: str) -> Path:
    """A second working folder with the same tenant files (and ``files``), as on another CI
    runner: a saved plan travels as a file, and a check run starts without the state folder
    (``.auth0-partials/``: backups, saved plans) of the run it checks."""
    other = cwd.parent / f"{cwd.name}-elsewhere"
    for n in range(1, 100):
        if not other.exists():
            break
        other = cwd.parent / f"{cwd.name}-elsewhere{n}"
    other.mkdir()
    if (cwd / "tenants").is_dir():
        shutil.copytree(cwd / "tenants", other / "tenants")
    for name in files:
        shutil.copy(cwd / name, other / name)
    return other


def run_all(jobs: Sequence[Callable[[], None]], workers: int = 16) -> None:
    """Run independent jobs concurrently; re-raise the first error."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


@contextmanager
def running_emulator(cwd: Path) -> Iterator[ServedEmulator]:
    """An emulator without server-side rate limits (the client keeps its own)."""
    emulator = start_emulator("--rate-limits", "off", cwd=cwd)
    try:
        yield emulator
    finally:
        stop_emulator(emulator)


def desired_html(folder: Path, emulator: ServedEmulator, cli: Cli) -> str:
    """What the tenant file renders to, asked of the CLI itself (offline)."""
    write_tenant(folder, "render-only", f"{emulator.url}/tenants/render-only")
    rendered = cli("render", cwd=folder)
    assert rendered.code == 0, rendered.output
    html = json.loads(rendered.stdout)["render-only"][MANAGED][MANAGED]["form-footer-start"]
    assert isinstance(html, str) and "Send a secure code by email" in html
    return html


# -- scenarios beyond one fault and one command: each on an emulator of its own ------------


def partial_failure(emulator: ServedEmulator, cwd: Path, desired: str, cli: Cli) -> dict[str, Any]:
    """Two prompts to write; every PUT of the one written second answers 503. Then the fault
    is cleared and the same command runs again in the same folder.

    apply writes a tenant's freshest read first: QUIET's read is slowed down, so QUIET, read
    after MANAGED, is written first and MANAGED second.
    """
    tenant = "partial"
    write_tenant(cwd, tenant, f"{emulator.url}/tenants/{tenant}")
    before = seed_documents(desired)
    before[QUIET] = {QUIET: {"form-footer-start": HAND_EDIT, "form-footer-end": UNMANAGED_QUIET}}
    seed(emulator, tenant, before)
    fault = {"kind": "status", "status": 503, "method": "PUT", "prompt": MANAGED, "tenant": tenant}
    slow = {"kind": "latency", "seconds": 0.3, "method": "GET", "prompt": QUIET, "tenant": tenant}
    emulator.admin("POST", "faults", [fault, slow])
    record: dict[str, Any] = {"tenant": tenant, "before": before}
    record["first"] = cli("apply", "--auto-approve", cwd=cwd)
    record["first_state"] = state_of(emulator, tenant)
    record["first_puts"] = emulator.partials_calls("PUT", tenant)
    record["backups"] = read_backups(cwd, tenant, QUIET)
    emulator.admin("DELETE", "faults")
    emulator.clear_requests()
    record["second"] = cli("apply", "--auto-approve", cwd=cwd)
    record["second_puts"] = emulator.partials_calls("PUT", tenant)
    record["second_state"] = state_of(emulator, tenant)
    record["again"] = cli("plan", "--detailed-exitcode", cwd=elsewhere(cwd))
    return record


def multi_tenant_drift(
    emulator: ServedEmulator, cwd: Path, desired: str, cli: Cli
) -> dict[str, Any]:
    """Tenants alpha and beta in one drift run; beta's MANAGED answers 500 forever."""
    for tenant in ("alpha", "beta"):
        write_tenant(cwd, tenant, f"{emulator.url}/tenants/{tenant}")
        seed(emulator, tenant, seed_documents(desired))
    fault = {"kind": "status", "status": 500, "prompt": MANAGED, "tenant": "beta"}
    emulator.admin("POST", "faults", [fault])
    record: dict[str, Any] = {}

    def drift(fmt: str) -> Callable[[], None]:
        def job() -> None:
            record[fmt] = cli("drift", "--format", fmt, cwd=cwd)

        return job

    run_all([drift("text"), drift("json")])
    record["puts"] = emulator.partials_calls("PUT")
    record["beta"] = state_of(emulator, "beta")
    return record


def saved_plan(emulator: ServedEmulator, cwd: Path, desired: str, cli: Cli) -> dict[str, Any]:
    """Saved plans (and a confirmed apply) against a concurrent writer: it strikes after the
    plan's read, then after apply's own re-read; then the re-read is cut off every time; then
    an interactively confirmed apply meets the writer after its plan's read. Each plan is
    applied from another folder, as by the merge job of a pull-request flow."""
    tenant = "saved"
    write_tenant(cwd, tenant, f"{emulator.url}/tenants/{tenant}")
    writer = {
        "kind": "concurrent_writer",
        "prompt": MANAGED,
        "times": 1,
        "tenant": tenant,
        "document": WRITER_DOCUMENT,
    }
    cut = {"kind": "truncated", "method": "GET", "prompt": MANAGED, "tenant": tenant}
    record: dict[str, Any] = {"tenant": tenant}

    def step(name: str, before_plan: list[Any], before_apply: list[Any]) -> None:
        seed(emulator, tenant, seed_documents(desired))
        emulator.admin("POST", "faults", before_plan)
        pr = elsewhere(cwd)
        record[f"{name}_plan"] = cli("plan", "--out", "plan.json", cwd=pr)
        emulator.admin("POST", "faults", before_apply)
        emulator.clear_requests()
        record[name] = cli("apply", "plan.json", "--auto-approve", cwd=elsewhere(pr, "plan.json"))
        record[f"{name}_puts"] = emulator.partials_calls("PUT", tenant)
        record[f"{name}_state"] = state_of(emulator, tenant)

    step("refused", [writer], [])
    step("applied", [], [writer])
    step("unreadable", [], [cut])

    # An apply confirmed by a person re-reads a read older than --max-read-age before writing
    # (0 here: a person who takes a while to answer), and refuses a changed one, like a saved
    # plan.
    seed(emulator, tenant, seed_documents(desired))
    emulator.admin("POST", "faults", [writer])
    emulator.clear_requests()
    record["confirmed"] = cli("apply", "--max-read-age", "0", cwd=elsewhere(cwd), stdin="y\n")
    record["confirmed_puts"] = emulator.partials_calls("PUT", tenant)
    record["confirmed_state"] = state_of(emulator, tenant)
    return record


def concurrent_refresh(
    emulator: ServedEmulator, cwd: Path, desired: str, cli: Cli
) -> dict[str, Any]:
    """A plan of three prompts whose token expires while two reads are in flight.

    The client reads the first prompt alone and the others concurrently. The token is refused
    (and revoked) at its second use, signup-password's read, after 0.5 s (latency, so that
    login-id's read is surely sent with the same token meanwhile); login-id's read waits 1.5 s
    and is refused too, after the client has already fetched a new token for signup-password.
    """
    tenant = "refresh"
    write_tenant(cwd, tenant, f"{emulator.url}/tenants/{tenant}")
    path = cwd / "tenants" / f"{tenant}.yaml"
    path.write_text(
        path.read_text("utf-8")
        + "  login-id:\n    - switch: email\n      label: Send a secure code by email\n",
        "utf-8",
    )
    seed(emulator, tenant, seed_documents(desired))
    faults = [
        {"kind": "token_expire_after", "uses": 1, "times": 1, "prompt": QUIET},
        {"kind": "latency", "seconds": 0.5, "method": "GET", "prompt": QUIET},
        {"kind": "latency", "seconds": 1.5, "method": "GET", "prompt": "login-id"},
    ]
    emulator.admin("POST", "faults", [{**fault, "tenant": tenant} for fault in faults])
    result = cli("plan", "--detailed-exitcode", cwd=cwd)
    return {"plan": result, "requests": emulator.requests()}


SCENARIOS: dict[str, Callable[[ServedEmulator, Path, str, Cli], dict[str, Any]]] = {
    "partial": partial_failure,
    "multi": multi_tenant_drift,
    "saved": saved_plan,
    "refresh": concurrent_refresh,
}


@dataclass
class Lab:
    desired: str
    cases: dict[tuple[str, str], Case]
    scenarios: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, cli_workers: CliWorkers) -> Iterator[Lab]:
    """Run every matrix case and every scenario once, concurrently, then hand the records over.

    A matrix case is one CLI run, then a snapshot of the emulator's log and state for its
    tenant, then, after an apply that wrote, a `plan --detailed-exitcode` (the case's faults are
    used up by then, or harmless: the latency). The slow cases start first.
    """
    mktemp = tmp_path_factory.mktemp

    # The machine-wide folder of the runs' write locks is the test's own.
    env = {**ENV, "AUTH0_PARTIALS_LOCK_DIR": str(mktemp("machine") / "locks")}

    def cli(*args: str, cwd: Path, stdin: str = "") -> Result:
        return cli_workers.run(*args, cwd=cwd, env=env, stdin=stdin)

    with ExitStack() as stack:
        emulator = stack.enter_context(running_emulator(mktemp("emulator")))
        desired = desired_html(mktemp("render"), emulator, cli)
        lab = Lab(desired, {}, {})
        faults: list[dict[str, Any]] = []
        for row, op in CASES:
            tenant = f"m-{row.id}-{op}"
            cwd = mktemp(tenant)
            write_tenant(cwd, tenant, f"{emulator.url}/tenants/{tenant}")
            seed(emulator, tenant, seed_documents(desired))
            faults += row.faults_for(tenant)
            lab.cases[(row.id, op)] = Case(row, op, tenant, cwd)
        emulator.admin("POST", "faults", faults)

        def case_job(case: Case) -> Callable[[], None]:
            def job() -> None:
                case.result = cli(*OPERATIONS[case.op], *case.row.args, cwd=case.cwd)
                requests = emulator.requests()
                case.requests = [r for r in requests if r["tenant"] == case.tenant]
                case.state = state_of(emulator, case.tenant)
                if case.op == "apply" and case.row.outcomes["apply"] != FAILED:
                    case.followup = cli("plan", "--detailed-exitcode", cwd=elsewhere(case.cwd))

            return job

        def scenario_job(name: str) -> Callable[[], None]:
            own = stack.enter_context(running_emulator(mktemp(f"{name}-emulator")))
            folder = mktemp(name)

            def job() -> None:
                lab.scenarios[name] = SCENARIOS[name](own, folder, desired, cli)

            return job

        slow = [c for c in lab.cases.values() if c.row.slow]
        fast = [c for c in lab.cases.values() if not c.row.slow]
        jobs = [case_job(c) for c in slow]
        jobs += [scenario_job(name) for name in SCENARIOS]
        jobs += [case_job(c) for c in fast]
        run_all(jobs)
        yield lab


# -- the matrix -----------------------------------------------------------------------------


def assert_failed_loudly(case: Case, seeded: dict[str, Any]) -> None:
    assert case.result is not None
    out = case.out
    assert case.result.code == 1, out
    named = [line for line in out.splitlines() if case.tenant in line and MANAGED in line]
    assert named, f"no line names both {case.tenant} and {MANAGED}:\n{out}"
    # Nothing that could not be read is ever reported as unchanged or in sync.
    assert NO_CHANGES not in out
    assert f"{MANAGED}: no changes" not in out
    assert "In sync" not in out
    assert not [line for line in out.splitlines() if case.tenant in line and "in sync" in line]
    # A failed read never leads to a write.
    assert case.calls("PUT") == [], case.requests
    assert case.state[MANAGED] == seeded[MANAGED]
    if case.op == "plan":
        assert "could not be planned" in case.result.stdout
    elif case.op == "apply":
        assert "some tenants could not be planned; nothing written" in case.result.stderr
        assert case.backups() == []
    else:
        assert f"{case.tenant} (" in case.result.stdout
        assert "could not be checked" in case.result.stdout


def assert_read_only_converged(case: Case, seeded: dict[str, Any]) -> None:
    assert case.result is not None
    out = case.out
    assert case.result.code == 2, out
    assert case.calls("PUT") == []
    expected = WRITER_DOCUMENT if case.row.id == "concurrent-writer" else seeded[MANAGED]
    assert case.state[MANAGED] == expected
    if case.op == "plan":
        assert f"{MANAGED}: 1 to update" in out
        assert f"{QUIET}: no changes" in out
        assert f"preserved, not managed: {MANAGED}/form-footer-end" in out
    else:
        assert f"{case.tenant} (" in out and ": drifted" in out
        assert re.search(rf"changed\s+{MANAGED}/{MANAGED}/form-footer-start", out), out
        assert re.search(rf"unmanaged\s+{MANAGED}/{MANAGED}/form-footer-end", out), out


def assert_apply_wrote(case: Case, seeded: dict[str, Any], desired: str) -> None:
    assert case.result is not None and case.followup is not None
    out = case.out
    assert case.result.code == 0, out
    assert f"written  {case.tenant}/{MANAGED}" in out
    assert "Apply complete: 1 document written, 0 not written." in out
    written = [r["prompt"] for r in case.calls("PUT") if r["status"] == 200]
    # One PUT, never sent twice: a PUT whose answer was cut off is read back instead.
    assert written == [MANAGED], written
    if case.row.id == "truncated-put-once":
        assert "a read-back shows the write landed" in out
        put = next(i for i, r in enumerate(case.requests) if r["method"] == "PUT")
        after = [(r["method"], r["prompt"], r["status"]) for r in case.requests[put + 1 :]]
        assert after[:1] == [("GET", MANAGED, 200)], case.requests
    # Every PUT follows a successful read of its prompt.
    for index, request in enumerate(case.requests):
        if request["method"] == "PUT":
            reads = [r for r in case.requests[:index] if r["method"] == "GET"]
            reads = [r for r in reads if r["prompt"] == request["prompt"]]
            assert reads and reads[-1]["status"] == 200, case.requests
    assert case.state[MANAGED] == {
        MANAGED: {"form-footer-start": desired, "form-footer-end": UNMANAGED}
    }
    [backup] = case.backups()
    assert backup["prompt"] == MANAGED
    assert backup["document"] == seeded[MANAGED]
    assert case.followup.code == 0, case.followup.output
    assert NO_CHANGES in case.followup.stdout


@pytest.mark.parametrize(("row", "op"), CASES, ids=[f"{row.id}-{op}" for row, op in CASES])
def test_fault_matrix(lab: Lab, row: Row, op: str) -> None:
    case = lab.cases[(row.id, op)]
    seeded = seed_documents(lab.desired)
    assert case.result is not None
    assert "Traceback" not in case.out
    # Unmanaged partials survive every case byte for byte; QUIET is never touched.
    assert case.state[MANAGED][MANAGED]["form-footer-end"] == UNMANAGED
    assert case.state[QUIET] == seeded[QUIET]
    assert case.calls("PUT", QUIET) == []

    outcome = row.outcomes[op]
    if outcome == FAILED:
        assert_failed_loudly(case, seeded)
        assert row.says in case.out
    elif op == "apply" and outcome == CONVERGED:
        assert_apply_wrote(case, seeded, lab.desired)
    elif op == "apply":
        # A concurrent writer stored THEIRS between our GET and our PUT. The API has no
        # conditional write and apply (from tenant files) reads each prompt once, so it
        # cannot see the edit: the PUT, built from the document it read, replaces it.
        assert outcome == OVERWRITES
        assert case.result.code == 0, case.out
        assert f"written  {case.tenant}/{MANAGED}" in case.out
        assert THEIRS not in json.dumps(case.state)
        assert case.state[MANAGED] == {
            MANAGED: {"form-footer-start": lab.desired, "form-footer-end": UNMANAGED}
        }
        # The backup holds what apply read, so the lost edit is in no backup either.
        [backup] = case.backups()
        assert backup["document"] == seeded[MANAGED]
        assert case.followup is not None and case.followup.code == 0, case.followup
    else:
        assert outcome == CONVERGED
        assert_read_only_converged(case, seeded)

    if row.id == "401-after-1-use":
        tokens = [r for r in case.requests if r["path"].endswith("/oauth/token")]
        assert [r["status"] for r in tokens] == [200, 200], case.requests  # one refresh
        # Requests in flight with the expired token (reads and checks go together) each get a
        # 401, and each is answered again after the one refresh.
        refused = [i for i, r in enumerate(case.requests) if r["status"] == 401]
        assert refused, case.requests
        for i in refused:
            again = case.requests[i + 1 :]
            path = case.requests[i]["path"]
            assert any(r["path"] == path and r["status"] == 200 for r in again), case.requests


# -- the scenarios --------------------------------------------------------------------------


def test_apply_partial_failure_names_what_was_written_and_reruns_to_convergence(
    lab: Lab,
) -> None:
    record = lab.scenarios["partial"]
    tenant, before, desired = record["tenant"], record["before"], lab.desired
    first: Result = record["first"]
    assert first.code == 1, first.output
    assert "Traceback" not in first.output
    assert f"written  {tenant}/{QUIET}" in first.stdout
    assert re.search(rf"failed\s+{tenant}/{MANAGED}", first.stdout), first.stdout
    assert "503" in first.stdout
    assert "Apply incomplete: 1 document written, 1 not written." in first.stdout
    assert "Rerun the same command" in first.stdout
    assert record["first_state"][QUIET] == {
        QUIET: {"form-footer-start": desired, "form-footer-end": UNMANAGED_QUIET}
    }
    assert record["first_state"][MANAGED] == before[MANAGED]
    assert (record["first_puts"][0]["prompt"], record["first_puts"][0]["status"]) == (QUIET, 200)
    assert {r["status"] for r in record["first_puts"] if r["prompt"] == MANAGED} == {503}
    [backup] = record["backups"]
    assert backup["prompt"] == QUIET
    assert backup["document"] == before[QUIET]

    second: Result = record["second"]
    assert second.code == 0, second.output
    assert f"written  {tenant}/{MANAGED}" in second.stdout
    assert [r["prompt"] for r in record["second_puts"]] == [MANAGED]
    assert record["second_state"] == {
        MANAGED: {MANAGED: {"form-footer-start": desired, "form-footer-end": UNMANAGED}},
        QUIET: {QUIET: {"form-footer-start": desired, "form-footer-end": UNMANAGED_QUIET}},
    }
    assert record["again"].code == 0, record["again"].output


def test_multi_tenant_drift_reports_the_readable_tenant_and_names_the_broken_one(
    lab: Lab,
) -> None:
    record = lab.scenarios["multi"]
    text: Result = record["text"]
    assert text.code == 1, text.output
    assert "Traceback" not in text.output
    lines = text.stdout.splitlines()
    assert any(line.startswith("beta (") and "could not be checked" in line for line in lines)
    assert any("beta:" in line and MANAGED in line and "500" in line for line in lines), lines
    assert any(line.startswith("alpha (") and line.endswith(": drifted") for line in lines)
    assert re.search(rf"changed\s+{MANAGED}/{MANAGED}/form-footer-start", text.stdout)
    assert "In sync" not in text.stdout

    as_json: Result = record["json"]
    assert as_json.code == 1, as_json.output
    report = json.loads(as_json.stdout)
    status = {t["tenant"]: t for t in report["tenants"]}
    assert status["alpha"]["status"] == "drifted"
    assert status["beta"]["status"] == "error"
    assert MANAGED in status["beta"]["error"]
    kinds = {(f["tenant"], f["address"], f["kind"]) for f in report["findings"]}
    assert ("alpha", f"{MANAGED}/{MANAGED}/form-footer-start", "changed") in kinds
    assert not [f for f in report["findings"] if f["tenant"] == "beta"]
    assert record["puts"] == []
    assert record["beta"][MANAGED] == seed_documents(lab.desired)[MANAGED]


def test_saved_plan_refuses_a_prompt_moved_after_the_plan_read_it(lab: Lab) -> None:
    record = lab.scenarios["saved"]
    tenant = record["tenant"]
    assert record["refused_plan"].code == 0, record["refused_plan"].output
    refused: Result = record["refused"]
    assert refused.code == 1, refused.output
    assert "Traceback" not in refused.output
    assert (
        f"saved plan is stale: {tenant}/{MANAGED} changed since the plan was made" in refused.stderr
    )
    assert record["refused_puts"] == []
    assert record["refused_state"][MANAGED] == WRITER_DOCUMENT


def test_saved_plan_overwrites_a_write_between_its_recheck_and_its_put(lab: Lab) -> None:
    # The other writer strikes right after apply's freshness re-read: nothing can see it (the
    # API has no conditional write), so the PUT replaces the concurrent edit.
    record = lab.scenarios["saved"]
    assert record["applied_plan"].code == 0, record["applied_plan"].output
    assert record["applied"].code == 0, record["applied"].output
    assert [r["prompt"] for r in record["applied_puts"]] == [MANAGED]
    assert record["applied_state"][MANAGED] == {
        MANAGED: {"form-footer-start": lab.desired, "form-footer-end": UNMANAGED}
    }


def test_saved_plan_writes_nothing_when_its_re_read_fails(lab: Lab) -> None:
    record = lab.scenarios["saved"]
    tenant = record["tenant"]
    assert record["unreadable_plan"].code == 0, record["unreadable_plan"].output
    unreadable: Result = record["unreadable"]
    assert unreadable.code == 1, unreadable.output
    assert "Traceback" not in unreadable.output
    named = [line for line in unreadable.stderr.splitlines() if tenant in line and MANAGED in line]
    assert named, unreadable.output
    assert "Apply complete" not in unreadable.stdout
    assert record["unreadable_puts"] == []
    assert record["unreadable_state"] == seed_documents(lab.desired)


def test_a_confirmed_apply_re_reads_and_refuses_a_prompt_moved_meanwhile(lab: Lab) -> None:
    record = lab.scenarios["saved"]
    tenant = record["tenant"]
    confirmed: Result = record["confirmed"]
    assert confirmed.code == 1, confirmed.output
    assert "Traceback" not in confirmed.output
    stale = rf"stale\s+{tenant}/{MANAGED}\n\s+changed since the plan was made; not written"
    assert re.search(stale, confirmed.stdout), confirmed.stdout
    assert "Apply incomplete: 0 documents written, 1 not written." in confirmed.stdout
    # The re-read is the third GET: the plan's two reads, then MANAGED's, after the writer.
    assert "API calls: 3 GET, 0 PUT" in confirmed.stderr
    assert record["confirmed_puts"] == []
    assert record["confirmed_state"][MANAGED] == WRITER_DOCUMENT


def test_reads_in_flight_when_the_token_expires_refresh_it_once(lab: Lab) -> None:
    record = lab.scenarios["refresh"]
    result: Result = record["plan"]
    assert result.code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{QUIET}: no changes" in result.stdout
    assert "login-id: 1 to create" in result.stdout
    requests = record["requests"]
    statuses = [(r["method"], r["prompt"], r["status"]) for r in requests]
    assert statuses.count(("GET", QUIET, 401)) == 1, statuses
    # One expiry, one new token: a read refused with the token that was already replaced
    # retries with the replacement instead of fetching yet another one.
    tokens = [r for r in requests if r["path"].endswith("/oauth/token")]
    assert len(tokens) == 2, statuses


# Fault matrix (each case: its own tenant m-FAULT-OP; faults aimed at login-password where
# relevant). Exit codes in brackets.
#
# | fault                                 | plan          | apply                  | drift         |
# |---------------------------------------|---------------|------------------------|---------------|
# | 429 twice, Retry-After 1              | converged [2] | converged [0]          | converged [2] |
# | 429 forever, Retry-After 1            | failed [1]    | failed [1]             | failed [1]    |
# | 500 twice                             | converged [2] | converged [0]          | converged [2] |
# | 502 forever                           | failed [1]    | failed [1]             | failed [1]    |
# | 503 once                              | converged [2] | converged [0]          | converged [2] |
# | latency 0.3 s on every call           | converged [2] | converged [0]          | converged [2] |
# | no answer (3 s) > --timeout 1, once   | converged [2] | converged [0]          | converged [2] |
# | no answer, forever, --deadline 4      | failed [1]    | failed [1]             | failed [1]    |
# | connection reset (RST), once          | converged [2] | converged [0]          | converged [2] |
# | truncated body on GET, forever        | failed [1]    | failed [1]             | failed [1]    |
# | truncated answer to a PUT, once       | —             | converged [0], 1 PUT   | —             |
# | invalid JSON on GET, forever          | failed [1]    | failed [1]             | failed [1]    |
# | 401 after 1 token use, once           | converged [2] | converged [0]          | converged [2] |
# | concurrent writer after our GET, once | converged [2] | overwrites their edit  | converged [2] |
#
# converged: plan (--detailed-exitcode) and drift report the change and write nothing; apply
#   writes login-password, the tenant holds the desired document, a following plan exits 0.
#   A PUT is never sent twice: one whose answer was cut off is read back (it landed).
# failed (loudly): tenant and prompt named, no traceback, no PUT, state unchanged, never
#   "No changes" or "in sync".
# Every case: the unmanaged partials are intact byte for byte; signup-password is never
#   written. Separate tests: apply with a PUT failing forever (503) on the second of two
#   documents it writes; multi-tenant drift with one tenant answering 500 forever; a saved plan
#   against a concurrent writer (refused when the writer struck after the plan's read;
#   overwritten when it struck after apply's own re-read); a saved plan whose re-read fails;
#   an interactively confirmed apply with --max-read-age 0 (re-reads, so it refuses where
#   `apply --auto-approve` overwrites); a token expiring while two reads are in flight (one
#   refresh expected).
# Runs that check a previous run's result (the plan after an apply, the apply of a saved
#   plan) work in a second folder, as on another CI runner; the partial-failure rerun stays in
#   the same folder on purpose. The CLI runs without a client-side budget (the emulators have
#   no rate limits) and with a machine-wide lock folder of the test's own.
