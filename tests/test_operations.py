"""The library's flows (``import reconciler``) against the emulator over a real socket: apply
writes, backs up, stops a tenant at its first failure without stopping the others; restore."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import reconciler
from reconciler.backups import BackupStore, load_backup
from reconciler.config import parse_tenant
from reconciler.documents import Document, DocumentKey
from reconciler.errors import Auth0PartialsError
from reconciler.model import SwitchButton, TenantConfig
from reconciler.plans import plan_tenant
from reconciler.render import render_items
from reconciler.session import Redirect, Session, SessionSettings
from reconciler.writes import WritePolicy, apply_tenant
from tests.conftest import ServedEmulator, start_emulator, stop_emulator

BUTTON = render_items([SwitchButton("email", "Send a secure code by email")])
ENVIRON = {"ACME_ID": "acme-client", "ACME_SECRET": "acme-secret"}


def tenant_file(name: str, *prompts: str) -> TenantConfig:
    lines = [
        f"tenant: {name}",
        f"domain: {name}.eu.auth0.com",
        "credentials:",
        "  client_id: ${ACME_ID}",
        "  client_secret: ${ACME_SECRET}",
        "prompts:",
    ]
    for prompt in prompts:
        lines += [f"  {prompt}:", "    - switch: email", "      label: Send a secure code by email"]
    return parse_tenant("\n".join(lines) + "\n", Path(f"tenants/{name}.yaml"), env="skip")


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[ServedEmulator]:
    served = start_emulator("--rate-limits", "off", cwd=tmp_path)
    try:
        yield served
    finally:
        stop_emulator(served)


@pytest.fixture
def session(emulator: ServedEmulator) -> Iterator[Session]:
    redirect = Redirect(lambda tenant: f"{emulator.url}/tenants/{tenant}")
    settings = SessionSettings(redirect=redirect, environ=ENVIRON, budget=False, timeout=10)
    with Session(settings) as opened:
        yield opened


def fail_puts(emulator: ServedEmulator, **match: str) -> None:
    """Every PUT matching ``match`` is answered 400 (not retried, nothing stored)."""
    emulator.admin(
        "POST", "faults", json=[{"kind": "status", "status": 400, "method": "PUT", **match}]
    )


def test_a_failed_write_stops_its_tenant_and_each_attempt_was_backed_up(
    emulator: ServedEmulator, session: Session, tmp_path: Path
) -> None:
    emulator.set_document(
        "acme", "login-password", {"login-password": {"form-footer-end": "<p>x</p>"}}
    )
    config = tenant_file("acme", "login-id", "login-password", "signup-password")
    plan = reconciler.plan([config], session=session, checks=False)
    assert len(plan.tenants[0].to_write) == 3
    fail_puts(emulator, prompt="login-password")

    report = reconciler.apply(plan, session=session, backups=BackupStore(tmp_path / "bk"))

    statuses = [o.status for o in report.outcomes]
    failed = statuses.index("failed")
    assert statuses == ["written"] * failed + ["failed"] + ["not attempted"] * (2 - failed)
    by_prompt = {o.key.prompt: o for o in report.outcomes}
    assert by_prompt["login-password"].status == "failed"
    assert "400" in (by_prompt["login-password"].error or "")
    assert report.failed
    attempted = sorted(o.key.prompt for o in report.outcomes if o.status != "not attempted")
    saved = sorted(p.name.split("-", 1)[1] for p in (tmp_path / "bk" / "acme").glob("*.json"))
    assert saved == [f"{prompt}.json" for prompt in attempted]  # one backup per attempted PUT
    assert emulator.document("acme", "login-password") == {
        "login-password": {"form-footer-end": "<p>x</p>"}
    }
    for prompt, outcome in by_prompt.items():
        stored = emulator.document("acme", prompt).get(prompt, {}).get("form-footer-start")
        assert (stored == BUTTON) == (outcome.status == "written"), prompt


def test_a_tenant_that_fails_never_stops_another(
    emulator: ServedEmulator, session: Session
) -> None:
    configs = [tenant_file(name, "login-password") for name in ("alpha", "bravo")]
    plan = reconciler.plan(configs, session=session, checks=False)
    fail_puts(emulator, tenant="bravo")

    report = reconciler.apply(plan, session=session)

    assert {(o.tenant, o.status) for o in report.outcomes} == {
        ("alpha", "written"),
        ("bravo", "failed"),
    }
    assert emulator.document("alpha", "login-password") == {
        "login-password": {"form-footer-start": BUTTON}
    }
    assert emulator.document("bravo", "login-password") == {}


def test_apply_refuses_a_plan_with_a_failed_tenant_and_writes_nothing(
    emulator: ServedEmulator, session: Session
) -> None:
    configs = [tenant_file(name, "login-password") for name in ("alpha", "bravo")]
    emulator.admin("POST", "faults", json=[{"kind": "status", "status": 400, "tenant": "bravo"}])
    plan = reconciler.plan(configs, session=session, checks=False)
    assert [t.error is not None for t in plan.tenants] == [False, True]
    emulator.clear_requests()
    with pytest.raises(Auth0PartialsError, match="could not be planned; nothing written"):
        reconciler.apply(plan, session=session)
    assert emulator.partials_calls("PUT") == []


def test_restore_puts_a_backup_back_after_backing_up_what_it_replaces(
    emulator: ServedEmulator, session: Session, tmp_path: Path
) -> None:
    original = {"login-password": {"form-footer-end": "<p>original</p>"}}
    emulator.set_document("acme", "login-password", original)
    config = tenant_file("acme", "login-password")
    store = BackupStore(tmp_path / "bk")
    plan = reconciler.plan([config], session=session, checks=False)
    (outcome,) = reconciler.apply(plan, session=session, backups=store).outcomes
    assert outcome.status == "written" and outcome.backup is not None
    assert emulator.document("acme", "login-password") != original

    backup = load_backup(outcome.backup)
    replaced = reconciler.restore(backup, config, session=session, store=store)
    assert replaced is not None and replaced.is_file()
    assert emulator.document("acme", "login-password") == original
    assert load_backup(replaced).document.get("login-password", "form-footer-start") == BUTTON
    assert reconciler.restore(backup, config, session=session, store=store) is None

    with pytest.raises(Auth0PartialsError, match="the backup is of tenant 'acme'"):
        reconciler.restore(
            backup, tenant_file("other", "login-password"), session=session, store=store
        )


class EchoesAnother:
    """A tenant that stores what it is sent but answers with a different document."""

    def __init__(self) -> None:
        self.stored: dict[DocumentKey, Document] = {}

    def get_document(self, key: DocumentKey) -> Document:
        return self.stored.get(key, Document.empty(key))

    def put_document(self, document: Document) -> Document:
        self.stored[document.key] = document
        return Document.empty(document.key)


def test_a_write_auth0_echoes_differently_is_reported_failed() -> None:
    config = tenant_file("acme", "login-password")
    key = DocumentKey.partials("login-password")
    tenant = plan_tenant(config, "tenants/acme.yaml", {key: Document.empty(key)})
    (outcome,) = apply_tenant(tenant, EchoesAnother(), policy=WritePolicy())
    assert outcome.status == "failed"
    assert "stored a different document for login-password" in (outcome.error or "")
