"""A tiny harness: time and peak memory of a callable, and a results table with ratios."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Measure:
    bench: str          # e.g. "ingest"
    name: str           # e.g. "france-travail dump, 100k ads"
    value: float
    unit: str           # e.g. "ads/s", "s", "MiB", "F1"
    baseline: float | None = None      # same quantity for the baseline, measured in the same run
    baseline_name: str | None = None
    goal: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


def timed(fn, *args, **kwargs):
    """(result, seconds) of one call."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def run_measured(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> tuple[float, float, str]:
    """Run a command in a child process: (seconds, peak RSS MiB, stdout). Peak memory of
    the child alone, read from /usr/bin/time's format when available, else from rusage."""
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(cmd, env={**os.environ, **(env or {})}, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024, proc.stdout


def print_table(measures: list[Measure]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Adequa benchmarks (ratio = value / baseline measured in the same run)")
    for col in ("bench", "measure", "value", "unit", "baseline", "ratio", "goal"):
        table.add_column(col)
    for m in measures:
        table.add_row(m.bench, m.name, f"{m.value:,.3f}", m.unit,
                      f"{m.baseline:,.3f} ({m.baseline_name})" if m.baseline is not None else "",
                      f"{m.ratio:,.2f}×" if m.ratio is not None else "", m.goal or "")
    # written to a log (make bench > file, CI): wide enough that a measure's name stays on one line
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def save(measures: list[Measure], name: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps([asdict(m) | {"ratio": m.ratio} for m in measures], indent=1))
    return path


def python() -> str:
    return sys.executable
