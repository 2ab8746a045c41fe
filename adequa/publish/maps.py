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


def _relation(con, name: str) -> str | None:
    """``current_<name>`` (latest version of a referential) if present, else ``name``, else None."""
    for candidate in (f"current_{name}", name):
        if _table_columns(con, candidate):
            return candidate
    return None


def simplify(geometry: dict, digits: int = 3) -> dict:
    """Coordinates rounded to ``digits`` decimals (3 ≈ 100 m), repeated points dropped: commune
    outlines shrink tenfold and still draw a faithful map at report scale."""
    def ring(points):
        out = []
        for x, y, *_ in points:
            p = (round(x, digits), round(y, digits))
            if not out or out[-1] != p:
                out.append(p)
        if len(out) >= 3 and out[0] != out[-1]:
            out.append(out[0])
        return [list(p) for p in out] if len(out) >= 4 else None

    def polygon(rings):
        kept = [r for r in (ring(x) for x in rings) if r]
        return kept or None

    t = geometry.get("type")
    if t == "Polygon":
        rings = polygon(geometry.get("coordinates") or [])
        return {"type": "Polygon", "coordinates": rings or []}
    if t == "MultiPolygon":
        polys = [p for p in (polygon(x) for x in geometry.get("coordinates") or []) if p]
        return {"type": "MultiPolygon", "coordinates": polys}
    return geometry


def dissolve(geometries: list[dict], digits: int = 4) -> dict | None:
    """The outline of a set of adjacent polygons (communes of one bassin), without a GIS library.

    Coordinates are snapped to ``digits`` decimals; an edge shared by two polygons appears once in
    each direction and cancels out; the remaining directed edges are chained into rings, which keep
    the orientation of the input. Returns a MultiPolygon whose rings d3/Vega draw with the even-odd
    logic of their winding, or None when the input has no polygon.
    """
    from collections import Counter, defaultdict

    edges: Counter = Counter()
    for g in geometries:
        polys = [g["coordinates"]] if g.get("type") == "Polygon" else (g.get("coordinates") or [])
        for poly in polys:
            for ring in poly:
                pts = [(round(x, digits), round(y, digits)) for x, y, *_ in ring]
                for a, b in zip(pts, pts[1:]):
                    if a != b:
                        edges[(a, b)] += 1
    for (a, b), n in list(edges.items()):
        back = edges.get((b, a), 0)
        if n and back:
            k = min(n, back)
            edges[(a, b)] -= k
            edges[(b, a)] -= k
    nxt: dict = defaultdict(list)
    for (a, b), n in edges.items():
        for _ in range(n):
            nxt[a].append(b)
    rings = []
    while nxt:
        start = next(iter(nxt))
        ring, cur = [start], start
        while True:
            options = nxt.get(cur)
            if not options:
                break
            b = options.pop()
            if not options:
                del nxt[cur]
            ring.append(b)
            cur = b
            if cur == start:
                break
        if len(ring) >= 4 and ring[0] == ring[-1]:
            # d3 (and so Vega) wants clockwise rings in lon/lat, as the IGN outlines are
            area = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:]))
            if area > 0:
                ring.reverse()
            rings.append([list(p) for p in ring])
    if not rings:
        return None
    return {"type": "MultiPolygon", "coordinates": [[r] for r in rings]}


def _feature(code, label, g, **extra) -> dict | None:
    try:
        geometry = json.loads(g)
    except (TypeError, ValueError):
        return None
    if not isinstance(geometry, dict):
        return None
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    return {"type": "Feature", "properties": {"code": code, "nom": label, **extra}, "geometry": geometry}


def shapes_from_store(con, level: str, codes: list[str] | None = None) -> list[dict]:
    """GeoJSON features from the geography referential's ``geo_shapes`` (level, code, label, geojson).

    Bassins and zones d'emploi, which have no outline of their own, are drawn as the mosaic of
    their communes (``geo_shapes`` at commune level joined to ``geo_communes``); each commune
    carries its bassin's code, so the map colours whole bassins.
    """
    table = _relation(con, "geo_shapes")
    if table is None:
        return []
    cols = _table_columns(con, table)
    geom = next((c for c in ("geojson", "geometry", "geom_json", "shape") if c in cols), None)
    name = next((c for c in ("label", "name", "nom", "libelle") if c in cols), None)
    if geom is None or "code" not in cols:
        return []
    wanted = set(codes) if codes else None
    sql = f'SELECT code, {name or "code"} AS name, CAST({geom} AS VARCHAR) AS g FROM {table}'
    params: list = []
    if "level" in cols:
        sql += " WHERE level = ?"
        params.append(level)
    features = []
    for code, label, g in con.execute(sql, params).fetchall():
        if wanted is not None and code not in wanted:
            continue
        f = _feature(code, label, g)
        if f:
            features.append(f)
    if features or level not in ("bassin", "zone_emploi") or "level" not in cols:
        return features
    communes = _relation(con, "geo_communes")
    if communes is None or level not in _table_columns(con, communes):
        return []
    version = con.execute(f"SELECT max(version) FROM {table}").fetchone()[0] if "version" in cols else None
    key = (str(version), level, tuple(sorted(wanted)) if wanted else None)
    if version is not None and key in _DISSOLVED:
        return _DISSOLVED[key]
    label_col = f"{level}_label" if f"{level}_label" in _table_columns(con, communes) else level
    rows = con.execute(f"SELECT c.{level}, c.{label_col}, CAST(s.{geom} AS VARCHAR) FROM {table} s "
                       f"JOIN {communes} c ON c.commune = s.code WHERE s.level = 'commune' "
                       f"AND c.{level} IS NOT NULL").fetchall()
    parts: dict = {}
    for code, label, g in rows:
        if wanted is not None and code not in wanted:
            continue
        f = _feature(code, label, g)
        if f and f["geometry"]:
            parts.setdefault(code, (label, []))[1].append(f["geometry"])
    for code, (label, geoms) in sorted(parts.items()):
        outline = dissolve(geoms)
        if outline is not None:
            features.append({"type": "Feature", "properties": {"code": code, "nom": label},
                             "geometry": simplify(outline, 3)})
    if version is not None:
        _DISSOLVED[key] = features
    return features


_DISSOLVED: dict = {}      # (referential version, level, codes) -> dissolved features


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
    mosaic = any(f.get("properties", {}).get("mosaic") for f in features)
    if mosaic:
        no_data = ""     # communes of one bassin share its colour; their own borders stay faint
        joined["mark"].update({"strokeWidth": 0.2, "strokeOpacity": 0.4})
        base["mark"].update({"strokeWidth": 0.2, "strokeOpacity": 0.4})
    # one label per territory, at the centre of the bounding box of its shapes (no GIS library needed)
    boxes: dict = {}
    for f in features:
        code = f.get("properties", {}).get("code")
        x0, y0, x1, y1 = _bbox(f.get("geometry") or {})
        if x0 is None:
            continue
        b = boxes.get(code)
        boxes[code] = (x0, y0, x1, y1) if b is None else (min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1))
    points = [{"properties": {"code": c}, "_lon": (b[0] + b[2]) / 2, "_lat": (b[1] + b[3]) / 2} for c, b in boxes.items()]
    labels = {
        "data": {"values": points},
        "transform": [{"lookup": f"properties.{key}",
                       "from": {"data": {"values": rows}, "key": fig.category, "fields": fields}},
                      {"calculate": f"isValid(datum['{fig.measure}']) ? format(datum['{fig.measure}'], ',d') : "
                                    f"(isValid(datum['_present']) ? '{withheld}' : '{no_data}')", "as": "_label"}],
        "mark": {"type": "text", "fontSize": 10, "fontWeight": "bold"},
        "encoding": {"color": {"condition": {"test": f"isValid(datum['{fig.measure}']) && "
                                                     f"datum['{fig.measure}'] > {threshold}", "value": "white"},
                               "value": "#111"},
                     "longitude": {"field": "_lon", "type": "quantitative"},
                     "latitude": {"field": "_lat", "type": "quantitative"},
                     "text": {"field": "_label"}},
    }
    return {"config": THEME, "width": width - 120, "height": int((width - 120) * 0.8),
            "projection": {"type": "mercator"}, "layer": [base, joined, labels]}


def _bbox(geometry: dict) -> tuple:
    """(min lon, min lat, max lon, max lat) of a GeoJSON geometry, or Nones."""
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
        return None, None, None, None
    return min(xs), min(ys), max(xs), max(ys)
