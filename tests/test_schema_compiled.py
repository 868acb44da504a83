"""The compiled schema checks: they never pass a file jsonschema refuses, and they pass the
files jsonschema passes (so jsonschema runs only to explain a refused file)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from reconciler.catalog import PROMPTS
from reconciler.config.schema import compile_schema, tenant_schema

PROJECT = Path(__file__).resolve().parents[1]
SCHEMA = tenant_schema()
CHECK = compile_schema(SCHEMA)
VALIDATOR = Draft202012Validator(SCHEMA)


def _seeds() -> list[dict[str, Any]]:
    seeds = []
    files = [*PROJECT.glob("tests/fixtures/config/**/*.yaml"), *PROJECT.glob("tenants/*.yaml")]
    for file in sorted(files, key=str):
        try:
            data = yaml.safe_load(file.read_text("utf-8"))
        except yaml.YAMLError:
            continue
        if isinstance(data, dict):
            seeds.append(data)
    return seeds


SEEDS = _seeds()
WORDS = [
    *list(PROMPTS)[:8], "form-footer-start", "form-footer-end", "switch", "label", "raw", "id",
    "class", "style", "exclusive", "tenant", "domain", "credentials", "client_id",
    "client_secret", "token", "audience", "safety", "max_deletes", "allow_empty_prompt",
    "prompts", "extra_prompts", "screens", "insertion_points", "custom_domain", "applications",
    "default_language", "texts", "text_key", "translations", "var-x", "en", "fr", "${X}",
    "email", "sms", "Username-Password-Authentication", "login-passwordless-email-code", "",
    " ", "a", "A b", "{{x}}", "<form>", "x\n", "http://127.0.0.1:1/tenants/x",
    "acme.eu.auth0.com",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**20),
    st.floats(allow_nan=False),
    st.sampled_from(WORDS),
    st.text(max_size=6),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(WORDS), inner),
    max_leaves=8,
)


def _paths(data: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(data: Any, path: tuple[Any, ...], how: str, value: object, key: str) -> Any:
    if not path:
        return value if how == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "replace":
        parent[last] = value
    elif how == "delete":
        del parent[last]
    elif isinstance(parent[last], dict):
        parent[last][key] = value
    elif isinstance(parent[last], list):
        parent[last].append(value)
    return data


def test_the_whole_schema_compiles() -> None:
    # A keyword the compiler does not know would refuse every file: jsonschema would run always.
    assert all(CHECK(seed) == VALIDATOR.is_valid(seed) for seed in SEEDS)
    assert any(VALIDATOR.is_valid(seed) for seed in SEEDS)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_checks_agree_with_jsonschema_on_changed_files(data: st.DataObject) -> None:
    document = copy.deepcopy(data.draw(st.sampled_from(SEEDS)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)))
        how = data.draw(st.sampled_from(["replace", "delete", "add"]))
        value = data.draw(VALUES)
        document = _mutate(document, path, how, value, data.draw(st.sampled_from(WORDS)))
    assert CHECK(document) == VALIDATOR.is_valid(document)


@pytest.mark.parametrize(
    ("schema", "valid", "invalid"),
    [
        ({"type": "integer"}, [1, 2.0], [True, 1.5, "1"]),
        ({"minimum": 3}, [3, 4.5, "x"], [2, 2.9]),
        ({"enum": ["a", "b"]}, ["a"], ["c", 1, None]),
        ({"uniqueItems": True}, [["a", "b"], "x"], [["a", "a"]]),
        ({"not": {"required": ["x"]}}, [{"y": 1}], [{"x": 1}, 3]),
        (
            {"if": {"required": ["raw"]}, "then": {"required": ["raw", "id"]}, "else": False},
            [{"raw": 1, "id": 2}],
            [{"raw": 1}, {"switch": 1}],
        ),
        ({"propertyNames": {"pattern": "^a"}}, [{"ab": 1}], [{"b": 1}]),
        ({"additionalProperties": False, "properties": {"a": {}}}, [{"a": 1}], [{"b": 1}]),
        ({"properties": {"a": False}}, [{"b": 1}], [{"a": 1}]),
        ({"minProperties": 1, "minItems": 1}, [{"a": 1}, [1]], [{}, []]),
        (
            {"$ref": "#/$defs/n", "$defs": {"n": {"items": {"$ref": "#/$defs/n"}}}},
            [[[], [[]]]],
            [],
        ),
    ],
)
def test_each_keyword_as_jsonschema_reads_it(
    schema: dict[str, Any], valid: list[object], invalid: list[object]
) -> None:
    check = compile_schema(schema)
    validator = Draft202012Validator(schema)
    for value in valid:
        assert validator.is_valid(value) and check(value), value
    for value in invalid:
        assert not validator.is_valid(value) and not check(value), value


@pytest.mark.parametrize(
    "schema",
    [
        {"anyOf": [{"type": "string"}]},  # a keyword it does not know
        {"$ref": "https://example.com/other.json"},  # a reference outside the document
        {"enum": [1, True]},  # an enum of anything but text (jsonschema tells 1 from True)
        {"not": {"uniqueItems": True}},  # a refusal of doubt must not be turned round
    ],
)
def test_what_it_is_unsure_of_it_refuses(schema: dict[str, Any]) -> None:
    check = compile_schema(schema)
    assert not check("text") and not check([1, 1]) and not check({})
