"""Universal Login pages, emulated: a tenant's page template, partials and custom text rendered
into the HTML of one screen. Pure functions, no I/O.

Shared by the emulator (which serves the pages a browser clicks through) and ``preview`` (which
shows each screen a plan changes before and after). ``render_page(screen, PageInputs(...),
Transaction(...))`` is the one entry point; ``SCREENS`` says which screens have their own
layout, and ``gallery`` lays out preview files.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Each public name and the module that defines it. The modules load on first use, so that
#: importing ``reconciler.pages.gallery`` (a plan report names preview files) does not load the
#: Liquid engine.
_PUBLIC = {
    "PageError": "reconciler.pages.engine",
    "DEFAULT_TEMPLATE": "reconciler.pages.page",
    "PageInputs": "reconciler.pages.page",
    "RenderingMode": "reconciler.pages.page",
    "Transaction": "reconciler.pages.page",
    "page_variables": "reconciler.pages.page",
    "render_page": "reconciler.pages.page",
    "SCREENS": "reconciler.pages.screens",
    "ScreenSpec": "reconciler.pages.screens",
    "screen_at": "reconciler.pages.screens",
    "screen_spec": "reconciler.pages.screens",
    "DEFAULT_TEXTS": "reconciler.pages.texts",
    "variable_name": "reconciler.pages.texts",
    "Social": "reconciler.pages.widget",
}

if TYPE_CHECKING:
    from reconciler.pages.engine import PageError as PageError
    from reconciler.pages.page import (
        DEFAULT_TEMPLATE as DEFAULT_TEMPLATE,
    )
    from reconciler.pages.page import (
        PageInputs as PageInputs,
    )
    from reconciler.pages.page import (
        RenderingMode as RenderingMode,
    )
    from reconciler.pages.page import (
        Transaction as Transaction,
    )
    from reconciler.pages.page import (
        page_variables as page_variables,
    )
    from reconciler.pages.page import (
        render_page as render_page,
    )
    from reconciler.pages.screens import (
        SCREENS as SCREENS,
    )
    from reconciler.pages.screens import (
        ScreenSpec as ScreenSpec,
    )
    from reconciler.pages.screens import (
        screen_at as screen_at,
    )
    from reconciler.pages.screens import (
        screen_spec as screen_spec,
    )
    from reconciler.pages.texts import DEFAULT_TEXTS as DEFAULT_TEXTS
    from reconciler.pages.texts import variable_name as variable_name
    from reconciler.pages.widget import Social as Social


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'reconciler.pages' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
