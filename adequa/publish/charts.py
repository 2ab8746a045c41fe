"""Charts as Vega-Lite specifications, rendered offline to SVG or PNG by vl-convert.

Specs are plain Vega-Lite dictionaries (the JSON Altair would emit), built
from a :class:`~adequa.publish.figures.Figure`: horizontal bars for a ranking,
lines for a time series, a choropleth (see :mod:`adequa.publish.maps`) for a
territorial breakdown. vl-convert embeds its own JavaScript engine, so nothing
is fetched: the SVG keeps text as text and shapes as vectors, which the PDF
printer keeps as vectors too.

Rendering is cached by spec, since the dashboard re-renders the same chart for
every visitor of a page.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from adequa.errors import MissingExtra
from adequa.publish.figures import Figure, jsonable

# A sober palette (blue-grey ramp and one accent), readable in greyscale print.
PALETTE = ["#1f4e79", "#5b8db8", "#a9c4de", "#c55a11", "#7f7f7f", "#2e7d32", "#8e6c8a", "#bf9000"]
RAMP = ["#eef3f8", "#c6d7ea", "#8fb2d6", "#5b8db8", "#2f6595", "#1f4e79", "#12324f"]
FONT = "Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif"
MAX_BARS = 20

THEME = {
    "background": "white",
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal", "labelColor": "#333",
             "titleColor": "#333", "gridColor": "#e6e6e6", "domainColor": "#999", "tickColor": "#999",
             "labelLimit": 260},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal", "orient": "bottom"},
    "range": {"category": PALETTE, "ramp": RAMP},
    "bar": {"color": PALETTE[0]},
    "line": {"color": PALETTE[0], "strokeWidth": 2},
    "point": {"color": PALETTE[0]},
}


def _axis_title(fig: Figure, column: str | None) -> str | None:
    if column is None:
        return None
    for c in fig.columns:
        if c.name == column:
            return c.label
    return column


def chart_spec(fig: Figure, *, lang: str = "fr", width: int = 520, geojson: dict | None = None,
               map_key: str = "code") -> dict | None:
    """The Vega-Lite spec of a figure, or None when a table says it better."""
    if not fig.available or not fig.rows or fig.measure is None:
        return None
    if fig.chart == "map":
        if geojson:
            from adequa.publish.maps import choropleth_spec

            return choropleth_spec(fig, geojson, key=map_key, lang=lang, width=width)
        kind = "bar"       # no shapes for this level: a ranking instead of a map
    else:
        kind = fig.chart
    rows = [{k: jsonable(v) for k, v in r.items()} for r in fig.rows]
    x_title = _axis_title(fig, fig.measure)
    fmt = (",.1f" if any(isinstance(r.get(fig.measure), float)
                                                            and not float(r[fig.measure]).is_integer()
                                                            for r in rows) else ",d")
    if kind == "line":
        if fig.category is None:
            return None
        temporal = all(isinstance(r.get(fig.category), str) and len(r[fig.category]) >= 7
                       and r[fig.category][4] == "-" for r in rows if r.get(fig.category))
        enc = {
            "x": {"field": fig.category, "type": "temporal" if temporal else "ordinal",
                  "title": _axis_title(fig, fig.category)},
            "y": {"field": fig.measure, "type": "quantitative", "title": x_title, "axis": {"format": fmt}},
            "tooltip": [{"field": fig.category}, {"field": fig.measure, "format": fmt}],
        }
        if fig.series:
            enc["color"] = {"field": fig.series, "type": "nominal", "title": _axis_title(fig, fig.series)}
        return _wrap({"data": {"values": rows}, "mark": {"type": "line", "point": True}, "encoding": enc,
                      "width": width, "height": 240})
    if kind == "bar":
        cat = fig.category
        if fig.chart == "map":     # a ranking of territories: by name rather than code
            cat = next((c.name for c in fig.columns if c.kind == "text" and c.name != cat
                        and c.name.endswith(("label", "name", "nom", "libelle"))), cat)
        if cat is None:
            return None
        if fig.series is None:
            rows = sorted((r for r in rows if r.get(fig.measure) is not None),
                          key=lambda r: -float(r[fig.measure]))[:MAX_BARS]
        n = len({r.get(cat) for r in rows})
        enc = {
            "y": {"field": cat, "type": "nominal", "sort": "-x" if fig.series is None else None,
                  "title": None, "axis": {"labelLimit": 280}},
            "x": {"field": fig.measure, "type": "quantitative", "title": x_title, "axis": {"format": fmt}},
            "tooltip": [{"field": cat}, {"field": fig.measure, "format": fmt}],
        }
        layer_text = {"mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 10, "color": "#333"},
                      "encoding": {"text": {"field": fig.measure, "type": "quantitative", "format": fmt}}}
        if fig.series:
            enc["color"] = {"field": fig.series, "type": "nominal", "title": _axis_title(fig, fig.series)}
            enc["yOffset"] = {"field": fig.series}
            return _wrap({"data": {"values": rows}, "mark": "bar", "encoding": enc, "width": width - 200,
                          "height": {"step": 12}})
        return _wrap({"data": {"values": rows}, "encoding": enc, "width": width - 200,
                      "height": max(60, min(22 * n, 460)),
                      "layer": [{"mark": {"type": "bar"}}, layer_text]})
    return None


def _wrap(spec: dict) -> dict:
    out = {"config": THEME}
    out.update(spec)
    return out


# -- rendering ---------------------------------------------------------------------------------------------
_cache: "OrderedDict[str, bytes | str]" = OrderedDict()
_lock = threading.Lock()
_CACHE_SIZE = 256


def _vlc():
    try:
        import vl_convert
    except ImportError as exc:  # pragma: no cover - in core dependencies
        raise MissingExtra("publish", "vl-convert-python") from exc
    return vl_convert


def _key(spec: dict, fmt: str, scale: float) -> str:
    return hashlib.sha256((fmt + str(scale) + json.dumps(spec, sort_keys=True, default=str)).encode()).hexdigest()


def render(spec: dict, fmt: str = "svg", *, lang: str = "fr", scale: float = 2.0) -> str | bytes:
    """Render a spec offline: SVG text, or PNG bytes (``scale`` × CSS pixels)."""
    key = _key(spec, fmt + lang, scale)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    vlc = _vlc()
    locale = "fr-FR" if lang == "fr" else "en-US"
    if fmt == "svg":
        out = vlc.vegalite_to_svg(spec, format_locale=locale, time_format_locale=locale)
        # vl-convert writes a fixed size; let the figure scale with its container.
        out = out.replace("<svg ", '<svg role="img" preserveAspectRatio="xMinYMin meet" ', 1)
    elif fmt == "png":
        out = vlc.vegalite_to_png(spec, scale=scale, format_locale=locale, time_format_locale=locale)
    else:
        raise ValueError(f"unknown chart format {fmt!r}: svg or png")
    with _lock:
        _cache[key] = out
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return out


def warm_up() -> None:
    """Start vl-convert's engine once (the first render costs about a second)."""
    render(_wrap({"data": {"values": [{"a": "x", "b": 1}]}, "mark": "bar",
                  "encoding": {"x": {"field": "b", "type": "quantitative"}, "y": {"field": "a", "type": "nominal"}}}))
