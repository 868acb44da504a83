"""Read partials the way a browser would: canonical spelling, equivalence, switch buttons.

``canonical(html)`` spells a partial so that two partials a browser (and Liquid) treats alike get
the same spelling. It is a comparison key, never sent to Auth0. The rules:

- Tags and attribute names are lower case; attributes are sorted by name (stable, so duplicates
  keep their order), always double-quoted, entities re-escaped one way; ``x=""`` and a bare ``x``
  are one attribute. Attributes are *not* sorted when a name holds Liquid (``{%``/``{{``), since
  their order then carries meaning.
- ``<input/>`` and ``<input>`` are one tag (void elements); other ``<x/>`` keep their slash.
- Text: entities are decoded then re-escaped one way. Whitespace is spelled as a browser shows
  it (``_normalize_whitespace``): a run between two things shown on one line becomes one space
  (``<b>a</b> <i>b</i>`` shows "a b" and differs from ``<b>a</b><i>b</i>``); a run next to a
  block's edge (``<div>``, ``<form>``, ``<br>``...), at the start or end of the partial or of a
  button's content, or after another shown run, disappears; hidden inputs, comments and scripts
  are transparent to it. Liquid string literals keep their whitespace. Text in ``<pre>`` and
  ``<textarea>`` keeps its whitespace; text in ``<script>``/``<style>`` is kept verbatim.
- A ``<button>`` whose only content is text, or one attribute-less ``<span>`` holding only text,
  is spelled with the text directly, trimmed (the two render alike).
- Enumerated attribute values compare ASCII case-insensitively: ``form method``, ``input type``,
  ``button type``. Every other attribute value and all text compare exactly.
- Liquid stays literal, except that the padding just inside ``{{ }}`` and ``{% %}`` is spelled one
  way (``{{state}}`` equals ``{{ state }}``; ``{{- x -}}`` keeps its whitespace control).
- Comments are kept, their whitespace collapsed and trimmed; declarations and processing
  instructions are kept as written.

``parse_items(html)`` splits a partial into the items a tenant file declares: each top-level
``<form>`` that is exactly a documented switch form becomes a ``SwitchButton``; everything else
becomes ``RawPartial`` text, kept as written. A form becomes a button only when rendering the
button again is ``equivalent`` to the form, so taking a partial apart never loses content, and
only when a tenant file could declare it (a valid connection name, a non-empty label, no Liquid
in the label or attributes).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from html.parser import HTMLParser
from typing import Literal

from reconciler.catalog import CONNECTION_NAME_PATTERN
from reconciler.model import Item, RawPartial, SwitchButton
from reconciler.render import render_items, render_switch_button

#: The characters HTML treats as whitespace (not Python's ``str.isspace``: no-break space is text).
HTML_WHITESPACE = " \t\n\r\f"

VOID_ELEMENTS: frozenset[str] = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
_VERBATIM_ELEMENTS = frozenset({"script", "style"})
_PREFORMATTED_ELEMENTS = frozenset({"pre", "textarea"})
_CASE_INSENSITIVE_VALUES = frozenset({("form", "method"), ("input", "type"), ("button", "type")})

_WHITESPACE_RUN = re.compile(r"[ \t\n\r\f]+")
_LIQUID = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.DOTALL)
_LIQUID_IN_NAME = re.compile(r"\{[{%]|[}%]\}")
_TRANSLATED_LABEL = re.compile(
    r"\{\{[ \t\n\r\f]*(prompt\.screen\.texts\.[A-Za-z0-9]+)[ \t\n\r\f]*\|[ \t\n\r\f]*default:"
    r'[ \t\n\r\f]*"(.*)"[ \t\n\r\f]*\}\}',
    re.DOTALL,
)
_STATE_VALUE = re.compile(r"\{\{[ \t\n\r\f]*state[ \t\n\r\f]*\}\}")
_CONNECTION_NAME = re.compile(CONNECTION_NAME_PATTERN)
_SPACES = tuple(HTML_WHITESPACE)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

TokenKind = Literal["start", "end", "text", "comment", "decl", "pi", "marked"]
Attrs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Token:
    """One thing html.parser saw, and where in the source it starts."""

    kind: TokenKind
    value: str
    offset: int
    attrs: Attrs = ()
    self_closing: bool = False
    verbatim: bool = False
    preformatted: bool = False


class _Tokenizer(HTMLParser):
    """html.parser, recording tokens with their source offsets instead of acting on them."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0, *(m.end() for m in re.finditer("\n", source))]
        self._verbatim_in: str | None = None
        self.tokens: list[_Token] = []

    def _emit(
        self,
        kind: TokenKind,
        value: str,
        attrs: list[tuple[str, str | None]] | None = None,
        *,
        self_closing: bool = False,
    ) -> None:
        line, column = self.getpos()
        self.tokens.append(
            _Token(
                kind,
                value,
                offset=self._line_starts[line - 1] + column,
                attrs=tuple((name, text or "") for name, text in attrs or ()),
                self_closing=self_closing,
                verbatim=kind == "text" and self._verbatim_in is not None,
            )
        )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._emit("start", tag, attrs)
        if tag in _VERBATIM_ELEMENTS:
            self._verbatim_in = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._emit("start", tag, attrs, self_closing=True)

    def handle_endtag(self, tag: str) -> None:
        self._emit("end", tag)
        if tag == self._verbatim_in:
            self._verbatim_in = None

    def handle_data(self, data: str) -> None:
        self._emit("text", data)

    def handle_comment(self, data: str) -> None:
        self._emit("comment", data)

    def handle_decl(self, decl: str) -> None:
        self._emit("decl", decl)

    def handle_pi(self, data: str) -> None:
        self._emit("pi", data)

    def unknown_decl(self, data: str) -> None:
        self._emit("marked", data)

    def parse_html_declaration(self, i: int) -> int:
        # html.parser raises AssertionError on some "<![" sections; a browser reads them as a
        # bogus comment, we read them as text (-1 makes goahead() hand them to handle_data).
        position = (self.lineno, self.offset)
        try:
            return super().parse_html_declaration(i)
        except AssertionError:
            self.lineno, self.offset = position
            return -1

    def finish(self) -> list[_Token]:
        self.close()
        if self.rawdata:  # an unclosed <script>/<style>: html.parser keeps its text back
            self._emit("text", self.rawdata)
        return self.tokens


def _tokenize(html: str) -> list[_Token]:
    """The source's tokens, adjacent text joined. Never raises."""
    try:
        parser = _Tokenizer(html)
        parser.feed(html)
        return _join_text(parser.finish())
    except Exception:  # html.parser is not meant to raise; if it does, compare as plain text
        return [_Token("text", html, 0)] if html else []


def _join_text(tokens: Sequence[_Token]) -> list[_Token]:
    joined: list[_Token] = []
    for token in tokens:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and token.kind == previous.kind == "text"
            and token.verbatim == previous.verbatim
        ):
            joined[-1] = replace(previous, value=previous.value + token.value)
        else:
            joined.append(token)
    return joined


# --- canonical ------------------------------------------------------------------------------


#: Canonical spellings and parsed items kept per process, by source text: a fleet's tenants
#: mostly share their partials, so each distinct partial is read once. Entries are small
#: (partials are a few kilobytes at most); the least recently used go first.
CACHE_SIZE = 1024


@functools.lru_cache(maxsize=CACHE_SIZE)
def canonical(html: str) -> str:
    """The canonical spelling of a partial (see the module docstring for the rules)."""
    tokens = _simplify_buttons(_normalize_whitespace(_tokenize(html)))
    return "".join(_spell(token) for token in tokens)


def equivalent(a: str, b: str) -> bool:
    """Whether two partials differ only in spelling, not in what they show or do."""
    return a == b or canonical(a) == canonical(b)


#: Elements whose boxes start and end lines: whitespace next to their tags is never shown.
BLOCK_ELEMENTS: frozenset[str] = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "caption", "col",
        "colgroup", "dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption",
        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header",
        "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "option", "p",
        "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title",
        "tr", "ul",
    }
)  # fmt: skip
#: Elements that render nothing: whitespace runs pass through them as if they were not there.
_INVISIBLE_ELEMENTS = frozenset({"base", "link", "meta", "script", "style", "template"})
#: Inline boxes with content of their own (an inline-block's inside is its own line).
_INLINE_BLOCKS = frozenset({"button", "select", "textarea"})
_REPLACED = frozenset({"img", "input", "svg", "video", "audio", "canvas", "iframe", "object"})
_LIQUID_BLOCK = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})", re.DOTALL)
_LIQUID_STRING = re.compile(r"(\"[^\"]*\"|'[^']*')")


def _collapse(text: str) -> str:
    """Runs of HTML whitespace as one space, except inside Liquid string literals."""
    parts = _LIQUID_BLOCK.split(text)
    for index, part in enumerate(parts):
        if index % 2 == 0:
            parts[index] = _WHITESPACE_RUN.sub(" ", part)
        else:
            pieces = _LIQUID_STRING.split(part)
            parts[index] = "".join(
                piece if i % 2 else _WHITESPACE_RUN.sub(" ", piece)
                for i, piece in enumerate(pieces)
            )
    return "".join(parts)


def _is_hidden_input(token: _Token) -> bool:
    if token.kind != "start" or token.value != "input":
        return False
    return any(n == "type" and v.translate(_ASCII_LOWER) == "hidden" for n, v in token.attrs)


def _role(token: _Token) -> str:
    """How a tag takes part in whitespace collapsing: ``boundary`` (block), ``content``
    (something shown), ``open``/``close`` (an inline-block: content outside, a line inside),
    ``transparent`` (renders nothing) or ``inline`` (a tag around content)."""
    if token.kind in ("comment", "decl", "pi", "marked") or token.verbatim:
        return "transparent"
    if token.kind not in ("start", "end"):
        return "inline"
    tag = token.value
    if tag in BLOCK_ELEMENTS:
        return "boundary"
    if tag in _INVISIBLE_ELEMENTS or _is_hidden_input(token):
        return "transparent"
    if tag in _INLINE_BLOCKS:
        return "open" if token.kind == "start" and not token.self_closing else "close"
    if tag in _REPLACED and token.kind == "start":
        return "content"
    return "inline"


def _normalize_whitespace(tokens: Sequence[_Token]) -> list[_Token]:
    """Whitespace as a browser shows it: a run between two things shown on one line becomes
    one space; a run next to a block's edge, a line's start or end, or another run already
    shown disappears. Text in ``<pre>``/``<textarea>`` and script/style text are kept."""
    out: list[_Token] = []
    pending: int | None = None  # where the first unshown whitespace since the last content is
    shown = False  # content since the last line boundary

    def content(offset: int) -> None:
        nonlocal pending, shown
        if pending is not None and shown:
            out.insert(pending, _Token("text", " ", offset))
        pending, shown = None, True

    def boundary() -> None:
        nonlocal pending, shown
        pending, shown = None, False

    preformatted_depth = 0
    for token in tokens:
        if token.value in _PREFORMATTED_ELEMENTS and token.kind in ("start", "end"):
            if _is_start(token, token.value):
                preformatted_depth += 1
            elif token.kind == "end" and preformatted_depth:
                preformatted_depth -= 1
        if token.kind == "text" and not token.verbatim:
            if preformatted_depth:
                content(token.offset)
                out.append(replace(token, preformatted=True))
                continue
            text = _collapse(token.value)
            core = text.strip(" ")
            if not core:
                if pending is None:
                    pending = len(out)
                continue
            if text.startswith(" ") and pending is None:
                pending = len(out)
            content(token.offset)
            out.append(replace(token, value=core))
            if text.endswith(" "):
                pending = len(out)
            continue
        role = _role(token)
        if role == "boundary":
            boundary()
        elif role == "content":
            content(token.offset)
        elif role == "open":
            content(token.offset)
            out.append(token)
            boundary()
            continue
        elif role == "close":
            boundary()
            out.append(token)
            content(token.offset)
            pending, shown = None, True
            continue
        out.append(token)
    return out


def _collapsible(token: _Token) -> bool:
    return token.kind == "text" and not token.verbatim and not token.preformatted


def _simplify_buttons(tokens: Sequence[_Token]) -> list[_Token]:
    """Spell ``<button><span>text</span></button>`` and ``<button> text </button>`` alike."""
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        out.append(tokens[i])
        lone = _lone_button_text(tokens, i + 1) if _is_start(tokens[i], "button") else None
        if lone is None:
            i += 1
            continue
        text, i = lone  # i is now the index of </button>
        if text is not None and text.value.strip(HTML_WHITESPACE):
            out.append(replace(text, value=text.value.strip(HTML_WHITESPACE)))
    return out


def _lone_button_text(tokens: Sequence[_Token], i: int) -> tuple[_Token | None, int] | None:
    """For button content starting at ``i`` that is only text, bare or in one plain span: the
    text (``None`` if empty) and the index of ``</button>``; ``None`` for any other content."""
    rest = tokens[i : i + 4]
    span = 1 if rest and _is_start(rest[0], "span") and not rest[0].attrs else 0
    text = rest[span] if len(rest) > span and _collapsible(rest[span]) else None
    closing_at = span + (text is not None)
    closing = ("span", "button") if span else ("button",)
    ends = rest[closing_at : closing_at + len(closing)]
    if len(ends) != len(closing):
        return None
    if not all(_is_end(token, tag) for token, tag in zip(ends, closing, strict=True)):
        return None
    return text, i + closing_at + span


def _is_start(token: _Token, tag: str) -> bool:
    return token.kind == "start" and token.value == tag and not token.self_closing


def _is_end(token: _Token, tag: str) -> bool:
    return token.kind == "end" and token.value == tag


def _spell(token: _Token) -> str:
    if token.kind == "start":
        slash = "/" if token.self_closing and token.value not in VOID_ELEMENTS else ""
        return f"<{token.value}{_spell_attrs(token.value, token.attrs)}{slash}>"
    if token.kind == "end":
        return f"</{token.value}>"
    if token.kind == "text":
        text = _normalize_liquid(token.value)
        return text if token.verbatim else escape(text, quote=False)
    if token.kind == "comment":
        text = _WHITESPACE_RUN.sub(" ", token.value).strip(HTML_WHITESPACE)
        return f"<!--{_normalize_liquid(text)}-->"
    if token.kind == "decl":
        return f"<!{token.value}>"
    if token.kind == "pi":
        return f"<?{token.value}>"
    return f"<![{token.value}{_marked_section_close(token.value)}"


def _marked_section_close(content: str) -> str:
    keyword = re.match(r"[a-zA-Z][-_.a-zA-Z0-9]*", content)
    return "]>" if keyword and keyword.group().lower() in {"if", "else", "endif"} else "]]>"


def _spell_attrs(tag: str, attrs: Attrs) -> str:
    ordered = attrs
    if not any(_LIQUID_IN_NAME.search(name) for name, _ in attrs):
        ordered = tuple(sorted(attrs, key=lambda attr: attr[0]))
    return "".join(_spell_attr(tag, name, value) for name, value in ordered)


def _spell_attr(tag: str, name: str, value: str) -> str:
    value = _normalize_liquid(value)
    if (tag, name) in _CASE_INSENSITIVE_VALUES:
        value = value.translate(_ASCII_LOWER)
    return f' {name}="{escape(value, quote=True)}"' if value else f" {name}"


def _normalize_liquid(text: str) -> str:
    if "{" not in text:
        return text
    return _LIQUID.sub(_spell_liquid, text)


def _spell_liquid(match: re.Match[str]) -> str:
    is_output = match.group(1) is not None
    content = match.group(1) if is_output else match.group(2)
    opening, closing = ("{{", "}}") if is_output else ("{%", "%}")
    trim_left = "-" if content.startswith("-") else ""
    content = content[len(trim_left) :]
    trim_right = "-" if content.endswith("-") else ""
    content = content[: len(content) - len(trim_right)]
    core = content.strip(HTML_WHITESPACE)
    return f"{opening}{trim_left} {core} {trim_right}{closing}"


# --- switch buttons -------------------------------------------------------------------------


def parse_items(html: str, text_keys: Mapping[str, str] | None = None) -> tuple[Item, ...]:
    """The items of a partial: switch forms as ``SwitchButton``, the rest as ``RawPartial``.

    A button whose label is a custom text variable with a fallback (``{{ prompt.screen.texts.
    varSwitchEmail | default: "..." }}``, as ``render`` writes translated buttons) is a button
    only when ``text_keys`` (reference -> custom text key, from the live custom text) knows the
    variable; its ``text_key`` is then set, its translations are the caller's to fill.

    Raw text is kept as written, trimmed of surrounding whitespace; whitespace-only stretches
    are dropped. ``render_items(parse_items(html))`` is always ``equivalent`` to ``html``.
    """
    return _parse_items(html, tuple(sorted((text_keys or {}).items())))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _parse_items(html: str, text_keys: tuple[tuple[str, str], ...]) -> tuple[Item, ...]:
    items: list[Item] = []
    cursor = 0
    for start, end, button in _switch_forms(html, _tokenize(html), dict(text_keys)):
        _append_raw(items, html[cursor:start])
        items.append(button)
        cursor = end
    _append_raw(items, html[cursor:])
    result = tuple(items)
    if not equivalent(render_items(result), html):  # a safety net: never lose content
        return _whole_as_raw(html)
    return result


def _append_raw(items: list[Item], text: str) -> None:
    stripped = text.strip(HTML_WHITESPACE)
    if stripped:
        items.append(RawPartial(stripped))


def _whole_as_raw(html: str) -> tuple[Item, ...]:
    stripped = html.strip(HTML_WHITESPACE)
    if not stripped:
        return ()
    return (RawPartial(stripped if equivalent(stripped, html) else html),)


def _switch_forms(
    html: str, tokens: Sequence[_Token], text_keys: Mapping[str, str]
) -> Iterator[tuple[int, int, SwitchButton]]:
    """``(start, end, button)`` for each top-level switch form, in source order."""
    open_elements: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not open_elements and _is_start(token, "form"):
            found = _switch_form_at(html, tokens, i, text_keys)
            if found is not None:
                end_index, start, end, button = found
                yield start, end, button
                i = end_index + 1
                continue
        _track_open_elements(open_elements, token)
        i += 1


def _track_open_elements(open_elements: list[str], token: _Token) -> None:
    if token.kind == "start" and not token.self_closing and token.value not in VOID_ELEMENTS:
        open_elements.append(token.value)
    elif token.kind == "end" and token.value in open_elements:
        del open_elements[len(open_elements) - 1 - open_elements[::-1].index(token.value) :]


def _switch_form_at(
    html: str, tokens: Sequence[_Token], i: int, text_keys: Mapping[str, str]
) -> tuple[int, int, int, SwitchButton] | None:
    end_index = next(
        (j for j in range(i + 1, len(tokens)) if _is_end(tokens[j], "form")),
        None,
    )
    if end_index is None:
        return None
    button = _switch_button(tokens[i : end_index + 1], text_keys)
    if button is None or not _separated(tokens, i, end_index):
        return None
    start = tokens[i].offset
    end = html.find(">", tokens[end_index].offset) + 1
    if not equivalent(render_switch_button(button), html[start:end]):
        return None
    return end_index, start, end, button


def _separated(tokens: Sequence[_Token], first: int, last: int) -> bool:
    """Whether text touching the form is parted from it by whitespace (items join with one)."""
    before = tokens[first - 1] if first > 0 else None
    after = tokens[last + 1] if last + 1 < len(tokens) else None
    if before is not None and before.kind == "text" and not before.value.endswith(_SPACES):
        return False
    return not (after is not None and after.kind == "text" and not after.value.startswith(_SPACES))


def _translated(label: str, text_keys: Mapping[str, str]) -> tuple[str, str] | None:
    """(custom text key, fallback label) of a translated label, when the variable is known."""
    match = _TRANSLATED_LABEL.fullmatch(label.strip(HTML_WHITESPACE))
    if match is None or match.group(1) not in text_keys:
        return None
    return text_keys[match.group(1)], match.group(2)


def _switch_button(form: Sequence[_Token], text_keys: Mapping[str, str]) -> SwitchButton | None:
    """The button a form's tokens spell, if they are exactly a documented switch form."""
    tokens = [t for t in form if t.kind != "text" or t.value.strip(HTML_WHITESPACE)]
    if len(tokens) < 6 or not _is_switch_form_tag(tokens[0]):
        return None
    state = _hidden_input_value(tokens[1], "state")
    if state is None or not _STATE_VALUE.fullmatch(state):
        return None
    connection = _hidden_input_value(tokens[2], "connection")
    if connection is None or not _CONNECTION_NAME.fullmatch(connection):
        return None
    attrs = _switch_button_attrs(tokens[3])
    label = _label(tokens[4:])
    if attrs is None or label is None or _has_liquid(*attrs.values()):
        return None
    text_key = None
    if _has_liquid(label):
        translated = _translated(label, text_keys)
        if translated is None or _has_liquid(translated[1]):
            return None
        text_key, label = translated
    return SwitchButton(
        connection=connection,
        label=label,
        id=attrs.get("id"),
        css_class=attrs.get("class"),
        style=attrs.get("style"),
        text_key=text_key,
    )


def _has_liquid(*texts: str) -> bool:
    """Liquid in a label or attribute: a tenant file must declare such a button as raw."""
    return any("{{" in text or "{%" in text for text in texts)


def _attr_map(token: _Token) -> dict[str, str] | None:
    """A tag's attributes by name; ``None`` when a name repeats."""
    names = [name for name, _ in token.attrs]
    return dict(token.attrs) if len(set(names)) == len(names) else None


def _is_switch_form_tag(token: _Token) -> bool:
    attrs = _attr_map(token) if _is_start(token, "form") else None
    return (
        attrs is not None
        and set(attrs) == {"method", "data-form-secondary"}
        and attrs["method"].translate(_ASCII_LOWER) == "post"
        and attrs["data-form-secondary"] == "true"
    )


def _hidden_input_value(token: _Token, name: str) -> str | None:
    if token.kind != "start" or token.value != "input":
        return None
    attrs = _attr_map(token)
    if attrs is None or set(attrs) != {"type", "name", "value"}:
        return None
    if attrs["type"].translate(_ASCII_LOWER) != "hidden" or attrs["name"] != name:
        return None
    return attrs["value"]


_BUTTON_REQUIRED = frozenset({"type", "data-action-button-secondary"})
_BUTTON_OPTIONAL = frozenset({"id", "class", "style"})


def _switch_button_attrs(token: _Token) -> dict[str, str] | None:
    attrs = _attr_map(token) if _is_start(token, "button") else None
    if attrs is None or not _BUTTON_REQUIRED <= set(attrs) <= _BUTTON_REQUIRED | _BUTTON_OPTIONAL:
        return None
    if attrs["type"].translate(_ASCII_LOWER) != "submit":
        return None
    return attrs if attrs["data-action-button-secondary"] == "true" else None


def _label(tokens: Sequence[_Token]) -> str | None:
    """The label in ``<span>text</span></button></form>`` or ``text</button></form>``.

    A label in a span is taken exactly; bare button text is trimmed (both render alike). An
    empty label is no button: a tenant file could not declare it.
    """
    if len(tokens) not in (3, 5) or not _is_end(tokens[-2], "button"):
        return None
    in_span = len(tokens) == 5
    label = tokens[1] if in_span else tokens[0]
    if not _is_end(tokens[-1], "form") or label.kind != "text":
        return None
    if in_span and not (_is_start(tokens[0], "span") and not tokens[0].attrs):
        return None
    if in_span and not _is_end(tokens[2], "span"):
        return None
    text = label.value if in_span else label.value.strip(HTML_WHITESPACE)
    return text if text.strip(HTML_WHITESPACE) else None
