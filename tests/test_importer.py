"""Tests for reconciler.importer: live documents -> tenant YAML, and folding drift back into an
existing file (``reconciler.fold``, the other half of ``import --update``; its ownership rules
are tested in tests/test_fold.py)."""

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
from reconciler.desired import desired_documents
from reconciler.documents import Document, DocumentKey
from reconciler.errors import ConfigError
from reconciler.fold import FoldResult, fold
from reconciler.importer import NotAdopted, import_tenant_yaml, item_to_data
from reconciler.markup import equivalent, parse_items
from reconciler.model import Credentials, Item, RawPartial, SwitchButton
from reconciler.render import render_items
from tests.test_render import items_from_data

CORPUS = Path(__file__).parent / "fixtures" / "partials"
CLIENT = Credentials("client_credentials", "ACME_DEV_CLIENT_ID", "ACME_DEV_CLIENT_SECRET")
DOMAIN = "acme-dev.eu.auth0.com"


def partial(name: str) -> str:
    return (CORPUS / f"{name}.html").read_text(encoding="utf-8").removesuffix("\n")


SIGNUP = partial("seed-signup-password")
LOGIN = partial("seed-login-password")
PASSWORDLESS = partial("seed-login-passwordless")
HINT = '<p class="hint">Codes expire after 5 minutes.</p>'


def document(prompt: str, screens: dict[str, dict[str, str]]) -> Document:
    return Document(DocumentKey.partials(prompt), screens)


SEED_DOCUMENTS = [
    document("signup-password", {"signup-password": {"form-footer-start": SIGNUP}}),
    document("login-password", {"login-password": {"form-footer-start": LOGIN}}),
    document(
        "login-passwordless",
        {
            "login-passwordless-sms-otp": {
                "form-footer-start": PASSWORDLESS + "\n" + HINT,
                "form-footer-end": "<div>Footer</div>",
            },
            "login-passwordless-email-code": {"form-footer-start": PASSWORDLESS},
        },
    ),
    document("login", {}),
]


def import_with_not_adopted(
    documents: list[Document], credentials: Credentials = CLIENT
) -> tuple[str, list[NotAdopted]]:
    return import_tenant_yaml(
        tenant="acme-dev", domain=DOMAIN, credentials=credentials, documents=documents
    )


def run_import(documents: list[Document], credentials: Credentials = CLIENT) -> str:
    text, not_adopted = import_with_not_adopted(documents, credentials)
    assert not_adopted == []
    return text


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
        declared[(prompt, screen, point)] = items_from_data(entries)

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


def assert_declares_live(text: str, documents: list[Document]) -> None:
    """Every non-empty live partial is declared, and renders equivalent to the live HTML."""
    declared = declared_partials(text)
    live = {
        (document.key.prompt, screen, point): html
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
domain: acme-dev.eu.auth0.com
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
        Document(d.key, dict(reversed(list(d.screens.items())))) for d in reversed(SEED_DOCUMENTS)
    ]
    assert run_import(shuffled) == EXPECTED_SEED_IMPORT


def test_import_round_trips_to_the_live_html() -> None:
    assert_declares_live(run_import(SEED_DOCUMENTS), SEED_DOCUMENTS)


def test_imported_file_loads_with_the_tenant_loader() -> None:
    text = run_import(SEED_DOCUMENTS)
    tenant = parse_tenant(text, Path("tenants/acme-dev.yaml"), env="skip")
    assert tenant.name == "acme-dev"
    assert tenant.credentials == CLIENT
    rendered = {
        (prompt.name, screen.name, point.name): render_items(point.items)
        for prompt in tenant.prompts
        for screen in prompt.screens
        for point in screen.insertion_points
    }
    for live in SEED_DOCUMENTS:
        for screen, points in live.screens.items():
            for point, html in points.items():
                assert equivalent(rendered[(live.key.prompt, screen, point)], html)


def test_a_custom_domain_is_written_beside_the_auth0_domain() -> None:
    text, _ = import_tenant_yaml(
        tenant="acme-dev",
        domain=DOMAIN,
        custom_domain="login.acme.com",
        credentials=CLIENT,
        documents=[],
    )
    assert "domain: acme-dev.eu.auth0.com\ncustom_domain: login.acme.com\n" in text
    assert parse_tenant(text, Path("acme-dev.yaml"), env="skip").custom_domain == "login.acme.com"


def test_a_form_inside_the_main_form_is_listed_not_adopted() -> None:
    form = render_items([SwitchButton("sms", "Text me")])
    live = document(
        "login-password",
        {"login-password": {"form-content-end": form, "form-footer-start": LOGIN}},
    )
    text, not_adopted = import_with_not_adopted([live])
    assert [(n.address, n.length) for n in not_adopted] == [
        ("login-password/login-password/form-content-end", len(form))
    ]
    assert "inside the page's main form" in str(not_adopted[0])
    assert "form-content-end" not in text
    config = parse_tenant(text, Path("acme-dev.yaml"), env="skip")
    (screen,) = config.prompts[0].screens
    assert [p.name for p in screen.insertion_points] == ["form-footer-start"]


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
    text = run_import([document("login-id", {"login-id": {"form-footer-start": html}})])
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
    live = document(
        "signup",
        {"signup": {"form-footer-end": "<i>b</i>", "form-content-start": "<i>a</i>"}},
    )
    text = run_import([live])
    assert "  signup:\n    form-content-start:\n" in text
    assert text.index("form-content-start") < text.index("form-footer-end")
    assert_declares_live(text, [live])


def test_raw_text_that_cannot_be_a_block_is_quoted() -> None:
    live = document("login", {"login": {"form-footer-start": "<p>a   \n   b</p>\r\n<p>\x85</p>"}})
    text = run_import([live])
    assert "- raw: " in text and "|-" not in text
    assert_declares_live(text, [live])


def test_unknown_prompt_is_declared_under_extra_prompts() -> None:
    live = document("new-thing", {"new-thing": {"form-content": "<b>hi</b>"}})
    text = run_import([live])
    assert (
        "extra_prompts:\n  new-thing:\n    screens:\n      - new-thing\n"
        "    insertion_points:\n      - form-content\n"
    ) in text
    assert_declares_live(text, [live])
    parse_tenant(text, Path("t.yaml"), env="skip")


def test_two_documents_for_one_prompt_are_refused() -> None:
    with pytest.raises(ValueError, match="login"):
        run_import([document("login", {}), document("login", {})])


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.html")))
def test_import_round_trips_every_corpus_partial(name: str) -> None:
    documents = [
        document("login-password", {"login-password": {"form-footer-start": partial(name)}}),
        document(
            "login-passwordless",
            {"login-passwordless-sms-otp": {"form-footer-end": partial(name)}},
        ),
    ]
    text = run_import(documents)
    assert_declares_live(text, documents)
    parse_tenant(text, Path("acme-dev.yaml"), env="skip")
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
def test_item_data_round_trips_through_the_tenant_loader(item: Item) -> None:
    assert items_from_data([item_to_data(item)]) == (item,)


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
        document("login-password", {"login-password": {"form-footer-start": a}}),
        document(
            "login-passwordless",
            {
                "login-passwordless-email-code": {"form-footer-start": b},
                "login-passwordless-sms-otp": {"secondary-actions-end": c},
            },
        ),
    ],
    *(partials.map("\n".join) for _ in range(3)),
)


@settings(max_examples=60)
@given(documents)
def test_import_round_trips_generated_documents(docs: list[Document]) -> None:
    assert_declares_live(run_import(docs), docs)


# --- import --update: folding live partials into an existing file ---------------------------

EXISTING = """\
# yaml-language-server: $schema=../schemas/tenant.schema.json
# Acme development tenant. Owner: identity team.
tenant: acme-dev   # used in plans
domain: acme-dev.eu.auth0.com
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
PASSWORDLESS_BLOCK = EXISTING[
    EXISTING.index("  # Passwordless") : EXISTING.index("  login-password:")
]
TAIL = EXISTING[EXISTING.index("\n# Safety") :]


def live_as_declared(text: str) -> dict[DocumentKey, Document]:
    """What the tenant holds when it matches the file ``text`` exactly."""
    config = parse_tenant(text, Path("acme-dev.yaml"), env="skip")
    live: dict[DocumentKey, Document] = {}
    for desired in desired_documents(config):
        screens: dict[str, dict[str, str]] = {}
        for (screen, point), html in desired.entries.items():
            if html:
                screens.setdefault(screen, {})[point] = html
        live[desired.key] = Document(desired.key, screens)
    return live


def folded(text: str, *changed: Document, adopt: bool = False) -> FoldResult:
    """Fold a tenant that matches ``text`` except for the ``changed`` documents."""
    live = live_as_declared(text) | {d.key: d for d in changed}
    return fold(text, parse_tenant(text, Path("acme-dev.yaml"), env="skip"), live, adopt=adopt)


def assert_declares_live_subset(text: str, documents: list[Document]) -> None:
    declared = declared_partials(text)
    for live in documents:
        keys = {key for key, items in declared.items() if key[0] == live.key.prompt and items}
        current = {
            (live.key.prompt, s, p): html
            for s, points in live.screens.items()
            for p, html in points.items()
        }
        assert keys == set(current)
        for key, html in current.items():
            assert equivalent(render_items(declared[key]), html)


def test_fold_changes_only_the_folded_insertion_point() -> None:
    live = document(
        "login-password",
        {"login-password": {"form-footer-start": LOGIN.replace("Send a secure", "Get a")}},
    )
    result = folded(EXISTING, live)
    assert result.updated == ("login-password/login-password/form-footer-start",)
    assert result.text.startswith(HEAD + "prompts:\n" + SIGNUP_BLOCK + PASSWORDLESS_BLOCK)
    assert result.text.endswith(TAIL)
    assert "  login-password:\n    - switch: email\n      label: Get a code by email\n\n#" in (
        result.text
    )
    assert "Old label" not in result.text
    assert_declares_live_subset(result.text, [live])


def test_fold_keeps_comments_and_the_exclusive_flag_of_a_folded_prompt() -> None:
    live = document(
        "login-passwordless",
        {"login-passwordless-sms-otp": {"form-footer-start": PASSWORDLESS}},
    )
    result = folded(EXISTING, live)
    assert (
        "  # Passwordless: offer the password back.\n"
        "  login-passwordless:\n"
        "    exclusive: true\n"
        "    login-passwordless-email-code: []\n"  # still owned: emptied, not dropped
        "    login-passwordless-sms-otp:\n"  # the exclusive prompt owns it: taken in
        "      form-footer-start:\n"
        "        - switch: Username-Password-Authentication\n"
        "          label: Use Password Instead\n"
        "  login-password:\n"
    ) in result.text
    assert result.text.startswith(HEAD + "prompts:\n" + SIGNUP_BLOCK)
    assert result.text.endswith(TAIL)
    tenant = parse_tenant(result.text, Path("acme-dev.yaml"), env="skip")
    passwordless = next(p for p in tenant.prompts if p.name == "login-passwordless")
    assert passwordless.exclusive
    assert_declares_live_subset(result.text, [live])


def test_a_prompt_emptied_live_stays_declared_empty() -> None:
    result = folded(EXISTING, document("login-password", {}), document("login-passwordless", {}))
    assert "  login-password: []\n" in result.text
    assert (
        "  login-passwordless:\n    exclusive: true\n    login-passwordless-email-code: []\n"
        in (result.text)
    )
    prompts = yaml.safe_load(result.text)["prompts"]
    assert prompts["login-password"] == []
    assert prompts["login-passwordless"] == {
        "exclusive": True,
        "login-passwordless-email-code": [],
    }


def test_fold_follows_the_file_indentation() -> None:
    existing = HEAD + "prompts:\n    login-password:\n        - switch: email\n          label: x\n"
    live = document("login-password", {"login-password": {"form-footer-start": LOGIN}})
    result = folded(existing, live)
    assert result.text == (
        HEAD + "prompts:\n    login-password:\n        - switch: email\n"
        "          label: Send a secure code by email\n"
    )


def test_a_flow_style_prompts_section_is_refused_not_rewritten() -> None:
    existing = HEAD + "prompts: {login-password: [{switch: email, label: x}]}\nsafety: {}\n"
    live = document("login-password", {"login-password": {"form-footer-start": LOGIN}})
    with pytest.raises(ConfigError, match="cannot edit safely"):
        folded(existing, live)


def test_a_flow_style_prompts_section_that_matches_is_left_as_it_is() -> None:
    existing = HEAD + "prompts: {login-password: [{switch: email, label: x}]}\nsafety: {}\n"
    result = folded(existing)
    assert result.text == existing
    assert result.updated == ()


def test_content_the_catalogue_does_not_know_is_listed_not_written() -> None:
    live = live_as_declared(EXISTING)[DocumentKey.partials("login-passwordless")]
    screens = {**live.screens, "login-passwordless-sms-otp": {"no-such-point": "<b>y</b>"}}
    result = folded(EXISTING, Document(live.key, screens))
    assert result.text == EXISTING
    (left,) = result.not_adopted
    assert left.address == "login-passwordless/login-passwordless-sms-otp/no-such-point"
    assert "extra_prompts" in left.reason


def test_fold_of_an_import_is_the_import() -> None:
    imported = run_import(SEED_DOCUMENTS)
    config = parse_tenant(imported, Path("acme-dev.yaml"), env="skip")
    result = fold(imported, config, {d.key: d for d in SEED_DOCUMENTS})
    assert result.text == imported
    assert (result.updated, result.adopted, result.not_adopted) == ((), (), ())


def test_fold_keeps_crlf_line_ends_everywhere() -> None:
    existing = EXISTING.replace("\n", "\r\n")
    live = document("login-password", {"login-password": {"form-footer-start": LOGIN}})
    result = folded(existing, live)
    assert result.updated == ("login-password/login-password/form-footer-start",)
    assert result.text.startswith(HEAD.replace("\n", "\r\n") + "prompts:\r\n")
    assert result.text.endswith(TAIL.replace("\n", "\r\n"))
    assert "\n" not in result.text.replace("\r\n", "")  # no line ends but the file's own
    assert_declares_live_subset(result.text.replace("\r\n", "\n"), [live])


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
    live = document(
        "login-passwordless",
        {"login-passwordless-email-code": {"form-footer-start": PASSWORDLESS}},
    )
    result = folded(existing, live)
    assert result.text.endswith(
        "  login-passwordless:\n"
        "    login-passwordless-sms-otp:\n"
        "      exclusive: true\n"
        "      form-footer-start: []\n"
    )
    (left,) = result.not_adopted  # the file does not own the other screen
    assert left.address == "login-passwordless/login-passwordless-email-code/form-footer-start"
    tenant = parse_tenant(result.text, Path("acme-dev.yaml"), env="skip")
    (screen,) = tenant.prompts[0].screens
    assert screen.exclusive
    assert [(p.name, p.items) for p in screen.insertion_points] == [("form-footer-start", ())]
