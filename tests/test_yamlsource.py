"""The YAML reader: locations, duplicate keys, limits, and no traceback for any input."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.errors import ConfigError, SourceLocation
from reconciler.yamlsource import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    ConfigErrors,
    LocatingLoader,
    load_yaml,
    parse_yaml,
)

FILE = Path("tenants/t.yaml")

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def error_of(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        parse_yaml(text, FILE)
    return raised.value


def messages_of(text: str) -> list[tuple[str, str]]:
    error = error_of(text)
    errors = error.errors if isinstance(error, ConfigErrors) else (error,)
    return [(str(one.location), one.message) for one in errors]


# ------------------------------------------------------------------------------ locations


def test_data_is_plain_python_with_locations() -> None:
    text = "tenant: acme\nprompts:\n  login:\n    - switch: email\n      label: 'Hi'\n"
    document = parse_yaml(text, FILE)
    assert document.data == {
        "tenant": "acme",
        "prompts": {"login": [{"switch": "email", "label": "Hi"}]},
    }
    assert document.location(()) == SourceLocation(FILE, 1, 1)
    assert document.location(("tenant",)) == SourceLocation(FILE, 1, 9)
    assert document.key_location(("prompts", "login")) == SourceLocation(FILE, 3, 3)
    assert document.location(("prompts", "login")) == SourceLocation(FILE, 4, 5)
    assert document.location(("prompts", "login", 0)) == SourceLocation(FILE, 4, 7)
    assert document.location(("prompts", "login", 0, "label")) == SourceLocation(FILE, 5, 14)
    assert document.key_location(("prompts", "login", 0, "label")) == SourceLocation(FILE, 5, 7)


def test_a_missing_path_falls_back_to_its_nearest_ancestor() -> None:
    document = parse_yaml("a:\n  b: 1\n", FILE)
    assert document.location(("a", "missing", 3)) == SourceLocation(FILE, 2, 3)
    assert document.key_location(("a", "missing")) == SourceLocation(FILE, 2, 3)


def test_an_empty_document_has_no_data() -> None:
    for text in ("", "\n\n", "# only a comment\n", "---\n"):
        assert parse_yaml(text, FILE).data is None


def test_dates_stay_text_and_yaml_1_1_booleans_are_booleans() -> None:
    document = parse_yaml("when: 2024-01-31\nflag: yes\nn: 3\nx: 1.5\nnothing: ~\n", FILE)
    assert document.data == {"when": "2024-01-31", "flag": True, "n": 3, "x": 1.5, "nothing": None}


def test_aliases_repeat_a_value() -> None:
    document = parse_yaml("a: &x {k: v}\nb: *x\n", FILE)
    assert document.data == {"a": {"k": "v"}, "b": {"k": "v"}}
    assert document.location(("b", "k")) == SourceLocation(FILE, 1, 11)


def test_the_loader_is_a_safe_loader() -> None:
    assert issubclass(LocatingLoader, yaml.SafeLoader)
    assert messages_of("x: !!python/object:os.system ls\n") == [
        (f"{FILE}:1:4", "unsupported YAML tag !!python/object:os.system")
    ]


# ----------------------------------------------------------------------------- problems


def test_duplicate_keys_name_both_lines() -> None:
    text = "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\na: 4\n"
    assert messages_of(text) == [
        (f"{FILE}:5:3", "duplicate key 'c': first at line 3, again at line 5"),
        (f"{FILE}:6:1", "duplicate key 'a': first at line 1, again at line 6"),
    ]
    assert error_of(text).errors[0].hint == (  # type: ignore[attr-defined]
        "YAML would silently keep only the last one; remove one or merge them"
    )


def test_duplicate_keys_in_flow_mappings() -> None:
    assert messages_of("x: {a: 1, b: 2, a: 3}\n") == [
        (f"{FILE}:1:17", "duplicate key 'a': first at line 1, again at line 1")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: [1, 2\n",
            (
                f"{FILE}:2:1",
                "invalid YAML: expected ',' or ']', but got '<stream end>' "
                "(while parsing a flow sequence at line 1)",
            ),
        ),
        ("a: 1\n b: 2\n", (f"{FILE}:2:3", "invalid YAML: mapping values are not allowed here")),
        (
            "a:\n\tb: 1\n",
            (
                f"{FILE}:2:1",
                "invalid YAML: found character '\\t' that cannot start any token "
                "(while scanning for the next token)",
            ),
        ),
        (
            "a: 1\n---\nb: 2\n",
            (
                f"{FILE}:2:1",
                "invalid YAML: but found another document "
                "(expected a single document in the stream at line 1)",
            ),
        ),
        (
            "a: \x07\n",
            (
                f"{FILE}:1:4",
                "invalid YAML: character #x0007 is not allowed (special characters are not "
                "allowed)",
            ),
        ),
        ("a: *nope\n", (f"{FILE}:1:4", "invalid YAML: found undefined alias 'nope'")),
        ("<<: {a: 1}\n", (f"{FILE}:1:1", "merge keys (<<) are not supported")),
        ("1: one\n", (f"{FILE}:1:1", "the key '1' is not read as text by YAML")),
        (
            "? [a]\n: 1\n",
            (f"{FILE}:1:3", "a mapping key must be plain text, not a list or mapping"),
        ),
        ("a: !custom x\n", (f"{FILE}:1:4", "unsupported YAML tag !custom")),
        ("s: !!set {a, b}\n", (f"{FILE}:1:4", "unsupported YAML tag !!set")),
        ("a: &x [1, *x]\n", (f"{FILE}:1:4", "an alias refers to a value that contains it")),
    ],
)
def test_yaml_problems_have_a_location(text: str, expected: tuple[str, str]) -> None:
    (found,) = messages_of(text)
    assert found == expected


def test_tabs_get_a_specific_hint() -> None:
    hint = "YAML indents with spaces; replace the tab characters with spaces"
    assert error_of("a:\n\tb: 1\n").hint == hint


def test_an_overlong_integer_is_a_config_error() -> None:
    ((where, message),) = messages_of("n: " + "9" * 5000 + "\n")
    assert where == f"{FILE}:1:4"
    assert message.startswith("cannot read this value: Exceeds the limit (4300 digits)")


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"tenant: acme\nlabel: caf\xe9\n")
    with pytest.raises(ConfigError) as raised:
        load_yaml(path)
    assert str(raised.value.location) == f"{path}:2:11"
    assert raised.value.message == "the file is not valid UTF-8 (byte 0xe9)"


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbftenant: acme\n")
    assert load_yaml(path).data == {"tenant": "acme"}


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_yaml(tmp_path / "nope.yaml")
    assert raised.value.message == "cannot read the file: No such file or directory"
    assert raised.value.location == SourceLocation(tmp_path / "nope.yaml")


# ---------------------------------------------------------------------------------- limits


#: Refusing an alias bomb costs about 2 MiB; expanding this one would cost gigabytes.
BOMB_MEMORY_BOUND = 32 * 1024 * 1024


@contextmanager
def peak_memory() -> Iterator[Callable[[], int]]:
    """The peak of memory allocated meanwhile (bytes): a bound on work that no load skews."""
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_billion_laughs_is_refused_quickly() -> None:
    with peak_memory() as peak:
        error = error_of(BILLION_LAUGHS)
        assert peak() < BOMB_MEMORY_BOUND
    assert error.message == "the file expands to more than 10000 values through aliases"
    assert error.location is not None and error.location.line > 0


def test_billion_laughs_from_a_file_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "lol.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    with peak_memory() as peak:
        with pytest.raises(ConfigError, match="through aliases"):
            load_yaml(path)
        assert peak() < BOMB_MEMORY_BOUND


def test_a_file_over_one_mebibyte_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_yaml(path)
    assert raised.value.message == "the file is larger than the 1024 KiB limit for tenant files"
    assert raised.value.location == SourceLocation(path)
    with pytest.raises(ConfigError, match="1024 KiB"):
        parse_yaml("a: " + "é" * (MAX_FILE_BYTES // 2), FILE)
    # Quickly: the size is checked before any parsing (this would be a nesting error).
    path.write_text("[" * (MAX_FILE_BYTES + 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="1024 KiB"):
        load_yaml(path)
    with pytest.raises(ConfigError, match="1024 KiB"):
        parse_yaml("[" * (MAX_FILE_BYTES + 1), FILE)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "{" * 100_000,
        "- " * 50_000,
        "".join(" " * depth + f"k{depth}:\n" for depth in range(200)),
        "".join(f"a{i}: &a{i} [*a{i - 1}]\n" if i else "a0: &a0 [x]\n" for i in range(200)),
    ],
    ids=["flow-lists", "flow-mappings", "block-lists", "block-mappings", "alias-chain"],
)
def test_deep_nesting_is_refused_quickly(text: str) -> None:
    error = error_of(text)
    assert f"deeper than {MAX_DEPTH} levels" in error.message
    assert error.location is not None and error.location.line > 0
    # Quickly: reading stops where the nesting crosses the limit, not at the end of the input.
    assert error.location.line <= MAX_DEPTH + 1
    assert 0 < error.location.column <= 2 * MAX_DEPTH + 1


def test_too_many_values_are_refused() -> None:
    text = "".join(f"- {i}\n" for i in range(12_000))
    error = error_of(text)
    assert error.message == "invalid YAML: the file holds more than 10000 values"
    assert str(error.location) == f"{FILE}:10000:3"


# ------------------------------------------------------------------------- the aggregate


def test_config_errors_with_one_problem_read_like_it() -> None:
    one = ConfigError("bad", location=SourceLocation(FILE, 2, 3), hint="fix it")
    both = ConfigErrors([one])
    assert str(both) == str(one) == f"{FILE}:2:3: bad\n  hint: fix it"
    assert (both.message, both.location, both.hint) == ("bad", one.location, "fix it")


def test_config_errors_flatten_sort_and_drop_repeats() -> None:
    late = ConfigError("late", location=SourceLocation(FILE, 9, 1))
    early = ConfigError("early", location=SourceLocation(FILE, 2, 5), hint="h")
    nested = ConfigErrors([late, early])
    combined = ConfigErrors([nested, late])
    assert combined.errors == (early, late)
    assert str(combined) == (
        f"2 problems in {FILE}:\n  {FILE}:2:5: early\n    hint: h\n  {FILE}:9:1: late"
    )
    assert combined.location == early.location
    with pytest.raises(ValueError, match="at least one"):
        ConfigErrors([])


# ------------------------------------------------------------------------------ properties


def _assert_loads_or_is_located(text: str) -> None:
    try:
        parse_yaml(text, FILE)
    except ConfigError as error:
        assert error.location is not None
        assert error.location.file == FILE
        problems = error.errors if isinstance(error, ConfigErrors) else (error,)
        for problem in problems:
            assert str(problem).startswith(f"{FILE}:")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_loads_or_raises_a_located_config_error(text: str) -> None:
    _assert_loads_or_is_located(text)


FRAGMENTS = st.sampled_from(
    [
        "a", "b", "k", "1", "-1", "0x1f", "1e9", "~", "null", "yes", "2024-01-01", "<<",
        ":", ": ", "- ", "? ", ",", "[", "]", "{", "}", "&x ", "*x", "&y ", "*y", "!!str ",
        "!!binary ", "!t ", "|", ">", "'", '"', "#", "---", "...", "%YAML 1.1", "\n", "\n  ",
        "\n    ", "\t", " ", "\\", "\x00", "\ufeff", "é", "{{state}}", "<form>",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=40).map("".join))
def test_yaml_like_fragments_load_or_raise_a_located_config_error(text: str) -> None:
    _assert_loads_or_is_located(text)


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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES, st.booleans(), st.sampled_from([None, "'", '"', "|"]))
def test_dumped_structures_round_trip(value: object, flow: bool, style: str | None) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, default_style=style, allow_unicode=True)
    # PyYAML's own SafeLoader is the oracle (it does not round-trip everything, e.g. U+0085).
    assert parse_yaml(text, FILE).data == yaml.safe_load(text)
