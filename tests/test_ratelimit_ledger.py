"""The budget ledger carries rate-limit budgets across runs, only ever lowering them."""

from __future__ import annotations

from pathlib import Path

from reconciler.management.ratelimit import BudgetLedger, PartialsBudget


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def drained(clock: Clock, reads: int) -> PartialsBudget:
    budget = PartialsBudget(clock=clock, sleep=clock.sleep)
    for _ in range(reads):
        budget.read.acquire()
    return budget


def test_a_drained_budget_carries_over_to_the_next_run(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path / "ratelimit.json")
    ledger.save({"login.acme.example": drained(Clock(), 5)}, now_epoch=1_000.0)

    clock = Clock()
    fresh = PartialsBudget(clock=clock, sleep=clock.sleep)
    ledger.restore("login.acme.example", fresh, now_epoch=1_000.0)
    fresh.read.acquire()
    assert clock.slept and abs(clock.slept[0] - 12.0) < 0.01
    assert fresh.write.available() == 5  # the write bucket was untouched


def test_refill_since_the_last_run_is_credited(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path / "ratelimit.json")
    ledger.save({"t": drained(Clock(), 5)}, now_epoch=1_000.0)
    clock = Clock()
    fresh = PartialsBudget(clock=clock, sleep=clock.sleep)
    ledger.restore("t", fresh, now_epoch=1_036.0)  # three tokens back after 36 s
    assert int(fresh.read.available()) == 3
    other = PartialsBudget(clock=clock, sleep=clock.sleep)
    ledger.restore("t", other, now_epoch=1_100.0)
    assert other.read.available() == 5


def test_an_unreadable_ledger_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ratelimit.json"
    path.write_text("{not json")
    clock = Clock()
    budget = PartialsBudget(clock=clock, sleep=clock.sleep)
    BudgetLedger(path).restore("t", budget, now_epoch=0.0)
    assert budget.read.available() == 5
    path.write_text('{"t": {"read": ["x", 1]}}')
    BudgetLedger(path).restore("t", budget, now_epoch=0.0)
    assert budget.read.available() == 5
