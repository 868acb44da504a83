"""Render desired items to the HTML Auth0 stores at an insertion point.

A switch button renders to exactly the form of Auth0's documentation: its own
``<form method="post" data-form-secondary="true">`` with no action, the hidden ``state``
(``{{state}}``, left literal for Liquid) and ``connection`` inputs, and a submit button whose
label sits in a span. Labels and attributes are HTML-escaped. A translated button's label is the
custom text variable of the page's language, with the fallback label where there is none.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from reconciler.catalog import text_reference
from reconciler.model import Item, RawPartial, SwitchButton

#: Items at one insertion point are joined with this separator.
ITEM_SEPARATOR = "\n"


def _attr(name: str, value: str | None) -> str:
    if value is None:
        return ""
    return f' {name}="{escape(value, quote=True)}"'


def render_label(button: SwitchButton) -> str:
    """The label: plain escaped text, or for a translated button the custom text variable with
    the fallback label (``{{ prompt.screen.texts.varSwitchEmail | default: "Send..." }}``)."""
    if button.text_key is None:
        return escape(button.label, quote=False)
    fallback = escape(button.label, quote=True)
    return f'{{{{ {text_reference(button.text_key)} | default: "{fallback}" }}}}'


def render_switch_button(button: SwitchButton) -> str:
    """The documented switch form for one button."""
    button_attrs = (
        ' type="submit"'
        + _attr("id", button.id)
        + _attr("class", button.css_class)
        + _attr("style", button.style)
        + ' data-action-button-secondary="true"'
    )
    return (
        '<form method="post" data-form-secondary="true">'
        '<input type="hidden" name="state" value="{{state}}"> '
        f'<input type="hidden" name="connection" value="{escape(button.connection, quote=True)}"> '
        f"<button{button_attrs}> <span>{render_label(button)}</span> </button>"
        "</form>"
    )


def render_item(item: Item) -> str:
    if isinstance(item, SwitchButton):
        return render_switch_button(item)
    if isinstance(item, RawPartial):
        return item.html
    raise TypeError(f"not an item: {item!r}")


def render_items(items: Iterable[Item]) -> str:
    """The partial for one insertion point: its items in order."""
    return ITEM_SEPARATOR.join(render_item(item) for item in items)
