"""Universal Login pages, emulated: a tenant's page template, partials and custom text rendered
into the HTML of one screen. Pure functions, no I/O.

Shared by the emulator (which serves the pages a browser clicks through) and ``preview`` (which
shows each screen a plan changes before and after). ``render_page(screen, PageInputs(...),
Transaction(...))`` is the one entry point; ``SCREENS`` says which screens have their own
layout, and ``gallery`` lays out preview files.
"""

from reconciler.pages.engine import PageError
from reconciler.pages.page import (
    DEFAULT_TEMPLATE,
    PageInputs,
    RenderingMode,
    Transaction,
    page_variables,
    render_page,
)
from reconciler.pages.screens import SCREENS, ScreenSpec, screen_at, screen_spec
from reconciler.pages.texts import DEFAULT_TEXTS, variable_name
from reconciler.pages.widget import Social

__all__ = [
    "DEFAULT_TEMPLATE",
    "DEFAULT_TEXTS",
    "SCREENS",
    "PageError",
    "PageInputs",
    "RenderingMode",
    "ScreenSpec",
    "Social",
    "Transaction",
    "page_variables",
    "render_page",
    "screen_at",
    "screen_spec",
    "variable_name",
]
