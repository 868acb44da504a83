"""Plan renderers: golden files for text, coloured text, Markdown and JSON, plus properties.

Refresh the golden files with ``UPDATE_GOLDEN=1 python -m pytest tests/test_output.py
tests/test_drift.py`` and review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from reconciler.diff import Change, UnmanagedPartial
from reconciler.model import Credentials, PromptDocument, RawPartial, SwitchButton
from reconciler.output import (
    FULL_PLAN_HINT,
    GITHUB_COMMENT_LIMIT,
    PLAN_MARKER,
    md_code,
    plan_json,
    plan_markdown,
    plan_text,
    render_plan,
)
from reconciler.plans import Plan, PromptPlan, TenantPlan
from reconciler.render import render_items

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
TOOL_VERSION = "0.0.0-test"

# -- building plans by hand ----------------------------------------------------------------


def check_golden(path: Path, text: str) -> None:
    """Compare ``text`` with the golden file, or write it when UPDATE_GOLDEN=1."""
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return
    assert path.exists(), f"missing golden file {path}; create it with UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8"), f"differs from {path}"


def button(label: str, connection: str = "email") -> str:
    return render_items([SwitchButton(connection, label)])


def prompt_plan(
    prompt: str,
    live: Mapping[str, Mapping[str, str]],
    changes: Iterable[Change] = (),
    unmanaged: Iterable[tuple[str, str]] = (),
) -> PromptPlan:
    """A prompt plan whose document is ``live`` with ``changes`` applied."""
    changes = tuple(changes)
    document = {screen: dict(points) for screen, points in live.items()}
    for change in changes:
        points = document.setdefault(change.screen, {})
        if change.after is None:
            points.pop(change.insertion_point, None)
        else:
            points[change.insertion_point] = change.after
    return PromptPlan(
        prompt=prompt,
        live_fingerprint=PromptDocument(prompt, live).fingerprint(),
        document=PromptDocument(prompt, {s: p for s, p in document.items() if p}),
        changes=changes,
        unmanaged=tuple(UnmanagedPartial(prompt, s, p, len(live[s][p])) for s, p in unmanaged),
    )


def tenant_plan(name: str, *prompts: PromptPlan, error: str | None = None) -> TenantPlan:
    upper = name.upper().replace("-", "_")
    return TenantPlan(
        tenant=name,
        domain=f"{name}.eu.auth0.com",
        credentials=Credentials(
            "client_credentials",
            client_id_env=f"{upper}_CLIENT_ID",
            client_secret_env=f"{upper}_CLIENT_SECRET",
        ),
        source=f"tenants/{name}.yaml",
        prompts=tuple(sorted(prompts, key=lambda p: p.prompt)),
        error=error,
    )


def plan_of(*tenants: TenantPlan, targets: tuple[str, ...] = ()) -> Plan:
    return Plan(tuple(tenants), tool_version=TOOL_VERSION, targets=targets)


EMAIL_CODE = "login-passwordless-email-code"
SMS_OTP = "login-passwordless-sms-otp"
FOOTER = "form-footer-start"
UPP = "Username-Password-Authentication"

OLD_BUTTON = render_items([SwitchButton(UPP, "Use password instead")])
NEW_BUTTON = render_items([SwitchButton(UPP, "Use Password Instead")])
EMAIL_BUTTON = button("Send a secure code by email")
HINT = '<div class="hint"><p>Codes expire after 5 minutes.</p><a href="/help">Help</a></div>'
NEW_HINT = '<div class="hint"><p>Codes expire after 10 minutes.</p><a href="/help">Help</a></div>'
LEGACY = '<p class="legacy">Call us on 0800 123 456.</p>'
FOOTER_LINKS = "<nav><a href='/privacy'>Privacy</a> · <a href='/terms'>Terms</a></nav>"


def no_changes(prompt: str, html: str = EMAIL_BUTTON) -> PromptPlan:
    return prompt_plan(prompt, {prompt: {FOOTER: html}})


def seed_drift_tenant(name: str = "acme-dev") -> TenantPlan:
    update = Change(
        "update",
        "login-passwordless",
        EMAIL_CODE,
        FOOTER,
        OLD_BUTTON,
        NEW_BUTTON,
        ("label 'Use password instead' → 'Use Password Instead'",),
    )
    return tenant_plan(
        name,
        prompt_plan("login-passwordless", {EMAIL_CODE: {FOOTER: OLD_BUTTON}}, [update]),
        no_changes("login-password"),
        no_changes("signup-password"),
    )


def create_delete_tenant(name: str = "acme-dev") -> TenantPlan:
    mixed = render_items(
        [SwitchButton(UPP, "Use Password Instead"), RawPartial('<p class="hint">Or wait.</p>')]
    )
    return tenant_plan(
        name,
        prompt_plan(
            "login-passwordless",
            {SMS_OTP: {"form-footer-end": LEGACY}},
            [
                Change("create", "login-passwordless", EMAIL_CODE, FOOTER, None, NEW_BUTTON),
                Change("create", "login-passwordless", SMS_OTP, FOOTER, None, mixed),
                Change("delete", "login-passwordless", SMS_OTP, "form-footer-end", LEGACY, None),
            ],
        ),
    )


def unmanaged_tenant(name: str = "acme-dev") -> TenantPlan:
    live = {
        "login-password": {
            FOOTER: EMAIL_BUTTON,
            "secondary-actions-end": FOOTER_LINKS,
            "form-content-start": "<p>Welcome back</p>",
        }
    }
    return tenant_plan(
        name,
        prompt_plan(
            "login-password",
            live,
            unmanaged=[
                ("login-password", "form-content-start"),
                ("login-password", "secondary-actions-end"),
            ],
        ),
    )


def failed_tenant(name: str = "acme-prod") -> TenantPlan:
    return tenant_plan(
        name,
        error=(
            "GET /api/v2/prompts/login-password/partials failed: 401 invalid_token: "
            "Expired token\n  hint: check ACME_PROD_CLIENT_ID and ACME_PROD_CLIENT_SECRET"
        ),
    )


def hostile_tenant() -> TenantPlan:
    """User-controlled content that tries to break out of Markdown, HTML and the terminal."""
    label = "Pay `now` | </details> @octocat <script>alert(1)</script> \x1b[31mred\u202e"
    raw = "<pre>```\n````\n</details>\n\x1b]0;pwned\x07</pre>"
    return tenant_plan(
        "acme-weird",
        prompt_plan(
            "login-password",
            {"login-password": {FOOTER: EMAIL_BUTTON, "form-footer-end": raw}},
            [
                Change(
                    "update",
                    "login-password",
                    "login-password",
                    FOOTER,
                    EMAIL_BUTTON,
                    button(label),
                    (f"label 'Send a secure code by email' → '{label}'",),
                ),
                Change(
                    "update",
                    "login-password",
                    "login-password",
                    "form-footer-end",
                    raw,
                    raw.replace("pwned", "owned"),
                ),
            ],
        ),
        error=None,
    )


def big_raw_tenant(name: str, lines: int) -> TenantPlan:
    """A tenant whose raw HTML partial changes on every line: a large unified diff."""
    before = "".join(f'<li class="step">Step {i}: read the code</li>' for i in range(lines))
    after = before.replace("read", "enter")
    return tenant_plan(
        name,
        prompt_plan(
            "login-password",
            {"login-password": {FOOTER: before}},
            [Change("update", "login-password", "login-password", FOOTER, before, after)],
        ),
    )


PLANS: dict[str, Plan] = {
    "seed_drift": plan_of(seed_drift_tenant()),
    "raw_update": plan_of(
        tenant_plan(
            "acme-dev",
            prompt_plan(
                "login-password",
                {"login-password": {FOOTER: HINT}},
                [Change("update", "login-password", "login-password", FOOTER, HINT, NEW_HINT)],
            ),
        )
    ),
    "create_delete": plan_of(create_delete_tenant()),
    "no_changes": plan_of(
        tenant_plan("acme-dev", no_changes("login-password"), no_changes("signup-password"))
    ),
    "failed_tenant": plan_of(
        tenant_plan("acme-dev", no_changes("login-password")), failed_tenant()
    ),
    "unmanaged": plan_of(unmanaged_tenant()),
    "two_tenants": plan_of(
        seed_drift_tenant("acme-dev"),
        create_delete_tenant("acme-prod"),
        targets=("acme-dev", "acme-prod/login-passwordless"),
    ),
    "hostile": plan_of(hostile_tenant()),
}

TRUNCATED = plan_of(
    seed_drift_tenant("acme-a"),
    big_raw_tenant("acme-b", 12),
    big_raw_tenant("acme-c", 30),
    big_raw_tenant("acme-d", 6),
    failed_tenant("acme-e"),
    create_delete_tenant("acme-f"),
    create_delete_tenant("acme-g"),
)

# -- golden files --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PLANS))
def test_golden_plan(name: str) -> None:
    plan = PLANS[name]
    check_golden(GOLDEN / "plan" / f"{name}.txt", plan_text(plan))
    check_golden(GOLDEN / "plan" / f"{name}.ansi.txt", plan_text(plan, color=True))
    check_golden(GOLDEN / "plan" / f"{name}.md", plan_markdown(plan))
    check_golden(GOLDEN / "plan" / f"{name}.json", plan_json(plan))


def test_golden_truncated_markdown() -> None:
    text = plan_markdown(TRUNCATED, limit=3000)
    assert len(text) <= 3000
    assert "HTML diffs left out for `acme-b`" in text
    assert "details left out for `acme-g`" in text
    assert "<summary><b>acme-g</b>" not in text
    assert "| `acme-g` | 1 | 2 | 0 | 1 | changes |" in text
    check_golden(GOLDEN / "plan" / "truncated.md", text)


# -- text ----------------------------------------------------------------------------------


def test_text_shows_button_details_and_quiet_prompts() -> None:
    text = plan_text(PLANS["seed_drift"])
    assert "  ~ update login-passwordless-email-code/form-footer-start\n" in text
    assert "label 'Use password instead' → 'Use Password Instead'" in text
    assert "login-password: no changes" in text
    assert text.endswith("Plan: 0 to create, 1 to update, 0 to delete in 1 prompt.\n")


def test_text_diffs_raw_html_split_at_tags() -> None:
    text = plan_text(PLANS["raw_update"])
    assert "-<p>Codes expire after 5 minutes.</p>" in text
    assert "+<p>Codes expire after 10 minutes.</p>" in text
    assert '\n         <a href="/help">Help</a>\n         </div>\n' in text  # split at "><"


def test_text_lists_unmanaged_and_errors() -> None:
    assert "preserved, not managed: login-password/secondary-actions-end (70 chars)" in plan_text(
        PLANS["unmanaged"]
    )
    text = plan_text(PLANS["failed_tenant"])
    assert "could not be planned: GET /api/v2/prompts/login-password/partials" in text
    assert text.endswith(
        "No changes in the tenants that could be planned; 1 tenant could not be planned.\n"
    )
    assert plan_text(PLANS["no_changes"]).endswith(
        "No changes. Live partials match the tenant files.\n"
    )


def test_colour_only_when_asked_and_content_cannot_drive_the_terminal() -> None:
    plain = plan_text(PLANS["hostile"])
    coloured = plan_text(PLANS["hostile"], color=True)
    assert "\x1b" not in plain
    assert "\\x1b[31mred" in plain and "\\u202e" in plain
    assert "\x1b[33m~ update" in coloured
    assert "\x1b]0;" not in coloured and "\x1b[31mred" not in coloured
    assert "\x1b[32m+ create" in plan_text(PLANS["create_delete"], color=True)
    assert "\x1b[31m- delete" in plan_text(PLANS["create_delete"], color=True)


# -- Markdown ------------------------------------------------------------------------------


def outside_code(markdown: str) -> str:
    """The Markdown with fenced blocks and code spans removed."""
    without_fences = re.sub(r"(?ms)^(`{3,})[^\n]*\n.*?\n\1$", "", markdown)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", without_fences)


def table_cells(row: str) -> list[str]:
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_markdown_layout() -> None:
    text = plan_markdown(PLANS["two_tenants"])
    assert text.startswith(PLAN_MARKER + "\n")
    assert "| tenant | prompts changing | creates | updates | deletes | status |" in text
    assert text.index("| `acme-dev` |") < text.index("<details>")
    assert text.count("<details>") == text.count("</details>") == 2
    assert "- `label 'Use password instead' → 'Use Password Instead'`" in text
    assert "Shortened" not in text


def test_markdown_escapes_user_content() -> None:
    text = plan_markdown(PLANS["hostile"])
    prose = outside_code(text)
    for dangerous in ("<script", "@octocat", "\x1b", "\u202e", "pwned"):
        assert dangerous not in prose
    assert prose.count("</details>") == 1
    assert "`````diff" in text  # longer than the four-backtick run inside
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert all(len(table_cells(row)) == 6 for row in rows)


def test_markdown_error_in_table_keeps_columns() -> None:
    error = "a | b\nc `d`"
    text = plan_markdown(plan_of(replace(failed_tenant(), error=error)))
    row = next(line for line in text.splitlines() if line.startswith("| `acme-prod`"))
    assert len(table_cells(row)) == 6
    assert md_code(error, in_table=True) in row


def test_markdown_stays_under_the_limit_with_many_large_tenants() -> None:
    plan = plan_of(*(big_raw_tenant(f"acme-{i:02}", 80) for i in range(40)), failed_tenant())
    assert len(plan_text(plan)) > 2 * GITHUB_COMMENT_LIMIT
    text = plan_markdown(plan)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert text.startswith(PLAN_MARKER)
    assert "> [!NOTE]\n> Shortened to stay under 65,535 characters" in text
    assert FULL_PLAN_HINT in text
    assert all(f"| `acme-{i:02}` |" in text for i in range(40))
    assert "| `acme-prod` |" in text


def test_markdown_cuts_diffs_before_sections() -> None:
    full = plan_markdown(TRUNCATED)
    text = plan_markdown(TRUNCATED, limit=len(full) - 1)
    assert "HTML diffs left out for `acme-c`" in text
    assert "details left out" not in text
    assert "_HTML diff left out (" in text
    assert text.count("<details>") == full.count("<details>")


def test_markdown_cuts_table_rows_last() -> None:
    plan = plan_of(*(tenant_plan(f"tenant-{i:04}", no_changes("login")) for i in range(2500)))
    text = plan_markdown(plan)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "| `tenant-0000` |" in text
    assert "| `tenant-2499` |" not in text
    assert re.search(r"> Shortened to stay under 65,535 characters: \d+ table rows left out", text)


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12),
    limit=st.integers(min_value=1_500, max_value=30_000),
)
def test_markdown_never_exceeds_the_limit(sizes: list[int], limit: int) -> None:
    plan = plan_of(*(big_raw_tenant(f"t{i}", n) for i, n in enumerate(sizes)))
    text = plan_markdown(plan, limit=limit)
    assert len(text) <= limit
    assert text.startswith(PLAN_MARKER)
    assert "| tenant | prompts changing |" in text
    if limit >= 4_000:  # room for head and table: cuts are whole parts, never a hard cut
        assert text.endswith(f"<sub>auth0-partials {TOOL_VERSION}</sub>\n")


# -- JSON ----------------------------------------------------------------------------------

PLAN_SCHEMA = Draft202012Validator(
    json.loads((ROOT / "schemas" / "plan.schema.json").read_text("utf-8"))
)


@pytest.mark.parametrize("name", sorted(PLANS))
def test_json_matches_schema_and_round_trips(name: str) -> None:
    plan = PLANS[name]
    data = json.loads(plan_json(plan))
    errors = [e.message for e in PLAN_SCHEMA.iter_errors(data)]
    assert errors == []
    assert Plan.from_json(data) == plan
    assert (
        plan_json(plan)
        == json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def test_schema_rejects_what_the_tool_never_writes() -> None:
    data = json.loads(plan_json(PLANS["create_delete"]))
    change = data["tenants"][0]["prompts"][0]["changes"][0]
    change["action"] = "replace"
    assert not PLAN_SCHEMA.is_valid(data)
    change["action"] = "create"
    change["before"] = "<p>x</p>"
    assert not PLAN_SCHEMA.is_valid(data)


def test_render_plan_dispatches() -> None:
    plan = PLANS["two_tenants"]
    assert render_plan(plan, "text") == plan_text(plan)
    assert render_plan(plan, "text", color=True) == plan_text(plan, color=True)
    assert render_plan(plan, "markdown") == plan_markdown(plan)
    assert render_plan(plan, "json") == plan_json(plan)
    with pytest.raises(ValueError, match="unknown output format"):
        render_plan(plan, "yaml")  # type: ignore[arg-type]
