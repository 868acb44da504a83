"""Terminal text shared by every report: untrusted text made safe, colour, HTML as lines.

Anything that comes from a tenant file or a tenant (names, labels, HTML, error text) is treated
as untrusted: control and bidi-override characters are made visible, so live content can neither
drive a terminal nor reorder what a reviewer reads.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import click

from reconciler.buttons import describe_button
from reconciler.markup import parse_items
from reconciler.model import SwitchButton

_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def sanitize(text: str) -> str:
    """``text`` with control and bidi-override characters spelled as escapes (``\\x1b``)."""

    def visible(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVISIBLE.sub(visible, text)


def one_line(text: str) -> str:
    """Sanitized, with line breaks (and the indentation after them) folded into one blank,
    for places that hold a single line."""
    return sanitize(re.sub(r"[ \t]*\r?\n\s*", " ", text))


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def indented(lines: Iterable[str], indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}{line}" if line else "" for line in lines]


Style = Literal["bold", "create", "update", "delete", "hunk", "dim", "error", "warning"]

_STYLES: dict[Style, dict[str, object]] = {
    "bold": {"bold": True},
    "create": {"fg": "green"},
    "update": {"fg": "yellow"},
    "delete": {"fg": "red"},
    "hunk": {"fg": "cyan"},
    "dim": {"dim": True},
    "error": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow", "bold": True},
}


@dataclass(frozen=True)
class Palette:
    """Colours text with ``click.style`` when ``color`` is set; otherwise leaves it alone."""

    color: bool = False

    def __call__(self, text: str, style: Style) -> str:
        if not self.color or not text:
            return text
        return click.style(text, **_STYLES[style])  # type: ignore[arg-type]

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


# --- HTML as lines ----------------------------------------------------------------------------

_BETWEEN_TAGS = re.compile(r">[ \t]*<")


def split_tags(markup: str) -> list[str]:
    """HTML as lines, one tag per line where tags touch, so diffs of one-line partials are
    readable. For display only: blanks between adjacent tags are dropped."""
    return _BETWEEN_TAGS.sub(">\n<", markup).splitlines()


def text_diff(before: str, after: str) -> list[str]:
    """A unified diff of two texts (partials split at tag boundaries), live first."""
    old, new = split_tags(before), split_tags(after)
    if old == new:  # the difference is in the blanks split_tags drops
        old, new = before.splitlines(), after.splitlines()
    lines = list(difflib.unified_diff(old, new, "live", "planned", lineterm="", n=2))
    return lines or [f"(they differ only in blanks: {before!r} → {after!r})"]


def content_lines(markup: str) -> list[str]:
    """What a partial holds: one summary line per switch button, other HTML as lines."""
    lines: list[str] = []
    for item in parse_items(markup):
        if isinstance(item, SwitchButton):
            lines.append(describe_button(item))
        else:
            lines.extend(split_tags(item.html))
    return lines
