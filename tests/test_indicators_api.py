"""The indicators API: periods, groups and territories as data, confidentiality rules, registry, CLI, docs."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from adequa.errors import InputError
from adequa.indicators import (Context, IndicatorDefinition, IndicatorResult, Period, get_group, get_territory,
                               list_indicators, register, registry)
from adequa.indicators.base import growth, share
from adequa.indicators.groups import load_groups

DOCS = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"


def test_periods():
    q = Period.parse("2024-T1")
    assert (q.label, q.start, q.end, q.kind) == ("2024Q1", date(2024, 1, 1), date(2024, 4, 1), "quarter")
    assert q.previous().label == "2023Q1" and q.shift(months=3).label == "2024Q2"
    r = Period.parse("2019Q1..2024Q1")
    assert (r.start, r.end) == (date(2019, 1, 1), date(2024, 4, 1)) and r.years == [2019, 2020, 2021, 2022, 2023, 2024]
    assert Period.parse("2024-12").end == date(2025, 1, 1)
    assert Period.parse("2024").quarters == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    for bad in ("2024Q5", "24", "2024Q2..2023Q1"):
        with pytest.raises(InputError):
            Period.parse(bad)


def test_groups_ship_with_the_study_scope():
    g = get_group("data-ia")
    assert {"M1811", "M1405", "M1419"} <= set(g.rome) and "M2Z" in g.fap2009
    assert g.domain_of("M1889") == "IA / Machine learning" and g.domain_of("A1101") is None
    assert g.has_rome("M1811") and not g.has_rome("M1805")
    info = get_group("informatique")
    assert info.has_rome("M1805") and info.has_fap2021("M2X90")          # prefixes
    adhoc = get_group("fap2021:M2X90,M1X80")
    assert adhoc.fap2021 == ("M2X90", "M1X80") and not adhoc.rome


def test_user_group_files(tmp_path, monkeypatch):
    (tmp_path / "mine.yaml").write_text("id: cyber\nlabel: Cybersécurité\nrome: [M1812, M1817, M1819]\n",
                                        encoding="utf-8")
    monkeypatch.setenv("ADEQUA_GROUPS_DIR", str(tmp_path))
    assert get_group("cyber").rome == ("M1812", "M1817", "M1819")
    (tmp_path / "bad.yaml").write_text("id: bad\nlabel: x\nrome: [M18!]\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_groups()
    assert err.value.field == "rome" and "bad.yaml" in str(err.value)
    (tmp_path / "bad.yaml").write_text("id: bad\nlabel: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_groups()
    assert err.value.line is not None and "invalid YAML" in str(err.value)
    with pytest.raises(InputError):
        get_group("no-such-group")


def test_territories():
    t = get_territory("region:28")
    assert (t.level, t.code, t.label) == ("region", "28", "Normandie")
    assert get_territory("dep:2A").label == "Corse-du-Sud" and get_territory("departement:9").code == "09"
    assert get_territory("France").level == "france"
    custom = get_territory("normandie-ouest")
    assert custom.level == "departement" and custom.codes == ("14", "50", "61")
    assert custom.predicate({"departement": "d"}) == "d IN ('14', '50', '61')"
    assert "geo_communes" in get_territory("zone_emploi:2801").predicate({"commune": "c"})
    with pytest.raises(InputError):
        get_territory("region:99")
    with pytest.raises(InputError):
        get_territory("canton:12")
    from adequa.indicators.territories import TerritoryUnavailable

    with pytest.raises(TerritoryUnavailable):
        get_territory("bassin:2801").predicate({"region": "r"})


def _ctx(min_cell_size=5):
    return Context(con=duckdb.connect(), group=get_group("data-ia"), territory=get_territory("france"), period=None,
                   min_cell_size=min_cell_size)


def test_primary_and_secondary_suppression():
    ctx = _ctx(5)
    rows = [{"k": "a", "n": 3, "s": 10.0}, {"k": "b", "n": 7, "s": 23.0}, {"k": "c", "n": 20, "s": 67.0}]
    ctx.protect(rows, count="n", values=["s"], label="k")
    assert rows[0]["n"] is None and rows[0]["s"] is None       # primary
    assert rows[1]["n"] is None                                  # secondary: the next smallest
    assert rows[2]["n"] == 20
    assert len(ctx._cache["suppressed"]) == 2 and "secondary" in ctx._cache["suppressed"][1]
    ctx2 = _ctx(5)
    two = [{"k": "a", "n": 3}, {"k": "b", "n": 1}, {"k": "c", "n": 9}]
    ctx2.protect(two, count="n", label="k")
    assert [r["n"] for r in two] == [None, None, 9]                # two small cells protect each other
    assert ctx2.publishable(4, "x") is None and ctx2.publishable(5, "x", value=1.5) == 1.5


def test_share_and_growth_handle_zero():
    assert share(1, 0) is None and share(None, 3) is None and share(1, 3) == 33.3
    assert growth(5, 0) is None and growth(15, 10) == 50.0


def test_registering_an_indicator_from_another_module():
    def compute(ctx):
        return ctx.result(defn, value=42, rows=[{"x": 1}], sources=["ads"], rows_used=1)

    defn = register(IndicatorDefinition(name="test_answer", title="t", title_en="t", definition="d", unit="u",
                                        inputs=("ads",), section="gaps", compute=compute))
    try:
        r = defn.compute(_ctx())
        assert isinstance(r, IndicatorResult) and r.value == 42 and r.provenance.filters["group"] == "data-ia"
        assert "test_answer" in registry()
        with pytest.raises(ValueError):
            IndicatorDefinition(name="Bad Name", title="t", title_en="t", definition="d", unit="u", inputs=(),
                                section="offers", compute=compute)
    finally:
        from adequa.indicators import base

        base._REGISTRY.pop("test_answer", None)


def test_cli_commands(tmp_path, fixtures):
    from typer.testing import CliRunner

    from adequa.cli import app

    runner = CliRunner()
    db = tmp_path / "w.duckdb"
    res = runner.invoke(app, ["ingest", "bmo", str(fixtures / "stats" / "bmo_2024.csv"), "--db", str(db), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["indicators", "compute", "bmo_projects", "--territory", "region:28", "--db", str(db),
                              "--format", "json", "--min-cell-size", "1"])
    assert res.exit_code == 0, res.output
    import json

    out = json.loads(res.output)
    assert out["value"] == 480 and out["provenance"]["source"] == "bmo"
    res = runner.invoke(app, ["indicators", "compute", "bmo_by_departement", "--territory", "region:28", "--db",
                              str(db), "--format", "csv"])
    assert res.output.splitlines()[0] == "code,label,projects,share,difficult,difficult_share"
    res = runner.invoke(app, ["indicators", "list", "--section", "bmo", "--format", "json"])
    assert {d["name"] for d in json.loads(res.output)} >= {"bmo_projects", "bmo_difficult_share"}
    res = runner.invoke(app, ["indicators", "territories", "--level", "custom", "--format", "csv"])
    assert "normandie-ouest" in res.output
    res = runner.invoke(app, ["indicators", "compute", "bmo_projects", "--format", "xml", "--db", str(db)])
    assert res.exit_code != 0


def test_every_indicator_and_command_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    mine = {"workers", "job_seekers", "offers", "bmo", "skills", "tension"}
    missing = [d.name for d in list_indicators() if d.section in mine and f"`{d.name}`" not in text]
    assert not missing, f"not in docs/indicators.md: {missing}"
    for cmd in ("indicators list", "indicators compute", "indicators groups", "indicators territories",
                "indicators refresh", "ingest bmo", "ingest job-seekers", "ingest census", "ingest tension"):
        assert f"adequa {cmd}" in text, cmd
