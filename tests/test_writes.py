"""Writes: each PUT built on a fresh read, stale documents refused or merged again, lost answers
read back, backups of what each PUT replaced."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.backups import BackupStore, load_backup
from reconciler.config import parse_tenant
from reconciler.documents import Document, DocumentKey
from reconciler.errors import WriteOutcomeUnknown
from reconciler.model import SwitchButton
from reconciler.plans import TenantPlan, plan_tenant
from reconciler.render import render_items
from reconciler.writes import WritePolicy, apply_tenant, verify_written

LOGIN = DocumentKey.partials("login-password")
TENANT = """\
tenant: acme
domain: acme.eu.auth0.com
credentials:
  client_id: ${ID}
  client_secret: ${SECRET}
prompts:
  login-password:
    - switch: email
      label: Send a secure code by email
"""
BUTTON = render_items([SwitchButton("email", "Send a secure code by email")])
OTHER_TEAM = {"login-password": {"secondary-actions-end": "<p>their help link</p>"}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Tenant:
    """An in-memory tenant whose GETs can run a hook (another writer) and whose PUTs can lose
    their answer."""

    def __init__(self, documents: dict[DocumentKey, dict[str, dict[str, str]]]) -> None:
        self.documents = documents
        self.calls: list[str] = []
        self.after_get: Callable[[], None] | None = None
        self.lose_answer = False
        self.land_lost_write = True

    def get_document(self, key: DocumentKey) -> Document:
        self.calls.append(f"GET {key}")
        document = Document(key, json.loads(json.dumps(self.documents.get(key, {}))))
        if self.after_get is not None:
            hook, self.after_get = self.after_get, None
            hook()
        return document

    def put_document(self, document: Document) -> Document:
        self.calls.append(f"PUT {document.key}")
        if self.lose_answer:
            self.lose_answer = False
            if self.land_lost_write:
                self.documents[document.key] = document.to_json()
            raise WriteOutcomeUnknown("the answer was lost")
        self.documents[document.key] = document.to_json()
        return document


def planned(tenant: Tenant, clock: Clock) -> TenantPlan:
    config = parse_tenant(TENANT, Path("tenants/acme.yaml"), env="skip")
    live = {LOGIN: tenant.get_document(LOGIN)}
    return plan_tenant(config, "tenants/acme.yaml", live, read_at={LOGIN: clock()})


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_fresh_plan_read_is_written_without_another_read(clock: Clock, tmp_path: Path) -> None:
    tenant = Tenant({LOGIN: {}})
    plan = planned(tenant, clock)
    clock.now += 2
    tenant.calls.clear()
    (outcome,) = apply_tenant(
        plan, tenant, policy=WritePolicy(), backups=BackupStore(tmp_path), clock=clock
    )
    assert outcome.status == "written"
    assert tenant.calls == ["PUT login-password"]


def test_an_old_read_is_read_again_and_a_change_found_there_is_stale(
    clock: Clock, tmp_path: Path
) -> None:
    tenant = Tenant({LOGIN: {}})
    plan = planned(tenant, clock)
    tenant.documents[LOGIN] = OTHER_TEAM
    clock.now += 60  # a person took a minute to confirm
    tenant.calls.clear()
    (outcome,) = apply_tenant(
        plan,
        tenant,
        policy=WritePolicy(on_stale="refuse"),
        backups=BackupStore(tmp_path),
        clock=clock,
    )
    assert outcome.status == "stale"
    assert tenant.calls == ["GET login-password"]
    assert tenant.documents[LOGIN] == OTHER_TEAM


def test_unattended_apply_merges_the_change_again_and_keeps_both(
    clock: Clock, tmp_path: Path
) -> None:
    tenant = Tenant({LOGIN: {}})
    plan = planned(tenant, clock)
    tenant.documents[LOGIN] = OTHER_TEAM
    clock.now += 60
    store = BackupStore(tmp_path)
    (outcome,) = apply_tenant(
        plan, tenant, policy=WritePolicy(on_stale="remerge"), backups=store, clock=clock
    )
    assert outcome.status == "written"
    assert outcome.note and "merged again" in outcome.note
    assert tenant.documents[LOGIN] == {
        "login-password": {
            "secondary-actions-end": "<p>their help link</p>",
            "form-footer-start": BUTTON,
        }
    }
    assert outcome.backup is not None
    assert load_backup(outcome.backup).document.to_json() == OTHER_TEAM


def test_the_backup_is_the_document_the_put_replaced(clock: Clock, tmp_path: Path) -> None:
    tenant = Tenant({LOGIN: {}})
    plan = planned(tenant, clock)
    tenant.documents[LOGIN] = OTHER_TEAM
    clock.now += 10
    (outcome,) = apply_tenant(
        plan,
        tenant,
        policy=WritePolicy(on_stale="remerge", max_read_age=5),
        backups=BackupStore(tmp_path),
        clock=clock,
    )
    assert outcome.backup is not None
    backup = load_backup(outcome.backup)
    assert backup.document.to_json() == OTHER_TEAM
    assert outcome.backup.stat().st_mode & 0o777 == 0o600


def test_a_lost_answer_is_read_back_and_a_landed_write_is_written(
    clock: Clock, tmp_path: Path
) -> None:
    tenant = Tenant({LOGIN: {}})
    plan = planned(tenant, clock)
    tenant.lose_answer = True
    (outcome,) = apply_tenant(plan, tenant, policy=WritePolicy(), clock=clock)
    assert outcome.status == "written"
    assert outcome.note and "read-back shows the write landed" in outcome.note
    assert tenant.calls[-2:] == ["PUT login-password", "GET login-password"]


def test_a_lost_answer_of_a_write_that_had_not_landed_is_unknown(clock: Clock) -> None:
    tenant = Tenant({LOGIN: {}})
    plan = planned(tenant, clock)
    tenant.lose_answer = True
    tenant.land_lost_write = False
    (outcome,) = apply_tenant(plan, tenant, policy=WritePolicy(), clock=clock)
    assert outcome.status == "outcome unknown"
    assert outcome.error and "may still land later" in outcome.error
    assert tenant.calls.count("PUT login-password") == 1  # never resent blindly


def test_verify_fails_when_declared_content_is_gone_after_the_write(clock: Clock) -> None:
    tenant = Tenant({LOGIN: {}})
    plan = planned(tenant, clock)
    outcomes = apply_tenant(plan, tenant, policy=WritePolicy(), clock=clock)
    tenant.documents[LOGIN] = OTHER_TEAM  # another writer put its own document over ours
    (checked,) = verify_written(plan, tenant, outcomes)
    assert checked.status == "failed"
    assert checked.error and "login-password/login-password/form-footer-start" in checked.error
