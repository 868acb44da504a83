"""How a plan looks: terminal text, one pull-request comment, or JSON.

Every renderer is a pure function of a ``Plan`` that returns a string. The plan carries the
meaning (changes, button-level changes, unmanaged slots); these only word it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from reconciler.buttons import describe
from reconciler.diff import Change, Unmanaged
from reconciler.pages.gallery import screen_file
from reconciler.plans import DocumentPlan, Plan, Summary, TenantPlan
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
from reconciler.reports.text import (
    Palette,
    content_lines,
    indented,
    plural,
    sanitize,
    split_tags,
    text_diff,
)

#: First line of every plan comment, so CI can find and update the same comment.
PLAN_MARKER = "<!-- auth0-partials:plan -->"

#: Where to see a plan in full when a Markdown rendering had to leave parts out.
FULL_PLAN_HINT = "`auth0-partials plan --format text` (in the CI log) or the saved plan artifact"

NO_CHANGES = "No changes. Live documents match the tenant files."

SYMBOLS = {"create": "+", "update": "~", "delete": "-"}


def change_lines(change: Change) -> list[str]:
    """The body shown under a change: button-level changes, a diff, or the content."""
    if change.action == "update" and change.buttons:
        return [describe(b) for b in change.buttons]
    if change.action == "update":
        return text_diff(change.before or "", change.after or "")
    text = (change.after if change.action == "create" else change.before) or ""
    return content_lines(text) if change.document.kind == "partials" else split_tags(text)


def is_diff(change: Change) -> bool:
    """Whether ``change_lines`` is a unified diff (rather than short summary lines)."""
    return change.action == "update" and not change.buttons


def counts(changes: Iterable[Change]) -> str:
    actions = [c.action for c in changes]
    parts = [
        f"{actions.count(action)} to {action}"
        for action in ("create", "update", "delete")
        if action in actions
    ]
    return ", ".join(parts) if parts else "no changes"


def summary_line(summary: Summary) -> str:
    """The last line of a plan."""
    if summary.total:
        return f"Plan: {summary}."
    if summary.tenants_failed:
        failed = plural(summary.tenants_failed, "tenant")
        return f"No changes in the tenants that could be planned; {failed} could not be planned."
    return NO_CHANGES


# -- text --------------------------------------------------------------------------------------


def _unmanaged_text(partial: Unmanaged) -> str:
    address = sanitize(f"{partial.screen}/{partial.slot}")
    return f"preserved, not managed: {address} ({plural(partial.length, 'char')})"


def _change_text(change: Change, paint: Palette) -> list[str]:
    address = sanitize(f"{change.screen}/{change.slot}")
    head = paint(f"{SYMBOLS[change.action]} {change.action} {address}", change.action)
    body = [sanitize(line) for line in change_lines(change)]
    if is_diff(change):
        body = [paint.diff_line(line) for line in body]
    return [head, *indented(body, 4)]


def _document_text(document: DocumentPlan, paint: Palette) -> list[str]:
    lines = [f"{paint(sanitize(str(document.key)), 'bold')}: {counts(document.changes)}"]
    for change in document.changes:
        lines.extend(indented(_change_text(change, paint), 2))
    lines.extend(indented([_unmanaged_text(u) for u in document.unmanaged], 2))
    return lines


def tenant_header(tenant: TenantPlan) -> str:
    return f"{sanitize(tenant.tenant)} ({sanitize(tenant.domain)}) from {sanitize(tenant.source)}"


def _tenant_text(tenant: TenantPlan, paint: Palette) -> list[str]:
    header = paint(tenant_header(tenant), "bold")
    if tenant.error is not None:
        message = sanitize(tenant.error).splitlines() or [""]
        first = paint(f"could not be planned: {message[0]}", "error")
        return [header, f"  {first}", *indented(message[1:], 4)]
    body = [line for d in tenant.documents for line in _document_text(d, paint)]
    warnings = [paint(f"warning: {sanitize(w)}", "warning") for w in tenant.warnings]
    return [header, *indented([*warnings, *(body or ["no managed prompts selected"])], 2)]


def plan_text(plan: Plan, *, color: bool = False) -> str:
    """Terraform-like text for terminals and CI logs."""
    paint = Palette(color)
    lines: list[str] = []
    if plan.targets:
        lines.extend(["Targets: " + ", ".join(sanitize(t) for t in plan.targets), ""])
    for tenant in plan.tenants:
        lines.extend([*_tenant_text(tenant, paint), ""])
    lines.append(paint(summary_line(plan.summary), "bold"))
    return "\n".join(lines) + "\n"


# -- Markdown ----------------------------------------------------------------------------------


def _content_markdown(change: Change, *, with_diff: bool) -> list[str]:
    """A created or deleted slot: its switch buttons as a list, other text in a fence."""
    lines = change_lines(change)
    buttons = [line for line in lines if line.startswith("switch button ")]
    if len(buttons) == len(lines):
        return [md_list(buttons)] if buttons else []
    if with_diff:
        sign = SYMBOLS[change.action]
        return [md_fence([f"{sign} {line}" for line in lines], "diff")]
    left_out = f"_Content left out ({plural(len(lines) - len(buttons), 'line')})._"
    return [md_list(buttons), left_out] if buttons else [left_out]


def _change_markdown(change: Change, *, with_diff: bool) -> list[str]:
    address = md_code(f"{change.screen}/{change.slot}")
    head = f"**{SYMBOLS[change.action]} {change.action}** {address}"
    if change.action != "update":
        return [head, *_content_markdown(change, with_diff=with_diff)]
    if change.buttons:
        return [head, md_list(describe(b) for b in change.buttons)]
    lines = change_lines(change)
    if with_diff:
        return [head, md_fence(lines, "diff")]
    return [head, f"_Diff left out ({plural(len(lines), 'line')})._"]


def _document_markdown(document: DocumentPlan, *, with_diff: bool) -> list[str]:
    blocks = [f"#### {md_code(str(document.key))}: {counts(document.changes)}"]
    for change in document.changes:
        blocks.extend(_change_markdown(change, with_diff=with_diff))
    if document.unmanaged:
        blocks.append(
            "\n".join(
                f"- preserved, not managed: {md_code(f'{u.screen}/{u.slot}')}"
                f" ({plural(u.length, 'char')})"
                for u in document.unmanaged
            )
        )
    return blocks


def _tenant_summary(tenant: TenantPlan) -> str:
    name = f"<b>{md_html(tenant.tenant)}</b> ({md_html(tenant.domain)})"
    if tenant.error is not None:
        return f"{name}: could not be planned"
    writing = len(tenant.to_write)
    if not writing:
        return f"{name}: no changes"
    return f"{name}: {counts(tenant.changes)} in {plural(writing, 'document')}"


def _tenant_markdown(tenant: TenantPlan, *, with_diff: bool) -> str:
    body = [f"File: {md_code(tenant.source)}"]
    if tenant.error is not None:
        body.append(md_fence(tenant.error.splitlines()))
    if tenant.warnings:
        body.append("\n".join(f"- ⚠️ {md_code(w)}" for w in tenant.warnings))
    for document in tenant.documents:
        if document.changes or document.unmanaged:
            body.extend(_document_markdown(document, with_diff=with_diff))
    quiet = [str(d.key) for d in tenant.documents if not d.changes and not d.unmanaged]
    if quiet:
        body.append("No changes: " + ", ".join(md_code(p) for p in quiet) + ".")
    return md_details(_tenant_summary(tenant), body)


def _tenant_row(tenant: TenantPlan) -> str:
    name = md_code(tenant.tenant, in_table=True)
    if tenant.error is not None:
        status = f"⚠️ could not be planned: {md_code(tenant.error, in_table=True)}"
        return md_row([name, "—", "—", "—", "—", status])
    actions = [c.action for c in tenant.changes]
    numbers = [str(actions.count(a)) for a in ("create", "update", "delete")]
    status = "changes" if actions else "no changes"
    if tenant.warnings:
        status += f", ⚠️ {plural(len(tenant.warnings), 'warning')}"
    return md_row([name, str(len(tenant.to_write)), *numbers, status])


def _plan_section(tenant: TenantPlan) -> MarkdownSection | None:
    if (
        tenant.error is None
        and not tenant.warnings
        and not any(d.changes or d.unmanaged for d in tenant.documents)
    ):
        return None
    full = _tenant_markdown(tenant, with_diff=True)
    compact = _tenant_markdown(tenant, with_diff=False)
    return MarkdownSection(tenant.tenant, full, compact)


#: Changed screens linked one by one from the comment; the index links the rest.
MAX_SCREEN_LINKS = 10


def _previews_line(plan: Plan, base: str) -> str:
    """The link to the previews' index, then to each changed screen's side-by-side image
    (``auth0-partials preview`` writes them at ``screen_file``'s paths)."""
    screens = sorted(
        {
            (tenant.tenant, document.key.prompt, change.screen)
            for tenant in plan.tenants
            if tenant.error is None
            for document in tenant.documents
            if document.key.kind == "partials"
            for change in document.changes
        }
    )
    line = f"Login pages before and after: [previews]({base}/index.html)"
    links = []
    for tenant, prompt, screen in screens[:MAX_SCREEN_LINKS]:
        image = screen_file(tenant, prompt, screen, "png")
        links.append(f"[{md_html(tenant)} {md_html(screen)}]({base}/{image})")
    if links:
        line += "; side by side: " + ", ".join(links)
    if len(screens) > MAX_SCREEN_LINKS:
        line += f" and {len(screens) - MAX_SCREEN_LINKS} more in the index"
    return line


def plan_markdown(
    plan: Plan, *, limit: int = GITHUB_COMMENT_LIMIT, preview_base_url: str | None = None
) -> str:
    """One pull-request comment of at most ``limit`` characters, starting with
    ``PLAN_MARKER``: a summary table, then a collapsed section per tenant that has changes,
    warnings, unmanaged partials or an error. Others appear only in the table."""
    head = [PLAN_MARKER, "### auth0-partials plan", f"**{summary_line(plan.summary)}**"]
    if plan.targets:
        head.append("Targets: " + ", ".join(md_code(t) for t in plan.targets))
    if preview_base_url and plan.has_changes:
        head.append(_previews_line(plan, preview_base_url.rstrip("/")))
    table = [
        "| tenant | documents changing | creates | updates | deletes | status |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *(_tenant_row(t) for t in plan.tenants),
    ]
    sections = [s for t in plan.tenants if (s := _plan_section(t)) is not None]
    footer = f"<sub>auth0-partials {md_html(plan.tool_version)}</sub>"
    return fit_markdown(
        head="\n\n".join(head),
        table=table,
        sections=sections,
        footer=footer,
        limit=limit,
        see_all=FULL_PLAN_HINT,
    )


# -- JSON --------------------------------------------------------------------------------------


def plan_json(plan: Plan) -> str:
    """The plan's JSON form (schemas/plan.schema.json), without checksum or signature."""
    return json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
