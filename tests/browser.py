"""A real Chromium for the tests, driven by Playwright (no browser download: the system's).

``AUTH0_PARTIALS_BROWSER`` names the binary; else ``chromium`` (Debian's package) on the PATH.
Without one, the tests that need it fail when ``CI`` is set (CI installs it) and are skipped on
a developer machine, saying how to get one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_path() -> str | None:
    named = os.environ.get("AUTH0_PARTIALS_BROWSER")
    if named:
        return named
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright: Any) -> Any:
    path = browser_path()
    if path is None:
        message = "no Chromium: apt-get install chromium, or set AUTH0_PARTIALS_BROWSER"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return playwright.chromium.launch(executable_path=path, args=ARGS)


class Page:
    """One page holding a container whose content the tests replace."""

    def __init__(self, page: Any) -> None:
        self.page = page
        page.set_content("<!doctype html><html><body><div id=x></div></body></html>")

    def shown(self, html: str) -> tuple[str, str]:
        """What a user sees of ``html`` (``innerText``) and the elements it makes."""
        result: list[str] = self.page.evaluate(
            """(html) => {
                const box = document.getElementById('x');
                box.innerHTML = html;
                const tags = Array.from(box.querySelectorAll('*')).map(e => e.tagName).join(',');
                return [box.innerText, tags];
            }""",
            html,
        )
        return result[0], result[1]


@contextmanager
def open_page() -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield Page(browser.new_page())
        finally:
            browser.close()
