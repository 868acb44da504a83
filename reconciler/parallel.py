"""Work over a few items at once, on threads: the one fan-out the flow uses (tenants in a run,
a tenant's reads, a check's first reads).

The calling thread takes the last item itself, so a fan-out of ``n`` items starts ``n - 1``
threads, not ``n``: a run of a thousand tenants starts thousands fewer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["at_once"]

T = TypeVar("T")
R = TypeVar("R")


def at_once(work: Callable[[T], R], items: Sequence[T], *, limit: int) -> list[R]:
    """``work`` over ``items``, at most ``limit`` at a time, results in input order.

    As ``ThreadPoolExecutor.map``: every item is worked on, and the first failure in input order
    is raised once all have finished.
    """
    if limit <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    *rest, last = items
    with ThreadPoolExecutor(max_workers=min(limit, len(items)) - 1) as pool:
        futures: list[Future[R]] = [pool.submit(work, item) for item in rest]
        try:
            mine: Future[R] = Future()
            mine.set_result(work(last))
        except BaseException as exc:
            mine = Future()
            mine.set_exception(exc)
    return [future.result() for future in (*futures, mine)]
