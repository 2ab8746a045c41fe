"""`adequa data pull --from <mirror>` into a fresh warehouse: wall time and peak memory.

Every command runs in a child process under ``/usr/bin/time`` so that its peak
RSS is its own. Baselines, measured in the same run on the same files:

- a plain ``cp -r`` of the dataset folders (time): the floor for "pull";
- a Python child reading every row of the referential CSV files (ROME, FAP,
  geography, ESCO zips and crosswalks) with the csv module alone (time, peak
  RSS): what parsing costs before any checking, typing or storing;
- the second pull of the same files (nothing copied, every table unchanged)
  is measured against the first.

``python -m bench pull --quick`` pulls ROME and FAP only.
Needs the mirror (ADEQUA_MIRROR or ../shared/data).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench._harness import Measure, python

_REPO = Path(__file__).resolve().parents[1]
_ADEQUA = str(Path(python()).with_name("adequa"))

_READ_CSV = r"""
import csv, io, sys, zipfile
from pathlib import Path
csv.field_size_limit(2**31 - 1)
root, names = Path(sys.argv[1]), sys.argv[2].split(",")
n = 0
for name in names:
    for p in sorted((root / name).rglob("*")):
        if p.suffix == ".csv":
            enc = "cp1252" if "arborescence_secteur_naf" in p.name else "utf-8-sig"
            with open(p, encoding=enc, newline="") as fh:
                n += sum(1 for _ in csv.reader(fh, delimiter=";" if name == "fap" or "nomenclature" in p.name else ","))
        elif p.suffix == ".zip":
            with zipfile.ZipFile(p) as zf:
                for m in zf.namelist():
                    if m.endswith(".csv"):
                        with zf.open(m) as raw:
                            n += sum(1 for _ in csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")))
print(n)
"""


def _mirror() -> Path | None:
    for c in (os.environ.get("ADEQUA_MIRROR"), _REPO.parent / "shared" / "data"):
        if c and (Path(c) / "rome").is_dir():
            return Path(c).resolve()
    return None


def _timed(cmd: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS MiB, stdout) of one child process, measured by /usr/bin/time;
    its CPU seconds (user + system) are kept in ``_timed.cpu``."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", out.name, *cmd], capture_output=True, text=True,
                              cwd=str(_REPO), env={**os.environ, "COLUMNS": "200"})
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
        user, system, peak_kib = out.read().strip().splitlines()[-1].split()
        _timed.cpu = float(user) + float(system)
        peak_kib = int(peak_kib)
    return seconds, peak_kib / 1024, proc.stdout


def run(quick: bool = False) -> list[Measure]:
    mirror = _mirror()
    if mirror is None:
        print("bench pull: no mirror (set ADEQUA_MIRROR=../shared/data); skipped")
        return []
    names = ["rome", "fap"] if quick else ["rome", "fap", "esco", "crosswalks", "geo"]
    label = "+".join(names)
    out: list[Measure] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # Baseline 1: copy the same folders.
        t0 = time.perf_counter()
        for n in names:
            shutil.copytree(mirror / n, tmp / "cp" / n)
        cp_seconds = time.perf_counter() - t0
        # Baseline 2: read every row with the csv module.
        read_s, read_peak, rows = _timed([python(), "-c", _READ_CSV, str(mirror), ",".join(names)])
        read_cpu = _timed.cpu
        # The pull itself, into a fresh warehouse, then again (nothing to do).
        cmd = [_ADEQUA, "data", "pull", "--from", str(mirror), "--data-dir", str(tmp / "data"),
               "--db", str(tmp / "w.duckdb"), "--only", ",".join(names)]
        pull_s, pull_peak, _ = _timed(cmd)
        pull_cpu = _timed.cpu
        again_s, again_peak, _ = _timed(cmd)
        check_s, check_peak, _ = _timed([_ADEQUA, "data", "check", "--db", str(tmp / "w.duckdb")])
    goal = "well under a minute" if not quick else None
    out.append(Measure("pull", f"pull + load {label}, fresh db", pull_s, "s", cp_seconds, "cp -r of the files", goal))
    out.append(Measure("pull", f"pull + load {label}, fresh db", pull_s, "s", read_s,
                       f"csv module reading the {int(rows.strip()):,} rows"))
    # The machine may be shared: CPU seconds say what the work costs whatever the load.
    out.append(Measure("pull", f"CPU time (user+sys) of pull + load {label}", pull_cpu, "s", read_cpu,
                       "csv module reading the same rows"))
    out.append(Measure("pull", f"peak RSS of pull + load {label}", pull_peak, "MiB", read_peak,
                       "csv module reading the same rows"))
    out.append(Measure("pull", f"second pull {label} (all unchanged)", again_s, "s", pull_s, "first pull"))
    out.append(Measure("pull", "adequa data check after the pull", check_s, "s", pull_s, "first pull"))
    return out


if __name__ == "__main__":
    from bench._harness import print_table

    print_table(run(quick=False))
