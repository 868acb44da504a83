"""Writing the files the tool keeps: atomically, and readable by their owner only.

Backups and saved plans hold whole prompt documents, the rate-limit ledger says when a tenant was
worked on: they are created ``0600`` unless the caller asks for another mode (a saved plan that
a CI artifact step must read, say).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE = 0o600


def write_atomic(path: Path, text: str, *, mode: int = PRIVATE, exclusive: bool = False) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename.

    The file ends up with ``mode`` whatever the umask. With ``exclusive``, an existing ``path``
    is never replaced (``FileExistsError``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        if exclusive:
            os.link(temporary, path)  # fails if path exists
            os.unlink(temporary)
        else:
            os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
