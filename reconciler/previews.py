"""Previews of the login pages a plan changes: each changed screen as it is now and as it will be
after apply, as HTML and, with a browser, as images.

``preview(plan, session=..., out=...)`` reads, per tenant with changes, what the page is made of
(read-only, Auth0's global bucket but for a partials document the plan has not read):

================================================  =====================  =======================
``GET /api/v2/branding/templates/universal-login``  read:branding          the page template
``GET /api/v2/tenants/settings``                    read:tenant_settings   the default language
``GET /api/v2/prompts/{p}/custom-text/{lang}``      read:prompts           the screen's texts
================================================  =====================  =======================

and renders each screen with ``reconciler.pages`` twice: from the plan's live documents and from
the documents it will write. A read refused for a missing scope is not fatal: the page is
rendered without it (a plain template, English, Auth0's default texts) and the index says so.
The tenant's rendering mode and its social connections are not read: screens are shown in
standard mode, with the secondary-actions insertion points but no social buttons.

Images need Playwright (``pip install 'auth0-partials[preview]'``) and a Chromium-family binary:
``AUTH0_PARTIALS_BROWSER``, else ``chromium``, ``chromium-browser``, ``google-chrome`` or
``google-chrome-stable`` on the PATH. The browser loads nothing from the network.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reconciler.cancel import Cancelled
from reconciler.checks.facts import TenantFacts, Unreadable
from reconciler.documents import Content, DocumentKey
from reconciler.errors import ApiError, Auth0PartialsError
from reconciler.pages import PageError, PageInputs, Transaction, render_page
from reconciler.pages.gallery import (
    Box,
    FileKind,
    IndexEntry,
    compare_html,
    index_html,
    screen_file,
)
from reconciler.plans import Plan, TenantPlan
from reconciler.session import Session

#: The template a page is shown in when the tenant's cannot be read (no read:branding).
PLAIN_TEMPLATE = (
    "<!DOCTYPE html><html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>"
)
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_ARGS = (
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: The page's width (a phone-sized column around Universal Login's 400-pixel box); full-page
#: screenshots grow to the page's height.
PAGE_WIDTH = 480
COMPARE_WIDTH = 2 * PAGE_WIDTH + 80
MIN_HEIGHT = 240
HOW_TO_GET_IMAGES = (
    "for images, install Playwright (pip install 'auth0-partials[preview]') and Chromium "
    "(apt-get install chromium), or set AUTH0_PARTIALS_BROWSER to a Chromium binary"
)
#: The identifier the password and code screens show (a phone number on the SMS screen).
SAMPLE_IDENTIFIER = "jane.doe@example.com"
SAMPLE_PHONE = "+1 555 0100"

_BOXES_JS = """(slots) => slots.map((slot) => {
  const el = document.getElementById('ulp-container-' + slot) || document.querySelector('.c-box');
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];
}).filter((box) => box !== null)"""


@dataclass(frozen=True)
class ScreenPreview:
    """One changed screen: the files written for it (relative to the preview folder)."""

    tenant: str
    prompt: str
    screen: str
    slots: tuple[str, ...]
    files: tuple[str, ...] = ()
    error: str | None = None
    outlined: tuple[tuple[Box, ...], tuple[Box, ...]] = ((), ())
    """The regions outlined on the images, before and after (page pixels)."""

    def file(self, kind: FileKind) -> str:
        return screen_file(self.tenant, self.prompt, self.screen, kind)


@dataclass(frozen=True)
class PreviewReport:
    """What ``preview`` wrote."""

    out: Path
    screens: tuple[ScreenPreview, ...] = ()
    notes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per tenant: what the previews could not show as Auth0 would (a scope was missing...)."""
    tenant_errors: tuple[tuple[str, str], ...] = ()
    images: bool = False
    images_note: str | None = None
    """Why there are no images although they were asked for, and how to get them."""

    @property
    def index(self) -> Path:
        return self.out / "index.html"

    @property
    def has_errors(self) -> bool:
        return bool(self.tenant_errors) or any(s.error for s in self.screens)


def find_browser(environ: Mapping[str, str] | None = None) -> str | None:
    """The browser binary: ``AUTH0_PARTIALS_BROWSER``, else the first Chromium on the PATH."""
    env = os.environ if environ is None else environ
    named = env.get("AUTH0_PARTIALS_BROWSER")
    if named:
        return named
    return next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)


def _images_unavailable(browser: str | None) -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return f"Playwright is not installed: wrote HTML only; {HOW_TO_GET_IMAGES}"
    if browser is None:
        return f"no Chromium found: wrote HTML only; {HOW_TO_GET_IMAGES}"
    return None


# --- reading a tenant ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Screen:
    prompt: str
    screen: str
    slots: tuple[str, ...]


class _TenantPages:
    """What one tenant's pages are made of, read once each."""

    def __init__(self, tenant: TenantPlan, session: Session) -> None:
        self.plan = tenant
        self.client = session.client(tenant.config)
        self.facts = TenantFacts(self.client)
        self.notes: list[str] = []
        self._documents: dict[DocumentKey, tuple[Content, Content]] = {}
        self.template = self._template()
        self.language = self._language()

    def _template(self) -> str | None:
        try:
            found = self.facts.template()
        except ApiError as exc:
            if exc.status not in (400, 402):
                raise
            # No custom domain (400), or a plan without page templates (402).
            self.notes.append(f"no page template ({exc.message}): Auth0 shows no partials")
            return None
        if isinstance(found, Unreadable):
            self.notes.append(
                f"page template not read ({found.scope} missing): pages shown in a plain template"
            )
            return PLAIN_TEMPLATE
        if found is None:
            self.notes.append(
                "the tenant has no custom page template: Auth0 shows no partials without one"
            )
        return found

    def _language(self) -> str:
        """The tenant's default language: the first it enables, as the plan read them (a file
        with translated labels), else from its settings."""
        if self.plan.locales is not None and self.plan.locales.enabled:
            return self.plan.locales.enabled[0]
        try:
            settings = self.facts.tenant_settings()
        except ApiError as exc:
            if exc.status != 403:
                raise
            settings = Unreadable("tenants/settings", "", exc.message)
        if isinstance(settings, Unreadable):
            self.notes.append(
                f"tenant settings not read ({settings.message}): texts shown in English"
            )
            return "en"
        locales = settings.get("enabled_locales")
        if isinstance(locales, list) and locales and isinstance(locales[0], str):
            return locales[0]
        return "en"

    def screens(self) -> list[_Screen]:
        """The screens the plan changes: partials, and custom text of the page's language."""
        slots: dict[tuple[str, str], list[str]] = {}
        for document in self.plan.documents:
            key = document.key
            if key.kind == "custom-text" and key.language != self.language:
                continue
            for change in document.changes:
                slots.setdefault((key.prompt, change.screen), []).append(change.slot)
        return [_Screen(p, s, tuple(found)) for (p, s), found in sorted(slots.items())]

    def documents(self, key: DocumentKey) -> tuple[Content, Content]:
        """The document before and after apply: the plan's, else read once (it will not
        change)."""
        if key not in self._documents:
            self._documents[key] = self._read(key)
        return self._documents[key]

    def _read(self, key: DocumentKey) -> tuple[Content, Content]:
        planned = next((d for d in self.plan.documents if d.key == key), None)
        if planned is not None:
            live = planned.live.screens if planned.live is not None else {}
            return live, planned.document.screens
        try:
            live = self.client.get_document(key).screens
        except ApiError as exc:
            self.notes.append(f"{key} not read ({exc.message}): shown empty")
            live = {}
        return live, live

    def transaction(self, screen: str) -> Transaction:
        config = self.plan.config
        return Transaction(
            state="preview-state",
            locale=self.language,
            application_name=config.applications[0] if config.applications else "My App",
            tenant_name=config.name,
            identifier=SAMPLE_PHONE if screen.endswith("-sms-otp") else SAMPLE_IDENTIFIER,
            secondary_actions=True,
        )


# --- the browser --------------------------------------------------------------------------------


class BrowserUnavailable(Auth0PartialsError):
    """The browser could not be started: previews are written as HTML only."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Camera:
    """One Chromium page, no network, taking the screenshots."""

    def __init__(self, page: Any, error: type[Exception]) -> None:
        self._page = page
        self._error = error

    def _failed(self, exc: Exception, what: str) -> Auth0PartialsError:
        return Auth0PartialsError(
            f"the browser failed to {what}: {_first_line(exc)}",
            hint="run again; if it persists, preview without a browser (unset "
            "AUTH0_PARTIALS_BROWSER, --no-images) and report the page that fails",
        )

    def shoot(self, html: str, path: Path, slots: Sequence[str]) -> list[Box]:
        try:
            self._page.set_content(html, wait_until="load")
            boxes = self._page.evaluate(_BOXES_JS, list(slots))
            self._page.screenshot(path=str(path), full_page=True)
        except self._error as exc:
            raise self._failed(exc, f"take {path.name}") from None
        return [Box(*box) for box in boxes]

    def compose(self, html: str, path: Path) -> None:
        try:
            self._page.set_viewport_size({"width": COMPARE_WIDTH, "height": MIN_HEIGHT})
            self._page.set_content(html, wait_until="load")
            self._page.locator("#compare").screenshot(path=str(path))
        except self._error as exc:
            raise self._failed(exc, f"take {path.name}") from None
        finally:
            self._page.set_viewport_size({"width": PAGE_WIDTH, "height": MIN_HEIGHT})


@contextmanager
def _camera(browser: str) -> Iterator[_Camera]:
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=browser, args=BROWSER_ARGS)
        except Error as exc:
            raise BrowserUnavailable(
                f"the browser {browser} could not start: {_first_line(exc)}",
                hint=HOW_TO_GET_IMAGES,
            ) from None
        try:
            page = chromium.new_page(viewport={"width": PAGE_WIDTH, "height": MIN_HEIGHT})
            page.route("**/*", lambda route: route.abort())
            yield _Camera(page, Error)
        finally:
            chromium.close()


# --- the flow -----------------------------------------------------------------------------------


def _render_screen(
    pages: _TenantPages, screen: _Screen, out: Path, camera: _Camera | None
) -> ScreenPreview:
    tenant = pages.plan.tenant
    partials = pages.documents(DocumentKey.partials(screen.prompt))
    texts = pages.documents(DocumentKey.custom_text(screen.prompt, pages.language))
    transaction = pages.transaction(screen.screen)
    result = ScreenPreview(tenant, screen.prompt, screen.screen, screen.slots)
    try:
        html = [
            render_page(
                screen.screen,
                PageInputs(pages.template, partials[side], texts[side]),
                transaction,
                prompt=screen.prompt,
            )
            for side in (0, 1)
        ]
    except PageError as exc:
        return replace(result, error=str(exc))
    written = []
    for kind, page in (("before.html", html[0]), ("after.html", html[1])):
        path = out / result.file(kind)  # type: ignore[arg-type]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        written.append(result.file(kind))  # type: ignore[arg-type]
    if camera is not None:
        before, after = out / result.file("before.png"), out / result.file("after.png")
        before_boxes = camera.shoot(html[0], before, screen.slots)
        after_boxes = camera.shoot(html[1], after, screen.slots)
        caption = f"{tenant}: {screen.prompt} / {screen.screen} ({', '.join(screen.slots)})"
        page = compare_html(
            before.read_bytes(), after.read_bytes(), before_boxes, after_boxes, caption
        )
        camera.compose(page, out / result.file("png"))
        written += [result.file("before.png"), result.file("after.png"), result.file("png")]
        outlined = (tuple(before_boxes), tuple(after_boxes))
        return replace(result, files=tuple(written), outlined=outlined)
    return replace(result, files=tuple(written))


def _previews(
    plan: Plan, session: Session, out: Path, camera: _Camera | None
) -> tuple[list[ScreenPreview], dict[str, tuple[str, ...]], list[tuple[str, str]]]:
    screens: list[ScreenPreview] = []
    notes: dict[str, tuple[str, ...]] = {}
    errors: list[tuple[str, str]] = []
    for tenant in plan.tenants:
        if tenant.error is not None:
            errors.append((tenant.tenant, f"could not be planned: {tenant.error}"))
            continue
        if not tenant.changes:
            continue
        try:
            pages = _TenantPages(tenant, session)
            for screen in pages.screens():
                session.cancellation.check()
                screens.append(_render_screen(pages, screen, out, camera))
        except Cancelled:
            raise
        except Auth0PartialsError as exc:
            errors.append((tenant.tenant, str(exc)))
            continue
        if pages.notes:
            notes[tenant.tenant] = tuple(pages.notes)
    return screens, notes, errors


def preview(
    plan: Plan,
    *,
    session: Session,
    out: Path,
    images: bool = True,
    browser: str | None = None,
) -> PreviewReport:
    """Write the previews of every screen ``plan`` changes to ``out`` (see the module
    docstring); ``images`` with ``browser`` (default: ``find_browser()``) when Playwright is
    installed. Never writes to a tenant."""
    out.mkdir(parents=True, exist_ok=True)
    browser = browser or find_browser()
    unavailable = _images_unavailable(browser) if images else None
    if images and unavailable is None and browser is not None:
        try:
            with _camera(browser) as camera:
                screens, notes, errors = _previews(plan, session, out, camera)
        except BrowserUnavailable as exc:
            unavailable = f"{exc.message}: wrote HTML only; {HOW_TO_GET_IMAGES}"
        else:
            return _finish(out, screens, notes, errors, None, images=True)
    screens, notes, errors = _previews(plan, session, out, None)
    return _finish(out, screens, notes, errors, unavailable, images=False)


def _finish(
    out: Path,
    screens: list[ScreenPreview],
    notes: dict[str, tuple[str, ...]],
    errors: list[tuple[str, str]],
    unavailable: str | None,
    *,
    images: bool,
) -> PreviewReport:
    all_notes = {tenant: list(found) for tenant, found in notes.items()}
    for tenant, error in errors:
        all_notes.setdefault(tenant, []).append(f"error: {error}")
    entries = [
        IndexEntry(s.tenant, s.prompt, s.screen, s.slots, images and s.error is None, s.error)
        for s in screens
    ]
    (out / "index.html").write_text(
        index_html(entries, all_notes, images_hint=unavailable), encoding="utf-8"
    )
    return PreviewReport(
        out=out,
        screens=tuple(screens),
        notes=notes,
        tenant_errors=tuple(errors),
        images=images,
        images_note=unavailable,
    )
