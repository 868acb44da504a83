"""End to end: the real CLI (in-process) against the real emulator over a socket."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import PROJECT, ServedEmulator, cli_env, run_cli

SEED_TENANT = """\
tenant: acme-dev
domain: {domain}
credentials:
  client_id: ${{ACME_DEV_CLIENT_ID}}
  client_secret: ${{ACME_DEV_CLIENT_SECRET}}
prompts:
  signup-password:
    - switch: email
      label: Send a secure code by email
  login-password:
    - switch: email
      label: Send a secure code by email
  login-passwordless:
    login-passwordless-email-code:
      - switch: Username-Password-Authentication
        label: Use Password Instead
"""

ENV = {"ACME_DEV_CLIENT_ID": "e2e-client", "ACME_DEV_CLIENT_SECRET": "e2e-secret-value"}
MANAGED = {"signup-password", "login-password", "login-passwordless"}


def write_tenant(folder: Path, emulator: ServedEmulator, tenant: str = "acme-dev") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{tenant}.yaml"
    text = SEED_TENANT.format(domain=f"{emulator.url}/tenants/{tenant}")
    path.write_text(text.replace("tenant: acme-dev", f"tenant: {tenant}"), "utf-8")
    return path


def cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    result = run_cli(*args, cwd=cwd, env=cli_env(**ENV))
    return result.code, result.stdout, result.stderr


def test_seeded_drift_is_planned_applied_and_then_clean(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)

    code, out, err = cli("plan", "--detailed-exitcode", cwd=tmp_path)
    assert code == 2, out + err
    assert "label 'Use password instead' → 'Use Password Instead'" in out
    assert "login-password: no changes" in out
    assert "signup-password: no changes" in out
    assert "1 to update" in out
    gets = served_emulator.partials_calls("GET", "acme-dev")
    assert sorted(r["prompt"] for r in gets) == sorted(MANAGED)
    assert served_emulator.partials_calls("PUT") == []

    served_emulator.clear_requests()
    code, out, err = cli("apply", "--auto-approve", cwd=tmp_path)
    assert code == 0, out + err
    assert "written  acme-dev/login-passwordless" in out
    assert len(served_emulator.partials_calls("GET")) == 3
    puts = served_emulator.partials_calls("PUT")
    assert [r["prompt"] for r in puts] == ["login-passwordless"]

    code, out, err = cli("plan", "--detailed-exitcode", cwd=tmp_path)
    assert code == 0, out + err
    assert "No changes." in out


def test_unmanaged_content_survives_byte_for_byte(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    run_cli("plan", cwd=tmp_path, env=cli_env(**ENV))  # first touch seeds the tenant
    before = served_emulator.document("acme-dev", "login-passwordless")
    odd = "<div  class='x'>unmanaged &amp; <b>kept</b>\n  exactly</div>"
    before["login-passwordless-sms-otp"] = {"form-content-end": odd}
    before["login-passwordless-email-code"]["secondary-actions-start"] = "<i>mine</i>"
    served_emulator.set_document("acme-dev", "login-passwordless", before)

    code, out, err = cli("apply", "--auto-approve", cwd=tmp_path)
    assert code == 0, out + err
    assert "preserved, not managed" in out
    after = served_emulator.document("acme-dev", "login-passwordless")
    assert after["login-passwordless-sms-otp"] == {"form-content-end": odd}
    assert after["login-passwordless-email-code"]["secondary-actions-start"] == "<i>mine</i>"
    assert "Use Password Instead" in after["login-passwordless-email-code"]["form-footer-start"]


def test_quote_style_differences_plan_as_no_change(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    cli("plan", cwd=tmp_path)
    live = served_emulator.document("acme-dev", "login-password")["login-password"]
    assert "type='hidden'" in live["form-footer-start"]  # the seed's single-quoted spelling
    code, out, _ = cli(
        "plan", "--target", "acme-dev/login-password", "--detailed-exitcode", cwd=tmp_path
    )
    assert code == 0
    assert "login-password: no changes" in out


def test_embedded_emulator_newcomer_path(tmp_path: Path) -> None:
    shutil.copytree(PROJECT / "tenants", tmp_path / "tenants")
    shutil.copytree(PROJECT / "schemas", tmp_path / "schemas")
    first = run_cli("plan", "--emulator", "--detailed-exitcode", cwd=tmp_path)
    assert first.code == 2, first.output
    assert "Use password instead" in first.stdout
    applied = run_cli("apply", "--emulator", "--auto-approve", cwd=tmp_path)
    assert applied.code == 0, applied.output
    again = run_cli("plan", "--emulator", "--detailed-exitcode", cwd=tmp_path)
    assert again.code == 0, again.output
    assert (tmp_path / ".auth0-partials" / "emulator" / "state.json").is_file()


def test_usage_errors_never_exit_2(tmp_path: Path) -> None:
    result = run_cli("plan", "--no-such-flag", cwd=tmp_path)
    assert result.code == 1
    assert "No such option" in result.stderr


def test_missing_credentials_fail_closed(tmp_path: Path, served_emulator: ServedEmulator) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    result = run_cli("plan", cwd=tmp_path, env=cli_env())
    assert result.code == 1
    assert "ACME_DEV_CLIENT_ID" in result.stderr
    assert "acme-dev.yaml:4" in result.stderr
    assert served_emulator.requests() == []


def test_saved_plan_applies_exactly_and_refuses_when_stale(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    code, _, err = cli("plan", "--out", "plan.json", cwd=tmp_path)
    assert code == 0, err
    saved = json.loads((tmp_path / "plan.json").read_text())
    assert "e2e-secret-value" not in (tmp_path / "plan.json").read_text()
    assert saved["format_version"] == 2
    assert "checksum" in saved

    # Someone edits the prompt behind the plan's back.
    doc = served_emulator.document("acme-dev", "login-passwordless")
    doc["login-passwordless-email-code"]["form-footer-end"] = "<p>hand edit</p>"
    served_emulator.set_document("acme-dev", "login-passwordless", doc)
    served_emulator.clear_requests()

    code, out, err = cli("apply", "plan.json", "--auto-approve", cwd=tmp_path)
    assert code == 1
    assert "saved plan is stale: acme-dev/login-passwordless changed since the plan was made" in err
    assert served_emulator.partials_calls("PUT") == []

    # A fresh plan applies, re-reading only the prompt it writes. The plan lies elsewhere (a
    # downloaded CI artifact): the backup still goes to the tenant files' state folder.
    (tmp_path / "ci" / "artifact").mkdir(parents=True)
    cli("plan", "--out", "ci/artifact/plan.json", cwd=tmp_path)
    served_emulator.clear_requests()
    code, out, err = cli("apply", "ci/artifact/plan.json", "--auto-approve", cwd=tmp_path)
    assert code == 0, out + err
    backups = tmp_path / ".auth0-partials" / "backups" / "acme-dev"
    assert [p.name.split("-", 1)[1] for p in backups.glob("*.json")] == ["login-passwordless.json"]
    assert [r["prompt"] for r in served_emulator.partials_calls("GET")] == ["login-passwordless"]
    assert [r["prompt"] for r in served_emulator.partials_calls("PUT")] == ["login-passwordless"]
    assert (
        served_emulator.document("acme-dev", "login-passwordless")["login-passwordless-email-code"][
            "form-footer-end"
        ]
        == "<p>hand edit</p>"
    )


def test_tampered_and_noop_saved_plans(tmp_path: Path, served_emulator: ServedEmulator) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    cli("plan", "--out", "plan.json", cwd=tmp_path)
    data = json.loads((tmp_path / "plan.json").read_text())
    data["tenants"][0]["documents"][0]["document"] = {}
    (tmp_path / "tampered.json").write_text(json.dumps(data))
    served_emulator.clear_requests()
    code, _, err = cli("apply", "tampered.json", "--auto-approve", cwd=tmp_path)
    assert code == 1
    assert "checksum" in err
    assert served_emulator.requests() == []

    cli("apply", "--auto-approve", cwd=tmp_path)
    cli("plan", "--out", "noop.json", cwd=tmp_path)
    served_emulator.clear_requests()
    code, out, _ = cli("apply", "noop.json", "--auto-approve", cwd=tmp_path)
    assert code == 0
    assert "Nothing to apply." in out
    assert served_emulator.partials_calls("PUT") == []


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_drift_exit_codes(tmp_path: Path, served_emulator: ServedEmulator, fmt: str) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    code, out, _ = cli("drift", "--format", fmt, cwd=tmp_path)
    assert code == 2, out
    cli("apply", "--auto-approve", cwd=tmp_path)
    code, out, _ = cli("drift", "--format", fmt, cwd=tmp_path)
    assert code == 0, out


HINT = '<p class="hint" title="Codes">Codes <b>expire</b> <i>soon</i>.</p>'


def own_login_password(path: Path, points: str) -> None:
    """Declare ``login-password`` in the tenant file with the insertion points ``points``."""
    text = path.read_text()
    start = text.index("  login-password:\n")
    end = text.index("  login-passwordless:\n")
    path.write_text(text[:start] + "  login-password:\n" + points + text[end:])


def set_partial(emulator: ServedEmulator, prompt: str, point: str, html: str) -> None:
    """An out-of-band edit through the emulator's admin endpoint."""
    document = emulator.document("acme-dev", prompt)
    document.setdefault(prompt, {})[point] = html
    emulator.set_document("acme-dev", prompt, document)


def test_an_inline_whitespace_edit_is_drift_and_a_respelling_is_not(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    path = write_tenant(tmp_path / "tenants", served_emulator)
    own_login_password(
        path,
        "    form-footer-start:\n"
        "      - switch: email\n"
        "        label: Send a secure code by email\n"
        "    form-footer-end:\n"
        f"      - raw: '{HINT}'\n",
    )
    code, out, err = cli("apply", "--auto-approve", cwd=tmp_path)
    assert code == 0, out + err
    assert cli("drift", cwd=tmp_path)[0] == 0

    set_partial(
        served_emulator, "login-password", "form-footer-end", HINT.replace("</b> <i>", "</b><i>")
    )
    code, out, _ = cli("drift", cwd=tmp_path)
    assert code == 2, out
    assert "~ changed    login-password/login-password/form-footer-end\n" in out
    code, out, _ = cli("drift", "--format", "json", cwd=tmp_path)
    assert code == 2
    drifted = [f for f in json.loads(out)["findings"] if f["kind"] != "unmanaged"]
    assert [(f["kind"], f["prompt"], f["screen"], f["slot"]) for f in drifted] == [
        ("changed", "login-password", "login-password", "form-footer-end")
    ]

    respelled = "<p title='Codes' class='hint'>Codes <b>expire</b> <i>soon</i>.</p>"
    set_partial(served_emulator, "login-password", "form-footer-end", respelled)
    code, out, _ = cli("drift", cwd=tmp_path)
    assert code == 0, out
    assert "In sync" in out


def test_import_update_keeps_a_declared_empty_point_and_content_injected_there_is_drift(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    path = write_tenant(tmp_path / "tenants", served_emulator)
    own_login_password(
        path,
        "    form-footer-start:\n"
        "      - switch: email\n"
        "        label: Send a secure code by email\n"
        "    form-footer-end: []   # nothing here, ever\n",
    )
    code, out, err = cli("apply", "--auto-approve", cwd=tmp_path)
    assert code == 0, out + err

    relabelled = served_emulator.document("acme-dev", "login-password")["login-password"][
        "form-footer-start"
    ].replace("Send a secure code by email", "Email me a code")
    set_partial(served_emulator, "login-password", "form-footer-start", relabelled)
    code, _, err = cli("import", "--update", "tenants/acme-dev.yaml", cwd=tmp_path)
    assert code == 0, err
    assert "updated  login-password/login-password/form-footer-start" in err
    text = path.read_text()
    assert "        label: Email me a code\n" in text
    assert "    form-footer-end: []   # nothing here, ever\n" in text
    code, out, err = cli("plan", "--detailed-exitcode", cwd=tmp_path)
    assert code == 0, out + err

    set_partial(served_emulator, "login-password", "form-footer-end", "<p>injected</p>")
    code, out, _ = cli("drift", "--format", "json", cwd=tmp_path)
    assert code == 2, out
    drifted = [f for f in json.loads(out)["findings"] if f["kind"] != "unmanaged"]
    assert [(f["kind"], f["address"], f["live"]) for f in drifted] == [
        ("unexpected", "login-password/login-password/form-footer-end", "<p>injected</p>")
    ]
