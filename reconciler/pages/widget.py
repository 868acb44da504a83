"""The emulated widget ``{%- auth0:widget -%}`` becomes: Universal Login's DOM, without its
scripts and with plain classes.

The structure follows what Auth0 documents and public copies of Universal Login's HTML show
(universal-login.md, section 6): the primary ``<form method="POST" data-form-primary="true">``
holding the hidden ``state``, ``#ulp-container-form-content-start``, the screen's fields, the
``#ulp-container-form-content-end`` and the ``action=default`` submit button; after it
``#ulp-container-form-footer-start``, the alternate action ("Don't have an account? Sign up"),
``#ulp-container-form-footer-end``; then, on screens with social buttons, the divider,
``#ulp-container-secondary-actions-start``, one ``<form method="post" data-provider="google"
data-form-secondary="true">`` per social connection and ``#ulp-container-secondary-actions-end``.

Everything here is escaped text but the partials, which arrive already rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from reconciler.pages.screens import ScreenSpec


@dataclass(frozen=True)
class Social:
    """A social connection's button: ``google-oauth2`` shown as "Google" for provider
    ``google``."""

    connection: str
    provider: str
    label: str

    @classmethod
    def of(cls, connection: str, strategy: str) -> Social:
        provider = strategy.removesuffix("-oauth2")
        label = {"google": "Google", "github": "GitHub", "windowslive": "Microsoft"}.get(
            provider, connection
        )
        return cls(connection, provider, label)


@dataclass(frozen=True)
class WidgetParts:
    """What the widget shows besides the screen's own layout."""

    spec: ScreenSpec
    texts: Mapping[str, str]
    """The screen's texts with placeholders filled."""
    partials: Mapping[str, str]
    """Rendered partials by insertion point (empty in advanced rendering mode)."""
    state: str
    identifier: str | None
    errors: tuple[str, ...]
    social: tuple[Social, ...]
    secondary_actions: bool
    base_path: str
    rendering_mode: str


def _text(parts: WidgetParts, key: str) -> str:
    return escape(parts.texts.get(key, ""))


def _container(parts: WidgetParts, slot: str) -> str:
    inner = parts.partials.get(slot, "")
    return f'<div id="ulp-container-{slot}" class="ulp-container-{slot}">{inner}</div>'


def _link(parts: WidgetParts, path: str) -> str:
    return escape(f"{parts.base_path}{path}?state={parts.state}")


def _field(parts: WidgetParts, name: str) -> str:
    kind = {"password": "password", "code": "text"}.get(name, "text")
    label_key = {"username": "usernamePlaceholder", "email": "emailPlaceholder"}.get(
        name, f"{name}Placeholder"
    )
    complete = {
        "username": "username",
        "email": "email",
        "password": "current-password" if parts.spec.prompt.startswith("login") else "new-password",
        "code": "one-time-code",
    }[name]
    field = (
        f'<div class="c-field"><label for="{name}">{_text(parts, label_key)}</label>'
        f'<input type="{kind}" id="{name}" name="{name}" autocomplete="{complete}"'
        f"{' inputmode=numeric' if name == 'code' else ''}></div>"
    )
    if name == "password" and parts.spec.prompt.startswith("login"):
        forgot = _link(parts, "/u/reset-password/request")
        field += (
            f'<p class="c-forgot"><a class="c-link" href="{forgot}">'
            f"{_text(parts, 'forgotPasswordText')}</a></p>"
        )
    return field


def _identifier(parts: WidgetParts) -> str:
    if not parts.spec.shows_identifier or parts.identifier is None:
        return ""
    who = escape(parts.identifier)
    hidden = f'<input type="hidden" name="username" value="{who}">'
    if parts.spec.fields == ("code",):
        return hidden  # the code screens name the identifier in their description
    start = "/u/signup" if parts.spec.prompt.startswith("signup") else "/u/login"
    edit = _link(parts, start)
    return (
        f'<div class="c-identifier"><span class="c-identifier-text">{who}</span>'
        f'<a class="c-link" href="{edit}">{_text(parts, "editEmailText")}</a></div>{hidden}'
    )


def _header(parts: WidgetParts) -> str:
    description = _text(parts, "description")
    if parts.spec.fields == ("code",) and parts.identifier:
        description += f" <strong>{escape(parts.identifier)}</strong>"
    return (
        '<header class="c-header"><div class="c-logo" aria-hidden="true"></div>'
        f'<h1 id="title">{_text(parts, "title")}</h1>'
        f'<div class="c-description"><p>{description}</p></div></header>'
    )


def _errors(parts: WidgetParts) -> str:
    if not parts.errors:
        return ""
    lines = "".join(f"<p>{escape(parts.texts.get(key, key))}</p>" for key in parts.errors)
    return f'<div id="prompt-alert" class="ulp-alert" role="alert">{lines}</div>'


def _alternate(parts: WidgetParts) -> str:
    kind = parts.spec.alternate
    if kind == "none":
        return ""
    if kind == "signup":
        text, link, href = "footerText", "footerLinkText", _link(parts, "/u/signup")
    elif kind == "login":
        text, link, href = "loginActionText", "loginActionLinkText", _link(parts, "/u/login")
    else:
        text, link, href = "resendText", "resendActionText", _link(parts, parts.spec.path)
    return (
        f'<div class="ulp-alternate-action"><p>{_text(parts, text)} '
        f'<a class="c-link" href="{href}">{_text(parts, link)}</a></p></div>'
    )


def _social(parts: WidgetParts) -> str:
    if not parts.spec.social or not (parts.social or parts.secondary_actions):
        return ""
    state = escape(parts.state)
    buttons = []
    for social in parts.social:
        label = escape(
            parts.texts.get("federatedConnectionButtonText", "${connectionName}").replace(
                "${connectionName}", social.label
            )
        )
        provider = escape(social.provider)
        buttons.append(
            f'<form method="post" data-provider="{provider}" class="c-social-form"'
            ' data-form-secondary="true">'
            f'<input type="hidden" name="state" value="{state}">'
            f'<input type="hidden" name="connection" value="{escape(social.connection)}">'
            f'<button type="submit" class="c-button c-button-social" data-provider="{provider}"'
            f' data-action-button-secondary="true"><span>{label}</span></button></form>'
        )
    divider = (
        f'<div class="c-divider"><span>{_text(parts, "separatorText")}</span></div>'
        if parts.social
        else ""
    )
    return (
        f"{divider}{_container(parts, 'secondary-actions-start')}{''.join(buttons)}"
        f"{_container(parts, 'secondary-actions-end')}"
    )


def widget_html(parts: WidgetParts) -> str:
    """The widget's HTML (see the module docstring)."""
    spec = parts.spec
    fields = "".join(_field(parts, name) for name in spec.fields)
    form = (
        f'<form method="POST" class="c-form _form-{escape(spec.name)}" data-form-primary="true">'
        f'<input type="hidden" name="state" value="{escape(parts.state)}">'
        f"{_container(parts, 'form-content-start')}{_identifier(parts)}{fields}"
        f"{_container(parts, 'form-content-end')}"
        '<div class="c-actions"><button type="submit" name="action" value="default"'
        ' class="c-button c-button-primary" data-action-button-primary="true">'
        f"{_text(parts, 'buttonText')}</button></div></form>"
    )
    mode = escape(parts.rendering_mode)
    return (
        f'<main class="_widget" data-screen="{escape(spec.name)}"'
        f' data-prompt="{escape(spec.prompt)}" data-rendering-mode="{mode}">'
        f'<section class="c-box"><div class="prompt-box">{_header(parts)}{_errors(parts)}'
        f'<div class="c-content">{form}{_container(parts, "form-footer-start")}'
        f"{_alternate(parts)}{_container(parts, 'form-footer-end')}{_social(parts)}"
        "</div></div></section></main>"
    )
