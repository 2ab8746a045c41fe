"""Choropleth maps of départements, bassins d'emploi or zones d'emploi.

Shapes come from the warehouse's geography referential (table ``geo_shapes``:
one row per territory with its level, code, name and a GeoJSON geometry). When
that table is absent, départements and régions fall back to the simplified
outlines shipped with the official geography files (``geo/france-geojson`` in
the data root). The map itself is a Vega-Lite ``geoshape`` layer joined to the
figure's rows by territory code, rendered offline like every other chart.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from adequa.publish.figures import Figure, jsonable

LEVEL_ALIASES = {"departement": "departement", "dep": "departement", "département": "departement",
                 "region": "region", "reg": "region", "bassin": "bassin", "bassin_emploi": "bassin",
                 "zone_emploi": "zone_emploi", "ze": "zone_emploi", "commune": "commune"}


def _table_columns(con, table: str) -> list[str]:
    try:
        rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                           [table]).fetchall()
    except Exception:
        return []
    return [r[0] for r in rows]


def shapes_from_store(con, level: str, codes: list[str] | None = None) -> list[dict]:
    """GeoJSON features from ``geo_shapes`` (columns level, code, name/label, geometry/geojson)."""
    cols = _table_columns(con, "geo_shapes")
    if not cols:
        return []
    geom = next((c for c in ("geometry", "geojson", "geom_json", "shape") if c in cols), None)
    name = next((c for c in ("name", "label", "nom", "libelle") if c in cols), None)
    if geom is None or "code" not in cols:
        return []
    sql = f'SELECT code, {name or "code"} AS name, CAST({geom} AS VARCHAR) AS g FROM geo_shapes'
    params: list = []
    if "level" in cols:
        sql += " WHERE level = ?"
        params.append(level)
    features = []
    wanted = set(codes) if codes else None
    for code, label, g in con.execute(sql, params).fetchall():
        if wanted is not None and code not in wanted:
            continue
        try:
            geometry = json.loads(g)
        except (TypeError, ValueError):
            continue
        if geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        features.append({"type": "Feature", "properties": {"code": code, "nom": label}, "geometry": geometry})
    return features


@lru_cache(maxsize=8)
def _read_geojson(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def shapes_from_files(root: Path | None, level: str, codes: list[str] | None = None) -> list[dict]:
    """Fallback: départements and régions from ``geo/france-geojson`` under the data root."""
    if root is None:
        return []
    files = {"departement": "departements-version-simplifiee.geojson",
             "region": "regions-version-simplifiee.geojson"}
    if level not in files:
        return []
    path = Path(root) / "geo" / "france-geojson" / files[level]
    if not path.exists():
        return []
    wanted = set(codes) if codes else None
    return [f for f in _read_geojson(str(path)).get("features", [])
            if wanted is None or str(f.get("properties", {}).get("code")) in wanted]


def load_shapes(con, level: str, codes: list[str] | None = None, *, root: Path | None = None) -> dict | None:
    """A FeatureCollection for ``level`` restricted to ``codes``, or None when no shapes are at hand."""
    level = LEVEL_ALIASES.get(level, level)
    features = shapes_from_store(con, level, codes) if con is not None else []
    if not features:
        features = shapes_from_files(root, level, codes)
    if not features:
        return None
    return {"type": "FeatureCollection", "features": features}


def choropleth_spec(fig: Figure, geojson: dict, *, key: str = "code", lang: str = "fr", width: int = 520) -> dict:
    """A Vega-Lite choropleth: shapes joined to the figure's rows on the territory code."""
    from adequa.publish.charts import RAMP, THEME

    rows = [{**{k: jsonable(v) for k, v in r.items()}, "_present": 1} for r in fig.rows]
    label_col = next((c.name for c in fig.columns if c.name != fig.category and c.kind == "text"
                      and c.name.endswith(("label", "name", "nom", "libelle"))), None)
    fields = [fig.measure, "_present"] + ([label_col] if label_col else [])
    measure_title = next((c.label for c in fig.columns if c.name == fig.measure), fig.measure)
    values = [float(r[fig.measure]) for r in rows if isinstance(r.get(fig.measure), (int, float))]
    threshold = (min(values) + max(values)) / 2 if values else 0
    no_data = "Pas de donnée" if lang == "fr" else "No data"
    withheld = "n.d." if lang == "fr" else "n/a"          # a row whose value is withheld (confidentiality)
    features = geojson.get("features", [])
    base = {"data": {"values": features}, "mark": {"type": "geoshape", "fill": "#f2f2f2", "stroke": "white",
                                                   "strokeWidth": 1}}
    joined = {
        "data": {"values": features},
        "transform": [{"lookup": f"properties.{key}",
                       "from": {"data": {"values": rows}, "key": fig.category, "fields": fields}},
                      {"filter": f"isValid(datum['{fig.measure}'])"}],
        "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "color": {"field": fig.measure, "type": "quantitative", "title": measure_title,
                      "scale": {"range": RAMP[1:]}, "legend": {"orient": "right", "format": ",d"}},
            "tooltip": [{"field": "properties.nom", "title": "Territoire" if lang == "fr" else "Territory"},
                        {"field": fig.measure, "title": measure_title, "format": ","}],
        },
    }
    labels = {
        "data": {"values": features},
        "transform": [{"lookup": f"properties.{key}",
                       "from": {"data": {"values": rows}, "key": fig.category, "fields": fields}},
                      {"calculate": f"isValid(datum['{fig.measure}']) ? format(datum['{fig.measure}'], ',d') : "
                                    f"(isValid(datum['_present']) ? '{withheld}' : '{no_data}')", "as": "_label"}],
        "mark": {"type": "text", "fontSize": 10, "fontWeight": "bold"},
        "encoding": {"color": {"condition": {"test": f"isValid(datum['{fig.measure}']) && "
                                                     f"datum['{fig.measure}'] > {threshold}", "value": "white"},
                               "value": "#111"},"longitude": {"field": "_lon", "type": "quantitative"},
                     "latitude": {"field": "_lat", "type": "quantitative"},
                     "text": {"field": "_label"}},
    }
    # Label positions: the centroid of each shape's bounding box, computed here (no GIS library needed).
    for f in features:
        lon, lat = _bbox_centre(f.get("geometry") or {})
        f.setdefault("_lon", lon)
        f.setdefault("_lat", lat)
    return {"config": THEME, "width": width - 120, "height": int((width - 120) * 0.8),
            "projection": {"type": "mercator"}, "layer": [base, joined, labels]}


def _bbox_centre(geometry: dict) -> tuple[float | None, float | None]:
    xs: list[float] = []
    ys: list[float] = []

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for sub in c or []:
                walk(sub)

    walk(geometry.get("coordinates"))
    if not xs:
        return None, None
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
