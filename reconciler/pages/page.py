"""One Universal Login screen as HTML: the tenant's page template around the emulated widget.

``render_page(screen, inputs, transaction)`` is a pure function. The page template is rendered
with Liquid (``reconciler.pages.engine``); ``{%- auth0:head -%}`` becomes the title and a
stylesheet, ``{%- auth0:widget -%}`` the widget (``reconciler.pages.widget``). Each partial of
the screen is rendered with Liquid too, with the same variables, into its insertion point.

As on Auth0: without a custom page template, the default page is shown and partials are not
([DOC] customize-signup-and-login-prompts.mdx lists the template as a prerequisite); a screen in
advanced rendering mode shows no partials ([DOC] ACUL replaces the widget).

Template variables ([DOC] customize-templates.mdx, "Current screen information"): ``state``,
``locale``, ``prompt.name``, ``prompt.screen.name``, ``prompt.screen.texts`` (see
``reconciler.pages.texts``), ``application.id``, ``application.name``, ``tenant.name``,
``tenant.friendly_name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Literal

from reconciler.pages.engine import markup, render
from reconciler.pages.screens import screen_spec
from reconciler.pages.style import STYLESHEET
from reconciler.pages.texts import fill, screen_texts, template_texts
from reconciler.pages.widget import Social, WidgetParts, widget_html

RenderingMode = Literal["standard", "advanced"]

#: What a tenant without a custom page template gets (Auth0's own page, centred).
DEFAULT_TEMPLATE = (
    '<!DOCTYPE html><html lang="{{locale}}"><head>{%- auth0:head -%}</head>'
    '<body class="_widget-auto-layout">{%- auth0:widget -%}</body></html>'
)


@dataclass(frozen=True)
class PageInputs:
    """What the tenant stores for a screen's page."""

    template: str | None = None
    """The Universal Login page template; None when the tenant has none."""
    partials: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """The prompt's partials document: ``{screen: {insertion point: html}}``."""
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """The prompt's custom text in the page's language: ``{screen: {key: text}}``."""
    rendering_mode: RenderingMode = "standard"


@dataclass(frozen=True)
class Transaction:
    """The login transaction the page belongs to."""

    state: str
    locale: str = "en"
    application_name: str = "My App"
    application_id: str = ""
    tenant_name: str = ""
    tenant_friendly_name: str = ""
    identifier: str | None = None
    """The email captured on an earlier screen (shown on the password and code screens)."""
    errors: tuple[str, ...] = ()
    """Text keys (``invalid-connection``) or messages shown in the page's alert."""
    social: tuple[Social, ...] = ()
    secondary_actions: bool = False
    """Show the secondary-actions insertion points even without social connections."""
    base_path: str = ""
    """Prefix of the page's own links (``/tenants/acme-dev`` on the emulator)."""


def page_variables(
    screen: str, prompt: str, texts: Mapping[str, str], transaction: Transaction
) -> dict[str, object]:
    """The Liquid variables of the page template and the partials."""
    return {
        "state": transaction.state,
        "locale": transaction.locale,
        "prompt": {"name": prompt, "screen": {"name": screen, "texts": dict(texts)}},
        "application": {"id": transaction.application_id, "name": transaction.application_name},
        "tenant": {
            "name": transaction.tenant_name,
            "friendly_name": transaction.tenant_friendly_name or transaction.tenant_name,
        },
    }


def render_page(
    screen: str, inputs: PageInputs, transaction: Transaction, *, prompt: str | None = None
) -> str:
    """The HTML of ``screen``. Raises ``PageError`` when the template or a partial is not
    valid Liquid (naming which)."""
    spec = screen_spec(screen, prompt)
    values = {
        "companyName": transaction.tenant_friendly_name or transaction.tenant_name,
        "clientName": transaction.application_name,
    }
    texts = {k: fill(v, values) for k, v in screen_texts(spec.name, inputs.texts).items()}
    variables = page_variables(spec.name, spec.prompt, template_texts(texts, values), transaction)
    shown: dict[str, str] = {}
    if inputs.template is not None and inputs.rendering_mode == "standard":
        for slot, source in sorted(inputs.partials.get(spec.name, {}).items()):
            what = f"partial {spec.prompt}/{spec.name}/{slot}"
            shown[slot] = render(source, variables, what=what)
    widget = widget_html(
        WidgetParts(
            spec=spec,
            texts=texts,
            partials=shown,
            state=transaction.state,
            identifier=transaction.identifier,
            errors=transaction.errors,
            social=transaction.social,
            secondary_actions=transaction.secondary_actions,
            base_path=transaction.base_path,
            rendering_mode=inputs.rendering_mode,
        )
    )
    head = (
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width,'
        f' initial-scale=1"><title>{escape(texts.get("pageTitle", spec.name))}</title>'
        f"<style>{STYLESHEET}</style>"
    )
    template = inputs.template if inputs.template is not None else DEFAULT_TEMPLATE
    return render(
        template,
        variables,
        parts={"head": markup(head), "widget": markup(widget)},
        what="page template",
    )
