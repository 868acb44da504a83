"""Tenant files: every validation rule has a fixture named after it, checked to the column."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from reconciler.catalog import PROMPTS, STANDARD_INSERTION_POINTS
from reconciler.config import (
    SCHEMA_PATH,
    ConfigErrors,
    discover,
    load_tenant,
    load_tenants,
    parse_tenant,
    tenant_schema,
)
from reconciler.config.schema_source import tenant_schema_document
from reconciler.errors import ConfigError
from reconciler.model import (
    DEFAULT_BUTTON_ID,
    DEFAULT_BUTTON_STYLE,
    DesiredPrompt,
    DesiredScreen,
    RawPartial,
    SwitchButton,
)
from reconciler.render import render_items
from tests.conftest import cli_env, run_cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path("tests/fixtures/config")
TENANTS = Path("tenants")
ENV = {"TEST_CLIENT_ID": "id-value", "TEST_CLIENT_SECRET": "secret-value", "TEST_MGMT_TOKEN": "t"}

#: The signup-password partial of Auth0's guide (seed: configure-flexible-connection-switching,
#: the double-quoted curl example), JSON-decoded.
SEED_SIGNUP_PASSWORD = (
    '<form method="post" data-form-secondary="true"><input type="hidden" name="state" '
    'value="{{state}}"> <input type="hidden" name="connection" value="email"> <button '
    'type="submit" id="switchConnectionButton" style="background: #635dff; width: 100%; '
    'padding: 12px 16px; border: none; color: white;" data-action-button-secondary="true"> '
    "<span>Send a secure code by email</span> </button></form>"
)


@pytest.fixture(autouse=True)
def _run_from_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def problems_of(name: str, **kwargs: Any) -> list[tuple[str, str]]:
    """(file:line:col, message) of every problem in one fixture, in file order (unset
    credential variables count as problems: ``env="require"``)."""
    kwargs.setdefault("env", "require")
    with pytest.raises(ConfigErrors) as raised:
        load_tenant(FIXTURES / name, environ=kwargs.pop("environ", ENV), **kwargs)
    return [(str(error.location), error.message) for error in raised.value.errors]


def at(name: str, line: int, column: int) -> str:
    return f"{FIXTURES / name}:{line}:{column}"


KNOWN_PROMPTS_HINT = (
    "known prompts: confirmation, customized-consent, login, login-id, login-password, "
    "login-passwordless, passkeys, signup, signup-id, signup-password. If Auth0 added a new "
    "prompt, declare it under extra_prompts with its screens"
)
NESTED_FORM_HINT = (
    "HTML forbids a form inside a form: the browser drops the inner <form> tag and its </form> "
    "ends the page's main form, so the switch's inputs join the main form and the fields and "
    "Continue button after it belong to no form. Put it at form-footer-start"
)

BAD = {
    "bad-unknown-prompt.yaml": [
        (
            8,
            3,
            "unknown prompt 'login-pasword'; did you mean 'login-password', "
            "'login-passwordless' or 'signup-password'?",
        )
    ],
    "bad-unknown-screen.yaml": [
        (
            9,
            5,
            "unknown screen 'login-passwordless-emailcode' in prompt 'login-passwordless'; "
            "did you mean 'login-passwordless-email-code' or 'login-passwordless-sms-otp'?",
        )
    ],
    "bad-unknown-insertion-point.yaml": [
        (
            9,
            5,
            "unknown insertion point 'form-footer-strat' in prompt 'login-password'; did you "
            "mean 'form-footer-start', 'form-footer-end' or 'form-content-start'?",
        )
    ],
    "bad-unknown-insertion-point-on-screen.yaml": [
        (
            10,
            7,
            "unknown insertion point 'secondary-action-end' on screen "
            "'login-passwordless-sms-otp'; did you mean 'secondary-actions-end' or "
            "'secondary-actions-start'?",
        )
    ],
    "bad-connection-name.yaml": [
        (9, 15, "invalid connection name 'Username_Password Authentication'"),
    ],
    "bad-partial-too-long.yaml": [
        (
            9,
            5,
            "the partial at login-password / form-footer-start renders to 12058 characters; "
            "Auth0 allows at most 10000",
        )
    ],
    "bad-duplicate-key.yaml": [
        (11, 3, "duplicate key 'login-password': first at line 8, again at line 11"),
    ],
    "bad-form-inside-main-form.yaml": [
        (
            10,
            9,
            "a switch button cannot go at form-content-end: that insertion point is inside "
            "the page's main form",
        )
    ],
    "bad-raw-form-inside-main-form.yaml": [
        (
            10,
            14,
            "this raw item holds a <form>, but form-content-start is inside the page's main form",
        )
    ],
    "bad-unset-env-var.yaml": [
        (6, 18, "environment variable ACME_CLIENT_SECRET is not set"),
    ],
    "bad-literal-secret.yaml": [
        (
            6,
            18,
            "credentials.client_secret must be an environment variable reference like "
            "${ACME_TEST_CLIENT_SECRET}, not a literal value",
        )
    ],
    "bad-liquid-in-label.yaml": [
        (
            10,
            14,
            "label contains the Liquid delimiter '{{': a label is plain text, but Auth0 would "
            "run it as Liquid",
        )
    ],
    "bad-liquid-in-attribute.yaml": [
        (
            11,
            14,
            "class contains the Liquid delimiter '{%': a class is plain text, but Auth0 would "
            "run it as Liquid",
        )
    ],
    "bad-list-under-multi-screen-prompt.yaml": [
        (
            9,
            5,
            "prompt 'login-passwordless' has several screens (login-passwordless-email-code, "
            "login-passwordless-sms-otp), so a list cannot go directly under it",
        )
    ],
    "bad-insertion-point-under-multi-screen-prompt.yaml": [
        (
            9,
            5,
            "insertion point 'form-footer-start' cannot go directly under prompt "
            "'login-passwordless': it has several screens (login-passwordless-email-code, "
            "login-passwordless-sms-otp)",
        )
    ],
    "bad-duplicate-insertion-point.yaml": [
        (
            17,
            7,
            "insertion point 'form-footer-start' of screen 'login-password' is declared twice: "
            "first at line 13, again at line 17",
        )
    ],
    "bad-exclusive-not-boolean.yaml": [
        (9, 16, "prompts.login-passwordless.exclusive must be true or false, not the text 'true'"),
        (
            11,
            18,
            "prompts.login-passwordless.login-passwordless-email-code.exclusive must be true or "
            "false, not the number 1",
        ),
    ],
    "bad-screen-not-exclusive-in-exclusive-prompt.yaml": [
        (
            10,
            5,
            "screen 'login-passwordless-sms-otp' says exclusive: false, but its prompt "
            "'login-passwordless' is exclusive",
        )
    ],
    "bad-both-credentials.yaml": [
        (7, 3, "credentials give both a token and client_id/client_secret"),
    ],
    "bad-no-credentials.yaml": [
        (5, 3, "credentials need client_id and client_secret, or token"),
    ],
    "bad-missing-client-secret.yaml": [
        (5, 3, "credentials give client_id but no client_secret"),
    ],
    "bad-empty-file.yaml": [(1, 1, "the tenant file is empty")],
    "bad-not-a-mapping.yaml": [(2, 1, "a tenant file must be a mapping, not a list")],
    "bad-yaml-syntax.yaml": [
        (
            6,
            1,
            "invalid YAML: expected ',' or ']', but got '<stream end>' "
            "(while parsing a flow sequence at line 4)",
        )
    ],
    "bad-unknown-top-level-key.yaml": [
        (2, 1, "the tenant file is missing the required key 'domain'"),
        (3, 1, "unknown key 'domian' in the tenant file; did you mean 'domain'?"),
    ],
    "bad-misspelt-label.yaml": [
        (9, 7, "prompts.login-password[0] is missing the required key 'label'"),
        (10, 7, "unknown key 'lable' in prompts.login-password[0]; did you mean 'label'?"),
    ],
    "bad-item-not-a-mapping.yaml": [
        (
            9,
            7,
            "prompts.login-password[0] must be a mapping, not the text "
            "'Send a secure code by email'",
        )
    ],
    "bad-tenant-name-and-domain.yaml": [
        (2, 9, "tenant 'Acme Test' is not valid"),
        (
            3,
            9,
            "domain 'http://login.test.acme.example': plain http is allowed only for loopback "
            "hosts (127.0.0.0/8, ::1, localhost)",
        ),
        (8, 16, "safety.max_deletes must be at least 0"),
    ],
    "bad-extra-prompt-without-screens.yaml": [
        (9, 5, "extra_prompts.mfa-push-welcome is missing the required key 'screens'"),
    ],
    "bad-several-problems.yaml": [
        (
            8,
            3,
            "unknown prompt 'login-pasword'; did you mean 'login-password', "
            "'login-passwordless' or 'signup-password'?",
        ),
        (13, 17, "invalid connection name '-bad-'"),
        (
            18,
            18,
            "label contains the Liquid delimiter '{{': a label is plain text, but Auth0 would "
            "run it as Liquid",
        ),
        (
            21,
            9,
            "a switch button cannot go at form-content-start: that insertion point is inside "
            "the page's main form",
        ),
    ],
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_fixture_reports_each_problem_at_its_node(name: str) -> None:
    expected = [(at(name, line, column), message) for line, column, message in BAD[name]]
    assert problems_of(name) == expected


def test_every_bad_fixture_has_a_test() -> None:
    on_disk = {path.name for path in (ROOT / FIXTURES).glob("bad-*.yaml")}
    assert on_disk == set(BAD)


def single_error(name: str, **kwargs: Any) -> ConfigError:
    kwargs.setdefault("env", "require")
    with pytest.raises(ConfigErrors) as raised:
        load_tenant(FIXTURES / name, environ=kwargs.pop("environ", ENV), **kwargs)
    assert len(raised.value.errors) == 1
    return raised.value.errors[0]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("bad-unknown-prompt.yaml", KNOWN_PROMPTS_HINT),
        (
            "bad-unknown-screen.yaml",
            "screens of login-passwordless: login-passwordless-email-code, "
            "login-passwordless-sms-otp. If Auth0 added a screen, declare the prompt under "
            "extra_prompts with all its screens",
        ),
        (
            "bad-unknown-insertion-point.yaml",
            "insertion points of login-password: form-content-start, form-content-end, "
            "form-footer-start, form-footer-end, secondary-actions-start, secondary-actions-end. "
            "If Auth0 added one, declare the prompt under extra_prompts with insertion_points",
        ),
        ("bad-form-inside-main-form.yaml", NESTED_FORM_HINT),
        ("bad-raw-form-inside-main-form.yaml", NESTED_FORM_HINT),
        (
            "bad-liquid-in-label.yaml",
            "remove it; if you need Liquid, write the button as a raw item (- raw: ...)",
        ),
        (
            "bad-literal-secret.yaml",
            "never write a secret in a tenant file: put it in an environment variable (e.g. "
            "ACME_TEST_CLIENT_SECRET) and write client_secret: ${ACME_TEST_CLIENT_SECRET}",
        ),
        (
            "bad-connection-name.yaml",
            "a connection name is 1 to 128 letters, digits and hyphens, not starting or ending "
            "with a hyphen: email or sms for passwordless, or a database connection such as "
            "Username-Password-Authentication",
        ),
        (
            "bad-list-under-multi-screen-prompt.yaml",
            "put the list under one of its screens, e.g. 'login-passwordless-email-code:'",
        ),
        (
            "bad-duplicate-key.yaml",
            "YAML would silently keep only the last one; remove one or merge them",
        ),
        ("bad-exclusive-not-boolean.yaml", None),
    ],
)
def test_problems_say_what_to_do(name: str, hint: str | None) -> None:
    with pytest.raises(ConfigErrors) as raised:
        load_tenant(FIXTURES / name, environ=ENV)
    first = raised.value.errors[0]
    expected = hint or "write exclusive: true or exclusive: false, without quotes"
    assert first.hint == expected


def test_one_problem_reads_as_location_message_hint() -> None:
    error = single_error("bad-unset-env-var.yaml")
    with pytest.raises(ConfigError) as raised:
        load_tenant(FIXTURES / "bad-unset-env-var.yaml", environ=ENV, env="require")
    assert str(raised.value) == (
        f"{at('bad-unset-env-var.yaml', 6, 18)}: environment variable ACME_CLIENT_SECRET is "
        "not set\n  hint: set ACME_CLIENT_SECRET (for example from your CI secret store) "
        "before running plan or apply; it holds credentials.client_secret"
    )
    assert raised.value.location == error.location


def test_several_problems_are_listed_together_in_file_order() -> None:
    with pytest.raises(ConfigErrors) as raised:
        load_tenant(FIXTURES / "bad-several-problems.yaml", environ=ENV)
    text = str(raised.value)
    lines = text.splitlines()
    assert lines[0] == f"4 problems in {FIXTURES / 'bad-several-problems.yaml'}:"
    listed = [line.strip() for line in lines[1:] if not line.strip().startswith("hint:")]
    assert [line.split(": ", 1)[0] for line in listed] == [
        at("bad-several-problems.yaml", 8, 3),
        at("bad-several-problems.yaml", 13, 17),
        at("bad-several-problems.yaml", 18, 18),
        at("bad-several-problems.yaml", 21, 9),
    ]
    assert text.count("hint: ") == 4
    assert raised.value.location == raised.value.errors[0].location


def test_a_literal_secret_is_never_shown() -> None:
    with pytest.raises(ConfigErrors) as raised:
        load_tenant(FIXTURES / "bad-literal-secret.yaml", environ=ENV)
    assert "hunter2" not in str(raised.value)
    assert "hunter2" not in repr(raised.value.errors)


def test_a_credentials_value_of_the_wrong_type_is_not_shown(tmp_path: Path) -> None:
    text = (
        "tenant: a\ndomain: a.auth0.com\ncredentials:\n  client_id: 123456789\n"
        "  client_secret: [hunter2]\n"
    )
    with pytest.raises(ConfigErrors) as raised:
        parse_tenant(text, tmp_path / "t.yaml", environ=ENV)
    messages = [error.message for error in raised.value.errors]
    assert messages == [
        "credentials.client_id must be text, not a number",
        "credentials.client_secret must be text, not a list",
    ]
    assert "123456789" not in str(raised.value)


def test_unset_variables_are_warnings_by_default() -> None:
    tenant = load_tenant(FIXTURES / "bad-unset-env-var.yaml", environ=ENV)
    assert tenant.credentials.client_secret_env == "ACME_CLIENT_SECRET"
    assert [(str(w.location), w.message) for w in tenant.warnings] == [
        (at("bad-unset-env-var.yaml", 6, 18), "environment variable ACME_CLIENT_SECRET is not set")
    ]
    assert "ACME_CLIENT_SECRET" in (tenant.warnings[0].hint or "")
    # The same through load_tenants, where the env check is chosen per run.
    [loaded] = load_tenants([FIXTURES / "bad-unset-env-var.yaml"], environ=ENV, env="warn")
    assert [w.message for w in loaded.warnings] == [
        "environment variable ACME_CLIENT_SECRET is not set"
    ]
    assert load_tenant(FIXTURES / "good-exclusive.yaml", environ=ENV).warnings == ()


def test_unset_variables_are_errors_when_required() -> None:
    with pytest.raises(ConfigErrors) as raised:
        load_tenants([FIXTURES / "bad-unset-env-var.yaml"], environ=ENV, env="require")
    assert [(str(e.location), e.message) for e in raised.value.errors] == [
        (at("bad-unset-env-var.yaml", 6, 18), "environment variable ACME_CLIENT_SECRET is not set")
    ]


def test_env_check_can_be_skipped_and_values_are_never_kept() -> None:
    [tenant] = load_tenants([FIXTURES / "bad-unset-env-var.yaml"], environ={}, env="skip")
    assert tenant.credentials.client_secret_env == "ACME_CLIENT_SECRET"
    assert tenant.warnings == ()  # not looked at
    loaded = load_tenant(TENANTS / "acme-dev.yaml", environ=_env_for_examples("s3cr3t"))
    assert "s3cr3t" not in repr(loaded)
    assert "s3cr3t" not in json.dumps(loaded.to_json())


def test_an_empty_env_var_is_refused() -> None:
    environ = {**ENV, "ACME_CLIENT_SECRET": ""}
    assert problems_of("bad-unset-env-var.yaml", environ=environ) == [
        (at("bad-unset-env-var.yaml", 6, 18), "environment variable ACME_CLIENT_SECRET is empty")
    ]
    warned = load_tenant(FIXTURES / "bad-unset-env-var.yaml", environ=environ, env="warn")
    assert [w.message for w in warned.warnings] == [
        "environment variable ACME_CLIENT_SECRET is empty"
    ]


def test_the_default_environment_is_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    loaded = load_tenant(FIXTURES / "good-exclusive.yaml", env="require")
    assert loaded.name == "acme-test"
    monkeypatch.delenv("TEST_CLIENT_SECRET")
    with pytest.raises(ConfigErrors, match="TEST_CLIENT_SECRET is not set"):
        load_tenant(FIXTURES / "good-exclusive.yaml", env="require")
    warned = load_tenant(FIXTURES / "good-exclusive.yaml")
    assert [w.message for w in warned.warnings] == [
        "environment variable TEST_CLIENT_SECRET is not set"
    ]


# ------------------------------------------------------------------------------ good files


def screens_of(prompt: DesiredPrompt) -> dict[str, DesiredScreen]:
    return {screen.name: screen for screen in prompt.screens}


def points_of(screen: DesiredScreen) -> dict[str, tuple[object, ...]]:
    return {point.name: point.items for point in screen.insertion_points}


def test_shorthand_forms() -> None:
    tenant = load_tenant(FIXTURES / "good-shorthand-forms.yaml", environ=ENV)
    prompts = {prompt.name: prompt for prompt in tenant.prompts}
    assert list(prompts) == [
        "login-password",
        "signup-password",
        "login-passwordless",
        "customized-consent",
    ]
    email = SwitchButton("email", "Send a secure code by email")
    password = SwitchButton("Username-Password-Authentication", "Use Password Instead")
    assert points_of(screens_of(prompts["login-password"])["login-password"]) == {
        "form-footer-start": (email,)
    }
    signup = screens_of(prompts["signup-password"])
    assert list(signup) == ["signup-password"]
    assert points_of(signup["signup-password"]) == {
        "form-footer-end": (RawPartial("<p>By signing up you accept our terms.</p>"),),
        "secondary-actions-start": (),
    }
    passwordless = screens_of(prompts["login-passwordless"])
    assert points_of(passwordless["login-passwordless-email-code"]) == {
        "form-footer-start": (password,)
    }
    assert points_of(passwordless["login-passwordless-sms-otp"]) == {
        "form-footer-start": (
            password,
            RawPartial('<p class="hint">Codes expire after 5 minutes.</p>'),
        )
    }
    consent = screens_of(prompts["customized-consent"])["customized-consent"]
    assert points_of(consent) == {
        "form-content": (RawPartial("<p>We only ask for what we need.</p>"),)
    }
    assert not any(prompt.exclusive for prompt in tenant.prompts)


def test_locations_point_at_the_declarations() -> None:
    tenant = load_tenant(FIXTURES / "good-shorthand-forms.yaml", environ=ENV)
    file = FIXTURES / "good-shorthand-forms.yaml"
    signup = tenant.prompts[1]
    assert str(signup.location) == f"{file}:11:3"
    points = {point.name: point for point in signup.screens[0].insertion_points}
    assert str(points["form-footer-end"].location) == f"{file}:12:5"
    assert str(points["secondary-actions-start"].location) == f"{file}:15:7"
    shorthand = tenant.prompts[0].screens[0].insertion_points[0]
    assert str(shorthand.location) == f"{file}:9:5"


def test_exclusive_prompt_owns_its_screens() -> None:
    tenant = load_tenant(FIXTURES / "good-exclusive.yaml", environ=ENV)
    prompts = {prompt.name: prompt for prompt in tenant.prompts}
    passwordless = prompts["login-passwordless"]
    assert passwordless.exclusive
    assert [(s.name, s.exclusive) for s in passwordless.screens] == [
        ("login-passwordless-email-code", True)
    ]
    assert points_of(passwordless.screens[0]) == {"form-footer-start": ()}
    signup = prompts["signup-password"]
    assert not signup.exclusive
    assert signup.screens[0].exclusive
    assert not prompts["login-password"].exclusive
    assert not prompts["login-password"].screens[0].exclusive


def test_extra_prompts_extend_the_catalogue() -> None:
    tenant = load_tenant(FIXTURES / "good-extra-prompts.yaml", environ=ENV)
    welcome = tenant.extra_prompts["mfa-push-welcome"]
    assert welcome.screens == ("mfa-push-welcome",)
    assert welcome.insertion_points == STANDARD_INSERTION_POINTS
    reset = tenant.extra_prompts["reset-password-request"]
    assert reset.screens == ("reset-password-request", "reset-password-email")
    assert reset.insertion_points == ("form-footer-start", "form-footer-end")
    prompts = {prompt.name: prompt for prompt in tenant.prompts}
    assert points_of(prompts["mfa-push-welcome"].screens[0]) == {
        "form-footer-start": (RawPartial("<p>Open the Guardian app to continue.</p>"),)
    }
    assert points_of(screens_of(prompts["reset-password-request"])["reset-password-email"]) == {
        "form-footer-end": (SwitchButton("email", "Sign in with a code instead"),)
    }


def test_extra_prompt_insertion_points_are_enforced(tmp_path: Path) -> None:
    text = (
        "tenant: a\ndomain: a.auth0.com\ncredentials: {token: '${T}'}\n"
        "extra_prompts:\n"
        "  new-prompt: {screens: [new-prompt], insertion_points: [form-footer-end, form-x]}\n"
        "prompts:\n"
        "  new-prompt:\n"
        "    form-footer-ned: []\n"
        "  other-prompt: []\n"
        "  login-password:\n"
        "    new-prompt: []\n"
    )
    with pytest.raises(ConfigErrors) as raised:
        parse_tenant(text, tmp_path / "t.yaml", environ={"T": "x"})
    assert [(str(e.location), e.message) for e in raised.value.errors] == [
        (
            f"{tmp_path / 't.yaml'}:8:5",
            "unknown insertion point 'form-footer-ned' in prompt 'new-prompt'; "
            "did you mean 'form-footer-end'?",
        ),
        (
            f"{tmp_path / 't.yaml'}:9:3",
            "unknown prompt 'other-prompt'; did you mean 'new-prompt'?",
        ),
        (
            f"{tmp_path / 't.yaml'}:11:5",
            "unknown insertion point 'new-prompt' in prompt 'login-password'",
        ),
    ]
    shorthand = "tenant: a\ndomain: a.auth0.com\ncredentials: {token: '${T}'}\n" + (
        "extra_prompts: {p: {screens: [p], insertion_points: [form-x, form-y]}}\n"
        "prompts: {p: [{raw: hi}]}\n"
    )
    with pytest.raises(ConfigErrors) as raised:
        parse_tenant(shorthand, tmp_path / "t.yaml", environ={"T": "x"})
    assert [(str(e.location), e.message, e.hint) for e in raised.value.errors] == [
        (
            f"{tmp_path / 't.yaml'}:5:14",
            "a list here would go to form-footer-start, which screen 'p' does not have",
            "name the insertion point: one of form-x, form-y",
        )
    ]


def test_token_credentials_and_safety_limits() -> None:
    tenant = load_tenant(FIXTURES / "good-token-credentials.yaml", environ=ENV)
    assert tenant.credentials.to_json() == {"kind": "token", "token_env": "TEST_MGMT_TOKEN"}
    assert tenant.domain == "http://127.0.0.1:8765"
    assert tenant.safety.max_deletes == 0
    assert tenant.safety.allow_empty_prompt is True


def test_button_options_and_nulls() -> None:
    tenant = load_tenant(FIXTURES / "good-button-options.yaml", environ=ENV)
    (button,) = tenant.prompts[0].screens[0].insertion_points[0].items
    assert button == SwitchButton(
        "sms", "Text me a code <now>", id=None, css_class="acme-switch", style=None
    )
    assert render_items([button]) == (
        '<form method="post" data-form-secondary="true"><input type="hidden" name="state" '
        'value="{{state}}"> <input type="hidden" name="connection" value="sms"> <button '
        'type="submit" class="acme-switch" data-action-button-secondary="true"> '
        "<span>Text me a code &lt;now&gt;</span> </button></form>"
    )


# ------------------------------------------------------------------------------ domains


CLIENT_CREDENTIALS = (
    "credentials:\n  client_id: ${TEST_CLIENT_ID}\n  client_secret: ${TEST_CLIENT_SECRET}\n"
)


@pytest.mark.parametrize(
    "domain",
    [
        "acme-test.auth0.com",
        "acme-test.eu.auth0.com",
        "https://acme-test.us.auth0.com",
        "http://127.0.0.1:8765/tenants/acme-test",
        "http://localhost:8765",
        "http://[::1]:8765/tenants/acme-test",
        "127.0.0.1:8765",
    ],
)
def test_an_auth0_or_loopback_domain_is_accepted_without_warning(
    tmp_path: Path, domain: str
) -> None:
    text = f"tenant: acme-test\ndomain: {domain}\n{CLIENT_CREDENTIALS}"
    tenant = parse_tenant(text, tmp_path / "t.yaml", environ=ENV)
    assert tenant.domain == domain
    assert tenant.warnings == ()


def test_another_host_needs_an_audience(tmp_path: Path) -> None:
    text = f"tenant: acme-test\ndomain: login.acme.example\n{CLIENT_CREDENTIALS}"
    with pytest.raises(ConfigErrors) as raised:
        parse_tenant(text, tmp_path / "t.yaml", environ=ENV)
    [error] = raised.value.errors
    assert str(error.location) == f"{tmp_path / 't.yaml'}:2:9"
    assert error.message == (
        "domain 'login.acme.example' is not a tenant's Auth0 domain (TENANT.REGION.auth0.com): "
        "the Management API and its token live there, not on a custom domain"
    )
    assert "custom_domain" in (error.hint or "")
    assert "credentials.audience" in (error.hint or "")


def test_another_host_with_an_audience_is_a_warning(tmp_path: Path) -> None:
    audience = "  audience: https://acme-test.eu.auth0.com/api/v2/\n"
    text = f"tenant: acme-test\ndomain: api-proxy.acme.example\n{CLIENT_CREDENTIALS}{audience}"
    tenant = parse_tenant(text, tmp_path / "t.yaml", environ=ENV)
    assert tenant.domain == "api-proxy.acme.example"
    assert tenant.credentials.audience == "https://acme-test.eu.auth0.com/api/v2/"
    [warning] = tenant.warnings
    assert str(warning.location) == f"{tmp_path / 't.yaml'}:2:9"
    assert warning.message.startswith("domain 'api-proxy.acme.example' is not a tenant's Auth0")
    assert "requests go there with the audience https://acme-test.eu.auth0.com/api/v2/" in (
        warning.message
    )
    assert warning.hint


def test_custom_domain_and_applications(tmp_path: Path) -> None:
    text = (
        f"tenant: acme-test\ndomain: acme-test.eu.auth0.com\n{CLIENT_CREDENTIALS}"
        "custom_domain: login.acme.example\napplications: [Acme Web, abc123XYZclientid]\n"
    )
    tenant = parse_tenant(text, tmp_path / "t.yaml", environ=ENV)
    assert tenant.custom_domain == "login.acme.example"
    assert tenant.applications == ("Acme Web", "abc123XYZclientid")
    assert tenant.to_json()["custom_domain"] == "login.acme.example"
    assert tenant.to_json()["applications"] == ["Acme Web", "abc123XYZclientid"]
    plain = parse_tenant(
        f"tenant: acme-test\ndomain: acme-test.eu.auth0.com\n{CLIENT_CREDENTIALS}",
        tmp_path / "t.yaml",
        environ=ENV,
    )
    assert (plain.custom_domain, plain.applications) == (None, ())
    assert plain.digest() != tenant.digest()


@pytest.mark.parametrize(
    ("line", "location", "message", "hint"),
    [
        (
            "custom_domain: https://login.acme.example",
            "6:16",
            "custom_domain 'https://login.acme.example' is not valid",
            "write the bare host users log in on",
        ),
        (
            "applications: Acme Web",
            "6:15",
            "applications must be a list, not the text 'Acme Web'",
            "write a list of application names",
        ),
        (
            "applications: [Acme Web, Acme Web]",
            "6:15",
            "applications lists the same entry twice",
            "write a list of application names",
        ),
        # No hint is required of a list entry: its sub-schema names no property.
        ("applications: ['']", "6:16", "applications[0] must not be empty", None),
    ],
)
def test_custom_domain_and_applications_are_checked(
    tmp_path: Path, line: str, location: str, message: str, hint: str | None
) -> None:
    text = f"tenant: acme-test\ndomain: acme-test.eu.auth0.com\n{CLIENT_CREDENTIALS}{line}\n"
    with pytest.raises(ConfigErrors) as raised:
        parse_tenant(text, tmp_path / "t.yaml", environ=ENV)
    [error] = raised.value.errors
    assert (str(error.location), error.message) == (f"{tmp_path / 't.yaml'}:{location}", message)
    if hint is not None:
        assert hint in (error.hint or "")


# ------------------------------------------------------------- refused by validate (CLI)


def validate(tmp_path: Path, text: str) -> tuple[int, str]:
    """``auth0-partials validate t.yaml`` on ``text``: the exit code and stderr."""
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    result = run_cli("validate", "t.yaml", cwd=tmp_path, env=cli_env(**ENV))
    assert "Traceback" not in result.stderr
    return result.code, result.stderr


VALID = f"tenant: acme-test\ndomain: acme-test.eu.auth0.com\n{CLIENT_CREDENTIALS}"


def test_the_file_the_validate_cases_start_from_is_valid(tmp_path: Path) -> None:
    assert validate(tmp_path, VALID) == (0, "")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # JSON Schema's "$" lets a trailing newline through; the patterns refuse it.
        (
            "tenant: acme-test",
            'tenant: "acme-test\\n"',
            "t.yaml:1:9: tenant 'acme-test\\n' is not valid",
        ),
        (
            "domain: acme-test.eu.auth0.com",
            'domain: "acme-test.eu.auth0.com\\n"',
            "t.yaml:2:9: domain 'acme-test.eu.auth0.com\\n' is not valid",
        ),
        (
            "domain: acme-test.eu.auth0.com",
            "domain: acme-test.eu.auth0.com?x=1",
            "t.yaml:2:9: domain 'acme-test.eu.auth0.com?x=1': a query or fragment is not allowed",
        ),
        (
            "domain: acme-test.eu.auth0.com",
            "domain: acme-test.eu.auth0.com#top",
            "t.yaml:2:9: domain 'acme-test.eu.auth0.com#top': a query or fragment is not allowed",
        ),
        (
            "domain: acme-test.eu.auth0.com",
            "domain: acme-test.eu.auth0.com:99999",
            "t.yaml:2:9: domain 'acme-test.eu.auth0.com:99999': invalid port",
        ),
    ],
)
def test_validate_refuses_a_bad_name_or_domain_at_its_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in VALID
    code, stderr = validate(tmp_path, VALID.replace(old, new))
    assert code == 1
    assert expected in stderr, stderr
    assert "hint: " in stderr
    assert stderr.count("t.yaml:") == 1  # one problem, reported once


def test_validate_refuses_an_extra_screen_name_ending_in_a_newline(tmp_path: Path) -> None:
    text = VALID + 'extra_prompts:\n  new-prompt:\n    screens: [new-prompt, "new-screen\\n"]\n'
    code, stderr = validate(tmp_path, text)
    assert code == 1
    assert "t.yaml:8:27: extra_prompts.new-prompt.screens[1] 'new-screen\\n' is not valid" in (
        stderr
    )
    assert "hint: screen names are lower-case letters, digits and hyphens" in stderr


@pytest.mark.parametrize(
    ("item", "location", "words"),
    [
        ('    - switch: email\n      label: "Use \\ud800 a code"\n', "9:14", "lone surrogate"),
        ('    - raw: "<p>\\udc00</p>"\n', "8:12", "lone surrogate"),
        # Written into the file as such (invalid UTF-8), at its byte.
        ("    - switch: email\n      label: Use \ud800 a code\n", "9:18", "not valid UTF-8"),
    ],
    ids=["label-escape", "raw-escape", "label-in-the-bytes"],
)
def test_validate_refuses_a_lone_surrogate_with_a_location(
    tmp_path: Path, item: str, location: str, words: str
) -> None:
    code, stderr = validate(tmp_path, VALID + "prompts:\n  login-password:\n" + item)
    assert code == 1
    assert f"t.yaml:{location}: " in stderr, stderr
    assert words in stderr
    assert "hint: " in stderr
    assert stderr.count("t.yaml:") == 1, stderr


def test_an_item_with_both_switch_and_raw_is_one_clear_error(tmp_path: Path) -> None:
    text = VALID + (
        "prompts:\n  login-password:\n"
        "    - switch: email\n      label: Send a code\n      raw: <p>x</p>\n"
    )
    with pytest.raises(ConfigErrors) as raised:
        parse_tenant(text, tmp_path / "t.yaml", environ=ENV)
    [error] = raised.value.errors
    assert str(error.location) == f"{tmp_path / 't.yaml'}:8:7"
    assert error.message == (
        "this item has both switch and raw: an item is a switch button or raw HTML, not both"
    )
    assert error.hint == "split it into two items: '- switch: ...' with its label, and '- raw: ...'"
    code, stderr = validate(tmp_path, text)
    assert code == 1
    assert stderr.count("t.yaml:") == 1, stderr


# ------------------------------------------------------------------------- the examples


def _env_for_examples(value: str = "x") -> dict[str, str]:
    names = ("ACME_DEV_CLIENT_ID", "ACME_DEV_CLIENT_SECRET")
    return {name: value for name in (*names, "ACME_PROD_CLIENT_ID", "ACME_PROD_CLIENT_SECRET")}


def test_examples_start_with_the_schema_comment() -> None:
    for path in sorted((ROOT / TENANTS).glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/tenant.schema.json"


def test_acme_dev_reproduces_the_seed() -> None:
    tenant = load_tenant(TENANTS / "acme-dev.yaml", environ=_env_for_examples())
    assert tenant.name == "acme-dev"
    assert tenant.domain == "acme-dev.eu.auth0.com"
    assert tenant.custom_domain == "login.acme-dev.example"
    assert tenant.applications == ("Acme Web",)
    assert tenant.warnings == ()
    assert tenant.credentials.to_json() == {
        "kind": "client_credentials",
        "client_id_env": "ACME_DEV_CLIENT_ID",
        "client_secret_env": "ACME_DEV_CLIENT_SECRET",
    }
    documents = {
        prompt.name: {
            screen.name: {
                point.name: render_items(point.items) for point in screen.insertion_points
            }
            for screen in prompt.screens
        }
        for prompt in tenant.prompts
    }
    assert documents["signup-password"] == {
        "signup-password": {"form-footer-start": SEED_SIGNUP_PASSWORD}
    }
    assert documents["login-password"] == {
        "login-password": {"form-footer-start": SEED_SIGNUP_PASSWORD}
    }
    passwordless = documents["login-passwordless"]
    expected = SEED_SIGNUP_PASSWORD.replace(
        'value="email"', 'value="Username-Password-Authentication"'
    )
    expected = expected.replace("Send a secure code by email", "Use Password Instead")
    assert passwordless == {"login-passwordless-email-code": {"form-footer-start": expected}}


def test_acme_dev_relies_on_the_defaults() -> None:
    text = (ROOT / TENANTS / "acme-dev.yaml").read_text(encoding="utf-8")
    assert "style:" not in text
    assert "id:" not in text.replace("client_id:", "")
    for prompt in load_tenant(TENANTS / "acme-dev.yaml", env="skip").prompts:
        for screen in prompt.screens:
            for point in screen.insertion_points:
                for item in point.items:
                    assert isinstance(item, SwitchButton)
                    assert (item.id, item.style) == (DEFAULT_BUTTON_ID, DEFAULT_BUTTON_STYLE)


def test_acme_prod_uses_every_feature() -> None:
    tenant = load_tenant(TENANTS / "acme-prod.yaml", environ=_env_for_examples())
    assert tenant.name == "acme-prod"
    assert tenant.credentials.client_secret_env == "ACME_PROD_CLIENT_SECRET"
    assert tenant.safety.max_deletes == 1
    items = [
        item
        for prompt in tenant.prompts
        for screen in prompt.screens
        for point in screen.insertion_points
        for item in point.items
    ]
    buttons = [item for item in items if isinstance(item, SwitchButton)]
    assert {button.connection for button in buttons} == {
        "email",
        "sms",
        "Username-Password-Authentication",
    }
    assert any(button.css_class for button in buttons)
    assert any(isinstance(item, RawPartial) for item in items)
    passwordless = next(p for p in tenant.prompts if p.name == "login-passwordless")
    assert passwordless.exclusive
    assert {screen.name for screen in passwordless.screens} == set(
        PROMPTS["login-passwordless"].screens
    )


def test_load_tenants_reads_the_examples() -> None:
    tenants = load_tenants([TENANTS], environ=_env_for_examples())
    assert [tenant.name for tenant in tenants] == ["acme-dev", "acme-prod"]


# ------------------------------------------------------------------ discovery, many files


def test_discover_searches_folders_recursively_and_sorted(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "sub/c.yaml", "notes.txt", ".hidden/d.yaml", "sub/.e.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")
    explicit = tmp_path / "notes.txt"
    found = discover([tmp_path, tmp_path / "b.yaml", explicit])
    assert [path.relative_to(tmp_path).as_posix() for path in found] == [
        "a.yml",
        "b.yaml",
        "sub/c.yaml",
        "notes.txt",
    ]


def test_discover_reports_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigErrors) as raised:
        discover([tmp_path / "missing.yaml", tmp_path / "empty"])
    assert [(str(e.location), e.message) for e in raised.value.errors] == [
        (str(tmp_path / "empty"), "no tenant files (*.yaml, *.yml) in this folder"),
        (str(tmp_path / "missing.yaml"), "no such file or folder"),
    ]
    assert raised.value.errors[1].hint == "check the path; tenant files usually live in tenants/"


def test_load_tenants_rejects_a_tenant_declared_twice() -> None:
    folder = FIXTURES / "duplicate-tenant"
    with pytest.raises(ConfigErrors) as raised:
        load_tenants([folder], environ=ENV)
    assert [(str(e.location), e.message) for e in raised.value.errors] == [
        (
            f"{folder / 'b.yml'}:2:9",
            f"tenant 'acme-test' is already declared in {folder / 'a.yaml'}",
        )
    ]


def test_load_tenants_collects_problems_of_every_file() -> None:
    files = [FIXTURES / "bad-unknown-prompt.yaml", FIXTURES / "bad-duplicate-key.yaml"]
    with pytest.raises(ConfigErrors) as raised:
        load_tenants(files, environ=ENV)
    assert [str(e.location) for e in raised.value.errors] == [
        at("bad-duplicate-key.yaml", 11, 3),
        at("bad-unknown-prompt.yaml", 8, 3),
    ]
    assert str(raised.value).startswith("2 problems in 2 files:\n")


def test_an_unreadable_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors, match="cannot read the file"):
        load_tenant(tmp_path, environ=ENV)


# ---------------------------------------------------------------------------- the schema


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]
    assert schema["title"]
    assert tenant_schema() == schema


def _generator() -> Any:
    """``scripts/generate_schemas.py``, imported from its file (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location(
        "generate_schemas", ROOT / "scripts" / "generate_schemas.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_schema_is_the_generated_one() -> None:
    generator = _generator()
    assert generator.TARGET == SCHEMA_PATH
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == generator.render(), (
        "schemas/tenant.schema.json is out of date: run python scripts/generate_schemas.py"
    )
    assert json.loads(committed) == tenant_schema_document()


def test_schema_knows_every_prompt_screen_and_insertion_point_of_the_catalogue() -> None:
    schema = tenant_schema()
    defs = schema["$defs"]
    assert set(schema["properties"]["prompts"]["properties"]) == set(PROMPTS)
    for name, spec in PROMPTS.items():
        assert schema["properties"]["prompts"]["properties"][name] == {
            "$ref": f"#/$defs/prompt.{name}"
        }
        prompt = defs[f"prompt.{name}"]["else"]["properties"]
        assert set(spec.screens) <= set(prompt), name
        if spec.default_screen is not None:
            # A one-screen prompt takes its insertion points directly, too.
            assert set(spec.insertion_points) <= set(prompt), name
        for screen in spec.screens:
            assert prompt[screen] == {"$ref": f"#/$defs/screen.{name}.{screen}"}
            points = defs[f"screen.{name}.{screen}"]["else"]["properties"]
            assert {"exclusive", *spec.insertion_points} <= set(points), (name, screen)
            for point in spec.insertion_points:
                assert points[point]["$ref"] == "#/$defs/itemList"
                assert point in points[point]["description"]


def test_every_schema_pattern_refuses_a_trailing_newline() -> None:
    patterns = [p for p in _patterns(tenant_schema())]
    assert len(patterns) >= 6
    for pattern in patterns:
        assert pattern.endswith("$(?!\\n)"), pattern


def _patterns(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def _properties(node: object) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield from node.get("properties", {}).items()
        for value in node.values():
            yield from _properties(value)
    elif isinstance(node, list):
        for value in node:
            yield from _properties(value)


def test_every_schema_property_is_described() -> None:
    schema = tenant_schema()
    for name, child in _properties(schema):
        target = child
        if "$ref" in child and "description" not in child:
            target = schema["$defs"][child["$ref"].rsplit("/", 1)[1]]
        assert target.get("description"), name


def test_examples_and_good_fixtures_match_the_schema() -> None:
    validator = Draft202012Validator(tenant_schema())
    files = [*sorted((ROOT / TENANTS).glob("*.yaml")), *sorted((ROOT / FIXTURES).glob("good-*"))]
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert list(validator.iter_errors(data)) == [], path


# ------------------------------------------------------------------------------ property


NAMES = st.sampled_from(
    [
        *PROMPTS,
        *(screen for spec in PROMPTS.values() for screen in spec.screens),
        *STANDARD_INSERTION_POINTS,
        "form-content",
        "login-pasword",
        "new-prompt",
        "exclusive",
        "raw",
        "switch",
    ]
)
JUNK = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.text(max_size=8)
    | st.sampled_from(["email", "sms", "${X}", "${UNSET}", "{{x}}", "<form>", "-bad-", "a b"])
)
ITEM = JUNK | st.fixed_dictionaries(
    {},
    optional={key: JUNK for key in ("switch", "label", "raw", "id", "class", "style", "lable")},
)
ITEMS = JUNK | st.lists(ITEM, max_size=3)
SCREEN = ITEMS | st.dictionaries(NAMES, ITEMS, max_size=3)
PROMPT = ITEMS | st.dictionaries(NAMES, SCREEN, max_size=3)
EXTRA = st.dictionaries(
    st.sampled_from(["new-prompt", "login", "Bad"]),
    JUNK
    | st.fixed_dictionaries(
        {}, optional={"screens": st.lists(NAMES | JUNK, max_size=2), "insertion_points": JUNK}
    ),
    max_size=2,
)
CREDENTIALS = JUNK | st.fixed_dictionaries(
    {},
    optional={key: JUNK for key in ("client_id", "client_secret", "token", "audience", "x")},
)
TENANT_DATA = JUNK | st.fixed_dictionaries(
    {
        "tenant": JUNK | st.just("acme"),
        "domain": JUNK | st.just("login.acme.example"),
        "credentials": CREDENTIALS,
    },
    optional={
        "prompts": JUNK | st.dictionaries(NAMES, PROMPT, max_size=3),
        "extra_prompts": JUNK | EXTRA,
        "safety": JUNK | st.fixed_dictionaries({}, optional={"max_deletes": JUNK}),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TENANT_DATA)
def test_any_tenant_shape_loads_or_raises_located_config_errors(data: object) -> None:
    text = yaml.safe_dump(data)
    file = Path("tenants/property.yaml")
    try:
        parse_tenant(text, file, environ={"X": "s3cr3t-env-value"})
    except ConfigErrors as error:
        assert "s3cr3t-env-value" not in str(error)
        for problem in error.errors:
            assert problem.location is not None
            assert problem.location.file == file
            assert problem.location.line >= 1
