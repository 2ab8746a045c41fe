"""`adequa skills emerging` through the real command line app."""

import csv
import io
import json

from typer.testing import CliRunner

from adequa.cli import app
from tests.test_emerging_indicators import _fixture_ads, build

runner = CliRunner()
ARGS = ["skills", "emerging", "--group", "data-ia", "--territory", "region:28", "--from", "2024Q1", "--to", "2025Q1"]


def test_help_has_an_example():
    res = runner.invoke(app, ["skills", "emerging", "--help"])
    assert res.exit_code == 0
    assert "Example: adequa skills emerging" in res.output and "--db" in res.output


def test_json_and_csv_outputs(db_path):
    build(db_path)
    res = runner.invoke(app, [*ARGS, "--db", str(db_path), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["emerging_rising_skills"]["rows"][0]["skill"] == "100001"
    assert doc["emerging_falling_skills"]["rows"][0]["skill"] == "100003"
    assert "missing" in doc["emerging_new_terms"]
    assert doc["emerging_rising_skills"]["provenance"]["filters"]["territory"] == "region:28"
    res = runner.invoke(app, [*ARGS, "--db", str(db_path), "--format", "csv", "--show", "rising,falling"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert [(r["section"], r["skill"]) for r in rows] == [("emerging_rising_skills", "100001"),
                                                          ("emerging_falling_skills", "100003")]


def test_table_output_and_discovery_without_taxonomy(db_path, fixtures, monkeypatch, tmp_path):
    from adequa.config import get_settings
    from adequa.store.duckdb import Warehouse

    monkeypatch.setenv("ADEQUA_MIRROR", str(tmp_path / "nothing"))
    monkeypatch.setenv("ADEQUA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    ads = _fixture_ads(fixtures)
    with Warehouse(db_path) as wh:
        wh.upsert("ads", ads, key=["ad_id"])
        wh.upsert("ad_occupations", [{"ad_id": a["ad_id"], "rome": "M1811"} for a in ads], key=["ad_id"])
    try:
        res = runner.invoke(app, [*ARGS, "--db", str(db_path), "--discover", "--show", "new"])
    finally:
        get_settings.cache_clear()
    assert res.exit_code == 0, res.output
    assert "Zorblax, ZorBlax, zorblax" in res.output, res.output
    assert "Nouvelles compétences" in res.output and "scanned 120 ads" in res.output


def test_user_errors_are_messages_not_tracebacks(db_path):
    build(db_path)
    res = runner.invoke(app, [*ARGS, "--db", str(db_path), "--format", "xml"])
    assert res.exit_code != 0 and isinstance(res.exception, Exception)
    assert "unknown format" in str(res.exception)
    res = runner.invoke(app, [*ARGS, "--db", str(db_path), "--show", "rising,bogus"])
    assert "unknown section bogus" in str(res.exception)


def test_every_emerging_indicator_option_and_flag_is_documented():
    from pathlib import Path

    from adequa.indicators import list_indicators

    text = (Path(__file__).resolve().parents[1] / "docs" / "emerging.md").read_text(encoding="utf-8")
    defs = list_indicators("emerging")
    assert {d.name for d in defs} == {"emerging_rising_skills", "emerging_falling_skills", "emerging_new_terms",
                                      "emerging_occupation_drift"}
    missing = [d.name for d in defs if f"`{d.name}`" not in text]
    missing += [f"{d.name}:{o}" for d in defs for o in d.options if f"`{o}`" not in text and f"`--{o}`" not in text
                and f"`--{o.replace('_', '-')}`" not in text]
    assert not missing, f"not in docs/emerging.md: {missing}"
    res = runner.invoke(app, ["skills", "emerging", "--help"], env={"COLUMNS": "200"})
    import re

    flags = set(re.findall(r"--[a-z][a-z-]+", res.output)) - {"--help"}
    undocumented = [f for f in flags if not re.search("`" + re.escape(f) + "[` ]", text)]
    assert len(flags) >= 10 and not undocumented, undocumented
