"""``import --update``: live partials folded into a file without narrowing what it owns."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import parse_tenant
from reconciler.desired import desired_documents
from reconciler.diff import diff_document
from reconciler.documents import Document, DocumentKey
from reconciler.errors import ConfigError
from reconciler.fold import fold
from reconciler.model import SwitchButton
from reconciler.render import render_items
from reconciler.yamlsource import MAX_DEPTH

FILE = Path("tenants/acme.yaml")

EXISTING = """\
# yaml-language-server: $schema=../schemas/tenant.schema.json
tenant: acme   # the tenant
domain: acme.eu.auth0.com
credentials:
  client_id: ${ACME_ID}
  client_secret: ${ACME_SECRET}

prompts:
  # The password screen: one button, and a help text.
  login-password:
    form-footer-start:
      - switch: email            # the passwordless connection
        label: Send a secure code by email
    form-footer-end: []          # owned, kept empty
    secondary-actions-end:
      - raw: |
          <p class="help">Trouble signing in?</p>

  signup-password:
    - switch: email
      label: Send a secure code by email
"""

LOGIN = DocumentKey.partials("login-password")
SIGNUP = DocumentKey.partials("signup-password")


def button(connection: str, label: str) -> str:
    return render_items([SwitchButton(connection, label)])


def live_from(text: str) -> dict[DocumentKey, Document]:
    """What the tenant holds when it matches ``text`` exactly."""
    config = parse_tenant(text, FILE, env="skip")
    return {d.key: Document(d.key, _screens(d.entries)) for d in desired_documents(config)}


def _screens(entries: dict[tuple[str, str], str]) -> dict[str, dict[str, str]]:
    screens: dict[str, dict[str, str]] = {}
    for (screen, point), html in entries.items():
        if html:
            screens.setdefault(screen, {})[point] = html
    return screens


def folded(text: str, live: dict[DocumentKey, Document], *, adopt: bool = False):  # type: ignore[no-untyped-def]
    return fold(text, parse_tenant(text, FILE, env="skip"), live, adopt=adopt)


def test_a_file_that_matches_the_tenant_is_left_byte_for_byte() -> None:
    result = folded(EXISTING, live_from(EXISTING))
    assert result.text == EXISTING
    assert result.updated == () and result.adopted == () and result.not_adopted == ()


def test_an_out_of_band_label_change_is_folded_and_everything_else_kept() -> None:
    live = live_from(EXISTING)
    screens = {s: dict(p) for s, p in live[LOGIN].screens.items()}
    screens["login-password"]["form-footer-start"] = button("email", "Email me a code")
    live[LOGIN] = Document(LOGIN, screens)
    result = folded(EXISTING, live)
    assert result.updated == ("login-password/login-password/form-footer-start",)
    assert "label: Email me a code" in result.text
    # Everything else, comments and the declared-empty point included, is untouched.
    for line in (
        "tenant: acme   # the tenant",
        "  # The password screen: one button, and a help text.",
        "    form-footer-end: []          # owned, kept empty",
        "      - raw: |",
        '          <p class="help">Trouble signing in?</p>',
    ):
        assert line in result.text.splitlines()
    assert result.text.endswith(EXISTING[EXISTING.index("  signup-password:") :])


def test_after_a_fold_content_injected_at_a_declared_empty_point_is_drift() -> None:
    live = live_from(EXISTING)
    screens = {s: dict(p) for s, p in live[LOGIN].screens.items()}
    screens["login-password"]["form-footer-start"] = button("email", "Email me a code")
    live[LOGIN] = Document(LOGIN, screens)
    text = folded(EXISTING, live).text
    config = parse_tenant(text, FILE, env="skip")
    screens["login-password"]["form-footer-end"] = "<p>injected</p>"
    (login,) = [d for d in desired_documents(config) if d.key == LOGIN]
    diff = diff_document(login, Document(LOGIN, screens))
    assert [(c.action, c.slot) for c in diff.changes] == [("delete", "form-footer-end")]
    assert diff.unmanaged == ()


def test_a_point_emptied_live_stays_declared_as_empty() -> None:
    live = live_from(EXISTING)
    live[SIGNUP] = Document(SIGNUP, {})
    result = folded(EXISTING, live)
    assert "  signup-password: []" in result.text.splitlines()
    config = parse_tenant(result.text, FILE, env="skip")
    assert [p.name for p in config.prompts] == ["login-password", "signup-password"]


def test_content_at_an_undeclared_point_is_listed_not_adopted() -> None:
    live = live_from(EXISTING)
    screens = {s: dict(p) for s, p in live[LOGIN].screens.items()}
    screens["login-password"]["form-content-start"] = "<p>hello</p>"
    live[LOGIN] = Document(LOGIN, screens)
    result = folded(EXISTING, live)
    assert result.text == EXISTING
    (left,) = result.not_adopted
    assert left.address == "login-password/login-password/form-content-start"
    assert "does not declare" in str(left)


def test_adopt_declares_content_at_an_undeclared_point() -> None:
    live = live_from(EXISTING)
    screens = {s: dict(p) for s, p in live[LOGIN].screens.items()}
    screens["login-password"]["form-content-start"] = "<p>hello</p>"
    live[LOGIN] = Document(LOGIN, screens)
    result = folded(EXISTING, live, adopt=True)
    assert result.adopted == ("login-password/login-password/form-content-start",)
    config = parse_tenant(result.text, FILE, env="skip")
    (login,) = [d for d in desired_documents(config) if d.key == LOGIN]
    assert diff_document(login, live[LOGIN]).changes == ()
    assert "# The password screen: one button, and a help text." in result.text


def test_a_form_inside_the_main_form_is_never_written_into_the_file() -> None:
    live = live_from(EXISTING)
    screens = {s: dict(p) for s, p in live[LOGIN].screens.items()}
    screens["login-password"]["form-content-end"] = button("sms", "Text me")
    live[LOGIN] = Document(LOGIN, screens)
    result = folded(EXISTING, live, adopt=True)
    assert result.text == EXISTING
    (left,) = result.not_adopted
    assert "inside the page's main form" in left.reason


def test_an_exclusive_screen_takes_live_content_at_its_undeclared_points() -> None:
    text = EXISTING.replace(
        "  login-password:\n    form-footer-start:",
        "  login-password:\n    login-password:\n      exclusive: true\n      form-footer-start:",
    )
    text = text.replace(
        "      - switch: email            # the passwordless connection\n"
        "        label: Send a secure code by email\n"
        "    form-footer-end: []          # owned, kept empty\n"
        "    secondary-actions-end:\n"
        "      - raw: |\n"
        '          <p class="help">Trouble signing in?</p>\n',
        "        - switch: email\n          label: Send a secure code by email\n",
    )
    live = live_from(text)
    screens = {s: dict(p) for s, p in live[LOGIN].screens.items()}
    screens["login-password"]["secondary-actions-start"] = "<p>new</p>"
    live[LOGIN] = Document(LOGIN, screens)
    result = folded(text, live)
    assert result.adopted == ("login-password/login-password/secondary-actions-start",)
    assert "      exclusive: true" in result.text


def test_inserting_a_button_keeps_the_existing_items_text() -> None:
    live = live_from(EXISTING)
    screens = {s: dict(p) for s, p in live[LOGIN].screens.items()}
    screens["login-password"]["form-footer-start"] = render_items(
        [SwitchButton("sms", "Text me"), SwitchButton("email", "Send a secure code by email")]
    )
    live[LOGIN] = Document(LOGIN, screens)
    result = folded(EXISTING, live)
    lines = result.text.splitlines()
    start = lines.index("    form-footer-start:")
    assert lines[start + 1 : start + 5] == [
        "      - switch: sms",
        "        label: Text me",
        "      - switch: email            # the passwordless connection",
        "        label: Send a secure code by email",
    ]


@pytest.mark.parametrize("style", ["raw: |", "raw: |-", "raw: >"])
def test_unchanged_raw_items_keep_their_scalar_style(style: str) -> None:
    text = EXISTING.replace("      - raw: |\n", f"      - {style}\n")
    live = live_from(text)
    screens = {s: dict(p) for s, p in live[LOGIN].screens.items()}
    screens["login-password"]["form-footer-start"] = button("sms", "Text me")
    live[LOGIN] = Document(LOGIN, screens)
    result = folded(text, live)
    assert f"      - {style}" in result.text.splitlines()


def test_the_fold_reads_the_file_under_the_loaders_limits() -> None:
    config = parse_tenant(EXISTING, FILE, env="skip")
    deep = EXISTING + "nested: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    with pytest.raises(ConfigError, match=r"not valid YAML.*nested deeper"):
        fold(deep, config, live_from(EXISTING))
