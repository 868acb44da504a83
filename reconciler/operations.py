"""The library's flows and their policy: load, plan, apply (from files or a saved plan), drift.

Every command of the CLI is one of these functions; a Python user calls them the same way
(``reconciler.plan(reconciler.load(["tenants"]), session=...)``). Nothing here prints: progress
goes to the session's listener, results come back as values the reports render.

Tenants run concurrently, each on its own client; a tenant's failure is recorded in its place and
never hides the others (any exception of one tenant, not only ``Auth0PartialsError``). Within a
tenant, the token comes first (bad credentials fail once); then the document reads and the cheap
checks' reads go together.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from reconciler.backups import Backup, BackupStore
from reconciler.catalog import PROMPTS, prompt_spec
from reconciler.checks import CHEAP, DoctorReport, TenantDiagnosis, TenantFacts, run_checks
from reconciler.config import load_tenant, load_tenants, parse_tenant
from reconciler.desired import Locales, desired_documents, uses_custom_text
from reconciler.documents import Document, DocumentKey
from reconciler.errors import (
    ApiError,
    ApplyCancelled,
    Auth0PartialsError,
    PlanFileError,
    StalePlanError,
    VerificationError,
)
from reconciler.events import DocumentApplied, DocumentRead, TenantDone, TenantStarted
from reconciler.findings import DriftReport, drift_report
from reconciler.fold import FoldResult, fold
from reconciler.importer import NotAdopted, import_tenant_yaml
from reconciler.live import DocumentApi, LiveRead, read_available, read_documents
from reconciler.model import EnvCheck, TenantConfig
from reconciler.parallel import at_once
from reconciler.planfile import BoundTenant, bind, plan_key, read_plan
from reconciler.plans import Plan, TenantPlan, plan_tenant
from reconciler.safety import check as check_safety
from reconciler.session import Session
from reconciler.targets import Targets
from reconciler.writes import (
    ApplyReport,
    DocumentOutcome,
    OnStale,
    WritePolicy,
    apply_tenant,
    verify_written,
)

logger = logging.getLogger("reconciler")

T = TypeVar("T")
R = TypeVar("R")

#: Tenants handled at once. A fleet of 1,000 then plans in two waves at Auth0's latency, CPU-bound
#: on this process's one interpreter lock rather than waiting; each tenant in flight holds a few
#: threads (its reads, its checks) and its connections.
DEFAULT_CONCURRENCY = 512


def source_of(config: TenantConfig) -> str:
    """The tenant file as a plan records it: relative to the working folder, ``/``-separated."""
    path = Path(os.path.relpath(config.source.resolve(), Path.cwd().resolve()))
    return path.as_posix()


# --- loading ----------------------------------------------------------------------------------


def load(
    paths: Sequence[Path | str] = ("tenants",),
    *,
    targets: Targets | Iterable[str] = (),
    env: EnvCheck = "warn",
    environ: dict[str, str] | None = None,
) -> list[TenantConfig]:
    """The tenant files under ``paths`` (files, or folders searched for ``*.yaml``), checked.

    Unset credential variables are warnings on each config (``config.warnings``), errors with
    ``env="require"``, or not looked at with ``env="skip"``. ``targets`` keeps the tenants a
    ``--target`` selects, and refuses targets that match nothing. Raises ``ConfigErrors``
    naming every problem with file:line:col.
    """
    configs = load_tenants([Path(p) for p in paths], environ=environ, env=env)
    chosen = targets if isinstance(targets, Targets) else Targets.of(targets)
    return chosen.select(configs)


# --- concurrency ------------------------------------------------------------------------------


def each(items: Sequence[T], work: Callable[[T], R], *, concurrency: int) -> list[R]:
    """``work`` over ``items``, ``concurrency`` at a time, results in input order."""
    return at_once(work, items, limit=concurrency)


def _failure(exc: BaseException) -> str:
    if isinstance(exc, Auth0PartialsError):
        return str(exc)
    logger.debug("unexpected error", exc_info=exc)
    return f"unexpected error: {type(exc).__name__}: {exc}"


class _Counter:
    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self.done += 1
            return self.done


# --- plan -------------------------------------------------------------------------------------


def _reader(session: Session, config: TenantConfig) -> DocumentApi:
    """The tenant's client, telling the listener of each document it reads."""
    client = session.client(config)
    listener = session.listener

    class Reading:
        def get_document(self, key):  # type: ignore[no-untyped-def]
            document = client.get_document(key)
            listener(DocumentRead(config.name, key))
            return document

        def put_document(self, document):  # type: ignore[no-untyped-def]
            return client.put_document(document)

    return Reading()


class _Alongside:
    """``work`` on a thread of its own, started by ``start`` (again: no effect), while the
    caller goes on; ``result`` starts it if need be and waits for it."""

    def __init__(self, work: Callable[[], tuple[str, ...]]) -> None:
        self._work = work
        self._value: tuple[str, ...] = ()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="checks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        self._value = self._work()

    def result(self) -> tuple[str, ...]:
        self.start()
        assert self._thread is not None
        self._thread.join()
        return self._value

    def wait(self) -> None:
        """Wait for the work if it was started (it never outlives its tenant's plan)."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join()


def plan_one(
    config: TenantConfig,
    session: Session,
    targets: Targets | None = None,
    *,
    checks: bool = True,
) -> TenantPlan:
    """Read one tenant's targeted documents (one GET each) and plan it; never raises. With
    ``checks``, the cheap checks run too (``reconciler.checks.CHEAP``: a rendering list and one
    connection read per switch target, on the global bucket), alongside the reads once the token
    is there, and their failures become the plan's warnings."""
    source = source_of(config)
    cheap = _Alongside(lambda: _cheap_warnings(config, session)) if checks else None
    try:
        session.cancellation.check()
        # The token first: bad credentials fail once, and the checks and every read then go
        # together (two round trips for a tenant, however many documents it has).
        session.client(config).authenticate()
        if cheap is not None:
            cheap.start()
        locales, notes = tenant_locales(config, session)
        keys = sorted((targets or Targets()).documents(config, locales))
        session.listener(TenantStarted(config.name, len(keys)))
        reads = read_documents(_reader(session, config), keys, first_alone=False)
        planned = plan_tenant(
            config,
            source,
            {key: read.document for key, read in reads.items()},
            read_at={key: read.read_at for key, read in reads.items()},
            only=frozenset(keys),
            locales=locales,
        )
    except Exception as exc:  # one tenant's failure never hides the others
        if cheap is not None:
            cheap.wait()
        return TenantPlan(source=source, config=config, error=_failure(exc))
    warnings = (*notes, *(cheap.result() if cheap is not None else ()))
    return replace(planned, warnings=warnings)


def tenant_locales(
    config: TenantConfig, session: Session
) -> tuple[Locales | None, tuple[str, ...]]:
    """The tenant's enabled languages, read once (``GET /api/v2/tenants/settings``, global
    bucket) when the file translates labels; otherwise nothing is read. A client without
    ``read:tenant_settings`` plans the file's own languages only, with a warning."""
    if not uses_custom_text(config):
        return None, ()
    try:
        return Locales(_enabled_languages(config, session)), ()
    except ApiError as exc:
        if exc.status != 403:
            raise
        return Locales(), (
            "the tenant's enabled languages could not be read (grant read:tenant_settings): "
            "custom text is planned for the file's languages only",
        )


def _enabled_languages(config: TenantConfig, session: Session) -> tuple[str, ...]:
    """``enabled_locales`` of the tenant's settings (one GET, global bucket)."""
    settings = session.client(config).get_json(
        "tenants/settings", {"fields": "enabled_locales", "include_fields": "true"}
    )
    enabled = settings.get("enabled_locales") if isinstance(settings, dict) else None
    return tuple(str(x) for x in enabled) if isinstance(enabled, list) else ()


def _cheap_warnings(config: TenantConfig, session: Session) -> tuple[str, ...]:
    try:
        results = run_checks(config, TenantFacts(session.client(config)), CHEAP)
    except Exception as exc:  # checks inform a plan; they never fail it
        return (f"checks could not run: {_failure(exc)}",)
    return tuple(str(r) for r in results if r.status == "fail")


def plan(
    configs: Sequence[TenantConfig],
    *,
    session: Session,
    targets: Targets | Iterable[str] = (),
    concurrency: int = DEFAULT_CONCURRENCY,
    checks: bool = True,
) -> Plan:
    """Read every targeted tenant (one GET per managed document) and plan it; ``checks``
    adds the cheap checks' failures as warnings (see ``plan_one``)."""
    chosen = targets if isinstance(targets, Targets) else Targets.of(targets)
    selected = [c for c in configs if chosen.documents(c)]
    counter = _Counter(len(selected))

    def one(config: TenantConfig) -> TenantPlan:
        result = plan_one(config, session, chosen, checks=checks)
        session.listener(TenantDone(config.name, counter.next(), counter.total))
        return result

    tenants = each(selected, one, concurrency=concurrency)
    return Plan(tenants=tuple(sorted(tenants, key=lambda t: t.tenant)), targets=chosen.values)


def drift(
    configs: Sequence[TenantConfig],
    *,
    session: Session,
    targets: Targets | Iterable[str] = (),
    concurrency: int = DEFAULT_CONCURRENCY,
    checks: bool = True,
) -> DriftReport:
    """Read-only: what drifted from the tenant files (a plan, read as findings)."""
    return drift_report(
        plan(configs, session=session, targets=targets, concurrency=concurrency, checks=checks)
    )


def doctor(
    configs: Sequence[TenantConfig],
    *,
    session: Session,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> DoctorReport:
    """Every check of ``reconciler.checks`` for every tenant: read-only, never on the partials
    buckets. A tenant whose facts could not be read is reported as an error, never as ok."""
    counter = _Counter(len(configs))

    def one(config: TenantConfig) -> TenantDiagnosis:
        session.listener(TenantStarted(config.name, 0))
        try:
            session.cancellation.check()
            results = run_checks(config, TenantFacts(session.client(config)))
            diagnosis = TenantDiagnosis(config.name, config.domain, source_of(config), results)
        except Exception as exc:
            diagnosis = TenantDiagnosis(
                config.name, config.domain, source_of(config), error=_failure(exc)
            )
        session.listener(TenantDone(config.name, counter.next(), counter.total))
        return diagnosis

    tenants = each(list(configs), one, concurrency=concurrency)
    return DoctorReport(tuple(sorted(tenants, key=lambda t: t.tenant)))


# --- apply ------------------------------------------------------------------------------------


def apply(
    plan: Plan,
    *,
    session: Session,
    show: Callable[[Plan], None] | None = None,
    approve: Callable[[Plan], bool] | None = None,
    allow_destroy: bool = False,
    backups: BackupStore | None = None,
    max_read_age: float = 5.0,
    verify: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_stale: OnStale | None = None,
) -> ApplyReport:
    """Write a plan, in this order: safety check, ``show`` it, ``approve`` (a person; None:
    approved), then the writes, each on a fresh read.

    A plan a person approved never overwrites a document that changed since its read (it is
    reported ``stale``); an unattended apply (no ``approve``) merges such a document again from
    its tenant file. Raises ``UnsafePlanError`` before showing or asking, ``ApplyCancelled`` when
    the person says no.
    """
    if plan.has_errors:
        if show is not None:
            show(plan)
        raise Auth0PartialsError(
            "some tenants could not be planned; nothing written",
            hint="fix the cause shown for each failed tenant, then rerun",
        )
    check_safety(plan, allow_destroy=allow_destroy)
    if show is not None:
        show(plan)
    if not plan.has_changes:
        return ApplyReport(outcomes=())
    if approve is not None and not approve(plan):
        raise ApplyCancelled
    policy = WritePolicy(
        on_stale=on_stale or ("refuse" if approve is not None else "remerge"),
        max_read_age=max_read_age,
        allow_destroy=allow_destroy,
    )
    writing = [t for t in plan.tenants if t.to_write]

    def one(tenant: TenantPlan) -> tuple[list[DocumentOutcome], str | None]:
        try:
            api = session.client(tenant.config)

            def heard(outcome: DocumentOutcome) -> None:
                session.listener(DocumentApplied(outcome))

            outcomes = apply_tenant(
                tenant,
                api,
                policy=policy,
                backups=backups,
                check=session.cancellation.check,
                on_outcome=heard,
            )
            if verify:
                outcomes = verify_written(tenant, api, outcomes)
            return outcomes, None
        except Exception as exc:
            return [], _failure(exc)

    results = each(writing, one, concurrency=concurrency)
    outcomes = tuple(o for result, _ in results for o in result)
    errors = tuple(
        (t.tenant, error) for t, (_, error) in zip(writing, results, strict=True) if error
    )
    return ApplyReport(
        outcomes=outcomes,
        tenant_errors=errors,
        interrupted=session.cancellation.cancelled,
    )


def load_saved(path: Path, *, environ: dict[str, str] | None = None) -> tuple[BoundTenant, ...]:
    """A saved plan, checked (schema, checksum, signature) and bound to its tenant files.
    No network call: a refusal here means nothing was read or written."""
    saved = read_plan(path, key=plan_key(environ))

    def load_source(source: str) -> TenantConfig:
        file = Path(source)
        if file.is_absolute() or not file.is_file():
            raise PlanFileError(
                f"saved plan {path}: its tenant file {source} is not in this folder; nothing "
                "was read or written",
                hint="run apply from the folder plan ran in, on the reviewed checkout",
            )
        return load_tenant(file, environ=environ)

    return bind(saved, load_source)


def replan_saved(
    bound: Sequence[BoundTenant],
    *,
    session: Session,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Plan:
    """Read each document a saved plan writes again and plan it from the tenant files; refuse
    the whole apply (``StalePlanError``, nothing written) if any document moved since the plan or
    the files would now write anything else than the plan shows."""

    def one(tenant: BoundTenant) -> tuple[TenantPlan, list[str]]:
        keys = [d.key for d in tenant.documents]
        session.listener(TenantStarted(tenant.config.name, len(keys)))
        reads = read_documents(_reader(session, tenant.config), keys)
        languages = tuple(sorted({k.language for k in keys if k.language is not None}))
        fresh = plan_tenant(
            tenant.config,
            tenant.source,
            {k: r.document for k, r in reads.items()},
            read_at={k: r.read_at for k, r in reads.items()},
            only=frozenset(keys),
            locales=Locales(languages),
        )
        problems = _differences(tenant, fresh, reads)
        return fresh, problems

    results = each(list(bound), one, concurrency=concurrency)
    problems = [p for _, found in results for p in found]
    if problems:
        raise StalePlanError(
            "saved plan is stale: " + "; ".join(problems) + "; nothing was written",
            hint="run `auth0-partials plan --out FILE` again, review it, and apply the new plan",
        )
    return Plan(tenants=tuple(sorted((t for t, _ in results), key=lambda t: t.tenant)))


def _differences(
    tenant: BoundTenant, fresh: TenantPlan, reads: Mapping[DocumentKey, LiveRead]
) -> list[str]:
    planned = {d.key: d for d in fresh.documents}
    problems = []
    for saved in tenant.documents:
        address = f"{tenant.config.name}/{saved.key}"
        read = reads[saved.key]
        if read.document.fingerprint() != saved.live_fingerprint:
            problems.append(f"{address} changed since the plan was made")
        elif not planned[saved.key].document.same_content(saved.document):
            problems.append(f"{address} would be written differently than the plan shows")
    return problems


def apply_saved(
    path: Path,
    *,
    session: Session,
    allow_destroy: bool = False,
    backups: BackupStore | None = None,
    max_read_age: float = 5.0,
    verify: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    environ: dict[str, str] | None = None,
) -> tuple[Plan, ApplyReport]:
    """``apply PLAN.json``: exactly the reviewed plan, or nothing (the saved plan was the
    review, so nobody is asked again). Returns the plan as re-read and the report."""
    bound = load_saved(path, environ=environ)
    fresh = replan_saved(bound, session=session, concurrency=concurrency)
    report = apply(
        fresh,
        session=session,
        allow_destroy=allow_destroy,
        backups=backups,
        max_read_age=max_read_age,
        verify=verify,
        concurrency=concurrency,
        on_stale="refuse",
    )
    return fresh, report


# --- import and restore -----------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """A tenant file made from a live tenant: its text, and what it left out."""

    text: str
    read: tuple[DocumentKey, ...]
    skipped: tuple[DocumentKey, ...]
    """Prompts the tenant does not have."""
    not_adopted: tuple[NotAdopted, ...]


def import_tenant(
    config: TenantConfig,
    *,
    session: Session,
    prompts: Sequence[str] = (),
) -> Imported:
    """A new tenant file for ``config``'s tenant (its name, domains and credentials), declaring
    what the live partials hold (every catalogue prompt unless ``prompts``). The text is checked
    to load as a tenant file before it is returned."""
    keys = [DocumentKey.partials(p) for p in (prompts or PROMPTS)]
    client = session.client(config)
    documents, skipped = read_available(client, keys)
    found = [d for d in documents.values() if not d.is_empty()]
    texts = _live_texts(config, session, [d for d in found if _translated(d)])
    text, left_out = import_tenant_yaml(
        tenant=config.name,
        domain=config.domain,
        custom_domain=config.custom_domain,
        credentials=config.credentials,
        documents=found,
        texts=texts,
    )
    parse_tenant(text, Path(f"{config.name}.yaml"))  # never hand out a file validate refuses
    return Imported(text, tuple(documents), tuple(skipped), tuple(left_out))


def _translated(document: Document) -> bool:
    """Whether a partials document has buttons labelled by custom text variables."""
    return any(
        "prompt.screen.texts." in html
        for slots in document.screens.values()
        for html in slots.values()
    )


def _live_texts(
    config: TenantConfig, session: Session, documents: Sequence[Document]
) -> list[Document]:
    """The custom text, in every language the tenant enables, of the prompts of ``documents``
    (one GET each, global bucket; nothing when no document has translated buttons)."""
    if not documents:
        return []
    languages = _enabled_languages(config, session)
    keys = [DocumentKey.custom_text(d.key.prompt, lang) for d in documents for lang in languages]
    reads = read_documents(_reader(session, config), keys)
    return [read.document for read in reads.values()]


def update_tenant_file(
    config: TenantConfig, *, session: Session, adopt: bool = False
) -> FoldResult:
    """``import --update``: the tenant file's text with its prompts' live partials folded in
    (``reconciler.fold``); the caller writes it."""
    keys = [d.key for d in desired_documents(config)]
    reads = read_documents(_reader(session, config), keys)
    text = config.source.read_text("utf-8")
    return fold(text, config, {k: r.document for k, r in reads.items()}, adopt=adopt)


def restore(
    backup: Backup,
    config: TenantConfig,
    *,
    session: Session,
    store: BackupStore,
) -> Path | None:
    """Put a backed-up document back on ``config``'s tenant, after backing up what is live.

    Only the backup's document is trusted: the tenant, endpoint and credentials come from
    ``config``, and the document must be one ``config`` manages or the catalogue knows.
    Returns the backup of the replaced document, or None when the backup is already live.
    """
    key = backup.document.key
    managed = {d.key for d in desired_documents(config)}
    if backup.tenant != config.name:
        raise Auth0PartialsError(
            f"the backup is of tenant {backup.tenant!r}, the tenant file of {config.name!r}",
            hint="pass the tenant file of the backup's tenant with --tenant-file",
        )
    if key not in managed and prompt_spec(key.prompt, config.extra_prompts) is None:
        raise Auth0PartialsError(
            f"the backup names a prompt {key.prompt!r} neither the tenant file nor the "
            "catalogue knows; nothing was sent",
            hint="pass a backup written by apply",
        )
    api = session.client(config)
    live = api.get_document(key)
    if live.same_content(backup.document):
        return None
    saved = store.save(config.name, live)
    echoed = api.put_document(backup.document)
    if not echoed.same_content(backup.document):
        raise VerificationError(
            f"Auth0 stored a different document for {key} than the backup",
            hint="run `auth0-partials plan` to see what is live now",
        )
    return saved
