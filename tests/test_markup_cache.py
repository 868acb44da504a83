"""Partials read once per process: ``canonical`` and ``parse_items`` are cached by their input,
and a cached answer is the answer (the text keys a label may use are part of the input)."""

from __future__ import annotations

from reconciler.markup import canonical, parse_items
from reconciler.model import RawPartial, SwitchButton
from reconciler.render import render_items

BUTTON = SwitchButton(connection="email", label="Send", text_key="var-switch-email")
TRANSLATED = render_items((BUTTON,))


def test_a_partial_is_canonicalised_once() -> None:
    text = '<p  class="x"   id="y">cached   once</p>'
    first = canonical(text)
    hits = canonical.cache_info().hits
    assert canonical(text) == first == '<p class="x" id="y">cached once</p>'
    assert canonical.cache_info().hits == hits + 1


def test_parsed_items_depend_on_the_text_keys_known() -> None:
    known = parse_items(TRANSLATED, {"prompt.screen.texts.varSwitchEmail": "var-switch-email"})
    unknown = parse_items(TRANSLATED)
    assert [type(i) for i in known] == [SwitchButton]
    assert known[0].text_key == "var-switch-email"  # type: ignore[union-attr]
    assert [type(i) for i in unknown] == [RawPartial]
    again = parse_items(TRANSLATED, {"prompt.screen.texts.varSwitchEmail": "var-switch-email"})
    assert again == known
