"""How an apply ends: one line per document as it is written, then the verdict."""

from __future__ import annotations

from pathlib import Path

from reconciler.reports.text import Palette, plural, sanitize
from reconciler.writes import ApplyReport, DocumentOutcome

_STYLE = {
    "written": "create",
    "unchanged": "dim",
    "stale": "warning",
    "unsafe": "warning",
}


def outcome_lines(outcome: DocumentOutcome, *, color: bool = False) -> list[str]:
    """The line of one document (and its error or note on the next line)."""
    paint = Palette(color)
    status = paint(f"{outcome.status:>15}", _STYLE.get(outcome.status, "error"))  # type: ignore[arg-type]
    line = f"{status}  {sanitize(outcome.tenant)}/{sanitize(str(outcome.key))}"
    if outcome.backup:
        line += f"  (previous document saved to {outcome.backup})"
    lines = [line]
    for extra in (outcome.note, outcome.error):
        if extra:
            lines.extend(f"{'':17}{sanitize(text)}" for text in extra.splitlines())
    return lines


def apply_verdict(
    report: ApplyReport, *, backup_dir: Path | None = None, planned: int | None = None
) -> list[str]:
    """The closing lines of an apply (its document lines were printed as they happened).
    ``planned``: how many documents the plan meant to write, when an interrupted apply's
    report holds only those it reached."""
    lines = [f"{'failed':>15}  {sanitize(t)}: {sanitize(e)}" for t, e in report.tenant_errors]
    written = len(report.written)
    reached = len(report.outcomes)
    others = reached - written if planned is None else max(planned, reached) - written
    counted = f"{plural(written, 'document')} written, {others} not written"
    if report.interrupted:
        lines.append(f"Apply interrupted: {counted}.")
        if backup_dir is not None:
            lines.append(f"The documents replaced so far are backed up in {backup_dir}.")
        lines.append("Run `auth0-partials plan` to see where the tenants stand.")
        return lines
    lines.append(f"Apply {'incomplete' if report.failed else 'complete'}: {counted}.")
    if any(o.status == "outcome unknown" for o in report.outcomes):
        lines.append(
            "A write's outcome is unknown: wait a minute, then run `auth0-partials plan` before "
            "changing those documents by hand."
        )
    elif report.failed:
        lines.append("Rerun the same command to converge once the cause is fixed.")
    return lines
