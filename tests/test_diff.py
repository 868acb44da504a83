"""The semantic diff: ownership, merge, and changes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.catalog import PROMPTS, STANDARD_INSERTION_POINTS
from reconciler.diff import diff_prompt
from reconciler.markup import equivalent
from reconciler.model import (
    DesiredInsertionPoint,
    DesiredPrompt,
    DesiredScreen,
    PromptDocument,
    RawPartial,
    SwitchButton,
)
from reconciler.render import render_items

BUTTON = SwitchButton("email", "Send a secure code by email")
SEED_SINGLE_QUOTED = (
    "<form method='post' data-form-secondary='true'><input type='hidden' name='state' "
    "value='{{state}}'> <input type='hidden' name='connection' value='email'> <button "
    "type='submit' id='switchConnectionButton' style='background: #635dff; width: 100%; "
    "padding: 12px 16px; border: none; color: white;' data-action-button-secondary='true'> "
    "<span>Send a secure code by email</span> </button></form>"
)


def prompt(points: dict[str, tuple[object, ...]], *, exclusive: bool = False) -> DesiredPrompt:
    return DesiredPrompt(
        "login-password",
        (
            DesiredScreen(
                "login-password",
                tuple(DesiredInsertionPoint(name, items) for name, items in points.items()),  # type: ignore[arg-type]
            ),
        ),
        exclusive=exclusive,
    )


def live(points: dict[str, str]) -> PromptDocument:
    return PromptDocument("login-password", {"login-password": points} if points else {})


def test_quote_style_is_no_change_and_keeps_live_bytes() -> None:
    result = diff_prompt(
        prompt({"form-footer-start": (BUTTON,)}), live({"form-footer-start": SEED_SINGLE_QUOTED})
    )
    assert result.changes == ()
    assert result.merged.get("login-password", "form-footer-start") == SEED_SINGLE_QUOTED


def test_label_change_is_a_button_level_update() -> None:
    drifted = render_items([SwitchButton("email", "Send a code")])
    result = diff_prompt(
        prompt({"form-footer-start": (BUTTON,)}), live({"form-footer-start": drifted})
    )
    (change,) = result.changes
    assert change.action == "update"
    assert change.details == ("label 'Send a code' → 'Send a secure code by email'",)


def test_unmanaged_points_are_listed_and_kept_byte_for_byte() -> None:
    odd = "<p  class='x'>keep&nbsp;me</p>\n"
    result = diff_prompt(
        prompt({"form-footer-start": (BUTTON,)}),
        live({"secondary-actions-end": odd}),
    )
    assert [c.action for c in result.changes] == ["create"]
    assert [u.insertion_point for u in result.unmanaged] == ["secondary-actions-end"]
    assert result.merged.get("login-password", "secondary-actions-end") == odd


def test_exclusive_prompt_deletes_every_undeclared_point() -> None:
    current = {point: f"<p>{point}</p>" for point in STANDARD_INSERTION_POINTS}
    result = diff_prompt(prompt({"form-footer-start": (BUTTON,)}, exclusive=True), live(current))
    actions = sorted((c.action, c.insertion_point) for c in result.changes)
    assert actions == sorted(
        [("update", "form-footer-start")]
        + [("delete", p) for p in STANDARD_INSERTION_POINTS if p != "form-footer-start"]
    )
    assert set(result.merged.screens["login-password"]) == {"form-footer-start"}


def test_declared_empty_point_is_deleted_and_empty_screen_dropped() -> None:
    result = diff_prompt(prompt({"form-footer-end": ()}), live({"form-footer-end": "<p>x</p>"}))
    assert [c.action for c in result.changes] == ["delete"]
    assert result.merged.screens == {}


html = st.sampled_from(
    ["<p>a</p>", "<p>b</p>", "<p  >a</p>", render_items([BUTTON]), SEED_SINGLE_QUOTED, "x & y"]
)
points = st.sampled_from(STANDARD_INSERTION_POINTS)


@settings(max_examples=150, deadline=None)
@given(
    current=st.dictionaries(points, html, max_size=6),
    desired=st.dictionaries(points, st.lists(html, max_size=2), max_size=6),
    exclusive=st.booleans(),
)
def test_merge_properties(
    current: dict[str, str], desired: dict[str, list[str]], exclusive: bool
) -> None:
    wanted = prompt(
        {p: tuple(RawPartial(h) for h in items) for p, items in desired.items()},
        exclusive=exclusive,
    )
    result = diff_prompt(wanted, live(current), PROMPTS["login-password"])
    merged = result.merged.screens.get("login-password", {})
    for point, text in current.items():
        if not exclusive and point not in desired:
            assert merged[point] == text  # unowned: byte for byte
    for point, items in desired.items():
        rendered = render_items([RawPartial(h) for h in items])
        if rendered:
            assert equivalent(merged[point], rendered)
        else:
            assert point not in merged
    if exclusive:
        assert set(merged) <= set(desired)
    # No change planned exactly when nothing owned differs semantically.
    changed = {c.insertion_point for c in result.changes}
    for point in set(current) | set(desired):
        before, after = current.get(point), merged.get(point)
        same = (before is None and after is None) or (
            before is not None and after is not None and equivalent(before, after)
        )
        assert (point in changed) == (not same)
    # Applying the merged document again plans nothing.
    assert diff_prompt(wanted, result.merged, PROMPTS["login-password"]).changes == ()


def test_added_and_removed_buttons_are_described() -> None:
    sms = SwitchButton("sms", "Text me a code")
    one, two = render_items([BUTTON]), (BUTTON, sms)
    added = diff_prompt(prompt({"form-footer-start": two}), live({"form-footer-start": one}))
    assert added.changes[0].details == ("button 2: added 'Text me a code' → connection sms",)
    removed = diff_prompt(
        prompt({"form-footer-start": (BUTTON,)}),
        live({"form-footer-start": render_items(two)}),
    )
    assert removed.changes[0].details == ("button 2: removed 'Text me a code' → connection sms",)
    mixed = diff_prompt(
        prompt({"form-footer-start": (BUTTON, RawPartial("<p>x</p>"))}),
        live({"form-footer-start": one}),
    )
    assert mixed.changes[0].details == ()  # not only buttons: the plan shows an HTML diff
