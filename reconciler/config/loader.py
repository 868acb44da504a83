"""Tenant files: find them, read them, check them, and build ``TenantConfig`` values.

The flow of ``reconciler.config``: ``discover`` the files, ``load_yaml`` each (see
``reconciler.yamlsource``), check it against the schema (``reconciler.config.schema``), then build
the ``TenantConfig`` with ``TenantReader``, which reads the credentials
(``reconciler.config.credentials``), the prompts (``reconciler.config.prompts``) and the safety
limits. Every problem of every file is collected; they are raised together as one ``ConfigErrors``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from reconciler.config.credentials import CredentialsReader
from reconciler.config.problems import NodeReader, kind
from reconciler.config.prompts import PromptReader
from reconciler.config.schema import schema_problems
from reconciler.domains import endpoint_base, is_auth0_domain, is_loopback
from reconciler.errors import ConfigError, SourceLocation
from reconciler.model import Credentials, EnvCheck, SafetyLimits, TenantConfig
from reconciler.yamlsource import ConfigErrors, YamlDocument, load_yaml, parse_yaml

__all__ = [
    "TENANT_FILE_SUFFIXES",
    "TenantReader",
    "discover",
    "load_tenant",
    "load_tenants",
    "parse_tenant",
]

TENANT_FILE_SUFFIXES = (".yaml", ".yml")


# --------------------------------------------------------------------------------- discovery


def discover(paths: Sequence[Path]) -> list[Path]:
    """The tenant files named by ``paths``: files as given, folders searched recursively.

    Files in a folder are those ending in .yaml or .yml (hidden folders skipped), sorted. Each
    file appears once. A missing path, or a folder without tenant files, is a ``ConfigError``.
    """
    found: dict[Path, Path] = {}
    problems: list[ConfigError] = []
    for path in paths:
        try:
            files = _files_at(path)
        except ConfigError as error:
            problems.append(error)
            continue
        for file in files:
            found.setdefault(file.resolve(), file)
    if problems:
        raise ConfigErrors(problems)
    return list(found.values())


def _files_at(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ConfigError(
            "no such file or folder",
            location=SourceLocation(path),
            hint="check the path; tenant files usually live in tenants/",
        )
    files = sorted(
        file
        for file in path.rglob("*")
        if file.suffix in TENANT_FILE_SUFFIXES
        and file.is_file()
        and not any(part.startswith(".") for part in file.relative_to(path).parts)
    )
    if not files:
        raise ConfigError(
            "no tenant files (*.yaml, *.yml) in this folder",
            location=SourceLocation(path),
            hint="point at a folder of tenant files, such as tenants/, or at one file",
        )
    return files


# --------------------------------------------------------------------------------- loading


def load_tenant(
    path: Path, *, environ: Mapping[str, str] | None = None, env: EnvCheck = "warn"
) -> TenantConfig:
    """Read and check one tenant file. Raises ``ConfigErrors`` listing every problem.

    ``environ`` (default ``os.environ``) is only asked whether the credentials' variables are
    set: unset ones are ``warnings`` of the result, problems with ``env="require"``, not looked
    at with ``env="skip"``; their
    values are never read into the result.
    """
    try:
        document = load_yaml(path)
    except ConfigError as error:
        raise ConfigErrors([error]) from None
    return _check(document, environ, env)[0]


def parse_tenant(
    text: str,
    file: Path,
    *,
    environ: Mapping[str, str] | None = None,
    env: EnvCheck = "warn",
) -> TenantConfig:
    """Check tenant-file text as if read from ``file`` (used in messages)."""
    try:
        document = parse_yaml(text, file)
    except ConfigError as error:
        raise ConfigErrors([error]) from None
    return _check(document, environ, env)[0]


def load_tenants(
    paths: Sequence[Path], *, environ: Mapping[str, str] | None = None, env: EnvCheck = "warn"
) -> list[TenantConfig]:
    """Every tenant file under ``paths`` (see ``discover``), checked together.

    Problems of all files, and two files declaring the same tenant, are raised as one
    ``ConfigErrors``.
    """
    tenants: list[TenantConfig] = []
    first_file: dict[str, Path] = {}
    problems: list[ConfigError] = []
    for file in discover(paths):
        try:
            tenant, name_location = _check(load_yaml(file), environ, env)
        except ConfigError as error:
            problems.append(error)
            continue
        if tenant.name in first_file:
            problems.append(
                ConfigError(
                    f"tenant '{tenant.name}' is already declared in {first_file[tenant.name]}",
                    location=name_location,
                    hint="each tenant belongs in exactly one file; rename or remove one of them",
                )
            )
            continue
        first_file[tenant.name] = file
        tenants.append(tenant)
    if problems:
        raise ConfigErrors(problems)
    return tenants


def _check(
    document: YamlDocument, environ: Mapping[str, str] | None, env: EnvCheck
) -> tuple[TenantConfig, SourceLocation]:
    root = _root_mapping(document)
    reader = TenantReader(document, root, os.environ if environ is None else environ, env)
    tenant = reader.tenant()
    # A node the second pass explains (a connection name, a literal secret, a domain) is not
    # reported again in the schema's more general words: one problem, one error.
    explained = {str(problem.location) for problem in reader.problems}
    problems = [p for p in schema_problems(document) if str(p.location) not in explained]
    problems.extend(reader.problems)
    if problems or tenant is None:
        raise ConfigErrors(problems or [_unexpected(document)])
    return tenant, document.location(("tenant",))


def _root_mapping(document: YamlDocument) -> dict[str, object]:
    if document.data is None:
        raise ConfigErrors(
            [
                ConfigError(
                    "the tenant file is empty",
                    location=SourceLocation(document.file, 1, 1),
                    hint="a tenant file needs tenant, domain, credentials and prompts; "
                    "copy tenants/acme-dev.yaml to start",
                )
            ]
        )
    if not isinstance(document.data, dict):
        raise ConfigErrors(
            [
                ConfigError(
                    f"a tenant file must be a mapping, not {kind(document.data)}",
                    location=document.location(()),
                    hint="start the file with keys such as 'tenant: acme-dev' and 'domain: ...'",
                )
            ]
        )
    return document.data


def _unexpected(document: YamlDocument) -> ConfigError:
    return ConfigError("the tenant file could not be read", location=document.location(()))


# ------------------------------------------------------------------------------- the tenant


class TenantReader(NodeReader):
    """Builds a ``TenantConfig`` from schema-shaped data, collecting every problem.

    It reads defensively: a value of the wrong type is skipped (the schema reports it).
    """

    def __init__(
        self,
        document: YamlDocument,
        root: dict[str, object],
        environ: Mapping[str, str],
        env: EnvCheck,
    ) -> None:
        super().__init__(document, root, [])
        self.warnings: list[ConfigError] = []
        self.credentials_reader = CredentialsReader(
            document, root, self.problems, environ, env, self.warnings
        )
        self.prompt_reader = PromptReader(document, root, self.problems)

    def tenant(self) -> TenantConfig | None:
        name, domain = self.root.get("tenant"), self.root.get("domain")
        credentials = self.credentials_reader.credentials()
        extra = self.prompt_reader.extra_prompts()
        prompts = self.prompt_reader.prompts(extra)
        safety = self.safety()
        if not isinstance(name, str) or not isinstance(domain, str) or credentials is None:
            return None
        self.check_domain(domain, credentials)
        custom_domain = self.root.get("custom_domain")
        applications = self.root.get("applications")
        default_language = self.root.get("default_language")
        return TenantConfig(
            name=name,
            domain=domain,
            credentials=credentials,
            prompts=prompts,
            source=self.document.file,
            extra_prompts=extra,
            safety=safety,
            custom_domain=custom_domain if isinstance(custom_domain, str) else None,
            applications=tuple(a for a in applications if isinstance(a, str))
            if isinstance(applications, list)
            else (),
            default_language=default_language if isinstance(default_language, str) else None,
            warnings=tuple(self.warnings),
        )

    def check_domain(self, domain: str, credentials: Credentials) -> None:
        """What ``plan`` would refuse before connecting, and where the API really is."""
        location = self.at("domain")
        try:
            base = endpoint_base(domain)
        except ConfigError as error:
            self.fail(error.message, location, error.hint)
            return
        host = urlsplit(base).hostname or ""
        if is_auth0_domain(host) or is_loopback(host):
            return
        why = (
            f"domain {domain!r} is not a tenant's Auth0 domain (TENANT.REGION.auth0.com): the "
            "Management API and its token live there, not on a custom domain"
        )
        if credentials.audience is None:
            self.fail(
                why,
                location,
                "write the Auth0 domain under domain and the login domain under custom_domain; "
                "for a proxy in front of the API, also set credentials.audience to "
                "https://TENANT.REGION.auth0.com/api/v2/",
            )
        else:
            self.warnings.append(
                ConfigError(
                    why + f"; requests go there with the audience {credentials.audience}",
                    location=location,
                    hint="fine for a proxy in front of the Management API; otherwise write the "
                    "Auth0 domain",
                )
            )

    def safety(self) -> SafetyLimits:
        raw = self.root.get("safety")
        if not isinstance(raw, dict):
            return SafetyLimits()
        default = SafetyLimits()
        max_deletes = raw.get("max_deletes", default.max_deletes)
        allow_empty = raw.get("allow_empty_prompt", default.allow_empty_prompt)
        return SafetyLimits(
            max_deletes=max_deletes
            if isinstance(max_deletes, int) and not isinstance(max_deletes, bool)
            else default.max_deletes,
            allow_empty_prompt=allow_empty
            if isinstance(allow_empty, bool)
            else default.allow_empty_prompt,
        )
