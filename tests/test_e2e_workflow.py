"""End to end: the GitOps workflow (many tenants, drift, safety rails, import, restore)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import PROJECT, ServedEmulator, cli_env, run_cli, start_emulator, stop_emulator
from tests.test_e2e import ENV, cli, write_tenant


def test_twenty_tenants_in_one_run(tmp_path: Path, served_emulator: ServedEmulator) -> None:
    for index in range(20):
        write_tenant(tmp_path / "tenants", served_emulator, tenant=f"customer-{index:02d}")
    code, out, err = cli("plan", "--detailed-exitcode", "--format", "json", cwd=tmp_path)
    assert code == 2, err
    plan = json.loads(out)
    jsonschema.Draft202012Validator(
        json.loads((PROJECT / "schemas" / "plan.schema.json").read_text())
    ).validate(plan)
    assert [t["tenant"] for t in plan["tenants"]] == [f"customer-{i:02d}" for i in range(20)]
    assert plan["summary"]["updates"] == 20
    assert "[20/20]" in err  # progress on stderr
    assert len(served_emulator.partials_calls("GET")) == 60

    code, out, err = cli("apply", "--auto-approve", cwd=tmp_path)
    assert code == 0, out + err
    assert out.count("written  customer-") == 20
    assert len(served_emulator.partials_calls("PUT")) == 20
    code, _, _ = cli("plan", "--detailed-exitcode", "--target", "customer-07", cwd=tmp_path)
    assert code == 0


def test_drift_with_one_failing_tenant_reports_the_others(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    write_tenant(tmp_path / "tenants", served_emulator, tenant="alpha")
    write_tenant(tmp_path / "tenants", served_emulator, tenant="bravo")
    served_emulator.admin(
        "POST", "faults", json=[{"kind": "status", "status": 500, "tenant": "bravo"}]
    )
    code, out, err = cli("drift", "--format", "json", "--timeout", "5", cwd=tmp_path)
    assert code == 1, out + err
    report = json.loads(out)
    statuses = {t["tenant"]: t for t in report["tenants"]}
    assert statuses["bravo"]["status"] == "error"
    assert "500" in statuses["bravo"]["error"]
    assert statuses["alpha"]["status"] == "drifted"
    assert any(f["tenant"] == "alpha" and f["kind"] == "changed" for f in report["findings"])
    jsonschema.Draft202012Validator(
        json.loads((PROJECT / "schemas" / "drift.schema.json").read_text())
    ).validate(report)


def make_destructive(path: Path, emulator: ServedEmulator) -> None:
    """Converge the tenant, add three live partials to login-password, and make the file own
    the whole prompt: its next plan deletes four partials (the limit is three)."""
    cli("apply", "--auto-approve", cwd=path.parent.parent)
    doc = emulator.document("acme-dev", "login-password")
    for point in ("form-footer-end", "secondary-actions-start", "form-content-start"):
        doc["login-password"][point] = f"<p>{point}</p>"
    emulator.set_document("acme-dev", "login-password", doc)
    exclusive = """\
  login-password:
    exclusive: true
    form-footer-start:
      - switch: email
        label: Send a secure code by email
"""
    text = path.read_text()
    start = text.index("  login-password:\n")
    end = text.index("  login-passwordless:\n")
    path.write_text(text[:start] + exclusive + text[end:])
    emulator.clear_requests()


def test_safety_rails_refuse_destructive_apply(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    path = write_tenant(tmp_path / "tenants", served_emulator)
    make_destructive(path, served_emulator)

    code, out, err = cli("apply", "--auto-approve", cwd=tmp_path)
    assert code == 1, out + err
    assert "refusing to apply a destructive plan" in err
    assert "deletes 4 managed partials, more than its limit of 3" in err
    assert served_emulator.partials_calls("PUT") == []

    code, out, err = cli("apply", "--auto-approve", "--allow-destroy", cwd=tmp_path)
    assert code == 0, out + err
    assert served_emulator.document("acme-dev", "login-password")["login-password"].keys() == {
        "form-footer-start"
    }


def test_import_round_trip_and_fold(tmp_path: Path, served_emulator: ServedEmulator) -> None:
    messy = {
        "login-password": {
            "form-footer-start": (
                "<FORM data-form-secondary=true METHOD='POST'>\n  <input name=state "
                "type=hidden value='{{state}}'/>\n <input type='hidden' name='connection' "
                "value='sms'>\n<button data-action-button-secondary='true' type='submit' "
                "id='b'><span> Text me </span></button></FORM>"
            ),
            "form-footer-end": "<div class='note'>Call us &amp; ask</div>",
        }
    }
    served_emulator.set_document("acme-dev", "login-password", messy)
    url = f"{served_emulator.url}/tenants/acme-dev"
    code, out, err = cli(
        "import",
        "--tenant", "acme-dev",
        "--domain", url,
        "--client-id-env", "ACME_DEV_CLIENT_ID",
        "--client-secret-env", "ACME_DEV_CLIENT_SECRET",
        "--prompt", "login-password",
        "--prompt", "login-passwordless",
        "--out", "tenants/acme-dev.yaml",
        cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    text = (tmp_path / "tenants" / "acme-dev.yaml").read_text()
    assert "- switch: sms" in text and "label: ' Text me '" in text
    assert "raw:" in text
    code, out, err = cli("plan", "--detailed-exitcode", cwd=tmp_path)
    assert code == 0, out + err

    # An out-of-band edit is folded back into the file; the next plan is clean again.
    doc = served_emulator.document("acme-dev", "login-passwordless")
    doc["login-passwordless-email-code"]["form-footer-start"] = doc[
        "login-passwordless-email-code"
    ]["form-footer-start"].replace("Use password instead", "Sign in with a password")
    served_emulator.set_document("acme-dev", "login-passwordless", doc)
    code, _, _ = cli("plan", "--detailed-exitcode", cwd=tmp_path)
    assert code == 2
    code, _, err = cli("import", "--update", "tenants/acme-dev.yaml", cwd=tmp_path)
    assert code == 0, err
    folded = (tmp_path / "tenants" / "acme-dev.yaml").read_text()
    assert "Sign in with a password" in folded
    assert folded.startswith(text.split("prompts:")[0])
    code, out, err = cli("plan", "--detailed-exitcode", cwd=tmp_path)
    assert code == 0, out + err


def test_restore_puts_a_backup_back(tmp_path: Path, served_emulator: ServedEmulator) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    cli("plan", cwd=tmp_path)
    original = served_emulator.document("acme-dev", "login-passwordless")
    code, out, _ = cli("apply", "--auto-approve", "--backup-dir", "bk", cwd=tmp_path)
    assert code == 0
    backups = sorted((tmp_path / "bk" / "acme-dev").glob("*-login-passwordless.json"))
    assert len(backups) == 1
    assert served_emulator.document("acme-dev", "login-passwordless") != original

    code, out, err = cli(
        "restore", str(backups[0]), "--auto-approve", "--backup-dir", "bk", cwd=tmp_path
    )
    assert code == 0, out + err
    assert served_emulator.document("acme-dev", "login-passwordless") == original
    assert len(list((tmp_path / "bk" / "acme-dev").glob("*.json"))) == 2
    code, out, _ = cli("restore", str(backups[0]), "--auto-approve", cwd=tmp_path)
    assert "Already live" in out


@pytest.mark.parametrize("answer", ["n\n", ""], ids=["no", "no-terminal"])
def test_apply_asks_and_a_no_cancels_without_an_error(
    tmp_path: Path, served_emulator: ServedEmulator, answer: str
) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    result = run_cli("apply", cwd=tmp_path, env=cli_env(**ENV), stdin=answer)
    assert result.code == 1
    assert "Apply cancelled." in result.stderr
    assert "Error" not in result.output
    assert served_emulator.partials_calls("PUT") == []


def test_the_question_comes_after_the_plan_and_a_yes_applies(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    result = run_cli("apply", cwd=tmp_path, env=cli_env(**ENV), stdin="y\n")
    assert result.code == 0, result.output
    plan_end = result.stdout.index("Plan: 0 to create, 1 to update, 0 to delete in 1 document.")
    question = result.stdout.index(
        "Apply 0 to create, 1 to update, 0 to delete in 1 document to acme-dev? [y/N]"
    )
    written = result.stdout.index("written  acme-dev/login-passwordless")
    assert plan_end < question < written
    assert "Apply complete: 1 document written, 0 not written." in result.stdout
    assert [r["prompt"] for r in served_emulator.partials_calls("PUT")] == ["login-passwordless"]


def test_a_destructive_plan_is_refused_before_any_question(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    path = write_tenant(tmp_path / "tenants", served_emulator)
    make_destructive(path, served_emulator)
    result = run_cli("apply", cwd=tmp_path, env=cli_env(**ENV), stdin="y\n")
    assert result.code == 1
    assert "refusing to apply a destructive plan" in result.stderr
    assert "[y/N]" not in result.output  # stdin was never read: no prompt
    assert served_emulator.partials_calls("PUT") == []


def test_back_to_back_runs_stay_inside_auth0_buckets(tmp_path: Path) -> None:
    """plan → apply → plan as three separate runs against Auth0's 5-per-minute buckets: the
    budget ledger makes the third run wait for a token instead of provoking a 429."""
    emulator = start_emulator("--seed", "--rate-limits", "auth0", cwd=tmp_path)
    try:
        path = write_tenant(tmp_path / "tenants", emulator)
        text = path.read_text()
        path.write_text(
            text[: text.index("  signup-password:")] + text[text.index("  login-password:") :]
        )
        env = cli_env(**ENV, AUTH0_PARTIALS_BUDGET="auth0")
        for args in (("plan",), ("apply", "--auto-approve"), ("plan", "--detailed-exitcode")):
            result = run_cli(*args, cwd=tmp_path, env=env)
            assert result.code == 0, result.output
        statuses = [r["status"] for r in emulator.requests()]
        assert statuses.count(429) == 0
        assert len(emulator.partials_calls("GET")) == 6
    finally:
        stop_emulator(emulator)


def test_least_privilege_reader_can_plan_but_not_apply(tmp_path: Path) -> None:
    emulator = start_emulator(
        "--seed",
        "--rate-limits",
        "off",
        "--client",
        "reader=reader-secret@read:prompts",
        "--client",
        "writer=writer-secret",
        cwd=tmp_path,
    )
    try:
        write_tenant(tmp_path / "tenants", emulator)
        reader = cli_env(ACME_DEV_CLIENT_ID="reader", ACME_DEV_CLIENT_SECRET="reader-secret")
        result = run_cli("plan", "--detailed-exitcode", cwd=tmp_path, env=reader)
        assert result.code == 2, result.output
        result = run_cli("apply", "--auto-approve", cwd=tmp_path, env=reader)
        assert result.code == 1
        assert "insufficient_scope" in result.output
        assert "update:prompts" in result.output
        assert "not written" in result.output
        assert [r["status"] for r in emulator.partials_calls("PUT")] == [403]

        wrong = cli_env(ACME_DEV_CLIENT_ID="writer", ACME_DEV_CLIENT_SECRET="not-the-secret")
        result = run_cli("plan", cwd=tmp_path, env=wrong)
        assert result.code == 1
        assert "not-the-secret" not in result.output
        assert "ACME_DEV_CLIENT_SECRET" in result.output

        writer = cli_env(ACME_DEV_CLIENT_ID="writer", ACME_DEV_CLIENT_SECRET="writer-secret")
        result = run_cli("apply", "--auto-approve", cwd=tmp_path, env=writer)
        assert result.code == 0, result.output
    finally:
        stop_emulator(emulator)
