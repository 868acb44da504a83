"""How previews are laid out: file names, the side-by-side page, the index. Pure functions.

A preview folder holds, per changed screen, ``TENANT/PROMPT/SCREEN.before.html`` and
``.after.html`` and, when a browser made images, ``.before.png``, ``.after.png`` and the
side-by-side ``SCREEN.png`` with the changed insertion points outlined; ``index.html`` links
them all. ``screen_file`` is the one spelling of these paths (the plan's Markdown links them).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

FileKind = Literal["before.html", "after.html", "before.png", "after.png", "png"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

BEFORE_COLOUR = "#d03c38"
AFTER_COLOUR = "#1f883d"


def _segment(name: str) -> str:
    safe = _UNSAFE.sub("_", name) or "_"
    return f"_{safe}" if safe.startswith(".") else safe


def screen_file(tenant: str, prompt: str, screen: str, kind: FileKind) -> str:
    """``TENANT/PROMPT/SCREEN.KIND``, relative to the preview folder, ``/``-separated."""
    return f"{_segment(tenant)}/{_segment(prompt)}/{_segment(screen)}.{kind}"


@dataclass(frozen=True)
class Box:
    """A rectangle on a page, in CSS pixels from the page's top left corner."""

    x: float
    y: float
    width: float
    height: float


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _outlines(boxes: Sequence[Box], colour: str) -> str:
    pad = 4
    return "".join(
        f'<div class="mark" style="left:{b.x - pad:.0f}px;top:{b.y - pad:.0f}px;'
        f"width:{b.width + 2 * pad:.0f}px;height:{max(b.height, 2) + 2 * pad:.0f}px;"
        f'border-color:{colour}"></div>'
        for b in boxes
    )


def compare_html(
    before: bytes,
    after: bytes,
    before_boxes: Sequence[Box],
    after_boxes: Sequence[Box],
    caption: str,
) -> str:
    """The side-by-side page: both screenshots at their natural size, the changed regions
    outlined (red before, green after), ``caption`` above them."""
    style = (
        "#compare{display:inline-block;padding:16px}body{margin:0;background:#fff;"
        "font:14px/1.4 -apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1e212a}"
        "h1{font-size:16px;margin:0 0 12px}"
        ".row{display:flex;gap:16px;align-items:flex-start}.side{flex:none}"
        ".label{font-weight:600;margin:0 0 6px}.shot{position:relative;border:1px solid #d0d7de}"
        ".shot img{display:block}.mark{position:absolute;border:3px solid;border-radius:4px;"
        "box-sizing:border-box}"
    )
    sides = (
        ("before (live)", before, before_boxes, BEFORE_COLOUR),
        ("after apply", after, after_boxes, AFTER_COLOUR),
    )
    columns = "".join(
        f'<div class="side"><p class="label" style="color:{colour}">{label}</p>'
        f'<div class="shot"><img alt="{label}" src="{_data_uri(png)}">'
        f"{_outlines(boxes, colour)}</div></div>"
        for label, png, boxes, colour in sides
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{style}</style></head>'
        f'<body><div id="compare"><h1>{escape(caption)}</h1><div class="row">{columns}</div>'
        "</div></body></html>"
    )


@dataclass(frozen=True)
class IndexEntry:
    """One screen in the index."""

    tenant: str
    prompt: str
    screen: str
    slots: tuple[str, ...]
    images: bool
    error: str | None = None


def _entry_html(entry: IndexEntry) -> str:
    def link(kind: FileKind, text: str) -> str:
        path = escape(screen_file(entry.tenant, entry.prompt, entry.screen, kind))
        return f'<a href="{path}">{text}</a>'

    head = (
        f"<h3>{escape(entry.prompt)} / {escape(entry.screen)}</h3>"
        f"<p>Changed: {escape(', '.join(entry.slots))}</p>"
    )
    if entry.error is not None:
        return f'<section>{head}<p class="error">{escape(entry.error)}</p></section>'
    links = f"{link('before.html', 'before (HTML)')} · {link('after.html', 'after (HTML)')}"
    if not entry.images:
        return f"<section>{head}<p>{links}</p></section>"
    image = escape(screen_file(entry.tenant, entry.prompt, entry.screen, "png"))
    links += f" · {link('before.png', 'before.png')} · {link('after.png', 'after.png')}"
    return (
        f'<section>{head}<p>{links}</p><a href="{image}"><img src="{image}"'
        f' alt="{escape(entry.screen)} before and after"></a></section>'
    )


def index_html(
    entries: Sequence[IndexEntry],
    notes: Mapping[str, Sequence[str]],
    *,
    images_hint: str | None = None,
) -> str:
    """The index page: per tenant, its notes and its screens."""
    style = (
        "body{margin:24px;font:15px/1.5 -apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
        "color:#1e212a}img{max-width:100%;border:1px solid #d0d7de}section{margin:0 0 32px}"
        ".note{color:#65676e}.error{color:#a42d29}"
    )
    body = ["<h1>auth0-partials: login pages before and after</h1>"]
    if images_hint:
        body.append(f'<p class="note">{escape(images_hint)}</p>')
    tenants = sorted({e.tenant for e in entries} | set(notes))
    if not tenants:
        body.append("<p>No screen changes.</p>")
    for tenant in tenants:
        body.append(f"<h2>{escape(tenant)}</h2>")
        body.extend(f'<p class="note">{escape(n)}</p>' for n in notes.get(tenant, ()))
        body.extend(_entry_html(e) for e in entries if e.tenant == tenant)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>auth0-partials previews</title>'
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>"
    )
