"""``auth0-partials preview`` and ``reconciler.preview``: the changed screens before and after,
as HTML and (with Chromium) images, against the real emulator over a real socket."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

import reconciler
from reconciler.emulator.seed import seed_tenant
from reconciler.model import Credentials
from reconciler.pages.gallery import screen_file
from reconciler.session import Redirect, Session, SessionSettings
from tests.browser import browser_path
from tests.conftest import PROJECT, ServedEmulator, cli_env, run_cli, start_emulator, stop_emulator

DRIFTED = ("acme-dev", "login-passwordless", "login-passwordless-email-code")
SCREENS = [
    DRIFTED,
    ("acme-prod", "login-password", "login-password"),
    ("acme-prod", "login-passwordless", "login-passwordless-email-code"),
    ("acme-prod", "login-passwordless", "login-passwordless-sms-otp"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's tenant files and schemas."""
    for folder in ("tenants", "schemas"):
        shutil.copytree(PROJECT / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture
def chromium() -> str:
    """The browser binary; the CI rule of ``tests/browser.py`` when there is none."""
    path = browser_path()
    if path is None:
        message = "no Chromium: apt-get install chromium, or set AUTH0_PARTIALS_BROWSER"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# -- the command -------------------------------------------------------------------------------


def test_preview_writes_html_and_images(project: Path, chromium: str) -> None:
    result = run_cli(
        "preview", "--emulator", "--out", "previews", cwd=project,
        env=cli_env(AUTH0_PARTIALS_BROWSER=chromium),
    )  # fmt: skip
    assert result.code == 0, result.output
    out = project / "previews"
    for tenant, prompt, screen in SCREENS:
        image = screen_file(tenant, prompt, screen, "png")
        assert f"{tenant} {prompt}/{screen}: previews/{image}" in result.stdout
        before = png_size(out / screen_file(tenant, prompt, screen, "before.png"))
        after = png_size(out / screen_file(tenant, prompt, screen, "after.png"))
        side = png_size(out / image)
        assert before[0] == after[0] == 480
        assert side[0] > before[0] + after[0] and side[1] > max(before[1], after[1])
    assert "Previews of 4 screens: previews/index.html" in result.stdout
    index = (out / "index.html").read_text("utf-8")
    linked = set(re.findall(r'(?:href|src)="([^"]+)"', index))
    written = {p.relative_to(out).as_posix() for p in out.rglob("*.*") if p.name != "index.html"}
    assert linked == written and len(written) == 5 * len(SCREENS)
    drifted = out / screen_file(*DRIFTED, "before.html")
    assert "<span>Use password instead</span>" in drifted.read_text("utf-8")
    fixed = out / screen_file(*DRIFTED, "after.html")
    assert "<span>Use Password Instead</span>" in fixed.read_text("utf-8")
    assert "API calls:" in result.stderr


def test_a_shard_previews_its_own_tenants_only(project: Path) -> None:
    from reconciler.targets import Shard

    for k in (1, 3):  # acme-dev is in shard 1 of 4, acme-prod in shard 3
        result = run_cli(
            "preview", "--emulator", "--no-images", "--shard", f"{k}/4", "--out", f"s{k}",
            cwd=project,
        )  # fmt: skip
        assert result.code == 0, result.output
        held = {t for t, _, _ in SCREENS if Shard(k, 4).holds(t)}
        shown = {line.split()[0] for line in result.stdout.splitlines() if f": s{k}/acme" in line}
        assert shown == held and len(held) == 1, result.stdout


def test_the_plan_comment_links_the_previews(project: Path, chromium: str) -> None:
    env = cli_env(AUTH0_PARTIALS_BROWSER=chromium)
    assert run_cli("preview", "--emulator", "--out", "site", cwd=project, env=env).code == 0
    base = "https://previews.example/pr-7"
    plan = run_cli(
        "plan", "--emulator", "--format", "markdown", "--preview-base-url", base, cwd=project
    )
    links = re.findall(rf"\]\({re.escape(base)}/([^)]+)\)", plan.stdout)
    assert links[0] == "index.html"
    assert sorted(links[1:]) == sorted(screen_file(*s, "png") for s in SCREENS)
    for link in links:
        assert (project / "site" / link).is_file(), link


def test_without_a_browser_the_html_is_written_and_the_way_to_images_said(project: Path) -> None:
    result = run_cli(
        "preview", "--emulator", "--out", "previews", cwd=project,
        env=cli_env(AUTH0_PARTIALS_BROWSER=str(project / "no-such-chromium")),
    )  # fmt: skip
    assert result.code == 0, result.output
    assert "could not start" in result.stderr
    # Other reads: each tenant's page template, and its settings once: acme-prod translates
    # labels, so its plan read them; acme-dev's are read for the page.
    assert "API calls: 10 GET, 0 PUT, 2 token, 4 other reads" in result.stderr
    assert "pip install 'auth0-partials[preview]'" in result.stderr
    out = project / "previews"
    assert not list(out.rglob("*.png"))
    for screen in SCREENS:
        assert (out / screen_file(*screen, "after.html")).is_file()
        assert f"previews/{screen_file(*screen, 'after.html')}" in result.stdout
    assert "pip install" in (out / "index.html").read_text("utf-8")
    quiet = run_cli(
        "preview", "--emulator", "--out", "html", "--no-images", cwd=project,
        env=cli_env(AUTH0_PARTIALS_BROWSER=str(project / "no-such-chromium")),
    )  # fmt: skip
    assert quiet.code == 0 and "could not start" not in quiet.stderr
    assert not list((project / "html").rglob("*.png"))


def test_a_screen_that_cannot_be_rendered_fails_the_run(project: Path) -> None:
    broken = {"login-passwordless-email-code": {"form-footer-start": "<p>{% if %}</p>"}}
    state = project / ".auth0-partials" / "emulator" / "state.json"
    state.parent.mkdir(parents=True)
    tenant = seed_tenant("acme-dev")
    tenant.prompts["login-passwordless"] = broken
    state.write_text(json.dumps({"tenants": {"acme-dev": tenant.to_json()}}))
    result = run_cli(
        "preview", "--emulator", "--no-images", "--out", "previews", "tenants/acme-dev.yaml",
        cwd=project,
    )  # fmt: skip
    assert result.code == 1
    assert "login-passwordless/login-passwordless-email-code: could not be rendered" in (
        result.stderr
    )
    assert "partial login-passwordless/login-passwordless-email-code/form-footer-start" in (
        result.stderr
    )


# -- the library against a served emulator -----------------------------------------------------


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[ServedEmulator]:
    """A seeded emulator that accepts one client, allowed to read prompts only."""
    served = start_emulator(
        "--seed", "--rate-limits", "off", "--client", "reader=r3ad@read:prompts", cwd=tmp_path
    )
    try:
        yield served
    finally:
        stop_emulator(served)


def _session(emulator: ServedEmulator, client: str, secret: str) -> Session:
    demo = Credentials("client_credentials", client_id_env="ID", client_secret_env="SECRET")
    redirect = Redirect(
        lambda tenant: f"{emulator.url}/tenants/{tenant}", (demo, {"ID": client, "SECRET": secret})
    )
    return Session(SessionSettings(redirect=redirect, budget=False, environ={}))


def test_what_cannot_be_read_is_said_and_nothing_is_written(
    reader: ServedEmulator, tmp_path: Path
) -> None:
    configs = reconciler.load([PROJECT / "tenants" / "acme-dev.yaml"], env="skip")
    with _session(reader, "reader", "r3ad") as session:
        plan = reconciler.plan(configs, session=session, checks=False)
        report = reconciler.preview(plan, session=session, out=tmp_path / "out", images=False)
    assert [(s.prompt, s.screen, s.slots) for s in report.screens] == [
        (DRIFTED[1], DRIFTED[2], ("form-footer-start",))
    ]
    notes = report.notes["acme-dev"]
    assert any("page template not read (read:branding missing)" in n for n in notes), notes
    assert any("tenant settings not read" in n for n in notes), notes
    after = (tmp_path / "out" / screen_file(*DRIFTED, "after.html")).read_text("utf-8")
    assert "<span>Use Password Instead</span>" in after  # shown in the plain template
    assert not report.images and report.images_note is None
    methods = {r["method"] for r in reader.requests() if r["path"] != "/oauth/token"}
    assert methods == {"GET"}


@pytest.mark.parametrize(
    ("section", "value", "note"),
    [
        ("page_template", None, "the tenant has no custom page template: Auth0 shows no partials"),
        ("custom_domains", [], "no page template (This feature requires at least one custom"),
    ],
)
def test_a_tenant_without_a_page_template_shows_no_partials(
    served_emulator: ServedEmulator, tmp_path: Path, section: str, value: object, note: str
) -> None:
    assert served_emulator.server is not None
    served_emulator.server.set_tenant_section("acme-dev", section, value)
    configs = reconciler.load([PROJECT / "tenants" / "acme-dev.yaml"], env="skip")
    with _session(served_emulator, "any", "any") as session:
        plan = reconciler.plan(configs, session=session, checks=False)
        report = reconciler.preview(plan, session=session, out=tmp_path, images=False)
    (found,) = report.notes["acme-dev"]
    assert found.startswith(note)
    assert not report.has_errors
    after = (tmp_path / screen_file(*DRIFTED, "after.html")).read_text("utf-8")
    assert "Use Password Instead" not in after and "Verify Your Identity" in after


def test_the_outlines_frame_the_changed_insertion_point(
    served_emulator: ServedEmulator, tmp_path: Path, chromium: str
) -> None:
    configs = reconciler.load([PROJECT / "tenants" / "acme-dev.yaml"], env="skip")
    with _session(served_emulator, "any", "any") as session:
        plan = reconciler.plan(configs, session=session, checks=False)
        report = reconciler.preview(plan, session=session, out=tmp_path, browser=chromium)
    assert report.images and report.images_note is None
    (screen,) = report.screens
    (before,), (after,) = screen.outlined
    assert before == after  # a relabelled button: the same place on both pages
    assert 40 <= after.height <= 60 and after.width == 320  # one button, the box's width
