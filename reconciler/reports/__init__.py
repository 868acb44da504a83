"""Every report in one place: plan, drift, apply and doctor, as text, Markdown or JSON.

``text`` (safe terminal text, colour with ``click.style``, HTML as lines) and ``markdown``
(safe spans, the size fitter) are shared; each report module is a set of pure functions of its
value. A new output format is one function per report here; a new report is one module.
"""

from __future__ import annotations

from typing import Literal

from reconciler.findings import DriftReport
from reconciler.plans import Plan
from reconciler.reports.drift import drift_json, drift_markdown, drift_text
from reconciler.reports.plan import plan_json, plan_markdown, plan_text

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")


def render_plan(
    plan: Plan, fmt: Format, *, color: bool = False, preview_base_url: str | None = None
) -> str:
    if fmt == "text":
        return plan_text(plan, color=color)
    if fmt == "markdown":
        return plan_markdown(plan, preview_base_url=preview_base_url)
    if fmt == "json":
        return plan_json(plan)
    raise ValueError(f"unknown output format {fmt!r}; one of {', '.join(FORMATS)}")


def render_drift(report: DriftReport, fmt: Format, *, color: bool = False) -> str:
    if fmt == "text":
        return drift_text(report, color=color)
    if fmt == "markdown":
        return drift_markdown(report)
    if fmt == "json":
        return drift_json(report)
    raise ValueError(f"unknown output format {fmt!r}; one of {', '.join(FORMATS)}")
