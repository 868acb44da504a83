"""Tests for reconciler.importer: live documents -> tenant YAML, and folding drift back."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.catalog import (
    DEFAULT_INSERTION_POINT,
    STANDARD_INSERTION_POINTS,
    PromptSpec,
    prompt_spec,
)
from reconciler.config import parse_tenant
from reconciler.errors import ConfigError
from reconciler.importer import (
    fold_prompts,
    import_tenant_yaml,
    item_from_data,
    item_to_data,
)
from reconciler.markup import equivalent, parse_items
from reconciler.model import (
    Credentials,
    Item,
    PromptDocument,
    RawPartial,
    SwitchButton,
)
from reconciler.render import render_items

CORPUS = Path(__file__).parent / "fixtures" / "partials"
CLIENT = Credentials("client_credentials", "ACME_DEV_CLIENT_ID", "ACME_DEV_CLIENT_SECRET")


def partial(name: str) -> str:
    return (CORPUS / f"{name}.html").read_text(encoding="utf-8").removesuffix("\n")


SIGNUP = partial("seed-signup-password")
LOGIN = partial("seed-login-password")
PASSWORDLESS = partial("seed-login-passwordless")
HINT = '<p class="hint">Codes expire after 5 minutes.</p>'

SEED_DOCUMENTS = [
    PromptDocument("signup-password", {"signup-password": {"form-footer-start": SIGNUP}}),
    PromptDocument("login-password", {"login-password": {"form-footer-start": LOGIN}}),
    PromptDocument(
        "login-passwordless",
        {
            "login-passwordless-sms-otp": {
                "form-footer-start": PASSWORDLESS + "\n" + HINT,
                "form-footer-end": "<div>Footer</div>",
            },
            "login-passwordless-email-code": {"form-footer-start": PASSWORDLESS},
        },
    ),
    PromptDocument("login", {}),
]


def run_import(documents: list[PromptDocument], credentials: Credentials = CLIENT) -> str:
    return import_tenant_yaml(
        tenant="acme-dev", domain="login.acme.com", credentials=credentials, documents=documents
    )


def declared_partials(text: str) -> dict[tuple[str, str, str], tuple[Item, ...]]:
    """The items a tenant file declares per (prompt, screen, insertion point), shorthands read
    the documented way. A small reading of the format, independent of the importer."""
    data = yaml.safe_load(text)
    extra = {
        name: PromptSpec(
            name,
            tuple(body["screens"]),
            tuple(body.get("insertion_points", STANDARD_INSERTION_POINTS)),
        )
        for name, body in (data.get("extra_prompts") or {}).items()
    }
    declared: dict[tuple[str, str, str], tuple[Item, ...]] = {}

    def add(prompt: str, screen: str | None, point: str, entries: list[dict[str, object]]) -> None:
        assert screen is not None
        declared[(prompt, screen, point)] = tuple(item_from_data(entry) for entry in entries)

    for prompt, body in (data.get("prompts") or {}).items():
        spec = prompt_spec(prompt, extra)
        assert spec is not None, prompt
        if isinstance(body, list):
            add(prompt, spec.default_screen, DEFAULT_INSERTION_POINT, body)
            continue
        for key, value in body.items():
            if key == "exclusive":
                continue
            if key in spec.screens and isinstance(value, list):
                add(prompt, key, DEFAULT_INSERTION_POINT, value)
            elif key in spec.screens:
                for point, entries in value.items():
                    if point != "exclusive":
                        add(prompt, key, point, entries)
            else:
                add(prompt, spec.default_screen, key, value)
    return declared


def assert_declares_live(text: str, documents: list[PromptDocument]) -> None:
    """Every non-empty live partial is declared, and renders equivalent to the live HTML."""
    declared = declared_partials(text)
    live = {
        (document.prompt, screen, point): html
        for document in documents
        for screen, points in document.screens.items()
        for point, html in points.items()
        if parse_items(html)
    }
    assert set(declared) == set(live)
    for key, html in live.items():
        assert equivalent(render_items(declared[key]), html), key


# --- import ----------------------------------------------------------------------------------

EXPECTED_SEED_IMPORT = """\
# yaml-language-server: $schema=../schemas/tenant.schema.json
# Imported from the live tenant by `auth0-partials import`; review before committing.
tenant: acme-dev
domain: login.acme.com
credentials:
  client_id: ${ACME_DEV_CLIENT_ID}
  client_secret: ${ACME_DEV_CLIENT_SECRET}
prompts:
  login-password:
    - switch: email
      label: Send a secure code by email
  login-passwordless:
    login-passwordless-email-code:
      - switch: Username-Password-Authentication
        label: Use Password Instead
    login-passwordless-sms-otp:
      form-footer-start:
        - switch: Username-Password-Authentication
          label: Use Password Instead
        - raw: |-
            <p class="hint">Codes expire after 5 minutes.</p>
      form-footer-end:
        - raw: |-
            <div>Footer</div>
  signup-password:
    - switch: email
      label: Send a secure code by email
"""


def test_import_of_the_seed_reads_like_the_documented_format() -> None:
    assert run_import(SEED_DOCUMENTS) == EXPECTED_SEED_IMPORT


def test_import_is_deterministic_whatever_the_document_order() -> None:
    shuffled = [
        PromptDocument(d.prompt, dict(reversed(list(d.screens.items()))))
        for d in reversed(SEED_DOCUMENTS)
    ]
    assert run_import(shuffled) == EXPECTED_SEED_IMPORT


def test_import_round_trips_to_the_live_html() -> None:
    assert_declares_live(run_import(SEED_DOCUMENTS), SEED_DOCUMENTS)


def test_imported_file_loads_with_the_tenant_loader() -> None:
    text = run_import(SEED_DOCUMENTS)
    tenant = parse_tenant(text, Path("tenants/acme-dev.yaml"), check_env=False)
    assert tenant.name == "acme-dev"
    assert tenant.credentials == CLIENT
    rendered = {
        (prompt.name, screen.name, point.name): render_items(point.items)
        for prompt in tenant.prompts
        for screen in prompt.screens
        for point in screen.insertion_points
    }
    for document in SEED_DOCUMENTS:
        for screen, points in document.screens.items():
            for point, html in points.items():
                assert equivalent(rendered[(document.prompt, screen, point)], html)


def test_token_credentials_and_audience() -> None:
    token = Credentials(
        "token", token_env="MGMT_TOKEN", audience="https://acme.eu.auth0.com/api/v2/"
    )
    text = run_import([], token)
    assert (
        "credentials:\n  token: ${MGMT_TOKEN}\n  audience: https://acme.eu.auth0.com/api/v2/\n"
        in text
    )
    assert text.endswith("prompts: {}\n")
    assert yaml.safe_load(text)["prompts"] == {}


def test_incomplete_credentials_are_refused() -> None:
    with pytest.raises(ValueError, match="client_secret_env"):
        run_import([], Credentials("client_credentials", client_id_env="ID"))


def test_buttons_differing_from_defaults_say_so() -> None:
    html = render_items(
        [
            SwitchButton("sms", "Text me", id=None, css_class="btn", style=None),
            SwitchButton("email", "Mail me", id="other", style="color: red"),
        ]
    )
    text = run_import([PromptDocument("login-id", {"login-id": {"form-footer-start": html}})])
    assert (
        "  login-id:\n"
        "    - switch: sms\n"
        "      label: Text me\n"
        "      id: null\n"
        "      class: btn\n"
        "      style: null\n"
        "    - switch: email\n"
        "      label: Mail me\n"
        "      id: other\n"
        "      style: 'color: red'\n"
    ) in text


def test_one_screen_prompt_with_several_points_lists_them_directly() -> None:
    document = PromptDocument(
        "signup",
        {"signup": {"form-footer-end": "<i>b</i>", "form-content-start": "<i>a</i>"}},
    )
    text = run_import([document])
    assert "  signup:\n    form-content-start:\n" in text
    assert text.index("form-content-start") < text.index("form-footer-end")
    assert_declares_live(text, [document])


def test_raw_text_that_cannot_be_a_block_is_quoted() -> None:
    document = PromptDocument(
        "login", {"login": {"form-footer-start": "<p>a   \n   b</p>\r\n<p>\x85</p>"}}
    )
    text = run_import([document])
    assert "- raw: " in text and "|-" not in text
    assert_declares_live(text, [document])


def test_unknown_prompt_is_declared_under_extra_prompts() -> None:
    document = PromptDocument("new-thing", {"new-thing": {"form-content": "<b>hi</b>"}})
    text = run_import([document])
    assert (
        "extra_prompts:\n  new-thing:\n    screens:\n      - new-thing\n"
        "    insertion_points:\n      - form-content\n"
    ) in text
    assert_declares_live(text, [document])
    parse_tenant(text, Path("t.yaml"), check_env=False)


def test_two_documents_for_one_prompt_are_refused() -> None:
    with pytest.raises(ValueError, match="login"):
        run_import([PromptDocument("login", {}), PromptDocument("login", {})])


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.html")))
def test_import_round_trips_every_corpus_partial(name: str) -> None:
    documents = [
        PromptDocument("login-password", {"login-password": {"form-footer-start": partial(name)}}),
        PromptDocument(
            "login-passwordless",
            {"login-passwordless-sms-otp": {"form-footer-end": partial(name)}},
        ),
    ]
    text = run_import(documents)
    assert_declares_live(text, documents)
    parse_tenant(text, Path("acme-dev.yaml"), check_env=False)
    assert declared_partials(text)[
        ("login-password", "login-password", "form-footer-start")
    ] == parse_items(partial(name))


@pytest.mark.parametrize(
    "item",
    [
        SwitchButton("email", "x"),
        SwitchButton("sms", "x", id=None, css_class="c", style=None),
        RawPartial("<p>x</p>"),
    ],
)
def test_item_data_round_trips(item: Item) -> None:
    assert item_from_data(item_to_data(item)) == item


connection_names = st.sampled_from(["email", "sms", "Username-Password-Authentication"])
plain = st.text(max_size=20).filter(lambda s: "{{" not in s and "{%" not in s)
buttons = st.builds(
    SwitchButton,
    connection=connection_names,
    label=plain.filter(str.strip),
    id=st.none() | plain,
    css_class=st.none() | plain,
    style=st.none() | plain,
)
raw_text = st.text(min_size=1, max_size=40) | st.sampled_from(
    ["<p>a</p>\n\n  <b>b</b>", "x  \ny", "  indented", "# not a comment", "key: value", "- dash"]
)
partials = st.lists(buttons.map(lambda b: render_items([b])) | raw_text, min_size=1, max_size=3)
documents = st.builds(
    lambda a, b, c: [
        PromptDocument("login-password", {"login-password": {"form-footer-start": a}}),
        PromptDocument(
            "login-passwordless",
            {
                "login-passwordless-email-code": {"form-footer-start": b},
                "login-passwordless-sms-otp": {"secondary-actions-end": c},
            },
        ),
    ],
    *(partials.map("\n".join) for _ in range(3)),
)


@settings(max_examples=60, deadline=None)
@given(documents)
def test_import_round_trips_generated_documents(docs: list[PromptDocument]) -> None:
    assert_declares_live(run_import(docs), docs)


# --- fold ------------------------------------------------------------------------------------

EXISTING = """\
# yaml-language-server: $schema=../schemas/tenant.schema.json
# Acme development tenant. Owner: identity team.
tenant: acme-dev   # used in plans
domain: login.acme.com
credentials:
  client_id: ${ACME_DEV_CLIENT_ID}
  client_secret: ${ACME_DEV_CLIENT_SECRET}

prompts:
  # Signup: offer a code instead of a password.
  signup-password:
    - {switch: email, label: Send a secure code by email}   # flow style, kept as is
  # Passwordless: offer the password back.
  login-passwordless:
    exclusive: true
    login-passwordless-email-code:
      - switch: Username-Password-Authentication
        label: Use Password Instead
  login-password:
    - switch: email
      label: Old label

# Safety limits for this tenant.
safety:
  max_deletes: 1
"""

HEAD = EXISTING[: EXISTING.index("prompts:")]
SIGNUP_BLOCK = EXISTING[EXISTING.index("  # Signup") : EXISTING.index("  # Passwordless")]
TAIL = EXISTING[EXISTING.index("\n# Safety") :]


def test_fold_replaces_only_the_folded_prompt() -> None:
    live = PromptDocument(
        "login-password",
        {"login-password": {"form-footer-start": LOGIN.replace("Send a secure", "Get a")}},
    )
    folded = fold_prompts(EXISTING, [live])
    assert folded.startswith(HEAD + "prompts:\n")
    assert SIGNUP_BLOCK in folded
    assert folded.endswith(TAIL)
    assert "  login-password:\n    - switch: email\n      label: Get a code by email\n\n#" in folded
    assert "Old label" not in folded
    assert_declares_live_subset(folded, [live])


def assert_declares_live_subset(text: str, documents: list[PromptDocument]) -> None:
    declared = declared_partials(text)
    for document in documents:
        keys = {key for key in declared if key[0] == document.prompt}
        live = {
            (document.prompt, s, p): html
            for s, points in document.screens.items()
            for p, html in points.items()
        }
        assert keys == set(live)
        for key, html in live.items():
            assert equivalent(render_items(declared[key]), html)


def test_fold_keeps_comments_and_exclusive_flag_of_a_folded_prompt() -> None:
    live = PromptDocument(
        "login-passwordless",
        {"login-passwordless-sms-otp": {"form-footer-start": PASSWORDLESS}},
    )
    folded = fold_prompts(EXISTING, [live])
    assert (
        "  # Passwordless: offer the password back.\n"
        "  login-passwordless:\n"
        "    exclusive: true\n"
        "    login-passwordless-sms-otp:\n"
        "      - switch: Username-Password-Authentication\n"
        "        label: Use Password Instead\n"
        "  login-password:\n"
    ) in folded
    assert folded.startswith(HEAD) and folded.endswith(TAIL) and SIGNUP_BLOCK in folded
    tenant = parse_tenant(folded, Path("acme-dev.yaml"), check_env=False)
    passwordless = next(p for p in tenant.prompts if p.name == "login-passwordless")
    assert passwordless.exclusive


def test_fold_of_an_empty_prompt_removes_it_unless_exclusive() -> None:
    folded = fold_prompts(
        EXISTING,
        [PromptDocument("login-password", {}), PromptDocument("login-passwordless", {})],
    )
    assert "login-password:" not in folded
    assert "  login-passwordless:\n    exclusive: true\n\n# Safety" in folded
    assert yaml.safe_load(folded)["prompts"]["login-passwordless"] == {"exclusive": True}


def test_fold_appends_new_prompts_sorted() -> None:
    folded = fold_prompts(
        EXISTING,
        [
            PromptDocument("signup", {"signup": {"form-footer-end": "<i>x</i>"}}),
            PromptDocument("login", {"login": {"form-footer-start": SIGNUP}}),
        ],
    )
    body = folded[len(HEAD) : -len(TAIL)]
    assert body.index("login-password:") < body.index("  login:\n") < body.index("  signup:\n")
    assert folded.startswith(HEAD) and folded.endswith(TAIL)


def test_fold_into_a_file_without_prompts_appends_the_section() -> None:
    existing = HEAD.rstrip("\n")  # no final newline either
    folded = fold_prompts(
        existing, [PromptDocument("login", {"login": {"form-footer-start": HINT}})]
    )
    assert folded.startswith(existing + "\nprompts:\n  login:\n")


def test_fold_follows_the_file_indentation() -> None:
    existing = HEAD + "prompts:\n    login-password:\n        - switch: email\n          label: x\n"
    live = PromptDocument("signup", {"signup": {"form-footer-start": SIGNUP}})
    folded = fold_prompts(existing, [live])
    assert "\n    signup:\n      - switch: email\n" in folded
    assert set(yaml.safe_load(folded)["prompts"]) == {"login-password", "signup"}


def test_fold_rewrites_a_flow_style_prompts_section() -> None:
    existing = HEAD + "prompts: {login-password: [{switch: email, label: x}]}\nsafety: {}\n"
    live = PromptDocument("signup", {"signup": {"form-footer-start": SIGNUP}})
    folded = fold_prompts(existing, [live])
    assert folded.startswith(HEAD + "prompts:\n")
    assert folded.endswith("safety: {}\n")
    prompts = yaml.safe_load(folded)["prompts"]
    assert prompts["login-password"] == [{"switch": "email", "label": "x"}]
    assert_declares_live_subset(folded, [live])


def test_fold_refuses_an_undeclared_unknown_prompt() -> None:
    with pytest.raises(ConfigError, match="extra_prompts"):
        fold_prompts(EXISTING, [PromptDocument("new-thing", {"new-thing": {"x": "<b>y</b>"}})])


def test_fold_of_an_import_is_the_import() -> None:
    imported = run_import(SEED_DOCUMENTS)
    assert fold_prompts(imported, SEED_DOCUMENTS) == imported


def test_fold_keeps_crlf_lines_before_prompts_byte_for_byte() -> None:
    existing = EXISTING.replace("\n", "\r\n")
    live = PromptDocument("login-password", {"login-password": {"form-footer-start": LOGIN}})
    folded = fold_prompts(existing, [live])
    assert folded.startswith(HEAD.replace("\n", "\r\n") + "prompts:\r\n")
    assert folded.endswith(TAIL.replace("\n", "\r\n"))
    assert_declares_live_subset(folded, [live])


def test_fold_keeps_an_exclusive_screen_that_emptied_live() -> None:
    existing = HEAD + (
        "prompts:\n"
        "  login-passwordless:\n"
        "    login-passwordless-sms-otp:\n"
        "      exclusive: true\n"
        "      form-footer-start:\n"
        "        - switch: email\n"
        "          label: x\n"
    )
    live = PromptDocument(
        "login-passwordless",
        {"login-passwordless-email-code": {"form-footer-start": PASSWORDLESS}},
    )
    folded = fold_prompts(existing, [live])
    assert folded.endswith(
        "  login-passwordless:\n"
        "    login-passwordless-email-code:\n"
        "      - switch: Username-Password-Authentication\n"
        "        label: Use Password Instead\n"
        "    login-passwordless-sms-otp:\n"
        "      exclusive: true\n"
    )
    tenant = parse_tenant(folded, Path("acme-dev.yaml"), check_env=False)
    screens = {s.name: s for s in tenant.prompts[0].screens}
    assert screens["login-passwordless-sms-otp"].exclusive
    assert screens["login-passwordless-sms-otp"].insertion_points == ()
