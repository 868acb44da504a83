"""How a plan looks: terminal text, one pull-request comment, or JSON.

Every renderer is a pure function of a ``Plan`` that returns a string; nothing here does I/O.
Anything that comes from a tenant file or a tenant (names, labels, HTML, error text) is
treated as untrusted: control characters are made visible in terminal output, and in Markdown
it only ever appears inside code spans, fenced blocks or escaped HTML, so it cannot break
the comment's layout, inject HTML, or mention people.

``drift.py`` renders drift reports with the same helpers (``Palette``, ``html_diff``,
``md_code``, ``md_fence``, ``fit_markdown``).
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from reconciler.diff import Change, UnmanagedPartial
from reconciler.markup import parse_items
from reconciler.model import SwitchButton
from reconciler.plan import Plan, PromptPlan, Summary, TenantPlan

__all__ = [
    "FULL_PLAN_HINT",
    "GITHUB_COMMENT_LIMIT",
    "PLAN_MARKER",
    "Format",
    "plan_json",
    "plan_markdown",
    "plan_text",
    "render_plan",
]

Format = Literal["text", "markdown", "json"]

#: First line of every plan comment, so CI can find and update the same comment.
PLAN_MARKER = "<!-- auth0-partials:plan -->"

#: GitHub's limit for the body of a comment or an issue, in characters.
GITHUB_COMMENT_LIMIT = 65_535

#: Where to see a plan in full when a Markdown rendering had to leave parts out.
FULL_PLAN_HINT = "`auth0-partials plan --format text` (in the CI log) or the saved plan artifact"

NO_CHANGES = "No changes. Live partials match the tenant files."

SYMBOLS = {"create": "+", "update": "~", "delete": "-"}

# -- untrusted text ------------------------------------------------------------------------

_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def sanitize(text: str) -> str:
    """``text`` with control and bidi-override characters spelled as escapes (``\\x1b``), so
    live content can neither drive a terminal nor reorder what a reviewer reads."""

    def visible(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVISIBLE.sub(visible, text)


def one_line(text: str) -> str:
    """Sanitized, with line breaks (and the indentation after them) folded into one blank,
    for places that hold a single line."""
    return sanitize(re.sub(r"[ \t]*\r?\n\s*", " ", text))


# -- colour --------------------------------------------------------------------------------

Style = Literal["bold", "create", "update", "delete", "hunk", "dim", "error"]

_ANSI: dict[Style, str] = {
    "bold": "\x1b[1m",
    "create": "\x1b[32m",
    "update": "\x1b[33m",
    "delete": "\x1b[31m",
    "hunk": "\x1b[36m",
    "dim": "\x1b[2m",
    "error": "\x1b[1;31m",
}
_RESET = "\x1b[0m"


@dataclass(frozen=True)
class Palette:
    """Wraps text in ANSI colours when ``color`` is set; otherwise leaves it alone."""

    color: bool = False

    def __call__(self, text: str, style: Style) -> str:
        if not self.color or not text:
            return text
        return f"{_ANSI[style]}{text}{_RESET}"

    def diff_line(self, line: str) -> str:
        if line.startswith(("---", "+++")):
            return self(line, "bold")
        if line.startswith("@@"):
            return self(line, "hunk")
        if line.startswith("+"):
            return self(line, "create")
        if line.startswith("-"):
            return self(line, "delete")
        return line


# -- HTML as lines -------------------------------------------------------------------------

_BETWEEN_TAGS = re.compile(r">[ \t]*<")


def split_tags(markup: str) -> list[str]:
    """HTML as lines, one tag per line where tags touch, so diffs of one-line partials are
    readable. For display only: blanks between adjacent tags are dropped."""
    return _BETWEEN_TAGS.sub(">\n<", markup).splitlines()


def html_diff(before: str, after: str) -> list[str]:
    """A unified diff of two partials, live first, split at tag boundaries."""
    old, new = split_tags(before), split_tags(after)
    if old == new:  # the difference is in the blanks split_tags drops
        old, new = before.splitlines(), after.splitlines()
    lines = list(difflib.unified_diff(old, new, "live", "planned", lineterm="", n=2))
    return lines or ["(the partials differ only in blanks between tags)"]


def describe_button(button: SwitchButton) -> str:
    """One line for a switch button; the label quoted as ``markup.button_changes`` does."""
    label = button.label.replace("\\", "\\\\").replace("'", "\\'")
    return f"switch button '{label}' → connection {button.connection}"


def content_lines(markup: str) -> list[str]:
    """What a partial holds: one summary line per switch button, other HTML as lines."""
    lines: list[str] = []
    for item in parse_items(markup):
        if isinstance(item, SwitchButton):
            lines.append(describe_button(item))
        else:
            lines.extend(split_tags(item.html))
    return lines


def change_lines(change: Change) -> list[str]:
    """The body shown under a change: button-level details, a diff, or the content."""
    if change.action == "update" and change.details:
        return list(change.details)
    if change.action == "update":
        return html_diff(change.before or "", change.after or "")
    return content_lines((change.after if change.action == "create" else change.before) or "")


def is_diff(change: Change) -> bool:
    """Whether ``change_lines`` is a unified diff (rather than short summary lines)."""
    return change.action == "update" and not change.details


# -- counting ------------------------------------------------------------------------------


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counts(changes: Iterable[Change]) -> str:
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


# -- text ----------------------------------------------------------------------------------


def _indented(lines: Iterable[str], indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}{line}" if line else "" for line in lines]


def _unmanaged_text(partial: UnmanagedPartial) -> str:
    address = sanitize(f"{partial.screen}/{partial.insertion_point}")
    return f"preserved, not managed: {address} ({plural(partial.length, 'char')})"


def _change_text(change: Change, paint: Palette) -> list[str]:
    address = sanitize(f"{change.screen}/{change.insertion_point}")
    head = paint(f"{SYMBOLS[change.action]} {change.action} {address}", change.action)
    body = [sanitize(line) for line in change_lines(change)]
    if is_diff(change):
        body = [paint.diff_line(line) for line in body]
    return [head, *_indented(body, 4)]


def _prompt_text(prompt: PromptPlan, paint: Palette) -> list[str]:
    name = sanitize(prompt.prompt)
    lines = [f"{paint(name, 'bold')}: {_counts(prompt.changes)}"]
    for change in prompt.changes:
        lines.extend(_indented(_change_text(change, paint), 2))
    lines.extend(_indented([_unmanaged_text(u) for u in prompt.unmanaged], 2))
    return lines


def _tenant_text(tenant: TenantPlan, paint: Palette) -> list[str]:
    header = paint(
        f"{sanitize(tenant.tenant)} ({sanitize(tenant.domain)}) from {sanitize(tenant.source)}",
        "bold",
    )
    if tenant.error is not None:
        message = sanitize(tenant.error).splitlines() or [""]
        first = paint(f"could not be planned: {message[0]}", "error")
        return [header, f"  {first}", *_indented(message[1:], 4)]
    body = [line for p in tenant.prompts for line in _prompt_text(p, paint)]
    return [header, *_indented(body or ["no managed prompts selected"], 2)]


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


# -- Markdown primitives -------------------------------------------------------------------


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def md_code(text: str, *, in_table: bool = False) -> str:
    """``text`` as an inline code span that no backtick, pipe or line break can end early."""
    text = one_line(text)
    if in_table:
        text = text.replace("|", "\\|")
    ticks = "`" * (_longest_backtick_run(text) + 1)
    if "`" in text or text.startswith(" ") or text.endswith(" ") or not text:
        text = f" {text} "
    return f"{ticks}{text}{ticks}"


def md_fence(lines: Sequence[str], info: str = "") -> str:
    """A fenced code block longer than any backtick run inside, so content cannot close it."""
    body = "\n".join(sanitize(line) for line in lines)
    fence = "`" * max(3, _longest_backtick_run(body) + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def md_html(text: str) -> str:
    """``text`` escaped for HTML such as ``<summary>``, where Markdown code spans do not work."""
    return html.escape(one_line(text), quote=True)


def md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def md_details(summary_html: str, body: Sequence[str]) -> str:
    """A collapsed section. The blank lines let GitHub render the Markdown inside."""
    return "\n\n".join([f"<details><summary>{summary_html}</summary>", *body, "</details>"])


# -- Markdown: fitting under a limit -------------------------------------------------------


@dataclass(frozen=True)
class MarkdownSection:
    """One collapsible section, with a shorter spelling that leaves its diffs out."""

    name: str
    full: str
    compact: str
    state: Literal["full", "compact", "omitted"] = "full"

    @property
    def text(self) -> str:
        return {"full": self.full, "compact": self.compact, "omitted": ""}[self.state]


def _names(sections: Iterable[MarkdownSection], state: str, most: int = 10) -> str:
    names = [s.name for s in sections if s.state == state]
    shown = ", ".join(md_code(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _cut_note(sections: Sequence[MarkdownSection], rows_cut: int, limit: int, see_all: str) -> str:
    cuts: list[str] = []
    if any(s.state == "compact" for s in sections):
        cuts.append(f"HTML diffs left out for {_names(sections, 'compact')}")
    if any(s.state == "omitted" for s in sections):
        cuts.append(f"details left out for {_names(sections, 'omitted')}")
    if rows_cut:
        cuts.append(f"{plural(rows_cut, 'table row')} left out")
    if not cuts:
        return ""
    return (
        f"> [!NOTE]\n> Shortened to stay under {limit:,} characters: {'; '.join(cuts)}.\n"
        f"> See everything with {see_all}."
    )


def fit_markdown(
    *,
    head: str,
    table: Sequence[str],
    sections: Sequence[MarkdownSection],
    footer: str,
    limit: int,
    see_all: str,
) -> str:
    """Join the parts with blank lines, cutting detail until the result has at most ``limit``
    characters, and say what was cut in a note under the table.

    The order of cuts: the diffs of the largest section first, section by section; then
    whole sections, largest first; then table rows from the end (``table`` is a header of
    two lines and one row per tenant). ``head`` (with the marker) is never cut; a limit too
    small even for the head, the table header and the note gets a hard cut at ``limit``.
    Sizes are kept as running totals, so fitting stays fast with thousands of tenants.
    """
    current = list(sections)
    rows = list(table)

    def note() -> str:
        return _cut_note(current, len(table) - len(rows), limit, see_all)

    def part(text: str) -> int:  # a part's share of the document: "\n\n" before it
        return 2 + len(text) if text else 0

    fixed = len(head) + part(footer) + 1  # the document ends with a newline
    sections_size = sum(part(s.text) for s in current)
    table_size = part("\n".join(rows))

    def size() -> int:
        return fixed + table_size + part(note()) + sections_size

    def shrink(states: set[str], to: Literal["compact", "omitted"]) -> bool:
        """Move the largest section in one of ``states`` to ``to``; False if none is left."""
        nonlocal sections_size
        candidates = [
            i
            for i, s in enumerate(current)
            if s.state in states and (to == "omitted" or s.compact != s.full)
        ]
        if not candidates:
            return False
        largest = max(candidates, key=lambda i: (len(current[i].text), i))
        sections_size -= part(current[largest].text)
        current[largest] = replace(current[largest], state=to)
        sections_size += part(current[largest].text)
        return True

    def drop_rows() -> bool:
        """Drop rows from the end, as many as the excess needs; keep the header."""
        nonlocal table_size
        excess = size() - limit
        dropped = False
        while len(rows) > 2 and excess > 0:
            excess -= len(rows.pop()) + 1
            dropped = True
        table_size = part("\n".join(rows))
        return dropped

    steps: list[Callable[[], bool]] = [
        lambda: shrink({"full"}, "compact"),
        lambda: shrink({"full", "compact"}, "omitted"),
        drop_rows,
    ]
    for step in steps:
        while size() > limit and step():
            pass
    parts = [head, "\n".join(rows), note(), *(s.text for s in current), footer]
    document = "\n\n".join(p for p in parts if p) + "\n"
    return document if len(document) <= limit else document[: limit - 1] + "\n"


# -- Markdown: the plan --------------------------------------------------------------------


def _content_markdown(change: Change, *, with_diff: bool) -> list[str]:
    """A created or deleted partial: its switch buttons as a list, other HTML in a fence."""
    markup = (change.after if change.action == "create" else change.before) or ""
    items = parse_items(markup)
    buttons = [describe_button(i) for i in items if isinstance(i, SwitchButton)]
    if len(buttons) == len(items):
        return ["\n".join(f"- {md_code(line)}" for line in buttons)] if buttons else []
    if with_diff:
        sign = SYMBOLS[change.action]
        return [md_fence([f"{sign} {line}" for line in content_lines(markup)], "diff")]
    lines = content_lines(markup)
    listed = "\n".join(f"- {md_code(line)}" for line in buttons)
    left_out = f"_HTML left out ({plural(len(lines) - len(buttons), 'line')})._"
    return [listed, left_out] if listed else [left_out]


def _change_markdown(change: Change, *, with_diff: bool) -> list[str]:
    address = md_code(f"{change.screen}/{change.insertion_point}")
    head = f"**{SYMBOLS[change.action]} {change.action}** {address}"
    if change.action != "update":
        return [head, *_content_markdown(change, with_diff=with_diff)]
    if change.details:
        return [head, "\n".join(f"- {md_code(line)}" for line in change.details)]
    lines = change_lines(change)
    if with_diff:
        return [head, md_fence(lines, "diff")]
    return [head, f"_HTML diff left out ({plural(len(lines), 'line')})._"]


def _prompt_markdown(prompt: PromptPlan, *, with_diff: bool) -> list[str]:
    blocks = [f"#### {md_code(prompt.prompt)}: {_counts(prompt.changes)}"]
    for change in prompt.changes:
        blocks.extend(_change_markdown(change, with_diff=with_diff))
    if prompt.unmanaged:
        blocks.append(
            "\n".join(
                f"- preserved, not managed: {md_code(f'{u.screen}/{u.insertion_point}')}"
                f" ({plural(u.length, 'char')})"
                for u in prompt.unmanaged
            )
        )
    return blocks


def _tenant_summary(tenant: TenantPlan) -> str:
    name = f"<b>{md_html(tenant.tenant)}</b> ({md_html(tenant.domain)})"
    if tenant.error is not None:
        return f"{name}: could not be planned"
    prompts = len(tenant.prompts_to_write)
    if not prompts:
        return f"{name}: no changes"
    return f"{name}: {_counts(tenant.changes)} in {plural(prompts, 'prompt')}"


def _tenant_markdown(tenant: TenantPlan, *, with_diff: bool) -> str:
    body = [f"File: {md_code(tenant.source)}"]
    if tenant.error is not None:
        body.append(md_fence(tenant.error.splitlines()))
    for prompt in tenant.prompts:
        if prompt.changes or prompt.unmanaged:
            body.extend(_prompt_markdown(prompt, with_diff=with_diff))
    quiet = [p.prompt for p in tenant.prompts if not p.changes and not p.unmanaged]
    if quiet:
        body.append("No changes: " + ", ".join(md_code(p) for p in quiet) + ".")
    return md_details(_tenant_summary(tenant), body)


def _tenant_row(tenant: TenantPlan) -> str:
    name = md_code(tenant.tenant, in_table=True)
    if tenant.error is not None:
        status = f"⚠️ could not be planned: {md_code(tenant.error, in_table=True)}"
        return md_row([name, "—", "—", "—", "—", status])
    actions = [c.action for c in tenant.changes]
    counts = [str(actions.count(a)) for a in ("create", "update", "delete")]
    prompts = str(len(tenant.prompts_to_write))
    return md_row([name, prompts, *counts, "changes" if actions else "no changes"])


def _plan_section(tenant: TenantPlan) -> MarkdownSection | None:
    if tenant.error is None and not any(p.changes or p.unmanaged for p in tenant.prompts):
        return None
    full = _tenant_markdown(tenant, with_diff=True)
    compact = _tenant_markdown(tenant, with_diff=False)
    return MarkdownSection(tenant.tenant, full, compact)


def plan_markdown(plan: Plan, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """One pull-request comment of at most ``limit`` characters, starting with
    ``PLAN_MARKER``: a summary table, then a collapsed section per tenant that has changes,
    unmanaged partials or an error. Tenants without any of these appear only in the table."""
    head = [PLAN_MARKER, "### auth0-partials plan", f"**{summary_line(plan.summary)}**"]
    if plan.targets:
        head.append("Targets: " + ", ".join(md_code(t) for t in plan.targets))
    table = [
        "| tenant | prompts changing | creates | updates | deletes | status |",
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


# -- JSON and dispatch ---------------------------------------------------------------------


def plan_json(plan: Plan) -> str:
    """The plan's JSON form, as saved by ``plan --out`` (see schemas/plan.schema.json)."""
    return json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_plan(plan: Plan, fmt: Format, *, color: bool = False) -> str:
    """The plan in one of the output formats; ``color`` applies to text only."""
    if fmt == "text":
        return plan_text(plan, color=color)
    if fmt == "markdown":
        return plan_markdown(plan)
    if fmt == "json":
        return plan_json(plan)
    raise ValueError(f"unknown output format {fmt!r}")
