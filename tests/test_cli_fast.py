"""`adequa annotate` parsed without Typer (adequa.cli._fast): same options, same values, same run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adequa.cli import _fast

FIXTURE = Path(__file__).parent / "fixtures" / "skills"


def _typer_params():
    import typer.main

    from adequa.cli import app

    return typer.main.get_command(app).commands["annotate"].params


def test_the_table_is_the_typer_commands_options():
    params = _typer_params()
    table: dict[str, set] = {}
    for opt, (param, kind) in _fast.ANNOTATE_OPTIONS.items():
        table.setdefault(param, set()).add((opt, kind))
    assert set(table) == {p.name for p in params}
    for p in params:
        kind = "flag" if p.is_flag else "many" if p.multiple else "value"
        assert table[p.name] == {(o, kind) for o in p.opts}, p.name
        assert not p.secondary_opts
        assert (p.name in _fast.ANNOTATE_REQUIRED) == p.required, p.name
        if not p.required:
            assert _fast.ANNOTATE_DEFAULTS[p.name] == p.default, p.name


@pytest.mark.parametrize("args, expected", [
    (["-i", "a.jsonl", "-o", "b.jsonl"], {"input": Path("a.jsonl"), "output": Path("b.jsonl")}),
    (["--input=a", "--output", "-", "-q", "--workers", "2", "--lang=auto", "--exact-only"],
     {"input": Path("a"), "output": Path("-"), "quiet": True, "workers": 2, "lang": "auto", "exact_only": True}),
    (["-t", "x.csv", "--input", "-", "--taxonomy=y.tsv", "-o", "o"],
     {"input": Path("-"), "output": Path("o"), "taxonomy": [Path("x.csv"), Path("y.tsv")]}),
])
def test_plain_command_lines_are_parsed(args, expected):
    assert _fast.annotate_args(args) == {**_fast.ANNOTATE_DEFAULTS, **expected}


@pytest.mark.parametrize("args", [
    [], ["-i", "a"], ["--help"], ["-i", "a", "-o", "b", "--help"], ["-i", "a", "-o", "b", "--unknown"],
    ["-i", "a", "-o", "b", "-i", "c"], ["-i", "a", "-o", "b", "-q", "-q"], ["-i", "a", "-o"],
    ["-i", "a", "-o", "b", "--workers", "two"], ["-i", "a", "-o", "b", "--workers", "-1"],
    ["-i", "a", "-o", "b", "--workers", "+2"], ["-ia", "-o", "b"], ["-i", "a", "-o", "-x"],
    ["-i", "a", "-o", "b", "--quiet=yes"], ["-i", "a", "-o", "b", "--"], ["-i", "a", "-o", "b", "extra"],
])
def test_anything_else_is_left_to_typer(args):
    assert _fast.annotate_args(args) is None
    assert _fast.run(["annotate", *args]) is False


def test_both_paths_run_the_command_with_the_same_values(monkeypatch):
    from typer.testing import CliRunner

    from adequa.cli import app

    calls = []
    monkeypatch.setattr(_fast, "annotate_command", lambda *a, **kw: calls.append((a, kw)))
    for args in (["-i", "a.jsonl", "-o", "b.jsonl"],
                 ["--input", "a", "--output=-", "-q", "--workers", "3", "--lang", "en", "-t", "x", "-t", "y",
                  "--exact-only"]):
        calls.clear()
        assert _fast.run(["annotate", *args]) is True
        result = CliRunner().invoke(app, ["annotate", *args])
        assert result.exit_code == 0, result.output
        (fa, fkw), (ta, tkw) = calls
        sig = ("input", "output")
        assert {**dict(zip(sig, ta)), **tkw} == {**dict(zip(sig, fa)), **fkw}


def test_annotate_runs_without_typer_rich_or_pydantic(tmp_path):
    ads = tmp_path / "ads.jsonl"
    ads.write_text('{"id": "a", "description": "Missions : préparation des commandes"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "ADEQUA_MIRROR": str(FIXTURE / "mirror"), "ADEQUA_DATA_DIR": str(tmp_path / "absent"),
           "ADEQUA_CACHE_DIR": str(tmp_path / "cache")}
    code = ("import sys\nfrom adequa.cli import main\n"
            f"sys.argv = ['adequa', 'annotate', '-i', {str(ads)!r}, '-o', {str(out)!r}, '-q']\n"
            "try:\n    main()\nfinally:\n"
            "    print(sorted(m for m in ('typer', 'click', 'rich') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert [m["text"] for m in json.loads(out.read_text(encoding="utf-8"))["skills"]] == ["préparation des commandes"]
    # and the same command through Typer (an option the fast path leaves to it) writes the same
    again = tmp_path / "again.jsonl"
    proc = subprocess.run([sys.executable, "-m", "adequa", "annotate", "-i", str(ads), "-o", str(again), "-qi", str(ads)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert again.read_bytes() == out.read_bytes()


def test_errors_and_help_are_typers(tmp_path):
    env = {**os.environ, "ADEQUA_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "adequa", "annotate", "-i", str(tmp_path / "none.jsonl"), "-o", "x", "-q"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "input file not found" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "adequa", "annotate", "--help"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and "--exact-only" in proc.stdout
