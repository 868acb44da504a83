"""Shell completion of tenant names and ``TENANT/PROMPT`` for ``--target``.

Click completes commands, options and file paths by itself once the shell has loaded its script
(``eval "$(_AUTH0_PARTIALS_COMPLETE=bash_source auth0-partials)"``; ``zsh_source`` and
``fish_source`` for the other shells, see docs/integrations.md). This module adds the values of
``--target``: the tenants declared in the tenant files under the command's PATHS (default
``tenants/``), and after ``TENANT/`` the prompts that tenant's file manages.

Completion runs on every key press and its output is read by the shell, so it reads only the
``tenant`` and ``prompts`` keys of each file, skips any file it cannot read, and never prints:
every failure completes to nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

__all__ = ["complete_target", "declared_targets"]

DEFAULT_PATHS = ("tenants",)
MAX_FILES = 500
"""Files read per key press at most: a PATHS of ``.`` in a large tree must not hang the shell."""


def complete_target(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """``--target`` values starting with ``incomplete``: ``TENANT``, or ``TENANT/PROMPT`` once
    the word holds a slash."""
    try:
        declared = declared_targets([Path(p) for p in _paths(ctx)])
        if "/" in incomplete:
            tenant = incomplete.split("/", 1)[0]
            words = [f"{tenant}/{prompt}" for prompt in declared.get(tenant, ())]
        else:
            words = list(declared)
        return [CompletionItem(word) for word in words if word.startswith(incomplete)]
    except Exception:  # completion must never print a traceback into the user's shell
        return []


def _paths(ctx: click.Context) -> Sequence[str]:
    """The command's PATHS so far. While the option being completed still lacks its value,
    click leaves the words it could not parse yet in ``ctx.args``."""
    parsed = ctx.params.get("paths")
    if parsed:
        return [str(p) for p in parsed]
    pending = [word for word in ctx.args if not word.startswith("-")]
    return pending or DEFAULT_PATHS


def declared_targets(paths: Sequence[Path]) -> dict[str, tuple[str, ...]]:
    """Tenant name -> the prompts its file manages, in file order, for the tenant files named
    by ``paths`` (files as given, folders searched for ``*.yaml``/``*.yml``). Files that cannot
    be read or parsed, or that name no tenant, are skipped."""
    declared: dict[str, tuple[str, ...]] = {}
    for file in _tenant_files(paths):
        entry = _read_entry(file)
        if entry is not None and entry[0] not in declared:
            declared[entry[0]] = entry[1]
    return declared


def _tenant_files(paths: Sequence[Path]) -> Iterator[Path]:
    """The files ``discover`` would find (hidden folders pruned, not walked), at most
    ``MAX_FILES`` of them."""
    count = 0
    for path in paths:
        files = [path] if path.is_file() else _files_under(path)
        for file in files:
            count += 1
            if count > MAX_FILES:
                return
            yield file


def _files_under(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")) and not name.startswith("."):
                yield Path(root, name)


def _read_entry(file: Path) -> tuple[str, tuple[str, ...]] | None:
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("tenant"), str):
        return None
    prompts = data.get("prompts")
    names = tuple(str(name) for name in prompts) if isinstance(prompts, dict) else ()
    return data["tenant"], names
