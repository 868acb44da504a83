"""``import --update``: fold a tenant's live partials back into its existing tenant file.

The fold edits the file's text in place, never re-dumping it, so everything it does not need to
change survives byte for byte: comments anywhere, key order, blank lines, scalar styles
(``raw: |`` stays ``raw: |``). Ownership never narrows:

- every insertion point the file declares stays declared: its list is replaced by what is live,
  item by item (an item that did not change keeps its text, comments included), and a point
  that is empty live becomes ``[]``, still owned;
- ``exclusive`` flags stay; live content at points an exclusive screen or prompt owns is added;
- live content at points the file does not declare is *not adopted* (listed) unless ``adopt``;
- content a tenant file cannot declare (a ``<form>`` inside the page's main form, a screen or
  insertion point the catalogue lacks) is listed as not adopted, never written.

The result is checked before it is returned: it loads as a tenant file, and planning it against
the same live documents changes nothing the file owns.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.catalog import PromptSpec, prompt_spec
from reconciler.config import parse_tenant
from reconciler.desired import desired_documents
from reconciler.diff import diff_document
from reconciler.documents import Document, DocumentKey
from reconciler.errors import ConfigError
from reconciler.importer import INDENT, NotAdopted, declarable, item_lines, live_items
from reconciler.markup import canonical, equivalent
from reconciler.model import DesiredPrompt, Item, SwitchButton, TenantConfig
from reconciler.render import render_item, render_items
from reconciler.yamlsource import LocatingLoader

_HINT = "the file's layout is one the fold cannot edit safely; run import and merge by hand"


@dataclass(frozen=True)
class FoldResult:
    text: str
    updated: tuple[str, ...]
    """Insertion points whose items changed (``prompt/screen/point``)."""
    adopted: tuple[str, ...]
    """Insertion points added to the file."""
    not_adopted: tuple[NotAdopted, ...]


@dataclass(frozen=True)
class _Edit:
    """Replace lines ``[start, end)`` of the file with ``lines``."""

    start: int
    end: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Declared:
    """Where the file declares one insertion point."""

    screen: str
    point: str
    node: SequenceNode
    key_line: int


class _Lines:
    """The file's lines, and what a node's span is in lines."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")

    def indent(self, index: int) -> int:
        line = self.lines[index]
        return len(line) - len(line.lstrip(" "))

    def blank(self, index: int) -> bool:
        return not self.lines[index].strip()

    def block_end(self, first: int, column: int) -> int:
        """The line after a block whose lines are indented more than ``column``, starting at
        ``first``: trailing blank lines and comments at ``column`` or less are not part of it."""
        last = first
        for index in range(first + 1, len(self.lines)):
            if self.blank(index):
                continue
            if self.indent(index) <= column:
                break
            last = index
        return last + 1


def _children(node: MappingNode) -> Iterator[tuple[str, Node, ScalarNode]]:
    for key, value in node.value:
        if isinstance(key, ScalarNode):
            yield str(key.value), value, key


def _declared(spec: PromptSpec, body: Node, key_line: int) -> Iterator[_Declared]:
    """Each insertion point a prompt's YAML declares, following the loader's shorthands."""
    if isinstance(body, SequenceNode):
        if spec.default_screen and spec.default_insertion_point:
            yield _Declared(spec.default_screen, spec.default_insertion_point, body, key_line)
        return
    if not isinstance(body, MappingNode):
        return
    for key, value, key_node in _children(body):
        line = key_node.start_mark.line
        if key in spec.screens:
            if isinstance(value, SequenceNode) and spec.default_insertion_point:
                yield _Declared(key, spec.default_insertion_point, value, line)
            elif isinstance(value, MappingNode):
                for point, items, point_key in _children(value):
                    if point in spec.insertion_points and isinstance(items, SequenceNode):
                        yield _Declared(key, point, items, point_key.start_mark.line)
        elif (
            spec.default_screen and key in spec.insertion_points and isinstance(value, SequenceNode)
        ):
            yield _Declared(spec.default_screen, key, value, line)


def _keys(items: Sequence[Item]) -> list[str]:
    """What must match for an item to keep its text: its spelling and its translations."""
    return [
        canonical(render_item(i)) + (repr(i.translations) if isinstance(i, SwitchButton) else "")
        for i in items
    ]


def _list_edit(
    lines: _Lines,
    declared: _Declared,
    old_keys: Sequence[str],
    new: Sequence[Item],
    new_keys: Sequence[str],
) -> _Edit:
    """The edit that makes ``declared``'s list hold ``new``; items equal to old ones keep their
    text (found with ``difflib`` on their ``_keys``: ``old_keys`` of the old items, ``new_keys``
    of ``new``)."""
    node = declared.node
    if node.flow_style or not node.value:
        key_line = node.start_mark.line  # the flow list starts on its key's line
        column = lines.indent(key_line) + INDENT
        before = lines.lines[key_line][: node.start_mark.column].rstrip()
        after = lines.lines[node.end_mark.line][node.end_mark.column :]
        head = before + (f" {after.strip()}" if after.strip() else "")
        generated = [line for item in new for line in item_lines(item, column)]
        if not new:
            head = before + " []" + (f" {after.strip()}" if after.strip() else "")
        return _Edit(key_line, node.end_mark.line + 1, (head, *generated))
    starts = [item.start_mark.line for item in node.value]
    column = node.start_mark.column
    ends = [*starts[1:], lines.block_end(starts[-1], column)]
    spans = list(zip(starts, ends, strict=True))
    if not new:
        key_line = declared.key_line
        head = lines.lines[key_line].rstrip() + " []"
        return _Edit(key_line, ends[-1], (head, *lines.lines[key_line + 1 : starts[0]]))
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    body: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for start, end in spans[i1:i2]:
                body.extend(lines.lines[start:end])
        else:
            for item in new[j1:j2]:
                body.extend(item_lines(item, column))
    return _Edit(starts[0], ends[-1], tuple(body))


def _add_point(
    lines: _Lines,
    spec: PromptSpec,
    prompt_node: Node,
    screen: str,
    point: str,
    items: Sequence[Item],
) -> _Edit | None:
    """Lines that declare a new insertion point in a prompt's mapping (None: the prompt is a
    bare list, which cannot take another point without being rewritten)."""
    if not isinstance(prompt_node, MappingNode) or not prompt_node.value:
        return None
    children = {key: (value, key_node) for key, value, key_node in _children(prompt_node)}
    key_column = prompt_node.value[0][0].start_mark.column
    if screen in children and isinstance(children[screen][0], MappingNode):
        holder = children[screen][0]
        column = holder.value[0][0].start_mark.column
        at = lines.block_end(holder.start_mark.line, column - 1)
        new = [
            f"{' ' * column}{point}:",
            *(line for i in items for line in item_lines(i, column + INDENT)),
        ]
        return _Edit(at, at, tuple(new))
    if screen in children:
        return None  # a screen given as a bare list
    at = lines.block_end(prompt_node.start_mark.line, key_column - 1)
    if spec.default_screen == screen:
        new = [f"{' ' * key_column}{point}:"]
        new += [line for i in items for line in item_lines(i, key_column + INDENT)]
    else:
        inner = key_column + INDENT
        new = [f"{' ' * key_column}{screen}:", f"{' ' * inner}{point}:"]
        new += [line for i in items for line in item_lines(i, inner + INDENT)]
    return _Edit(at, at, tuple(new))


def _prompt_nodes(root: Node) -> dict[str, tuple[Node, int]]:
    """Each prompt's value node and its key's line."""
    if not isinstance(root, MappingNode):
        return {}
    for key, value, _ in _children(root):
        if key == "prompts" and isinstance(value, MappingNode):
            return {
                name: (body, key_node.start_mark.line) for name, body, key_node in _children(value)
            }
    return {}


def fold(
    text: str,
    config: TenantConfig,
    live: Mapping[DocumentKey, Document],
    *,
    adopt: bool = False,
) -> FoldResult:
    """``text`` (the file ``config`` was loaded from) with the live partials of ``live``'s
    prompts folded in. Raises ``ConfigError`` when the file cannot be edited safely."""
    try:
        root = yaml.compose(text, Loader=LocatingLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"the tenant file is not valid YAML: {exc}", hint=_HINT) from None
    nodes = _prompt_nodes(root) if root is not None else {}
    lines = _Lines(text)
    edits: list[_Edit] = []
    updated: list[str] = []
    adopted: list[str] = []
    not_adopted: list[NotAdopted] = []
    for prompt in config.prompts:
        key = DocumentKey.partials(prompt.name)
        if key not in live or prompt.name not in nodes:
            continue
        spec = prompt_spec(prompt.name, config.extra_prompts)
        assert spec is not None
        document = live[key]
        node, key_line = nodes[prompt.name]
        texts = [d for k, d in live.items() if k.kind == "custom-text" and k.prompt == prompt.name]
        result = _fold_prompt(lines, spec, prompt, node, key_line, document, texts, adopt)
        edits += result[0]
        updated += result[1]
        adopted += result[2]
        not_adopted += result[3]
    if not edits:
        return FoldResult(text, (), (), tuple(not_adopted))
    folded = lines.lines[:]
    crlf = "\r\n" in text  # new lines follow the file's line ends
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        folded[edit.start : edit.end] = [
            line + "\r" if crlf and not line.endswith("\r") else line for line in edit.lines
        ]
    result_text = "\n".join(folded)
    _check(result_text, config, live, not_adopted)
    return FoldResult(result_text, tuple(updated), tuple(adopted), tuple(not_adopted))


def _fold_prompt(
    lines: _Lines,
    spec: PromptSpec,
    prompt: DesiredPrompt,
    node: Node,
    key_line: int,
    document: Document,
    texts: Sequence[Document],
    adopt: bool,
) -> tuple[list[_Edit], list[str], list[str], list[NotAdopted]]:
    edits: list[_Edit] = []
    updated: list[str] = []
    adopted: list[str] = []
    left_out: list[NotAdopted] = []
    declared_items = {(s.name, p.name): p.items for s in prompt.screens for p in s.insertion_points}
    places = {(d.screen, d.point): d for d in _declared(spec, node, key_line)}
    for (screen, point), old in declared_items.items():
        address = f"{prompt.name}/{screen}/{point}"
        html = document.get(screen, point) or ""
        new = live_items(html, texts, screen)
        if (screen, point) not in places:
            continue
        old_keys, new_keys = _keys(old), _keys(new)
        if equivalent(render_items(old), html) and old_keys == new_keys:
            continue
        reason = declarable(point, new)
        if reason is not None:
            left_out.append(NotAdopted(address, len(html), reason + "; the file keeps its items"))
            continue
        edits.append(_list_edit(lines, places[(screen, point)], old_keys, new, new_keys))
        updated.append(address)
    exclusive = {s.name for s in prompt.screens if s.exclusive}
    for screen, points in document.screens.items():
        for point, html in points.items():
            if (screen, point) in declared_items or not html:
                continue
            address = f"{prompt.name}/{screen}/{point}"
            owned = prompt.exclusive or screen in exclusive
            if not (owned or adopt):
                left_out.append(NotAdopted(address, len(html), "the file does not declare it"))
                continue
            items = live_items(html, texts, screen)
            reason = declarable(point, items)
            if screen not in spec.screens or point not in spec.insertion_points:
                reason = "the catalogue does not know it (declare the prompt in extra_prompts)"
            edit = None if reason else _add_point(lines, spec, node, screen, point, items)
            if reason or edit is None:
                why = reason or "the prompt is written as a bare list; declare it by hand"
                left_out.append(NotAdopted(address, len(html), why))
                continue
            edits.append(edit)
            adopted.append(address)
    return edits, updated, adopted, left_out


def _check(
    text: str,
    before: TenantConfig,
    live: Mapping[DocumentKey, Document],
    not_adopted: Sequence[NotAdopted],
) -> None:
    """Refuse a fold whose result does not load, manages other prompts, or would still change
    what it owns on the next plan (except what it could not adopt)."""
    try:
        after = parse_tenant(text, Path(before.source), env="skip")
    except ConfigError as exc:
        raise ConfigError(
            f"folding produced a file that does not load:\n{exc}", hint=_HINT
        ) from None
    if [p.name for p in after.prompts] != [p.name for p in before.prompts]:
        raise ConfigError("folding changed which prompts the file manages", hint=_HINT)
    skipped = {n.address for n in not_adopted}
    for desired in desired_documents(after):
        if desired.key not in live:
            continue
        for change in diff_document(desired, live[desired.key]).changes:
            if f"{desired.key.prompt}/{change.screen}/{change.slot}" not in skipped:
                raise ConfigError(
                    f"folding left {change.address} different from the live tenant", hint=_HINT
                )
