"""What Auth0 knows: prompts, their screens, insertion points and limits.

One table, easy to extend when Auth0 adds a prompt. A tenant file may declare prompts that are
not here (``extra_prompts``), so a new Auth0 prompt never blocks a user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: Auth0's documented limit for one partial (one insertion point), in characters.
MAX_PARTIAL_CHARS = 10_000

#: The insertion point a switch button goes to when the file does not say.
DEFAULT_INSERTION_POINT = "form-footer-start"

STANDARD_INSERTION_POINTS: tuple[str, ...] = (
    "form-content-start",
    "form-content-end",
    "form-footer-start",
    "form-footer-end",
    "secondary-actions-start",
    "secondary-actions-end",
)

#: Where each insertion point sits on the page (Auth0's documentation and public copies of
#: Universal Login's HTML), for the schema's descriptions and the checks' messages.
INSERTION_POINT_NOTES: Mapping[str, str] = {
    "form-content-start": "Inside the main form, before its fields",
    "form-content-end": "Inside the main form, after its fields",
    "form-footer-start": "Below the main form, before the footer links. The usual place for a "
    "switch button (the default for a list)",
    "form-footer-end": "At the end of the form footer",
    "secondary-actions-start": "Before the secondary actions (social and enterprise buttons)",
    "secondary-actions-end": "After the secondary actions (social and enterprise buttons)",
    "form-content": "The content of the customized-consent form (that prompt's only "
    "insertion point)",
}

#: Insertion points rendered inside the page's main ``<form>``. HTML forbids a form inside a
#: form: a browser drops the nested start tag, and the nested ``</form>`` then ends the main
#: form, so the switch's hidden inputs join the main form and the fields and Continue button
#: after it belong to no form (seen in Chromium by tests/test_browser_switching.py).
INSIDE_MAIN_FORM: frozenset[str] = frozenset(
    {"form-content-start", "form-content-end", "form-content"}
)


@dataclass(frozen=True)
class PromptSpec:
    """One Universal Login prompt: its screens and the insertion points each screen offers."""

    name: str
    screens: tuple[str, ...]
    insertion_points: tuple[str, ...] = STANDARD_INSERTION_POINTS
    note: str = ""

    @property
    def default_screen(self) -> str | None:
        """The screen used when a file names none: only defined for one-screen prompts."""
        return self.screens[0] if len(self.screens) == 1 else None

    @property
    def default_insertion_point(self) -> str | None:
        """Where a list directly under a screen goes: form-footer-start, or the only point."""
        if DEFAULT_INSERTION_POINT in self.insertion_points:
            return DEFAULT_INSERTION_POINT
        return self.insertion_points[0] if len(self.insertion_points) == 1 else None


def _single(name: str, note: str = "") -> PromptSpec:
    return PromptSpec(name=name, screens=(name,), note=note)


PROMPTS: Mapping[str, PromptSpec] = {
    spec.name: spec
    for spec in (
        _single("login"),
        _single("login-id"),
        _single("login-password"),
        _single("signup"),
        _single("signup-id"),
        _single("signup-password"),
        PromptSpec(
            "login-passwordless",
            ("login-passwordless-email-code", "login-passwordless-sms-otp"),
        ),
        PromptSpec("customized-consent", ("customized-consent",), ("form-content",)),
        PromptSpec(
            "passkeys",
            ("passkey-enrollment", "passkey-enrollment-local"),
            note="tenants without passkeys answer 400 for this prompt",
        ),
        _single("confirmation"),
    )
}

#: Names of prompts, screens and insertion points: lower-case letters, digits and hyphens.
NAME_PATTERN = r"[a-z0-9][a-z0-9-]*"

#: Characters allowed in a connection name (Auth0: letters, digits, hyphens; no leading or
#: trailing hyphen; at most 128). ``email`` and ``sms`` are the passwordless connections.
CONNECTION_NAME_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,126}[A-Za-z0-9])?$"
PASSWORDLESS_CONNECTIONS: frozenset[str] = frozenset({"email", "sms"})


def prompt_spec(name: str, extra: Mapping[str, PromptSpec] | None = None) -> PromptSpec | None:
    """The spec for ``name`` from the catalogue or from a tenant's ``extra_prompts``."""
    if extra and name in extra:
        return extra[name]
    return PROMPTS.get(name)


# --- custom text -------------------------------------------------------------------------------

#: The languages Universal Login speaks (Auth0's OpenAPI description of the Management API,
#: ``PromptLanguageEnum``, June 2026): the ``{language}`` of ``/prompts/{prompt}/custom-text/
#: {language}`` and the keys of a label map.
LANGUAGES: tuple[str, ...] = (
    "am",
    "ar",
    "ar-EG",
    "ar-SA",
    "az",
    "bg",
    "bn",
    "bs",
    "ca-ES",
    "cnr",
    "cs",
    "cy",
    "da",
    "de",
    "el",
    "en",
    "en-CA",
    "es",
    "es-419",
    "es-AR",
    "es-MX",
    "et",
    "eu-ES",
    "fa",
    "fi",
    "fr",
    "fr-CA",
    "fr-FR",
    "gl-ES",
    "gu",
    "he",
    "hi",
    "hr",
    "hu",
    "hy",
    "id",
    "is",
    "it",
    "ja",
    "ka",
    "kk",
    "kn",
    "ko",
    "lt",
    "lv",
    "mk",
    "ml",
    "mn",
    "mr",
    "ms",
    "my",
    "nb",
    "nl",
    "nn",
    "no",
    "pa",
    "pl",
    "pt",
    "pt-BR",
    "pt-PT",
    "ro",
    "ru",
    "sk",
    "sl",
    "so",
    "sq",
    "sr",
    "sv",
    "sw",
    "ta",
    "te",
    "th",
    "tl",
    "tr",
    "uk",
    "ur",
    "vi",
    "zgh",
    "zh-CN",
    "zh-HK",
    "zh-MO",
    "zh-TW",
)

#: Custom text variables a screen may hold per language (Auth0's docs, "Localize Content" of
#: Customize Signup and Login Prompts: "Up to thirty custom text variables").
MAX_TEXT_VARIABLES = 30

#: A custom text variable: ``var-<name>``, lower-case words joined by hyphens.
TEXT_KEY_PATTERN = r"var-[a-z0-9]+(?:-[a-z0-9]+)*"

#: The variables this tool generates for translated button labels start with this.
SWITCH_TEXT_PREFIX = "var-switch-"


def text_reference(key: str) -> str:
    """How a partial refers to the custom text variable ``key``: ``var-tos`` is
    ``prompt.screen.texts.varTos`` (Auth0's docs, "Use a Custom Text Variable in a Partial")."""
    first, *rest = key.split("-")
    return "prompt.screen.texts." + first + "".join(word[:1].upper() + word[1:] for word in rest)
