"""The page renderer (``reconciler.pages``): Liquid with Auth0's tags, the widget's DOM, texts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from reconciler.pages import (
    DEFAULT_TEMPLATE,
    PageError,
    PageInputs,
    Social,
    Transaction,
    render_page,
    screen_at,
    screen_spec,
    variable_name,
)
from reconciler.pages.engine import markup, render
from reconciler.pages.gallery import Box, IndexEntry, compare_html, index_html, screen_file

TEMPLATE = (
    "<!DOCTYPE html><html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>"
)
SWITCH = (
    "<form method='post' data-form-secondary='true'>"
    "<input type='hidden' name='state' value='{{state}}'>"
    "<input type='hidden' name='connection' value='email'>"
    "<button type='submit' data-action-button-secondary='true'><span>"
    '{{ prompt.screen.texts.varEmail | default: "Send a secure code by email" }}'
    "</span></button></form>"
)
GOOGLE = Social.of("google-oauth2", "google-oauth2")


class Tree(HTMLParser):
    """Each element's tag, attributes and the tags of its ancestors, in document order."""

    VOID = frozenset({"input", "meta", "br", "img", "link", "hr"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.elements: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ancestors = tuple(self._name(t, a) for t, a in self.stack)
        self.elements.append((tag, dict(attrs), ancestors))
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    @staticmethod
    def _name(tag: str, attrs: dict[str, str | None]) -> str:
        if attrs.get("id"):
            return f"{tag}#{attrs['id']}"
        if attrs.get("data-form-primary"):
            return "form[primary]"
        return tag

    def find(self, **attrs: str) -> tuple[int, tuple[str, ...]]:
        """Position and ancestors of the first element with these attributes."""
        for index, (_, found, ancestors) in enumerate(self.elements):
            if all(found.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                return index, ancestors
        raise AssertionError(f"no element with {attrs}")


def page(screen: str = "login-password", **changes: object) -> str:
    inputs = PageInputs(
        template=changes.pop("template", TEMPLATE),  # type: ignore[arg-type]
        partials=changes.pop("partials", {}),  # type: ignore[arg-type]
        texts=changes.pop("texts", {}),  # type: ignore[arg-type]
        rendering_mode=changes.pop("mode", "standard"),  # type: ignore[arg-type]
    )
    values: dict[str, object] = {
        "state": "S-123",
        "application_name": "Acme Web",
        "tenant_name": "acme",
        "identifier": "alice@acme.example",
        "social": (GOOGLE,),
        **changes,
    }
    transaction = Transaction(**values)  # type: ignore[arg-type]
    return render_page(screen, inputs, transaction)


# -- the auth0 tags ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<head>\n  {%- auth0:head -%}\n</head><b>x</b>", "<head>HEAD</head><b>x</b>"),
        ("<head> {% auth0:head %} </head>", "<head> HEAD </head>"),
        ("a{%auth0:widget%}b{%- auth0 : head %}c", "aWIDGETbHEADc"),
        ("a {%- auth0:widget %}\n<i>{{ x }}</i>", "aWIDGET\n<i>&lt;y&gt;</i>"),
        ("a{% auth0 %}b", "ab"),
    ],
)
def test_the_auth0_tag_keeps_whitespace_control_and_the_markup_after_it(
    source: str, expected: str
) -> None:
    parts = {"head": markup("HEAD"), "widget": markup("WIDGET")}
    assert render(source, {"x": "<y>"}, parts=parts) == expected


def test_invalid_liquid_names_the_partial() -> None:
    broken = {"login-password": {"form-footer-end": "{% if %}"}}
    with pytest.raises(PageError, match="partial login-password/login-password/form-footer-end"):
        page(partials=broken)
    with pytest.raises(PageError, match="page template"):
        page(template="{% for %}")


# -- the widget's DOM --------------------------------------------------------------------------


def test_the_password_screen_mirrors_universal_login() -> None:
    html = page(
        partials={
            "login-password": {
                "form-content-start": "<p id=cs>start</p>",
                "form-content-end": "<p id=ce>end</p>",
                "form-footer-start": SWITCH,
                "form-footer-end": "<p id=fe>footer end</p>",
                "secondary-actions-start": "<p id=ss>s start</p>",
                "secondary-actions-end": "<p id=se>s end</p>",
            }
        }
    )
    tree = Tree(html)
    _, state = tree.find(type="hidden", name="state", value="S-123")
    assert state[-1] == "form[primary]"
    for field in ("username", "password"):
        assert "form[primary]" in tree.find(name=field)[1]
    submit, submit_in = tree.find(type="submit", name="action", value="default")
    assert "form[primary]" in submit_in
    content_start, inside = tree.find(id="cs")
    assert inside[-2:] == ("form[primary]", "div#ulp-container-form-content-start")
    content_end, inside = tree.find(id="ce")
    assert inside[-2:] == ("form[primary]", "div#ulp-container-form-content-end")
    footer_start, outside = tree.find(id="ulp-container-form-footer-start")
    assert "form[primary]" not in outside
    switch, inside = tree.find(type="hidden", name="connection", value="email")
    assert "div#ulp-container-form-footer-start" in inside
    assert "form[primary]" not in inside
    signup, _ = tree.find(href="/u/signup?state=S-123")
    footer_end, _ = tree.find(id="ulp-container-form-footer-end")
    s_start, _ = tree.find(id="ulp-container-secondary-actions-start")
    google, _ = tree.find(method="post", data_provider="google", data_form_secondary="true")
    s_end, _ = tree.find(id="ulp-container-secondary-actions-end")
    order = [content_start, content_end, submit, footer_start, switch, signup, footer_end]
    assert order == sorted(order)
    assert [footer_end, s_start, google, s_end] == sorted([footer_end, s_start, google, s_end])
    assert tree.find(type="hidden", name="connection", value="google-oauth2")[0] > google
    assert "value='S-123'" in html  # {{state}} in the partial


@pytest.mark.parametrize(
    ("screen", "path", "fields"),
    [
        ("login-id", "/u/login/identifier", ["username"]),
        ("login", "/u/login", ["username", "password"]),
        ("login-password", "/u/login/password", ["password"]),
        ("login-passwordless-email-code", "/u/login/passwordless-email-challenge", ["code"]),
        ("login-passwordless-sms-otp", "/u/login/passwordless-sms-challenge", ["code"]),
        ("signup-id", "/u/signup/identifier", ["email"]),
        ("signup-password", "/u/signup/password", ["password"]),
    ],
)
def test_each_screen_has_its_fields(screen: str, path: str, fields: list[str]) -> None:
    assert screen_spec(screen).path == path
    assert screen_at(path) == screen_spec(screen)
    tree = Tree(page(screen))
    shown = [
        a["name"]
        for tag, a, ancestors in tree.elements
        if tag == "input" and a.get("type") != "hidden" and "form[primary]" in ancestors
    ]
    assert shown == fields


def test_social_buttons_only_where_universal_login_shows_them() -> None:
    assert 'data-provider="google"' in page("login-id")
    code = page("login-passwordless-email-code")
    assert "data-provider" not in code
    assert "ulp-container-secondary-actions-start" not in code
    none = render_page("login-id", PageInputs(TEMPLATE), Transaction("S", social=()))
    assert "ulp-container-secondary-actions-start" not in none
    forced = render_page("login-id", PageInputs(TEMPLATE), Transaction("S", secondary_actions=True))
    assert "ulp-container-secondary-actions-start" in forced
    assert "data-provider" not in forced


def test_errors_show_their_text_in_an_alert() -> None:
    html = page(errors=("invalid-connection",))
    assert '<div id="prompt-alert" class="ulp-alert" role="alert"><p>Invalid connection</p>' in html
    custom = page(
        errors=("invalid-connection",),
        texts={"login-password": {"invalid-connection": "Connexion invalide"}},
    )
    assert "<p>Connexion invalide</p>" in custom


def test_an_unknown_screen_gets_a_generic_form() -> None:
    html = render_page(
        "passkey-enrollment", PageInputs(TEMPLATE), Transaction("S"), prompt="passkeys"
    )
    tree = Tree(html)
    assert tree.find(name="action", value="default")[1][-2] == "form[primary]"
    assert '<h1 id="title">passkey-enrollment</h1>' in html


# -- what Auth0 shows and does not show --------------------------------------------------------


def test_no_partials_without_a_page_template_or_in_advanced_mode() -> None:
    partials = {"login-password": {"form-footer-start": SWITCH}}
    assert "Send a secure code by email" in page(partials=partials)
    without = page(partials=partials, template=None)
    assert "Send a secure code by email" not in without
    assert 'class="_widget-auto-layout"' in without  # the default page
    assert DEFAULT_TEMPLATE.startswith("<!DOCTYPE html>")
    advanced = page(partials=partials, mode="advanced")
    assert "Send a secure code by email" not in advanced
    assert 'data-rendering-mode="advanced"' in advanced


# -- texts and variables -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "name"),
    [("var-tos", "varTos"), ("var-tos-link", "varTosLink"), ("title", "title")],
)
def test_var_keys_are_camel_case(key: str, name: str) -> None:
    assert variable_name(key) == name


def test_custom_text_feeds_the_widget_and_the_partials() -> None:
    partials = {"login-password": {"form-footer-start": SWITCH}}
    default = page(partials=partials)
    assert "<span>Send a secure code by email</span>" in default  # the default filter
    assert '<h1 id="title">Enter Your Password</h1>' in default
    assert "Enter your password for acme to continue to Acme Web" in default
    texts = {
        "login-password": {
            "title": "Mot de passe",
            "description": "Pour ${clientName}",
            "var-email": "Recevoir un code",
        }
    }
    french = page(partials=partials, texts=texts, locale="fr")
    assert "<span>Recevoir un code</span>" in french
    assert '<h1 id="title">Mot de passe</h1>' in french
    assert "Pour Acme Web" in french


def test_template_variables() -> None:
    template = (
        "<html lang='{{ locale }}'><head>{%- auth0:head -%}</head><body data-app='{{ application"
        ".name }}' data-tenant='{{ tenant.name }}' data-prompt='{{ prompt.name }}/{{ prompt."
        "screen.name }}' data-dir='{{ dir | default: \"auto\" }}'>{%- auth0:widget -%}</body>"
        "</html>"
    )
    html = page("login-passwordless-email-code", template=template, locale="fr")
    assert "<html lang='fr'>" in html
    body = "data-app='Acme Web' data-tenant='acme'"
    assert f"{body} data-prompt='login-passwordless/login-passwordless-email-code'" in html
    assert "data-dir='auto'" in html


def test_texts_and_identifiers_are_escaped() -> None:
    texts = {"login-password": {"title": "<script>x()</script>", "var-x": "<b>bold</b>"}}
    partials = {"login-password": {"form-footer-end": "<p>{{ prompt.screen.texts.varX }}</p>"}}
    html = page(texts=texts, partials=partials, identifier='"><img src=x>')
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html
    assert "<p>&lt;b&gt;bold&lt;/b&gt;</p>" in html
    assert "<img src=x>" not in html


# -- the preview gallery -----------------------------------------------------------------------


def test_preview_files_have_one_safe_spelling() -> None:
    assert screen_file("acme-dev", "login-password", "login-password", "png") == (
        "acme-dev/login-password/login-password.png"
    )
    assert screen_file("../x", "a/b", "s", "before.html") == "_.._x/a_b/s.before.html"


def test_the_side_by_side_page_outlines_each_region() -> None:
    html = compare_html(b"A", b"B", [Box(10, 20, 100, 0)], [Box(10, 20, 100, 40)], "t: <p>")
    assert html.count('class="mark"') == 2
    assert "left:6px;top:16px;width:108px;height:10px" in html  # an empty region: a thin line
    assert "height:48px" in html
    assert "data:image/png;base64,QQ==" in html and "t: &lt;p&gt;" in html


def test_the_index_links_every_file() -> None:
    entries = [
        IndexEntry("acme", "login-password", "login-password", ("form-footer-start",), True),
        IndexEntry("acme", "signup-password", "signup-password", ("form-footer-end",), False),
        IndexEntry("acme", "login", "login", ("form-content-end",), False, error="bad <liquid>"),
    ]
    html = index_html(entries, {"acme": ["no template"]}, images_hint="no browser")
    for kind in ("before.html", "after.html", "before.png", "after.png", "png"):
        assert f'"{screen_file("acme", "login-password", "login-password", kind)}"' in html
    assert "signup-password/signup-password.after.html" in html
    assert "signup-password/signup-password.png" not in html
    assert "bad &lt;liquid&gt;" in html and "no template" in html and "no browser" in html
