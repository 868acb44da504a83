"""Compare a prompt's desired partials with the live document.

Both sides are first projected to what the tenant file owns, each partial in its canonical
spelling (``markup.canonical``), so quoting, attribute order, whitespace and entity spelling
never show up as changes. deepdiff compares the projections; its output becomes
``Change`` values at once and goes no further than this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from deepdiff import DeepDiff

from reconciler.catalog import PromptSpec
from reconciler.markup import button_changes, canonical, equivalent, parse_items
from reconciler.model import DesiredPrompt, PromptDocument, SwitchButton
from reconciler.render import render_items

Action = Literal["create", "update", "delete"]
Key = tuple[str, str]  # (screen, insertion point)

#: Order of actions and of insertion points in every listing.
ACTION_ORDER: Mapping[str, int] = {"create": 0, "update": 1, "delete": 2}


@dataclass(frozen=True)
class Change:
    """One insertion point that apply will create, update or delete."""

    action: Action
    prompt: str
    screen: str
    insertion_point: str
    before: str | None
    after: str | None
    details: tuple[str, ...] = ()
    """Button-level lines (``label 'A' → 'B'``) when both sides are switch buttons."""

    @property
    def address(self) -> str:
        return f"{self.prompt}/{self.screen}/{self.insertion_point}"


@dataclass(frozen=True)
class UnmanagedPartial:
    """Live content the tenant file does not own: preserved on every write."""

    prompt: str
    screen: str
    insertion_point: str
    length: int

    @property
    def address(self) -> str:
        return f"{self.prompt}/{self.screen}/{self.insertion_point}"


@dataclass(frozen=True)
class PromptDiff:
    changes: tuple[Change, ...]
    unmanaged: tuple[UnmanagedPartial, ...]
    merged: PromptDocument
    """The whole document to PUT: live content with the owned insertion points replaced."""


def desired_partials(prompt: DesiredPrompt) -> dict[Key, str]:
    """Rendered HTML per declared insertion point; ``""`` where the file declares it empty."""
    return {
        (screen.name, point.name): render_items(point.items)
        for screen in prompt.screens
        for point in screen.insertion_points
    }


def owned_keys(prompt: DesiredPrompt, live: PromptDocument) -> set[Key]:
    """Insertion points the file owns: those it declares, plus all live ones under an
    ``exclusive`` screen or prompt."""
    owned = set(desired_partials(prompt))
    exclusive_screens = {s.name for s in prompt.screens if s.exclusive}
    for screen, points in live.screens.items():
        if prompt.exclusive or screen in exclusive_screens:
            owned.update((screen, point) for point in points)
    return owned


def _key_name(key: Key) -> str:
    return f"{key[0]}\x1f{key[1]}"


def _key_from_name(name: str) -> Key:
    screen, point = name.split("\x1f", 1)
    return screen, point


def _projection(values: Mapping[Key, str]) -> dict[str, str]:
    return {_key_name(key): canonical(html) for key, html in values.items() if html}


def _root_keys(diff: DeepDiff, report: str) -> Iterator[Key]:
    for level in diff.tree.get(report, []):
        path = level.path(output_format="list")
        yield _key_from_name(str(path[0]))


def _describe(button: SwitchButton) -> str:
    return f"{button.label!r} → connection {button.connection}"


def _details(before: str, after: str) -> tuple[str, ...]:
    """Button-level lines when both sides are only switch buttons; else () for an HTML diff."""
    old, new = parse_items(before), parse_items(after)
    if not all(isinstance(item, SwitchButton) for item in (*old, *new)):
        return ()
    many = max(len(old), len(new)) > 1
    lines: list[str] = []
    for index in range(max(len(old), len(new))):
        a = old[index] if index < len(old) else None
        b = new[index] if index < len(new) else None
        assert a is None or isinstance(a, SwitchButton)
        assert b is None or isinstance(b, SwitchButton)
        prefix = f"button {index + 1}: " if many else ""
        if a is None and b is not None:
            lines.append(f"{prefix}added {_describe(b)}")
        elif b is None and a is not None:
            lines.append(f"{prefix}removed {_describe(a)}")
        elif a is not None and b is not None:
            lines.extend(prefix + line for line in button_changes(a, b))
    return tuple(lines)


def _order(spec: PromptSpec | None, prompt: DesiredPrompt) -> dict[str, int]:
    screens = list(spec.screens) if spec else []
    screens += [s.name for s in prompt.screens if s.name not in screens]
    return {name: i for i, name in enumerate(screens)}


def diff_prompt(
    prompt: DesiredPrompt, live: PromptDocument, spec: PromptSpec | None = None
) -> PromptDiff:
    """Changes that make ``live`` match ``prompt``, and the merged document to write."""
    desired = desired_partials(prompt)
    owned = owned_keys(prompt, live)
    live_owned = {key: html for key in owned if (html := live.get(*key)) is not None and html != ""}
    desired_owned = {key: desired.get(key, "") for key in owned}

    comparison = DeepDiff(
        _projection(live_owned),
        _projection(desired_owned),
        view="tree",
        threshold_to_diff_deeper=0,  # always report per insertion point, never the whole map
    )
    changes: list[Change] = []
    for key in _root_keys(comparison, "dictionary_item_added"):
        changes.append(Change("create", prompt.name, *key, None, desired_owned[key]))
    for key in _root_keys(comparison, "dictionary_item_removed"):
        changes.append(Change("delete", prompt.name, *key, live_owned[key], None))
    for key in _root_keys(comparison, "values_changed"):
        before, after = live_owned[key], desired_owned[key]
        changes.append(Change("update", prompt.name, *key, before, after, _details(before, after)))

    screen_rank = _order(spec, prompt)
    point_rank = {name: i for i, name in enumerate(spec.insertion_points if spec else ())}

    def rank(key: Key) -> tuple[int, str, int, str]:
        screen, point = key
        return (screen_rank.get(screen, 99), screen, point_rank.get(point, 99), point)

    changes.sort(key=lambda c: rank((c.screen, c.insertion_point)))
    unmanaged = sorted(
        (
            UnmanagedPartial(prompt.name, screen, point, len(html))
            for screen, points in live.screens.items()
            for point, html in points.items()
            if (screen, point) not in owned
        ),
        key=lambda u: rank((u.screen, u.insertion_point)),
    )
    merged = _merge(live, desired_owned)
    return PromptDiff(tuple(changes), tuple(unmanaged), merged)


def _merge(live: PromptDocument, owned: Mapping[Key, str]) -> PromptDocument:
    """Live document with owned insertion points set to desired; unowned bytes untouched.

    An owned partial that is already equivalent keeps its live spelling, so a write caused by
    another insertion point never rewrites it. Screens left empty are dropped, as Auth0 does.
    """
    screens: dict[str, dict[str, str]] = {s: dict(p) for s, p in live.screens.items()}
    for (screen, point), html in sorted(owned.items()):
        current = screens.get(screen, {}).get(point)
        if not html:
            screens.get(screen, {}).pop(point, None)
        elif current is None or not equivalent(current, html):
            screens.setdefault(screen, {})[point] = html
    return PromptDocument(live.prompt, {s: p for s, p in screens.items() if p})
