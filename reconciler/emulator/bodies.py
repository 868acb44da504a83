"""Reading request bodies: JSON, or the form encoding the OpenAPI document also allows."""

from __future__ import annotations

from urllib.parse import parse_qs

from reconciler.emulator.routing import Call
from reconciler.emulator.validation import parse_json


def read_body(call: Call) -> object:
    """The body as JSON; ``application/x-www-form-urlencoded`` gives an object of strings.

    [OAS] every write route lists both content types. An empty body is ``{}`` ([GAP]).
    """
    if call.content_type == "application/x-www-form-urlencoded":
        text = call.body.decode("utf-8", errors="replace")
        return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}
    if not call.body.strip():
        return {}
    return parse_json(call.body)
