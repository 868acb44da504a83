"""Universal Login pages of each emulated tenant: ``/authorize`` and ``/u/...``, for a browser.

Not Management API routes: no token, no Management rate limit, no faults, not in the request
log. Each screen is rendered by ``reconciler.pages`` from the tenant's page template, partials,
custom text and rendering settings, so a browser can click the switch buttons a tenant file
declares. Which of this is Auth0's documented behaviour and which is the emulator's choice is in
``docs/emulator.md`` ("Universal Login pages").

The flow (Identifier First; without it ``/u/login`` asks for both):

- ``GET /authorize?client_id&redirect_uri&response_type=code[&state][&screen_hint=signup]
  [&ui_locales]`` starts a transaction and redirects to ``/u/login/identifier?state=S`` (signup:
  ``/u/signup/identifier``);
- a posted ``username`` moves on to ``/u/login/password`` whether the user exists or not;
- a POST carrying ``connection`` switches: ``email``/``sms`` to
  ``/u/login/passwordless-{email,sms}-challenge``, a database connection to ``/u/login/password``
  (``/u/signup/password`` from signup), a social one completes the login; an unknown connection,
  or one not enabled for the application, answers 400 with the screen and "Invalid connection";
- the right password, or the code (``GET /__emulator/transactions/S``), redirects to
  ``redirect_uri?code=...&state=...``; a signup creates the user first.

A missing or unknown ``state`` answers a 400 error page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from reconciler.emulator.responses import Reply, json_reply, not_found
from reconciler.emulator.transactions import LoginTransaction, new_code, new_state
from reconciler.emulator.users import clean_user
from reconciler.pages import (
    SCREENS,
    PageError,
    PageInputs,
    RenderingMode,
    ScreenSpec,
    Social,
    Transaction,
    render_page,
    screen_at,
)

if TYPE_CHECKING:
    from reconciler.emulator.app import Emulator, IncomingRequest
    from reconciler.emulator.tenant import Tenant

HTML = (("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"))
PASSWORDLESS = {"email": "login-passwordless-email-code", "sms": "login-passwordless-sms-otp"}
NOT_SOCIAL = frozenset({"auth0", "email", "sms"})
#: Screens a browser may go back to at any time (the identifier screens); others only while
#: the transaction is on them.
ENTRY_SCREENS = frozenset({"login", "login-id", "signup", "signup-id"})


def is_page_path(path: str) -> bool:
    """Whether ``path`` (below the tenant) is one of the pages."""
    return path == "/authorize" or path.startswith("/u/")


@dataclass(frozen=True)
class _Request:
    tenant: str
    prefix: str
    """The tenant's path prefix: ``/tenants/T``, or empty for the default tenant at the root."""
    method: str
    path: str
    query: Mapping[str, str]
    form: Mapping[str, str]


def _first(values: Mapping[str, list[str]]) -> dict[str, str]:
    return {key: found[0] for key, found in values.items() if found}


def _html(status: int, page: str) -> Reply:
    return Reply(status, page.encode("utf-8"), HTML)


def _redirect(location: str) -> Reply:
    return Reply(302, b"", (("Location", location), ("Cache-Control", "no-store")))


def error_page(status: int, error: str, description: str) -> Reply:
    """The emulator's error page (shaped like Auth0's "Oops!, something went wrong")."""
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head>'
        '<body><main id="error-page"><h1>Oops!, something went wrong</h1>'
        f'<p class="error-code">{escape(error)}</p><p class="error-description">'
        f"{escape(description)}</p></main></body></html>"
    )
    return _html(status, page)


def _bad_state() -> Reply:
    return error_page(
        400, "invalid_request", "The login transaction is missing, unknown or already finished."
    )


def handle_page(
    emulator: Emulator, tenant: str, prefix: str, path: str, request: IncomingRequest
) -> Reply:
    """Answer one page request of ``tenant`` (``path`` without the tenant's prefix)."""
    form: dict[str, str] = {}
    if request.method == "POST":
        body = request.body.decode("utf-8", errors="replace")
        form = _first(parse_qs(body, keep_blank_values=True))
    query = _first(parse_qs(request.query, keep_blank_values=True))
    call = _Request(tenant, prefix, request.method, path, query, form)
    with emulator.store.locked(tenant) as model:
        if path == "/authorize" and request.method == "GET":
            return _authorize(emulator, model, call)
        spec = screen_at(path)
        if spec is None or request.method not in ("GET", "POST"):
            return error_page(404, "not_found", f"The page {path} is not emulated.")
        state = form.get("state") or query.get("state")
        transaction = emulator.transactions.get(tenant, state)
        if transaction is None or transaction.done:
            return _bad_state()
        flow = _Flow(emulator, model, call, transaction)
        return flow.get(spec) if request.method == "GET" else flow.post(spec)


# -- /authorize ------------------------------------------------------------------------------


def _locale(model: Tenant, ui_locales: str) -> str:
    enabled = [str(x) for x in model.tenant_settings.get("enabled_locales") or ["en"]]
    wanted = next((x for x in ui_locales.split() if x in enabled), None)
    return wanted or (enabled[0] if enabled else "en")


def _identifier_first(model: Tenant) -> bool:
    return bool(model.prompt_settings.get("identifier_first"))


def _start_screen(model: Tenant, signup: bool) -> ScreenSpec:
    name = ("signup" if signup else "login") + ("-id" if _identifier_first(model) else "")
    return SCREENS[name]


def _authorize(emulator: Emulator, model: Tenant, call: _Request) -> Reply:
    query = call.query
    client_id = query.get("client_id", "")
    client = next((c for c in model.clients if c.get("client_id") == client_id), None)
    if client is None:
        return error_page(400, "invalid_request", f"Unknown client: {client_id or '(none)'}")
    redirect_uri = query.get("redirect_uri", "")
    if redirect_uri not in (client.get("callbacks") or []):
        return error_page(
            400,
            "invalid_request",
            "Callback URL mismatch. The provided redirect_uri is not in the list of allowed "
            "callback URLs.",
        )
    if query.get("response_type") != "code":
        return error_page(400, "unsupported_response_type", "Only response_type=code is emulated.")
    spec = _start_screen(model, query.get("screen_hint") == "signup")
    transaction = LoginTransaction(
        state=new_state(),
        tenant=call.tenant,
        client_id=client_id,
        redirect_uri=redirect_uri,
        client_state=query.get("state"),
        locale=_locale(model, query.get("ui_locales", "")),
        screen=spec.name,
    )
    emulator.transactions.add(transaction)
    return _redirect(f"{call.prefix}{spec.path}?{urlencode({'state': transaction.state})}")


# -- the screens -----------------------------------------------------------------------------


class _Flow:
    """One request on one transaction's screens (the tenant's lock is held)."""

    def __init__(
        self, emulator: Emulator, model: Tenant, call: _Request, transaction: LoginTransaction
    ) -> None:
        self.emulator = emulator
        self.model = model
        self.call = call
        self.tx = transaction

    # -- moving between screens

    def _go(self, spec: ScreenSpec) -> Reply:
        with self.emulator.transactions.lock:
            self.tx.screen = spec.name
        return _redirect(f"{self.call.prefix}{spec.path}?{urlencode({'state': self.tx.state})}")

    def _entry(self, spec: ScreenSpec) -> ScreenSpec:
        """``/u/login`` and ``/u/signup`` lead to their identifier screens under Identifier
        First."""
        if spec.name in ("login", "signup") and _identifier_first(self.model):
            return SCREENS[f"{spec.name}-id"]
        return spec

    def get(self, spec: ScreenSpec) -> Reply:
        entry = self._entry(spec)
        if entry is not spec:
            return self._go(entry)
        if spec.name in ENTRY_SCREENS:
            with self.emulator.transactions.lock:
                self.tx.screen = spec.name
        elif spec.name != self.tx.screen:
            return self._go(SCREENS[self.tx.screen])
        return self._page(spec)

    def post(self, spec: ScreenSpec) -> Reply:
        if spec.name != self.tx.screen and spec.name not in ENTRY_SCREENS:
            return self._go(SCREENS[self.tx.screen])
        if "connection" in self.call.form:
            return self._switch(spec, self.call.form["connection"])
        return self._submit(spec)

    # -- rendering

    def _client(self) -> dict[str, Any]:
        found = (c for c in self.model.clients if c.get("client_id") == self.tx.client_id)
        return next(found, {})

    def _enabled(self, name: str) -> dict[str, Any] | None:
        """The connection named ``name``, if it exists and is enabled for the application."""
        for connection in self.model.connections:
            if connection.get("name") == name:
                enabled = self.tx.client_id in (connection.get("enabled_clients") or [])
                return connection if enabled else None
        return None

    def _social(self) -> tuple[Social, ...]:
        return tuple(
            Social.of(str(c["name"]), str(c["strategy"]))
            for c in self.model.connections
            if c.get("strategy") not in NOT_SOCIAL
            and self.tx.client_id in (c.get("enabled_clients") or [])
        )

    def _page(self, spec: ScreenSpec, *errors: str) -> Reply:
        model = self.model
        rendering = model.rendering_config(spec.prompt, spec.name) or {}
        mode: RenderingMode = (
            "advanced" if rendering.get("rendering_mode") == "advanced" else "standard"
        )
        templates = model.features.get("page_templates", True)
        inputs = PageInputs(
            template=model.page_template if templates else None,
            partials=model.prompts.get(spec.prompt, {}),
            texts=model.custom_text.get(spec.prompt, {}).get(self.tx.locale, {}),
            rendering_mode=mode,
        )
        transaction = Transaction(
            state=self.tx.state,
            locale=self.tx.locale,
            application_name=str(self._client().get("name", "")),
            application_id=self.tx.client_id,
            tenant_name=model.name,
            tenant_friendly_name=str(model.tenant_settings.get("friendly_name") or model.name),
            identifier=self.tx.identifier,
            errors=errors,
            social=self._social() if spec.social else (),
            base_path=self.call.prefix,
        )
        try:
            page = render_page(spec.name, inputs, transaction)
        except PageError as exc:
            return error_page(500, "server_error", f"The page could not be rendered: {exc}")
        return _html(400 if errors else 200, page)

    # -- switching connections

    def _switch(self, spec: ScreenSpec, name: str) -> Reply:
        connection = self._enabled(name)
        if connection is None:
            return self._page(spec, "invalid-connection")
        strategy = connection.get("strategy")
        if strategy not in NOT_SOCIAL:
            return self._complete()  # no identity provider to visit: the login succeeds
        if not spec.switches or self.tx.identifier is None:
            return self._page(spec, "invalid-connection")
        with self.emulator.transactions.lock:
            self.tx.connection = name
            if strategy in PASSWORDLESS:
                self.tx.otp = new_code()
        if strategy in PASSWORDLESS:
            return self._go(SCREENS[PASSWORDLESS[str(strategy)]])
        signup = spec.prompt.startswith("signup")
        return self._go(SCREENS["signup-password" if signup else "login-password"])

    # -- the primary form

    def _database(self) -> str:
        if self.tx.connection and self.tx.connection not in PASSWORDLESS:
            return self.tx.connection
        found = (
            str(c["name"])
            for c in self.model.connections
            if c.get("strategy") == "auth0"
            and self.tx.client_id in (c.get("enabled_clients") or [])
        )
        return next(found, "Username-Password-Authentication")

    def _submit(self, spec: ScreenSpec) -> Reply:
        form = self.call.form
        name = spec.name
        identifier = (form.get("username") or form.get("email") or "").strip()
        if name in ("login-id", "signup-id", "login", "signup"):
            if not identifier:
                return self._page(spec, "no-email")
            with self.emulator.transactions.lock:
                self.tx.identifier = identifier
            if name == "login-id":
                return self._go(SCREENS["login-password"])
            if name == "signup-id":
                return self._go(SCREENS["signup-password"])
        password = form.get("password", "")
        if name in ("login", "login-password"):
            user = self.tx.identifier or ""
            if self.model.check_password(user, password, self._database()):
                return self._complete()
            return self._page(spec, "wrong-credentials")
        if name in ("signup", "signup-password"):
            return self._signup(spec, password)
        if name in PASSWORDLESS.values():
            if self.tx.otp is not None and form.get("code", "").strip() == self.tx.otp:
                return self._complete()
            return self._page(spec, "invalid-code")
        return self._page(spec, "invalid-connection")

    def _signup(self, spec: ScreenSpec, password: str) -> Reply:
        if not password:
            return self._page(spec, "no-password")
        email, database = self.tx.identifier or "", self._database()
        exists = any(
            u.get("email", "").lower() == email.lower() and u.get("connection") == database
            for u in self.model.users
        )
        if exists:
            return self._page(spec, "user-exists")
        self.model.users.append(
            clean_user({"email": email, "connection": database, "password": password})
        )
        self.emulator.store.persist()
        return self._complete()

    def _complete(self) -> Reply:
        code = new_state()
        with self.emulator.transactions.lock:
            self.tx.authorization_code = code
            self.tx.screen = "done"
        params = {"code": code}
        if self.tx.client_state is not None:
            params["state"] = self.tx.client_state
        joiner = "&" if "?" in self.tx.redirect_uri else "?"
        return _redirect(f"{self.tx.redirect_uri}{joiner}{urlencode(params)}")


# -- /__emulator/transactions ----------------------------------------------------------------


def handle_transactions_admin(emulator: Emulator, method: str, path: str) -> Reply:
    """``GET /__emulator/transactions`` (all) and ``GET /__emulator/transactions/{state}``
    (one, with its one-time code and authorization code); ``DELETE`` forgets them all."""
    rest = path.removeprefix("/__emulator/transactions").strip("/")
    if not rest:
        if method == "GET":
            return json_reply(200, [t.to_json() for t in emulator.transactions.all()])
        if method == "DELETE":
            return json_reply(200, {"cleared": emulator.transactions.clear()})
        return not_found()
    found = emulator.transactions.find(rest)
    if method != "GET" or found is None:
        return not_found()
    return json_reply(200, found.to_json())
