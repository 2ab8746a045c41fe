"""`make bench` prints its table into logs: a measure's name must not be cut into narrow columns."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_bench_table_keeps_each_measure_on_one_line_in_a_log():
    name = "adequa annotate, the real ads alone (each line analysed once), 2 workers, wall incl. start-up"
    code = ("from bench._harness import print_table, Measure; "
            f"print_table([Measure('annotate', {name!r}, 435.1, 'ads/s', 410.9, 'a baseline')])")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "COLUMNS": "80", "PYTHONPATH": str(REPO)}).stdout
    assert any(name in line and "1.06×" in line for line in out.splitlines())
