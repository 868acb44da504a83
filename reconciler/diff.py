"""Compare a desired document with the live one: ``Change`` values and the document to write.

Both sides are first projected to what the tenant file owns, each slot in its comparison
spelling (partials: ``markup.canonical``, so quoting, attribute order and entity spelling never
show up as changes; custom text: exactly as written). deepdiff compares the projections; its
output becomes ``Change`` values at once and goes no further than this module. For a partial
made only of switch buttons on both sides, the change carries the button-level changes
(``reconciler.buttons``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from deepdiff import DeepDiff

from reconciler.buttons import ButtonChange, compare_buttons, only_buttons
from reconciler.catalog import text_reference
from reconciler.desired import DesiredDocument, Slot
from reconciler.documents import Document, DocumentKey, DocumentKind
from reconciler.markup import canonical, parse_items
from reconciler.model import SwitchButton

Action = Literal["create", "update", "delete"]

#: How each kind of document spells a slot for comparison.
COMPARISON_SPELLING: Mapping[DocumentKind, Callable[[str], str]] = {
    "partials": canonical,
    "custom-text": lambda text: text,
}


@dataclass(frozen=True)
class Change:
    """One slot that apply will create, update or delete."""

    action: Action
    document: DocumentKey
    screen: str
    slot: str
    before: str | None
    after: str | None
    buttons: tuple[ButtonChange, ...] = ()
    """Button-level changes, when both sides of a partial are only switch buttons."""

    @property
    def address(self) -> str:
        return f"{self.document}/{self.screen}/{self.slot}"


@dataclass(frozen=True)
class Unmanaged:
    """Live content the tenant file does not own: preserved on every write."""

    document: DocumentKey
    screen: str
    slot: str
    length: int

    @property
    def address(self) -> str:
        return f"{self.document}/{self.screen}/{self.slot}"


@dataclass(frozen=True)
class DocumentDiff:
    changes: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...]
    merged: Document
    """The whole document to PUT: live content with the owned slots replaced."""


def _name(slot: Slot) -> str:
    return f"{slot[0]}\x1f{slot[1]}"


def _slot(name: str) -> Slot:
    screen, slot = name.split("\x1f", 1)
    return screen, slot


def _root_slots(diff: DeepDiff, report: str) -> Iterator[Slot]:
    for level in diff.tree.get(report, []):
        yield _slot(str(level.path(output_format="list")[0]))


def _buttons(desired: DesiredDocument, slot: Slot, live_text: str) -> tuple[ButtonChange, ...]:
    if desired.key.kind != "partials":
        return ()
    items = desired.items.get(slot, ())
    new = only_buttons(items)
    known = {
        text_reference(i.text_key): i.text_key
        for i in items
        if isinstance(i, SwitchButton) and i.text_key
    }
    old = only_buttons(parse_items(live_text, known))
    if new is None or old is None:
        return ()
    return compare_buttons(old, new)


def diff_document(desired: DesiredDocument, live: Document) -> DocumentDiff:
    """Changes that make ``live`` match ``desired``, and the merged document to write."""
    spell = COMPARISON_SPELLING[desired.key.kind]
    owned = set(desired.entries) | {
        (screen, slot)
        for screen, slots in live.screens.items()
        for slot in slots
        if desired.owns(screen, slot)
    }
    live_owned = {slot: text for slot in owned if (text := live.get(*slot))}
    wanted = {slot: desired.entries.get(slot, "") for slot in owned}

    def projection(values: Mapping[Slot, str]) -> dict[str, str]:
        return {_name(slot): spell(text) for slot, text in values.items() if text}

    comparison = DeepDiff(
        projection(live_owned),
        projection(wanted),
        view="tree",
        threshold_to_diff_deeper=0,  # always report per slot, never the whole map
    )
    key = desired.key
    changes = [
        *(
            Change("create", key, *slot, None, wanted[slot])
            for slot in _root_slots(comparison, "dictionary_item_added")
        ),
        *(
            Change("delete", key, *slot, live_owned[slot], None)
            for slot in _root_slots(comparison, "dictionary_item_removed")
        ),
        *(
            Change(
                "update",
                key,
                *slot,
                live_owned[slot],
                wanted[slot],
                _buttons(desired, slot, live_owned[slot]),
            )
            for slot in _root_slots(comparison, "values_changed")
        ),
    ]
    screen_rank = {name: i for i, name in enumerate(desired.screen_order)}
    slot_rank = {name: i for i, name in enumerate(desired.slot_order)}

    def rank(screen: str, slot: str) -> tuple[int, str, int, str]:
        return (screen_rank.get(screen, 999), screen, slot_rank.get(slot, 999), slot)

    changes.sort(key=lambda c: rank(c.screen, c.slot))
    unmanaged = sorted(
        (
            Unmanaged(key, screen, slot, len(text))
            for screen, slots in live.screens.items()
            for slot, text in slots.items()
            if (screen, slot) not in owned
        ),
        key=lambda u: rank(u.screen, u.slot),
    )
    merged = merge(live, wanted, spell)
    return DocumentDiff(tuple(changes), tuple(unmanaged), merged)


def merge(live: Document, owned: Mapping[Slot, str], spell: Callable[[str], str]) -> Document:
    """The live document with owned slots set as wanted; unowned bytes untouched.

    An owned slot that already holds equivalent text keeps its live spelling, so a write caused
    by another slot never rewrites it. Screens left empty are dropped, as Auth0 does.
    """
    screens: dict[str, dict[str, str]] = {s: dict(p) for s, p in live.screens.items()}
    for (screen, slot), text in sorted(owned.items()):
        current = screens.get(screen, {}).get(slot)
        if not text:
            screens.get(screen, {}).pop(slot, None)
        elif current is None or spell(current) != spell(text):
            screens.setdefault(screen, {})[slot] = text
    return Document(live.key, {s: p for s, p in screens.items() if p})
