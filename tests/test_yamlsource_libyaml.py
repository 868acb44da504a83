"""The libyaml path of the YAML reader: it reads every text exactly as the pure-Python loader
(``parse_yaml(..., fast=False)``) does, data, locations and errors alike."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.errors import ConfigError
from reconciler.yamlsource import FAST_LOADER, ConfigErrors, parse_yaml

FILE = Path("tenants/t.yaml")
PROJECT = Path(__file__).resolve().parents[1]

FRAGMENTS = st.sampled_from(
    [
        "a", "b", "k", "1", "-1", "0x1f", "1e9", "~", "null", "yes", "2024-01-01", "<<",
        ":", ": ", "- ", "? ", ",", "[", "]", "{", "}", "&x ", "*x", "&y ", "*y", "!!str ",
        "!!binary ", "!!int ", "!!bool ", "!t ", "!", "! ", "!<!> ", "!e!x ", "|", ">", "|-",
        ">+", "|2", "'", '"', "#", " #c", "---", "...", "%YAML 1.1", "%TAG !e! tag:x,2000:\n",
        "\n", "\n  ", "\n    ", "\r", "\x85", "\u2028", "\t", " ", "\\", "\\ud800", '"\\ud800"',
        '"\\U0001F600"', '"\\x41"', "\x00", "\ufeff", "\ud800", "é", "{{state}}", "<form>",
        "<!-- c -->", "Welcome!", "a > b",
    ]
)  # fmt: skip


def outcome(text: str, *, fast: bool) -> tuple[object, ...]:
    """What parse_yaml gives: the data and every location, or every problem."""
    try:
        document = parse_yaml(text, FILE, fast=fast)
    except ConfigError as error:
        problems = error.errors if isinstance(error, ConfigErrors) else (error,)
        return ("error", [(str(p.location), p.message, p.hint) for p in problems])
    return (
        "data",
        repr(document.data),
        dict(document.value_locations),
        dict(document.key_locations),
    )


def assert_alike(text: str) -> None:
    assert outcome(text, fast=True) == outcome(text, fast=False), repr(text)


def test_libyaml_is_there() -> None:
    # PyYAML's wheels bundle libyaml; without it every file takes the pure-Python loader.
    assert FAST_LOADER is not None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=40).map("".join), st.booleans())
def test_yaml_like_text_reads_alike(text: str, line_break: bool) -> None:
    assert_alike(text + ("\n" if line_break else ""))


@settings(max_examples=200, deadline=None)
@given(st.text(), st.booleans())
def test_any_text_reads_alike(text: str, line_break: bool) -> None:
    assert_alike(text + ("\n" if line_break else ""))


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES, st.booleans(), st.sampled_from([None, "'", '"', "|", ">"]), st.booleans())
def test_dumped_structures_read_alike(
    value: object, flow: bool, style: str | None, unicode: bool
) -> None:
    assert_alike(
        yaml.safe_dump(value, default_flow_style=flow, default_style=style, allow_unicode=unicode)
    )


@pytest.mark.parametrize(
    "file",
    sorted(
        [*PROJECT.glob("tests/fixtures/**/*.yaml"), *PROJECT.glob("tenants/*.yaml")],
        key=str,
    ),
    ids=lambda p: p.name,
)
def test_the_project_files_read_alike(file: Path) -> None:
    assert_alike(file.read_text("utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "a:\tb\n",  # libyaml accepts tabs between tokens, PyYAML refuses them
        "a: |#\n",  # and a comment glued to a block scalar header
        "!:!\n",  # and odd tag handles
        "a: ! 1\n",  # and reads the non-specific tag otherwise
        "---",  # an empty value at an end without a line break gets another place
        "a: 1\n\ufeff",
        "[" * 100_000,
        "a: " + "9" * 5000 + "\n",
    ],
)
def test_where_libyaml_differs_the_pure_loader_reads(text: str) -> None:
    assert_alike(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("n: !!int \n", "cannot read this value as !!int"),
        ("b: !!bool maybe\n", "cannot read this value as !!bool"),
        ("f: !!float \n", "cannot read this value as !!float"),
    ],
)
def test_an_empty_or_unknown_tagged_value_is_a_located_problem(text: str, message: str) -> None:
    for fast in (True, False):
        with pytest.raises(ConfigError) as raised:
            parse_yaml(text, FILE, fast=fast)
        assert raised.value.message == message
        assert str(raised.value.location) == f"{FILE}:1:4"
        assert raised.value.hint == "quote it"
