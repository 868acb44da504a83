"""Plan values (checksum, targets) and apply (safety, failures, backups, echo check)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.writes import (
    BackupStore,
    apply_tenant,
    check_safety,
    load_backup,
    restore,
    safety_violations,
)
from reconciler.errors import ApiError, PlanFileError, UnsafePlanError
from reconciler.model import (
    Credentials,
    DesiredInsertionPoint,
    DesiredPrompt,
    DesiredScreen,
    PromptDocument,
    SafetyLimits,
    SwitchButton,
    TenantConfig,
)
from reconciler.plans import Plan, plan_tenant

CREDS = Credentials("client_credentials", client_id_env="ID", client_secret_env="SECRET")
BUTTON = SwitchButton("email", "Send a secure code by email")


def config(*prompts: str, safety: SafetyLimits | None = None) -> TenantConfig:
    return TenantConfig(
        name="acme",
        domain="login.acme.example",
        credentials=CREDS,
        source=Path("tenants/acme.yaml"),
        safety=safety or SafetyLimits(),
        prompts=tuple(
            DesiredPrompt(
                name,
                (DesiredScreen(name, (DesiredInsertionPoint("form-footer-start", (BUTTON,)),)),),
            )
            for name in prompts
        ),
    )


class FakeTenant:
    """An in-memory implementation of the PartialsApi protocol."""

    def __init__(self, documents: dict[str, dict[str, dict[str, str]]]) -> None:
        self.documents = documents
        self.puts: list[str] = []
        self.fail_put: set[str] = set()
        self.echo_override: dict[str, dict[str, dict[str, str]]] = {}

    def get_partials(self, prompt: str) -> PromptDocument:
        return PromptDocument.from_json(prompt, self.documents.get(prompt, {}))

    def put_partials(self, document: PromptDocument) -> PromptDocument:
        if document.prompt in self.fail_put:
            raise ApiError("Service Unavailable", status=503, method="PUT", path="/x")
        self.puts.append(document.prompt)
        self.documents[document.prompt] = document.to_json()
        echoed = self.echo_override.get(document.prompt, document.to_json())
        return PromptDocument.from_json(document.prompt, echoed)


def make_plan(tenant: FakeTenant, cfg: TenantConfig) -> Plan:
    live = {p.name: tenant.get_partials(p.name) for p in cfg.prompts}
    return Plan((plan_tenant(cfg, live),))


def test_plan_json_round_trips_and_detects_tampering() -> None:
    plan = make_plan(FakeTenant({}), config("login-password", "signup-password"))
    data = json.loads(json.dumps(plan.to_json()))
    assert Plan.from_json(data) == plan
    assert data["checksum"].startswith("sha256:")
    data["tenants"][0]["prompts"][0]["document"] = {}
    with pytest.raises(PlanFileError, match="checksum does not match"):
        Plan.from_json(data)
    with pytest.raises(PlanFileError, match="format_version"):
        Plan.from_json({**plan.to_json(), "format_version": 99})


def test_plan_holds_no_secret_values() -> None:
    text = json.dumps(make_plan(FakeTenant({}), config("login-password")).to_json())
    assert '"client_secret_env": "SECRET"' in text
    assert "access_token" not in text


def test_targets_select_one_prompt() -> None:
    cfg = config("login-password", "signup-password")
    live = {p.name: PromptDocument(p.name, {}) for p in cfg.prompts}
    tenant = plan_tenant(cfg, live, targets=("acme/signup-password",))
    assert [p.prompt for p in tenant.prompts] == ["signup-password"]


def test_apply_stops_at_first_failure_and_backs_up(tmp_path: Path) -> None:
    fake = FakeTenant({"login-password": {"login-password": {"form-footer-end": "<p>x</p>"}}})
    plan = make_plan(fake, config("login-password", "signup-password", "login-id"))
    fake.fail_put.add("login-password")
    outcomes = apply_tenant(plan.tenants[0], fake, backups=BackupStore(tmp_path))
    assert [(o.prompt, o.status) for o in outcomes] == [
        ("login-id", "written"),
        ("login-password", "failed"),
        ("signup-password", "not attempted"),
    ]
    assert "503" in (outcomes[1].error or "")
    saved = sorted(p.name.split("-", 1)[1] for p in tmp_path.rglob("*.json"))
    assert saved == ["login-id.json", "login-password.json"]  # one per attempted PUT


def test_echo_mismatch_is_reported() -> None:
    fake = FakeTenant({})
    plan = make_plan(fake, config("login-password"))
    fake.echo_override["login-password"] = {}
    (outcome,) = apply_tenant(plan.tenants[0], fake)
    assert outcome.status == "failed"
    assert "stored a different document" in (outcome.error or "")


def test_safety_limits() -> None:
    cfg = config("login-password", safety=SafetyLimits(max_deletes=0))
    exclusive = TenantConfig(
        **{**cfg.__dict__, "prompts": (DesiredPrompt("login-password", (), exclusive=True),)}
    )
    fake = FakeTenant({"login-password": {"login-password": {"form-footer-end": "<p>x</p>"}}})
    plan = make_plan(fake, exclusive)
    problems = safety_violations(plan)
    assert problems == [
        "acme: deletes 1 managed partials, more than its limit of 0 (safety.max_deletes)",
        "acme: empties the whole prompt login-password",
    ]
    with pytest.raises(UnsafePlanError, match="--allow-destroy"):
        check_safety(plan, allow_destroy=False)
    check_safety(plan, allow_destroy=True)


def test_restore_round_trip(tmp_path: Path) -> None:
    original = {"login-password": {"form-footer-end": "<p>original</p>"}}
    fake = FakeTenant({"login-password": json.loads(json.dumps(original))})
    plan = make_plan(fake, config("login-password"))
    store = BackupStore(tmp_path)
    (outcome,) = apply_tenant(plan.tenants[0], fake, backups=store)
    assert outcome.backup is not None
    backup = load_backup(outcome.backup)
    replaced = restore(backup, fake, store)
    assert replaced is not None and replaced.is_file()
    assert fake.documents["login-password"] == original
    assert restore(backup, fake, store) is None
