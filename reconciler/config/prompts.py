"""The prompts of a tenant file: prompt, screen and insertion-point names, and partial lengths.

Builds the ``DesiredPrompt`` tree from the ``prompts`` mapping, with the shorthands the format
allows (a list directly under a prompt or screen is its default insertion point; an insertion
point directly under a one-screen prompt), and checks what the schema cannot: names against the
catalogue plus ``extra_prompts`` (with did-you-mean), insertion points declared twice, exclusive
settings that contradict each other, and the rendered length of each partial.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from reconciler.catalog import (
    DEFAULT_INSERTION_POINT,
    INSIDE_MAIN_FORM,
    MAX_PARTIAL_CHARS,
    MAX_TEXT_VARIABLES,
    PROMPTS,
    STANDARD_INSERTION_POINTS,
    SWITCH_TEXT_PREFIX,
    PromptSpec,
    prompt_spec,
)
from reconciler.config.items import ItemReader
from reconciler.config.problems import NodeReader, did_you_mean
from reconciler.errors import ConfigError, SourceLocation
from reconciler.model import (
    DeclaredText,
    DesiredInsertionPoint,
    DesiredPrompt,
    DesiredScreen,
    SwitchButton,
)
from reconciler.render import render_items
from reconciler.yamlsource import YamlDocument, YamlPath

__all__ = ["PromptReader"]


@dataclass
class _ScreenDraft:
    """A screen while its insertion points are collected from the prompt and screen levels."""

    name: str
    location: SourceLocation
    exclusive: bool | None = None
    points: dict[str, DesiredInsertionPoint] = field(default_factory=dict)
    texts: list[DeclaredText] = field(default_factory=list)
    switches: dict[str, int] = field(default_factory=dict)
    """Translated buttons seen per connection, to name their text variables."""

    def text_key(self, connection: str) -> str:
        """``var-switch-email`` for the first translated button to ``email`` on this screen,
        ``var-switch-email-2`` for the second: stable while the buttons keep their order."""
        slug = re.sub(r"[^a-z0-9]+", "-", connection.lower()).strip("-")
        count = self.switches[slug] = self.switches.get(slug, 0) + 1
        return SWITCH_TEXT_PREFIX + slug + (f"-{count}" if count > 1 else "")

    def freeze(self, prompt_exclusive: bool) -> DesiredScreen:
        return DesiredScreen(
            name=self.name,
            insertion_points=tuple(self.points.values()),
            exclusive=bool(self.exclusive) or prompt_exclusive,
            location=self.location,
            texts=tuple(self.texts),
        )


class PromptReader(NodeReader):
    """Builds the ``extra_prompts`` catalogue entries and the ``prompts`` tree."""

    def __init__(
        self, document: YamlDocument, root: dict[str, object], problems: list[ConfigError]
    ) -> None:
        super().__init__(document, root, problems)
        self.item_reader = ItemReader(document, root, problems)

    def extra_prompts(self) -> dict[str, PromptSpec]:
        raw = self.root.get("extra_prompts")
        if not isinstance(raw, dict):
            return {}
        extra: dict[str, PromptSpec] = {}
        for name, body in raw.items():
            if not isinstance(body, dict):
                continue
            screens = _strings(body.get("screens"))
            points = _strings(body.get("insertion_points")) or STANDARD_INSERTION_POINTS
            if screens:
                extra[name] = PromptSpec(name=name, screens=screens, insertion_points=points)
        return extra

    def prompts(self, extra: Mapping[str, PromptSpec]) -> tuple[DesiredPrompt, ...]:
        raw = self.root.get("prompts")
        if not isinstance(raw, dict):
            return ()
        prompts: list[DesiredPrompt] = []
        for name, body in raw.items():
            spec = prompt_spec(name, extra)
            if spec is None:
                if name not in self.declared_extra():  # else its extra_prompts entry is reported
                    self.unknown_prompt(name, extra)
                continue
            prompt = self.prompt(spec, body, ("prompts", name))
            if prompt is not None:
                prompts.append(prompt)
        return tuple(prompts)

    def declared_extra(self) -> set[str]:
        raw = self.root.get("extra_prompts")
        return set(raw) if isinstance(raw, dict) else set()

    def unknown_prompt(self, name: str, extra: Mapping[str, PromptSpec]) -> None:
        known = sorted({*PROMPTS, *extra})
        self.fail(
            f"unknown prompt '{name}'{did_you_mean(name, known)}",
            self.key_at("prompts", name),
            f"known prompts: {', '.join(known)}. If Auth0 added a new prompt, declare it "
            "under extra_prompts with its screens",
        )

    def prompt(self, spec: PromptSpec, body: object, path: YamlPath) -> DesiredPrompt | None:
        location = self.document.key_location(path)
        drafts: dict[str, _ScreenDraft] = {}
        exclusive = False
        if isinstance(body, list):
            if spec.default_screen is None:
                self.list_under_multi_screen_prompt(spec, path)
                return None
            draft = self.draft(drafts, spec.default_screen, location)
            self.shorthand(spec, draft, body, path)
        elif isinstance(body, dict):
            exclusive = _flag(body)
            for key, value in body.items():
                if key == "texts" and spec.default_screen is not None:
                    draft = self.draft(drafts, spec.default_screen, location)
                    self.texts(draft, value, (*path, key))
                elif key != "exclusive":
                    self.prompt_entry(spec, key, value, (*path, key), drafts)
        else:
            return None
        for draft in drafts.values():
            if exclusive and draft.exclusive is False:
                self.fail(
                    f"screen '{draft.name}' says exclusive: false, but its prompt "
                    f"'{spec.name}' is exclusive",
                    draft.location,
                    "an exclusive prompt owns all its screens; remove one of the two settings",
                )
        for draft in drafts.values():
            self.check_text_budget(spec.name, draft)
        screens = tuple(draft.freeze(exclusive) for draft in drafts.values())
        return DesiredPrompt(spec.name, screens, exclusive=exclusive, location=location)

    def list_under_multi_screen_prompt(self, spec: PromptSpec, path: YamlPath) -> None:
        screens = ", ".join(spec.screens)
        self.fail(
            f"prompt '{spec.name}' has several screens ({screens}), so a list cannot go "
            "directly under it",
            self.document.location(path),
            f"put the list under one of its screens, e.g. '{spec.screens[0]}:'",
        )

    def prompt_entry(
        self,
        spec: PromptSpec,
        key: str,
        value: object,
        path: YamlPath,
        drafts: dict[str, _ScreenDraft],
    ) -> None:
        if key in spec.screens:
            self.screen(
                spec, self.draft(drafts, key, self.document.key_location(path)), value, path
            )
        elif spec.default_screen is not None and key in spec.insertion_points:
            draft = self.draft(drafts, spec.default_screen, self.document.key_location(path[:-1]))
            self.point(draft, key, value, path, self.document.key_location(path))
        elif spec.default_screen is None and key in {*spec.insertion_points, *INSIDE_MAIN_FORM}:
            self.fail(
                f"insertion point '{key}' cannot go directly under prompt '{spec.name}': "
                f"it has several screens ({', '.join(spec.screens)})",
                self.document.key_location(path),
                f"put it under one of its screens, e.g. '{spec.screens[0]}:'",
            )
        else:
            self.unknown_prompt_key(spec, key, path)

    def unknown_prompt_key(self, spec: PromptSpec, key: str, path: YamlPath) -> None:
        location = self.document.key_location(path)
        if spec.default_screen is None:
            self.fail(
                f"unknown screen '{key}' in prompt '{spec.name}'{did_you_mean(key, spec.screens)}",
                location,
                f"screens of {spec.name}: {', '.join(spec.screens)}. If Auth0 added a screen, "
                "declare the prompt under extra_prompts with all its screens",
            )
            return
        self.fail(
            f"unknown insertion point '{key}' in prompt '{spec.name}'"
            f"{did_you_mean(key, (*spec.insertion_points, *spec.screens))}",
            location,
            f"insertion points of {spec.name}: {', '.join(spec.insertion_points)}. If Auth0 "
            "added one, declare the prompt under extra_prompts with insertion_points",
        )

    def draft(
        self, drafts: dict[str, _ScreenDraft], name: str, location: SourceLocation
    ) -> _ScreenDraft:
        if name not in drafts:
            drafts[name] = _ScreenDraft(name, location)
        return drafts[name]

    def screen(self, spec: PromptSpec, draft: _ScreenDraft, body: object, path: YamlPath) -> None:
        if isinstance(body, list):
            self.shorthand(spec, draft, body, path)
            return
        if not isinstance(body, dict):
            return
        if isinstance(body.get("exclusive"), bool):
            draft.exclusive = _flag(body)
        for key, value in body.items():
            if key == "exclusive":
                continue
            if key == "texts":
                self.texts(draft, value, (*path, key))
            elif key in spec.insertion_points:
                self.point(
                    draft, key, value, (*path, key), self.document.key_location((*path, key))
                )
            else:
                self.fail(
                    f"unknown insertion point '{key}' on screen '{draft.name}'"
                    f"{did_you_mean(key, spec.insertion_points)}",
                    self.document.key_location((*path, key)),
                    f"insertion points of {draft.name}: {', '.join(spec.insertion_points)}. "
                    "If Auth0 added one, declare the prompt under extra_prompts with "
                    "insertion_points",
                )

    def shorthand(
        self, spec: PromptSpec, draft: _ScreenDraft, body: object, path: YamlPath
    ) -> None:
        """A list directly under a prompt or screen: the items of its default insertion point."""
        name = spec.default_insertion_point
        if name is None:
            self.fail(
                f"a list here would go to {DEFAULT_INSERTION_POINT}, which screen "
                f"'{draft.name}' does not have",
                self.document.location(path),
                f"name the insertion point: one of {', '.join(spec.insertion_points)}",
            )
            return
        self.point(draft, name, body, path, self.document.location(path))

    def point(
        self,
        draft: _ScreenDraft,
        name: str,
        value: object,
        path: YamlPath,
        location: SourceLocation,
    ) -> None:
        previous = draft.points.get(name)
        if previous is not None:
            first = previous.location.line if previous.location else 0
            self.fail(
                f"insertion point '{name}' of screen '{draft.name}' is declared twice: first at "
                f"line {first}, again at line {location.line}",
                location,
                f"a list directly under a prompt or screen is its {DEFAULT_INSERTION_POINT}; "
                "merge the two lists into one",
            )
            return
        if not isinstance(value, list):
            return
        items = tuple(
            replace(item, text_key=draft.text_key(item.connection))
            if isinstance(item, SwitchButton) and item.translations
            else item
            for item in self.item_reader.items(value, path, name)
        )
        rendered = len(render_items(items))
        if rendered > MAX_PARTIAL_CHARS:
            self.fail(
                f"the partial at {draft.name} / {name} renders to {rendered} characters; "
                f"Auth0 allows at most {MAX_PARTIAL_CHARS}",
                location,
                "shorten the items, or spread them over other insertion points",
            )
        draft.points[name] = DesiredInsertionPoint(name, items, location)

    def texts(self, draft: _ScreenDraft, value: object, path: YamlPath) -> None:
        """A screen's declared custom text variables (the schema checks their shape)."""
        if not isinstance(value, dict):
            return
        for key, texts in value.items():
            if key.startswith(SWITCH_TEXT_PREFIX):
                self.fail(
                    f"custom text variable {key!r} is in the namespace {SWITCH_TEXT_PREFIX}* "
                    "that translated buttons use",
                    self.document.key_location((*path, key)),
                    "give it another name",
                )
                continue
            if not isinstance(texts, dict):
                continue
            pairs = tuple(sorted((str(k), v) for k, v in texts.items() if isinstance(v, str)))
            draft.texts.append(DeclaredText(key, pairs))

    def check_text_budget(self, prompt: str, draft: _ScreenDraft) -> None:
        """At most thirty custom text variables per screen and language (Auth0's limit)."""
        per_language: dict[str, int] = {}
        buttons = [i for p in draft.points.values() for i in p.items if isinstance(i, SwitchButton)]
        for pairs in (*(b.translations for b in buttons), *(t.translations for t in draft.texts)):
            for language, _ in pairs:
                per_language[language] = per_language.get(language, 0) + 1
        for language, count in sorted(per_language.items()):
            if count > MAX_TEXT_VARIABLES:
                self.fail(
                    f"screen '{draft.name}' of prompt '{prompt}' needs {count} custom text "
                    f"variables in {language}; Auth0 allows at most {MAX_TEXT_VARIABLES}",
                    draft.location,
                    "translate fewer labels on this screen, or write some as plain text",
                )


def _flag(body: dict[str, object]) -> bool:
    value = body.get("exclusive", False)
    return value if isinstance(value, bool) else False


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(str(item) for item in value)
    return ()
