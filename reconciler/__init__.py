"""auth0-partials: Auth0 Universal Login prompt partials, declared in Git.

The library the command line is built on. A run in Python::

    import reconciler

    configs = reconciler.load(["tenants"])
    with reconciler.Session() as session:
        plan = reconciler.plan(configs, session=session)
        print(reconciler.render_plan(plan, "text"))
        report = reconciler.apply(plan, session=session, approve=lambda p: True)

Names are imported on first use, so ``import reconciler`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from reconciler.version import __version__

#: Public name -> the module that defines it.
_PUBLIC = {
    "load": "reconciler.operations",
    "plan": "reconciler.operations",
    "apply": "reconciler.operations",
    "drift": "reconciler.operations",
    "doctor": "reconciler.operations",
    "DoctorReport": "reconciler.checks",
    "load_saved": "reconciler.operations",
    "replan_saved": "reconciler.operations",
    "apply_saved": "reconciler.operations",
    "import_tenant": "reconciler.operations",
    "update_tenant_file": "reconciler.operations",
    "restore": "reconciler.operations",
    "preview": "reconciler.previews",
    "ApplyCancelled": "reconciler.errors",
    "Session": "reconciler.session",
    "SessionSettings": "reconciler.session",
    "Plan": "reconciler.plans",
    "TenantPlan": "reconciler.plans",
    "DocumentPlan": "reconciler.plans",
    "TenantConfig": "reconciler.model",
    "ApplyReport": "reconciler.writes",
    "DriftReport": "reconciler.findings",
    "Targets": "reconciler.targets",
    "render_plan": "reconciler.reports",
    "render_drift": "reconciler.reports",
    "Auth0PartialsError": "reconciler.errors",
    "ConfigError": "reconciler.errors",
}

__all__ = ["__version__", *_PUBLIC]

if TYPE_CHECKING:
    from reconciler.checks import (
        DoctorReport as DoctorReport,
    )
    from reconciler.errors import (
        ApplyCancelled as ApplyCancelled,
    )
    from reconciler.errors import (
        Auth0PartialsError as Auth0PartialsError,
    )
    from reconciler.errors import (
        ConfigError as ConfigError,
    )
    from reconciler.findings import (
        DriftReport as DriftReport,
    )
    from reconciler.model import (
        TenantConfig as TenantConfig,
    )
    from reconciler.operations import (
        apply as apply,
    )
    from reconciler.operations import (
        apply_saved as apply_saved,
    )
    from reconciler.operations import (
        doctor as doctor,
    )
    from reconciler.operations import (
        drift as drift,
    )
    from reconciler.operations import (
        import_tenant as import_tenant,
    )
    from reconciler.operations import (
        load as load,
    )
    from reconciler.operations import (
        load_saved as load_saved,
    )
    from reconciler.operations import (
        plan as plan,
    )
    from reconciler.operations import (
        replan_saved as replan_saved,
    )
    from reconciler.operations import (
        restore as restore,
    )
    from reconciler.operations import (
        update_tenant_file as update_tenant_file,
    )
    from reconciler.plans import (
        DocumentPlan as DocumentPlan,
    )
    from reconciler.plans import (
        Plan as Plan,
    )
    from reconciler.plans import (
        TenantPlan as TenantPlan,
    )
    from reconciler.previews import (
        preview as preview,
    )
    from reconciler.reports import (
        render_drift as render_drift,
    )
    from reconciler.reports import (
        render_plan as render_plan,
    )
    from reconciler.session import (
        Session as Session,
    )
    from reconciler.session import (
        SessionSettings as SessionSettings,
    )
    from reconciler.targets import (
        Targets as Targets,
    )
    from reconciler.writes import (
        ApplyReport as ApplyReport,
    )


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'reconciler' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
