"""The screens the pages render: where each lives, what its primary form asks for, what follows.

Paths and field names are Universal Login's ([DOC] connection-switching.mdx and
configure-akamai-supplemental-signals.mdx: ``/u/login/password`` takes ``state``, ``username``,
``password``, ``action``; [INF] third-party automation of ``/u/login/passwordless-email-challenge``
posting ``state``, ``code``, ``action=default``). ``/u/login/passwordless-sms-challenge`` and the
``email`` field of the signup screens are inferred [INF]. A screen this table does not know is
rendered with a generic form (a Continue button only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

#: What a field of the primary form is.
Field = Literal["username", "email", "password", "code"]

#: The link under the primary form: to the signup screens, to the login screens, or a resend.
Alternate = Literal["signup", "login", "resend", "none"]


@dataclass(frozen=True)
class ScreenSpec:
    """One Universal Login screen as the pages render it."""

    name: str
    prompt: str
    path: str
    """Where Universal Login serves it, below the tenant's domain (``/u/login/password``)."""
    fields: tuple[Field, ...] = ()
    shows_identifier: bool = False
    """Shows the identifier captured on an earlier screen (with a hidden ``username``)."""
    alternate: Alternate = "none"
    social: bool = False
    """Shows the social buttons (and the secondary-actions insertion points)."""
    switches: bool = False
    """Accepts a ``connection`` to switch to (Auth0's ``switchConnection`` screens)."""


SCREENS: Mapping[str, ScreenSpec] = {
    spec.name: spec
    for spec in (
        ScreenSpec("login", "login", "/u/login", ("username", "password"), alternate="signup",
                   social=True),
        ScreenSpec("login-id", "login-id", "/u/login/identifier", ("username",),
                   alternate="signup", social=True),
        ScreenSpec("login-password", "login-password", "/u/login/password", ("password",),
                   shows_identifier=True, alternate="signup", social=True, switches=True),
        ScreenSpec("login-passwordless-email-code", "login-passwordless",
                   "/u/login/passwordless-email-challenge", ("code",), shows_identifier=True,
                   alternate="resend", switches=True),
        ScreenSpec("login-passwordless-sms-otp", "login-passwordless",
                   "/u/login/passwordless-sms-challenge", ("code",), shows_identifier=True,
                   alternate="resend", switches=True),
        ScreenSpec("signup", "signup", "/u/signup", ("email", "password"), alternate="login",
                   social=True),
        ScreenSpec("signup-id", "signup-id", "/u/signup/identifier", ("email",),
                   alternate="login", social=True),
        ScreenSpec("signup-password", "signup-password", "/u/signup/password", ("password",),
                   shows_identifier=True, alternate="login", social=True, switches=True),
    )
}  # fmt: skip


def screen_spec(screen: str, prompt: str | None = None) -> ScreenSpec:
    """The spec of ``screen``; a generic one (named after the screen) if it is not known."""
    known = SCREENS.get(screen)
    if known is not None:
        return known
    return ScreenSpec(screen, prompt or screen, f"/u/{screen}")


def screen_at(path: str) -> ScreenSpec | None:
    """The known screen served at ``path`` (``/u/login/password``), or None."""
    return next((spec for spec in SCREENS.values() if spec.path == path), None)
