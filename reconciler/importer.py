"""Live partials documents -> tenant-file YAML: a new file for ``auth0-partials import``, and
the items ``import --update`` (``reconciler.fold``) writes into an existing one.

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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import yaml

from reconciler.catalog import (
    DEFAULT_INSERTION_POINT,
    LANGUAGES,
    PROMPTS,
    STANDARD_INSERTION_POINTS,
    PromptSpec,
    prompt_spec,
    text_reference,
)
from reconciler.config.items import fallback_label, nests_form
from reconciler.documents import Document
from reconciler.markup import parse_items
from reconciler.model import (
    DEFAULT_BUTTON_ID,
    DEFAULT_BUTTON_STYLE,
    Credentials,
    DesiredInsertionPoint,
    DesiredPrompt,
    DesiredScreen,
    Item,
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


# --- documents -> desired values -------------------------------------------------------------


def declarable(point: str, items: Sequence[Item]) -> str | None:
    """Why ``items`` cannot be declared at ``point`` (``validate`` would refuse them), or None."""
    if any(nests_form(point, item) for item in items):
        return f"it holds a <form>, and {point} is inside the page's main form"
    return None


@dataclass(frozen=True)
class NotAdopted:
    """Live content an import leaves out of the file, and why."""

    address: str
    length: int
    reason: str

    def __str__(self) -> str:
        return f"not adopted: {self.address} ({self.length} chars): {self.reason}"


def text_keys_of(texts: Sequence[Document], screen: str) -> dict[str, str]:
    """Reference -> custom text key, for every variable the live custom text of ``screen``
    holds in any language (what ``parse_items`` needs to see translated buttons)."""
    return {text_reference(key): key for doc in texts for key in doc.screens.get(screen, {})}


def translate(items: Sequence[Item], texts: Sequence[Document], screen: str) -> tuple[Item, ...]:
    """Translated buttons with their label map read from the live custom text (``texts``, one
    document per language of the prompt)."""
    translated: list[Item] = []
    for item in items:
        if isinstance(item, SwitchButton) and item.text_key is not None:
            pairs = tuple(
                sorted(
                    (doc.key.language or "", text)
                    for doc in texts
                    if (text := doc.get(screen, item.text_key))
                )
            )
            item = replace(item, translations=pairs)
        translated.append(item)
    return tuple(translated)


def live_items(html: str, texts: Sequence[Document], screen: str) -> tuple[Item, ...]:
    """The items of a live partial of ``screen``, translated buttons with their label maps
    (``texts``: the prompt's live custom text documents)."""
    return translate(parse_items(html, text_keys_of(texts, screen)), texts, screen)


def prompt_from_document(
    document: Document, spec: PromptSpec | None = None, texts: Sequence[Document] = ()
) -> tuple[DesiredPrompt, list[NotAdopted]]:
    """The desired prompt that reproduces a live partials document (``texts``: the prompt's live
    custom text documents, for translated buttons), and the partials it cannot declare (they
    stay unmanaged). Empty partials are left out."""
    spec = spec or PROMPTS.get(document.key.prompt)
    screens = []
    left_out: list[NotAdopted] = []
    for screen in _ordered(document.screens, spec.screens if spec else ()):
        partials = document.screens[screen]
        points = []
        for point in _ordered(partials, spec.insertion_points if spec else ()):
            items = live_items(partials[point], texts, screen)
            reason = declarable(point, items)
            if reason is not None:
                address = f"{document.key}/{screen}/{point}"
                left_out.append(NotAdopted(address, len(partials[point]), reason))
            elif items:
                points.append(DesiredInsertionPoint(point, items))
        if points:
            screens.append(DesiredScreen(screen, tuple(points)))
    return DesiredPrompt(document.key.prompt, tuple(screens)), left_out


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
    documents: Sequence[Document],
    custom_domain: str | None = None,
    texts: Sequence[Document] = (),
    schema_ref: str = "../schemas/tenant.schema.json",
) -> tuple[str, list[NotAdopted]]:
    """A tenant file declaring what the live partials ``documents`` hold (with ``texts``, the
    live custom text, translated buttons become label maps), and what it leaves out because a
    tenant file cannot declare it."""
    _check_unique(documents)
    prompts: list[DesiredPrompt] = []
    left_out: list[NotAdopted] = []
    for document in sorted(documents, key=lambda d: d.key):
        own = [t for t in texts if t.key.prompt == document.key.prompt]
        prompt, skipped = prompt_from_document(document, texts=own)
        left_out += skipped
        if prompt.screens:
            prompts.append(prompt)
    lines = [
        f"# yaml-language-server: $schema={schema_ref}",
        "# Imported from the live tenant by `auth0-partials import`; review before committing.",
        f"tenant: {_scalar(tenant)}",
        f"domain: {_scalar(domain)}",
        *([f"custom_domain: {_scalar(custom_domain)}"] if custom_domain else []),
        *(
            [f"default_language: {_scalar(language)}"]
            if (language := default_language(prompts))
            else []
        ),
        "credentials:",
        *_credentials_lines(credentials),
        *_extra_prompts_lines(prompts),
        *_prompts_section(prompts, {}),
    ]
    return "\n".join(lines) + "\n", left_out


def default_language(prompts: Sequence[DesiredPrompt]) -> str | None:
    """The ``default_language`` that gives every translated button its live fallback label,
    when English (the default) does not and one language does."""
    buttons = [
        item
        for prompt in prompts
        for screen in prompt.screens
        for point in screen.insertion_points
        for item in point.items
        if isinstance(item, SwitchButton) and item.translations
    ]
    if all(fallback_label(b.translations, None) == b.label for b in buttons):
        return None
    for language in LANGUAGES:
        if all(fallback_label(b.translations, language) == b.label for b in buttons):
            return language
    return None


def _check_unique(documents: Sequence[Document]) -> None:
    names = [document.key for document in documents]
    repeated = sorted({str(name) for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"more than one document for {', '.join(repeated)}")


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
            lines += item_lines(item, indent + INDENT)
    return lines


def item_lines(item: Item, indent: int) -> list[str]:
    lines: list[str] = []
    for key, value in item_to_data(item).items():
        prefix = " " * indent + ("- " if not lines else "  ") + f"{key}:"
        if key == "label" and isinstance(item, SwitchButton) and item.translations:
            lines.append(prefix)
            pad = " " * (indent + 2 * INDENT)
            lines += [f"{pad}{language}: {_scalar(text)}" for language, text in item.translations]
        elif key == "raw" and value is not None:
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
    """``|`` (one final newline) or ``|-`` (none) and the lines of ``text`` as a literal block,
    or ``None`` when it cannot be one exactly (trailing spaces, leading spaces, characters YAML
    would rewrite)."""
    chomp, body = ("|", text[:-1]) if text.endswith("\n") else ("|-", text)
    lines = body.split("\n")
    if any(line != line.rstrip(" \t") for line in lines) or lines[0][:1] in (" ", "\t", ""):
        return None
    block = [chomp, *((" " * indent + line) if line else "" for line in lines)]
    try:
        loaded = yaml.safe_load("k: " + "\n".join(block) + "\n")
    except yaml.YAMLError:
        return None
    return block if loaded == {"k": text} else None
