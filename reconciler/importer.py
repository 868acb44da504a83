"""Live prompt documents -> tenant YAML, for ``auth0-partials import`` and for folding drift back.

The YAML is written by hand, not dumped, so that it reads like the documented tenant file
format: switch buttons as ``- switch: CONNECTION`` / ``label:``, other HTML as ``- raw: |-``
literal blocks, and the catalogue's shorthands (a one-screen prompt holding only
``form-footer-start`` is a plain list; a one-screen prompt lists its insertion points directly;
a screen holding only ``form-footer-start`` is a plain list). PyYAML only quotes scalars.

Output is deterministic: prompts sorted by name, screens and insertion points in catalogue order
(unknown ones after, sorted). Rendering each insertion point of the output with
``render_items`` gives HTML ``equivalent`` to the live partial.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import yaml

from reconciler.catalog import (
    DEFAULT_INSERTION_POINT,
    PROMPTS,
    STANDARD_INSERTION_POINTS,
    PromptSpec,
    prompt_spec,
)
from reconciler.errors import ConfigError
from reconciler.markup import parse_items
from reconciler.model import (
    DEFAULT_BUTTON_ID,
    DEFAULT_BUTTON_STYLE,
    Credentials,
    DesiredInsertionPoint,
    DesiredPrompt,
    DesiredScreen,
    Item,
    PromptDocument,
    RawPartial,
    SwitchButton,
)

INDENT = 2
_NO_WRAP = 1 << 30
_ItemValue = str | None


# --- items in the tenant-file syntax ---------------------------------------------------------


def item_to_data(item: Item) -> dict[str, _ItemValue]:
    """An item in the tenant-file syntax; id/class/style only where they differ from defaults."""
    if isinstance(item, RawPartial):
        return {"raw": item.html}
    data: dict[str, _ItemValue] = {"switch": item.connection, "label": item.label}
    if item.id != DEFAULT_BUTTON_ID:
        data["id"] = item.id
    if item.css_class is not None:
        data["class"] = item.css_class
    if item.style != DEFAULT_BUTTON_STYLE:
        data["style"] = item.style
    return data


def item_from_data(data: Mapping[str, object]) -> Item:
    """The item a tenant-file entry declares (no validation beyond its shape)."""
    if set(data) == {"raw"}:
        return RawPartial(_text(data, "raw"))
    if not {"switch", "label"} <= set(data) <= {"switch", "label", "id", "class", "style"}:
        raise ValueError(f"not an item: {dict(data)!r}")
    return SwitchButton(
        connection=_text(data, "switch"),
        label=_text(data, "label"),
        id=_optional_text(data, "id", DEFAULT_BUTTON_ID),
        css_class=_optional_text(data, "class", None),
        style=_optional_text(data, "style", DEFAULT_BUTTON_STYLE),
    )


def _text(data: Mapping[str, object], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string, not {value!r}")
    return value


def _optional_text(data: Mapping[str, object], key: str, default: str | None) -> str | None:
    return default if key not in data else None if data[key] is None else _text(data, key)


# --- documents -> desired values -------------------------------------------------------------


def prompt_from_document(document: PromptDocument, spec: PromptSpec | None = None) -> DesiredPrompt:
    """The desired prompt that reproduces a live document; empty partials are left out."""
    spec = spec or PROMPTS.get(document.prompt)
    screens = []
    for screen in _ordered(document.screens, spec.screens if spec else ()):
        partials = document.screens[screen]
        points = tuple(
            DesiredInsertionPoint(point, items)
            for point in _ordered(partials, spec.insertion_points if spec else ())
            if (items := parse_items(partials[point]))
        )
        if points:
            screens.append(DesiredScreen(screen, points))
    return DesiredPrompt(document.prompt, tuple(screens))


def _ordered(names: Iterable[str], known_order: Sequence[str]) -> list[str]:
    """``names`` in catalogue order, names the catalogue lacks after them, sorted."""
    present = set(names)
    return [n for n in known_order if n in present] + sorted(present - set(known_order))


# --- the import -------------------------------------------------------------------------------


def import_tenant_yaml(
    *,
    tenant: str,
    domain: str,
    credentials: Credentials,
    documents: Sequence[PromptDocument],
    schema_ref: str = "../schemas/tenant.schema.json",
) -> str:
    """A tenant file declaring exactly what the live ``documents`` hold."""
    _check_unique(documents)
    prompts = [
        prompt
        for document in sorted(documents, key=lambda d: d.prompt)
        if (prompt := prompt_from_document(document)).screens
    ]
    lines = [
        f"# yaml-language-server: $schema={schema_ref}",
        "# Imported from the live tenant by `auth0-partials import`; review before committing.",
        f"tenant: {_scalar(tenant)}",
        f"domain: {_scalar(domain)}",
        "credentials:",
        *_credentials_lines(credentials),
        *_extra_prompts_lines(prompts),
        *_prompts_section(prompts, {}),
    ]
    return "\n".join(lines) + "\n"


def _check_unique(documents: Sequence[PromptDocument]) -> None:
    names = [document.prompt for document in documents]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"more than one document for prompt(s) {', '.join(repeated)}")


def _credentials_lines(credentials: Credentials) -> list[str]:
    pad = " " * INDENT
    if credentials.kind == "token":
        if not credentials.token_env:
            raise ValueError("token credentials need token_env")
        pairs = [("token", credentials.token_env)]
    else:
        if not (credentials.client_id_env and credentials.client_secret_env):
            raise ValueError("client credentials need client_id_env and client_secret_env")
        pairs = [
            ("client_id", credentials.client_id_env),
            ("client_secret", credentials.client_secret_env),
        ]
    lines = [f"{pad}{key}: {_scalar('${' + env + '}')}" for key, env in pairs]
    if credentials.audience is not None:
        lines.append(f"{pad}audience: {_scalar(credentials.audience)}")
    return lines


def _extra_prompts_lines(prompts: Sequence[DesiredPrompt]) -> list[str]:
    """``extra_prompts`` declarations for prompts the catalogue lacks, so the file loads."""
    unknown = [prompt for prompt in prompts if prompt.name not in PROMPTS]
    if not unknown:
        return []
    lines = ["extra_prompts:"]
    pad = " " * INDENT
    for prompt in unknown:
        lines += [f"{pad}{_scalar(prompt.name)}:", f"{pad * 2}screens:"]
        lines += [f"{pad * 3}- {_scalar(screen.name)}" for screen in prompt.screens]
        points = {p.name for screen in prompt.screens for p in screen.insertion_points}
        if not points <= set(STANDARD_INSERTION_POINTS):
            lines.append(f"{pad * 2}insertion_points:")
            lines += [f"{pad * 3}- {_scalar(p)}" for p in _ordered(points, ())]
    return lines


def _prompts_section(
    prompts: Sequence[DesiredPrompt], extra: Mapping[str, PromptSpec], indent: int = INDENT
) -> list[str]:
    if not prompts:
        return ["prompts: {}"]
    lines = ["prompts:"]
    for prompt in prompts:
        lines += _prompt_lines(prompt, _spec_for(prompt, extra), indent)
    return lines


def _spec_for(prompt: DesiredPrompt, extra: Mapping[str, PromptSpec]) -> PromptSpec:
    """The prompt's spec; for an undeclared unknown prompt, the one the import declares."""
    known = prompt_spec(prompt.name, extra)
    return known or PromptSpec(prompt.name, tuple(screen.name for screen in prompt.screens))


# --- YAML for one prompt ---------------------------------------------------------------------


def _prompt_lines(prompt: DesiredPrompt, spec: PromptSpec, indent: int = 0) -> list[str]:
    """The YAML of one prompt under ``prompts:``, its key at column ``indent``."""
    head = f"{' ' * indent}{_scalar(prompt.name)}:"
    body = indent + INDENT
    only = prompt.screens[0] if len(prompt.screens) == 1 else None
    if only is None or only.exclusive or only.name != spec.default_screen:
        return [head, *_exclusive_line(prompt.exclusive, body), *_screens_lines(prompt, body)]
    if not prompt.exclusive and _is_default_point_only(only):
        return _points_lines([only.insertion_points[0]], indent, key=prompt.name)
    points = _points_lines(only.insertion_points, body)
    return [head, *_exclusive_line(prompt.exclusive, body), *points]


def _screens_lines(prompt: DesiredPrompt, indent: int) -> list[str]:
    lines: list[str] = []
    for screen in prompt.screens:
        if not screen.exclusive and _is_default_point_only(screen):
            lines += _points_lines([screen.insertion_points[0]], indent, key=screen.name)
            continue
        lines.append(f"{' ' * indent}{_scalar(screen.name)}:")
        lines += _exclusive_line(screen.exclusive, indent + INDENT)
        lines += _points_lines(screen.insertion_points, indent + INDENT)
    return lines


def _is_default_point_only(screen: DesiredScreen) -> bool:
    points = screen.insertion_points
    return len(points) == 1 and points[0].name == DEFAULT_INSERTION_POINT


def _exclusive_line(exclusive: bool, indent: int) -> list[str]:
    return [f"{' ' * indent}exclusive: true"] if exclusive else []


def _points_lines(
    points: Sequence[DesiredInsertionPoint], indent: int, key: str | None = None
) -> list[str]:
    """Each point as ``name:`` and its items; with ``key``, one point's items under ``key``."""
    lines: list[str] = []
    for point in points:
        name = point.name if key is None else key
        if not point.items:
            lines.append(f"{' ' * indent}{_scalar(name)}: []")
            continue
        lines.append(f"{' ' * indent}{_scalar(name)}:")
        for item in point.items:
            lines += _item_lines(item, indent + INDENT)
    return lines


def _item_lines(item: Item, indent: int) -> list[str]:
    lines: list[str] = []
    for key, value in item_to_data(item).items():
        prefix = " " * indent + ("- " if not lines else "  ") + f"{key}:"
        if key == "raw" and value is not None:
            block = _literal_block(value, indent + 2 * INDENT)
            lines += (
                [f"{prefix} {block[0]}", *block[1:]] if block else [f"{prefix} {_scalar(value)}"]
            )
        else:
            lines.append(f"{prefix} {_scalar(value)}")
    return lines


def _scalar(value: str | None) -> str:
    """``value`` as a one-line YAML scalar: plain where safe, else quoted."""
    if value is None:
        return "null"
    if "\n" not in value:
        dumped = yaml.safe_dump({"k": value}, allow_unicode=True, width=_NO_WRAP)
        if dumped.count("\n") == 1 and yaml.safe_load(dumped) == {"k": value}:
            return dumped[3:-1]
    quoted = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=_NO_WRAP)
    return quoted.rstrip("\n")


def _literal_block(text: str, indent: int) -> list[str] | None:
    """``|-`` and the lines of ``text`` as a literal block, or ``None`` when it cannot be one
    exactly (trailing spaces, leading spaces, characters YAML would rewrite)."""
    lines = text.split("\n")
    if any(line != line.rstrip(" \t") for line in lines) or lines[0][:1] in (" ", "\t"):
        return None
    block = ["|-", *((" " * indent + line) if line else "" for line in lines)]
    try:
        loaded = yaml.safe_load("k: " + "\n".join(block))
    except yaml.YAMLError:
        return None
    return block if loaded == {"k": text} else None


# --- folding drift back into a file ----------------------------------------------------------


def fold_prompts(existing_yaml: str, documents: Sequence[PromptDocument]) -> str:
    """``existing_yaml`` with the prompts of ``documents`` replaced by what they hold live.

    Every line before the top-level ``prompts:`` key, and every line after the prompts section
    (the next top-level key on, with the comments just before it), is kept byte for byte.
    Inside the section, when it is a block mapping, each prompt not in ``documents`` keeps its
    text as is, and a folded prompt keeps the comments just above it and its ``exclusive``
    flags (prompt and screen level) while its partials are re-imported; a folded prompt that is
    empty live and not exclusive is removed. Prompts new to the file are appended, sorted.
    A flow-style or empty ``prompts`` value is rewritten whole, other prompts re-emitted from
    their parsed data.
    """
    _check_unique(documents)
    layout = _Layout.of(existing_yaml)
    extra = _extra_specs(layout.data)
    folded = {document.prompt: document for document in documents}
    for name in folded:
        if prompt_spec(name, extra) is None:
            raise ConfigError(
                f"prompt {name!r} is not in the catalogue",
                hint="declare it under extra_prompts in the tenant file, then fold again",
            )
    existing = layout.prompt_data()
    replacement = {
        name: _folded_prompt(document, existing.get(name), extra)
        for name, document in folded.items()
    }
    text = layout.render(replacement, extra)
    _check_result(text, layout.data, set(folded))
    return text


@dataclass(frozen=True)
class _Block:
    """One prompt's lines in the existing file: comments above it, then its key and body."""

    name: str
    lead: int
    key: int
    end: int


@dataclass(frozen=True)
class _Layout:
    """Where the prompts section and each prompt sit in an existing tenant file."""

    lines: tuple[str, ...]
    data: Mapping[str, object]
    key: int | None  # line of `prompts:`; None when the file has none
    tail: int  # first line after the section
    blocks: tuple[_Block, ...]  # empty unless the section is a non-empty block mapping
    indent: int  # column of the prompt keys

    @classmethod
    def of(cls, text: str) -> _Layout:
        try:
            root = yaml.compose(text)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"the tenant file is not valid YAML: {exc}") from exc
        if re.search("\r(?!\n)|[\x85\u2028\u2029]", text):
            raise ConfigError(
                "the tenant file has line breaks other than \\n and \\r\\n",
                hint="convert its line endings to \\n, then fold again",
            )
        lines = _lines(text)
        if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
            raise ConfigError("the tenant file is not a mapping")
        keys = [pair[0] for pair in root.value]
        where = [
            i for i, k in enumerate(keys) if isinstance(k, yaml.ScalarNode) and k.value == "prompts"
        ]
        if not where:
            return cls(lines, data, None, len(lines), (), INDENT)
        key_node, value = root.value[where[0]]
        if key_node.start_mark.column != 0:
            raise ConfigError("cannot fold into a file whose top-level mapping is flow style")
        key = key_node.start_mark.line
        following = [k.start_mark.line for k in keys[where[0] + 1 :]]
        tail = _walk_back(lines, following[0] if following else len(lines), key + 1, 0)
        if not isinstance(value, yaml.MappingNode) or value.flow_style or not value.value:
            return cls(lines, data, key, tail, (), INDENT)
        indent = value.value[0][0].start_mark.column
        starts = [(str(k.value), k.start_mark.line) for k, _ in value.value]
        leads = [
            _walk_back(lines, line, previous + 1, indent)
            for (_, line), previous in zip(
                starts, [key] + [line for _, line in starts[:-1]], strict=True
            )
        ]
        ends = [*leads[1:], tail]
        blocks = tuple(
            _Block(name, lead, line, end)
            for (name, line), lead, end in zip(starts, leads, ends, strict=True)
        )
        return cls(lines, data, key, tail, blocks, indent)

    def prompt_data(self) -> dict[str, object]:
        prompts = self.data.get("prompts")
        return dict(prompts) if isinstance(prompts, dict) else {}

    def render(
        self, replacement: Mapping[str, DesiredPrompt | None], extra: Mapping[str, PromptSpec]
    ) -> str:
        lines = self.lines
        key = len(lines) if self.key is None else self.key
        head = "".join(lines[:key])
        if head and not head.endswith("\n"):
            head += "\n"
        body = self._section(replacement, extra)
        section = "".join(body)
        return head + section + "".join(lines[self.tail :])

    def _section(
        self, replacement: Mapping[str, DesiredPrompt | None], extra: Mapping[str, PromptSpec]
    ) -> list[str]:
        chunks: list[str] = []
        existing_names = [block.name for block in self.blocks] or list(self.prompt_data())
        for block_name in existing_names:
            chunks += self._existing_prompt(block_name, replacement, extra)
        for name in sorted(set(replacement) - set(existing_names)):
            prompt = replacement[name]
            if prompt is not None:
                chunks += _with_newlines(
                    _prompt_lines(prompt, _spec_for(prompt, extra), self.indent)
                )
        if not chunks:
            return ["prompts: {}\n"]
        if self.blocks:
            assert self.key is not None
            return [*self.lines[self.key : self.blocks[0].lead], *chunks]
        return ["prompts:\n", *chunks]

    def _existing_prompt(
        self,
        name: str,
        replacement: Mapping[str, DesiredPrompt | None],
        extra: Mapping[str, PromptSpec],
    ) -> list[str]:
        block = next((b for b in self.blocks if b.name == name), None)
        if name not in replacement:
            if block is not None:
                return _ensure_newline(list(self.lines[block.lead : block.end]))
            dumped = yaml.safe_dump(
                {name: self.prompt_data()[name]},
                sort_keys=False,
                allow_unicode=True,
                width=_NO_WRAP,
            )
            return [" " * self.indent + line for line in dumped.splitlines(keepends=True)]
        prompt = replacement[name]
        if prompt is None:
            return []
        lead = list(self.lines[block.lead : block.key]) if block else []
        return lead + _with_newlines(_prompt_lines(prompt, _spec_for(prompt, extra), self.indent))


def _lines(text: str) -> tuple[str, ...]:
    """The lines of ``text`` with their ``\\n``, split where YAML counts lines."""
    parts = text.split("\n")
    return tuple([part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else []))


def _walk_back(lines: Sequence[str], line: int, floor: int, max_indent: int) -> int:
    """Move ``line`` up over blank lines and comments indented at most ``max_indent``."""
    while line > floor:
        text = lines[line - 1]
        stripped = text.lstrip(" ")
        if stripped.strip() and not (
            stripped.startswith("#") and len(text) - len(stripped) <= max_indent
        ):
            break
        line -= 1
    return line


def _with_newlines(lines: Iterable[str]) -> list[str]:
    return [line + "\n" for line in lines]


def _ensure_newline(lines: list[str]) -> list[str]:
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _folded_prompt(
    document: PromptDocument, existing: object, extra: Mapping[str, PromptSpec]
) -> DesiredPrompt | None:
    """The re-imported prompt, keeping the file's ``exclusive`` flags; ``None``: drop it."""
    spec = prompt_spec(document.prompt, extra)
    prompt = prompt_from_document(document, spec)
    if not isinstance(existing, dict):
        return prompt if prompt.screens else None
    exclusive_screens = {
        str(key)
        for key, value in existing.items()
        if isinstance(value, dict) and value.get("exclusive") is True
    }
    screens = {screen.name: screen for screen in prompt.screens}
    for name in exclusive_screens:
        screens[name] = replace(screens.get(name, DesiredScreen(name, ())), exclusive=True)
    order = _ordered(screens, spec.screens if spec else ())
    prompt = replace(
        prompt,
        screens=tuple(screens[name] for name in order),
        exclusive=existing.get("exclusive") is True,
    )
    return prompt if prompt.screens or prompt.exclusive else None


def _extra_specs(data: Mapping[str, object]) -> dict[str, PromptSpec]:
    """The file's ``extra_prompts`` as specs (shapes the loader would reject are skipped)."""
    declared = data.get("extra_prompts")
    specs: dict[str, PromptSpec] = {}
    if not isinstance(declared, dict):
        return specs
    for name, body in declared.items():
        if not isinstance(body, dict) or not isinstance(body.get("screens"), list):
            continue
        points = body.get("insertion_points", list(STANDARD_INSERTION_POINTS))
        if isinstance(points, list):
            specs[str(name)] = PromptSpec(
                str(name), tuple(map(str, body["screens"])), tuple(map(str, points))
            )
    return specs


def _check_result(text: str, before: Mapping[str, object], folded: set[str]) -> None:
    """Refuse a result that does not parse, or that changed anything but the folded prompts."""
    hint = "the file's layout is one fold cannot edit safely; run import and merge by hand"
    try:
        after = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"folding produced invalid YAML ({exc})", hint=hint) from exc
    if not isinstance(after, dict):
        raise ConfigError("folding produced a file that is not a mapping", hint=hint)
    if _without_prompts(after) != _without_prompts(before) or _prompts_except(
        after, folded
    ) != _prompts_except(before, folded):
        raise ConfigError("folding changed more than the folded prompts", hint=hint)


def _without_prompts(data: Mapping[str, object]) -> dict[str, object]:
    return {key: value for key, value in data.items() if key != "prompts"}


def _prompts_except(data: Mapping[str, object], names: set[str]) -> dict[object, object]:
    prompts = data.get("prompts")
    if not isinstance(prompts, dict):
        return {}
    return {key: value for key, value in prompts.items() if key not in names}
