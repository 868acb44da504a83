"""The Liquid engine of the pages: python-liquid with Auth0's two page-template tags.

Auth0's page templates and partials are Liquid. A template must hold ``{%- auth0:head -%}`` and
``{%- auth0:widget -%}`` (dashes optional). python-liquid reads such a tag as a tag named
``auth0`` whose expression is ``:head``; the ``auth0`` tag registered here renders the part
named by that expression from the ``parts`` given to :func:`render`. Its ``parse`` consumes the
tag's own expression token and nothing more: the parser steps past the last token a tag consumed,
so consuming one more token would swallow the markup after the tag.

Output is HTML-escaped (``autoescape``) unless it is ``Markup``: a custom text never becomes
markup on the page [choice: Auth0 does not document whether its Liquid escapes]. Undefined
variables render empty, and the ``default`` filter works on them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from liquid import Environment, Markup
from liquid.ast import Node
from liquid.exceptions import LiquidError
from liquid.tag import Tag
from liquid.token import TOKEN_EXPRESSION, TOKEN_TAG

from reconciler.errors import Auth0PartialsError

if TYPE_CHECKING:
    from liquid.context import RenderContext
    from liquid.stream import TokenStream
    from liquid.token import Token

#: The name under which :func:`render` hands the tag its parts (not reachable from a template:
#: Liquid identifiers cannot start with two underscores and a dot-free lookup of it is
#: harmless).
_PARTS = "__auth0_parts__"


class PageError(Auth0PartialsError):
    """A page template or a partial is not valid Liquid, or cannot be rendered."""


class _Auth0Node(Node):
    """``{% auth0:PART %}``: writes the part given to the render."""

    __slots__ = ("part",)

    def __init__(self, token: Token, part: str) -> None:
        super().__init__(token)
        self.part = part
        self.blank = False

    def __str__(self) -> str:
        return f"{{% auth0:{self.part} %}}"

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        parts = context.globals.get(_PARTS)
        value = parts.get(self.part, "") if isinstance(parts, Mapping) else ""
        return buffer.write(str(value))


class _Auth0Tag(Tag):
    """Parses ``{% auth0:head %}`` / ``{% auth0:widget %}`` (any whitespace control)."""

    name = "auth0"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token = stream.current
        stream.expect(TOKEN_TAG)
        part = ""
        if stream.peek.kind == TOKEN_EXPRESSION:
            next(stream)  # the expression is this tag's; the parser steps past it
            part = stream.current.value.strip().removeprefix(":").strip()
        return _Auth0Node(token, part)


@functools.cache
def environment() -> Environment:
    """The shared environment (python-liquid environments are safe to share across threads)."""
    env = Environment(autoescape=True)
    env.add_tag(_Auth0Tag)
    return env


def markup(html: str) -> Markup:
    """``html`` marked as safe: written as it is, never escaped."""
    return Markup(html)


def render(
    source: str,
    variables: Mapping[str, object],
    *,
    parts: Mapping[str, Markup] | None = None,
    what: str = "template",
) -> str:
    """``source`` rendered with ``variables``; ``parts`` fill ``{% auth0:NAME %}``.

    Raises ``PageError`` naming ``what`` when the source is not valid Liquid.
    """
    try:
        template = environment().from_string(source)
        return template.render(**variables, **{_PARTS: dict(parts or {})})
    except LiquidError as exc:
        raise PageError(
            f"{what}: {exc}",
            hint="fix the Liquid syntax (see Auth0's page template and partials documentation)",
        ) from None
