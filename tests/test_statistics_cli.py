"""`adequa ingest census | pcs-fap | job-seekers` with the publishers' layouts, end to end through the CLI:
referentials pulled from the fixtures (their FAP-2009 ; PCS table maps 388a → M2Z90, 478a → M1Z80),
a fichier détail loaded, FAP rows derived, an indicator computed."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adequa.cli import app
from adequa.errors import InputError

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures"
STATS = FIXTURES / "statistics"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    db = tmp / "w.duckdb"
    r = runner.invoke(app, ["data", "pull", "--from", str(FIXTURES / "referentials"), "--data-dir", str(tmp / "data"),
                            "--db", str(db)])
    assert r.exit_code == 0, r.output
    return db


def test_census_fichier_detail_then_indicator(db):
    r = runner.invoke(app, ["ingest", "census", str(STATS / "FD_MOBPRO_2015.csv"), "--db", str(db), "-q"])
    assert r.exit_code == 0, r.output
    assert "insee-rp-fd-2021/work" in r.output and "pcs2003 → fap2009" in r.output
    r = runner.invoke(app, ["indicators", "compute", "workers_count", "--group", "data-ia", "--territory", "region:28",
                            "--period", "2015", "--min-cell-size", "1", "--format", "json", "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["value"] == 7          # 388a 2.5 + 1.5, 478a 3.0 (tests/test_census_layouts.py)


def test_job_seekers_series_and_user_errors(db):
    r = runner.invoke(app, ["ingest", "job-seekers", str(STATS / "defm_series_2024T1.csv"), "--db", str(db), "-q"])
    assert r.exit_code == 0 and "stmt-defm-series-2024" in r.output, r.output
    r = runner.invoke(app, ["ingest", "job-seekers", str(STATS / "defm_series_2024T1.csv"), "--layout", "bogus",
                            "--db", str(db), "-q"])
    assert isinstance(r.exception, InputError) and "bogus" in str(r.exception)
    r = runner.invoke(app, ["ingest", "census", str(STATS / "BTT_TD_ACT_2021.csv"), "--levels", "canton",
                            "--db", str(db), "-q"])
    assert isinstance(r.exception, InputError) and "canton" in str(r.exception)
    r = runner.invoke(app, ["ingest", "pcs-fap", str(STATS / "pcs2020_fap2021.csv"), "--pcs", "pcs2030",
                            "--db", str(db), "-q"])
    assert isinstance(r.exception, InputError) and r.exception.field == "--pcs"


def test_pcs_fap_table_then_pcs2020_census(db):
    r = runner.invoke(app, ["ingest", "pcs-fap", str(STATS / "pcs2020_fap2021.csv"), "--db", str(db), "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["ingest", "census", str(STATS / "BTT_TD_ACT_2021.csv"), "--db", str(db), "-q"])
    assert r.exit_code == 0 and "pcs2020 → fap2021" in r.output, r.output
    r = runner.invoke(app, ["indicators", "compute", "workers_count", "--group", "fap2021:M2X", "--territory",
                            "region:28", "--period", "2021", "--min-cell-size", "1", "--format", "json", "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["value"] == pytest.approx(7.5)    # 388a 4 + 2, 388c 3 / 2 (equal split)


def test_tension_table_gives_job_seekers(db):
    r = runner.invoke(app, ["ingest", "tension", str(STATS / "tension_job_seekers_2019_2020.csv"), "--db", str(db),
                            "-q"])
    assert r.exit_code == 0, r.output
    assert "job seekers (cat. ABC) → table job_seekers" in r.output and "2019, 2020" in r.output
    r = runner.invoke(app, ["indicators", "compute", "job_seekers_count", "--group", "rome:M1805", "--territory",
                            "region:28", "--period", "2020", "--format", "json", "--db", str(db)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["value"] == 80 and "Mobiville" in out["provenance"]["source"]      # 40 + 15 + 25
