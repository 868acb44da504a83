"""The documents a tenant file wants, in the shape the diff compares: one per document key.

A ``DesiredDocument`` holds, per ``(screen, slot)`` the file declares, the text the slot must
hold (``""`` where the file declares it empty), the items it was rendered from (partials), and
what else the file owns: every slot of an ``exclusive`` screen or document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.catalog import SWITCH_TEXT_PREFIX, prompt_spec
from reconciler.documents import DocumentKey
from reconciler.model import DesiredPrompt, Item, TenantConfig
from reconciler.render import render_items

Slot = tuple[str, str]  # (screen, insertion point or text key)


@dataclass(frozen=True)
class DesiredDocument:
    """What one document must hold, as far as the tenant file owns it."""

    key: DocumentKey
    entries: Mapping[Slot, str]
    """Declared slots and their text; ``""``: declared empty, delete what is there."""
    items: Mapping[Slot, tuple[Item, ...]] = field(default_factory=dict)
    """The items each partial is rendered from (partials only)."""
    exclusive: bool = False
    """The file owns every slot of the document."""
    exclusive_screens: frozenset[str] = frozenset()
    """Screens the file owns every slot of."""
    namespace: str = ""
    namespace_screens: frozenset[str] = frozenset()
    """On these screens the file owns every slot whose name starts with ``namespace`` (the
    custom text variables this tool names), declared or not, so stale ones are removed."""
    screen_order: tuple[str, ...] = ()
    slot_order: tuple[str, ...] = ()
    """The catalogue's order, for stable listings."""

    def owns(self, screen: str, slot: str) -> bool:
        if self.exclusive or screen in self.exclusive_screens or (screen, slot) in self.entries:
            return True
        return (
            bool(self.namespace)
            and screen in self.namespace_screens
            and slot.startswith(self.namespace)
        )


def partials_document(config: TenantConfig, prompt: DesiredPrompt) -> DesiredDocument:
    """The partials a file declares for one prompt, rendered."""
    spec = prompt_spec(prompt.name, config.extra_prompts)
    points = {
        (screen.name, point.name): point.items
        for screen in prompt.screens
        for point in screen.insertion_points
    }
    screens = list(spec.screens) if spec else []
    screens += [s.name for s in prompt.screens if s.name not in screens]
    return DesiredDocument(
        key=DocumentKey.partials(prompt.name),
        entries={slot: render_items(items) for slot, items in points.items()},
        items=points,
        exclusive=prompt.exclusive,
        exclusive_screens=frozenset(s.name for s in prompt.screens if s.exclusive),
        screen_order=tuple(screens),
        slot_order=spec.insertion_points if spec else (),
    )


@dataclass(frozen=True)
class Locales:
    """The tenant's enabled languages (its ``enabled_locales``; the first is its default)."""

    enabled: tuple[str, ...] = ()


def uses_custom_text(config: TenantConfig) -> bool:
    """Whether the file translates labels or declares texts (then it manages custom text)."""
    return bool(config.languages())


def custom_text_documents(config: TenantConfig, locales: Locales | None) -> list[DesiredDocument]:
    """One document per prompt with translated content and per language: the file's languages
    and the tenant's enabled ones (so a label no longer translated into a language loses its
    stale text there)."""
    file_languages = config.languages()
    if not file_languages:
        return []
    languages = sorted(set(file_languages) | set(locales.enabled if locales else ()))
    documents = []
    for prompt in config.prompts:
        translated = [
            s for s in prompt.screens if s.texts or any(b.translations for b in s.buttons())
        ]
        if not translated:
            continue
        spec = prompt_spec(prompt.name, config.extra_prompts)
        for language in languages:
            entries: dict[Slot, str] = {}
            for screen in translated:
                for button in screen.buttons():
                    text = button.text(language)
                    if button.text_key is not None and text is not None:
                        entries[(screen.name, button.text_key)] = text
                for declared in screen.texts:
                    text = dict(declared.translations).get(language)
                    if text is not None:
                        entries[(screen.name, declared.key)] = text
            documents.append(
                DesiredDocument(
                    key=DocumentKey.custom_text(prompt.name, language),
                    entries=entries,
                    namespace=SWITCH_TEXT_PREFIX,
                    namespace_screens=frozenset(s.name for s in translated),
                    screen_order=spec.screens if spec else (),
                )
            )
    return documents


def desired_documents(
    config: TenantConfig, locales: Locales | None = None
) -> tuple[DesiredDocument, ...]:
    """Every document the file manages: each prompt's partials, and its custom text per
    language where it translates labels (``locales``: the tenant's, when known)."""
    partials = [partials_document(config, prompt) for prompt in config.prompts]
    return (*partials, *custom_text_documents(config, locales))
