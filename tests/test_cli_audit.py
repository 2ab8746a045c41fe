"""A demanding user's audit of the command line: help that teaches, clear errors, stable outputs."""

from __future__ import annotations

import pytest
import typer.main
from rich.text import Text

from adequa.cli import app

# Commands owned by other areas whose help still loses text to Rich markup (reported, not ours to edit).
KNOWN_ELSEWHERE: set[str] = set()


def _walk(cmd, path: tuple[str, ...] = ()):
    yield path, cmd
    if hasattr(cmd, "commands"):  # a group (Typer vendors its own click)
        for name in sorted(cmd.commands):
            yield from _walk(cmd.commands[name], path + (name,))


def _all_commands():
    return list(_walk(typer.main.get_command(app)))


def _lost_to_markup(text: str) -> bool:
    """Rich markup ("rich" mode) silently drops `[word ...]`: the help shown would differ from the help written."""
    return Text.from_markup(text).plain != text.replace("\\[", "[")


def test_help_text_is_not_swallowed_by_rich_markup():
    lost = []
    for path, cmd in _all_commands():
        where = " ".join(path)
        if where in KNOWN_ELSEWHERE:
            continue
        if cmd.help and _lost_to_markup(cmd.help):
            lost.append(f"{where}: docstring")
        for p in cmd.params:
            h = getattr(p, "help", None)
            if h and _lost_to_markup(h):
                lost.append(f"{where} {p.opts[0]}: {h!r}")
    assert not lost, "help text hidden by Rich markup (write '(default: …)' or '\\['):\n" + "\n".join(lost)


def test_every_leaf_command_teaches_with_an_example():
    missing = [" ".join(path) for path, cmd in _all_commands()
               if path and not hasattr(cmd, "commands") and "Example:" not in (cmd.help or "")]
    assert not missing, f"commands without an 'Example:' in --help: {missing}"


def test_help_paragraphs_after_the_first_are_not_hard_wrapped():
    """Typer's rich mode keeps single line breaks after the first paragraph: a docstring wrapped at 100
    columns shows ragged lines in an 80-column terminal."""
    ragged = []
    for path, cmd in _all_commands():
        if " ".join(path) in KNOWN_ELSEWHERE:
            continue
        for para in (cmd.help or "").split("\n\n")[1:]:
            lines = [ln for ln in para.strip().splitlines() if ln.strip()]
            if len(lines) > 1 and not all(ln.strip().startswith(("Example", "\b")) for ln in lines):
                ragged.append(f"{' '.join(path)}: {lines[0][:60]!r}")
    assert not ragged, "\n".join(ragged)


@pytest.mark.parametrize("args, field, words", [
    (["--skip", "referentials,enrichh"], "--skip", "'enrichh'"),
    (["--engine", "dukdb"], "--engine", "'dukdb'"),
    (["--engine", "spark", "--skip", "study"], "--skip", "adequa spark run"),
    (["--territory", "region:99"], "territory", "'99'"),
    (["--period", "2024Q5"], "period", "'2024Q5'"),
    (["--group", "no-such-group"], "group", "'no-such-group'"),
])
def test_run_refuses_bad_stage_and_engine_before_doing_anything(tmp_path, args, field, words):
    """A typo in --skip used to be ignored silently (every stage ran, referentials included)."""
    from typer.testing import CliRunner

    from adequa.errors import InputError

    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(app, ["run", "--db", str(db), "--out", str(tmp_path / "study"), *args])
    assert isinstance(result.exception, InputError), result.output
    assert result.exception.field == field
    assert words in str(result.exception)
    assert not db.exists() and not (tmp_path / "study").exists()


def _ads_warehouse(path, rows):
    from adequa.store.duckdb import Warehouse

    with Warehouse(path) as wh:
        wh.upsert("ads", [dict(ad_id=a, source="test", title="t", description="d", created_at=c, source_rome="M1811",
                               departement="14", region="28", bassin="1401", commune="14001")
                          for a, c in rows], key=["ad_id"])


def test_empty_period_says_which_period_the_ads_cover(tmp_path):
    """`indicators compute … --period 2024` on ads of 2026 used to print only `rows used: 0`."""
    from typer.testing import CliRunner

    db = tmp_path / "w.duckdb"
    _ads_warehouse(db, [(f"x{i}", f"2026-0{1 + i % 3}-1{i}") for i in range(6)] + [("y", "2025-11-30")])
    runner = CliRunner()
    empty = runner.invoke(app, ["indicators", "compute", "offers_count", "--territory", "region:28",
                                "--period", "2024", "--db", str(db)], terminal_width=200)
    assert empty.exit_code == 0, empty.output + repr(empty.exception)
    assert "rows used: 0" in empty.output
    assert "7 ads were posted from 2025-11-30 to 2026-03-15" in " ".join(empty.output.split())
    as_json = runner.invoke(app, ["indicators", "compute", "offers_count", "--territory", "region:28",
                                  "--period", "2024", "--format", "json", "--db", str(db)], terminal_width=200)
    import json

    assert json.loads(as_json.stdout)["provenance"]["rows"] == 0      # the note goes to stderr, not into the JSON
    assert "2025-11-30 to 2026-03-15" in " ".join(as_json.stderr.split())
    full = runner.invoke(app, ["indicators", "compute", "offers_count", "--territory", "region:28",
                               "--period", "2026", "--db", str(db)], terminal_width=200)
    assert full.exit_code == 0, full.output + repr(full.exception)
    assert "rows used: 6" in full.output and "posted from" not in full.output


def test_run_stages_say_what_they_skipped(tmp_path, monkeypatch):
    """`adequa run` used to print only "✓ statistics (67 s)": absent inputs were not named."""
    import io

    from rich.console import Console

    from adequa.config import get_settings
    from adequa.pipeline import run as run_mod

    root = tmp_path / "data"
    (root / "labour").mkdir(parents=True)
    buf = io.StringIO()
    monkeypatch.setattr(run_mod, "console", Console(file=buf, width=300))
    settings = get_settings().model_copy(update={"db": tmp_path / "w.duckdb"})
    run_mod._statistics(settings, root)
    run_mod._training(settings, root)
    out = buf.getvalue()
    for kind in ("bmo", "job-seekers", "census"):
        assert f"skipped {kind}: no file under {root / 'labour'}" in out
    assert f"rncp: no file under {root / 'training' / 'rncp'}" in out
    assert f"lheo: no file under {root / 'training' / 'lheo'}" in out


@pytest.mark.parametrize("args, field", [
    (["--period", "2024Q5"], "period"), (["--lang", "de"], "--lang"), (["--territory", "region:99"], "territory"),
    (["--group", "no-such-group"], "group"), ([], None),
])
def test_study_refuses_bad_options_before_creating_the_out_folder(tmp_path, args, field):
    """`adequa study` used to create OUT/data and OUT/figures, then fail on a typo (or a missing warehouse)."""
    from typer.testing import CliRunner

    from adequa.errors import AdequaError, InputError

    db = tmp_path / "w.duckdb"
    if field is not None:
        _ads_warehouse(db, [("x1", "2026-01-10")])
    out = tmp_path / "study"
    result = CliRunner().invoke(app, ["study", "--db", str(db), "--out", str(out), "--no-pdf", "--no-png", *args])
    assert isinstance(result.exception, AdequaError), result.output
    if field is None:
        assert "no warehouse here yet" in str(result.exception)
    else:
        assert isinstance(result.exception, InputError) and result.exception.field == field
    assert not out.exists()


def test_training_table_leaves_out_columns_empty_in_every_row(capsys):
    """16 columns in an 80-column terminal folded every cell to two letters; csv/json keep them all."""
    from adequa.cli.training import _emit
    from adequa.indicators.base import IndicatorResult
    from adequa.model.provenance import Provenance

    cols = ["niveau", "numero", "intitule", "institution", "sessions", "places"]
    rows = [{"niveau": 6, "numero": "RNCP1", "intitule": "Data analyst", "institution": None, "sessions": None,
             "places": 12},
            {"niveau": 7, "numero": "RNCP2", "intitule": "Data scientist", "institution": "", "sessions": None,
             "places": None}]
    result = IndicatorResult(name="training_supply", title="Offre", unit="certifications", value=2, rows=rows,
                             columns=cols, provenance=Provenance(source="certifications"), group="data-ia",
                             territory="region:28")
    _emit(result, "table")
    out = " ".join(capsys.readouterr().out.split())
    assert "Data scientist" in out and "RNCP2" in out
    assert "not shown: institution, sessions" in out
    assert "places" in out.split("not shown")[0]          # a column with one value stays
    _emit(result, "csv")
    assert capsys.readouterr().out.splitlines()[0] == ",".join(cols)


def test_training_rejects_on_a_missing_warehouse_is_a_clear_error(tmp_path):
    from typer.testing import CliRunner

    from adequa.errors import AdequaError

    result = CliRunner().invoke(app, ["training", "rejects", "--db", str(tmp_path / "none.duckdb")])
    assert isinstance(result.exception, AdequaError), repr(result.exception)   # was a raw duckdb.IOException
    assert "no warehouse here yet" in str(result.exception)
    _ads_warehouse(tmp_path / "w.duckdb", [("x1", "2026-01-10")])
    ok = CliRunner().invoke(app, ["training", "rejects", "--db", str(tmp_path / "w.duckdb")])
    assert ok.exit_code == 0, ok.output + repr(ok.exception)
    assert "0 reject(s) shown" in ok.output


def test_emerging_empty_section_is_one_line_not_a_folded_table(capsys):
    from adequa.cli.emerging import _print
    from adequa.indicators.base import IndicatorResult
    from adequa.model.provenance import Provenance

    empty = IndicatorResult(name="emerging_rising_skills", title="Compétences en hausse", unit="skills",
                            provenance=Provenance(source="ads"), notes=["no ads in 2025"], group="data-ia",
                            territory="france", period="2025..2026")
    full = IndicatorResult(name="emerging_falling_skills", title="Compétences en baisse", unit="skills",
                           rows=[{"rank": 1, "label": "Cobol", "skill": "100001", "ads_from": 9, "ads_to": 1}],
                           provenance=Provenance(source="ads"), group="data-ia", territory="france",
                           period="2025..2026")
    _print({"emerging_rising_skills": empty, "emerging_falling_skills": full}, "table")
    out = capsys.readouterr().out
    assert "Compétences en hausse — data-ia, france, 2025..2026: no rows" in out
    assert "no ads in 2025" in out
    before_falling = out.split("Compétences en baisse")[0]
    assert "┏" not in before_falling                     # no table drawn for the empty section
    assert "Cobol" in out and "ads_from" in out


def test_api_unknown_path_says_where_the_endpoints_are(tmp_path):
    """GET /api/v1 (the README's address of the API) answered only "Not Found"."""
    import httpx

    from adequa.config import Settings
    from adequa.publish.api import create_app
    from test_api_security import Server, _fixture_warehouse

    db = tmp_path / "w.duckdb"
    _fixture_warehouse(db)
    with Server(create_app(db, settings=Settings(db=db), warm_up=False)) as server, \
            httpx.Client(base_url=server.url, timeout=30) as client:
        r = client.get("/api/v1")
        assert r.status_code == 404
        err = r.json()["error"]
        assert err["type"] == "not_found" and "/api/v1" in err["message"] and "/docs" in err["message"]
        r = client.get("/api/v1/indicators/no_such_indicator")         # a known route keeps its own message
        assert r.status_code == 404 and "no_such_indicator" in r.json()["error"]["message"]


OWN_DOCS = ["README.md"] + [f"docs/{n}.md" for n in ("index", "configuration", "indicators", "publish", "training",
                                                      "emerging", "referentials", "crosswalks", "reliability",
                                                      "occupations")]


def _doc_commands():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for name in OWN_DOCS:
        for n, raw in enumerate((root / name).read_text(encoding="utf-8").splitlines(), 1):
            for seg in re.findall(r"(?:^|`|\$ |;|&&)\s*(adequa [^`;&|#]*)", raw):
                if "…" in seg:
                    continue
                yield f"{name}:{n}", re.sub(r"\[--.*?\]", "", seg).strip().rstrip(".,:)")


def test_commands_quoted_in_readme_and_docs_exist_with_their_options():
    import shlex

    root = typer.main.get_command(app)
    wrong, checked = [], 0
    for where, line in _doc_commands():
        try:
            toks = shlex.split(line)[1:]
        except ValueError:
            continue
        cmd, path = root, []
        while toks and hasattr(cmd, "commands") and not toks[0].startswith("-"):
            if toks[0] not in cmd.commands:
                wrong.append(f"{where}: no command `adequa {' '.join(path + [toks[0]])}`")
                break
            path.append(toks[0])
            cmd = cmd.commands[toks.pop(0)]
        else:
            if hasattr(cmd, "commands"):
                continue
            checked += 1
            opts = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
            bad = [t.split("=")[0] for t in toks if t.startswith("-") and t != "-" and t.split("=")[0] not in opts]
            if bad:
                wrong.append(f"{where}: `adequa {' '.join(path)}` has no option {', '.join(bad)}")
    assert checked > 20, checked                     # the scan does find the README's tour
    assert not wrong, "\n".join(wrong)
