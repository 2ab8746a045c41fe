"""Build the study: every registered indicator computed, rendered, written to a folder.

``build_study(db, out=DIR, group=…, territory=…, period=…, lang=…)`` writes

* ``DIR/index.html``: a self-contained report (inline CSS, inline SVG, no external URL);
* ``DIR/study.pdf``: the same, printed by headless Chromium (vector charts kept as vectors);
* ``DIR/data/NN_name.csv`` and ``.parquet``: the numbers behind every figure, and ``index.json``;
* ``DIR/figures/NN_name.svg`` and ``.png``: every chart and map.

The sections follow the seed study (context, workers, job seekers, offers, BMO,
skills, tension, training, gaps, emerging, method and sources). An indicator
that raises or returns no rows is kept, as "Données non disponibles : <raison>".
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from adequa.errors import AdequaError
from adequa.publish.figures import (SECTION_TITLES, SECTIONS, Figure, figure_from_result, format_number, is_share,
                                    missing_text)
from adequa.publish.report.texts import TEXTS

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_TABLE_ROWS = 15


@dataclass
class StudyResult:
    out: Path
    html: Path
    pdf: Path | None
    figures: list[Figure]
    seconds: float
    timings: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[Figure]:
        return [f for f in self.figures if not f.available]

    def summary(self) -> str:
        ok = sum(f.available for f in self.figures)
        return (f"{self.html}: {ok} figure(s) published, {len(self.figures) - ok} not available"
                + (f"; PDF {self.pdf}" if self.pdf else "") + f" ({self.seconds:.1f} s)"
                + "".join(f"\n  warning: {w}" for w in self.warnings))


# -- computing (through the indicators API only) ----------------------------------------------------------------

def compute_figures(con, *, group: str = "data-ia", territory: str = "region:28", period: str | None = None,
                    lang: str = "fr", definitions: Iterable | None = None,
                    progress: Callable[[str], None] | None = None) -> list[Figure]:
    """One Figure per indicator definition (default: every registered one), in the study's order."""
    from adequa.indicators import list_indicators, make_context

    ctx_args = dict(group=group, territory=territory, period=period)
    make_context(con, **ctx_args)          # validate the group, territory and period once, loudly
    if definitions is None:
        try:
            definitions = list_indicators()
        except Exception as exc:           # an indicator module failed to import: say so, render the rest
            log.warning("cannot list indicators: %s", exc)
            definitions = []
    figures = []
    for defn in definitions:
        if progress:
            progress(defn.name)
        try:
            result = defn.compute(make_context(con, **ctx_args))
            figures.append(figure_from_result(defn, result, lang=lang))
        except AdequaError as exc:
            figures.append(figure_from_result(defn, error=exc, lang=lang))
        except Exception as exc:           # a bug in one indicator must not sink the whole study
            log.warning("indicator %s failed: %s: %s", defn.name, type(exc).__name__, exc)
            figures.append(figure_from_result(defn, error=f"{type(exc).__name__}: {exc}", lang=lang))
    order = {s: i for i, s in enumerate(SECTIONS)}
    figures.sort(key=lambda f: order.get(f.section, len(order)))
    n = 0
    for f in figures:
        if f.available and f.chart != "kpi":
            n += 1
            f.number = n
    return figures


# -- shapes for the maps ---------------------------------------------------------------------------------------

def _geo_for(fig: Figure, con, territory, root: Path | None) -> dict | None:
    from adequa.publish.maps import load_shapes

    level = fig.level or fig.category
    codes = {str(r.get(fig.category)) for r in fig.rows if r.get(fig.category) is not None}
    if level == "departement" and territory is not None and territory.level == "region":
        from adequa.indicators.territories import departements

        codes |= {c for c, (_, reg) in departements().items() if reg == territory.code}
    return load_shapes(con, level, sorted(codes) or None, root=root)


# -- rendering ---------------------------------------------------------------------------------------------------

def _env():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env


def render_html(figures: list[Figure], *, meta: dict, svgs: dict[str, str], lang: str = "fr",
                sources: list[dict] | None = None, files: dict[str, dict] | None = None) -> str:
    """The report's HTML, one self-contained string."""
    from markupsafe import Markup

    t = TEXTS[lang]
    titles = SECTION_TITLES[lang]
    sections = []
    for s in (*SECTIONS, "other"):
        figs = [f for f in figures if f.section == s]
        if s == "other" and not figs:
            continue
        groups: dict[str, list[str]] = {}
        for f in figs:
            if not f.available:
                groups.setdefault(f.reason or "", []).append(f.title)
        sections.append({"id": s, "title": titles[s], "intro": t["intro"].get(s, ""), "figures": figs,
                         "missing_groups": list(groups.items()),
                         "kpis": [f for f in figs if f.available and f.chart == "kpi"],
                         "available": any(f.available for f in figs)})
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")

    def fmt(value, unit=None):
        return format_number(value, lang, unit)

    return _env().get_template("report.html.j2").render(
        t=t, lang=lang, meta=meta, sections=sections, css=Markup(css), figures=figures,
        svgs={k: Markup(v) for k, v in svgs.items()}, fmt=fmt, is_share=is_share, missing_text=lambda r: missing_text(r, lang),
        sources=sources or [], files=files or {}, max_rows=MAX_TABLE_ROWS, method_title=titles["method"],
        context_title=titles["context"])


def _sources(con) -> list[dict]:
    try:
        cur = con.execute("SELECT table_name, source, version, licence, rows, retrieved_at FROM provenance "
                          "ORDER BY table_name, version")
    except Exception:
        return []
    return [dict(zip(["table", "source", "version", "licence", "rows", "retrieved_at"], r)) for r in cur.fetchall()]


def _footer(meta: dict, lang: str) -> str:
    title = meta["title"].replace("<", "&lt;")
    page = "Page" if lang == "en" else "Page"
    return ('<div style="font-size:7.5pt;color:#555;width:100%;padding:0 16mm;display:flex;'
            'justify-content:space-between;font-family:Helvetica,Arial,sans-serif">'
            f'<span>Adequa · {title}</span><span>{page} <span class="pageNumber"></span>'
            '/<span class="totalPages"></span></span></div>')


def build_study(db, *, out: str | Path = "study", group: str = "data-ia", territory: str = "region:28",
                period: str | None = None, lang: str = "fr", pdf: bool = True, png: bool = True,
                settings=None, definitions: Iterable | None = None,
                progress: Callable[[str, int, int], None] | None = None) -> StudyResult:
    """Compute every indicator and write the study folder (see the module docstring)."""
    from adequa.indicators import get_group, get_territory, open_warehouse
    from adequa.publish import charts, exports

    if lang not in TEXTS:
        raise AdequaError(f"unknown language {lang!r}: fr or en")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    root = None
    if settings is not None:
        try:
            root = settings.data_root()
        except Exception:
            root = None
    con = open_warehouse(db)
    try:
        g = get_group(group)
        terr = get_territory(territory)
        defs = list(definitions) if definitions is not None else None
        total = len(defs) if defs is not None else 0
        done = [0]

        def tick(name):
            done[0] += 1
            if progress:
                progress(f"indicateur {name}", done[0], total)

        figures = compute_figures(con, group=group, territory=territory, period=period, lang=lang,
                                  definitions=defs, progress=tick)
        timings["compute"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        svgs: dict[str, str] = {}
        files: dict[str, dict] = {}
        index = []
        for i, fig in enumerate(figures, 1):
            stem = f"{(fig.number or 0):02d}_{fig.slug}" if fig.number else f"xx_{fig.slug}"
            entry = {"name": fig.name, "title": fig.title, "section": fig.section, "status": fig.status,
                     "reason": fig.reason, "number": fig.number, "source": fig.source_line, "period": fig.period,
                     "provenance": fig.to_dict()["provenance"], "files": {}}
            if fig.available:
                cols = [c.name for c in fig.columns]
                rows = fig.rows or [{"value": fig.value}]
                for fmt in ("csv", "parquet"):
                    data, _ = exports.export(rows, cols or None, fmt)
                    path = out / "data" / f"{stem}.{fmt}"
                    path.write_bytes(data)
                    entry["files"][fmt] = f"data/{path.name}"
                geo = _geo_for(fig, con, terr, root) if fig.chart == "map" else None
                spec = charts.chart_spec(fig, lang=lang, geojson=geo)
                if spec is not None:
                    svg = charts.render(spec, "svg", lang=lang)
                    svgs[fig.name] = svg
                    (out / "figures" / f"{stem}.svg").write_text(svg, encoding="utf-8")
                    entry["files"]["svg"] = f"figures/{stem}.svg"
                    if png:
                        (out / "figures" / f"{stem}.png").write_bytes(charts.render(spec, "png", lang=lang))
                        entry["files"]["png"] = f"figures/{stem}.png"
            files[fig.name] = entry["files"]
            index.append(entry)
            if progress:
                progress(f"figure {fig.name}", i, len(figures))
        timings["figures"] = time.perf_counter() - t1
        generated = datetime.now(timezone.utc)
        label = g.label_en if lang == "en" and g.label_en else g.label
        meta = {"title": label, "group": g.to_dict(), "group_label": label, "territory": terr.display(),
                "territory_spec": terr.spec, "period": period, "generated": generated,
                "generated_text": generated.strftime("%d/%m/%Y") if lang == "fr" else generated.date().isoformat(),
                "command": f"adequa study --group {group} --territory {terr.spec}"
                           + (f" --period {period}" if period else "") + (f" --lang {lang}" if lang != "fr" else "")}
        t2 = time.perf_counter()
        html = render_html(figures, meta=meta, svgs=svgs, lang=lang, sources=_sources(con), files=files)
        html_path = out / "index.html"
        html_path.write_text(html, encoding="utf-8")
        (out / "data" / "index.json").write_text(json.dumps({"meta": {k: str(v) for k, v in meta.items()
                                                                      if k != "group"}, "figures": index},
                                                            ensure_ascii=False, indent=1), encoding="utf-8")
        timings["html"] = time.perf_counter() - t2
    finally:
        con.close()
    pdf_path = None
    warnings: list[str] = []
    if pdf:
        from adequa._libs.browser import BrowserUnavailable, print_pdf
        from adequa.errors import MissingExtra

        t3 = time.perf_counter()
        if progress:
            progress("PDF", 0, 1)
        try:
            pdf_path = print_pdf(html_path, out / "study.pdf", footer=_footer(meta, lang))
        except (MissingExtra, BrowserUnavailable) as exc:
            # The HTML report and its data stand on their own; say plainly why there is no PDF.
            warnings.append(f"no PDF: {exc}")
        timings["pdf"] = time.perf_counter() - t3
    return StudyResult(out=out, html=html_path, pdf=pdf_path, figures=figures,
                       seconds=time.perf_counter() - t0, timings=timings, warnings=warnings)
