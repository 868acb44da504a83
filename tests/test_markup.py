"""Tests for reconciler.markup: canonical spelling, equivalence, switch-button parsing.

The corpus is tests/fixtures/partials/NAME.html (a live partial, plus one final newline) with
NAME.items.yaml (what ``parse_items`` must find, in the tenant-file item syntax).

Whitespace is checked here by examples of the rule; the independent check that the rule agrees
with what a browser shows is tests/test_markup_browser.py. ``render_items(parse_items(html))``
being equivalent to ``html`` is not tested: ``parse_items`` enforces it itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.markup import HTML_WHITESPACE, canonical, equivalent, parse_items
from reconciler.model import Item, RawPartial, SwitchButton
from reconciler.render import render_items
from tests.test_render import items_from_data

CORPUS = Path(__file__).parent / "fixtures" / "partials"
CASES = sorted(path.name.removesuffix(".items.yaml") for path in CORPUS.glob("*.items.yaml"))


def corpus_html(name: str) -> str:
    return (CORPUS / f"{name}.html").read_text(encoding="utf-8").removesuffix("\n")


def corpus_items(name: str) -> tuple[Item, ...]:
    return items_from_data(yaml.safe_load((CORPUS / f"{name}.items.yaml").read_text("utf-8")))


SIGNUP = corpus_html("seed-signup-password")
LOGIN = corpus_html("seed-login-password")
PASSWORDLESS = corpus_html("seed-login-passwordless")
EMAIL_BUTTON = SwitchButton("email", "Send a secure code by email")


# --- equivalence -----------------------------------------------------------------------------


def test_seed_buttons_in_both_quoting_styles_are_equivalent() -> None:
    assert '"' not in LOGIN and "'" not in SIGNUP
    assert equivalent(SIGNUP, LOGIN)
    assert equivalent(LOGIN, render_items([EMAIL_BUTTON]))
    assert canonical(SIGNUP) == canonical(LOGIN) == canonical(render_items([EMAIL_BUTTON]))


def test_seed_passwordless_button_with_double_space_is_equivalent_to_its_render() -> None:
    button = SwitchButton("Username-Password-Authentication", "Use Password Instead")
    assert "'hidden'  name" in PASSWORDLESS
    assert equivalent(PASSWORDLESS, render_items([button]))


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(LOGIN.replace("Send a secure", "Send a Secure"), id="label"),
        pytest.param(LOGIN.replace("value='email'", "value='sms'"), id="connection"),
        pytest.param(LOGIN.replace("<button ", "<button onclick='x()' "), id="extra-attribute"),
        pytest.param(LOGIN.replace(" id='switchConnectionButton'", ""), id="missing-attribute"),
        pytest.param(LOGIN.replace("#635dff", "#635DFF"), id="attribute-value-case"),
        pytest.param(
            LOGIN.replace("<span>", "<span><b>").replace("</span>", "</b></span>"), id="tag"
        ),
        pytest.param(LOGIN.replace("{{state}}", "{{ state | upcase }}"), id="liquid"),
        pytest.param(LOGIN.replace("</button>", "</button>!"), id="text-added"),
        pytest.param(
            LOGIN.replace("data-form-secondary='true'", "data-form-secondary='TRUE'"), id="data"
        ),
    ],
)
def test_changes_that_matter_are_not_equivalent(changed: str) -> None:
    assert changed != LOGIN
    assert not equivalent(LOGIN, changed)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("<p>Tom &amp; Jerry</p>", "<p>Tom &#38; Jerry</p>"),
        ("<p>Tom &amp; Jerry</p>", "<p>Tom &#x26; Jerry</p>"),
        ("<p>Tom &amp; Jerry</p>", "<p>Tom & Jerry</p>"),
        ('<p title="&quot;x&quot;">"q"</p>', "<p title='\"x\"'>&quot;q&#34;</p>"),
        ("<p>&lt;b&gt;</p>", "<p>&#60;b&#x3E;</p>"),
        ('<a href="?a=1&amp;b=2">x</a>', "<a href='?a=1&b=2'>x</a>"),
    ],
)
def test_entity_spellings_are_equivalent(a: str, b: str) -> None:
    assert equivalent(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ('<DIV CLASS="x" ID="y">a</DIV>', '<div id="y" class="x">a</div>'),
        ("<input disabled>", '<input disabled="">'),
        ("<br/><input/>", "<br><input >"),
        ("  <p>a   b\n c</p>  ", "<p>a b c</p>"),
        ("<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>", "<ul><li>a</li><li>b</li></ul>"),
        ("<!--  a\n  note -->", "<!--a note-->"),
        ("<p>{{ user.name }}</p>", "<p>{{user.name}}</p>"),
        ('<form method="POST"></form>', "<form method=post></form>"),
        ("<button> <span> Go </span> </button>", "<button>Go</button>"),
        ("<button type=submit>\n  <span>Go</span>\n</button>", "<button type=submit>Go</button>"),
        ("{%  if x  %}y{%endif%}", "{% if x %}y{% endif %}"),
    ],
)
def test_spelling_differences_are_equivalent(a: str, b: str) -> None:
    assert equivalent(a, b)


# --- whitespace: spelled as a browser shows it ------------------------------------------------


def test_a_space_between_two_inline_elements_is_shown_and_kept() -> None:
    assert not equivalent("<b>a</b> <i>b</i>", "<b>a</b><i>b</i>")
    assert canonical("<b>a</b> <i>b</i>") == "<b>a</b> <i>b</i>"
    assert canonical("<b>a</b><i>b</i>") == "<b>a</b><i>b</i>"


@pytest.mark.parametrize(
    "spelled",
    ["<b>a</b>  <i>b</i>", "<b>a</b>\n<i>b</i>", "<b>a</b>\n    <i>b</i>", "<b>a</b>\t \n<i>b</i>"],
)
def test_any_run_between_two_inline_elements_is_one_space(spelled: str) -> None:
    assert equivalent(spelled, "<b>a</b> <i>b</i>")
    assert not equivalent(spelled, "<b>a</b><i>b</i>")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(
            "<div>\n  <p>a</p>\n  <p>b</p>\n</div>", "<div><p>a</p><p>b</p></div>", id="blocks"
        ),
        pytest.param("<p> a </p>", "<p>a</p>", id="block-inside-edges"),
        pytest.param("\n  <b>a</b>  \n", "<b>a</b>", id="partial-edges"),
        pytest.param("a<br>\n  b", "a<br>b", id="line-break"),
        pytest.param("<button> Go </button>", "<button>Go</button>", id="button-inside-edges"),
        pytest.param(
            "<b>a</b> <!-- note --><i>b</i>", "<b>a</b>  <!--note--><i>b</i>", id="comment"
        ),
    ],
)
def test_whitespace_a_browser_does_not_show_is_insignificant(a: str, b: str) -> None:
    assert equivalent(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("<p>a b</p>", "<p>ab</p>", id="between-words"),
        pytest.param("<span>a</span> b", "<span>a</span>b", id="after-inline"),
        pytest.param("<button>Go</button> now", "<button>Go</button>now", id="after-button"),
        pytest.param('a <img src="x.png">', 'a<img src="x.png">', id="before-image"),
    ],
)
def test_whitespace_a_browser_shows_is_significant(a: str, b: str) -> None:
    assert not equivalent(a, b)


def test_a_liquid_string_literal_keeps_its_spaces() -> None:
    assert not equivalent('<p>{{ "a  b" | upcase }}</p>', '<p>{{ "a b" | upcase }}</p>')
    assert not equivalent("{% if x == 'a  b' %}y{% endif %}", "{% if x == 'a b' %}y{% endif %}")
    assert canonical("<p>{{ 'a   b' }}</p>") == "<p>{{ 'a   b' }}</p>"
    # Only the literal keeps its spaces: the padding around it is still spelled one way.
    assert equivalent('<p>{{"a  b"   |  upcase}}</p>', '<p>{{ "a  b" | upcase }}</p>')


ONE_LINE_FORM = (
    '<form method="post" data-form-secondary="true"><input type="hidden" name="state" '
    'value="{{state}}"> <input type="hidden" name="connection" value="email"> <button '
    'type="submit" data-action-button-secondary="true"> <span>Send</span> </button></form>'
)
MANY_LINES_FORM = (
    "<form method='post' data-form-secondary='true'>\n"
    "  <input type='hidden' name='state' value='{{state}}'>\n"
    "  <input type='hidden' name='connection' value='email'>\n"
    "  <button type='submit' data-action-button-secondary='true'>\n"
    "    <span>Send</span>\n"
    "  </button>\n"
    "</form>\n"
)


def test_a_switch_form_laid_out_on_many_lines_is_the_one_line_form() -> None:
    assert equivalent(MANY_LINES_FORM, ONE_LINE_FORM)
    assert canonical(MANY_LINES_FORM) == canonical(ONE_LINE_FORM)
    button = SwitchButton("email", "Send", id=None, style=None)
    assert parse_items(MANY_LINES_FORM) == parse_items(ONE_LINE_FORM) == (button,)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("<pre>a  b</pre>", "<pre>a b</pre>"),
        ("<script>if (a  &amp;&amp; b) {}</script>", "<script>if (a && b) {}</script>"),
        ("<p>a&nbsp;b</p>", "<p>a b</p>"),
        ("{{- x -}}", "{{ x }}"),
        ("<b>a</b>b", "<b>a</b> b"),
        ('<p class="a  b">x</p>', '<p class="a b">x</p>'),
        ('<a x="1" x="2">y</a>', '<a x="2" x="1">y</a>'),
        ("<div/>", "<div>"),
        ("<button><span class='x'>Go</span></button>", "<button>Go</button>"),
        ("<button><span>Go</span><span>!</span></button>", "<button>Go!</button>"),
    ],
)
def test_significant_differences_are_kept(a: str, b: str) -> None:
    assert not equivalent(a, b)


def test_canonical_of_the_seed_button() -> None:
    assert canonical(LOGIN) == (
        '<form data-form-secondary="true" method="post">'
        '<input name="state" type="hidden" value="{{ state }}">'
        '<input name="connection" type="hidden" value="email">'
        '<button data-action-button-secondary="true" id="switchConnectionButton" '
        'style="background: #635dff; width: 100%; padding: 12px 16px; border: none; color: white;"'
        ' type="submit">Send a secure code by email</button></form>'
    )


def test_unclosed_script_keeps_its_text() -> None:
    assert not equivalent("<script>alert(1)", "<script>alert(2)")


# --- the corpus ------------------------------------------------------------------------------


def test_corpus_is_complete() -> None:
    assert len(CASES) >= 20
    assert sorted(p.stem for p in CORPUS.glob("*.html")) == CASES


@pytest.mark.parametrize("name", CASES)
def test_parse_items_finds_the_expected_items(name: str) -> None:
    assert parse_items(corpus_html(name)) == corpus_items(name)


@pytest.mark.parametrize("name", CASES)
def test_parsing_rendered_items_gives_them_back(name: str) -> None:
    items = corpus_items(name)
    assert parse_items(render_items(items)) == items


def test_raw_stretches_are_kept_as_written() -> None:
    html = "  <P CLASS=hint>Codes   expire</P>\n\n" + SIGNUP + "\n  \n"
    assert parse_items(html) == (RawPartial("<P CLASS=hint>Codes   expire</P>"), EMAIL_BUTTON)


def test_whitespace_only_partial_has_no_items() -> None:
    assert parse_items(" \n\t ") == ()
    assert parse_items(SIGNUP + "\n \n" + SIGNUP) == (EMAIL_BUTTON, EMAIL_BUTTON)


def test_no_break_space_is_not_trimmed() -> None:
    assert parse_items("\xa0<p>x</p>\n") == (RawPartial("\xa0<p>x</p>"),)


@pytest.mark.parametrize(
    ("html", "items"),
    [
        pytest.param("\x1f", (RawPartial("\x1f"),), id="unit-separator"),
        pytest.param(" \x0b\u2028 ", (RawPartial("\x0b\u2028"),), id="vertical-tab"),
    ],
)
def test_characters_python_strips_but_html_does_not_are_kept(
    html: str, items: tuple[Item, ...]
) -> None:
    assert parse_items(html) == items


# --- properties ------------------------------------------------------------------------------

FRAGMENTS = [
    "<", ">", "</", "/>", "<!--", "-->", "<!", "<![", "]]>", "]>", "<?", "&", "&amp;", "&#",
    "&#x26;", ";", "=", '"', "'", " ", "\n", "\t", "div", "span", "form", "button", "input",
    "script", "style", "pre", "textarea", "CDATA[", "if", "{{", "}}", "{%", "%}", "-", "state",
    "<button>", "</button>", "<span>", "</span>", "<pre>", "</pre>", "<script>", "</script>",
    SIGNUP, LOGIN,
]  # fmt: skip
htmlish = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=25).map(
    "".join
) | st.text(alphabet="<>/!-=\"' abdivprescty&#;x[]?{}%\n\tCDATAif", max_size=60)


@settings(max_examples=250, deadline=None)
@given(st.text() | htmlish)
def test_canonical_never_raises_and_is_idempotent(html: str) -> None:
    spelled = canonical(html)
    assert canonical(spelled) == spelled


# Trees spelled two ways: quoting, attribute order, tag and attribute case, entities, the
# blanks inside tags, void slashes. Text, and what stands between elements, is the same in both
# spellings: which whitespace is significant is the rule the examples above pin down.


@dataclass(frozen=True)
class Element:
    tag: str
    attrs: tuple[tuple[str, str], ...]
    children: tuple[Node, ...]


Node = Element | str
CONTAINERS = ["div", "p", "span", "a", "b", "section", "ul", "li", "label"]
VOIDS = ["br", "img", "hr", "input"]
ATTR_NAMES = ["id", "class", "href", "title", "data-x", "alt"]
text_nodes = st.text(min_size=1, max_size=12).filter(lambda s: s.strip(HTML_WHITESPACE))
attrs = st.dictionaries(st.sampled_from(ATTR_NAMES), st.text(max_size=8), max_size=3).map(
    lambda d: tuple(d.items())
)
voids = st.builds(Element, st.sampled_from(VOIDS), attrs, st.just(()))
trees: st.SearchStrategy[tuple[Node, ...]] = st.recursive(
    st.lists(text_nodes | voids, max_size=3).map(tuple),
    lambda children: st.lists(
        st.builds(Element, st.sampled_from(CONTAINERS), attrs, children) | text_nodes | voids,
        min_size=1,
        max_size=3,
    ).map(tuple),
    max_leaves=12,
)

ENTITIES = {
    "&": ["&amp;", "&#38;", "&#x26;"],
    "<": ["&lt;", "&#60;", "&#x3c;"],
    ">": [">", "&gt;", "&#62;"],
    '"': ['"', "&quot;", "&#34;"],
    "'": ["'", "&#39;", "&#x27;"],
}


def spell(nodes: tuple[Node, ...], data: st.DataObject) -> str:
    return "".join(
        spell_text(node, data) if isinstance(node, str) else spell_element(node, data)
        for node in nodes
    )


def spell_text(text: str, data: st.DataObject) -> str:
    out = []
    for ch in text:
        if ch in ENTITIES:
            choices = ENTITIES[ch][1:] if ch in "&<" else ENTITIES[ch]
            out.append(data.draw(st.sampled_from(choices)))
        else:
            out.append(ch)
    return "".join(out)


def spell_value(value: str, data: st.DataObject) -> str:
    quote = data.draw(st.sampled_from(['"', "'"]))
    out = []
    for ch in value:
        if ch in "&" + quote:
            out.append(data.draw(st.sampled_from(ENTITIES[ch][1:])))
        else:
            out.append(ch)
    return quote + "".join(out) + quote


def spell_element(element: Element, data: st.DataObject) -> str:
    def cased(name: str) -> str:
        return data.draw(st.sampled_from([name, name.upper(), name.capitalize()]))

    order = data.draw(st.permutations(element.attrs))
    attrs = "".join(
        data.draw(st.sampled_from([" ", "\n  ", "  "]))
        + cased(name)
        + ("" if value == "" and data.draw(st.booleans()) else "=" + spell_value(value, data))
        for name, value in order
    )
    if element.tag in VOIDS:
        return f"<{cased(element.tag)}{attrs}{data.draw(st.sampled_from(['>', '/>', ' />']))}"
    inner = spell(element.children, data)
    return f"<{cased(element.tag)}{attrs}>{inner}</{cased(element.tag)}>"


def mutations(nodes: tuple[Node, ...]) -> list[tuple[Node, ...]]:
    """Every tree that differs from ``nodes`` in one text, attribute value or tag name."""
    result: list[tuple[Node, ...]] = []
    for i, node in enumerate(nodes):
        variants: list[Node] = []
        if isinstance(node, str):
            variants.append(node + "x")
        else:
            for j, (name, value) in enumerate(node.attrs):
                changed = (*node.attrs[:j], (name, value + "x"), *node.attrs[j + 1 :])
                variants.append(replace(node, attrs=changed))
            if node.tag not in VOIDS:
                other = "div" if node.tag != "div" else "p"
                variants.append(replace(node, tag=other))
                variants += [replace(node, children=c) for c in mutations(node.children)]
        result += [(*nodes[:i], variant, *nodes[i + 1 :]) for variant in variants]
    return result


@settings(max_examples=60, deadline=None)
@given(trees, st.data())
def test_two_spellings_of_one_tree_are_equivalent(
    nodes: tuple[Node, ...], data: st.DataObject
) -> None:
    assert equivalent(spell(nodes, data), spell(nodes, data))


@settings(max_examples=60, deadline=None)
@given(trees, st.data())
def test_a_changed_tree_is_not_equivalent(nodes: tuple[Node, ...], data: st.DataObject) -> None:
    changed = mutations(nodes)
    if changed:
        other = data.draw(st.sampled_from(changed))
        assert not equivalent(spell(nodes, data), spell(other, data))


connection_names = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)
plain = st.text(max_size=20).filter(lambda s: "{{" not in s and "{%" not in s)
buttons = st.builds(
    SwitchButton,
    connection=connection_names,
    label=plain.filter(lambda s: s.strip(HTML_WHITESPACE)),
    id=st.none() | plain,
    css_class=st.none() | plain,
    style=st.none() | plain,
)
raw_snippets = st.sampled_from(
    [
        "<div>Form Footer Start</div>",
        '<p><a href="/help?x=1&amp;y=2">help</a></p>',
        "Or use:",
        "<!-- switch buttons -->",
        "{% if locale == 'fr' %}<b>Bonjour</b>{% endif %}",
        "<script>window.x = 1 < 2;</script>",
    ]
).map(RawPartial)


@st.composite
def item_lists(draw: st.DrawFn) -> list[Item]:
    """Buttons, each optionally preceded by one raw item (two raws in a row would merge)."""
    items: list[Item] = []
    for raw, button in draw(st.lists(st.tuples(st.none() | raw_snippets, buttons), max_size=4)):
        items += [raw, button] if raw is not None else [button]
    trailing = draw(st.none() | raw_snippets)
    return [*items, trailing] if trailing is not None else items


@settings(max_examples=80, deadline=None)
@given(item_lists())
def test_parse_items_gives_back_rendered_items(items: list[Item]) -> None:
    assert parse_items(render_items(items)) == tuple(items)
