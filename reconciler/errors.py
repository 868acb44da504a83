"""The project's exceptions.

Every error a user can meet is an ``Auth0PartialsError``: it says what happened, where, and
what to do next. httpx, PyYAML and jsonschema exceptions never travel past the module that
called them.

    Auth0PartialsError
    ├── ConfigError              a tenant file is wrong (file:line:col)
    │   └── ConfigErrors         several at once (reconciler.yamlsource)
    ├── ApiError                 Auth0 answered with an error (status, method, path, errorCode)
    │   └── RateLimitError       429 after the retries ran out
    ├── TransportError           no usable answer: connection, timeout, size, invalid JSON
    │   └── WriteOutcomeUnknown  a write's answer was lost: it may or may not have landed
    ├── BudgetExhausted          the rate budget's next token comes after the run deadline
    │                            (reconciler.management.ratelimit)
    ├── VerificationError        the document a PUT echoed is not the one we sent
    ├── PlanFileError            a saved plan is unreadable, forged, or no longer its files'
    ├── StalePlanError           a document changed between plan and apply
    ├── UnsafePlanError          a plan crosses a safety threshold (needs --allow-destroy)
    ├── Cancelled                the run was interrupted before this step (reconciler.cancel)
    ├── ApplyCancelled           a person said no to the plan
    └── EmulatorStateError       the emulator's state file (reconciler.emulator.store)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class Auth0PartialsError(Exception):
    """Base error: a message and, where we know one, the next step for the user."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


@dataclass(frozen=True)
class SourceLocation:
    """A place in a tenant file; line and column count from 1."""

    file: Path
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return str(self.file)


class ConfigError(Auth0PartialsError):
    """A tenant file is invalid. ``location`` points at the offending node."""

    def __init__(
        self, message: str, *, location: SourceLocation | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.location = location

    def __str__(self) -> str:
        text = super().__str__()
        return f"{self.location}: {text}" if self.location else text


class ApiError(Auth0PartialsError):
    """Auth0's Management API answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        path: str,
        error_code: str | None = None,
        tenant: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.method = method
        self.path = path
        self.error_code = error_code
        self.tenant = tenant

    def __str__(self) -> str:
        who = f"{self.tenant}: " if self.tenant else ""
        code = f" {self.error_code}" if self.error_code else ""
        head = f"{who}{self.method} {self.path} failed: {self.status}{code}: {self.message}"
        return f"{head}\n  hint: {self.hint}" if self.hint else head


def missing_scope(message: str) -> str:
    """The scopes a 403 ``insufficient_scope`` message names ("... expected any of: a, b")."""
    return message.rsplit("expected any of:", 1)[-1].strip(" .")


class RateLimitError(ApiError):
    """Auth0 kept answering 429 after every retry this run allowed."""


class TransportError(Auth0PartialsError):
    """No usable answer: connection refused or reset, timeout, or a body that is not JSON."""


class WriteOutcomeUnknown(TransportError):
    """A PUT reached the server, but its answer was lost (timeout, broken connection): the
    write may or may not have landed. Never retried blindly; the document is read again."""


class VerificationError(Auth0PartialsError):
    """The document echoed by a PUT differs from the document that was sent."""


class PlanFileError(Auth0PartialsError):
    """A saved plan file is unreadable, of an unknown format, or fails its checksum."""


class StalePlanError(Auth0PartialsError):
    """A saved plan no longer matches the live tenant."""


class UnsafePlanError(Auth0PartialsError):
    """A plan deletes more than its tenant allows without --allow-destroy."""


class ApplyCancelled(Auth0PartialsError):
    """The person asked to approve the plan said no."""

    def __init__(self) -> None:
        super().__init__("Apply cancelled.")
