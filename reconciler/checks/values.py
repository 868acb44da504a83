"""The result of one check, as every report shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CheckId = Literal[
    "custom-domain",
    "page-template",
    "universal-login",
    "identifier-first",
    "prompt-available",
    "rendering-mode",
    "connection-exists",
    "connection-kind",
    "connection-enabled",
    "nested-form",
    "languages",
    "scopes",
]
#: ``warn``: worth knowing, but the buttons work (it does not make doctor exit 2).
Status = Literal["pass", "fail", "warn", "unknown"]


@dataclass(frozen=True)
class CheckResult:
    """One check about one subject (the tenant, a screen, a connection)."""

    check: CheckId
    status: Status
    subject: str
    evidence: str
    fix: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "check": self.check,
            "status": self.status,
            "subject": self.subject,
            "evidence": self.evidence,
            "fix": self.fix,
        }

    def __str__(self) -> str:
        text = f"{self.check} ({self.subject}): {self.evidence}"
        return f"{text}; fix: {self.fix}" if self.fix and self.status == "fail" else text
