"""What happened to the switch buttons at one insertion point, said once for every report.

``compare_buttons(old, new)`` aligns two lists of buttons by their target connection (a
button's identity: what it switches to) with ``difflib.SequenceMatcher``, the way ``diff``
aligns lines: buttons in the longest common order are *kept* (and may have changed
attributes); a button whose connection appears on both sides outside that order has *moved*;
the rest were *added* or *removed*. Inserting one button in front of two others is therefore one
``added`` change, not three changed positions.

``describe`` turns a ``ButtonChange`` into the one line every output format shows.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reconciler.model import Item, SwitchButton

ButtonChangeKind = Literal["added", "removed", "moved", "changed"]

#: The attributes of a button, in the order they are reported: (name, quoted when shown).
_FIELDS: tuple[tuple[str, bool], ...] = (
    ("label", True),
    ("id", False),
    ("class", True),
    ("style", True),
)


@dataclass(frozen=True)
class FieldChange:
    """One attribute of a button that differs: ``label 'A' → 'B'``."""

    name: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ButtonChange:
    """One button-level change. ``button`` is the new button (the old one when removed);
    positions count from 1 (``position`` in the new list, the old list when removed)."""

    kind: ButtonChangeKind
    button: SwitchButton
    position: int
    old_position: int | None = None
    fields: tuple[FieldChange, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "connection": self.button.connection,
            "label": self.button.label,
            "position": self.position,
            "old_position": self.old_position,
            "fields": [{"name": f.name, "before": f.before, "after": f.after} for f in self.fields],
            "text": describe(self),
        }


def _attribute(button: SwitchButton, name: str) -> str | None:
    return {
        "label": button.label,
        "id": button.id,
        "class": button.css_class,
        "style": button.style,
    }[name]


def field_changes(old: SwitchButton, new: SwitchButton) -> tuple[FieldChange, ...]:
    """The attributes that differ between two buttons with the same connection."""
    return tuple(
        FieldChange(name, _attribute(old, name), _attribute(new, name))
        for name, _ in _FIELDS
        if _attribute(old, name) != _attribute(new, name)
    )


def only_buttons(items: Sequence[Item]) -> tuple[SwitchButton, ...] | None:
    """The items as buttons, or None when any of them is raw HTML."""
    buttons = tuple(item for item in items if isinstance(item, SwitchButton))
    return buttons if len(buttons) == len(items) else None


def compare_buttons(
    old: Sequence[SwitchButton], new: Sequence[SwitchButton]
) -> tuple[ButtonChange, ...]:
    """The button-level changes that turn ``old`` into ``new``, in the new list's order
    (removed buttons last, in the old list's order)."""
    matcher = difflib.SequenceMatcher(
        None, [b.connection for b in old], [b.connection for b in new], autojunk=False
    )
    kept: dict[int, int] = {}  # new index -> old index, for buttons in the common order
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            kept.update(zip(range(j1, j2), range(i1, i2), strict=True))
    unmatched_old = [i for i in range(len(old)) if i not in kept.values()]
    moved: dict[int, int] = {}  # new index -> old index, same connection outside that order
    for j in (j for j in range(len(new)) if j not in kept):
        match = next((i for i in unmatched_old if old[i].connection == new[j].connection), None)
        if match is not None:
            moved[j] = match
            unmatched_old.remove(match)
    changes: list[ButtonChange] = []
    for j, button in enumerate(new):
        if j in kept:
            fields = field_changes(old[kept[j]], button)
            if fields:
                changes.append(ButtonChange("changed", button, j + 1, kept[j] + 1, fields))
        elif j in moved:
            fields = field_changes(old[moved[j]], button)
            changes.append(ButtonChange("moved", button, j + 1, moved[j] + 1, fields))
        else:
            changes.append(ButtonChange("added", button, j + 1))
    changes.extend(ButtonChange("removed", old[i], i + 1) for i in unmatched_old)
    return tuple(changes)


# --- words ----------------------------------------------------------------------------------


def quote(value: str | None) -> str:
    """A value as shown in a change line: quoted, backslashes and quotes escaped."""
    if value is None:
        return "(none)"
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _show(name: str, value: str | None) -> str:
    quoted = dict(_FIELDS)[name]
    if value is not None and not quoted and value and not any(c.isspace() for c in value):
        return value
    return quote(value)


def describe_button(button: SwitchButton) -> str:
    """``switch button 'Send a secure code by email' → connection email``."""
    return f"switch button {quote(button.label)} → connection {button.connection}"


def describe_field(change: FieldChange) -> str:
    return f"{change.name} {_show(change.name, change.before)} → {_show(change.name, change.after)}"


def describe(change: ButtonChange) -> str:
    """The one line every report shows for a button-level change."""
    who = f"{quote(change.button.label)} → connection {change.button.connection}"
    if change.kind == "added":
        return f"added button {who} at position {change.position}"
    if change.kind == "removed":
        return f"removed button {who} from position {change.position}"
    fields = "; ".join(describe_field(f) for f in change.fields)
    if change.kind == "moved":
        text = f"moved button {who} from position {change.old_position} to {change.position}"
        return f"{text}; {fields}" if fields else text
    return f"button {change.button.connection}: {fields}"
