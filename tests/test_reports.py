"""Plan reports: golden files for text, coloured text, Markdown and JSON, plus properties.

Refresh the golden files with ``UPDATE_GOLDEN=1 python -m pytest tests/test_reports.py
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

from reconciler.buttons import compare_buttons
from reconciler.diff import Action, Change, Unmanaged
from reconciler.documents import Document, DocumentKey
from reconciler.model import Credentials, RawPartial, SwitchButton, TenantConfig
from reconciler.planfile import read_plan, write_plan
from reconciler.plans import DocumentPlan, Plan, TenantPlan
from reconciler.render import render_items
from reconciler.reports import render_plan
from reconciler.reports.markdown import GITHUB_COMMENT_LIMIT, md_code
from reconciler.reports.plan import FULL_PLAN_HINT, PLAN_MARKER, plan_json, plan_markdown, plan_text

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


def change(
    action: Action,
    prompt: str,
    screen: str,
    slot: str,
    before: str | None,
    after: str | None,
    *,
    buttons: tuple[tuple[SwitchButton, ...], tuple[SwitchButton, ...]] | None = None,
) -> Change:
    """A change of a partials document; ``buttons`` (old, new) adds the button-level changes."""
    found = compare_buttons(*buttons) if buttons else ()
    return Change(action, DocumentKey.partials(prompt), screen, slot, before, after, found)


def document_plan(
    prompt: str,
    live: Mapping[str, Mapping[str, str]],
    changes: Iterable[Change] = (),
    unmanaged: Iterable[tuple[str, str]] = (),
) -> DocumentPlan:
    """A document plan whose document is ``live`` with ``changes`` applied."""
    key = DocumentKey.partials(prompt)
    changes = tuple(changes)
    document = {screen: dict(points) for screen, points in live.items()}
    for one in changes:
        points = document.setdefault(one.screen, {})
        if one.after is None:
            points.pop(one.slot, None)
        else:
            points[one.slot] = one.after
    return DocumentPlan(
        key=key,
        live_fingerprint=Document(key, live).fingerprint(),
        document=Document(key, {s: p for s, p in document.items() if p}),
        changes=changes,
        unmanaged=tuple(Unmanaged(key, s, p, len(live[s][p])) for s, p in unmanaged),
    )


def tenant_plan(
    name: str,
    *documents: DocumentPlan,
    error: str | None = None,
    warnings: tuple[str, ...] = (),
) -> TenantPlan:
    upper = name.upper().replace("-", "_")
    source = f"tenants/{name}.yaml"
    config = TenantConfig(
        name=name,
        domain=f"{name}.eu.auth0.com",
        credentials=Credentials(
            "client_credentials",
            client_id_env=f"{upper}_CLIENT_ID",
            client_secret_env=f"{upper}_CLIENT_SECRET",
        ),
        prompts=(),
        source=Path(source),
    )
    return TenantPlan(
        source=source,
        config=config,
        documents=tuple(sorted(documents, key=lambda d: d.key)),
        error=error,
        warnings=warnings,
    )


def plan_of(*tenants: TenantPlan, targets: tuple[str, ...] = ()) -> Plan:
    return Plan(tuple(tenants), tool_version=TOOL_VERSION, targets=targets)


EMAIL_CODE = "login-passwordless-email-code"
SMS_OTP = "login-passwordless-sms-otp"
FOOTER = "form-footer-start"
UPP = "Username-Password-Authentication"

OLD_UPP = SwitchButton(UPP, "Use password instead")
NEW_UPP = SwitchButton(UPP, "Use Password Instead")
OLD_BUTTON = render_items([OLD_UPP])
NEW_BUTTON = render_items([NEW_UPP])
EMAIL = SwitchButton("email", "Send a secure code by email")
EMAIL_BUTTON = render_items([EMAIL])
HINT = '<div class="hint"><p>Codes expire after 5 minutes.</p><a href="/help">Help</a></div>'
NEW_HINT = '<div class="hint"><p>Codes expire after 10 minutes.</p><a href="/help">Help</a></div>'
LEGACY = '<p class="legacy">Call us on 0800 123 456.</p>'
FOOTER_LINKS = "<nav><a href='/privacy'>Privacy</a> · <a href='/terms'>Terms</a></nav>"


def no_changes(prompt: str, html: str = EMAIL_BUTTON) -> DocumentPlan:
    return document_plan(prompt, {prompt: {FOOTER: html}})


def seed_drift_tenant(name: str = "acme-dev") -> TenantPlan:
    update = change(
        "update",
        "login-passwordless",
        EMAIL_CODE,
        FOOTER,
        OLD_BUTTON,
        NEW_BUTTON,
        buttons=((OLD_UPP,), (NEW_UPP,)),
    )
    return tenant_plan(
        name,
        document_plan("login-passwordless", {EMAIL_CODE: {FOOTER: OLD_BUTTON}}, [update]),
        no_changes("login-password"),
        no_changes("signup-password"),
    )


def create_delete_tenant(name: str = "acme-dev") -> TenantPlan:
    mixed = render_items([NEW_UPP, RawPartial('<p class="hint">Or wait.</p>')])
    return tenant_plan(
        name,
        document_plan(
            "login-passwordless",
            {SMS_OTP: {"form-footer-end": LEGACY}},
            [
                change("create", "login-passwordless", EMAIL_CODE, FOOTER, None, NEW_BUTTON),
                change("create", "login-passwordless", SMS_OTP, FOOTER, None, mixed),
                change("delete", "login-passwordless", SMS_OTP, "form-footer-end", LEGACY, None),
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
        document_plan(
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
    relabelled = SwitchButton("email", label)
    return tenant_plan(
        "acme-weird",
        document_plan(
            "login-password",
            {"login-password": {FOOTER: EMAIL_BUTTON, "form-footer-end": raw}},
            [
                change(
                    "update",
                    "login-password",
                    "login-password",
                    FOOTER,
                    EMAIL_BUTTON,
                    render_items([relabelled]),
                    buttons=((EMAIL,), (relabelled,)),
                ),
                change(
                    "update",
                    "login-password",
                    "login-password",
                    "form-footer-end",
                    raw,
                    raw.replace("pwned", "owned"),
                ),
            ],
        ),
        warnings=("nested-form: \x1b[2J`x` | <b>y</b>",),
    )


def big_raw_tenant(name: str, lines: int) -> TenantPlan:
    """A tenant whose raw HTML partial changes on every line: a large unified diff."""
    before = "".join(f'<li class="step">Step {i}: read the code</li>' for i in range(lines))
    after = before.replace("read", "enter")
    return tenant_plan(
        name,
        document_plan(
            "login-password",
            {"login-password": {FOOTER: before}},
            [change("update", "login-password", "login-password", FOOTER, before, after)],
        ),
    )


PLANS: dict[str, Plan] = {
    "seed_drift": plan_of(seed_drift_tenant()),
    "raw_update": plan_of(
        tenant_plan(
            "acme-dev",
            document_plan(
                "login-password",
                {"login-password": {FOOTER: HINT}},
                [change("update", "login-password", "login-password", FOOTER, HINT, NEW_HINT)],
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
    assert "diffs left out for `acme-b`, `acme-c`, `acme-d`;" in text
    assert "details left out for `acme-f`, `acme-g`." in text
    assert "<summary><b>acme-b</b>" in text and "_Diff left out (27 lines)._" in text
    assert "<summary><b>acme-f</b>" not in text and "<summary><b>acme-g</b>" not in text
    assert "| `acme-g` | 1 | 2 | 0 | 1 | changes |" in text
    check_golden(GOLDEN / "plan" / "truncated.md", text)


# -- text ----------------------------------------------------------------------------------


def test_text_shows_button_changes_and_quiet_documents() -> None:
    text = plan_text(PLANS["seed_drift"])
    assert "  ~ update login-passwordless-email-code/form-footer-start\n" in text
    assert (
        "      button Username-Password-Authentication: "
        "label 'Use password instead' → 'Use Password Instead'\n"
    ) in text
    assert "  login-password: no changes\n" in text
    assert text.endswith("Plan: 0 to create, 1 to update, 0 to delete in 1 document.\n")


def test_text_lists_created_buttons_and_other_html() -> None:
    text = plan_text(PLANS["create_delete"])
    assert (
        "switch button 'Use Password Instead' → connection Username-Password-Authentication\n"
        in text
    )
    assert '<p class="hint">Or wait.</p>' in text
    assert "  - delete login-passwordless-sms-otp/form-footer-end\n" in text
    assert text.endswith("Plan: 2 to create, 0 to update, 1 to delete in 1 document.\n")


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
        "No changes. Live documents match the tenant files.\n"
    )


def test_text_shows_warnings_under_their_tenant() -> None:
    text = plan_text(PLANS["hostile"])
    assert "  warning: nested-form: \\x1b[2J`x` | <b>y</b>\n" in text


def test_colour_only_when_asked_and_content_cannot_drive_the_terminal() -> None:
    plain = plan_text(PLANS["hostile"])
    coloured = plan_text(PLANS["hostile"], color=True)
    assert "\x1b" not in plain
    assert "\\x1b[31mred" in plain and "\\u202e" in plain
    assert "\x1b[33m~ update" in coloured
    assert "\x1b]0;" not in coloured and "\x1b[31mred" not in coloured
    assert "\x1b[2J" not in coloured
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
    assert "| tenant | documents changing | creates | updates | deletes | status |" in text
    assert text.index("| `acme-dev` |") < text.index("<details>")
    assert text.count("<details>") == text.count("</details>") == 2
    assert (
        "- `button Username-Password-Authentication: "
        "label 'Use password instead' → 'Use Password Instead'`"
    ) in text
    assert "Targets: `acme-dev`, `acme-prod/login-passwordless`" in text
    assert "Shortened" not in text


def test_markdown_escapes_user_content() -> None:
    text = plan_markdown(PLANS["hostile"])
    prose = outside_code(text)
    for dangerous in ("<script", "@octocat", "\x1b", "\u202e", "pwned", "<b>y"):
        assert dangerous not in prose
    assert prose.count("</details>") == 1
    assert "`````diff" in text  # longer than the four-backtick run inside
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert all(len(table_cells(row)) == 6 for row in rows)
    assert "| `acme-weird` | 1 | 0 | 2 | 0 | changes, ⚠️ 1 warning |" in text


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
    assert "diffs left out for `acme-c`" in text
    assert "details left out" not in text
    assert "_Diff left out (" in text
    assert text.count("<details>") == full.count("<details>")


def test_markdown_cuts_table_rows_last() -> None:
    plan = plan_of(*(tenant_plan(f"tenant-{i:04}", no_changes("login")) for i in range(2500)))
    text = plan_markdown(plan)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "| `tenant-0000` |" in text
    assert "| `tenant-2499` |" not in text
    assert re.search(r"> Shortened to stay under 65,535 characters: \d+ table rows left out", text)


@settings(max_examples=30)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12),
    limit=st.integers(min_value=1_500, max_value=30_000),
)
def test_markdown_never_exceeds_the_limit(sizes: list[int], limit: int) -> None:
    plan = plan_of(*(big_raw_tenant(f"t{i}", n) for i, n in enumerate(sizes)))
    text = plan_markdown(plan, limit=limit)
    assert len(text) <= limit
    assert text.startswith(PLAN_MARKER)
    assert "| tenant | documents changing |" in text
    if limit >= 4_000:  # room for head and table: cuts are whole parts, never a hard cut
        assert text.endswith(f"<sub>auth0-partials {TOOL_VERSION}</sub>\n")


# -- JSON ----------------------------------------------------------------------------------

PLAN_SCHEMA = Draft202012Validator(
    json.loads((ROOT / "schemas" / "plan.schema.json").read_text("utf-8"))
)


@pytest.mark.parametrize("name", sorted(PLANS))
def test_json_matches_schema(name: str) -> None:
    plan = PLANS[name]
    data = json.loads(plan_json(plan))
    assert [e.message for e in PLAN_SCHEMA.iter_errors(data)] == []
    assert (
        plan_json(plan)
        == json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


@pytest.mark.parametrize("name", sorted(PLANS))
def test_a_saved_plan_reads_back_what_apply_would_write(name: str, tmp_path: Path) -> None:
    plan = PLANS[name]
    write_plan(plan, tmp_path / "plan.json")
    saved = read_plan(tmp_path / "plan.json", key=None)
    assert saved.targets == plan.targets
    assert [(t.tenant, t.source, t.error) for t in saved.tenants] == [
        (t.tenant, t.source, t.error) for t in plan.tenants
    ]
    for written, tenant in zip(saved.tenants, plan.tenants, strict=True):
        assert [(d.key, d.live_fingerprint, d.document) for d in written.documents] == [
            (d.key, d.live_fingerprint, d.document) for d in tenant.to_write
        ]


def test_json_carries_document_keys_slots_and_buttons() -> None:
    data = json.loads(plan_json(PLANS["seed_drift"]))
    (tenant,) = data["tenants"]
    assert tenant["source"] == "tenants/acme-dev.yaml"
    assert tenant["config_digest"].startswith("sha256:")
    assert tenant["credentials"] == {
        "kind": "client_credentials",
        "client_id_env": "ACME_DEV_CLIENT_ID",
        "client_secret_env": "ACME_DEV_CLIENT_SECRET",
    }
    document = next(d for d in tenant["documents"] if d["will_write"])
    assert (document["kind"], document["prompt"], document["language"]) == (
        "partials",
        "login-passwordless",
        None,
    )
    (one,) = document["changes"]
    assert (one["screen"], one["slot"]) == (EMAIL_CODE, FOOTER)
    assert one["buttons"] == [
        {
            "kind": "changed",
            "connection": UPP,
            "label": "Use Password Instead",
            "position": 1,
            "old_position": 1,
            "fields": [
                {"name": "label", "before": "Use password instead", "after": "Use Password Instead"}
            ],
            "text": f"button {UPP}: label 'Use password instead' → 'Use Password Instead'",
        }
    ]
    assert "checksum" not in data


def test_schema_rejects_what_the_tool_never_writes() -> None:
    data = json.loads(plan_json(PLANS["create_delete"]))
    one = data["tenants"][0]["documents"][0]["changes"][0]
    assert PLAN_SCHEMA.is_valid(data)
    one["action"] = "replace"
    assert not PLAN_SCHEMA.is_valid(data)
    one["action"] = "create"
    one["before"] = "<p>x</p>"
    assert not PLAN_SCHEMA.is_valid(data)
    one["before"] = None
    one["after"] = None
    assert not PLAN_SCHEMA.is_valid(data)


def test_render_plan_dispatches() -> None:
    plan = PLANS["two_tenants"]
    assert render_plan(plan, "text") == plan_text(plan)
    assert render_plan(plan, "text", color=True) == plan_text(plan, color=True)
    assert render_plan(plan, "markdown") == plan_markdown(plan)
    assert render_plan(plan, "json") == plan_json(plan)
    with pytest.raises(ValueError, match="unknown output format"):
        render_plan(plan, "yaml")  # type: ignore[arg-type]
