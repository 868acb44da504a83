"""Backups under attack: a forged backup handed to ``restore``, and a backup that cannot be saved.

``restore`` trusts nothing in a backup but its document: the endpoint and credentials come from
the tenant file, and names are checked before they reach a URL or a path. A backup that cannot
be saved fails its own document, and every document written before or elsewhere is reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ServedEmulator, start_emulator, stop_emulator
from tests.test_e2e import cli, write_tenant


@pytest.fixture
def elsewhere(tmp_path: Path) -> Iterator[ServedEmulator]:
    """A second server, standing for a host the attacker controls."""
    (tmp_path / "elsewhere").mkdir()
    emulator = start_emulator("--seed", "--rate-limits", "off", cwd=tmp_path / "elsewhere")
    try:
        yield emulator
    finally:
        stop_emulator(emulator)


def _backup(tmp_path: Path, emulator: ServedEmulator) -> Path:
    """A real backup of acme-dev's login-passwordless, made by an apply."""
    write_tenant(tmp_path / "tenants", emulator)
    code, out, err = cli("apply", "--auto-approve", "--backup-dir", "bk", cwd=tmp_path)
    assert code == 0, out + err
    (backup,) = (tmp_path / "bk" / "acme-dev").glob("*-login-passwordless.json")
    return backup


def test_a_backup_naming_another_host_is_restored_to_the_tenant_files_host(
    tmp_path: Path, served_emulator: ServedEmulator, elsewhere: ServedEmulator
) -> None:
    backup = _backup(tmp_path, served_emulator)
    record = json.loads(backup.read_text())
    record |= {"domain": elsewhere.url, "endpoint": f"{elsewhere.url}/api/v2/"}
    record["document"]["login-passwordless-email-code"]["form-footer-end"] = "<p>forged</p>"
    backup.write_text(json.dumps(record))
    elsewhere.clear_requests()

    code, out, err = cli("restore", str(backup), "--auto-approve", cwd=tmp_path)

    assert code == 0, out + err
    assert elsewhere.requests() == []  # not even a token request
    live = served_emulator.document("acme-dev", "login-passwordless")
    assert live["login-passwordless-email-code"]["form-footer-end"] == "<p>forged</p>"


@pytest.mark.parametrize(
    ("field", "value"),
    [("prompt", "../../../tmp/escape"), ("prompt", "login-password/../x"), ("tenant", "../up")],
)
def test_a_backup_with_a_climbing_name_is_refused_before_any_request(
    tmp_path: Path, served_emulator: ServedEmulator, field: str, value: str
) -> None:
    backup = _backup(tmp_path, served_emulator)
    record = json.loads(backup.read_text())
    record[field] = value
    backup.write_text(json.dumps(record))
    served_emulator.clear_requests()
    before = sorted(p for p in tmp_path.rglob("*") if p.is_file())

    code, out, err = cli("restore", str(backup), "--auto-approve", cwd=tmp_path)

    assert code == 1
    assert "Traceback" not in out + err
    assert err.startswith("Error: ") and ("hint:" in err or "--tenant-file" in err)
    assert served_emulator.requests() == []
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == before


def test_a_backup_that_cannot_be_saved_fails_its_document_and_the_rest_is_reported(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    write_tenant(tmp_path / "tenants", served_emulator, tenant="alpha")
    write_tenant(tmp_path / "tenants", served_emulator, tenant="bravo")
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "bravo").write_text("a file where bravo's backup folder should be")

    code, out, err = cli("apply", "--auto-approve", "--backup-dir", "bk", cwd=tmp_path)

    assert code == 1
    assert "Traceback" not in out + err
    assert "written  alpha/login-passwordless" in out
    assert "bravo/login-passwordless" in out and "written  bravo" not in out
    assert "Apply incomplete: 1 document written, 1 not written." in out
    assert served_emulator.partials_calls("PUT", "bravo") == []  # no write without its backup
    assert len(served_emulator.partials_calls("PUT", "alpha")) == 1
