"""Drift reports: classification, status, exit codes, golden renderings, JSON schema.

Refresh the golden files with ``UPDATE_GOLDEN=1`` (see tests/test_reports.py).
"""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from reconciler.buttons import describe
from reconciler.documents import DocumentKey
from reconciler.findings import EXIT_DRIFT, EXIT_ERROR, EXIT_IN_SYNC, drift_report
from reconciler.reports import render_drift
from reconciler.reports.drift import DRIFT_MARKER, drift_json, drift_markdown, drift_text
from reconciler.reports.markdown import GITHUB_COMMENT_LIMIT
from tests.test_reports import (
    FOOTER,
    GOLDEN,
    HINT,
    LEGACY,
    NEW_HINT,
    PLANS,
    ROOT,
    big_raw_tenant,
    change,
    check_golden,
    create_delete_tenant,
    document_plan,
    failed_tenant,
    no_changes,
    plan_of,
    seed_drift_tenant,
    tenant_plan,
    unmanaged_tenant,
)

DRIFT_SCHEMA = Draft202012Validator(
    json.loads((ROOT / "schemas" / "drift.schema.json").read_text("utf-8"))
)


@pytest.mark.parametrize("name", sorted(PLANS))
def test_golden_drift(name: str) -> None:
    report = drift_report(PLANS[name])
    check_golden(GOLDEN / "drift" / f"{name}.txt", drift_text(report))
    check_golden(GOLDEN / "drift" / f"{name}.ansi.txt", drift_text(report, color=True))
    check_golden(GOLDEN / "drift" / f"{name}.md", drift_markdown(report))
    check_golden(GOLDEN / "drift" / f"{name}.json", drift_json(report))


@pytest.mark.parametrize("name", sorted(PLANS))
def test_json_matches_schema(name: str) -> None:
    data = json.loads(drift_json(drift_report(PLANS[name])))
    assert [e.message for e in DRIFT_SCHEMA.iter_errors(data)] == []


def test_each_kind_is_classified() -> None:
    raw = document_plan(
        "login-password",
        {"login-password": {FOOTER: HINT}},
        [change("update", "login-password", "login-password", FOOTER, HINT, NEW_HINT)],
    )
    plan = plan_of(
        tenant_plan("acme-a", raw),
        create_delete_tenant("acme-b"),
        seed_drift_tenant("acme-c"),
        unmanaged_tenant("acme-d"),
    )
    report = drift_report(plan)
    kinds = [(f.tenant, f.screen, f.slot, f.kind) for f in report.findings]
    assert kinds == [
        ("acme-a", "login-password", FOOTER, "changed"),
        ("acme-b", "login-passwordless-email-code", FOOTER, "missing"),
        ("acme-b", "login-passwordless-sms-otp", FOOTER, "missing"),
        ("acme-b", "login-passwordless-sms-otp", "form-footer-end", "unexpected"),
        ("acme-c", "login-passwordless-email-code", FOOTER, "changed"),
        ("acme-d", "login-password", "form-content-start", "unmanaged"),
        ("acme-d", "login-password", "secondary-actions-end", "unmanaged"),
    ]
    unexpected = report.findings[3]
    assert (unexpected.live, unexpected.desired) == (LEGACY, None)
    assert [describe(b) for b in report.findings[4].buttons] == [
        "button Username-Password-Authentication: "
        "label 'Use password instead' → 'Use Password Instead'"
    ]
    assert report.findings[4].detail == describe(report.findings[4].buttons[0])
    assert report.findings[0].buttons == ()
    assert [f.is_drift for f in report.findings] == [True] * 5 + [False] * 2
    assert report.findings[0].document == DocumentKey.partials("login-password")
    assert report.findings[0].address == "login-password/login-password/form-footer-start"


def test_status_per_tenant() -> None:
    plan = plan_of(seed_drift_tenant("acme-a"), unmanaged_tenant("acme-b"), failed_tenant("acme-c"))
    status = drift_report(plan).status
    assert status["acme-a"].status == "drifted"
    assert status["acme-b"].status == "in_sync"  # unmanaged content is not drift
    assert status["acme-c"].status == "error"
    assert status["acme-c"].error is not None and "401" in status["acme-c"].error


@pytest.mark.parametrize(
    ("tenants", "plain", "strict"),
    [
        pytest.param(["clean"], EXIT_IN_SYNC, EXIT_IN_SYNC, id="in-sync"),
        pytest.param(["clean", "drifted"], EXIT_DRIFT, EXIT_DRIFT, id="drift"),
        pytest.param(["clean", "failed"], EXIT_ERROR, EXIT_ERROR, id="error"),
        pytest.param(["drifted", "failed"], EXIT_ERROR, EXIT_ERROR, id="error-wins"),
        pytest.param(["unmanaged"], EXIT_IN_SYNC, EXIT_DRIFT, id="unmanaged"),
        pytest.param(["unmanaged", "failed"], EXIT_ERROR, EXIT_ERROR, id="unmanaged-error"),
        pytest.param([], EXIT_IN_SYNC, EXIT_IN_SYNC, id="nothing-to-check"),
    ],
)
def test_exit_codes(tenants: list[str], plain: int, strict: int) -> None:
    builders = {
        "clean": lambda: tenant_plan("clean", no_changes("login-password")),
        "drifted": lambda: seed_drift_tenant("drifted"),
        "failed": lambda: failed_tenant("failed"),
        "unmanaged": lambda: unmanaged_tenant("unmanaged"),
    }
    report = drift_report(plan_of(*(builders[name]() for name in tenants)))
    assert report.exit_code() == plain
    assert report.exit_code(fail_on_unmanaged=True) == strict


def test_exit_code_values_are_the_documented_ones() -> None:
    assert (EXIT_IN_SYNC, EXIT_ERROR, EXIT_DRIFT) == (0, 1, 2)


def test_a_failed_tenant_is_never_in_sync() -> None:
    report = drift_report(plan_of(failed_tenant()))
    assert report.findings == ()
    assert report.exit_code() == EXIT_ERROR
    text = drift_text(report)
    assert "could not be checked" in text
    assert "In sync" not in text
    assert json.loads(drift_json(report))["summary"]["tenants_failed"] == 1


def test_text_verdicts() -> None:
    assert drift_text(drift_report(PLANS["no_changes"])).endswith(
        "In sync: live documents match the tenant files.\n"
    )
    assert drift_text(drift_report(PLANS["two_tenants"])).endswith(
        "Drift found: 1 changed, 2 missing, 1 unexpected in 2 tenants.\n"
    )
    assert "Could not tell" in drift_text(drift_report(PLANS["failed_tenant"]))


def test_markdown_issue_body() -> None:
    text = drift_markdown(drift_report(PLANS["two_tenants"]))
    assert text.startswith(DRIFT_MARKER + "\n")
    assert "| tenant | status | changed | missing | unexpected | unmanaged |" in text
    assert "| `acme-dev` | ❌ drifted | 1 | 0 | 0 | 0 |" in text


def test_markdown_stays_under_the_limit() -> None:
    plan = plan_of(*(big_raw_tenant(f"acme-{i:02}", 80) for i in range(40)))
    text = drift_markdown(drift_report(plan))
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert text.startswith(DRIFT_MARKER)
    assert "Shortened to stay under" in text
    small = drift_markdown(drift_report(plan), limit=4000)
    assert len(small) <= 4000
    assert "| `acme-39` |" in drift_markdown(drift_report(plan))


def test_json_findings_name_their_document_slot_and_buttons() -> None:
    data = json.loads(drift_json(drift_report(PLANS["seed_drift"])))
    assert data["format_version"] == 2
    (finding,) = data["findings"]
    assert {k: finding[k] for k in ("document_kind", "prompt", "language", "screen", "slot")} == {
        "document_kind": "partials",
        "prompt": "login-passwordless",
        "language": None,
        "screen": "login-passwordless-email-code",
        "slot": FOOTER,
    }
    assert finding["address"] == "login-passwordless/login-passwordless-email-code/" + FOOTER
    assert [b["text"] for b in finding["buttons"]] == [
        "button Username-Password-Authentication: "
        "label 'Use password instead' → 'Use Password Instead'"
    ]


def test_render_drift_dispatches() -> None:
    report = drift_report(PLANS["two_tenants"])
    assert render_drift(report, "text") == drift_text(report)
    assert render_drift(report, "text", color=True) == drift_text(report, color=True)
    assert render_drift(report, "markdown") == drift_markdown(report)
    assert render_drift(report, "json") == drift_json(report)
    with pytest.raises(ValueError, match="unknown output format"):
        render_drift(report, "yaml")  # type: ignore[arg-type]


def test_failed_checks_are_shown_as_in_the_plan_and_are_not_drift() -> None:
    warning = "connection-exists: connection sms does not exist on the tenant"
    plan = plan_of(tenant_plan("acme-dev", no_changes("login-password"), warnings=(warning,)))
    report = drift_report(plan)
    assert report.status["acme-dev"].status == "in_sync"
    assert report.exit_code() == EXIT_IN_SYNC
    assert f"  warning: {warning}\n" in drift_text(report)
    markdown = drift_markdown(report)
    assert "| `acme-dev` | ✅ in sync, ⚠️ 1 warning | 0 | 0 | 0 | 0 |" in markdown
    assert f"- ⚠️ `{warning}`" in markdown
    data = json.loads(drift_json(report))
    assert data["tenants"][0]["warnings"] == [warning]
    assert [e.message for e in DRIFT_SCHEMA.iter_errors(data)] == []
