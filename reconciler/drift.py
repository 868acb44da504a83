"""Drift: a read-only plan, read as findings.

Every change a plan would make is drift from the tenant files: an update means managed content
was ``changed`` out of band, a create means it is ``missing``, a delete means content is
``unexpected`` where a file declares an insertion point empty or owns it exclusively. Content
the files do not own is reported as ``unmanaged``, for information: it is not drift unless the
caller asks (``exit_code(fail_on_unmanaged=True)``).

A tenant that could not be planned is never in sync: its status is ``error``, and any error
makes the exit code 1 ("could not tell"), even when other tenants drifted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from reconciler import __version__
from reconciler.diff import Action, Change, UnmanagedPartial
from reconciler.output import (
    GITHUB_COMMENT_LIMIT,
    MarkdownSection,
    Palette,
    content_lines,
    fit_markdown,
    html_diff,
    md_code,
    md_details,
    md_fence,
    md_html,
    md_row,
    plural,
    sanitize,
)
from reconciler.plan import Plan, TenantPlan

__all__ = [
    "DRIFT_MARKER",
    "EXIT_DRIFT",
    "EXIT_ERROR",
    "EXIT_IN_SYNC",
    "FORMAT_VERSION",
    "DriftReport",
    "Finding",
    "Kind",
    "Status",
    "TenantStatus",
    "drift_json",
    "drift_markdown",
    "drift_report",
    "drift_text",
]

#: First line of every drift issue body, so a scheduled job can find and update its issue.
DRIFT_MARKER = "<!-- auth0-partials:drift -->"

#: Version of the drift report's JSON form (schemas/drift.schema.json).
FORMAT_VERSION = 1

EXIT_IN_SYNC = 0
EXIT_ERROR = 1
EXIT_DRIFT = 2

FULL_DRIFT_HINT = "`auth0-partials drift --format text` (in the job log)"

Kind = Literal["changed", "missing", "unexpected", "unmanaged"]
Status = Literal["in_sync", "drifted", "error"]

KINDS: tuple[Kind, ...] = ("changed", "missing", "unexpected", "unmanaged")
KIND_OF_ACTION: Mapping[Action, Kind] = {
    "update": "changed",
    "create": "missing",
    "delete": "unexpected",
}
SYMBOLS: Mapping[Kind, str] = {"changed": "~", "missing": "+", "unexpected": "-", "unmanaged": "?"}
_PAINT_STYLE: Mapping[Kind, Literal["update", "create", "delete", "dim"]] = {
    "changed": "update",
    "missing": "create",
    "unexpected": "delete",
    "unmanaged": "dim",
}


@dataclass(frozen=True)
class Finding:
    """One insertion point whose live content differs from, or is not covered by, the files."""

    tenant: str
    prompt: str
    screen: str
    insertion_point: str
    kind: Kind
    detail: str
    """One human line; for ``changed`` switch buttons, the button-level changes."""
    button_changes: tuple[str, ...] = ()
    """For ``changed`` switch buttons: one line per change (``label 'A' → 'B'``)."""
    live: str | None = None
    """The HTML on the tenant, where there is some and the file owns it."""
    desired: str | None = None
    """The HTML the tenant file declares, where it declares some."""

    @property
    def address(self) -> str:
        return f"{self.prompt}/{self.screen}/{self.insertion_point}"

    @property
    def is_drift(self) -> bool:
        return self.kind != "unmanaged"


@dataclass(frozen=True)
class TenantStatus:
    """Whether one tenant matches its file; ``error`` says why it could not be checked."""

    tenant: str
    domain: str
    source: str
    status: Status
    error: str | None = None


@dataclass(frozen=True)
class DriftReport:
    """Findings in a stable order: tenant, then prompt, as in the plan; within a prompt its
    changes in plan order, then its unmanaged partials."""

    tenants: tuple[TenantStatus, ...]
    findings: tuple[Finding, ...]
    tool_version: str = __version__
    targets: tuple[str, ...] = ()

    @property
    def status(self) -> dict[str, TenantStatus]:
        """Per tenant name."""
        return {t.tenant: t for t in self.tenants}

    @property
    def drift(self) -> tuple[Finding, ...]:
        """The findings that are drift (all but ``unmanaged``)."""
        return tuple(f for f in self.findings if f.is_drift)

    @property
    def has_errors(self) -> bool:
        return any(t.status == "error" for t in self.tenants)

    def findings_for(self, tenant: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.tenant == tenant)

    def count(self, kind: Kind) -> int:
        return sum(f.kind == kind for f in self.findings)

    def exit_code(self, fail_on_unmanaged: bool = False) -> int:
        """0 in sync, 2 drift found, 1 could not tell (errors win over drift)."""
        if self.has_errors:
            return EXIT_ERROR
        if self.drift or (fail_on_unmanaged and self.count("unmanaged")):
            return EXIT_DRIFT
        return EXIT_IN_SYNC


# -- building ------------------------------------------------------------------------------


def _chars(html: str | None) -> str:
    return plural(len(html or ""), "char")


def _detail(change: Change) -> str:
    if change.action == "create":
        return f"declared in the tenant file, not on the tenant ({_chars(change.after)})"
    if change.action == "delete":
        return f"on the tenant ({_chars(change.before)}) where the tenant file declares none"
    if change.details:
        return "; ".join(change.details)
    sizes = f"live {_chars(change.before)}, file {_chars(change.after)}"
    return f"HTML differs from the tenant file ({sizes})"


def _change_finding(tenant: str, change: Change) -> Finding:
    return Finding(
        tenant=tenant,
        prompt=change.prompt,
        screen=change.screen,
        insertion_point=change.insertion_point,
        kind=KIND_OF_ACTION[change.action],
        detail=_detail(change),
        button_changes=change.details,
        live=change.before,
        desired=change.after,
    )


def _unmanaged_finding(tenant: str, partial: UnmanagedPartial) -> Finding:
    return Finding(
        tenant=tenant,
        prompt=partial.prompt,
        screen=partial.screen,
        insertion_point=partial.insertion_point,
        kind="unmanaged",
        detail=f"not in the tenant file, preserved by apply ({plural(partial.length, 'char')})",
    )


def _tenant_findings(tenant: TenantPlan) -> Iterator[Finding]:
    for prompt in tenant.prompts:
        for change in prompt.changes:
            yield _change_finding(tenant.tenant, change)
        for partial in prompt.unmanaged:
            yield _unmanaged_finding(tenant.tenant, partial)


def _tenant_status(tenant: TenantPlan) -> TenantStatus:
    if tenant.error is not None:
        status: Status = "error"
    else:
        status = "drifted" if tenant.changes else "in_sync"
    return TenantStatus(tenant.tenant, tenant.domain, tenant.source, status, tenant.error)


def drift_report(plan: Plan) -> DriftReport:
    """The drift a plan shows: what apply would change is what drifted."""
    return DriftReport(
        tenants=tuple(_tenant_status(t) for t in plan.tenants),
        findings=tuple(f for t in plan.tenants for f in _tenant_findings(t)),
        tool_version=plan.tool_version,
        targets=plan.targets,
    )


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
        line = "In sync: live partials match the tenant files"
    if failed:
        line += f"; {plural(failed, 'tenant')} could not be checked"
    if unmanaged:
        line += f"; {plural(unmanaged, 'unmanaged partial')} preserved"
    return line + "."


def _finding_text(finding: Finding, paint: Palette) -> list[str]:
    address = sanitize(f"{finding.prompt}/{finding.screen}/{finding.insertion_point}")
    head = f"{SYMBOLS[finding.kind]} {finding.kind:<10} {address}"
    body = [sanitize(line) for line in finding.button_changes or (finding.detail,)]
    body.extend(paint.diff_line(sanitize(line)) for line in _evidence(finding))
    return [paint(head, _PAINT_STYLE[finding.kind]), *(f"    {line}" for line in body)]


def _evidence(finding: Finding) -> list[str]:
    """Diff-like lines that show a finding: the HTML diff of a changed partial that is not
    (only) switch buttons, or the content that is missing or unexpected."""
    if finding.kind == "changed" and not finding.button_changes:
        return html_diff(finding.live or "", finding.desired or "")
    if finding.kind == "missing":
        return [f"+ {line}" for line in content_lines(finding.desired or "")]
    if finding.kind == "unexpected":
        return [f"- {line}" for line in content_lines(finding.live or "")]
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
    return md_row([name, status, *counts])


def _finding_markdown(finding: Finding, *, with_diff: bool) -> list[str]:
    address = md_code(f"{finding.prompt}/{finding.screen}/{finding.insertion_point}")
    head = f"**{SYMBOLS[finding.kind]} {finding.kind}** {address}"
    if finding.button_changes:
        return [head, "\n".join(f"- {md_code(line)}" for line in finding.button_changes)]
    blocks = [f"{head}: {md_code(finding.detail)}"]
    evidence = _evidence(finding)
    if evidence and with_diff:
        blocks.append(md_fence(evidence, "diff"))
    elif evidence:
        blocks.append(f"_HTML left out ({plural(len(evidence), 'line')})._")
    return blocks


def _drift_section(report: DriftReport, tenant: TenantStatus) -> MarkdownSection | None:
    findings = report.findings_for(tenant.tenant)
    if tenant.error is None and not findings:
        return None

    def render(with_diff: bool) -> str:
        body = [f"File: {md_code(tenant.source)}"]
        if tenant.error is not None:
            body.append(md_fence(tenant.error.splitlines()))
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
            }
            for t in report.tenants
        ],
        "findings": [
            {
                "tenant": f.tenant,
                "prompt": f.prompt,
                "screen": f.screen,
                "insertion_point": f.insertion_point,
                "address": f.address,
                "kind": f.kind,
                "detail": f.detail,
                "button_changes": list(f.button_changes),
                "live": f.live,
                "desired": f.desired,
            }
            for f in report.findings
        ],
    }


def drift_json(report: DriftReport) -> str:
    return json.dumps(drift_to_json(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
