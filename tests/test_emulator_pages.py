"""The emulator's Universal Login pages over a real socket (httpx, no browser): the flow, the
switches, the errors, and what they leave alone (tokens, rate limits, the request log)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import ServedEmulator, start_emulator, stop_emulator

CLIENT_ID = "SeedAcmeWebApp000000000000000001"
CALLBACK = "https://app.acme.example/callback"
USER, PASSWORD = "alice@acme.example", "correct horse battery staple"


@dataclass
class Login:
    """One browser-like session on a tenant's pages (no redirects followed)."""

    emulator: ServedEmulator
    tenant: str
    http: httpx.Client

    @property
    def base(self) -> str:
        return f"{self.emulator.url}/tenants/{self.tenant}"

    def authorize(self, **params: str) -> httpx.Response:
        query = {
            "client_id": CLIENT_ID,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "state": "app-state",
            **params,
        }
        return self.http.get(f"{self.base}/authorize", params=query)

    def go(self, response: httpx.Response) -> str:
        """Follow one redirect within the emulator; the new URL."""
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(f"/tenants/{self.tenant}/u/"), location
        return f"{self.emulator.url}{location}"

    def start(self, **params: str) -> tuple[str, str]:
        """``/authorize``, then the identifier screen: (its URL, the state)."""
        url = self.go(self.authorize(**params))
        return url, parse_qs(urlsplit(url).query)["state"][0]

    def to_password(self) -> tuple[str, str]:
        url, state = self.start()
        answer = self.http.post(url, data={"state": state, "username": USER, "action": "default"})
        return self.go(answer), state

    def admin(self, path: str) -> object:
        return self.http.get(f"{self.emulator.url}/__emulator/{path}").json()


@pytest.fixture
def emulator(tmp_path: object) -> Iterator[ServedEmulator]:
    served = start_emulator("--seed", "--rate-limits", "auth0", cwd=tmp_path)  # type: ignore[arg-type]
    try:
        yield served
    finally:
        stop_emulator(served)


@pytest.fixture
def login(emulator: ServedEmulator) -> Iterator[Login]:
    with httpx.Client(timeout=10, follow_redirects=False) as http:
        yield Login(emulator, "acme-dev", http)


def heading(page: httpx.Response) -> str:
    found = re.search(r'<h1 id="title">(.*?)</h1>', page.text)
    assert found, page.text
    return found.group(1)


def alert(page: httpx.Response) -> str:
    found = re.search(r'role="alert"><p>(.*?)</p>', page.text)
    return found.group(1) if found else ""


# -- the flow ----------------------------------------------------------------------------------


def test_identifier_first_then_password_then_the_callback(login: Login) -> None:
    url, state = login.start()
    assert urlsplit(url).path == "/tenants/acme-dev/u/login/identifier"
    page = login.http.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert heading(page) == "Welcome"
    assert f'name="state" value="{state}"' in page.text
    password = login.go(login.http.post(url, data={"state": state, "username": USER}))
    assert urlsplit(password).path == "/tenants/acme-dev/u/login/password"
    shown = login.http.get(password)
    assert heading(shown) == "Enter Your Password"
    assert "Send a secure code by email" in shown.text  # the seed's partial
    wrong = login.http.post(password, data={"state": state, "password": "nope"})
    assert (wrong.status_code, alert(wrong)) == (400, "Wrong email or password")
    right = login.http.post(password, data={"state": state, "password": PASSWORD})
    assert right.status_code == 302
    landed = urlsplit(right.headers["location"])
    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == CALLBACK
    query = parse_qs(landed.query)
    assert query["state"] == ["app-state"]
    assert query["code"] == [login.admin(f"transactions/{state}")["authorization_code"]]  # type: ignore[index]
    again = login.http.get(password)
    assert again.status_code == 400 and "Oops!, something went wrong" in again.text


def test_an_unknown_user_still_gets_the_password_screen(login: Login) -> None:
    url, state = login.start()
    answer = login.http.post(url, data={"state": state, "username": "nobody@acme.example"})
    assert urlsplit(login.go(answer)).path.endswith("/u/login/password")
    empty = login.http.post(url, data={"state": state, "username": " "})
    assert (empty.status_code, alert(empty)) == (400, "Please enter an email address")


def test_signup_creates_the_user(login: Login, emulator: ServedEmulator) -> None:
    url, state = login.start(screen_hint="signup")
    assert urlsplit(url).path.endswith("/u/signup/identifier")
    assert heading(login.http.get(url)) == "Create Your Account"
    password = login.go(login.http.post(url, data={"state": state, "email": "bob@acme.example"}))
    assert urlsplit(password).path.endswith("/u/signup/password")
    done = login.http.post(password, data={"state": state, "password": "hunter2 hunter2"})
    assert done.headers["location"].startswith(CALLBACK)
    assert emulator.server is not None
    assert emulator.server.check_password("acme-dev", "bob@acme.example", "hunter2 hunter2")
    url, state = login.start(screen_hint="signup")
    password = login.go(login.http.post(url, data={"state": state, "email": USER}))
    exists = login.http.post(password, data={"state": state, "password": "x"})
    assert (exists.status_code, alert(exists)) == (400, "The user already exists.")


def test_without_identifier_first_login_asks_for_both(login: Login) -> None:
    settings = login.admin("tenants/acme-dev/prompt_settings")
    settings["identifier_first"] = False  # type: ignore[index]
    login.http.put(
        f"{login.emulator.url}/__emulator/tenants/acme-dev/prompt_settings", json=settings
    )
    url, state = login.start()
    assert urlsplit(url).path == "/tenants/acme-dev/u/login"
    form = {"state": state, "username": USER, "password": PASSWORD, "action": "default"}
    assert login.http.post(url, data=form).headers["location"].startswith(CALLBACK)


# -- switching connections ---------------------------------------------------------------------


def test_email_and_back_to_the_password(login: Login) -> None:
    password, state = login.to_password()
    switched = login.http.post(password, data={"state": state, "connection": "email"})
    challenge = login.go(switched)
    assert urlsplit(challenge).path.endswith("/u/login/passwordless-email-challenge")
    page = login.http.get(challenge)
    assert heading(page) == "Verify Your Identity"
    assert "Use password instead" in page.text  # the seed's drifted label
    transaction = login.admin(f"transactions/{state}")
    assert transaction["connection"] == "email"  # type: ignore[index]
    assert re.fullmatch(r"\d{6}", transaction["otp"])  # type: ignore[index]
    wrong = login.http.post(challenge, data={"state": state, "code": "000000x"})
    assert (wrong.status_code, alert(wrong)) == (400, "The code you entered is invalid")
    back = login.http.post(
        challenge, data={"state": state, "connection": "Username-Password-Authentication"}
    )
    assert urlsplit(login.go(back)).path.endswith("/u/login/password")


def test_the_code_completes_the_login(login: Login) -> None:
    password, state = login.to_password()
    challenge = login.go(login.http.post(password, data={"state": state, "connection": "sms"}))
    assert urlsplit(challenge).path.endswith("/u/login/passwordless-sms-challenge")
    otp = login.admin(f"transactions/{state}")["otp"]  # type: ignore[index]
    done = login.http.post(challenge, data={"state": state, "code": otp, "action": "default"})
    assert done.headers["location"].startswith(f"{CALLBACK}?code=")


@pytest.mark.parametrize("connection", ["nope", "email"])
def test_an_unknown_or_disabled_connection_is_invalid(
    login: Login, emulator: ServedEmulator, connection: str
) -> None:
    connections = login.admin("tenants/acme-dev/connections")
    for found in connections:  # type: ignore[attr-defined]
        if found["name"] == "email":
            found["enabled_clients"] = []
    emulator.admin("PUT", "tenants/acme-dev/connections", json=connections)
    password, state = login.to_password()
    answer = login.http.post(password, data={"state": state, "connection": connection})
    assert (answer.status_code, alert(answer)) == (400, "Invalid connection")
    assert heading(answer) == "Enter Your Password"
    assert login.admin(f"transactions/{state}")["connection"] is None  # type: ignore[index]


def test_a_social_connection_completes_the_login(login: Login) -> None:
    url, state = login.start()
    assert 'data-provider="google"' in login.http.get(url).text
    answer = login.http.post(url, data={"state": state, "connection": "google-oauth2"})
    assert answer.headers["location"].startswith(f"{CALLBACK}?code=")


def test_passwordless_is_no_switch_on_the_identifier_screen(login: Login) -> None:
    url, state = login.start()
    answer = login.http.post(url, data={"state": state, "connection": "email"})
    assert (answer.status_code, alert(answer)) == (400, "Invalid connection")


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"client_id": "unknown"}, "Unknown client: unknown"),
        ({"redirect_uri": "https://evil.example/cb"}, "Callback URL mismatch."),
        ({"response_type": "token"}, "Only response_type=code is emulated."),
    ],
)
def test_authorize_refuses_what_it_cannot_serve(
    login: Login, params: dict[str, str], message: str
) -> None:
    answer = login.authorize(**params)
    assert answer.status_code == 400
    assert message in answer.text


@pytest.mark.parametrize("state", [None, "unknown"])
def test_a_missing_or_unknown_state_is_an_error_page(login: Login, state: str | None) -> None:
    url = f"{login.base}/u/login/password" + (f"?state={state}" if state else "")
    for answer in (login.http.get(url), login.http.post(url, data={"connection": "email"})):
        assert answer.status_code == 400
        assert "Oops!, something went wrong" in answer.text


def test_another_tenants_state_is_unknown(login: Login) -> None:
    _, state = login.start()
    answer = login.http.get(f"{login.emulator.url}/tenants/other/u/login/identifier?state={state}")
    assert answer.status_code == 400


def test_a_later_screen_needs_the_earlier_ones(login: Login) -> None:
    _, state = login.start()
    answer = login.http.get(f"{login.base}/u/login/passwordless-email-challenge?state={state}")
    assert urlsplit(login.go(answer)).path.endswith("/u/login/identifier")


# -- what the page is made of ------------------------------------------------------------------


def test_the_page_template_custom_text_and_language(login: Login, emulator: ServedEmulator) -> None:
    template = (
        "<!DOCTYPE html><html lang='{{locale}}'><head>{%- auth0:head -%}</head><body>"
        "<div class='brand'>{{ application.name }}</div>{%- auth0:widget -%}</body></html>"
    )
    emulator.admin("PUT", "tenants/acme-dev/page_template", json=template)
    texts = {"login-password": {"fr": {"login-password": {"title": "Votre mot de passe"}}}}
    emulator.admin("PUT", "tenants/acme-dev/custom_text", json=texts)
    url, state = login.start(ui_locales="de fr")  # de is not enabled: fr
    page = login.http.get(login.go(login.http.post(url, data={"state": state, "username": USER})))
    assert "<html lang='fr'>" in page.text and "<div class='brand'>Acme Web</div>" in page.text
    assert heading(page) == "Votre mot de passe"
    url, state = login.start(ui_locales="de")
    page = login.http.get(login.go(login.http.post(url, data={"state": state, "username": USER})))
    assert heading(page) == "Enter Your Password"  # the tenant's default, en


def test_advanced_rendering_and_no_template_show_no_partials(
    login: Login, emulator: ServedEmulator
) -> None:
    rendering = login.admin("tenants/acme-dev/rendering")
    for config in rendering:  # type: ignore[attr-defined]
        if config["screen"] == "login-password":
            config["rendering_mode"] = "advanced"
    emulator.admin("PUT", "tenants/acme-dev/rendering", json=rendering)
    password, _ = login.to_password()
    assert "Send a secure code by email" not in login.http.get(password).text
    assert emulator.server is not None
    emulator.server.set_tenant_section("acme-dev", "page_template", None)
    assert "Send a secure code by email" not in login.http.get(password).text


def test_a_broken_partial_answers_500_naming_it(login: Login, emulator: ServedEmulator) -> None:
    emulator.set_document("acme-dev", "login-id", {"login-id": {"form-footer-end": "{% if %}"}})
    url, _ = login.start()
    answer = login.http.get(url)
    assert answer.status_code == 500
    assert "partial login-id/login-id/form-footer-end" in answer.text


# -- what the pages leave alone ----------------------------------------------------------------


def test_pages_need_no_token_and_spend_no_api_budget(
    login: Login, emulator: ServedEmulator
) -> None:
    for _ in range(15):  # more than the global bucket's burst of 10
        login.to_password()
    assert emulator.requests() == []  # not in the request log
    token = login.http.post(
        f"{login.base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "x",
            "client_secret": "y",
            "audience": f"{login.base}/api/v2/",
        },
    ).json()["access_token"]
    api = login.http.get(
        f"{login.base}/api/v2/prompts", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 200
    assert api.headers["x-ratelimit-remaining"] == "9"
    assert [r["path"] for r in emulator.requests()] == ["/oauth/token", "/api/v2/prompts"]


def test_the_transactions_admin_endpoint(login: Login) -> None:
    _, state = login.start()
    listed = login.admin("transactions")
    assert [t["state"] for t in listed] == [state]  # type: ignore[union-attr,index]
    assert login.http.get(f"{login.emulator.url}/__emulator/transactions/nope").status_code == 404
    cleared = login.http.delete(f"{login.emulator.url}/__emulator/transactions").json()
    assert cleared == {"cleared": 1}
    assert login.http.get(f"{login.base}/u/login/identifier?state={state}").status_code == 400
