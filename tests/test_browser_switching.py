"""Every switch button the repository's tenant files declare, clicked in a real browser.

The tenant files under ``tenants/`` are applied (``reconciler.plan`` + ``reconciler.apply``) to an
in-process seeded emulator; Chromium, driven by Playwright (``tests/browser.py``), then logs in
through the emulated Universal Login pages: ``/authorize``, the identifier screen, the password
screen (and, for a button on a passwordless screen, the switch there first), clicks the button by
its label and checks the screen it lands on (URL and heading), then the way back where one is
declared. Negative cases: a connection disabled for the application ("Invalid connection"), and
a switch form placed inside the primary form (``form-content-start``, which ``validate``
refuses), whose nested ``<form>`` tag the browser drops.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

import reconciler
from reconciler.emulator import EmulatorOptions, EmulatorServer
from reconciler.model import Credentials, SwitchButton
from reconciler.pages import SCREENS
from reconciler.session import Redirect, Session, SessionSettings
from tests.browser import launch
from tests.conftest import PROJECT

CLIENT_ID = "SeedAcmeWebApp000000000000000001"
CALLBACK = "https://app.acme.example/callback"
USER = "alice@acme.example"
CONFIGS = reconciler.load([PROJECT / "tenants"], env="skip")

#: Where a switch lands, by the strategy of its connection: path and heading.
LANDS = {
    "email": ("/u/login/passwordless-email-challenge", "Verify Your Identity"),
    "sms": ("/u/login/passwordless-sms-challenge", "Verify Your Identity"),
    "auth0": ("/u/login/password", "Enter Your Password"),
}
HEADINGS = {
    "login-password": "Enter Your Password",
    "signup-password": "Create Your Account",
    "login-passwordless-email-code": "Verify Your Identity",
    "login-passwordless-sms-otp": "Verify Your Identity",
}


@dataclass(frozen=True)
class Declared:
    tenant: str
    prompt: str
    screen: str
    slot: str
    button: SwitchButton

    @property
    def id(self) -> str:
        return f"{self.tenant}/{self.screen}/{self.slot}/{self.button.connection}"


def _declared() -> list[Declared]:
    return [
        Declared(config.name, prompt.name, screen.name, point.name, item)
        for config in CONFIGS
        for prompt in config.prompts
        for screen in prompt.screens
        for point in screen.insertion_points
        for item in point.items
        if isinstance(item, SwitchButton)
    ]


BUTTONS = _declared()


# -- fixtures: one emulator and one browser for the module ------------------------------------


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(seed=True, rate_limits="off")) as server:
        demo = Credentials("client_credentials", client_id_env="ID", client_secret_env="SECRET")
        settings = SessionSettings(
            redirect=Redirect(server.tenant_base, (demo, {"ID": "demo", "SECRET": "demo"}), ""),
            budget=False,
            environ={},
        )
        with Session(settings) as session:
            plan = reconciler.plan(CONFIGS, session=session, checks=False)
            report = reconciler.apply(plan, session=session)
        assert not report.tenant_errors and all(o.status == "written" for o in report.outcomes)
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# -- the way to a screen -----------------------------------------------------------------------


def _authorize(
    page: Any,
    emulator: EmulatorServer,
    tenant: str,
    signup: bool = False,
    callback: str = CALLBACK,
    locale: str | None = None,
) -> None:
    query = {
        "client_id": CLIENT_ID,
        "redirect_uri": callback,
        "response_type": "code",
        "state": "app-state",
    }
    if signup:
        query["screen_hint"] = "signup"
    if locale:
        query["ui_locales"] = locale
    page.goto(f"{emulator.tenant_base(tenant)}/authorize?{urlencode(query)}")


def _switch_by_form(page: Any, connection: str) -> None:
    """Post ``state`` and ``connection`` to the current page as Auth0's ACUL SDK does
    (``switchConnection``: a hidden form, no action)."""
    with page.expect_navigation():
        page.evaluate(
            """(connection) => {
                const form = document.createElement('form');
                form.method = 'POST';
                const state = new URLSearchParams(location.search).get('state');
                for (const [name, value] of [['state', state], ['connection', connection]]) {
                    const input = document.createElement('input');
                    input.type = 'hidden'; input.name = name; input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            connection,
        )


def _on(page: Any, path: str, heading: str) -> None:
    assert urlsplit(page.url).path.endswith(path), page.url
    assert page.get_by_role("heading", level=1).inner_text() == heading


def _reach(
    page: Any, emulator: EmulatorServer, tenant: str, screen: str, locale: str | None = None
) -> None:
    signup = screen.startswith("signup")
    _authorize(page, emulator, tenant, signup=signup, locale=locale)
    _on(page, "/u/signup/identifier" if signup else "/u/login/identifier", "Create Your Account"
        if signup else "Welcome")  # fmt: skip
    page.get_by_label("Email address").fill(USER)
    page.get_by_role("button", name="Continue", exact=True).click()
    page.wait_for_load_state()
    if screen in ("login-password", "signup-password"):
        _on(page, f"/u/{'signup' if signup else 'login'}/password", HEADINGS[screen])
        return
    _on(page, "/u/login/password", "Enter Your Password")
    passwordless = {"login-passwordless-email-code": "email", "login-passwordless-sms-otp": "sms"}
    if screen not in passwordless:
        pytest.fail(f"the browser test has no way to screen {screen}: add one to _reach")
    _switch_by_form(page, passwordless[screen])
    _on(page, LANDS[passwordless[screen]][0], HEADINGS[screen])


def _strategy(emulator: EmulatorServer, tenant: str, connection: str) -> str:
    found = emulator.tenant_state(tenant)["connections"]
    return str(next(c["strategy"] for c in found if c["name"] == connection))


def _click(page: Any, label: str) -> Any:
    button = page.get_by_role("button", name=label, exact=True)
    assert button.count() == 1, f"{label!r} is on the page {button.count()} times"
    with page.expect_request(lambda r: r.method == "POST") as posted:
        button.click()
    page.wait_for_load_state()
    return posted.value


# -- every declared button ---------------------------------------------------------------------


@pytest.mark.parametrize("declared", BUTTONS, ids=lambda d: d.id)
def test_every_declared_button_switches(page: Any, emulator: EmulatorServer, declared: Declared):
    _reach(page, emulator, declared.tenant, declared.screen)
    request = _click(page, declared.button.label)
    body = parse_qs(request.post_data or "")
    assert body["connection"] == [declared.button.connection]
    assert "password" not in body
    path, heading = LANDS[_strategy(emulator, declared.tenant, declared.button.connection)]
    _on(page, path, heading)
    # The way back where the landing screen declares one (the passwordless screen's "Use
    # Password Instead"): one button of the landing screen, clicked on the same transaction.
    back = next(
        (o for o in BUTTONS if o.tenant == declared.tenant and SCREENS[o.screen].path == path),
        None,
    )
    if back is not None:
        _click(page, back.button.label)
        _on(page, *LANDS[_strategy(emulator, back.tenant, back.button.connection)])


TRANSLATED = [
    (declared, language, label)
    for declared in BUTTONS
    for language, label in declared.button.translations
    if declared.screen in ("login-password", "signup-password")
]


@pytest.mark.parametrize(
    ("declared", "language", "label"), TRANSLATED, ids=lambda v: getattr(v, "id", str(v))
)
def test_a_translated_button_shows_and_switches_in_the_users_language(
    page: Any, emulator: EmulatorServer, declared: Declared, language: str, label: str
) -> None:
    """``ui_locales`` picks the language; the label is the tenant's custom text for it."""
    _reach(page, emulator, declared.tenant, declared.screen, locale=language)
    others = {text for lang, text in declared.button.translations if lang != language}
    for other in others - {label}:
        assert page.get_by_role("button", name=other, exact=True).count() == 0, other
    request = _click(page, label)
    assert parse_qs(request.post_data or "")["connection"] == [declared.button.connection]
    path, _ = LANDS[_strategy(emulator, declared.tenant, declared.button.connection)]
    assert urlsplit(page.url).path.endswith(path), page.url


def test_the_files_declare_a_french_label() -> None:
    assert any(language == "fr" for _, language, _ in TRANSLATED)


def test_the_files_declare_the_documented_buttons() -> None:
    """The three placements of Auth0's guide, and the passwordless way back, are exercised."""
    ids = {d.id for d in BUTTONS}
    assert {
        "acme-dev/login-password/form-footer-start/email",
        "acme-dev/signup-password/form-footer-start/email",
        "acme-dev/login-passwordless-email-code/form-footer-start/Username-Password-Authentication",
        "acme-prod/login-password/form-footer-start/sms",
    } <= ids


def test_a_switched_login_completes_with_the_code(page: Any, emulator: EmulatorServer) -> None:
    tenant = "signs-in"  # a seeded tenant whose application calls back to a loopback address
    admin = f"{emulator.base_url}/__emulator/tenants/{tenant}/clients"
    clients = httpx.get(admin).json()
    callback = f"{emulator.base_url}/callback"
    clients[0]["callbacks"] = [callback]
    assert httpx.put(admin, json=clients).status_code == 200
    _authorize(page, emulator, tenant, callback=callback)
    page.get_by_label("Email address").fill(USER)
    page.get_by_role("button", name="Continue", exact=True).click()
    page.wait_for_load_state()
    _click(page, "Send a secure code by email")
    _on(page, "/u/login/passwordless-email-challenge", "Verify Your Identity")
    state = parse_qs(urlsplit(page.url).query)["state"][0]
    otp = httpx.get(f"{emulator.base_url}/__emulator/transactions/{state}").json()["otp"]
    page.get_by_label("Enter the code").fill(otp)
    with page.expect_navigation(url=f"{callback}?**"):
        page.get_by_role("button", name="Continue", exact=True).click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == ["app-state"]
    code = httpx.get(f"{emulator.base_url}/__emulator/transactions/{state}").json()
    assert query["code"] == [code["authorization_code"]]


# -- negative cases ----------------------------------------------------------------------------


def _token(emulator: EmulatorServer, tenant: str) -> str:
    answer = httpx.post(
        f"{emulator.tenant_base(tenant)}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "demo",
            "client_secret": "demo",
            "audience": f"{emulator.tenant_base(tenant)}/api/v2/",
        },
    )
    return str(answer.json()["access_token"])


def test_a_connection_disabled_for_the_application_is_invalid(
    page: Any, emulator: EmulatorServer
) -> None:
    tenant = "disabled-email"  # a fresh seeded tenant: the seed's email button on login-password
    base = emulator.tenant_base(tenant)
    answer = httpx.patch(
        f"{base}/api/v2/connections/con_SeedEmail0000001/clients",
        json=[{"client_id": CLIENT_ID, "status": False}],
        headers={"Authorization": f"Bearer {_token(emulator, tenant)}"},
    )
    assert answer.status_code == 204, answer.text
    _reach(page, emulator, tenant, "login-password")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.get_by_role("button", name="Send a secure code by email").click()
    page.wait_for_load_state()
    assert answered.value.status == 400
    _on(page, "/u/login/password", "Enter Your Password")
    assert page.get_by_role("alert").inner_text() == "Invalid connection"


def test_a_switch_form_inside_the_primary_form_breaks_it(
    page: Any, emulator: EmulatorServer
) -> None:
    """The browser drops the nested ``<form>`` tag: the switch's button and hidden inputs join
    the primary form, whose own fields and Continue button are cut off from it (the nested
    ``</form>`` closes the primary form). The click posts the primary form: ``state`` and
    ``connection``, but no ``password`` and no ``action``."""
    tenant = "nested-form"
    misplaced = (
        "<form method='post' data-form-secondary='true'>"
        "<input type='hidden' name='state' value='{{state}}'>"
        "<input type='hidden' name='connection' value='email'>"
        "<button type='submit' data-action-button-secondary='true'>"
        "<span>Misplaced email button</span></button></form>"
    )
    answer = httpx.put(
        f"{emulator.base_url}/__emulator/tenants/{tenant}/prompts/login-password",
        json={"login-password": {"form-content-start": misplaced}},
    )
    assert answer.status_code == 200, answer.text
    _reach(page, emulator, tenant, "login-password")
    owners = page.evaluate(
        """() => ['Misplaced email button', 'Continue'].map((label) => {
            const button = [...document.querySelectorAll('button')]
                .find((b) => b.textContent.trim() === label);
            return button.form ? button.form.dataset.formPrimary || 'secondary' : null;
        })"""
    )
    assert owners == ["true", None]  # in the primary form / cut off from every form
    page.get_by_label("Password").fill("correct horse battery staple")
    request = _click(page, "Misplaced email button")
    body = parse_qs(request.post_data or "")
    assert "password" not in body and "action" not in body
    assert body["connection"] == ["email"]
    assert len(body["state"]) == 2  # the primary form's and the swallowed switch form's
