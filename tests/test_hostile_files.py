"""Hostile tenant files: each is refused by ``validate`` with file:line:col and a hint, never a
traceback, and ``plan`` refuses it the same way before any request leaves the machine.

The corpus is built from one valid file by single mutations (a wrong type, a pattern with a
trailing newline, a lone surrogate, an unknown name, a nested form, a bad domain, ...), so a
new check or a regression in an old one shows up as one named case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ServedEmulator, cli_env, run_cli, start_emulator, stop_emulator

VALID = """\
tenant: acme-dev
domain: acme-dev.eu.auth0.com
custom_domain: login.acme.example
applications: [Acme Web]
credentials:
  client_id: ${ACME_ID}
  client_secret: ${ACME_SECRET}
safety:
  max_deletes: 3
prompts:
  login-password:
    - switch: email
      label: Send a secure code by email
  login-passwordless:
    login-passwordless-email-code:
      form-footer-start:
        - switch: Username-Password-Authentication
          label: Use Password Instead
      form-footer-end:
        - raw: <p>hint</p>
"""

#: (name, old text, new text): one mutation of VALID each.
MUTATIONS: list[tuple[str, str, str]] = [
    # names and patterns, with the trailing-newline trick JSON Schema's "$" lets through
    ("tenant-uppercase", "tenant: acme-dev", "tenant: Acme-Dev"),
    ("tenant-trailing-newline", "tenant: acme-dev", 'tenant: "acme-dev\\n"'),
    ("tenant-empty", "tenant: acme-dev", 'tenant: ""'),
    ("tenant-slash", "tenant: acme-dev", "tenant: acme/dev"),
    ("tenant-dotdot", "tenant: acme-dev", "tenant: ../acme"),
    ("tenant-number", "tenant: acme-dev", "tenant: 12"),
    ("tenant-list", "tenant: acme-dev", "tenant: [a]"),
    ("tenant-long", "tenant: acme-dev", "tenant: " + "a" * 200),
    ("domain-query", "domain: acme-dev.eu.auth0.com", "domain: acme-dev.eu.auth0.com?x=1"),
    ("domain-fragment", "domain: acme-dev.eu.auth0.com", "domain: acme-dev.eu.auth0.com#x"),
    ("domain-port-range", "domain: acme-dev.eu.auth0.com", "domain: acme-dev.eu.auth0.com:99999"),
    ("domain-http-remote", "domain: acme-dev.eu.auth0.com", "domain: http://acme-dev.eu.auth0.com"),
    ("domain-ftp", "domain: acme-dev.eu.auth0.com", "domain: ftp://acme-dev.eu.auth0.com"),
    ("domain-userinfo", "domain: acme-dev.eu.auth0.com", "domain: user:pw@acme-dev.eu.auth0.com"),
    (
        "domain-trailing-newline",
        "domain: acme-dev.eu.auth0.com",
        'domain: "acme-dev.eu.auth0.com\\n"',
    ),
    ("domain-space", "domain: acme-dev.eu.auth0.com", "domain: acme dev.eu.auth0.com"),
    ("domain-custom-no-audience", "domain: acme-dev.eu.auth0.com", "domain: login.acme.example"),
    ("domain-empty", "domain: acme-dev.eu.auth0.com", 'domain: ""'),
    (
        "custom-domain-scheme",
        "custom_domain: login.acme.example",
        "custom_domain: https://login.acme.example",
    ),
    (
        "custom-domain-newline",
        "custom_domain: login.acme.example",
        'custom_domain: "login.acme.example\\n"',
    ),
    ("applications-string", "applications: [Acme Web]", "applications: Acme Web"),
    ("applications-empty-name", "applications: [Acme Web]", 'applications: [""]'),
    ("applications-duplicate", "applications: [Acme Web]", "applications: [Acme Web, Acme Web]"),
    # credentials
    ("secret-literal", "client_secret: ${ACME_SECRET}", "client_secret: hunter2"),
    ("secret-partial-ref", "client_secret: ${ACME_SECRET}", "client_secret: x${ACME_SECRET}"),
    ("secret-bad-var", "client_secret: ${ACME_SECRET}", "client_secret: ${1BAD}"),
    ("secret-ref-newline", "client_secret: ${ACME_SECRET}", 'client_secret: "${ACME_SECRET}\\n"'),
    ("secret-number", "client_secret: ${ACME_SECRET}", "client_secret: 12345"),
    ("secret-missing", "  client_secret: ${ACME_SECRET}\n", ""),
    (
        "credentials-token-and-client",
        "  client_secret: ${ACME_SECRET}\n",
        "  client_secret: ${ACME_SECRET}\n  token: ${T}\n",
    ),
    (
        "credentials-unknown-key",
        "  client_secret: ${ACME_SECRET}\n",
        "  client_secret: ${ACME_SECRET}\n  password: ${P}\n",
    ),
    (
        "audience-not-url",
        "  client_secret: ${ACME_SECRET}\n",
        "  client_secret: ${ACME_SECRET}\n  audience: api\n",
    ),
    (
        "credentials-list",
        "credentials:\n  client_id: ${ACME_ID}\n  client_secret: ${ACME_SECRET}\n",
        "credentials: [a]\n",
    ),
    (
        "credentials-missing",
        "credentials:\n  client_id: ${ACME_ID}\n  client_secret: ${ACME_SECRET}\n",
        "",
    ),
    # safety
    ("max-deletes-negative", "max_deletes: 3", "max_deletes: -1"),
    ("max-deletes-text", "max_deletes: 3", "max_deletes: many"),
    ("max-deletes-float", "max_deletes: 3", "max_deletes: 1.5"),
    ("max-deletes-bool", "max_deletes: 3", "max_deletes: true"),
    ("safety-unknown", "max_deletes: 3", "max_deletes: 3\n  max_updates: 1"),
    # prompts, screens, insertion points
    ("prompt-unknown", "  login-password:\n", "  login-passwrd:\n"),
    ("prompt-uppercase", "  login-password:\n", "  Login-Password:\n"),
    ("prompt-newline", "  login-password:\n", '  "login-password\\n":\n'),
    ("screen-unknown", "    login-passwordless-email-code:", "    login-passwordless-mail-code:"),
    ("point-unknown", "      form-footer-end:", "      form-footer-middle:"),
    (
        "point-duplicate",
        "      form-footer-end:\n        - raw: <p>hint</p>\n",
        "      form-footer-end:\n        - raw: <p>hint</p>\n      form-footer-end: []\n",
    ),
    (
        "list-under-multi-screen",
        "  login-passwordless:\n    login-passwordless-email-code:\n      form-footer-start:",
        "  login-passwordless:\n    - switch: email\n      label: x\n  signup:\n    login-passwordless-email-code:\n      form-footer-start:",
    ),
    (
        "exclusive-string",
        "  login-password:\n    - switch",
        "  login-password:\n    exclusive: 'yes'\n    form-footer-start:\n    - switch",
    ),
    (
        "prompt-number",
        "  login-password:\n    - switch: email\n      label: Send a secure code by email\n",
        "  login-password: 3\n",
    ),
    # items
    (
        "item-string",
        "    - switch: email\n      label: Send a secure code by email\n",
        "    - email\n",
    ),
    (
        "item-both-switch-and-raw",
        "        - raw: <p>hint</p>",
        "        - raw: <p>hint</p>\n          switch: sms",
    ),
    (
        "item-unknown-key",
        "      label: Send a secure code by email",
        "      label: Send a secure code by email\n      onclick: x()",
    ),
    ("item-no-label", "      label: Send a secure code by email\n", ""),
    ("label-empty", "label: Send a secure code by email", 'label: ""'),
    ("label-liquid", "label: Send a secure code by email", "label: '{{ user.name }}'"),
    ("label-liquid-tag", "label: Send a secure code by email", "label: '{% if x %}a{% endif %}'"),
    ("label-lone-surrogate", "label: Send a secure code by email", 'label: "Send \\ud800"'),
    ("label-unknown-language", "label: Send a secure code by email", "label: {xx: Send}"),
    ("label-empty-map", "label: Send a secure code by email", "label: {}"),
    ("label-number", "label: Send a secure code by email", "label: 42"),
    ("id-liquid", "label: Send a secure code by email", "label: x\n      id: '{{x}}'"),
    ("style-liquid", "label: Send a secure code by email", "label: x\n      style: '{% x %}'"),
    ("connection-space", "- switch: email", "- switch: e mail"),
    ("connection-hyphen-start", "- switch: email", "- switch: -email"),
    ("connection-long", "- switch: email", "- switch: " + "a" * 200),
    ("connection-newline", "- switch: email", '- switch: "email\\n"'),
    ("connection-number", "- switch: email", "- switch: 7"),
    ("raw-lone-surrogate", "raw: <p>hint</p>", 'raw: "<p>\\udfff</p>"'),
    ("raw-empty", "raw: <p>hint</p>", 'raw: ""'),
    ("raw-too-long", "raw: <p>hint</p>", "raw: " + "x" * 10_001),
    ("raw-number", "raw: <p>hint</p>", "raw: 5"),
    (
        "button-inside-main-form",
        "      form-footer-end:\n        - raw: <p>hint</p>",
        "      form-content-end:\n        - switch: sms\n          label: Text me",
    ),
    (
        "raw-form-inside-main-form",
        "      form-footer-end:\n        - raw: <p>hint</p>",
        "      form-content-start:\n        - raw: <form><input></form>",
    ),
    (
        "texts-bad-key",
        "      form-footer-end:",
        "      texts:\n        tos: {en: x}\n      form-footer-end:",
    ),
    (
        "texts-reserved-key",
        "      form-footer-end:",
        "      texts:\n        var-switch-x: {en: x}\n      form-footer-end:",
    ),
    (
        "texts-bad-language",
        "      form-footer-end:",
        "      texts:\n        var-tos: {zz: x}\n      form-footer-end:",
    ),
    # extra prompts
    ("extra-prompt-no-screens", "prompts:\n", "extra_prompts:\n  new-prompt: {}\nprompts:\n"),
    (
        "extra-prompt-bad-screen",
        "prompts:\n",
        "extra_prompts:\n  new-prompt:\n    screens: [Bad Screen]\nprompts:\n",
    ),
    (
        "extra-prompt-screen-newline",
        "prompts:\n",
        'extra_prompts:\n  new-prompt:\n    screens: ["new\\n"]\nprompts:\n',
    ),
    (
        "extra-prompt-name-newline",
        "prompts:\n",
        'extra_prompts:\n  "new\\n":\n    screens: [x]\nprompts:\n',
    ),
    # top level and YAML itself
    ("unknown-top-level", "safety:", "sfety:"),
    ("duplicate-key", "tenant: acme-dev\n", "tenant: acme-dev\ntenant: acme-prod\n"),
    ("tab-indent", "  login-password:\n", "\tlogin-password:\n"),
    ("bad-yaml", "prompts:\n", "prompts: [\n"),
    ("python-tag", "tenant: acme-dev", "tenant: !!python/name:os.system"),
    ("custom-tag", "tenant: acme-dev", "tenant: !secret x"),
    ("merge-key", "safety:\n  max_deletes: 3", "base: &b {max_deletes: 3}\nsafety:\n  <<: *b"),
    (
        "alias-bomb",
        "tenant: acme-dev",
        "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\ntenant: acme-dev",
    ),
    ("deep-nesting", "tenant: acme-dev", "x: " + "[" * 100 + "]" * 100 + "\ntenant: acme-dev"),
    ("control-character", "tenant: acme-dev", "tenant: acme\x07dev"),
    ("not-a-mapping", VALID, "- just\n- a list\n"),
    ("empty-file", VALID, ""),
    ("comment-only", VALID, "# nothing\n"),
    ("default-language-unknown", "prompts:\n", "default_language: klingon\nprompts:\n"),
]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedEmulator]:
    served = start_emulator("--seed", "--rate-limits", "off", cwd=tmp_path_factory.mktemp("e"))
    try:
        yield served
    finally:
        stop_emulator(served)


def mutated(old: str, new: str) -> str:
    assert old in VALID, old
    return VALID.replace(old, new, 1)


def test_the_unmutated_file_is_valid(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(VALID)
    assert run_cli("validate", "acme.yaml", cwd=tmp_path, env=cli_env()).code == 0


_LOCATED = re.compile(r"acme\.yaml(:\d+:\d+)?: ")


@pytest.mark.parametrize(("name", "old", "new"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_hostile_file_is_refused_with_a_location_and_a_hint(
    tmp_path: Path, emulator: ServedEmulator, name: str, old: str, new: str
) -> None:
    (tmp_path / "acme.yaml").write_text(mutated(old, new), encoding="utf-8", errors="surrogatepass")
    env = cli_env(ACME_ID="id", ACME_SECRET="secret")
    validated = run_cli("validate", "acme.yaml", cwd=tmp_path, env=env)
    assert validated.code == 1, validated.stdout
    assert "Traceback" not in validated.stderr
    assert _LOCATED.search(validated.stderr), validated.stderr
    assert "hint:" in validated.stderr, validated.stderr
    emulator.clear_requests()
    planned = run_cli("plan", "acme.yaml", "--emulator-url", emulator.url, cwd=tmp_path, env=env)
    assert planned.code == 1
    assert "Traceback" not in planned.stderr
    assert emulator.requests() == []
