"""What the wheel ships: every package, every data file, the console script and the version.

Building and installing the wheel and sdist is too slow for the suite; ``.ci/run`` does it and
smoke-runs the installed tool. These tests catch the usual cause of a broken wheel first: a new
subpackage or data file that ``pyproject.toml`` does not list.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from reconciler import __version__
from reconciler.cli import cli
from tests.conftest import PROJECT

PYPROJECT: dict[str, Any] = tomllib.loads((PROJECT / "pyproject.toml").read_text("utf-8"))
SETUPTOOLS: dict[str, Any] = PYPROJECT["tool"]["setuptools"]


def _package_folder(package: str) -> Path:
    mapped = SETUPTOOLS.get("package-dir", {}).get(package)
    return PROJECT / (mapped or package.replace(".", "/"))


def _data_files() -> list[tuple[str, str]]:
    """(package, path relative to it) of every non-Python file the packages' folders hold,
    each counted in the innermost listed package that contains it."""
    folders = {package: _package_folder(package) for package in SETUPTOOLS["packages"]}
    found = []
    for package, folder in folders.items():
        for file in sorted(folder.rglob("*")):
            if not file.is_file() or file.suffix in (".py", ".pyc") or "__pycache__" in file.parts:
                continue
            owners = [p for p, f in folders.items() if file.is_relative_to(f)]
            if max(owners, key=lambda p: len(folders[p].parts)) == package:
                found.append((package, file.relative_to(folder).as_posix()))
    return found


def test_every_package_under_reconciler_is_listed() -> None:
    found = {
        ".".join(init.parent.relative_to(PROJECT).parts)
        for init in (PROJECT / "reconciler").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    listed = set(SETUPTOOLS["packages"])
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    for package in listed:
        assert _package_folder(package).is_dir(), package


def test_every_data_file_of_a_package_is_package_data() -> None:
    globs: dict[str, list[str]] = SETUPTOOLS["package-data"]
    files = _data_files()
    missing = [
        f"{package}: {name}"
        for package, name in files
        if not any(fnmatch.fnmatch(name, p) for p in globs.get(package, []) + globs.get("*", []))
    ]
    assert missing == [], "add to [tool.setuptools.package-data]"
    assert ("reconciler", "py.typed") in files
    for name in ("tenant", "plan", "drift", "doctor"):
        assert ("reconciler.schemas", f"{name}.schema.json") in files


def test_the_console_script_and_version() -> None:
    assert PYPROJECT["project"]["scripts"] == {"auth0-partials": "reconciler.cli:main"}
    assert PYPROJECT["project"]["version"] == __version__
    result = CliRunner().invoke(cli, ["--version"], prog_name="auth0-partials")
    assert (result.exit_code, result.output) == (0, f"auth0-partials, version {__version__}\n")
