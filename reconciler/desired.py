"""The documents a tenant file wants, in the shape the diff compares: one per document key.

A ``DesiredDocument`` holds, per ``(screen, slot)`` the file declares, the text the slot must
hold (``""`` where the file declares it empty), the items it was rendered from (partials), and
what else the file owns: every slot of an ``exclusive`` screen or document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.catalog import prompt_spec
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
    screen_order: tuple[str, ...] = ()
    slot_order: tuple[str, ...] = ()
    """The catalogue's order, for stable listings."""

    def owns(self, screen: str, slot: str) -> bool:
        return self.exclusive or screen in self.exclusive_screens or (screen, slot) in self.entries


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


def desired_documents(config: TenantConfig) -> tuple[DesiredDocument, ...]:
    """Every document the file manages, in the file's order."""
    return tuple(partials_document(config, prompt) for prompt in config.prompts)
