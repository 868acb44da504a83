"""``doctor`` end to end: the seeded emulator is ready for connection switching; break each
prerequisite through the emulator's own Management API and doctor names exactly that check."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.conftest import ServedEmulator, cli_env, run_cli, start_emulator, stop_emulator

PROJECT = Path(__file__).resolve().parents[1]
TENANT = "acme-dev"


def tenant_file(base: str) -> str:
    return f"""\
tenant: {TENANT}
domain: {base}
custom_domain: login.{TENANT}.example
applications: [Acme Web]
credentials:
  client_id: ${{ACME_ID}}
  client_secret: ${{ACME_SECRET}}
prompts:
  login-password:
    - switch: email
      label: Send a secure code by email
  login-passwordless:
    login-passwordless-email-code:
      - switch: Username-Password-Authentication
        label: Use Password Instead
"""


def api(emulator: ServedEmulator, method: str, path: str, body: Any = None) -> Any:
    """A call to the emulated tenant's Management API, as an operator would make it."""
    base = f"{emulator.url}/tenants/{TENANT}"
    token = httpx.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "operator",
            "client_secret": "operator-secret",
            "audience": f"{base}/api/v2/",
        },
    ).json()["access_token"]
    answer = httpx.request(
        method, f"{base}/api/v2/{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def doctor(tmp_path: Path, emulator: ServedEmulator, client: str = "operator") -> tuple[int, Any]:
    (tmp_path / "tenants").mkdir(exist_ok=True)
    (tmp_path / "tenants" / "acme.yaml").write_text(tenant_file(f"{emulator.url}/tenants/{TENANT}"))
    env = cli_env(ACME_ID=client, ACME_SECRET=f"{client}-secret")
    result = run_cli("doctor", "--format", "json", cwd=tmp_path, env=env)
    report = json.loads(result.stdout)
    schema = json.loads((PROJECT / "schemas" / "doctor.schema.json").read_text())
    Draft202012Validator(schema).validate(report)
    return result.code, report


def failed(report: Any) -> set[str]:
    return {r["check"] for t in report["tenants"] for r in t["results"] if r["status"] == "fail"}


@pytest.fixture
def operator(tmp_path: Path) -> Iterator[ServedEmulator]:
    """A seeded emulator with an all-scopes operator and a reader without read:branding."""
    scopes = ",".join(
        [
            "read:prompts",
            "update:prompts",
            "read:custom_domains",
            "read:branding",
            "update:branding",
            "delete:branding",
            "read:connections",
            "update:connections",
            "read:clients",
        ]
    )
    reader = scopes.replace("read:branding,", "")
    served = start_emulator(
        "--seed",
        "--rate-limits",
        "off",
        "--client",
        f"operator=operator-secret@{scopes}",
        "--client",
        f"reader=reader-secret@{reader}",
        cwd=tmp_path,
    )
    try:
        yield served
    finally:
        stop_emulator(served)


def test_the_seeded_tenant_passes_every_check(tmp_path: Path, operator: ServedEmulator) -> None:
    code, report = doctor(tmp_path, operator)
    assert (code, report["status"], failed(report)) == (0, "ok", set())
    checks = {r["check"] for r in report["tenants"][0]["results"]}
    assert {"custom-domain", "page-template", "identifier-first", "rendering-mode"} <= checks


def _email_id(emulator: ServedEmulator) -> str:
    (email,) = api(emulator, "GET", "connections?name=email")
    return str(email["id"])


BREAKS: dict[str, Callable[[ServedEmulator], None]] = {
    "page-template": lambda e: api(e, "DELETE", "branding/templates/universal-login"),
    "identifier-first": lambda e: api(e, "PATCH", "prompts", {"identifier_first": False}),
    "rendering-mode": lambda e: api(
        e,
        "PATCH",
        "prompts/login-password/screen/login-password/rendering",
        {"rendering_mode": "advanced", "context_configuration": [], "head_tags": []},
    ),
    "connection-enabled": lambda e: api(
        e,
        "PATCH",
        f"connections/{_email_id(e)}/clients",
        [{"client_id": "SeedAcmeWebApp000000000000000001", "status": False}],
    ),
}


@pytest.mark.parametrize("check", sorted(BREAKS))
def test_each_broken_prerequisite_is_named_exactly(
    tmp_path: Path, operator: ServedEmulator, check: str
) -> None:
    BREAKS[check](operator)
    code, report = doctor(tmp_path, operator)
    assert code == 2
    assert failed(report) == {check}


def test_a_reader_without_read_branding_is_told_which_scope(
    tmp_path: Path, operator: ServedEmulator
) -> None:
    code, report = doctor(tmp_path, operator, client="reader")
    assert code == 2
    assert failed(report) == {"scopes"}
    (scopes,) = [r for r in report["tenants"][0]["results"] if r["check"] == "scopes"]
    assert "read:branding" in scopes["evidence"]
    unknown = {r["check"] for r in report["tenants"][0]["results"] if r["status"] == "unknown"}
    assert unknown == {"page-template"}


def test_doctor_never_touches_the_partials_buckets(
    tmp_path: Path, operator: ServedEmulator
) -> None:
    operator.clear_requests()
    doctor(tmp_path, operator)
    assert [r for r in operator.requests() if "/partials" in r["path"]] == []


def test_a_tenant_that_cannot_be_read_is_not_ok(tmp_path: Path, operator: ServedEmulator) -> None:
    operator.admin("POST", "faults", [{"kind": "status", "status": 503, "endpoint": "any"}])
    code, report = doctor(tmp_path, operator)
    assert code == 1
    assert report["status"] == "error" and report["tenants"][0]["error"]
