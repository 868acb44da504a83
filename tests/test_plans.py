"""Plan values: targets, summary, JSON without secrets, saved-plan integrity, safety limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.config import parse_tenant
from reconciler.documents import Document, DocumentKey
from reconciler.errors import PlanFileError, UnsafePlanError
from reconciler.model import TenantConfig
from reconciler.planfile import read_plan, write_plan
from reconciler.plans import Plan, TenantPlan, plan_tenant
from reconciler.safety import check, violations
from reconciler.targets import Targets

TENANT = """\
tenant: acme
domain: acme.eu.auth0.com
credentials:
  client_id: ${ACME_ID}
  client_secret: ${ACME_SECRET}
safety:
  max_deletes: {max_deletes}
prompts:
  login-password:
    exclusive: {exclusive}
    form-footer-start:
      - switch: email
        label: Send a secure code by email
  signup-password:
    - switch: email
      label: Send a secure code by email
"""
LOGIN = DocumentKey.partials("login-password")
SIGNUP = DocumentKey.partials("signup-password")


def config(*, max_deletes: int = 3, exclusive: bool = False) -> TenantConfig:
    text = TENANT.replace("{max_deletes}", str(max_deletes))
    text = text.replace("{exclusive}", "true" if exclusive else "false")
    return parse_tenant(text, Path("tenants/acme.yaml"), env="skip")


def planned(
    live: dict[DocumentKey, dict[str, dict[str, str]]] | None = None,
    *,
    cfg: TenantConfig | None = None,
    only: frozenset[DocumentKey] | None = None,
) -> TenantPlan:
    cfg = cfg or config()
    documents = {key: Document(key, (live or {}).get(key, {})) for key in (LOGIN, SIGNUP)}
    return plan_tenant(cfg, "tenants/acme.yaml", documents, only=only)


# --- what a plan holds ----------------------------------------------------------------------


def test_a_target_selects_one_document() -> None:
    targets = Targets(("acme/signup-password",))
    only = targets.documents(config())
    assert only == {SIGNUP}
    tenant = planned(only=only)
    assert [d.key for d in tenant.documents] == [SIGNUP]
    assert Targets(("acme",)).documents(config()) == {LOGIN, SIGNUP}
    assert Targets(("other",)).documents(config()) == frozenset()


def test_summary_counts_changes_and_documents_to_write() -> None:
    live = {LOGIN: {"login-password": {"form-footer-end": "<p>x</p>"}}}
    plan = Plan((planned(live, cfg=config(exclusive=True)),))
    summary = plan.summary
    assert (summary.creates, summary.updates, summary.deletes) == (2, 0, 1)
    assert summary.documents == 2
    assert str(summary) == "2 to create, 0 to update, 1 to delete in 2 documents"
    assert plan.has_changes and not plan.has_errors


def test_plan_json_names_credential_variables_never_their_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_SECRET", "s3cret-value")
    text = json.dumps(Plan((planned(),)).to_json())
    assert '"client_secret_env": "ACME_SECRET"' in text
    assert "s3cret-value" not in text
    assert "access_token" not in text


# --- saved plans ----------------------------------------------------------------------------


def test_a_saved_plan_whose_document_was_edited_fails_its_checksum(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_plan(Plan((planned(),)), path)
    data = json.loads(path.read_text())
    data["tenants"][0]["documents"][0]["document"] = {}
    path.write_text(json.dumps(data))
    with pytest.raises(PlanFileError, match="checksum does not match"):
        read_plan(path, key=None)


def test_a_saved_plan_of_another_format_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_plan(Plan((planned(),)), path)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "format_version": 99}))
    with pytest.raises(PlanFileError, match="format_version 99"):
        read_plan(path, key=None)


# --- safety ---------------------------------------------------------------------------------


def test_safety_limits_name_each_violation_and_allow_destroy_lifts_them() -> None:
    live = {LOGIN: {"login-password": {"form-footer-end": "<p>x</p>"}}}
    cfg = config(max_deletes=0, exclusive=True)
    assert violations(Plan((planned(live, cfg=cfg),))) == [
        "acme: deletes 1 managed partials, more than its limit of 0 (safety.max_deletes)"
    ]
    emptied = parse_tenant(
        "tenant: acme\ndomain: acme.eu.auth0.com\ncredentials:\n  token: ${T}\n"
        "safety:\n  max_deletes: 0\nprompts:\n  login-password:\n    exclusive: true\n",
        Path("tenants/acme.yaml"),
        env="skip",
    )
    plan = Plan((plan_tenant(emptied, "tenants/acme.yaml", {LOGIN: Document(LOGIN, live[LOGIN])}),))
    assert violations(plan) == [
        "acme: deletes 1 managed partials, more than its limit of 0 (safety.max_deletes)",
        "acme: empties the whole document login-password",
    ]
    with pytest.raises(UnsafePlanError, match="--allow-destroy") as refused:
        check(plan, allow_destroy=False)
    assert "empties the whole document login-password" in str(refused.value)
    check(plan, allow_destroy=True)


def test_a_plan_within_its_limits_is_safe() -> None:
    live = {LOGIN: {"login-password": {"form-footer-end": "<p>x</p>"}}}
    plan = Plan((planned(live, cfg=config(max_deletes=1, exclusive=True)),))
    assert violations(plan) == []
    check(plan, allow_destroy=False)
