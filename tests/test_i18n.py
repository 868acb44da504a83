"""Switch buttons in every language: label maps kept as custom text variables, reconciled like
partials (read-merge-write, ownership, drift, import), written in an order that never leaves a
page referring to a missing variable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.catalog import text_reference
from tests.conftest import ServedEmulator, cli_env, run_cli, start_emulator, stop_emulator

TENANT = "acme"
FILE = """\
tenant: acme
domain: {base}
credentials:
  client_id: ${{ACME_ID}}
  client_secret: ${{ACME_SECRET}}
prompts:
  login-password:
    - switch: email
      label:
        en: Send a secure code by email
        fr: Recevoir un code par e-mail
"""


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[ServedEmulator]:
    served = start_emulator("--seed", "--rate-limits", "off", cwd=tmp_path)
    try:
        yield served
    finally:
        stop_emulator(served)


def api(emulator: ServedEmulator, method: str, path: str, body: Any = None) -> Any:
    base = f"{emulator.url}/tenants/{TENANT}"
    token = httpx.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "operator",
            "client_secret": "secret",
            "audience": f"{base}/api/v2/",
        },
    ).json()["access_token"]
    answer = httpx.request(
        method, f"{base}/api/v2/{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def project(tmp_path: Path, emulator: ServedEmulator, text: str = FILE) -> Path:
    (tmp_path / "tenants").mkdir(exist_ok=True)
    base = f"{emulator.url}/tenants/{TENANT}"
    (tmp_path / "tenants" / "acme.yaml").write_text(text.format(base=base))
    return tmp_path


def cli(folder: Path, *args: str) -> Any:
    return run_cli(*args, cwd=folder, env=cli_env(ACME_ID="operator", ACME_SECRET="secret"))


def writes(emulator: ServedEmulator) -> list[str]:
    return [
        f"{r['method']} {r['path'].split('/api/v2/prompts/')[1]}"
        for r in emulator.requests()
        if r["method"] == "PUT" and "/api/v2/prompts/" in r["path"]
    ]


def test_a_label_map_becomes_custom_text_and_the_partial_refers_to_it(
    tmp_path: Path, emulator: ServedEmulator
) -> None:
    folder = project(tmp_path, emulator)
    api(
        emulator,
        "PUT",
        "prompts/login-password/custom-text/fr",
        {"login-password": {"title": "Bonjour"}},
    )
    emulator.clear_requests()
    applied = cli(folder, "apply", "--auto-approve")
    assert applied.code == 0, applied.stderr
    assert writes(emulator) == [
        "PUT login-password/custom-text/en",
        "PUT login-password/custom-text/fr",
        "PUT login-password/partials",
    ]
    fr = api(emulator, "GET", "prompts/login-password/custom-text/fr")
    assert fr == {
        "login-password": {"title": "Bonjour", "var-switch-email": "Recevoir un code par e-mail"}
    }
    partial = api(emulator, "GET", "prompts/login-password/partials")["login-password"]
    reference = text_reference("var-switch-email")
    assert (
        f'{{{{ {reference} | default: "Send a secure code by email" }}}}'
        in partial["form-footer-start"]
    )
    again = cli(folder, "plan", "--detailed-exitcode")
    assert again.code == 0, again.stdout


def test_an_out_of_band_translation_edit_is_drift(tmp_path: Path, emulator: ServedEmulator) -> None:
    folder = project(tmp_path, emulator)
    assert cli(folder, "apply", "--auto-approve").code == 0
    api(
        emulator,
        "PUT",
        "prompts/login-password/custom-text/fr",
        {"login-password": {"var-switch-email": "Code par courriel"}},
    )
    drift = cli(folder, "drift", "--format", "json")
    assert drift.code == 2
    assert '"address": "login-password custom text (fr)/login-password/var-switch-email"' in (
        drift.stdout
    )


def test_dropping_a_translation_removes_its_text_after_the_partial(
    tmp_path: Path, emulator: ServedEmulator
) -> None:
    folder = project(tmp_path, emulator)
    assert cli(folder, "apply", "--auto-approve").code == 0
    project(tmp_path, emulator, FILE.replace("        fr: Recevoir un code par e-mail\n", ""))
    emulator.clear_requests()
    applied = cli(folder, "apply", "--auto-approve")
    assert applied.code == 0, applied.stderr
    fr = api(emulator, "GET", "prompts/login-password/custom-text/fr")
    assert "var-switch-email" not in fr.get("login-password", {})


def test_switching_back_to_a_plain_label_writes_the_partial_before_dropping_texts(
    tmp_path: Path, emulator: ServedEmulator
) -> None:
    folder = project(tmp_path, emulator)
    assert cli(folder, "apply", "--auto-approve").code == 0
    label_map = (
        "      label:\n"
        "        en: Send a secure code by email\n"
        "        fr: Recevoir un code par e-mail\n"
    )
    plain = FILE.replace(label_map, "      label: Send a secure code by email\n")
    project(tmp_path, emulator, plain)
    emulator.clear_requests()
    assert cli(folder, "apply", "--auto-approve").code == 0
    assert writes(emulator) == ["PUT login-password/partials"]


@pytest.mark.parametrize("fallback", [None, "fr"])
def test_import_turns_variable_backed_buttons_back_into_label_maps(
    tmp_path: Path, emulator: ServedEmulator, fallback: str | None
) -> None:
    declared = FILE.replace("prompts:", f"default_language: {fallback}\nprompts:")
    folder = project(tmp_path, emulator, declared if fallback else FILE)
    assert cli(folder, "apply", "--auto-approve").code == 0
    (folder / "imported").mkdir()
    imported = cli(
        folder,
        "import",
        "--tenant",
        TENANT,
        "--domain",
        f"{emulator.url}/tenants/{TENANT}",
        "--client-id-env",
        "ACME_ID",
        "--client-secret-env",
        "ACME_SECRET",
        "--prompt",
        "login-password",
        "--out",
        "imported/acme.yaml",
    )
    assert imported.code == 0, imported.stderr
    text = (folder / "imported" / "acme.yaml").read_text()
    assert "fr: Recevoir un code par e-mail" in text
    assert ("default_language: fr" in text) == (fallback == "fr")
    assert cli(folder, "plan", "imported", "--detailed-exitcode").code == 0


def test_validate_refuses_unknown_languages(tmp_path: Path, emulator: ServedEmulator) -> None:
    folder = project(tmp_path, emulator, FILE.replace("        fr:", "        xx:"))
    result = cli(folder, "validate")
    assert result.code == 1
    assert "acme.yaml:11" in result.stderr


def test_plan_reads_each_language_once_on_the_global_bucket(
    tmp_path: Path, emulator: ServedEmulator
) -> None:
    folder = project(tmp_path, emulator)
    emulator.clear_requests()
    assert cli(folder, "plan", "--no-checks").code == 0
    reads = sorted(
        r["path"].split("/api/v2/")[1]
        for r in emulator.requests()
        if r["method"] == "GET" and "/api/v2/" in r["path"]
    )
    assert reads == [
        "prompts/login-password/custom-text/en",
        "prompts/login-password/custom-text/fr",
        "prompts/login-password/partials",
        "tenants/settings",
    ]
