"""Two runs, one tenant: the machine-wide write lock serialises them, so no update is lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import reconciler
from reconciler.emulator import EmulatorOptions, EmulatorServer
from reconciler.events import Event, Notice
from reconciler.locks import tenant_lock
from reconciler.session import SessionSettings

TEAM_FILE = """\
tenant: acme
domain: {base}
credentials:
  client_id: ${{ID}}
  client_secret: ${{SECRET}}
prompts:
  login-password:
    {point}:
      - raw: <p>{text}</p>
"""
ENVIRON = {"ID": "client", "SECRET": "secret"}


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    # Latency widens the window between a run's read and its write, as Auth0's ~380 ms does.
    server = EmulatorServer(EmulatorOptions(rate_limits="off", latency_seconds=0.15)).start()
    try:
        yield server
    finally:
        server.stop()


def team(tmp_path: Path, name: str, base: str, point: str, text: str) -> Path:
    folder = tmp_path / name / "tenants"
    folder.mkdir(parents=True)
    (folder / "acme.yaml").write_text(TEAM_FILE.format(base=base, point=point, text=text))
    return folder


def test_two_teams_owning_different_points_of_one_prompt_both_keep_their_change(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    base = emulator.tenant_base("acme")
    folders = [
        team(tmp_path, "team-a", base, "form-footer-end", "team A"),
        team(tmp_path, "team-b", base, "secondary-actions-end", "team B"),
    ]
    notices: list[str] = []
    errors: list[BaseException] = []

    def apply_from(folder: Path) -> None:
        def heard(event: Event) -> None:
            if isinstance(event, Notice):
                notices.append(event.text)

        try:
            configs = reconciler.load([folder], environ=ENVIRON)
            settings = SessionSettings(
                budget=False,
                environ=ENVIRON,
                locking=True,
                lock_folder=tmp_path / "locks",
                listener=heard,
            )
            with reconciler.Session(settings) as session:
                plan = reconciler.plan(configs, session=session)
                report = reconciler.apply(plan, session=session)
                assert not report.failed, report
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=apply_from, args=(folder,)) for folder in folders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    live = emulator.get_document("acme", "login-password")["login-password"]
    assert live == {"form-footer-end": "<p>team A</p>", "secondary-actions-end": "<p>team B</p>"}
    assert any("waiting for" in text for text in notices)


def test_a_lock_held_past_the_deadline_fails_with_the_holder_named(tmp_path: Path) -> None:
    with tenant_lock("acme", "https://acme.eu.auth0.com", folder=tmp_path):
        clock = iter(range(100))
        with (
            pytest.raises(reconciler.Auth0PartialsError, match="still holds the lock"),
            tenant_lock(
                "acme",
                "https://acme.eu.auth0.com",
                folder=tmp_path,
                sleep=lambda seconds: None,
                clock=lambda: float(next(clock)),
                deadline=5.0,
            ),
        ):
            pass


def test_locks_of_different_tenants_do_not_wait_for_each_other(tmp_path: Path) -> None:
    with (
        tenant_lock("a", "https://a.eu.auth0.com", folder=tmp_path),
        tenant_lock("b", "https://b.eu.auth0.com", folder=tmp_path, deadline=0.0),
    ):
        pass
