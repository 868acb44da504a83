"""``reconciler.parallel.at_once``: the fan-out under every run (tenants, reads, checks)."""

from __future__ import annotations

import threading
import time

import pytest

from reconciler.parallel import at_once


def test_results_come_in_input_order_whatever_finishes_first() -> None:
    def slow_first(n: int) -> int:
        time.sleep(0.05 if n == 0 else 0)
        return n * 10

    assert at_once(slow_first, [0, 1, 2, 3], limit=4) == [0, 10, 20, 30]


def test_never_more_than_limit_at_once_and_the_caller_takes_one_item() -> None:
    running = 0
    most = 0
    threads: set[int] = set()
    lock = threading.Lock()

    def work(_: int) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            threads.add(threading.get_ident())
        time.sleep(0.02)
        with lock:
            running -= 1

    at_once(work, list(range(12)), limit=3)
    assert most == 3
    assert threading.get_ident() in threads
    assert len(threads) == 3  # two pool threads and the caller


def test_the_first_failure_in_input_order_is_raised_after_every_item_ran() -> None:
    done: list[int] = []

    def work(n: int) -> int:
        if n in (1, 3):
            raise ValueError(f"item {n}")
        time.sleep(0.02)
        done.append(n)
        return n

    with pytest.raises(ValueError, match="item 1"):
        at_once(work, [0, 1, 2, 3, 4], limit=5)
    assert sorted(done) == [0, 2, 4]


def test_the_callers_own_failure_is_raised_in_its_place() -> None:
    def work(n: int) -> int:
        if n == 2:
            raise KeyError("last")
        return n

    with pytest.raises(KeyError, match="last"):
        at_once(work, [0, 1, 2], limit=3)


def test_one_item_or_a_limit_of_one_runs_on_the_caller_alone() -> None:
    seen: list[int] = []
    assert at_once(lambda n: seen.append(threading.get_ident()) or n, [5], limit=8) == [5]
    assert at_once(lambda n: seen.append(threading.get_ident()) or n, [1, 2], limit=1) == [1, 2]
    assert set(seen) == {threading.get_ident()}
    assert at_once(lambda n: n, [], limit=4) == []
