"""Tenant files: find them, read them, check them, and build ``TenantConfig`` values.

A file is checked in two passes that both report every problem they find:

1. ``schemas/tenant.schema.json`` (JSON Schema 2020-12) checks the shape: keys, types, patterns.
2. Python checks what a schema cannot: prompt, screen and insertion-point names (with
   did-you-mean), connection names, the rendered length of each partial, switch forms inside the
   main form, Liquid in labels, ``${ENV_VAR}`` credentials and whether those variables are set.

Every problem is a ``ConfigError`` at the file:line:col of the offending node; a file's problems
are raised together as one ``ConfigErrors`` (see ``reconciler.yamlsource``).
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from reconciler.catalog import (
    CONNECTION_NAME_PATTERN,
    DEFAULT_INSERTION_POINT,
    INSIDE_MAIN_FORM,
    MAX_PARTIAL_CHARS,
    PASSWORDLESS_CONNECTIONS,
    PROMPTS,
    STANDARD_INSERTION_POINTS,
    PromptSpec,
    prompt_spec,
)
from reconciler.errors import ConfigError, SourceLocation
from reconciler.model import (
    DEFAULT_BUTTON_ID,
    DEFAULT_BUTTON_STYLE,
    Credentials,
    DesiredInsertionPoint,
    DesiredPrompt,
    DesiredScreen,
    Item,
    RawPartial,
    SafetyLimits,
    SwitchButton,
    TenantConfig,
)
from reconciler.render import render_items
from reconciler.yamlsource import ConfigErrors, YamlDocument, YamlPath, load_yaml, parse_yaml

__all__ = [
    "SCHEMA_PATH",
    "TENANT_FILE_SUFFIXES",
    "ConfigErrors",
    "discover",
    "load_tenant",
    "load_tenants",
    "parse_tenant",
    "tenant_schema",
]

#: The JSON Schema of a tenant file (also used by editors through ``# yaml-language-server``).
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "tenant.schema.json"
"""The schema in a source checkout; an installed package carries it as ``reconciler.schemas``."""
TENANT_FILE_SUFFIXES = (".yaml", ".yml")

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LIQUID_DELIMITERS = ("{{", "{%")
_SECRET_KEYS = ("client_id", "client_secret", "token")
_NESTED_FORM_WHY = (
    "HTML forbids a form inside a form: the browser drops the inner <form> tag, so its button "
    "would submit the page's main form instead of switching the connection. "
    f"Put it at {DEFAULT_INSERTION_POINT}"
)


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


# ------------------------------------------------------------------------------------ loading


def load_tenant(
    path: Path, *, environ: Mapping[str, str] | None = None, check_env: bool = True
) -> TenantConfig:
    """Read and check one tenant file. Raises ``ConfigErrors`` listing every problem.

    ``environ`` (default ``os.environ``) is only asked whether the credentials' variables are
    set (when ``check_env``); their values are never read into the result.
    """
    try:
        document = load_yaml(path)
    except ConfigError as error:
        raise ConfigErrors([error]) from None
    return _check(document, environ, check_env)[0]


def parse_tenant(
    text: str,
    file: Path,
    *,
    environ: Mapping[str, str] | None = None,
    check_env: bool = True,
) -> TenantConfig:
    """Check tenant-file text as if read from ``file`` (used in messages)."""
    try:
        document = parse_yaml(text, file)
    except ConfigError as error:
        raise ConfigErrors([error]) from None
    return _check(document, environ, check_env)[0]


def load_tenants(
    paths: Sequence[Path], *, environ: Mapping[str, str] | None = None, check_env: bool = True
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
            tenant, name_location = _check(load_yaml(file), environ, check_env)
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
    document: YamlDocument, environ: Mapping[str, str] | None, check_env: bool
) -> tuple[TenantConfig, SourceLocation]:
    root = _root_mapping(document)
    problems = list(_schema_problems(document))
    reader = _TenantReader(document, root, os.environ if environ is None else environ, check_env)
    tenant = reader.tenant()
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
                    f"a tenant file must be a mapping, not {_kind(document.data)}",
                    location=document.location(()),
                    hint="start the file with keys such as 'tenant: acme-dev' and 'domain: ...'",
                )
            ]
        )
    return document.data


def _unexpected(document: YamlDocument) -> ConfigError:
    return ConfigError("the tenant file could not be read", location=document.location(()))


# ------------------------------------------------------------------------------------ schema


@cache
def tenant_schema() -> Mapping[str, Any]:
    """The tenant-file JSON Schema (``schemas/tenant.schema.json``)."""
    try:
        if SCHEMA_PATH.is_file():
            text = SCHEMA_PATH.read_text(encoding="utf-8")
        else:
            text = (resources.files("reconciler.schemas") / "tenant.schema.json").read_text(
                encoding="utf-8"
            )
        schema: dict[str, Any] = json.loads(text)
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"cannot read the tenant schema: {error}",
            location=SourceLocation(SCHEMA_PATH),
            hint="reinstall auth0-partials",
        ) from None
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(tenant_schema())


def _schema_problems(document: YamlDocument) -> Iterator[ConfigError]:
    for error in _validator().iter_errors(document.data):
        yield from _explain(error, document)


def _explain(error: ValidationError, document: YamlDocument) -> Iterator[ConfigError]:
    path: YamlPath = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = schema.get("x-hint")
    keyword = error.validator
    if keyword == "required":
        yield from _missing_keys(error, document, path, schema)
    elif keyword == "additionalProperties":
        yield from _unknown_keys(error, document, path, schema)
    elif "propertyNames" in error.absolute_schema_path:
        name = str(error.instance)
        yield ConfigError(
            f"'{name}' is not a valid name in {_dotted(path)}",
            location=document.key_location((*path, name)),
            hint=hint,
        )
    else:
        message = _constraint_message(error, path)
        yield ConfigError(message, location=document.location(path), hint=hint)


def _missing_keys(
    error: ValidationError, document: YamlDocument, path: YamlPath, schema: Mapping[str, Any]
) -> Iterator[ConfigError]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    properties = schema.get("properties", {})
    for key in error.validator_value:
        if key in instance:
            continue
        child = properties.get(key, {})
        yield ConfigError(
            f"{_where(path)} is missing the required key '{key}'",
            location=document.location(path),
            hint=child.get("x-hint") or child.get("description"),
        )


def _unknown_keys(
    error: ValidationError, document: YamlDocument, path: YamlPath, schema: Mapping[str, Any]
) -> Iterator[ConfigError]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    allowed = list(schema.get("properties", {}))
    for key in instance:
        if key in allowed:
            continue
        yield ConfigError(
            f"unknown key '{key}' in {_where(path)}{_did_you_mean(key, allowed)}",
            location=document.key_location((*path, key)),
            hint=f"allowed keys here: {', '.join(allowed)}",
        )


def _constraint_message(error: ValidationError, path: YamlPath) -> str:
    name = _dotted(path)
    keyword, limit = error.validator, error.validator_value
    secret = bool(path) and path[0] == "credentials"
    if keyword == "type":
        expected = " or ".join(_TYPE_WORDS.get(t, t) for t in _as_list(limit))
        return f"{name} must be {expected}, not {_kind(error.instance, secret=secret)}"
    if keyword == "pattern":
        shown = "" if secret else f" {error.instance!r}"
        return f"{name}{shown} is not valid"
    if keyword == "minLength":
        return f"{name} must not be empty"
    if keyword == "maxLength":
        return f"{name} is longer than {limit} characters"
    if keyword == "minItems":
        return f"{name} must list at least {limit} entr{'y' if limit == 1 else 'ies'}"
    if keyword == "uniqueItems":
        return f"{name} lists the same entry twice"
    if keyword == "minimum":
        return f"{name} must be at least {limit}"
    return f"{name} is not valid ({keyword})"


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "null",
}


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _kind(value: object, *, secret: bool = False) -> str:
    if value is None:
        return "null (nothing)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if secret:
        return "text" if isinstance(value, str) else "a number"
    if isinstance(value, str):
        return f"the text {_short(value)!r}"
    return f"the number {value}"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dotted(path: YamlPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the tenant file"


def _where(path: YamlPath) -> str:
    return _dotted(path) if path else "the tenant file"


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, list(options), n=3, cutoff=0.6)
    if not matches:
        return ""
    quoted = [f"'{match}'" for match in matches]
    choice = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"; did you mean {choice}?"


# ------------------------------------------------------------------------------- the tenant


@dataclass
class _ScreenDraft:
    """A screen while its insertion points are collected from the prompt and screen levels."""

    name: str
    location: SourceLocation
    exclusive: bool | None = None
    points: dict[str, DesiredInsertionPoint] = field(default_factory=dict)

    def freeze(self, prompt_exclusive: bool) -> DesiredScreen:
        return DesiredScreen(
            name=self.name,
            insertion_points=tuple(self.points.values()),
            exclusive=bool(self.exclusive) or prompt_exclusive,
            location=self.location,
        )


class _TenantReader:
    """Builds a ``TenantConfig`` from schema-shaped data, collecting every problem.

    It reads defensively: a value of the wrong type is skipped (the schema reports it).
    """

    def __init__(
        self,
        document: YamlDocument,
        root: dict[str, object],
        environ: Mapping[str, str],
        check_env: bool,
    ) -> None:
        self.document = document
        self.root = root
        self.environ = environ
        self.check_env = check_env
        self.problems: list[ConfigError] = []

    def fail(self, message: str, location: SourceLocation, hint: str | None = None) -> None:
        self.problems.append(ConfigError(message, location=location, hint=hint))

    def at(self, *path: str | int) -> SourceLocation:
        return self.document.location(path)

    def key_at(self, *path: str | int) -> SourceLocation:
        return self.document.key_location(path)

    def tenant(self) -> TenantConfig | None:
        name, domain = self.root.get("tenant"), self.root.get("domain")
        credentials = self.credentials()
        extra = self.extra_prompts()
        prompts = self.prompts(extra)
        safety = self.safety()
        if not isinstance(name, str) or not isinstance(domain, str) or credentials is None:
            return None
        return TenantConfig(
            name=name,
            domain=domain,
            credentials=credentials,
            prompts=prompts,
            source=self.document.file,
            extra_prompts=extra,
            safety=safety,
        )

    # --- credentials and safety

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
        if self.check_env and not self.environ.get(name):
            state = "is not set" if name not in self.environ else "is empty"
            self.fail(
                f"environment variable {name} {state}",
                location,
                f"set {name} (for example from your CI secret store) before running; "
                f"it holds credentials.{key}",
            )
        return name

    def example_variable(self, key: str) -> str:
        tenant = self.root.get("tenant")
        prefix = re.sub(r"[^A-Za-z0-9]+", "_", tenant).upper() if isinstance(tenant, str) else ""
        return f"{prefix}_{key.upper()}" if prefix else f"AUTH0_{key.upper()}"

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

    # --- prompts

    def extra_prompts(self) -> dict[str, PromptSpec]:
        raw = self.root.get("extra_prompts")
        if not isinstance(raw, dict):
            return {}
        extra: dict[str, PromptSpec] = {}
        for name, body in raw.items():
            if not isinstance(body, dict):
                continue
            screens = _strings(body.get("screens"))
            points = _strings(body.get("insertion_points")) or STANDARD_INSERTION_POINTS
            if screens:
                extra[name] = PromptSpec(name=name, screens=screens, insertion_points=points)
        return extra

    def prompts(self, extra: Mapping[str, PromptSpec]) -> tuple[DesiredPrompt, ...]:
        raw = self.root.get("prompts")
        if not isinstance(raw, dict):
            return ()
        prompts: list[DesiredPrompt] = []
        for name, body in raw.items():
            spec = prompt_spec(name, extra)
            if spec is None:
                if name not in self.declared_extra():  # else its extra_prompts entry is reported
                    self.unknown_prompt(name, extra)
                continue
            prompt = self.prompt(spec, body, ("prompts", name))
            if prompt is not None:
                prompts.append(prompt)
        return tuple(prompts)

    def declared_extra(self) -> set[str]:
        raw = self.root.get("extra_prompts")
        return set(raw) if isinstance(raw, dict) else set()

    def unknown_prompt(self, name: str, extra: Mapping[str, PromptSpec]) -> None:
        known = sorted({*PROMPTS, *extra})
        self.fail(
            f"unknown prompt '{name}'{_did_you_mean(name, known)}",
            self.key_at("prompts", name),
            f"known prompts: {', '.join(known)}. If Auth0 added a new prompt, declare it "
            "under extra_prompts with its screens",
        )

    def prompt(self, spec: PromptSpec, body: object, path: YamlPath) -> DesiredPrompt | None:
        location = self.document.key_location(path)
        drafts: dict[str, _ScreenDraft] = {}
        exclusive = False
        if isinstance(body, list):
            if spec.default_screen is None:
                self.list_under_multi_screen_prompt(spec, path)
                return None
            draft = self.draft(drafts, spec.default_screen, location)
            self.shorthand(spec, draft, body, path)
        elif isinstance(body, dict):
            exclusive = _flag(body)
            for key, value in body.items():
                if key != "exclusive":
                    self.prompt_entry(spec, key, value, (*path, key), drafts)
        else:
            return None
        for draft in drafts.values():
            if exclusive and draft.exclusive is False:
                self.fail(
                    f"screen '{draft.name}' says exclusive: false, but its prompt "
                    f"'{spec.name}' is exclusive",
                    draft.location,
                    "an exclusive prompt owns all its screens; remove one of the two settings",
                )
        screens = tuple(draft.freeze(exclusive) for draft in drafts.values())
        return DesiredPrompt(spec.name, screens, exclusive=exclusive, location=location)

    def list_under_multi_screen_prompt(self, spec: PromptSpec, path: YamlPath) -> None:
        screens = ", ".join(spec.screens)
        self.fail(
            f"prompt '{spec.name}' has several screens ({screens}), so a list cannot go "
            "directly under it",
            self.document.location(path),
            f"put the list under one of its screens, e.g. '{spec.screens[0]}:'",
        )

    def prompt_entry(
        self,
        spec: PromptSpec,
        key: str,
        value: object,
        path: YamlPath,
        drafts: dict[str, _ScreenDraft],
    ) -> None:
        if key in spec.screens:
            self.screen(
                spec, self.draft(drafts, key, self.document.key_location(path)), value, path
            )
        elif spec.default_screen is not None and key in spec.insertion_points:
            draft = self.draft(drafts, spec.default_screen, self.document.key_location(path[:-1]))
            self.point(draft, key, value, path, self.document.key_location(path))
        elif spec.default_screen is None and key in {*spec.insertion_points, *INSIDE_MAIN_FORM}:
            self.fail(
                f"insertion point '{key}' cannot go directly under prompt '{spec.name}': "
                f"it has several screens ({', '.join(spec.screens)})",
                self.document.key_location(path),
                f"put it under one of its screens, e.g. '{spec.screens[0]}:'",
            )
        else:
            self.unknown_prompt_key(spec, key, path)

    def unknown_prompt_key(self, spec: PromptSpec, key: str, path: YamlPath) -> None:
        location = self.document.key_location(path)
        if spec.default_screen is None:
            self.fail(
                f"unknown screen '{key}' in prompt '{spec.name}'{_did_you_mean(key, spec.screens)}",
                location,
                f"screens of {spec.name}: {', '.join(spec.screens)}. If Auth0 added a screen, "
                "declare the prompt under extra_prompts with all its screens",
            )
            return
        self.fail(
            f"unknown insertion point '{key}' in prompt '{spec.name}'"
            f"{_did_you_mean(key, (*spec.insertion_points, *spec.screens))}",
            location,
            f"insertion points of {spec.name}: {', '.join(spec.insertion_points)}. If Auth0 "
            "added one, declare the prompt under extra_prompts with insertion_points",
        )

    def draft(
        self, drafts: dict[str, _ScreenDraft], name: str, location: SourceLocation
    ) -> _ScreenDraft:
        if name not in drafts:
            drafts[name] = _ScreenDraft(name, location)
        return drafts[name]

    def screen(self, spec: PromptSpec, draft: _ScreenDraft, body: object, path: YamlPath) -> None:
        if isinstance(body, list):
            self.shorthand(spec, draft, body, path)
            return
        if not isinstance(body, dict):
            return
        if isinstance(body.get("exclusive"), bool):
            draft.exclusive = _flag(body)
        for key, value in body.items():
            if key == "exclusive":
                continue
            if key in spec.insertion_points:
                self.point(
                    draft, key, value, (*path, key), self.document.key_location((*path, key))
                )
            else:
                self.fail(
                    f"unknown insertion point '{key}' on screen '{draft.name}'"
                    f"{_did_you_mean(key, spec.insertion_points)}",
                    self.document.key_location((*path, key)),
                    f"insertion points of {draft.name}: {', '.join(spec.insertion_points)}. "
                    "If Auth0 added one, declare the prompt under extra_prompts with "
                    "insertion_points",
                )

    def shorthand(
        self, spec: PromptSpec, draft: _ScreenDraft, body: object, path: YamlPath
    ) -> None:
        """A list directly under a prompt or screen: the items of its default insertion point."""
        points = spec.insertion_points
        if DEFAULT_INSERTION_POINT in points:
            name = DEFAULT_INSERTION_POINT
        elif len(points) == 1:
            name = points[0]
        else:
            self.fail(
                f"a list here would go to {DEFAULT_INSERTION_POINT}, which screen "
                f"'{draft.name}' does not have",
                self.document.location(path),
                f"name the insertion point: one of {', '.join(points)}",
            )
            return
        self.point(draft, name, body, path, self.document.location(path))

    def point(
        self,
        draft: _ScreenDraft,
        name: str,
        value: object,
        path: YamlPath,
        location: SourceLocation,
    ) -> None:
        previous = draft.points.get(name)
        if previous is not None:
            first = previous.location.line if previous.location else 0
            self.fail(
                f"insertion point '{name}' of screen '{draft.name}' is declared twice: first at "
                f"line {first}, again at line {location.line}",
                location,
                f"a list directly under a prompt or screen is its {DEFAULT_INSERTION_POINT}; "
                "merge the two lists into one",
            )
            return
        if not isinstance(value, list):
            return
        items = self.items(value, path, name)
        rendered = len(render_items(items))
        if rendered > MAX_PARTIAL_CHARS:
            self.fail(
                f"the partial at {draft.name} / {name} renders to {rendered} characters; "
                f"Auth0 allows at most {MAX_PARTIAL_CHARS}",
                location,
                "shorten the items, or spread them over other insertion points",
            )
        draft.points[name] = DesiredInsertionPoint(name, items, location)

    # --- items

    def items(self, values: list[object], path: YamlPath, point: str) -> tuple[Item, ...]:
        built = (self.item(value, (*path, index), point) for index, value in enumerate(values))
        return tuple(item for item in built if item is not None)

    def item(self, value: object, path: YamlPath, point: str) -> Item | None:
        if not isinstance(value, dict):
            return None
        if "raw" in value:
            return self.raw_item(value, path, point)
        return self.switch_button(value, path, point)

    def raw_item(self, value: dict[str, object], path: YamlPath, point: str) -> Item | None:
        html = value.get("raw")
        if not isinstance(html, str):
            return None
        if point in INSIDE_MAIN_FORM and "<form" in html.lower():
            self.fail(
                f"this raw item holds a <form>, but {point} is inside the page's main form",
                self.document.location((*path, "raw")),
                _NESTED_FORM_WHY,
            )
        return RawPartial(html)

    def switch_button(self, value: dict[str, object], path: YamlPath, point: str) -> Item | None:
        connection, label = value.get("switch"), value.get("label")
        if not isinstance(connection, str) or not isinstance(label, str):
            return None
        self.check_connection(connection, (*path, "switch"))
        attributes = {
            "label": label,
            "id": _attribute(value, "id", DEFAULT_BUTTON_ID),
            "class": _attribute(value, "class", None),
            "style": _attribute(value, "style", DEFAULT_BUTTON_STYLE),
        }
        for key, text in attributes.items():
            self.check_no_liquid(key, text, (*path, key))
        if point in INSIDE_MAIN_FORM:
            self.fail(
                f"a switch button cannot go at {point}: that insertion point is inside the "
                "page's main form",
                self.document.location(path),
                _NESTED_FORM_WHY,
            )
        return SwitchButton(
            connection=connection,
            label=label,
            id=attributes["id"],
            css_class=attributes["class"],
            style=attributes["style"],
        )

    def check_connection(self, connection: str, path: YamlPath) -> None:
        if connection in PASSWORDLESS_CONNECTIONS:
            return
        if re.fullmatch(CONNECTION_NAME_PATTERN, connection) is None:
            self.fail(
                f"invalid connection name {connection!r}",
                self.document.location(path),
                "a connection name is 1 to 128 letters, digits and hyphens, not starting or "
                "ending with a hyphen: email or sms for passwordless, or a database connection "
                "such as Username-Password-Authentication",
            )

    def check_no_liquid(self, key: str, text: str | None, path: YamlPath) -> None:
        if text is None:
            return
        for delimiter in _LIQUID_DELIMITERS:
            if delimiter in text:
                self.fail(
                    f"{key} contains the Liquid delimiter '{delimiter}': a {key} is plain text, "
                    "but Auth0 would run it as Liquid",
                    self.document.location(path),
                    "remove it; if you need Liquid, write the button as a raw item (- raw: ...)",
                )
                return


def _flag(body: dict[str, object]) -> bool:
    value = body.get("exclusive", False)
    return value if isinstance(value, bool) else False


def _attribute(value: dict[str, object], key: str, default: str | None) -> str | None:
    if key not in value:
        return default
    found = value[key]
    return found if isinstance(found, str) else None


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(str(item) for item in value)
    return ()
