"""The semantic diff: ownership, merge, and changes, from a tenant file's desired documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.buttons import ButtonChange, FieldChange, describe
from reconciler.catalog import STANDARD_INSERTION_POINTS
from reconciler.desired import DesiredDocument, desired_documents
from reconciler.diff import Change, DocumentDiff, diff_document
from reconciler.documents import Document, DocumentKey
from reconciler.markup import equivalent
from reconciler.model import (
    Credentials,
    DesiredInsertionPoint,
    DesiredPrompt,
    DesiredScreen,
    Item,
    RawPartial,
    SwitchButton,
    TenantConfig,
)
from reconciler.render import render_items

LOGIN = DocumentKey.partials("login-password")
FOOTER = "form-footer-start"
BUTTON = SwitchButton("email", "Send a secure code by email")
SMS = SwitchButton("sms", "Text me a code")
DB = SwitchButton("Username-Password-Authentication", "Use Password Instead")
SEED_SINGLE_QUOTED = (
    "<form method='post' data-form-secondary='true'><input type='hidden' name='state' "
    "value='{{state}}'> <input type='hidden' name='connection' value='email'> <button "
    "type='submit' id='switchConnectionButton' style='background: #635dff; width: 100%; "
    "padding: 12px 16px; border: none; color: white;' data-action-button-secondary='true'> "
    "<span>Send a secure code by email</span> </button></form>"
)
HINT = '<p class="hint" title="Codes">Codes <b>expire</b> <i>soon</i> &amp; often.</p>'


def config(points: dict[str, tuple[Item, ...]], *, exclusive: bool = False) -> TenantConfig:
    """A tenant file managing ``login-password`` (its one screen) at ``points``."""
    return TenantConfig(
        name="acme",
        domain="acme.eu.auth0.com",
        credentials=Credentials("token", token_env="ACME_TOKEN"),
        prompts=(
            DesiredPrompt(
                "login-password",
                (
                    DesiredScreen(
                        "login-password",
                        tuple(DesiredInsertionPoint(name, items) for name, items in points.items()),
                    ),
                ),
                exclusive=exclusive,
            ),
        ),
        source=Path("tenants/acme.yaml"),
    )


def desired(points: dict[str, tuple[Item, ...]], *, exclusive: bool = False) -> DesiredDocument:
    (document,) = desired_documents(config(points, exclusive=exclusive))
    return document


def live(points: dict[str, str]) -> Document:
    return Document(LOGIN, {"login-password": points} if points else {})


def diff(points: dict[str, tuple[Item, ...]], current: dict[str, str]) -> DocumentDiff:
    return diff_document(desired(points), live(current))


# --- spelling is no change, what a browser shows is -----------------------------------------


def test_quote_style_is_no_change_and_keeps_live_bytes() -> None:
    result = diff({FOOTER: (BUTTON,)}, {FOOTER: SEED_SINGLE_QUOTED})
    assert result.changes == ()
    assert result.merged.get("login-password", FOOTER) == SEED_SINGLE_QUOTED


@pytest.mark.parametrize(
    "respelled",
    [
        pytest.param(HINT.replace('"', "'"), id="quotes"),
        pytest.param(
            HINT.replace('class="hint" title="Codes"', 'title="Codes" class="hint"'),
            id="attribute-order",
        ),
        pytest.param(HINT.replace("&amp;", "&#38;"), id="entity"),
        pytest.param(HINT.replace("<p ", "<P ").replace("</p>", "</P>"), id="tag-case"),
    ],
)
def test_a_respelled_managed_partial_is_no_change_and_keeps_live_bytes(respelled: str) -> None:
    assert respelled != HINT
    result = diff({FOOTER: (RawPartial(HINT),)}, {FOOTER: respelled})
    assert result.changes == ()
    assert result.merged.get("login-password", FOOTER) == respelled


@pytest.mark.parametrize(
    "edited",
    [
        pytest.param(HINT.replace("</b> <i>", "</b><i>"), id="space-between-inline-elements"),
        pytest.param(HINT.replace("Codes <b>", "Codes<b>"), id="space-before-inline-element"),
        pytest.param(HINT.replace("often.", "of ten."), id="space-inside-a-word"),
    ],
)
def test_an_inline_whitespace_edit_of_a_managed_partial_is_a_change(edited: str) -> None:
    result = diff({FOOTER: (RawPartial(HINT),)}, {FOOTER: edited})
    (change,) = result.changes
    assert (change.action, change.slot, change.before, change.after) == (
        "update",
        FOOTER,
        edited,
        HINT,
    )
    assert change.buttons == ()  # raw HTML: the plan shows a text diff
    assert result.merged.get("login-password", FOOTER) == HINT


def test_whitespace_a_browser_does_not_show_is_no_change() -> None:
    laid_out = "\n  " + HINT.replace("Codes <b>", "\n    Codes <b>") + "\n"
    assert diff({FOOTER: (RawPartial(HINT),)}, {FOOTER: laid_out}).changes == ()


# --- buttons --------------------------------------------------------------------------------


def test_label_change_is_a_button_level_update() -> None:
    drifted = render_items([SwitchButton("email", "Send a code")])
    (change,) = diff({FOOTER: (BUTTON,)}, {FOOTER: drifted}).changes
    assert change.action == "update"
    assert change.buttons == (
        ButtonChange(
            "changed",
            BUTTON,
            1,
            1,
            (FieldChange("label", "Send a code", "Send a secure code by email"),),
        ),
    )
    assert [describe(b) for b in change.buttons] == [
        "button email: label 'Send a code' → 'Send a secure code by email'"
    ]


def test_a_button_inserted_in_front_is_exactly_one_added_button() -> None:
    current = render_items([BUTTON, SMS])
    (change,) = diff({FOOTER: (DB, BUTTON, SMS)}, {FOOTER: current}).changes
    assert change.buttons == (ButtonChange("added", DB, 1),)
    assert describe(change.buttons[0]) == (
        "added button 'Use Password Instead' → connection Username-Password-Authentication "
        "at position 1"
    )


def test_added_and_removed_buttons_are_described() -> None:
    one, two = render_items([BUTTON]), (BUTTON, SMS)
    (added,) = diff({FOOTER: two}, {FOOTER: one}).changes
    assert [describe(b) for b in added.buttons] == [
        "added button 'Text me a code' → connection sms at position 2"
    ]
    (removed,) = diff({FOOTER: (BUTTON,)}, {FOOTER: render_items(two)}).changes
    assert [describe(b) for b in removed.buttons] == [
        "removed button 'Text me a code' → connection sms from position 2"
    ]
    (mixed,) = diff({FOOTER: (BUTTON, RawPartial("<p>x</p>"))}, {FOOTER: one}).changes
    assert mixed.buttons == ()  # not only buttons: the plan shows an HTML diff


def test_every_changed_field_of_a_button_is_named_in_order() -> None:
    new = SwitchButton(
        "email", "Use Password Instead", id=None, css_class="btn primary", style="color: red"
    )
    (change,) = diff({FOOTER: (new,)}, {FOOTER: render_items([BUTTON])}).changes
    (button,) = change.buttons
    assert [f.name for f in button.fields] == ["label", "id", "class", "style"]
    assert describe(button) == (
        "button email: label 'Send a secure code by email' → 'Use Password Instead'; "
        "id switchConnectionButton → (none); class (none) → 'btn primary'; "
        f"style '{BUTTON.style}' → 'color: red'"
    )


def test_field_values_are_quoted_safely() -> None:
    relabelled = SwitchButton("email", "it's \\ here", id="my id")
    (change,) = diff({FOOTER: (relabelled,)}, {FOOTER: render_items([BUTTON])}).changes
    assert describe(change.buttons[0]) == (
        "button email: label 'Send a secure code by email' → 'it\\'s \\\\ here'; "
        "id switchConnectionButton → 'my id'"
    )


# --- ownership ------------------------------------------------------------------------------


def test_unmanaged_points_are_listed_and_kept_byte_for_byte() -> None:
    odd = "<p  class='x'>keep&nbsp;me</p>\n"
    result = diff({FOOTER: (BUTTON,)}, {"secondary-actions-end": odd})
    assert [c.action for c in result.changes] == ["create"]
    assert [(u.slot, u.length) for u in result.unmanaged] == [("secondary-actions-end", len(odd))]
    assert result.merged.get("login-password", "secondary-actions-end") == odd


def test_exclusive_prompt_deletes_every_undeclared_point() -> None:
    current = {point: f"<p>{point}</p>" for point in STANDARD_INSERTION_POINTS}
    result = diff_document(desired({FOOTER: (BUTTON,)}, exclusive=True), live(current))
    actions = sorted((c.action, c.slot) for c in result.changes)
    assert actions == sorted(
        [("update", FOOTER)] + [("delete", p) for p in STANDARD_INSERTION_POINTS if p != FOOTER]
    )
    assert set(result.merged.screens["login-password"]) == {FOOTER}
    assert result.unmanaged == ()


def test_declared_empty_point_is_deleted_and_empty_screen_dropped() -> None:
    result = diff({"form-footer-end": ()}, {"form-footer-end": "<p>x</p>"})
    assert [(c.action, c.before, c.after) for c in result.changes] == [("delete", "<p>x</p>", None)]
    assert result.merged.screens == {}


def test_changes_carry_their_document_and_address() -> None:
    (change,) = diff({FOOTER: (BUTTON,)}, {}).changes
    assert change == Change("create", LOGIN, "login-password", FOOTER, None, render_items([BUTTON]))
    assert change.address == "login-password/login-password/form-footer-start"


# --- merge properties -----------------------------------------------------------------------

# Partials that are equivalent only by spelling (quotes, blanks inside a tag), and partials that
# differ in what a browser shows; which is which is for ``equivalent`` to say, not the generator.
html = st.sampled_from(
    [
        "<p>a</p>",
        "<p>b</p>",
        "<p  >a</p>",
        "<b>a</b> <i>b</i>",
        "<b>a</b><i>b</i>",
        render_items([BUTTON]),
        SEED_SINGLE_QUOTED,
        "x & y",
    ]
)
points = st.sampled_from(STANDARD_INSERTION_POINTS)


@settings(max_examples=150)
@given(
    current=st.dictionaries(points, html, max_size=6),
    wanted=st.dictionaries(points, st.lists(html, max_size=2), max_size=6),
    exclusive=st.booleans(),
)
def test_merge_properties(
    current: dict[str, str], wanted: dict[str, list[str]], exclusive: bool
) -> None:
    document = desired(
        {p: tuple(RawPartial(h) for h in items) for p, items in wanted.items()},
        exclusive=exclusive,
    )
    result = diff_document(document, live(current))
    merged = result.merged.screens.get("login-password", {})
    for point, text in current.items():
        if not exclusive and point not in wanted:
            assert merged[point] == text  # unowned: byte for byte
    for point, items in wanted.items():
        rendered = render_items([RawPartial(h) for h in items])
        if rendered:
            assert equivalent(merged[point], rendered)
        else:
            assert point not in merged
    if exclusive:
        assert set(merged) <= set(wanted)
    # A change is planned exactly where something owned differs in what it shows.
    changed = {c.slot for c in result.changes}
    for point in set(current) | set(wanted):
        before, after = current.get(point), merged.get(point)
        same = (before is None and after is None) or (
            before is not None and after is not None and equivalent(before, after)
        )
        assert (point in changed) == (not same)
    # Planning the merged document again plans nothing.
    assert diff_document(document, result.merged).changes == ()
