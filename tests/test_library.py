"""The library as a Python user sees it: ``import reconciler`` and nothing else, against the
emulator over a socket (the tenant file names the emulator's tenant as its domain)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import reconciler
from tests.conftest import ServedEmulator
from tests.test_e2e import ENV, write_tenant


def test_load_plan_apply_drift_and_doctor_through_the_public_names_only(
    tmp_path: Path, served_emulator: ServedEmulator
) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    configs = reconciler.load([tmp_path / "tenants"], environ=ENV)
    assert [c.name for c in configs] == ["acme-dev"]
    settings = reconciler.SessionSettings(environ=ENV, budget=False, lock_folder=tmp_path)

    with reconciler.Session(settings) as session:
        plan = reconciler.plan(configs, session=session)
        assert isinstance(plan, reconciler.Plan) and plan.has_changes
        assert "'Use password instead' → 'Use Password Instead'" in reconciler.render_plan(
            plan, "text"
        )
        asked: list[reconciler.Plan] = []
        report = reconciler.apply(plan, session=session, approve=lambda p: asked.append(p) or True)
        assert asked == [plan]
        assert isinstance(report, reconciler.ApplyReport) and not report.failed
        assert [str(o.key) for o in report.written] == ["login-passwordless"]

        after = reconciler.drift(configs, session=session)
        assert isinstance(after, reconciler.DriftReport)
        summary = json.loads(reconciler.render_drift(after, "json"))["summary"]
        assert (summary["tenants_in_sync"], summary["tenants_drifted"]) == (1, 0)

        health = reconciler.doctor(configs, session=session)
        assert isinstance(health, reconciler.DoctorReport) and health.exit_code() == 0


def test_a_declined_apply_writes_nothing(tmp_path: Path, served_emulator: ServedEmulator) -> None:
    write_tenant(tmp_path / "tenants", served_emulator)
    configs = reconciler.load([tmp_path / "tenants"], environ=ENV)
    settings = reconciler.SessionSettings(environ=ENV, budget=False, lock_folder=tmp_path)
    with reconciler.Session(settings) as session:
        plan = reconciler.plan(configs, session=session, checks=False)
        with pytest.raises(reconciler.ApplyCancelled):
            reconciler.apply(plan, session=session, approve=lambda p: False)
    assert served_emulator.partials_calls("PUT") == []


def test_bad_files_raise_config_errors_with_locations(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("tenant: x\ndomain: x.auth0.com\ncredentails: {}\n")
    with pytest.raises(reconciler.ConfigError) as raised:
        reconciler.load([tmp_path / "bad.yaml"])
    assert "bad.yaml:3:1: unknown key 'credentails'" in str(raised.value)
    assert "did you mean 'credentials'?" in str(raised.value)
