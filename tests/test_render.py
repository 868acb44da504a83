"""Golden-file and property tests for reconciler.render.

Each tests/golden/render/NAME.yaml holds items in the tenant-file item syntax; NAME.html holds the
expected ``render_items`` output followed by one newline. Refresh the expected files with::

    UPDATE_GOLDEN=1 python -m pytest tests/test_render.py

and review the change in ``git diff``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.config import parse_tenant
from reconciler.model import Item, SwitchButton
from reconciler.render import render_items

GOLDEN = Path(__file__).parent / "golden" / "render"
SEEDS = Path(__file__).parent / "fixtures" / "partials"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
CASES = sorted(path.stem for path in GOLDEN.glob("*.yaml"))


def items_from_data(entries: Sequence[Mapping[str, object]]) -> tuple[Item, ...]:
    """Items written in the tenant-file item syntax, read by the tenant-file loader itself (as
    the items of one insertion point), so defaults and ``null`` mean what they mean in a file."""
    tenant = {
        "tenant": "fixture",
        "domain": "fixture.eu.auth0.com",
        "credentials": {"token": "${FIXTURE_TOKEN}"},
        "prompts": {"login-id": [dict(entry) for entry in entries]},
    }
    config = parse_tenant(yaml.safe_dump(tenant), Path("fixture.yaml"), env="skip")
    (prompt,) = config.prompts
    (screen,) = prompt.screens
    (point,) = screen.insertion_points
    return point.items


def load_items(path: Path) -> list[Item]:
    return list(items_from_data(yaml.safe_load(path.read_text(encoding="utf-8"))))


def read_html(path: Path) -> str:
    """A fixture or golden HTML file: its content, without the one final newline."""
    return path.read_text(encoding="utf-8").removesuffix("\n")


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str) -> None:
    rendered = render_items(load_items(GOLDEN / f"{name}.yaml"))
    expected_path = GOLDEN / f"{name}.html"
    if UPDATE:
        expected_path.write_text(rendered + "\n", encoding="utf-8")
    assert expected_path.exists(), f"no {expected_path.name}: run with UPDATE_GOLDEN=1"
    assert rendered == read_html(expected_path)


def test_every_golden_output_has_an_input() -> None:
    assert CASES
    assert sorted(path.stem for path in GOLDEN.glob("*.html")) == CASES


def test_seed_button_renders_exactly_as_the_seed_curl() -> None:
    items = load_items(GOLDEN / "seed-signup-password.yaml")
    assert render_items(items) == read_html(SEEDS / "seed-signup-password.html")


def test_escaping_golden_keeps_state_literal_and_injects_nothing() -> None:
    html = read_html(GOLDEN / "escaping.html")
    assert 'value="{{state}}"' in html
    parser = _Collector()
    parser.feed(html)
    parser.close()
    assert parser.tags == ["form", "input", "input", "button", "span"]
    assert set(parser.attrs["button"]) == {
        "type",
        "id",
        "class",
        "style",
        "data-action-button-secondary",
    }
    assert parser.attrs["button"]["class"] == "x' onmouseover='alert(1)"
    assert "".join(parser.span_text) == 'Tom & Jerry\'s "<script>alert(1)</script>"'


class _Collector(HTMLParser):
    """Collects what a browser-like parser sees in rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.inputs: list[dict[str, str | None]] = []
        self.span_text: list[str] = []
        self._in_span = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "input":
            self.inputs.append(dict(attrs))
        else:
            self.attrs[tag] = dict(attrs)
        self._in_span = tag == "span"

    def handle_endtag(self, tag: str) -> None:
        self._in_span = False

    def handle_data(self, data: str) -> None:
        if self._in_span:
            self.span_text.append(data)


free_text = st.text(max_size=40)
optional_text = st.none() | free_text
connections = st.sampled_from(["email", "sms", "Username-Password-Authentication", "db-2"])
tricky_text = st.sampled_from(
    [
        "</span></button></form><script>alert(1)</script>",
        "{{state}}",
        "{% raw %}",
        "&amp;",
        '"',
        "'",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    connection=connections,
    label=free_text | tricky_text,
    button_id=optional_text | tricky_text,
    css_class=optional_text | tricky_text,
    style=optional_text | tricky_text,
)
def test_rendered_button_parses_back_to_one_form_with_the_same_values(
    connection: str,
    label: str,
    button_id: str | None,
    css_class: str | None,
    style: str | None,
) -> None:
    button = SwitchButton(connection, label, id=button_id, css_class=css_class, style=style)
    parser = _Collector()
    parser.feed(render_items([button]))
    parser.close()

    assert parser.tags == ["form", "input", "input", "button", "span"]
    assert "script" not in parser.tags
    assert "".join(parser.span_text) == label
    assert parser.inputs[0] == {"type": "hidden", "name": "state", "value": "{{state}}"}
    assert parser.inputs[1]["value"] == connection
    button_attrs = parser.attrs["button"]
    assert button_attrs.get("id") == button_id
    assert button_attrs.get("class") == css_class
    assert button_attrs.get("style") == style
    assert set(button_attrs) <= {"type", "id", "class", "style", "data-action-button-secondary"}
