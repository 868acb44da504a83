"""How a drift report looks: a job log, an issue body, or JSON (schemas/drift.schema.json)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from reconciler.buttons import ButtonChange, describe
from reconciler.findings import KINDS, DriftReport, Finding, Kind, Status, TenantStatus
from reconciler.reports.markdown import (
    GITHUB_COMMENT_LIMIT,
    MarkdownSection,
    fit_markdown,
    md_code,
    md_details,
    md_fence,
    md_html,
    md_list,
    md_row,
)
from reconciler.reports.text import Palette, content_lines, plural, sanitize, split_tags, text_diff

#: First line of every drift issue body, so a scheduled job can find and update its issue.
DRIFT_MARKER = "<!-- auth0-partials:drift -->"

#: Version of the drift report's JSON form (schemas/drift.schema.json).
FORMAT_VERSION = 2

FULL_DRIFT_HINT = "`auth0-partials drift --format text` (in the job log)"

SYMBOLS: Mapping[Kind, str] = {"changed": "~", "missing": "+", "unexpected": "-", "unmanaged": "?"}
_PAINT_STYLE: Mapping[Kind, Literal["update", "create", "delete", "dim"]] = {
    "changed": "update",
    "missing": "create",
    "unexpected": "delete",
    "unmanaged": "dim",
}


def _button_lines(buttons: tuple[ButtonChange, ...]) -> list[str]:
    return [describe(b) for b in buttons]


# -- text ----------------------------------------------------------------------------------

_STATUS_WORDS: Mapping[Status, str] = {
    "in_sync": "in sync",
    "drifted": "drifted",
    "error": "could not be checked",
}


def verdict(report: DriftReport) -> str:
    """One line: the outcome of the check."""
    failed = sum(t.status == "error" for t in report.tenants)
    drifted = sum(t.status == "drifted" for t in report.tenants)
    unmanaged = report.count("unmanaged")
    if report.drift:
        counts = ", ".join(f"{report.count(k)} {k}" for k in KINDS[:3])
        line = f"Drift found: {counts} in {plural(drifted, 'tenant')}"
    elif failed:
        line = "Could not tell: no drift in the tenants that could be checked"
    else:
        line = "In sync: live documents match the tenant files"
    if failed:
        line += f"; {plural(failed, 'tenant')} could not be checked"
    if unmanaged:
        line += f"; {plural(unmanaged, 'unmanaged partial')} preserved"
    return line + "."


def _finding_text(finding: Finding, paint: Palette) -> list[str]:
    head = f"{SYMBOLS[finding.kind]} {finding.kind:<10} {sanitize(finding.address)}"
    body = [sanitize(line) for line in _button_lines(finding.buttons) or [finding.detail]]
    body.extend(paint.diff_line(sanitize(line)) for line in _evidence(finding))
    return [paint(head, _PAINT_STYLE[finding.kind]), *(f"    {line}" for line in body)]


def _evidence(finding: Finding) -> list[str]:
    """Diff-like lines that show a finding: the diff of a changed slot that is not (only)
    switch buttons, or the content that is missing or unexpected."""
    lines = content_lines if finding.document.kind == "partials" else split_tags
    if finding.kind == "changed" and not finding.buttons:
        return text_diff(finding.live or "", finding.desired or "")
    if finding.kind == "missing":
        return [f"+ {line}" for line in lines(finding.desired or "")]
    if finding.kind == "unexpected":
        return [f"- {line}" for line in lines(finding.live or "")]
    return []


def _tenant_text(report: DriftReport, tenant: TenantStatus, paint: Palette) -> list[str]:
    word = _STATUS_WORDS[tenant.status]
    style: Literal["bold", "error"] = "error" if tenant.status == "error" else "bold"
    header = paint(
        f"{sanitize(tenant.tenant)} ({sanitize(tenant.domain)}) from {sanitize(tenant.source)}"
        f": {word}",
        style,
    )
    lines = [header]
    if tenant.error is not None:
        lines.extend(f"  {line}" for line in sanitize(tenant.error).splitlines())
    lines.extend(f"  {paint(f'warning: {sanitize(w)}', 'warning')}" for w in tenant.warnings)
    for finding in report.findings_for(tenant.tenant):
        lines.extend(f"  {line}" for line in _finding_text(finding, paint))
    return lines


def drift_text(report: DriftReport, *, color: bool = False) -> str:
    """Findings per tenant for a terminal or a job log, then the verdict."""
    paint = Palette(color)
    lines: list[str] = []
    for tenant in report.tenants:
        lines.extend([*_tenant_text(report, tenant, paint), ""])
    lines.append(paint(verdict(report), "bold"))
    return "\n".join(lines) + "\n"


# -- Markdown ------------------------------------------------------------------------------

_STATUS_MARKDOWN: Mapping[Status, str] = {
    "in_sync": "✅ in sync",
    "drifted": "❌ drifted",
    "error": "⚠️ could not be checked",
}


def _status_row(report: DriftReport, tenant: TenantStatus) -> str:
    name = md_code(tenant.tenant, in_table=True)
    status = _STATUS_MARKDOWN[tenant.status]
    if tenant.error is not None:
        error = md_code(tenant.error, in_table=True)
        return md_row([name, f"{status}: {error}", *("—" for _ in KINDS)])
    findings = report.findings_for(tenant.tenant)
    counts = [str(sum(f.kind == kind for f in findings)) for kind in KINDS]
    if tenant.warnings:
        status += f", ⚠️ {plural(len(tenant.warnings), 'warning')}"
    return md_row([name, status, *counts])


def _finding_markdown(finding: Finding, *, with_diff: bool) -> list[str]:
    head = f"**{SYMBOLS[finding.kind]} {finding.kind}** {md_code(finding.address)}"
    if finding.buttons:
        return [head, md_list(_button_lines(finding.buttons))]
    blocks = [f"{head}: {md_code(finding.detail)}"]
    evidence = _evidence(finding)
    if evidence and with_diff:
        blocks.append(md_fence(evidence, "diff"))
    elif evidence:
        blocks.append(f"_Content left out ({plural(len(evidence), 'line')})._")
    return blocks


def _drift_section(report: DriftReport, tenant: TenantStatus) -> MarkdownSection | None:
    findings = report.findings_for(tenant.tenant)
    if tenant.error is None and not findings and not tenant.warnings:
        return None

    def render(with_diff: bool) -> str:
        body = [f"File: {md_code(tenant.source)}"]
        if tenant.error is not None:
            body.append(md_fence(tenant.error.splitlines()))
        if tenant.warnings:
            body.append("\n".join(f"- ⚠️ {md_code(w)}" for w in tenant.warnings))
        for finding in findings:
            body.extend(_finding_markdown(finding, with_diff=with_diff))
        summary = f"<b>{md_html(tenant.tenant)}</b> ({md_html(tenant.domain)})"
        return md_details(f"{summary}: {_STATUS_WORDS[tenant.status]}", body)

    return MarkdownSection(tenant.tenant, render(True), render(False))


def drift_markdown(report: DriftReport, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """A GitHub issue body of at most ``limit`` characters, starting with ``DRIFT_MARKER``."""
    title = "Auth0 partials drift" if report.drift else "Auth0 partials drift check"
    head = [DRIFT_MARKER, f"### {title}", f"**{verdict(report)}**"]
    if report.targets:
        head.append("Targets: " + ", ".join(md_code(t) for t in report.targets))
    table = [
        "| tenant | status | changed | missing | unexpected | unmanaged |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        *(_status_row(report, t) for t in report.tenants),
    ]
    sections = [s for t in report.tenants if (s := _drift_section(report, t)) is not None]
    footer = (
        f"<sub>auth0-partials {md_html(report.tool_version)}. "
        "Run <code>auth0-partials plan</code> to review the changes that would restore the "
        "tenant files' state, or update the files to adopt the live content.</sub>"
    )
    return fit_markdown(
        head="\n\n".join(head),
        table=table,
        sections=sections,
        footer=footer,
        limit=limit,
        see_all=FULL_DRIFT_HINT,
    )


# -- JSON ----------------------------------------------------------------------------------


def drift_to_json(report: DriftReport) -> dict[str, Any]:
    """The JSON form (schemas/drift.schema.json)."""
    statuses = [t.status for t in report.tenants]
    return {
        "format_version": FORMAT_VERSION,
        "tool_version": report.tool_version,
        "targets": list(report.targets),
        "summary": {
            **{kind: report.count(kind) for kind in KINDS},
            "tenants_in_sync": statuses.count("in_sync"),
            "tenants_drifted": statuses.count("drifted"),
            "tenants_failed": statuses.count("error"),
        },
        "tenants": [
            {
                "tenant": t.tenant,
                "domain": t.domain,
                "source": t.source,
                "status": t.status,
                "error": t.error,
                "warnings": list(t.warnings),
            }
            for t in report.tenants
        ],
        "findings": [
            {
                "tenant": f.tenant,
                "document_kind": f.document.kind,
                "prompt": f.document.prompt,
                "language": f.document.language,
                "screen": f.screen,
                "slot": f.slot,
                "address": f.address,
                "kind": f.kind,
                "detail": f.detail,
                "buttons": [b.to_json() for b in f.buttons],
                "live": f.live,
                "desired": f.desired,
            }
            for f in report.findings
        ],
    }


def drift_json(report: DriftReport) -> str:
    return json.dumps(drift_to_json(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
