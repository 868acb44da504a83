"""BudgetBucket and PartialsBudget on an injected clock: no real sleeps."""

from __future__ import annotations

import math
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.errors import Auth0PartialsError, RateLimitError
from reconciler.management.ratelimit import BudgetBucket, BudgetExhausted, PartialsBudget


class FakeClock:
    """A monotonic clock whose sleep() advances time and records the duration."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def bucket(clock: FakeClock, capacity: int = 5, per_minute: float = 5.0) -> BudgetBucket:
    return BudgetBucket(capacity, per_minute / 60.0, clock=clock, sleep=clock.sleep)


def test_burst_is_free_then_waits_for_refill() -> None:
    clock = FakeClock()
    b = bucket(clock)
    assert [b.acquire() for _ in range(5)] == [0.0] * 5
    assert clock.sleeps == []
    assert b.acquire() == pytest.approx(12.0)
    assert clock.sleeps == [pytest.approx(12.0)]


def test_announce_is_told_each_wait_before_it_starts() -> None:
    clock = FakeClock()
    b = BudgetBucket(1, 5 / 60.0, clock=clock, sleep=clock.sleep, name="GET partials")
    told: list[tuple[float, int]] = []
    b.acquire(announce=lambda seconds: told.append((seconds, len(clock.sleeps))))
    assert told == []  # no wait, nothing announced
    b.acquire(announce=lambda seconds: told.append((seconds, len(clock.sleeps))))
    assert told == [(pytest.approx(12.0), 0)]  # announced before the sleep
    assert clock.sleeps == [pytest.approx(12.0)]
    with pytest.raises(BudgetExhausted) as info:
        b.acquire(deadline=clock.now + 1, announce=lambda seconds: told.append((seconds, -1)))
    assert len(told) == 1  # a wait past the deadline is not announced: it does not happen
    assert "GET partials" in info.value.message
    assert "GET partials" in repr(b)


def test_refill_is_capped_at_capacity() -> None:
    clock = FakeClock()
    b = bucket(clock, capacity=2, per_minute=60.0)
    clock.now += 3600
    assert b.available() == 2.0
    b.acquire()
    b.acquire()
    assert b.acquire() == pytest.approx(1.0)


def test_deadline_raises_without_sleeping() -> None:
    clock = FakeClock()
    b = bucket(clock, capacity=1)
    b.acquire()
    with pytest.raises(BudgetExhausted) as info:
        b.acquire(deadline=clock.now + 5)
    assert clock.sleeps == []
    assert info.value.wait == pytest.approx(12.0)
    assert isinstance(info.value, Auth0PartialsError)
    assert not isinstance(info.value, RateLimitError)
    assert info.value.hint
    # A deadline far enough away waits normally.
    assert b.acquire(deadline=clock.now + 12.5) == pytest.approx(12.0)


def test_observe_only_lowers() -> None:
    clock = FakeClock()
    b = bucket(clock)
    b.observe(2, None, 0.0)
    assert b.available() == 2.0
    b.observe(50, None, 0.0)  # the global bucket's header must not grant more
    assert b.available() == 2.0
    b.observe(None, 99.0, 0.0)
    assert b.available() == 2.0


def test_observe_zero_remaining_waits_until_reset() -> None:
    clock = FakeClock()
    b = bucket(clock)
    b.observe(0, reset_epoch=1_700_000_008.0, now_epoch=1_700_000_000.0)
    assert b.acquire() == pytest.approx(8.0)
    assert clock.sleeps == [pytest.approx(8.0)]


def test_observe_reset_of_a_full_bucket_waits_one_refill_interval() -> None:
    # A reset 30 s away may mean "bucket full again"; the next token is due after 12 s.
    clock = FakeClock()
    b = bucket(clock)
    b.observe(0, reset_epoch=1_700_000_030.0, now_epoch=1_700_000_000.0)
    assert b.acquire() == pytest.approx(12.0)


def test_observe_zero_remaining_without_reset_empties() -> None:
    clock = FakeClock()
    b = bucket(clock)
    b.observe(0, None, 0.0)
    assert b.acquire() == pytest.approx(12.0)


def test_observe_reset_wait_is_capped() -> None:
    clock = FakeClock()
    b = BudgetBucket(5, 0.01, clock=clock, sleep=clock.sleep, max_reset_wait=10.0)
    b.observe(0, reset_epoch=10_000.0, now_epoch=0.0)
    assert b.acquire() == pytest.approx(10.0)


def test_unlimited_never_waits_and_ignores_observe() -> None:
    clock = FakeClock()
    budget = PartialsBudget.unlimited(clock=clock, sleep=clock.sleep)
    budget.read.observe(0, 1e12, 0.0)
    for _ in range(100):
        assert budget.read.acquire(deadline=clock.now) == 0.0
        assert budget.write.acquire(deadline=clock.now) == 0.0
    assert clock.sleeps == []
    assert budget.read.available() == math.inf


def test_partials_budget_defaults_and_routing() -> None:
    clock = FakeClock()
    budget = PartialsBudget(clock=clock, sleep=clock.sleep)
    assert budget.for_method("GET") is budget.read
    assert budget.for_method("put") is budget.write
    with pytest.raises(ValueError):
        budget.for_method("POST")
    assert budget.read.capacity == 5
    assert budget.read.refill_per_second == pytest.approx(5 / 60)
    for _ in range(5):
        budget.read.acquire()
        budget.write.acquire()
    assert clock.sleeps == []
    custom = PartialsBudget(2, 60.0, 3, 120.0, clock=clock, sleep=clock.sleep)
    assert (custom.read.capacity, custom.write.capacity) == (2, 3)
    assert custom.write.refill_per_second == pytest.approx(2.0)
    assert "PUT partials" in repr(custom)


@pytest.mark.parametrize(("capacity", "rate"), [(0, 1.0), (1, 0.0), (1, -1.0), (1, math.nan)])
def test_invalid_bucket(capacity: int, rate: float) -> None:
    with pytest.raises(ValueError):
        BudgetBucket(capacity, rate)


def test_thread_safe_no_lost_updates() -> None:
    clock = FakeClock()  # frozen: nothing refills while the threads run
    b = BudgetBucket(80, 1e-6, clock=clock, sleep=clock.sleep)
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(10):
            b.acquire(deadline=clock.now)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert b.available() == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(BudgetExhausted):
        b.acquire(deadline=clock.now)


operation = st.one_of(
    st.tuples(st.just("advance"), st.floats(min_value=0.0, max_value=30.0)),
    st.tuples(st.just("acquire"), st.booleans()),
    st.tuples(
        st.just("observe"),
        st.one_of(st.none(), st.integers(min_value=-1, max_value=100)),
        st.one_of(st.none(), st.floats(min_value=-10.0, max_value=100.0)),
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    capacity=st.integers(min_value=1, max_value=6),
    per_minute=st.floats(min_value=0.5, max_value=600.0),
    ops=st.lists(operation, max_size=60),
)
def test_never_grants_more_than_capacity_in_any_window(
    capacity: int, per_minute: float, ops: list[tuple[object, ...]]
) -> None:
    clock = FakeClock(0.0)
    rate = per_minute / 60.0
    b = BudgetBucket(capacity, rate, clock=clock, sleep=clock.sleep, max_reset_wait=60.0)
    grants: list[float] = []
    for op in ops:
        if op[0] == "advance":
            clock.now += float(op[1])  # type: ignore[arg-type]
        elif op[0] == "acquire":
            blocking = bool(op[1])
            try:
                b.acquire(deadline=None if blocking else clock.now)
            except BudgetExhausted:
                assert not blocking
            else:
                grants.append(clock.now)
        else:
            remaining, reset_offset = op[1], op[2]
            reset = None if reset_offset is None else 5000.0 + float(reset_offset)  # type: ignore[arg-type]
            b.observe(remaining, reset, 5000.0)  # type: ignore[arg-type]
        assert b.available() <= capacity
    for i in range(len(grants)):
        for j in range(i, len(grants)):
            window = grants[j] - grants[i]
            assert j - i + 1 <= capacity + rate * window + 1e-6
