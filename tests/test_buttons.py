"""Button-level changes: aligned by connection, said the same way everywhere."""

from __future__ import annotations

from reconciler.buttons import ButtonChange, FieldChange, compare_buttons, describe
from reconciler.model import SwitchButton

EMAIL = SwitchButton("email", "Send a secure code by email")
SMS = SwitchButton("sms", "Text me a code")
DB = SwitchButton("Username-Password-Authentication", "Use Password Instead")


def kinds(changes: tuple[ButtonChange, ...]) -> list[tuple[str, str]]:
    return [(c.kind, c.button.connection) for c in changes]


def test_inserting_a_button_in_front_is_one_added_button() -> None:
    changes = compare_buttons([EMAIL, SMS], [DB, EMAIL, SMS])
    assert kinds(changes) == [("added", "Username-Password-Authentication")]
    assert changes[0].position == 1
    assert describe(changes[0]) == (
        "added button 'Use Password Instead' → connection Username-Password-Authentication "
        "at position 1"
    )


def test_removing_the_first_button_is_one_removed_button() -> None:
    changes = compare_buttons([DB, EMAIL, SMS], [EMAIL, SMS])
    assert kinds(changes) == [("removed", "Username-Password-Authentication")]
    assert describe(changes[0]).endswith("from position 1")


def test_swapping_two_buttons_moves_one() -> None:
    changes = compare_buttons([EMAIL, SMS], [SMS, EMAIL])
    assert len(changes) == 1
    assert changes[0].kind == "moved"
    assert (changes[0].old_position, changes[0].position) in ((2, 1), (1, 2))


def test_a_changed_label_is_one_field_change() -> None:
    relabelled = SwitchButton("email", "Email me a code")
    changes = compare_buttons([EMAIL, SMS], [relabelled, SMS])
    assert changes == (
        ButtonChange(
            "changed",
            relabelled,
            1,
            1,
            (FieldChange("label", EMAIL.label, relabelled.label),),
        ),
    )
    assert describe(changes[0]) == (
        "button email: label 'Send a secure code by email' → 'Email me a code'"
    )


def test_a_swap_with_a_changed_button_says_both() -> None:
    styled = SwitchButton("email", EMAIL.label, style=None)
    changes = compare_buttons([EMAIL, SMS], [SMS, styled])
    assert [c.kind for c in changes].count("moved") == 1
    words = " | ".join(describe(c) for c in changes)
    assert "style" in words and "(none)" in words


def test_a_changed_connection_is_a_removal_and_an_addition() -> None:
    changes = compare_buttons([EMAIL], [SwitchButton("sms", EMAIL.label)])
    assert sorted(kinds(changes)) == [("added", "sms"), ("removed", "email")]


def test_same_buttons_have_no_changes() -> None:
    assert compare_buttons([EMAIL, SMS, DB], [EMAIL, SMS, DB]) == ()


def test_buttons_sharing_a_connection_keep_their_order() -> None:
    first, second = SwitchButton("email", "A"), SwitchButton("email", "B")
    changes = compare_buttons([first, second], [first, second, SMS])
    assert kinds(changes) == [("added", "sms")]


def test_labels_with_quotes_are_escaped_in_words() -> None:
    quoted = SwitchButton("email", "It's \\ here")
    (change,) = compare_buttons([], [quoted])
    assert "'It\\'s \\\\ here'" in describe(change)
