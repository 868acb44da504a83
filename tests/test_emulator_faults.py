"""Fault injection: the ``--fault`` syntax, the admin endpoints, and every fault kind on a real
socket. Latency is measured on a ManualClock; only ``timeout`` spends (a fraction of) a real
second."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.emulator import (
    EmulatorOptions,
    EmulatorServer,
    Fault,
    LoggedRequest,
    ManualClock,
    parse_fault,
)
from tests.test_emulator import token_form

LOGIN_DOC = {"login": {"form-footer-start": "<p>ours</p>"}}
THEIRS = {"login": {"form-footer-end": "<p>theirs</p>"}}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(clock=clock, sleep=clock.sleep)) as server:
        yield server


def token(http: httpx.Client, base: str) -> str:
    response = http.post(f"{base}/oauth/token", data=token_form(base, "c", "s"))
    assert response.status_code == 200
    value = response.json()["access_token"]
    assert isinstance(value, str)
    return value


def partials(base: str, prompt: str = "login") -> str:
    return f"{base}/api/v2/prompts/{prompt}/partials"


def auth(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


# -- the --fault syntax ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("status=500,method=GET,prompt=login-password,times=2",
         Fault("status", status=500, method="GET", prompt="login-password", times=2)),
        ("status=429,retry_after=3", Fault("status", status=429, retry_after=3)),
        ("latency=1.5,tenant=acme-dev", Fault("latency", seconds=1.5, tenant="acme-dev")),
        ("timeout", Fault("timeout")),
        ("timeout=10,method=put", Fault("timeout", seconds=10, method="PUT")),
        ("reset,prompt=login,times=1", Fault("reset", prompt="login", times=1)),
        ("truncated", Fault("truncated")),
        ("invalid-json,probability=0.2", Fault("invalid_json", probability=0.2)),
        ("token_expire_after=3", Fault("token_expire_after", uses=3)),
        ("status=503,endpoint=token", Fault("status", status=503, endpoint="token")),
        ('concurrent_writer,prompt=login,times=1,document={"login":{"a":"x,y"}}',
         Fault("concurrent_writer", prompt="login", times=1,
               document={"login": {"a": "x,y"}})),
        ("drip=0.5,method=GET,times=1", Fault("drip", seconds=0.5, method="GET", times=1)),
        ("drip", Fault("drip")),
        ("oversize=209715200,prompt=login", Fault("oversize", bytes=209_715_200, prompt="login")),
        ("late-put=5,times=1", Fault("late_put", seconds=5, times=1)),
        ("status=503,endpoint=management", Fault("status", status=503, endpoint="management")),
        ("reset,endpoint=custom_text", Fault("reset", endpoint="custom_text")),
    ],
)  # fmt: skip
def test_parse_fault(spec: str, expected: Fault):
    assert parse_fault(spec) == expected


def test_parse_fault_reads_a_document_file(tmp_path: Path):
    path = tmp_path / "other-writer.json"
    path.write_text(json.dumps(THEIRS), encoding="utf-8")
    fault = parse_fault(f"concurrent_writer,document=@{path}")
    assert fault.document == THEIRS


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("explode", "unknown fault kind"),
        ("status", "needs a value"),
        ("status=200", "4xx or 5xx"),
        ("reset=3", "takes no value"),
        ("latency=soon", "could not convert"),
        ("status=500,times=0", "at least 1"),
        ("status=500,probability=2", "between 0 and 1"),
        ("status=500,colour=red", "unknown fault key"),
        ("status=500,method", "KEY=VALUE"),
        ("concurrent_writer", "needs a document"),
        ("concurrent_writer,document={not json", "not JSON"),
        ('concurrent_writer,document={"login":"x"}', "Expected type object"),
        ("status=500,endpoint=admin", "endpoint"),
        ("oversize=10", "at least 14 bytes"),
        ("drip=-1", "must not be negative"),
    ],
)
def test_parse_fault_refuses_bad_specs(spec: str, message: str):
    with pytest.raises(ValueError, match=message):
        parse_fault(spec)


def test_fault_json_round_trip():
    fault = Fault("status", status=429, retry_after=5, prompt="login", times=2, probability=0.5)
    assert fault.to_json() == {
        "kind": "status",
        "prompt": "login",
        "times": 2,
        "probability": 0.5,
        "status": 429,
        "retry_after": 5,
    }
    assert Fault.from_json(fault.to_json()) == fault
    with pytest.raises(ValueError, match="unknown fault field"):
        Fault.from_json({"kind": "reset", "when": "now"})


# -- admin endpoints ---------------------------------------------------------------------------


def test_admin_faults_replace_list_and_clear(http: httpx.Client, emulator: EmulatorServer):
    url = f"{emulator.base_url}/__emulator/faults"
    installed = http.post(url, json=[{"kind": "status", "status": 503, "times": 1}])
    assert installed.status_code == 200
    assert installed.json() == [{"kind": "status", "status": 503, "times": 1, "remaining": 1}]
    value = token(http, emulator.base_url)
    assert http.get(partials(emulator.base_url), headers=auth(value)).status_code == 503
    assert http.get(url).json()[0]["remaining"] == 0
    assert http.post(url, json={"kind": "reset"}).status_code == 400
    assert http.post(url, json=[{"kind": "nope"}]).status_code == 400
    assert http.delete(url).json() == []
    assert http.get(url).json() == []


def test_faults_from_options_are_active_at_start(http: httpx.Client, clock: ManualClock):
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, faults=(parse_fault("status=502"),))
    with EmulatorServer(options) as server:
        value = token(http, server.base_url)
        response = http.get(partials(server.base_url), headers=auth(value))
        assert response.status_code == 502


# -- status ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (500, "Internal Server Error", "internal_server_error"),
        (502, "Bad Gateway", "bad_gateway"),
        (503, "Service Unavailable", "service_unavailable"),
    ],
)
def test_status_fault_answers_auth0_error_shape(
    http: httpx.Client, emulator: EmulatorServer, status: int, error: str, code: str
):
    value = token(http, emulator.base_url)
    emulator.set_faults([Fault("status", status=status, method="GET", prompt="login", times=2)])
    answers = [http.get(partials(emulator.base_url), headers=auth(value)) for _ in range(3)]
    assert [a.status_code for a in answers] == [status, status, 200]
    assert answers[0].json() == {
        "statusCode": status,
        "error": error,
        "message": error,
        "errorCode": code,
    }
    # Before the limiter: the two failures spent no rate-limit token.
    assert answers[2].headers["x-ratelimit-remaining"] == "4"
    other = http.get(partials(emulator.base_url, "signup"), headers=auth(value))
    assert other.status_code == 200


def test_status_429_fault_carries_reset_and_retry_after(
    http: httpx.Client, emulator: EmulatorServer, clock: ManualClock
):
    value = token(http, emulator.base_url)
    emulator.set_faults([parse_fault("status=429,retry_after=7,times=1")])
    response = http.put(partials(emulator.base_url), json=LOGIN_DOC, headers=auth(value))
    assert response.status_code == 429
    assert response.json()["message"] == "Endpoint limit has been reached"
    assert response.json()["errorCode"] == "too_many_requests"
    assert response.headers["retry-after"] == "7"
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert int(response.headers["x-ratelimit-reset"]) == int(clock()) + 7
    assert emulator.get_document("default", "login") == {}


def test_faults_match_tenant_and_endpoint(http: httpx.Client, emulator: EmulatorServer):
    emulator.set_faults(
        [Fault("status", status=500, tenant="acme"), Fault("status", status=503, endpoint="token")]
    )
    globex_base = emulator.tenant_base("globex")
    denied = http.post(f"{globex_base}/oauth/token", data=token_form(globex_base, "c", "s"))
    assert denied.status_code == 503
    assert denied.json() == {
        "error": "service_unavailable",
        "error_description": "Service Unavailable",
    }
    emulator.set_faults([Fault("status", status=500, tenant="acme")])
    acme, globex = emulator.tenant_base("acme"), emulator.tenant_base("globex")
    assert http.get(partials(acme), headers=auth(token(http, acme))).status_code == 500
    assert http.get(partials(globex), headers=auth(token(http, globex))).status_code == 200


def test_probability_follows_the_seeded_rng(http: httpx.Client, clock: ManualClock):
    def outcomes() -> list[int]:
        options = EmulatorOptions(
            rate_limits="off",
            clock=clock,
            sleep=clock.sleep,
            faults=(Fault("status", status=500, probability=0.5),),
            fault_seed=7,
        )
        with EmulatorServer(options) as server:
            value = token(http, server.base_url)
            return [
                http.get(partials(server.base_url), headers=auth(value)).status_code
                for _ in range(16)
            ]

    first = outcomes()
    assert set(first) == {200, 500}
    assert outcomes() == first


# -- latency, timeout, reset -------------------------------------------------------------------


def test_latency_fault_sleeps_before_answering(
    http: httpx.Client, emulator: EmulatorServer, clock: ManualClock
):
    value = token(http, emulator.base_url)
    emulator.set_faults([parse_fault("latency=2.5,method=PUT,times=1")])
    http.get(partials(emulator.base_url), headers=auth(value))
    assert clock.slept == ()
    response = http.put(partials(emulator.base_url), json=LOGIN_DOC, headers=auth(value))
    assert response.status_code == 200
    assert clock.slept == (2.5,)


def test_timeout_fault_holds_the_connection_without_answering(
    http: httpx.Client, emulator: EmulatorServer
):
    value = token(http, emulator.base_url)
    emulator.set_faults([Fault("timeout", seconds=30, times=1)])
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        http.get(partials(emulator.base_url), headers=auth(value), timeout=0.3)
    assert time.monotonic() - started < 5
    assert emulator.request_log[-1] == LoggedRequest(
        "default", "GET", "/api/v2/prompts/login/partials", 0, "login"
    )
    response = http.get(partials(emulator.base_url), headers=auth(value))
    assert response.status_code == 200


def test_a_short_timeout_closes_the_connection_unanswered(
    http: httpx.Client, emulator: EmulatorServer
):
    value = token(http, emulator.base_url)
    emulator.set_faults([Fault("timeout", seconds=0.1, times=1)])
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(partials(emulator.base_url), headers=auth(value))


def test_stop_releases_held_connections_quickly(http: httpx.Client, clock: ManualClock):
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, faults=(Fault("timeout"),))
    server = EmulatorServer(options).start()
    value = token(http, server.base_url)
    with pytest.raises(httpx.ReadTimeout):
        http.get(partials(server.base_url), headers=auth(value), timeout=0.2)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2


def test_reset_fault_closes_the_socket_abruptly(http: httpx.Client, emulator: EmulatorServer):
    value = token(http, emulator.base_url)
    emulator.set_faults([parse_fault("reset,method=PUT,times=1")])
    with pytest.raises(httpx.ReadError, match="reset"):  # a TCP RST, not a clean close
        http.put(partials(emulator.base_url), json=LOGIN_DOC, headers=auth(value))
    assert emulator.get_document("default", "login") == {}  # struck before processing
    assert emulator.request_log[-1].status == 0
    ok = http.put(partials(emulator.base_url), json=LOGIN_DOC, headers=auth(value))
    assert ok.status_code == 200


# -- truncated, invalid_json -------------------------------------------------------------------


def test_truncated_fault_cuts_the_body_mid_json(http: httpx.Client, emulator: EmulatorServer):
    value = token(http, emulator.base_url)
    emulator.set_document("default", "login", LOGIN_DOC)
    emulator.set_faults([parse_fault("truncated,times=2")])
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(partials(emulator.base_url), headers=auth(value))
    # Status and headers arrive intact; only the body is short.
    with http.stream("GET", partials(emulator.base_url), headers=auth(value)) as response:
        assert response.status_code == 200
        declared = int(response.headers["content-length"])
        received = b""
        with pytest.raises(httpx.RemoteProtocolError):
            for chunk in response.iter_raw():
                received += chunk
    assert 0 < len(received) < declared
    with pytest.raises(json.JSONDecodeError):
        json.loads(received)


def test_truncated_put_was_still_stored(http: httpx.Client, emulator: EmulatorServer):
    value = token(http, emulator.base_url)
    emulator.set_faults([parse_fault("truncated,method=PUT,times=1")])
    with pytest.raises(httpx.RemoteProtocolError):
        http.put(partials(emulator.base_url), json=LOGIN_DOC, headers=auth(value))
    assert emulator.get_document("default", "login") == LOGIN_DOC


def test_truncated_spares_error_answers(http: httpx.Client, emulator: EmulatorServer):
    emulator.set_faults([parse_fault("truncated,times=1")])
    unauthorized = http.get(partials(emulator.base_url))
    assert unauthorized.status_code == 401
    value = token(http, emulator.base_url)
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(partials(emulator.base_url), headers=auth(value))


def test_invalid_json_fault_answers_200_with_garbage(http: httpx.Client, emulator: EmulatorServer):
    value = token(http, emulator.base_url)
    emulator.set_faults([parse_fault("invalid_json,times=1")])
    response = http.put(partials(emulator.base_url), json=LOGIN_DOC, headers=auth(value))
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert emulator.get_document("default", "login") == LOGIN_DOC
    assert http.get(partials(emulator.base_url), headers=auth(value)).json() == LOGIN_DOC


# -- token_expire_after, concurrent_writer -----------------------------------------------------


def test_token_expire_after_n_uses(http: httpx.Client, emulator: EmulatorServer):
    emulator.set_faults([parse_fault("token_expire_after=2")])
    first = token(http, emulator.base_url)
    statuses = [
        http.get(partials(emulator.base_url), headers=auth(first)).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 401, 401]
    expired = http.get(partials(emulator.base_url), headers=auth(first))
    assert expired.json()["message"] == "Expired token received for JSON Web Token validation"
    second = token(http, emulator.base_url)
    again = [
        http.get(partials(emulator.base_url), headers=auth(second)).status_code for _ in range(3)
    ]
    assert again == [200, 200, 401]


def test_concurrent_writer_changes_the_prompt_right_after_our_read(
    http: httpx.Client, emulator: EmulatorServer
):
    value = token(http, emulator.base_url)
    emulator.set_document("default", "login", LOGIN_DOC)
    emulator.set_faults([Fault("concurrent_writer", prompt="login", times=1, document=THEIRS)])
    read = http.get(partials(emulator.base_url), headers=auth(value))
    assert read.json() == LOGIN_DOC  # we saw the old document...
    assert emulator.get_document("default", "login") == THEIRS  # ...and someone else wrote
    http.put(partials(emulator.base_url), json=LOGIN_DOC, headers=auth(value))
    http.get(partials(emulator.base_url), headers=auth(value))  # times=1: no second write
    assert emulator.get_document("default", "login") == LOGIN_DOC


def test_concurrent_writer_ignores_other_prompts_and_puts(
    http: httpx.Client, emulator: EmulatorServer
):
    value = token(http, emulator.base_url)
    emulator.set_faults([Fault("concurrent_writer", prompt="login", document=THEIRS)])
    http.get(partials(emulator.base_url, "signup"), headers=auth(value))
    http.put(partials(emulator.base_url), json=LOGIN_DOC, headers=auth(value))
    assert emulator.get_document("default", "login") == LOGIN_DOC


# -- drip, oversize, late_put, endpoint families -----------------------------------------------


def test_drip_sends_the_whole_body_one_byte_at_a_time(http: httpx.Client, emulator: EmulatorServer):
    value = token(http, emulator.base_url)
    emulator.set_document("default", "login", LOGIN_DOC)
    emulator.set_faults([parse_fault("drip=0.001,method=GET,times=1")])
    with http.stream("GET", partials(emulator.base_url), headers=auth(value)) as response:
        assert response.status_code == 200
        pieces = list(response.iter_raw())
    assert json.loads(b"".join(pieces)) == LOGIN_DOC
    assert len(pieces) > 1  # it arrived in many reads, not in one piece
    assert http.get(partials(emulator.base_url), headers=auth(value)).json() == LOGIN_DOC


def test_a_slow_drip_trips_the_clients_read_timeout(http: httpx.Client, clock: ManualClock):
    options = EmulatorOptions(clock=clock, sleep=clock.sleep, faults=(parse_fault("drip=30"),))
    server = EmulatorServer(options).start()
    value = token(http, server.base_url)  # drip strikes partials only
    with (
        pytest.raises(httpx.ReadTimeout),
        http.stream("GET", partials(server.base_url), headers=auth(value), timeout=0.3) as answer,
    ):
        assert answer.status_code == 200  # the headers came at once; the body does not
        answer.read()
    started = time.monotonic()
    server.stop()  # a dripping connection does not hold the server up
    assert time.monotonic() - started < 5


def test_oversize_streams_a_huge_json_answer(http: httpx.Client, emulator: EmulatorServer):
    value = token(http, emulator.base_url)
    size = 50 * 1024 * 1024
    emulator.set_faults([Fault("oversize", bytes=size, method="PUT", times=1)])
    with http.stream(
        "PUT", partials(emulator.base_url), json=LOGIN_DOC, headers=auth(value)
    ) as response:
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == size
        received, head, tail = 0, b"", b""
        for chunk in response.iter_raw():
            head = head or chunk[:12]
            tail = (tail + chunk)[-2:]
            received += len(chunk)
    assert received == size
    assert (head, tail) == (b'{"padding":"', b'"}')
    assert emulator.get_document("default", "login") == LOGIN_DOC  # the PUT was processed


def test_a_small_oversize_body_is_valid_json(http: httpx.Client, emulator: EmulatorServer):
    value = token(http, emulator.base_url)
    emulator.set_faults([Fault("oversize", bytes=1000, times=1)])
    body = http.get(partials(emulator.base_url), headers=auth(value)).json()
    assert body == {"padding": "x" * (1000 - 14)}


def test_late_put_stores_the_document_after_the_client_gave_up(
    http: httpx.Client, emulator: EmulatorServer
):
    value = token(http, emulator.base_url)
    emulator.set_faults([parse_fault("late_put=1,times=1")])
    http.get(partials(emulator.base_url), headers=auth(value))  # GETs are not held
    with pytest.raises(httpx.ReadTimeout):
        http.put(partials(emulator.base_url), json=LOGIN_DOC, headers=auth(value), timeout=0.2)
    assert emulator.get_document("default", "login") == {}  # not yet: the client saw a failure
    deadline = time.monotonic() + 10
    while emulator.get_document("default", "login") != LOGIN_DOC:
        assert time.monotonic() < deadline, "the late write never landed"
        time.sleep(0.05)
    assert emulator.request_log[-1] == LoggedRequest(
        "default", "PUT", "/api/v2/prompts/login/partials", 0, "login"
    )


def test_endpoint_families_and_management(http: httpx.Client, emulator: EmulatorServer):
    value = token(http, emulator.base_url)
    emulator.set_faults([Fault("status", status=503, endpoint="custom_text")])
    text = f"{emulator.base_url}/api/v2/prompts/login/custom-text/en"
    assert http.get(text, headers=auth(value)).status_code == 503
    assert http.get(partials(emulator.base_url), headers=auth(value)).status_code == 200
    emulator.set_faults([Fault("status", status=502, endpoint="management")])
    assert http.get(f"{emulator.base_url}/api/v2/prompts", headers=auth(value)).status_code == 502
    assert http.get(partials(emulator.base_url), headers=auth(value)).status_code == 502
    assert token(http, emulator.base_url)  # management never matches the token endpoint
