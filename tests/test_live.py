"""Reading the live documents: a prompt the tenant lacks is skipped only on Auth0's own answer
for it; any other failure propagates (never read as empty)."""

from __future__ import annotations

import pytest

from reconciler.documents import Document, DocumentKey
from reconciler.errors import ApiError
from reconciler.live import read_available, read_documents

LACKS = (  # recorded: GET /api/v2/prompts/passkeys/partials on a tenant without passkeys
    "Path validation error: 'Invalid value \"passkeys\"' on property prompt (Name of the prompt)."
)
OTHER_400 = "This feature requires at least one custom domain to be configured for the tenant."


class Tenant:
    """A DocumentApi over a dict; a key mapped to an ApiError answers with it."""

    def __init__(self, answers: dict[DocumentKey, Document | ApiError]) -> None:
        self.answers = answers
        self.reads: list[DocumentKey] = []

    def get_document(self, key: DocumentKey) -> Document:
        self.reads.append(key)
        answer = self.answers[key]
        if isinstance(answer, ApiError):
            raise answer
        return answer

    def put_document(self, document: Document) -> Document:
        raise AssertionError("reading never writes")


def _error(status: int, message: str) -> ApiError:
    return ApiError(message, status=status, method="GET", path="/api/v2/prompts/x/partials")


LOGIN = DocumentKey.partials("login")
PASSKEYS = DocumentKey.partials("passkeys")


def test_a_prompt_the_tenant_lacks_is_skipped_and_named() -> None:
    login = Document(LOGIN, {"login": {"form-footer-start": "<p>x</p>"}})
    tenant = Tenant({LOGIN: login, PASSKEYS: _error(400, LACKS)})
    documents, skipped = read_available(tenant, [LOGIN, PASSKEYS])
    assert documents == {LOGIN: login}
    assert skipped == [PASSKEYS]


@pytest.mark.parametrize(
    ("status", "message"),
    [(400, OTHER_400), (400, "Bad Request"), (404, LACKS), (403, "Insufficient scope")],
)
def test_any_other_error_fails_the_read(status: int, message: str) -> None:
    tenant = Tenant({LOGIN: Document(LOGIN, {}), PASSKEYS: _error(status, message)})
    with pytest.raises(ApiError):
        read_available(tenant, [LOGIN, PASSKEYS])


def test_each_document_is_read_once_whatever_the_order_or_repeats() -> None:
    keys = [DocumentKey.partials(p) for p in ("login", "login-id", "signup", "signup-id")]
    tenant = Tenant({k: Document(k, {}) for k in keys})
    reads = read_documents(tenant, [*keys, *keys])
    assert list(reads) == keys
    assert sorted(tenant.reads) == sorted(keys)
    assert tenant.reads[0] == keys[0]  # the first read goes alone (it fetches the token)
