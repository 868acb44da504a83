"""The items of an insertion point: switch buttons and raw HTML/Liquid partials.

Checks what the schema cannot: connection names, Liquid delimiters in a switch button's plain-text
attributes, and forms placed inside the page's main form (HTML drops a nested ``<form>`` tag and
its ``</form>`` ends the main form: the login form breaks).
"""

from __future__ import annotations

import re

from reconciler.catalog import (
    CONNECTION_NAME_PATTERN,
    DEFAULT_INSERTION_POINT,
    INSIDE_MAIN_FORM,
    PASSWORDLESS_CONNECTIONS,
)
from reconciler.config.problems import NodeReader
from reconciler.model import DEFAULT_BUTTON_ID, DEFAULT_BUTTON_STYLE, Item, RawPartial, SwitchButton
from reconciler.yamlsource import YamlPath

__all__ = ["ItemReader", "fallback_label", "nests_form"]

_LIQUID_DELIMITERS = ("{{", "{%")
_NESTED_FORM_WHY = (
    "HTML forbids a form inside a form: the browser drops the inner <form> tag and its </form> "
    "ends the page's main form, so the switch's inputs join the main form and the fields and "
    f"Continue button after it belong to no form. Put it at {DEFAULT_INSERTION_POINT}"
)


class ItemReader(NodeReader):
    """Builds the items of one insertion point, adding every problem."""

    def items(self, values: list[object], path: YamlPath, point: str) -> tuple[Item, ...]:
        built = (self.item(value, (*path, index), point) for index, value in enumerate(values))
        return tuple(item for item in built if item is not None)

    def item(self, value: object, path: YamlPath, point: str) -> Item | None:
        if not isinstance(value, dict):
            return None
        if "raw" in value:
            return self.raw_item(value, path, point)
        return self.switch_button(value, path, point)

    def raw_item(self, value: dict[str, object], path: YamlPath, point: str) -> Item | None:
        html = value.get("raw")
        if not isinstance(html, str):
            return None
        partial = RawPartial(html)
        if nests_form(point, partial):
            self.fail(
                f"this raw item holds a <form>, but {point} is inside the page's main form",
                self.document.location((*path, "raw")),
                _NESTED_FORM_WHY,
            )
        return partial

    def switch_button(self, value: dict[str, object], path: YamlPath, point: str) -> Item | None:
        connection, raw_label = value.get("switch"), value.get("label")
        if not isinstance(connection, str):
            return None
        translations = self.translations(raw_label)
        label = (
            raw_label
            if isinstance(raw_label, str)
            else fallback_label(translations, self.default_language())
        )
        if label is None:
            return None
        self.check_connection(connection, (*path, "switch"))
        attributes = {
            "label": label,
            "id": _attribute(value, "id", DEFAULT_BUTTON_ID),
            "class": _attribute(value, "class", None),
            "style": _attribute(value, "style", DEFAULT_BUTTON_STYLE),
        }
        for key, text in attributes.items():
            self.check_no_liquid(key, text, (*path, key))
        for language, text in translations:
            self.check_no_liquid("label", text, (*path, "label", language))
        button = SwitchButton(
            connection=connection,
            label=label,
            id=attributes["id"],
            css_class=attributes["class"],
            style=attributes["style"],
            translations=translations,
        )
        if nests_form(point, button):
            self.fail(
                f"a switch button cannot go at {point}: that insertion point is inside the "
                "page's main form",
                self.document.location(path),
                _NESTED_FORM_WHY,
            )
        return button

    def translations(self, value: object) -> tuple[tuple[str, str], ...]:
        """A label map's (language, text) pairs, sorted; () for a plain label."""
        if not isinstance(value, dict):
            return ()
        return tuple(sorted((str(k), v) for k, v in value.items() if isinstance(v, str) and v))

    def default_language(self) -> str | None:
        value = self.root.get("default_language")
        return value if isinstance(value, str) else None

    def check_connection(self, connection: str, path: YamlPath) -> None:
        if connection in PASSWORDLESS_CONNECTIONS:
            return
        if re.fullmatch(CONNECTION_NAME_PATTERN, connection) is None:
            self.fail(
                f"invalid connection name {connection!r}",
                self.document.location(path),
                "a connection name is 1 to 128 letters, digits and hyphens, not starting or "
                "ending with a hyphen: email or sms for passwordless, or a database connection "
                "such as Username-Password-Authentication",
            )

    def check_no_liquid(self, key: str, text: str | None, path: YamlPath) -> None:
        if text is None:
            return
        for delimiter in _LIQUID_DELIMITERS:
            if delimiter in text:
                self.fail(
                    f"{key} contains the Liquid delimiter '{delimiter}': a {key} is plain text, "
                    "but Auth0 would run it as Liquid",
                    self.document.location(path),
                    "remove it; if you need Liquid, write the button as a raw item (- raw: ...)",
                )
                return


def nests_form(point: str, item: Item) -> bool:
    """Whether ``item`` at ``point`` puts a form inside the page's main form: a switch button (a
    form itself) or a raw item holding ``<form`` at a point inside it."""
    return point in INSIDE_MAIN_FORM and (
        isinstance(item, SwitchButton) or "<form" in item.html.lower()
    )


def fallback_label(translations: tuple[tuple[str, str], ...], default: str | None) -> str | None:
    """The label a translated button shows where a language has none: the file's
    ``default_language``, else English, else the first language of the map."""
    texts = dict(translations)
    for language in (default, "en"):
        if language is not None and language in texts:
            return texts[language]
    return translations[0][1] if translations else None


def _attribute(value: dict[str, object], key: str, default: str | None) -> str | None:
    if key not in value:
        return default
    found = value[key]
    return found if isinstance(found, str) else None
