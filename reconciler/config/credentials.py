"""Tenant-file credentials: ``${ENV_VAR}`` references only, and whether those variables are set.

A tenant file never holds a secret: ``client_id`` / ``client_secret`` (or ``token``) must each be a
``${VARIABLE}`` reference. The reader keeps the variables' names in ``Credentials``; it asks the
environment only whether they are set (``env``: a warning, an error, or not asked), and never
reads their values into a result or a message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from reconciler.config.problems import NodeReader
from reconciler.errors import ConfigError
from reconciler.model import Credentials, EnvCheck
from reconciler.yamlsource import YamlDocument

__all__ = ["CredentialsReader"]

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_KEYS = ("client_id", "client_secret", "token")


class CredentialsReader(NodeReader):
    """Builds ``Credentials`` from the ``credentials`` mapping, adding every problem."""

    def __init__(
        self,
        document: YamlDocument,
        root: dict[str, object],
        problems: list[ConfigError],
        environ: Mapping[str, str],
        env: EnvCheck,
        warnings: list[ConfigError],
    ) -> None:
        super().__init__(document, root, problems)
        self.environ = environ
        self.env = env
        self.warnings = warnings

    def credentials(self) -> Credentials | None:
        raw = self.root.get("credentials")
        if not isinstance(raw, dict):
            return None
        names = {key: self.env_reference(raw, key) for key in _SECRET_KEYS if key in raw}
        audience = raw.get("audience")
        audience = audience if isinstance(audience, str) else None
        has_client = "client_id" in raw or "client_secret" in raw
        if "token" in raw and has_client:
            self.fail(
                "credentials give both a token and client_id/client_secret",
                self.key_at("credentials", "token"),
                "use one: client_id + client_secret (tokens are fetched and renewed for you), "
                "or token (a ready-made Management API token)",
            )
            return None
        if "token" in raw:
            return Credentials("token", token_env=names["token"], audience=audience)
        return self.client_credentials(raw, names, audience)

    def client_credentials(
        self, raw: dict[str, object], names: dict[str, str | None], audience: str | None
    ) -> Credentials | None:
        missing = [key for key in ("client_id", "client_secret") if key not in raw]
        if len(missing) == 2:
            self.fail(
                "credentials need client_id and client_secret, or token",
                self.at("credentials"),
                "write client_id: ${MY_CLIENT_ID} and client_secret: ${MY_CLIENT_SECRET}",
            )
            return None
        if missing:
            self.fail(
                f"credentials give {'client_id' if missing[0] != 'client_id' else 'client_secret'}"
                f" but no {missing[0]}",
                self.at("credentials"),
                f"add {missing[0]}: ${{YOUR_{missing[0].upper()}}}",
            )
            return None
        return Credentials(
            "client_credentials",
            client_id_env=names["client_id"],
            client_secret_env=names["client_secret"],
            audience=audience,
        )

    def env_reference(self, raw: dict[str, object], key: str) -> str | None:
        """The environment variable named by ``credentials.<key>``; never reads or shows values."""
        value = raw[key]
        if not isinstance(value, str):
            return None
        location = self.at("credentials", key)
        match = _ENV_REFERENCE.fullmatch(value)
        if match is None:
            self.fail(
                f"credentials.{key} must be an environment variable reference like "
                f"${{{self.example_variable(key)}}}, not a literal value",
                location,
                f"never write a secret in a tenant file: put it in an environment variable "
                f"(e.g. {self.example_variable(key)}) and write {key}: "
                f"${{{self.example_variable(key)}}}",
            )
            return None
        name = match.group(1)
        if self.env != "skip" and not self.environ.get(name):
            state = "is not set" if name not in self.environ else "is empty"
            problem = ConfigError(
                f"environment variable {name} {state}",
                location=location,
                hint=f"set {name} (for example from your CI secret store) before running plan "
                f"or apply; it holds credentials.{key}",
            )
            (self.problems if self.env == "require" else self.warnings).append(problem)
        return name

    def example_variable(self, key: str) -> str:
        tenant = self.root.get("tenant")
        prefix = re.sub(r"[^A-Za-z0-9]+", "_", tenant).upper() if isinstance(tenant, str) else ""
        return f"{prefix}_{key.upper()}" if prefix else f"AUTH0_{key.upper()}"
