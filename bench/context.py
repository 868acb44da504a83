"""What the sections share: the settings of the run and the baselines measured first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import Spread


@dataclass
class Context:
    """One benchmark run: how many samples a row takes, where files go, and the baselines
    (``python -c pass``, one bare httpx GET against the emulator) every row is shown beside."""

    repeat: int
    cold_runs: int
    workdir: Path
    project: Path
    fleet_sizes: tuple[int, ...] = (1, 50, 200, 1000)
    baselines: dict[str, Spread] = field(default_factory=dict)

    def baseline_text(self, *names: str) -> str:
        labels = {"python": "`python -c pass`", "httpx-get": "bare httpx GET"}
        parts = [
            f"{labels.get(name, name)} {self.baselines[name].median:.2f} s"
            for name in names
            if name in self.baselines
        ]
        return "; ".join(parts)
