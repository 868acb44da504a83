"""The checks, one function each: a tenant file and its tenant's facts in, results out.

Sources (``shared/reference/universal-login.md``): connection switching needs a custom domain,
a custom page template with ``{%- auth0:head -%}`` and ``{%- auth0:widget -%}``, the New
Universal Login experience with Identifier First, screens rendered in standard mode ("ADVANCED:
partials do not apply"), and target connections that exist, are of the right kind and are
enabled for the application; a switch form inside the page's main form submits that form.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterator

from reconciler.catalog import PASSWORDLESS_CONNECTIONS
from reconciler.checks.facts import Application, Connection, TenantFacts, Unreadable
from reconciler.checks.values import CheckId, CheckResult
from reconciler.config.items import nests_form
from reconciler.model import SwitchButton, TenantConfig

_HEAD = re.compile(r"\{%-?\s*auth0:head\s*-?%\}")
_WIDGET = re.compile(r"\{%-?\s*auth0:widget\s*-?%\}")
#: Screens that offer no password: switching from them goes to a database connection.
PASSWORDLESS_PROMPTS = frozenset({"login-passwordless"})


def _unknown(check: CheckId, subject: str, missing: Unreadable) -> CheckResult:
    return CheckResult(
        check, "unknown", subject, f"not checked: {missing.path} needs {missing.scope}"
    )


def _targets(config: TenantConfig) -> Iterator[tuple[str, str, str, SwitchButton]]:
    """(prompt, screen, insertion point, button) for every switch button of the file."""
    for prompt in config.prompts:
        for screen in prompt.screens:
            for point in screen.insertion_points:
                for item in point.items:
                    if isinstance(item, SwitchButton):
                        yield prompt.name, screen.name, point.name, item


def _connections(config: TenantConfig) -> list[str]:
    return sorted({button.connection for *_, button in _targets(config)})


def first_reads(
    config: TenantConfig, facts: TenantFacts, checks: Collection[CheckId]
) -> list[Callable[[], object]]:
    """The reads the chosen checks make first, independent of each other, so that
    ``TenantFacts.prefetch`` makes them at once. Only reads a check makes anyway: prefetching
    never adds a call."""
    reads: list[Callable[[], object]] = []
    if "custom-domain" in checks:
        reads.append(facts.custom_domains)
    if "page-template" in checks:
        reads.append(facts.template)
    if "universal-login" in checks or ("identifier-first" in checks and _connections(config)):
        reads.append(facts.prompt_settings)
    if "prompt-available" in checks:
        reads += [
            functools.partial(facts.prompt_available, p.name, p.screens[0].name)
            for p in config.prompts
            if p.screens
        ]
    if "rendering-mode" in checks:
        reads.append(facts.renderings)
    names = _connections(config)
    if {"connection-exists", "connection-kind", "connection-enabled"} & set(checks):
        reads += [functools.partial(facts.connection, name) for name in names]
    if "connection-enabled" in checks and names:
        reads.append(facts.applications)
    if "languages" in checks and config.languages():
        reads.append(facts.tenant_settings)
    return reads


# --- the tenant ---------------------------------------------------------------------------------


def custom_domain(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    domains = facts.custom_domains()
    if isinstance(domains, Unreadable):
        return [_unknown("custom-domain", config.name, domains)]
    shown = ", ".join(f"{d.get('domain')} ({d.get('status')})" for d in domains) or "none"
    ready = [d for d in domains if d.get("status") == "ready"]
    if config.custom_domain is not None:
        match = next((d for d in domains if d.get("domain") == config.custom_domain), None)
        if match is None:
            return [
                CheckResult(
                    "custom-domain",
                    "fail",
                    config.custom_domain,
                    f"the tenant has no custom domain {config.custom_domain} (it has: {shown})",
                    "add it under Branding > Custom Domains and verify it, or correct "
                    "custom_domain in the tenant file",
                )
            ]
        if match.get("status") != "ready":
            return [
                CheckResult(
                    "custom-domain",
                    "fail",
                    config.custom_domain,
                    f"{config.custom_domain} is {match.get('status')}, not ready",
                    "finish its DNS verification under Branding > Custom Domains",
                )
            ]
        return [CheckResult("custom-domain", "pass", config.custom_domain, "ready")]
    if not ready:
        return [
            CheckResult(
                "custom-domain",
                "fail",
                config.name,
                f"no custom domain is ready (custom domains: {shown})",
                "add and verify a custom domain under Branding > Custom Domains; partials and "
                "page templates need one",
            )
        ]
    return [CheckResult("custom-domain", "pass", config.name, f"ready: {shown}")]


def page_template(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    template = facts.template()
    if isinstance(template, Unreadable):
        return [_unknown("page-template", config.name, template)]
    fix = (
        "set a page template (PUT /api/v2/branding/templates/universal-login) holding one "
        "{%- auth0:head -%} and {%- auth0:widget -%}: partials render only inside it"
    )
    if template is None:
        return [
            CheckResult(
                "page-template", "fail", config.name, "the tenant has no page template", fix
            )
        ]
    heads, widgets = len(_HEAD.findall(template)), len(_WIDGET.findall(template))
    if heads != 1 or widgets < 1:
        evidence = f"the page template has {heads} auth0:head and {widgets} auth0:widget tags"
        return [CheckResult("page-template", "fail", config.name, evidence, fix)]
    return [CheckResult("page-template", "pass", config.name, "has auth0:head and auth0:widget")]


def universal_login(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    settings = facts.prompt_settings()
    if isinstance(settings, Unreadable):
        return [_unknown("universal-login", config.name, settings)]
    experience = settings.get("universal_login_experience")
    if experience == "classic":
        return [
            CheckResult(
                "universal-login",
                "fail",
                config.name,
                "the tenant uses the Classic Universal Login experience",
                "switch to the New experience (PATCH /api/v2/prompts "
                '{"universal_login_experience": "new"}); partials exist only there',
            )
        ]
    shown = experience or "not set (Auth0's default: new)"
    return [CheckResult("universal-login", "pass", config.name, f"experience: {shown}")]


def identifier_first(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    if not _connections(config):
        return []
    settings = facts.prompt_settings()
    if isinstance(settings, Unreadable):
        return [_unknown("identifier-first", config.name, settings)]
    if settings.get("identifier_first") is not True:
        return [
            CheckResult(
                "identifier-first",
                "fail",
                config.name,
                f"identifier_first is {settings.get('identifier_first')!r}",
                'turn on Identifier First (PATCH /api/v2/prompts {"identifier_first": true}): '
                "switching needs the identifier captured first",
            )
        ]
    return [CheckResult("identifier-first", "pass", config.name, "identifier_first is true")]


# --- the managed screens ------------------------------------------------------------------------


def prompt_available(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    results = []
    for prompt in config.prompts:
        if not prompt.screens:
            continue
        available = facts.prompt_available(prompt.name, prompt.screens[0].name)
        if isinstance(available, Unreadable):
            results.append(_unknown("prompt-available", prompt.name, available))
        elif not available:
            results.append(
                CheckResult(
                    "prompt-available",
                    "fail",
                    prompt.name,
                    f"the tenant does not have the prompt {prompt.name}",
                    "new prompts reach tenants gradually (passkeys, confirmation): remove it "
                    "from the file or ask Auth0 to enable it",
                )
            )
        else:
            results.append(CheckResult("prompt-available", "pass", prompt.name, "available"))
    return results


def rendering_mode(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    renderings = facts.renderings()
    if isinstance(renderings, Unreadable):
        return [_unknown("rendering-mode", config.name, renderings)]
    advanced = {(r.prompt, r.screen): r for r in renderings if r.mode == "advanced"}
    results = []
    for prompt in config.prompts:
        for screen in prompt.screens:
            if not screen.insertion_points:
                continue
            subject = f"{prompt.name}/{screen.name}"
            found = advanced.get((prompt.name, screen.name))
            if found is None:
                results.append(CheckResult("rendering-mode", "pass", subject, "standard"))
                continue
            where = (
                "advanced with filters: partials show only where the filters exclude the request"
                if found.filtered
                else "advanced: partials do not apply"
            )
            results.append(
                CheckResult(
                    "rendering-mode",
                    "fail",
                    subject,
                    f"the screen renders in {where}",
                    f"set it back to standard (PATCH /api/v2/prompts/{prompt.name}/screen/"
                    f'{screen.name}/rendering {{"rendering_mode": "standard"}}) or build the '
                    "button into the advanced screen",
                )
            )
    return results


def nested_form(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    """Offline: a form at an insertion point inside the main form (``validate`` refuses it)."""
    results = []
    for prompt in config.prompts:
        for screen in prompt.screens:
            for point in screen.insertion_points:
                if any(nests_form(point.name, item) for item in point.items):
                    results.append(
                        CheckResult(
                            "nested-form",
                            "fail",
                            f"{prompt.name}/{screen.name}/{point.name}",
                            f"a form at {point.name}, inside the page's main form: the browser "
                            "drops its <form> tag and its </form> ends the main form, which "
                            "breaks the login form",
                            "move it to form-footer-start",
                        )
                    )
    return results


# --- the target connections ---------------------------------------------------------------------


def _found(
    config: TenantConfig, facts: TenantFacts
) -> Iterator[tuple[str, Connection | Unreadable | None]]:
    for name in _connections(config):
        yield name, facts.connection(name)


def connection_exists(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    results = []
    for name, found in _found(config, facts):
        if isinstance(found, Unreadable):
            results.append(_unknown("connection-exists", name, found))
        elif found is None:
            results.append(
                CheckResult(
                    "connection-exists",
                    "fail",
                    name,
                    f"the tenant has no connection named {name}",
                    "create it (Authentication > Passwordless or Database), or correct the "
                    "button's switch: value",
                )
            )
        else:
            results.append(
                CheckResult("connection-exists", "pass", name, f"{found.id} ({found.strategy})")
            )
    return results


def _expected_strategy(name: str) -> str:
    return name if name in PASSWORDLESS_CONNECTIONS else "auth0"


def connection_kind(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    results = []
    from_passwordless = {b.connection for p, *_, b in _targets(config) if p in PASSWORDLESS_PROMPTS}
    for name, found in _found(config, facts):
        if not isinstance(found, Connection):
            continue  # connection-exists says why
        expected = _expected_strategy(name)
        if name in from_passwordless and expected != "auth0":
            expected = "auth0"
        if found.strategy != expected:
            kind = "a database" if expected == "auth0" else f"the {expected} passwordless"
            results.append(
                CheckResult(
                    "connection-kind",
                    "fail",
                    name,
                    f"{name} has strategy {found.strategy}, but a button here switches to "
                    f"{kind} connection",
                    "switch to email or sms from the password screens, and to a database "
                    "connection from the passwordless screens",
                )
            )
        else:
            results.append(
                CheckResult("connection-kind", "pass", name, f"strategy {found.strategy}")
            )
    return results


def _interactive(apps: list[Application]) -> list[Application]:
    return [a for a in apps if a.app_type != "non_interactive"]


def connection_enabled(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    names = _connections(config)
    if not names:
        return []
    apps = facts.applications()
    if isinstance(apps, Unreadable):
        return [_unknown("connection-enabled", config.name, apps)]
    wanted: list[Application] = []
    results: list[CheckResult] = []
    for named in config.applications:
        app = next((a for a in apps if named in (a.name, a.client_id)), None)
        if app is None:
            results.append(
                CheckResult(
                    "connection-enabled",
                    "fail",
                    named,
                    f"no application named (or with the client id) {named}",
                    "correct applications: in the tenant file",
                )
            )
        else:
            wanted.append(app)
    for name, found in _found(config, facts):
        if not isinstance(found, Connection):
            continue
        enabled = facts.enabled_clients(found)
        if isinstance(enabled, Unreadable):
            results.append(_unknown("connection-enabled", name, enabled))
            continue
        results.extend(
            _enabled_for(name, enabled, wanted, _interactive(apps), bool(config.applications))
        )
    return results


def _enabled_for(
    name: str,
    enabled: frozenset[str],
    wanted: list[Application],
    interactive: list[Application],
    named: bool,
) -> list[CheckResult]:
    fix = (
        f"enable {name} for the application (its Connections tab, or PATCH "
        "/api/v2/connections/ID/clients)"
    )
    if named:
        lacking = [a.name for a in wanted if a.client_id not in enabled]
        if lacking:
            return [
                CheckResult(
                    "connection-enabled",
                    "fail",
                    name,
                    f"{name} is not enabled for {', '.join(lacking)}",
                    fix,
                )
            ]
        shown = ", ".join(a.name for a in wanted)
        return [CheckResult("connection-enabled", "pass", name, f"enabled for {shown}")]
    with_it = [a.name for a in interactive if a.client_id in enabled]
    without = [a.name for a in interactive if a.client_id not in enabled]
    if not with_it:
        return [
            CheckResult(
                "connection-enabled",
                "fail",
                name,
                f"{name} is enabled for no application"
                + (f" (lacking: {', '.join(without)})" if without else ""),
                fix + "; name the applications the buttons serve under applications:",
            )
        ]
    evidence = f"enabled for {', '.join(with_it)}"
    if without:
        evidence += f"; not for {', '.join(without)}"
    return [CheckResult("connection-enabled", "pass", name, evidence)]


def languages(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    """Translated labels: each of their languages enabled on the tenant (else nobody sees it),
    and each enabled language covered by every translated label (else the fallback shows)."""
    used = config.languages()
    if not used:
        return []
    settings = facts.tenant_settings()
    if isinstance(settings, Unreadable):
        return [_unknown("languages", config.name, settings)]
    enabled = [str(x) for x in settings.get("enabled_locales") or []]
    results = [
        CheckResult(
            "languages",
            "fail",
            language,
            f"labels are translated into {language}, which the tenant does not enable "
            f"(enabled: {', '.join(enabled) or 'none'}): nobody sees them",
            f"enable {language} under Settings > Languages, or drop it from the label maps",
        )
        for language in used
        if language not in enabled
    ]
    for prompt, screen, _, button in _targets(config):
        if not button.translations:
            continue
        lacking = [lang for lang in enabled if button.text(lang) is None]
        if lacking:
            results.append(
                CheckResult(
                    "languages",
                    "warn",
                    f"{prompt}/{screen}/{button.connection}",
                    f"no label in {', '.join(lacking)}: those users see '{button.label}'",
                    "add those languages to the label map",
                )
            )
    if not results:
        results.append(CheckResult("languages", "pass", config.name, ", ".join(used)))
    return results


def scopes(config: TenantConfig, facts: TenantFacts) -> list[CheckResult]:
    """The scopes the checks lacked (the other checks report ``unknown`` for them)."""
    missing = sorted({u.scope for u in facts.unreadable})
    if not missing:
        return []
    return [
        CheckResult(
            "scopes",
            "fail",
            config.name,
            f"the client lacks {', '.join(missing)}: some checks could not run",
            f"grant {', '.join(missing)} to the Machine to Machine application (doctor reads "
            "read:custom_domains read:branding read:prompts read:connections read:clients, "
            "and read:tenant_settings for translated labels)",
        )
    ]
