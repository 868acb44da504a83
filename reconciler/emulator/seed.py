"""A tenant "configured by hand from the curl calls" of Auth0's flexible connection switching page.

Source: ``shared/seed/configure-flexible-connection-switching.txt`` (Auth0's documentation page
"Configure Flexible Connection Switching"). The three switch buttons are copied from its three
``curl --data`` payloads exactly as the shell hands them to Auth0:

- ``signup-password`` / ``form-footer-start``: the double-quoted button.
- ``login-password`` / ``form-footer-start``: the single-quoted variant.
- ``login-passwordless`` / ``login-passwordless-email-code`` / ``form-footer-start``: the
  single-quoted "Use Password Instead" button (note the seed's double space in
  ``type='hidden'  name='state'``), **drifted**: someone relabelled it by hand in the dashboard
  to "Use password instead" (lowercase p).

Plus one partial nobody declares in a tenant file (unmanaged): a help link at
``login-password`` / ``secondary-actions-end``.

Start an emulator with ``EmulatorOptions(seed=True)`` to give every new tenant this content.
"""

from __future__ import annotations

import copy

_STYLE = "background: #635dff; width: 100%; padding: 12px 16px; border: none; color: white;"

#: signup-password, form-footer-start: the seed's double-quoted button, verbatim.
SIGNUP_PASSWORD_SWITCH = (
    '<form method="post" data-form-secondary="true">'
    '<input type="hidden" name="state" value="{{state}}"> '
    '<input type="hidden" name="connection" value="email"> '
    f'<button type="submit" id="switchConnectionButton" style="{_STYLE}"'
    ' data-action-button-secondary="true">'
    " <span>Send a secure code by email</span> </button></form>"
)

#: login-password, form-footer-start: the seed's single-quoted variant, verbatim.
LOGIN_PASSWORD_SWITCH = (
    "<form method='post' data-form-secondary='true'>"
    "<input type='hidden' name='state' value='{{state}}'> "
    "<input type='hidden' name='connection' value='email'> "
    f"<button type='submit' id='switchConnectionButton' style='{_STYLE}'"
    " data-action-button-secondary='true'>"
    " <span>Send a secure code by email</span> </button></form>"
)

#: login-passwordless-email-code, form-footer-start: the seed's button with its label drifted
#: from "Use Password Instead" to "Use password instead". Keeps the seed's double space.
LOGIN_PASSWORDLESS_SWITCH_DRIFTED = (
    "<form method='post' data-form-secondary='true'>"
    "<input type='hidden'  name='state' value='{{state}}'> "
    "<input type='hidden' name='connection' value='Username-Password-Authentication'> "
    f"<button type='submit' id='switchConnectionButton' style='{_STYLE}'"
    " data-action-button-secondary='true'>"
    " <span>Use password instead</span> </button></form>"
)

#: login-password, secondary-actions-end: a partial no tenant file manages.
UNMANAGED_HELP_LINK = (
    '<p class="help"><a href="https://support.example.com">Trouble signing in?</a></p>'
)

#: prompt -> partials document (``{screen: {insertion point: html}}``).
SEED_PROMPTS: dict[str, dict[str, dict[str, str]]] = {
    "signup-password": {
        "signup-password": {"form-footer-start": SIGNUP_PASSWORD_SWITCH},
    },
    "login-password": {
        "login-password": {
            "form-footer-start": LOGIN_PASSWORD_SWITCH,
            "secondary-actions-end": UNMANAGED_HELP_LINK,
        },
    },
    "login-passwordless": {
        "login-passwordless-email-code": {"form-footer-start": LOGIN_PASSWORDLESS_SWITCH_DRIFTED},
    },
}


def seed_documents() -> dict[str, dict[str, dict[str, str]]]:
    """A fresh deep copy of :data:`SEED_PROMPTS`, safe to store and mutate."""
    return copy.deepcopy(SEED_PROMPTS)
