"""How a doctor report looks: a terminal or job log, a Markdown comment, or JSON
(``schemas/doctor.schema.json``)."""

from __future__ import annotations

import json
from typing import Any

from reconciler.checks import DoctorReport, TenantDiagnosis
from reconciler.checks.values import CheckResult
from reconciler.reports.markdown import md_code, md_fence, md_html, md_row
from reconciler.reports.text import Palette, plural, sanitize

#: First line of every doctor comment, so CI can find and update it.
DOCTOR_MARKER = "<!-- auth0-partials:doctor -->"
FORMAT_VERSION = 1

_MARK = {"pass": "ok", "fail": "FAIL", "warn": "warn", "unknown": "??"}
_STYLE = {"pass": "create", "fail": "error", "warn": "warning", "unknown": "warning"}


def verdict(report: DoctorReport) -> str:
    failed = sum(len(t.failed) for t in report.tenants)
    errors = sum(t.status == "error" for t in report.tenants)
    if errors:
        return f"Could not check {plural(errors, 'tenant')}; {plural(failed, 'problem')} found."
    if failed:
        return f"{plural(failed, 'problem')} found: the buttons will not all work."
    return "All checks passed: the buttons can work on these tenants."


def _result_text(result: CheckResult, paint: Palette) -> list[str]:
    head = paint(f"{_MARK[result.status]:>4}", _STYLE[result.status])  # type: ignore[arg-type]
    lines = [f"{head}  {result.check:<18} {sanitize(result.subject)}: {sanitize(result.evidence)}"]
    if result.fix and result.status == "fail":
        lines.append(f"{'':24}fix: {sanitize(result.fix)}")
    return lines


def doctor_text(report: DoctorReport, *, color: bool = False, verbose: bool = False) -> str:
    """Per tenant: failures and unknowns (every result with ``verbose``), then the verdict."""
    paint = Palette(color)
    lines: list[str] = []
    for tenant in report.tenants:
        header = (
            f"{sanitize(tenant.tenant)} ({sanitize(tenant.domain)}) from {sanitize(tenant.source)}"
        )
        if tenant.error is not None:
            lines += [
                paint(header, "bold"),
                "  " + paint(f"could not be checked: {sanitize(tenant.error)}", "error"),
                "",
            ]
            continue
        shown = [r for r in tenant.results if verbose or r.status != "pass"]
        passed = sum(r.status == "pass" for r in tenant.results)
        lines.append(paint(f"{header}: {plural(passed, 'check')} passed", "bold"))
        for result in shown:
            lines += [f"  {line}" for line in _result_text(result, paint)]
        lines.append("")
    lines.append(paint(verdict(report), "bold"))
    return "\n".join(lines) + "\n"


def _tenant_markdown(tenant: TenantDiagnosis) -> list[str]:
    name = f"<b>{md_html(tenant.tenant)}</b> ({md_html(tenant.domain)})"
    if tenant.error is not None:
        return [
            f"<details open><summary>{name}: could not be checked</summary>",
            "",
            md_fence(tenant.error.splitlines()),
            "",
            "</details>",
        ]
    rows = [
        md_row(
            [
                _MARK[r.status],
                md_code(r.check, in_table=True),
                md_code(r.subject, in_table=True),
                md_code(r.evidence, in_table=True),
                md_code(r.fix or "", in_table=True) if r.status == "fail" else "",
            ]
        )
        for r in tenant.results
    ]
    opening = "<details open>" if tenant.failed else "<details>"
    summary = f"{name}: {plural(len(tenant.failed), 'problem')}"
    return [
        f"{opening}<summary>{summary}</summary>",
        "",
        "| | check | subject | evidence | fix |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
        "</details>",
    ]


def doctor_markdown(report: DoctorReport) -> str:
    lines = [DOCTOR_MARKER, "", "### auth0-partials doctor", "", f"**{verdict(report)}**", ""]
    for tenant in report.tenants:
        lines += [*_tenant_markdown(tenant), ""]
    return "\n".join(lines)


def doctor_to_json(report: DoctorReport) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "status": {0: "ok", 1: "error", 2: "problems"}[report.exit_code()],
        "tenants": [
            {
                "tenant": t.tenant,
                "domain": t.domain,
                "source": t.source,
                "status": t.status,
                "error": t.error,
                "results": [r.to_json() for r in t.results],
            }
            for t in report.tenants
        ],
    }


def doctor_json(report: DoctorReport) -> str:
    return json.dumps(doctor_to_json(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
