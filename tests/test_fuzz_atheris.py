"""Coverage-guided fuzzing (atheris, optional) of the file readers: only InputError may come out.

Each target runs in a child process for a bounded number of inputs
(``ADEQUA_ATHERIS_RUNS``; without it the tests are skipped: `make soak`
runs them); a crash makes libFuzzer exit non-zero
and print the input. Skipped when atheris is not installed (pip install atheris).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("atheris", reason="atheris not installed (optional): pip install atheris")

if "ADEQUA_ATHERIS_RUNS" not in os.environ:
    pytest.skip("coverage-guided fuzzing runs in `make soak` (or set ADEQUA_ATHERIS_RUNS=300)", allow_module_level=True)
RUNS = int(os.environ["ADEQUA_ATHERIS_RUNS"])

HARNESS = r'''
import os, sys, tempfile
import atheris
with atheris.instrument_imports():
    from adequa.errors import InputError
    from adequa.sources import readers, france_travail, rncp, lheo

TARGET = sys.argv[1]
TMP = tempfile.mkdtemp()
READ = {
    "csv": (".csv", lambda p: readers.read_csv(p)),
    "jsonl": (".jsonl", lambda p: readers.read_jsonl(p)),
    "json": (".json", lambda p: readers.read_json_records(p)),
    "ft-json": (".json", lambda p: france_travail.read_dump(p)),
    "rncp-xml": (".xml", lambda p: rncp.read_fiches(p)),
    "lheo-xml": (".xml", lambda p: lheo.read_offers(p)),
}[TARGET]
PATH = os.path.join(TMP, "input" + READ[0])

def one(data: bytes):
    with open(PATH, "wb") as fh:
        fh.write(data)
    try:
        for _ in READ[1](PATH):
            pass
    except InputError:
        pass

atheris.Setup([sys.argv[0], f"-runs={sys.argv[2]}", "-max_len=2048", "-timeout=10", "-rss_limit_mb=2048"], one)
atheris.Fuzz()
'''


@pytest.mark.parametrize("target", ["csv", "jsonl", "json", "ft-json", "rncp-xml", "lheo-xml"])
def test_atheris_reader(tmp_path, target):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", HARNESS, target, str(RUNS)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Done" in proc.stderr and f"{RUNS} runs" in proc.stderr or "DONE" in proc.stderr, proc.stderr[-1000:]
