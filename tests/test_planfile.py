"""Saved plans: sealed on write; schema, checksum, signature and tenant files checked on read."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from reconciler.config import load_tenant
from reconciler.documents import Document, DocumentKey, sha256_of
from reconciler.errors import PlanFileError
from reconciler.planfile import bind, read_plan, read_whole, write_plan
from reconciler.plans import Plan, plan_tenant

TENANT_FILE = """\
tenant: acme
domain: acme.eu.auth0.com
credentials:
  client_id: ${ACME_ID}
  client_secret: ${ACME_SECRET}
safety:
  max_deletes: 1
prompts:
  login-password:
    - switch: email
      label: Send a secure code by email
"""

LOGIN = DocumentKey.partials("login-password")
KEY = b"a shared secret of the CI"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "acme.yaml").write_text(TENANT_FILE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def make_plan() -> Plan:
    config = load_tenant(Path("tenants/acme.yaml"), env="skip")
    live = {LOGIN: Document(LOGIN, {})}
    return Plan(tenants=(plan_tenant(config, "tenants/acme.yaml", live),))


def load(source: str) -> Any:
    return load_tenant(Path(source), env="skip")


def reseal(path: Path, edit: Any) -> None:
    """Edit a saved plan and seal it again with the project's own checksum function."""
    data = json.loads(path.read_text())
    data.pop("checksum")
    data.pop("signature", None)
    edit(data)
    data["checksum"] = sha256_of(data)
    path.write_text(json.dumps(data))


def test_a_saved_plan_reads_back_and_binds_to_its_file(workdir: Path) -> None:
    write_plan(make_plan(), workdir / "plan.json")
    saved = read_plan(workdir / "plan.json", key=None)
    (bound,) = bind(saved, load)
    assert bound.config.name == "acme"
    assert [d.key for d in bound.documents] == [LOGIN]
    assert (workdir / "plan.json").stat().st_mode & 0o777 == 0o600


def test_the_plan_holds_no_credentials_values(workdir: Path) -> None:
    os.environ["ACME_SECRET"] = "s3cret-value"
    try:
        write_plan(make_plan(), workdir / "plan.json")
    finally:
        del os.environ["ACME_SECRET"]
    assert "s3cret-value" not in (workdir / "plan.json").read_text()


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d["tenants"][0].update(domain="evil.example.com"), "domain"),
        (lambda d: d["tenants"][0]["safety"].update(max_deletes=99), "safety limits"),
        (
            lambda d: d["tenants"][0]["credentials"].update(client_secret_env="OTHER"),
            "credentials",
        ),
        (lambda d: d["tenants"][0].update(config_digest="sha256:" + "0" * 64), "changed"),
        (lambda d: d["tenants"][0].update(tenant="other"), "declares tenant"),
    ],
)
def test_a_resealed_plan_that_disagrees_with_its_file_is_refused(
    workdir: Path, edit: Any, words: str
) -> None:
    write_plan(make_plan(), workdir / "plan.json")
    reseal(workdir / "plan.json", edit)
    with pytest.raises(PlanFileError, match=words):
        bind(read_plan(workdir / "plan.json", key=None), load)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["tenants"][0]["documents"][0]["changes"][0].update(action="obliterate"),
        lambda d: d["tenants"][0]["documents"][0].update(prompt="../../etc"),
        lambda d: d["tenants"][0]["documents"][0]["document"].update({"../x": {}}),
        lambda d: d.update(format_version=1),
        lambda d: d.update(extra=True),
    ],
)
def test_a_resealed_plan_outside_the_schema_is_refused(workdir: Path, edit: Any) -> None:
    write_plan(make_plan(), workdir / "plan.json")
    reseal(workdir / "plan.json", edit)
    with pytest.raises(PlanFileError):
        read_plan(workdir / "plan.json", key=None)


def test_a_plan_writing_a_prompt_the_file_does_not_manage_is_refused(workdir: Path) -> None:
    write_plan(make_plan(), workdir / "plan.json")
    reseal(workdir / "plan.json", lambda d: d["tenants"][0]["documents"][0].update(prompt="login"))
    with pytest.raises(PlanFileError, match="does not manage: login"):
        bind(read_plan(workdir / "plan.json", key=None), load)


def test_an_edited_plan_fails_its_checksum(workdir: Path) -> None:
    write_plan(make_plan(), workdir / "plan.json")
    data = json.loads((workdir / "plan.json").read_text())
    data["tenants"][0]["source"] = "tenants/other.yaml"
    (workdir / "plan.json").write_text(json.dumps(data))
    with pytest.raises(PlanFileError, match="checksum"):
        read_plan(workdir / "plan.json", key=None)


def test_the_file_changed_after_planning_is_refused(workdir: Path) -> None:
    write_plan(make_plan(), workdir / "plan.json")
    (workdir / "tenants" / "acme.yaml").write_text(
        TENANT_FILE.replace("acme.eu.auth0.com", "acme.us.auth0.com")
    )
    with pytest.raises(PlanFileError, match="disagree on its domain"):
        bind(read_plan(workdir / "plan.json", key=None), load)


def test_a_signed_plan_verifies_and_a_forged_signature_does_not(workdir: Path) -> None:
    write_plan(make_plan(), workdir / "plan.json", key=KEY)
    assert read_plan(workdir / "plan.json", key=KEY).signed
    with pytest.raises(PlanFileError, match="signature does not match"):
        read_plan(workdir / "plan.json", key=b"another key")
    data = json.loads((workdir / "plan.json").read_text())
    data["tenants"][0]["domain"] = "evil.example.com"
    data.pop("checksum")
    signature = data.pop("signature")
    data["checksum"] = sha256_of(data)
    data["signature"] = signature
    (workdir / "plan.json").write_text(json.dumps(data))
    with pytest.raises(PlanFileError, match="signature does not match"):
        read_plan(workdir / "plan.json", key=KEY)


def test_an_unsigned_plan_is_refused_when_a_key_is_set(workdir: Path) -> None:
    write_plan(make_plan(), workdir / "plan.json")
    with pytest.raises(PlanFileError, match="not signed"):
        read_plan(workdir / "plan.json", key=KEY)


def test_the_json_output_is_not_a_saved_plan(workdir: Path) -> None:
    (workdir / "plan.json").write_text(json.dumps(make_plan().to_json()))
    with pytest.raises(PlanFileError, match="no checksum"):
        read_plan(workdir / "plan.json", key=None)


def test_a_whole_plan_is_built_from_the_read_that_was_checked(workdir: Path) -> None:
    plan = make_plan()
    write_plan(plan, workdir / "plan.json", key=KEY)

    def load_then_replace_the_plan(source: str) -> Any:
        forged = json.loads((workdir / "plan.json").read_text())
        forged["tool_version"] = "forged"
        forged["tenants"][0]["documents"][0]["changes"][0]["after"] = "<p>forged</p>"
        (workdir / "plan.json").write_text(json.dumps(forged))
        return load(source)

    whole = read_whole(workdir / "plan.json", key=KEY, load=load_then_replace_the_plan)
    assert whole.to_json() == plan.to_json()
