"""Figures, charts, maps and exports: the rendering pieces, on hand-made indicator results."""

import csv
import importlib.util
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from adequa.indicators.base import IndicatorResult
from adequa.model import Provenance
from adequa.publish import charts, exports, renderers
from adequa.publish.figures import figure_from_result, format_number, missing_text
from adequa.publish.maps import choropleth_spec, load_shapes

FIX = Path(__file__).parent / "fixtures" / "publish"


def _sample():
    spec = importlib.util.spec_from_file_location("sample_indicators", FIX / "sample_indicators.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return {d.name: d for d in mod.definitions()}


def _fig(name, lang="fr"):
    d = _sample()[name]
    try:
        return figure_from_result(d, d.compute(None), lang=lang)
    except Exception as exc:
        return figure_from_result(d, error=exc, lang=lang)


def test_french_number_typography():
    assert format_number(1234567) == "1\u202f234\u202f567"
    assert format_number(12.5, unit="%") == "12,5\u00a0%"
    assert format_number(1234.5, lang="en") == "1,234"  # 0 decimals above 1000
    assert format_number(None) == "–"
    assert format_number(float("nan")) == "–"


def test_chart_kind_follows_the_shape_of_the_rows():
    assert _fig("t_offers_by_departement").chart == "map"
    monthly = _fig("t_offers_monthly")
    assert (monthly.chart, monthly.category, monthly.measure) == ("line", "month", "value")
    skills = _fig("t_top_skills")
    assert skills.chart == "bar" and skills.category == "skill" and skills.measure == "ads"
    assert _fig("t_offers_count").chart == "kpi"


def test_missing_empty_and_broken_indicators_say_why():
    bmo = _fig("t_bmo_projects")
    assert bmo.status == "missing" and "adequa ingest bmo" in bmo.reason
    assert missing_text(bmo.reason).startswith("Données non disponibles : no data in table 'bmo'")
    assert _fig("t_training_programmes").status == "missing"
    assert "ZeroDivisionError" in _fig("t_gap_broken").reason or "division" in _fig("t_gap_broken").reason


def test_source_line_and_withheld_cells():
    f = _fig("t_offers_by_departement")
    assert f.source_line == "Source : France Travail, offres d'emploi, 2024, traitement Adequa"
    assert _fig("t_offers_by_departement", "en").source_line.endswith("Adequa processing")
    assert any("non diffusée" in n for n in f.notes)


def test_bar_chart_renders_to_svg_with_the_data_labels():
    fig = _fig("t_top_skills")
    svg = charts.render(charts.chart_spec(fig), "svg")
    assert svg.lstrip().startswith("<svg") and "Python" in svg and "Apache Spark" in svg
    # at most MAX_BARS categories are drawn (the table keeps all rows)
    assert "NoSQL" not in svg or len(fig.rows) <= charts.MAX_BARS
    png = charts.render(charts.chart_spec(fig), "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_choropleth_joins_shapes_on_code_and_marks_missing_territories():
    fig = _fig("t_offers_by_departement")
    square = lambda x: {"type": "Polygon", "coordinates": [[[x, 49], [x + 1, 49], [x + 1, 50], [x, 50], [x, 49]]]}
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": c, "nom": n}, "geometry": square(i)}
        for i, (c, n) in enumerate([("76", "Seine-Maritime"), ("14", "Calvados"), ("99", "Nulle part")])]}
    spec = choropleth_spec(fig, geo)
    svg = charts.render(spec, "svg")
    assert "412" in svg and "305" in svg          # values printed on their shapes
    assert "Pas de donnée" in svg                 # the shape without a row
    assert load_shapes(None, "departement", ["76"], root=None) is None


@pytest.mark.mirror
def test_department_shapes_from_the_geography_files(mirror):
    geo = load_shapes(None, "departement", ["14", "27", "50", "61", "76"], root=mirror)
    assert sorted(f["properties"]["code"] for f in geo["features"]) == ["14", "27", "50", "61", "76"]


def test_exports_round_trip():
    rows = [{"code": "76", "label": "Seine-Maritime", "value": 412}, {"code": "14", "label": "Calvados", "value": None}]
    text = exports.to_csv(rows).decode("utf-8-sig")
    back = list(csv.DictReader(io.StringIO(text)))
    assert back == [{"code": "76", "label": "Seine-Maritime", "value": "412"},
                    {"code": "14", "label": "Calvados", "value": ""}]
    table = pq.read_table(io.BytesIO(exports.to_parquet(rows)))
    assert table.column("value").to_pylist() == [412, None]
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(exports.to_xlsx(rows, source="Source : test")))
    values = list(wb.active.values)
    assert values[0] == ("code", "label", "value") and values[1] == ("76", "Seine-Maritime", 412)
    assert values[-1][0] == "Source : test"
    with pytest.raises(ValueError, match="csv"):
        exports.export(rows, None, "docx")


def test_renderers_registry_names_its_formats():
    fig = _fig("t_top_skills")
    data, media, name = renderers.render_figure(fig, "csv")
    assert name == "t_top_skills.csv" and media.startswith("text/csv") and b"Python" in data
    with pytest.raises(ValueError, match="parquet"):
        renderers.render_figure(fig, "ods")


def test_real_result_class_is_accepted():
    r = IndicatorResult(name="x", title="X", unit="%", value=55.0, rows=[{"offers": 140, "durable": 77}],
                        columns=["offers", "durable"], provenance=Provenance("ads", period="2024"))
    f = figure_from_result({"name": "x", "section": "offers"}, r)
    assert f.available and f.chart == "table" and f.value == 55.0
    assert format_number(f.value, unit=f.unit) == "55\u00a0%"


def test_hostile_labels_are_escaped_in_charts():
    r = {"name": "x", "title": "x", "unit": "count", "provenance": {"source": "test"},
         "rows": [{"label": "<script>alert(1)</script>", "value": 3}, {"label": "<img src=x onerror=alert(1)>", "value": 2}]}
    fig = figure_from_result({"name": "x", "section": "offers"}, r)
    svg = charts.render(charts.chart_spec(fig))
    assert "<script" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg


def _square(x, y):
    # clockwise in lon/lat, as the IGN outlines
    return {"type": "Polygon", "coordinates": [[[x, y], [x, y + 1], [x + 1, y + 1], [x + 1, y], [x, y]]]}


def test_dissolve_merges_adjacent_communes_into_one_outline():
    from adequa.publish.maps import dissolve

    merged = dissolve([_square(0, 49), _square(1, 49)])
    rings = [p[0] for p in merged["coordinates"]]
    assert len(rings) == 1                              # the shared edge cancelled out
    ring = rings[0]
    area = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:])) / 2
    assert area == -2.0                                 # both squares, clockwise
    assert [1, 49] in ring and [1, 50] in ring and len(ring) == 7
    apart = dissolve([_square(0, 49), _square(5, 49)])
    assert len(apart["coordinates"]) == 2


def test_bassin_map_from_the_commune_outlines_of_the_referential(tmp_path):
    import json as _json

    from adequa.store.duckdb import Warehouse

    with Warehouse(tmp_path / "g.duckdb") as wh:
        wh.upsert("geo_shapes", [{"version": "t1", "level": "commune", "code": c, "label": c, "file": "x",
                                  "geojson": _json.dumps({"type": "Feature", "properties": {}, "geometry": _square(x, 49)})}
                                 for c, x in (("A", 0), ("B", 1), ("C", 2))], key=["version", "level", "code"])
        wh.upsert("geo_communes", [{"version": "t1", "commune": c, "bassin": b, "bassin_label": f"Bassin {b}"}
                                   for c, b in (("A", "01"), ("B", "01"), ("C", "02"))], key=["version", "commune"])
        geo = load_shapes(wh.con, "bassin", ["01", "02"])
    assert sorted(f["properties"]["code"] for f in geo["features"]) == ["01", "02"]
    one = next(f for f in geo["features"] if f["properties"]["code"] == "01")
    assert one["properties"]["nom"] == "Bassin 01" and len(one["geometry"]["coordinates"]) == 1
