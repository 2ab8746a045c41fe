"""`make soak`: the reliability tests, heavier (more kills, more fuzzed inputs, more API cases).

Runs the CI tests of docs/reliability.md with larger settings through pytest and
reports what they survived; any failure fails the soak (the tests assert rows
lost = 0 and personal data leaked = 0). The baseline of each line is the CI
setting, so the ratio says how much heavier the soak is.

    python -m bench --soak          # or: make soak
    python -m bench soak_reliability --quick
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench._harness import Measure

REPO = Path(__file__).resolve().parents[1]

# (what, test file, environment variable, CI value, soak value, quick value, unit)
RUNS = [
    ("SIGKILLs survived (ingestion + enrichment)", "tests/test_crash_safety.py", "ADEQUA_CRASH_KILLS", 12, 60, 12,
     "kills per loop"),
    ("fuzzed inputs per parser", "tests/test_fuzz_parsers.py", "ADEQUA_FUZZ_EXAMPLES", 120, 3000, 300, "inputs"),
    ("coverage-guided inputs per reader (atheris)", "tests/test_fuzz_atheris.py", "ADEQUA_ATHERIS_RUNS", 300, 20000,
     1000, "inputs"),
    ("generated API requests per operation", "tests/test_schemathesis.py", "ADEQUA_SCHEMATHESIS_EXAMPLES", 25, 400,
     50, "requests"),
]


def run(quick: bool = False) -> list[Measure]:
    out: list[Measure] = []
    for what, test, var, ci, soak, small, unit in RUNS:
        value = small if quick else soak
        env = {**os.environ, var: str(value)}
        if var == "ADEQUA_CRASH_KILLS" and not quick:
            env["ADEQUA_CRASH_ADS"] = "600"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], cwd=REPO,
                              env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"soak {test} with {var}={value} failed:\n{proc.stdout[-4000:]}")
        out.append(Measure("soak", f"{what} ({test}, passed)", value, unit, ci, "the CI setting"))
        out.append(Measure("soak", f"time of {test} at {var}={value}", seconds, "s"))
    out.append(Measure("soak", "rows lost after the kills (asserted by the test)", 0, "rows", goal="0"))
    return out
