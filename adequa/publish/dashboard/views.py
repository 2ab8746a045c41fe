"""The web dashboard: server-rendered pages over the same state as the API.

Pages: overview (group × territory), occupations, skills (top, emerging, skill →
example ads), territories (map), training and gaps, ads search, data sources.
Filters (group, territory, period) live in the URL, so every view can be
bookmarked and shared; every link keeps them. Charts are SVG rendered on the
server (no JavaScript needed to read a page); every table has CSV, Parquet and
XLSX download links. Nothing is loaded from another origin.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from adequa.errors import AdequaError, InputError
from adequa.publish.figures import SECTION_TITLES, format_number, is_share, missing_text

HERE = Path(__file__).resolve().parent
PAGES = [("overview", "/", "Vue d'ensemble"), ("occupations", "/occupations", "Métiers"),
         ("skills", "/skills", "Compétences"), ("territories", "/territories", "Territoires"),
         ("training", "/training", "Formation et écarts"), ("ads", "/ads", "Offres"),
         ("sources", "/sources", "Sources")]
# Which indicator sections each page shows.
PAGE_SECTIONS = {"overview": ("offers", "workers", "job_seekers", "tension"), "occupations": ("offers",),
                 "skills": ("skills", "emerging"), "territories": ("bmo",), "training": ("training", "gaps")}
OVERVIEW_FIGS = ("offers_count", "offers_by_territory", "offers_by_domain", "offers_growth", "offers_durable_share")


def _env():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(fmt=lambda v, unit=None: format_number(v, "fr", unit), is_share=is_share,
                       missing_text=lambda r: missing_text(r, "fr"))
    return env


_ENV = None


def env():
    global _ENV
    if _ENV is None:
        _ENV = _env()
    return _ENV


def _filters(request: Request, state) -> dict:
    q = request.query_params
    return {"group": q.get("group") or state.defaults["group"], "territory": q.get("territory") or state.defaults["territory"],
            "period": q.get("period") if q.get("period") is not None else (state.defaults["period"] or "")}


def _qs(filters: dict, **extra) -> str:
    params = {k: v for k, v in {**filters, **extra}.items() if v not in (None, "")}
    return urlencode(params)


def _choices(state, current: dict) -> dict:
    from adequa.indicators import load_groups
    from adequa.indicators.territories import departements, regions

    groups = [(g.id, g.label) for g in load_groups().values()]
    if current["group"] not in {g for g, _ in groups}:
        groups.append((current["group"], current["group"]))
    terr = [("france", "France")] + [(f"region:{c}", f"Région – {l}") for c, l in sorted(regions().items())]
    terr += [(f"departement:{c}", f"Département – {c} {l}") for c, (l, _) in sorted(departements().items())]
    if current["territory"] not in {t for t, _ in terr}:
        terr.append((current["territory"], current["territory"]))
    return {"groups": groups, "territories": terr}


def render(request: Request, state, template: str, *, page: str, title: str, status: int = 200, **ctx) -> HTMLResponse:
    filters = _filters(request, state)
    html = env().get_template(template).render(
        request=request, page=page, title=title, pages=PAGES, filters=filters, qs=_qs(filters),
        choices=_choices(state, filters), qs_with=lambda **kw: _qs(filters, **kw), **ctx)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    state = request.app.state.adequa
    try:
        return render(request, state, "error.html.j2", page="error", title=f"Erreur {status}", status=status,
                      status_code=status, message=message)
    except Exception:          # the filters themselves may be what is wrong: plain page
        from html import escape

        return HTMLResponse(f"<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Erreur {status}"
                            f"</title></head><body><main><h1>Erreur {status}</h1><p>{escape(message)}</p>"
                            f"<p><a href=\"/\">Retour à l'accueil</a></p></main></body></html>", status_code=status)


def _figures(state, request: Request, sections: tuple[str, ...], *, only: tuple[str, ...] | None = None,
             exclude: tuple[str, ...] = ()) -> list:
    from adequa.indicators import list_indicators

    f = _filters(request, state)
    names = [d.name for d in list_indicators()
             if d.section in sections and d.name not in exclude and (only is None or d.name in only)]

    def one(name):
        return state.figure(name, group=f["group"], territory=f["territory"], period=f["period"] or None)

    if len(names) > 1:         # DuckDB releases the GIL: a page's uncached figures are computed side by side
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(4, len(names)), thread_name_prefix="adequa-fig") as pool:
            out = list(pool.map(one, names))
    else:
        out = [one(n) for n in names]
    if only is not None:
        out.sort(key=lambda fig: only.index(fig.name))
    return out


def _chart_svg(state, fig) -> str | None:
    """The SVG of one figure's chart (vl-convert, cached by spec), or None when it has none."""
    from adequa.publish import charts
    from adequa.publish.maps import load_shapes

    geo = None
    if fig.available and fig.chart == "map":
        root = None
        try:
            root = state.settings.data_root()
        except Exception:
            pass
        cur = state.cursor()
        try:
            codes = sorted({str(r.get(fig.category)) for r in fig.rows if r.get(fig.category) is not None})
            geo = load_shapes(cur, fig.level or fig.category, codes or None, root=root)
        finally:
            cur.close()
    spec = charts.chart_spec(fig, geojson=geo, width=560)
    return None if spec is None else charts.render(spec, "svg")


def _charts(state, figs: list, filters: dict | None = None) -> dict[str, str]:
    """For every figure that has a chart: an ``<img>`` of ``/charts/<name>.svg`` with the page's filters.

    Charts are fetched by the browser as separate (cached) requests, so a page's HTML, which holds
    every number in its tables, does not wait for the chart engine (about 0.1 s of CPU a chart)."""
    from html import escape

    from markupsafe import Markup

    from adequa.publish import charts

    out = {}
    # every filter kept, an empty period too (all periods), so the chart shows what the page shows
    qs = urlencode({k: v for k, v in (filters or {}).items() if v is not None})
    for fig in figs:
        if charts.chart_spec(fig, width=560) is not None:      # cheap: no shapes, no rendering
            src = f"/charts/{fig.name}.svg" + (f"?{qs}" if qs else "")
            out[fig.name] = Markup(f'<img src="{escape(src)}" alt="" width="560" loading="lazy" decoding="async">')
    return out


def warm(state) -> None:
    """Compute the default pages' figures and start the chart engine, so the first visitor waits no longer
    than the next one (run in a background thread at start-up)."""
    import time

    from adequa.indicators import list_indicators
    from adequa.publish import charts

    t0 = time.perf_counter()
    try:
        charts.warm_up()
        from adequa.publish.api import Filters, occupation_rows, search_ads, skill_rows

        d = state.defaults
        f = Filters(group=d["group"], territory=d["territory"], period=d["period"])
        for fn in (lambda: occupation_rows(state, f), lambda: skill_rows(state, f, limit=50),
                   lambda: search_ads(state, f, page=1, per_page=20)):
            try:
                fn()
            except Exception:
                pass
        figs = [state.figure(defn.name, group=d["group"], territory=d["territory"], period=d["period"])
                for defn in list_indicators()]
        for fig in figs:           # the SVGs of the default pages, cached by spec
            _chart_svg(state, fig)
    except Exception:          # warming is an optimisation; errors show on the page that needs the figure
        pass
    state.warm_seconds = round(time.perf_counter() - t0, 2)


def add_dashboard(app: FastAPI, state, *, warm_up: bool = True) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    if warm_up:
        @app.on_event("startup")
        def _warm() -> None:
            import threading

            threading.Thread(target=warm, args=(state,), name="adequa-warm", daemon=True).start()

    def section_page(request: Request, page: str, title: str, sections, *, only=None, exclude=(), **extra):
        figs = _figures(state, request, sections, only=only, exclude=exclude)
        return render(request, state, "figures.html.j2", page=page, title=title, figures=figs,
                      charts=_charts(state, figs, _filters(request, state)), section_titles=SECTION_TITLES["fr"],
                      **extra)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request):
        from adequa.indicators import get_group, get_territory

        f = _filters(request, state)
        group, territory = get_group(f["group"]), get_territory(f["territory"])
        figs = _figures(state, request, PAGE_SECTIONS["overview"])
        kpis = [x for x in figs if x.available and x.value is not None and (x.chart in ("kpi", "table")
                                                                             or x.name == "offers_count")]
        return render(request, state, "overview.html.j2", page="overview", title="Vue d'ensemble",
                      group=group, territory=territory, kpis=kpis, figures=figs,
                      charts=_charts(state, figs, f),
                      section_titles=SECTION_TITLES["fr"])

    @app.get("/occupations", response_class=HTMLResponse, include_in_schema=False)
    def occupations(request: Request):
        from adequa.publish.api import Filters, occupation_rows

        f = _filters(request, state)
        try:
            rows, reason = occupation_rows(state, Filters(group=f["group"], territory=f["territory"],
                                                          period=f["period"] or None)), None
        except AdequaError as exc:
            if isinstance(exc, InputError):
                raise
            rows, reason = [], str(exc)
        return section_page(request, "occupations", "Métiers", ("offers",),
                            only=("offers_by_domain", "offers_contract_mix"), occupations=rows,
                            occupations_reason=reason)

    @app.get("/skills", response_class=HTMLResponse, include_in_schema=False)
    def skills(request: Request, q: str | None = Query(None, max_length=100)):
        from adequa.publish.api import Filters, skill_rows

        f = _filters(request, state)
        try:
            rows, reason = skill_rows(state, Filters(group=f["group"], territory=f["territory"],
                                                     period=f["period"] or None), q=q, limit=50), None
        except AdequaError as exc:
            if isinstance(exc, InputError):
                raise
            rows, reason = [], str(exc)
        return section_page(request, "skills", "Compétences", PAGE_SECTIONS["skills"], skills=rows,
                            skills_reason=reason, q=q or "")

    @app.get("/territories", response_class=HTMLResponse, include_in_schema=False)
    def territories(request: Request):
        figs_offers = _figures(state, request, ("offers",), only=("offers_by_territory",))
        figs = figs_offers + _figures(state, request, PAGE_SECTIONS["territories"])
        return render(request, state, "figures.html.j2", page="territories", title="Territoires", figures=figs,
                      charts=_charts(state, figs, _filters(request, state)), section_titles=SECTION_TITLES["fr"])

    @app.get("/training", response_class=HTMLResponse, include_in_schema=False)
    def training(request: Request):
        return section_page(request, "training", "Formation et écarts", PAGE_SECTIONS["training"])

    @app.get("/ads", response_class=HTMLResponse, include_in_schema=False)
    def ads(request: Request, q: str | None = Query(None, max_length=200), skill: str | None = Query(None, max_length=200),
            page: int = Query(1, ge=1, le=10_000)):
        from adequa.publish.api import Filters, search_ads

        f = _filters(request, state)
        per_page = 20
        try:
            rows, total = search_ads(state, Filters(group=f["group"], territory=f["territory"],
                                                    period=f["period"] or None), q=q, skill=skill, page=page,
                                     per_page=per_page)
            reason = None
        except AdequaError as exc:
            if isinstance(exc, InputError):
                raise
            rows, total, reason = [], 0, str(exc)
        pages = max(1, -(-total // per_page))
        return render(request, state, "ads.html.j2", page="ads", title="Offres", ads=rows, total=total, q=q or "",
                      skill=skill or "", current=page, last=pages, reason=reason)

    @app.get("/ads/{ad_id}", response_class=HTMLResponse, include_in_schema=False)
    def ad_page(request: Request, ad_id: str):
        from adequa.publish.api import ApiError, one_ad

        if len(ad_id) > 128:
            raise ApiError(404, "not_found", "no such ad")
        ad = one_ad(state, ad_id)
        return render(request, state, "ad.html.j2", page="ads", title=ad.get("title") or "Offre", ad=ad)

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def sources(request: Request):
        from adequa.publish.api import sources_info

        return render(request, state, "sources.html.j2", page="sources", title="Sources et fraîcheur",
                      info=sources_info(state))

    @app.get("/charts/{name}.svg", include_in_schema=False)
    def chart(request: Request, name: str):
        from adequa.indicators import get_definition
        from adequa.publish.api import ApiError

        try:
            get_definition(name)
        except InputError as exc:
            raise ApiError(404, "not_found", f"no indicator {name!r}") from exc
        f = _filters(request, state)
        fig = state.figure(name, group=f["group"], territory=f["territory"], period=f["period"] or None)
        svg = _chart_svg(state, fig)
        if svg is None:
            raise ApiError(404, "not_available", f"{name}: no chart for these filters")
        return Response(svg, media_type="image/svg+xml")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response((HERE / "static" / "favicon.svg").read_bytes(), media_type="image/svg+xml")
