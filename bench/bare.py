"""A bare client: the requests of a fleet plan, sent with the standard library only.

``python -m bench.bare URL PREFIX COUNT`` sends, for each tenant ``PREFIX-0000``...: its token
request, then (once the token came) its three partials reads and, with ``--checks``, the three
reads of the cheap checks, all on ``--workers`` keep-alive connections at once, opened one after
another before the clock starts (so no burst of connections overflows the server's listen
queue). It prints one JSON line: the wall time from the first request to the last answer, and
the requests sent.

No reconciler code and no httpx: what it measures is the emulator (and the network stack)
serving a plan's requests, the floor under any client of that emulator.
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

PROMPTS = ("signup-password", "login-password", "login-passwordless")
CHECK_READS = (
    "prompts/rendering?page=0&per_page=100&include_totals=true",
    "connections?name=email",
    "connections?name=Username-Password-Authentication",
)


@dataclass
class Job:
    tenant: str
    path: str
    token: str | None = None  # None: this job is the token request


@dataclass
class Tally:
    remaining: int
    failures: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def finish(self, ok: bool) -> None:
        with self.lock:
            self.remaining -= 1
            self.failures += 0 if ok else 1
            if self.remaining == 0:
                self.done.set()


def _token_body(base: str, tenant: str) -> bytes:
    form = {
        "grant_type": "client_credentials",
        "client_id": "bench-client",
        "client_secret": "bench-secret-value",
        "audience": f"{base}/tenants/{tenant}/api/v2/",
    }
    return urlencode(form).encode()


def _connect(base: str) -> http.client.HTTPConnection:
    split = urlsplit(base)
    return http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port, timeout=60)


def _worker(
    base: str,
    connection: http.client.HTTPConnection,
    jobs: queue.SimpleQueue[Job | None],
    tally: Tally,
    checks: bool,
) -> None:
    while True:
        job = jobs.get()
        if job is None:
            connection.close()
            return
        prefix = f"/tenants/{job.tenant}"
        try:
            if job.token is None:
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                connection.request(
                    "POST", prefix + "/oauth/token", _token_body(base, job.tenant), headers
                )
                answer = connection.getresponse()
                body = answer.read()
                token = json.loads(body)["access_token"]
                reads = [f"prompts/{p}/partials" for p in PROMPTS]
                for path in reads + (list(CHECK_READS) if checks else []):
                    jobs.put(Job(job.tenant, f"{prefix}/api/v2/{path}", token))
                tally.finish(answer.status == 200)
            else:
                connection.request(
                    "GET", job.path, headers={"Authorization": f"Bearer {job.token}"}
                )
                answer = connection.getresponse()
                answer.read()
                tally.finish(answer.status == 200)
        except (OSError, http.client.HTTPException, ValueError, KeyError):
            connection.close()
            connection = _connect(base)
            tally.finish(False)


def run(base: str, prefix: str, count: int, workers: int, checks: bool) -> dict[str, float]:
    per_tenant = 1 + len(PROMPTS) + (len(CHECK_READS) if checks else 0)
    tally = Tally(remaining=count * per_tenant)
    jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
    connections = [_connect(base) for _ in range(workers)]
    for connection in connections:  # one at a time, before the clock: no burst of connects
        connection.connect()
    threads = [
        threading.Thread(target=_worker, args=(base, c, jobs, tally, checks), daemon=True)
        for c in connections
    ]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for index in range(count):
        jobs.put(Job(f"{prefix}-{index:04d}", ""))
    tally.done.wait()
    wall = time.perf_counter() - started
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.join()
    return {"wall": wall, "requests": count * per_tenant, "failures": tally.failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("prefix")
    parser.add_argument("count", type=int)
    parser.add_argument("--workers", type=int, default=1024)
    parser.add_argument("--checks", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.url.rstrip("/"), args.prefix, args.count, args.workers, args.checks)))


if __name__ == "__main__":
    main()
