"""The canonical spelling against an independent oracle: what a real browser shows.

Hypothesis builds HTML fragments from a small grammar (inline and block elements, buttons, hidden
inputs, comments, text with and without whitespace) and copies of them with whitespace inserted,
removed or changed at random places. Chromium renders both; whenever the texts a user sees
(``innerText``) or the elements differ, ``markup.equivalent`` must say they differ. The generator
knows nothing of the whitespace rules it tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.markup import canonical, equivalent
from tests.browser import Page, open_page

INLINE = ["b", "i", "span", "a", "em"]
BLOCK = ["div", "p", "section"]
WORDS = ["a", "b", "Send", "code", "{{state}}", "x y"]
BLANKS = ["", " ", "  ", "\n", " \n  ", "\t"]


@st.composite
def fragments(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """A fragment as a list of tokens (tags and text), so whitespace can go between any two."""
    tokens: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["text", "inline", "block", "void", "button", "comment"]))
        if kind == "text":
            tokens.append(draw(st.sampled_from(WORDS)))
        elif kind in ("inline", "block") and depth < 2:
            tag = draw(st.sampled_from(INLINE if kind == "inline" else BLOCK))
            tokens += [f"<{tag}>", *draw(fragments(depth + 1)), f"</{tag}>"]
        elif kind == "void":
            tokens.append(
                draw(st.sampled_from(["<br>", '<input type="hidden" name="s">', "<img alt=i>"]))
            )
        elif kind == "button":
            tokens += ["<button>", draw(st.sampled_from(WORDS)), "</button>"]
        else:
            tokens.append("<!-- note -->")
    return tokens


def spaced(tokens: list[str], blanks: list[str]) -> str:
    return "".join(blank + token for token, blank in zip(tokens, blanks, strict=False)) + blanks[-1]


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with open_page() as opened:
        yield opened


@settings(max_examples=300)
@given(data=st.data())
def test_whenever_a_browser_shows_something_else_the_partials_are_not_equivalent(
    page: Page, data: st.DataObject
) -> None:
    tokens = data.draw(fragments())
    first = data.draw(
        st.lists(st.sampled_from(BLANKS), min_size=len(tokens) + 1, max_size=len(tokens) + 1)
    )
    second = data.draw(
        st.lists(st.sampled_from(BLANKS), min_size=len(tokens) + 1, max_size=len(tokens) + 1)
    )
    a, b = spaced(tokens, first), spaced(tokens, second)
    shown_a, shown_b = page.shown(a), page.shown(b)
    if shown_a != shown_b:
        assert not equivalent(a, b), (a, b, shown_a, shown_b, canonical(a))


def test_the_reported_inline_space_is_visible(page: Page) -> None:
    assert page.shown("<b>a</b> <i>b</i>") != page.shown("<b>a</b><i>b</i>")
    assert not equivalent("<b>a</b> <i>b</i>", "<b>a</b><i>b</i>")


def test_a_switch_form_laid_out_on_many_lines_is_the_same_form(page: Page) -> None:
    one_line = (
        '<form method="post" data-form-secondary="true"><input type="hidden" name="state" '
        'value="{{state}}"> <input type="hidden" name="connection" value="email"> <button '
        'type="submit" data-action-button-secondary="true"> <span>Send</span> </button></form>'
    )
    many_lines = (
        "<form method='post' data-form-secondary='true'>\n"
        "  <input type='hidden' name='state' value='{{state}}'>\n"
        "  <input type='hidden' name='connection' value='email'>\n"
        "  <button type='submit' data-action-button-secondary='true'>\n"
        "    <span>Send</span>\n"
        "  </button>\n"
        "</form>\n"
    )
    assert page.shown(one_line) == page.shown(many_lines)
    assert equivalent(one_line, many_lines)
