"""Markdown for pull-request comments and issues: safe spans and blocks, and a fitter.

Untrusted text only ever appears inside code spans, fenced blocks or escaped HTML, so it cannot
break the comment's layout, inject HTML, or mention people. ``fit_markdown`` keeps a document
under a size limit (GitHub: 65,535 characters) by cutting detail and saying what it cut.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from reconciler.reports.text import one_line, plural, sanitize

#: GitHub's limit for the body of a comment or an issue, in characters.
GITHUB_COMMENT_LIMIT = 65_535


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


def md_list(lines: Iterable[str]) -> str:
    return "\n".join(f"- {md_code(line)}" for line in lines)


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
        cuts.append(f"diffs left out for {_names(sections, 'compact')}")
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
