"""The admin endpoints under ``/__emulator/``: read and set any state directly.

JSON in, JSON out; not logged, not rate limited, no token needed. Bad input answers 400
``{"statusCode":400,"error":"Bad Request","message":...,"errorCode":"bad_request"}``; an unknown
path 404.

==========================================================  ====================================
``GET`` / ``DELETE /__emulator/requests``                   the request log / clear it
``GET`` / ``PUT /__emulator/state``                         every tenant (the state file's
                                                            format) / replace them all
``GET`` / ``POST`` / ``DELETE /__emulator/faults``          the active faults (with ``remaining``)
                                                            / replace them (a JSON list) / clear
``GET /__emulator/tenants``                                 the names of the tenants created
``GET`` / ``PUT`` / ``DELETE /__emulator/tenants/T``         one tenant / replace it (sections
                                                            left out get their defaults) / forget
                                                            it (its next use recreates it)
``GET`` / ``PUT /__emulator/tenants/T/SECTION``              one section (``prompts``,
                                                            ``prompt_settings``, ``custom_text``,
                                                            ``rendering``, ``page_template``,
                                                            ``custom_domains``, ``connections``,
                                                            ``clients``, ``client_grants``,
                                                            ``users``, ``features``,
                                                            ``tenant_settings``) / replace it
``GET`` / ``PUT /__emulator/tenants/T/prompts/P``            one partials document / replace it
==========================================================  ====================================

Users are shown with ``password_hash`` only; a PUT may give ``password`` (it is hashed).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from reconciler.emulator.faults import Fault
from reconciler.emulator.responses import Reply, auth0_error, json_reply, not_found
from reconciler.emulator.store import EmulatorStateError
from reconciler.emulator.tenant import TENANT_NAME, Tenant
from reconciler.emulator.validation import RequestInvalid, parse_json

if TYPE_CHECKING:
    from reconciler.emulator.app import Emulator, IncomingRequest

_TENANT = re.compile(r"^/__emulator/tenants/(?P<tenant>[^/]+)(?:/(?P<section>[^/]+))?$")
_PROMPT = re.compile(r"^/__emulator/tenants/(?P<tenant>[^/]+)/prompts/(?P<prompt>[^/]+)$")


def _bad(message: str) -> Reply:
    return auth0_error(400, message, "bad_request")


def handle_admin(emulator: Emulator, request: IncomingRequest) -> Reply:
    try:
        return _dispatch(emulator, request)
    except RequestInvalid as exc:
        return _bad(exc.message)
    except EmulatorStateError as exc:
        return _bad(exc.message)
    except ValueError as exc:
        return _bad(str(exc))


def _dispatch(emulator: Emulator, request: IncomingRequest) -> Reply:
    method, path = request.method, request.path
    if path == "/__emulator/requests":
        if method == "GET":
            return json_reply(200, [entry.to_json() for entry in emulator.request_log])
        if method == "DELETE":
            return json_reply(200, {"cleared": emulator.clear_request_log()})
    elif path == "/__emulator/state":
        if method == "GET":
            return json_reply(200, emulator.store.snapshot())
        if method == "PUT":
            emulator.store.replace(parse_json(request.body))
            return json_reply(200, emulator.store.snapshot())
    elif path == "/__emulator/faults":
        return _faults(emulator, method, request.body)
    elif path == "/__emulator/tenants" and method == "GET":
        return json_reply(200, emulator.store.names())
    elif match := _PROMPT.match(path):
        return _prompt(
            emulator, method, unquote(match["tenant"]), unquote(match["prompt"]), request
        )
    elif match := _TENANT.match(path):
        return _tenant(emulator, method, unquote(match["tenant"]), match["section"], request)
    return not_found()


def _name(tenant: str) -> str:
    if not TENANT_NAME.fullmatch(tenant):
        raise ValueError(f"Invalid tenant name {tenant!r}")
    return tenant


def _prompt(
    emulator: Emulator, method: str, tenant: str, prompt: str, request: IncomingRequest
) -> Reply:
    _name(tenant)
    if method == "GET":
        return json_reply(200, emulator.get_document(tenant, prompt))
    if method == "PUT":
        return json_reply(200, emulator.set_document(tenant, prompt, parse_json(request.body)))
    return not_found()


def _tenant(
    emulator: Emulator, method: str, tenant: str, section: str | None, request: IncomingRequest
) -> Reply:
    _name(tenant)
    store = emulator.store
    if section is None:
        if method == "GET":
            with store.locked(tenant) as model:
                return json_reply(200, model.to_json())
        if method == "PUT":
            data = parse_json(request.body)
            if isinstance(data, dict):
                data.setdefault("prompts", {})
            store.put_tenant(Tenant.from_json(tenant, data))
            with store.locked(tenant) as model:
                return json_reply(200, model.to_json())
        if method == "DELETE":
            return json_reply(200, {"deleted": store.drop_tenant(tenant)})
        return not_found()
    if method == "GET":
        with store.locked(tenant) as model:
            return json_reply(200, model.section(section))
    if method == "PUT":
        value = parse_json(request.body)
        with store.locked(tenant) as model:
            model.set_section(section, value)
            store.persist()
            return json_reply(200, model.section(section))
    return not_found()


def _faults(emulator: Emulator, method: str, body: bytes) -> Reply:
    if method == "GET":
        return json_reply(200, emulator.faults.describe())
    if method == "DELETE":
        emulator.faults.clear()
        return json_reply(200, [])
    if method != "POST":
        return not_found()
    data = parse_json(body)
    if not isinstance(data, list):
        raise ValueError("expected a JSON list of fault objects")
    emulator.faults.replace([Fault.from_json(item) for item in data])
    return json_reply(200, emulator.faults.describe())
