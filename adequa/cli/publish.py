"""`adequa study` (the report as HTML, PDF, data and figures) and `adequa serve` (dashboard + REST API)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from adequa.cli._apps import DbOption, app, check_study_options, settings_with


@app.command("study")
def study(
    db: DbOption = None,
    group: Annotated[str, typer.Option("--group", help="Occupation group id, e.g. data-ia (see `adequa indicators groups`).")] = "data-ia",
    territory: Annotated[str, typer.Option("--territory", help="Territory as level:code, e.g. region:28, departement:76, france.")] = "region:28",
    period: Annotated[Optional[str], typer.Option("--period", help="Period: 2024, 2024Q1, 2024-03 or A..B (default: all data).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder written: index.html, study.pdf, data/, figures/.")] = Path("study"),
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: fr or en.")] = "fr",
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also print study.pdf with headless Chromium.")] = True,
    png: Annotated[bool, typer.Option("--png/--no-png", help="Also write PNG copies of the charts.")] = True,
) -> None:
    """Regenerate the study: a self-contained HTML report, its PDF, the data and the figures.

    Every section of the study is present; a section whose data are not loaded says so ("Données non disponibles : …") instead of disappearing.

    Example: adequa study --group data-ia --territory region:28 --period 2024 --out study
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from adequa.publish.report.study import build_study

    settings = settings_with(db)
    _check_study_inputs(settings.db, group=group, territory=territory, period=period, lang=lang)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("study", total=None)

        def report(what: str, done: int, total: int) -> None:
            progress.update(task, description=what, completed=done, total=total or None)

        result = build_study(settings.db, out=out, group=group, territory=territory, period=period, lang=lang,
                             pdf=pdf, png=png, settings=settings, progress=report)
    console.print(f"[green]✓[/] {result.summary()}")
    by_reason: dict[str, list[str]] = {}
    for f in result.missing:
        by_reason.setdefault(f.reason or "no data", []).append(f.name)
    for reason, names in by_reason.items():
        console.print(f"  [yellow]–[/] {reason} [dim]({', '.join(names)})[/]", highlight=False)


def _check_study_inputs(db, *, group: str, territory: str, period: str | None, lang: str) -> None:
    """Refuse a bad --db, --group, --territory, --period or --lang before the --out folder is created."""
    from adequa.errors import InputError
    from adequa.indicators import open_warehouse

    if lang not in ("fr", "en"):
        raise InputError(f"unknown language {lang!r}: use fr or en", field="--lang")
    check_study_options(group, territory, period)
    open_warehouse(db).close()


def _annotator(settings):
    """A lazy ``annotate(text, title)`` over the skills engineer's extractor; None if absent."""
    try:
        from adequa.pipeline import annotate as annotate_mod
    except ImportError:
        return None
    loader = getattr(annotate_mod, "load_skill_extractor", None)
    if loader is None:
        return None
    state: dict = {}

    def annotate(text: str, title: str | None = None):
        if "ex" not in state:
            state["ex"] = loader(settings)
        ex = state["ex"]
        mentions = ex.extract(text)
        out = {"skills": [m.to_dict() if hasattr(m, "to_dict") else m for m in mentions]}
        if title and hasattr(annotate_mod, "classify_title"):
            out["occupation"] = annotate_mod.classify_title(title, settings)
        return out

    return annotate


def prepare_warehouse(db) -> dict:
    """Bring what the server reads up to date (writable, before serving): the indicators' facts and the ads
    search index, each rebuilt only when stale."""
    from adequa.indicators import facts
    from adequa.publish.search import update_index
    from adequa.store.duckdb import Warehouse

    out = {}
    with Warehouse(db) as wh:
        wh.con.execute("SET enable_progress_bar = false")
        if wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ads'"):
            out["facts"] = "fresh" if facts.fresh(wh.con) else facts.build(wh.con)
            if out["facts"] == "fresh" and not facts.rollups_fresh(wh.con):   # facts built before the rollups
                out["rollups"] = facts.build_rollups(wh.con)
            out["search_index"] = update_index(wh.con)
    return out


def app_factory():
    """The app of one worker process (``adequa serve --processes N``), configured by ADEQUA_SERVE_CONFIG."""
    import json
    import os

    from adequa.publish.api import create_app

    conf = json.loads(os.environ["ADEQUA_SERVE_CONFIG"])
    settings = settings_with(Path(conf["db"]))
    return create_app(settings.db, settings=settings, cors_origins=conf["origins"],
                      annotator=None if conf["no_annotate"] else _annotator(settings), defaults=conf["defaults"])


@app.command("serve")
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (127.0.0.1 = this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    group: Annotated[str, typer.Option("--group", help="Default occupation group of the dashboard.")] = "data-ia",
    territory: Annotated[str, typer.Option("--territory", help="Default territory of the dashboard.")] = "region:28",
    period: Annotated[Optional[str], typer.Option("--period", help="Default period (default: all data).")] = None,
    cors: Annotated[Optional[str], typer.Option("--cors", help="Comma-separated origins allowed to call the API from a browser.")] = None,
    workers: Annotated[int, typer.Option("--workers", help="Threads answering requests (per process).")] = 8,
    processes: Annotated[int, typer.Option("--processes", help="Server processes (uvicorn workers), each with its "
                                           "own read-only connection and caches; 1 = one process.")] = 1,
    prepare: Annotated[bool, typer.Option("--prepare", help="First rebuild, if stale, the indicators' facts and the "
                                          "ads search index (needs write access), then serve read-only.")] = False,
    no_annotate: Annotated[bool, typer.Option("--no-annotate", help="Do not offer POST /api/v1/annotate.")] = False,
) -> None:
    """Serve the dashboard and the REST API (read-only on the warehouse).

    Dashboard at http://HOST:PORT/, API under /api/v1, OpenAPI docs at /docs.

    Example: adequa serve --db adequa.duckdb --port 8000 --territory region:28 --prepare --processes 2
    """
    import json
    import os

    import anyio.to_thread
    import uvicorn

    settings = settings_with(db)
    origins = [o.strip() for o in cors.split(",") if o.strip()] if cors else None
    defaults = {"group": group, "territory": territory, "period": period}
    if prepare:
        from rich.console import Console

        with Console(stderr=True).status("Preparing the warehouse (facts, search index)…"):
            done = prepare_warehouse(settings.db)
        typer.echo(f"prepared: {done}", err=True)
    if not no_annotate and host not in ("127.0.0.1", "localhost", "::1") and settings.api_token is None:
        # Annotating costs CPU: on an interface others can reach, offer it only behind the token.
        no_annotate = True
        typer.echo("POST /api/v1/annotate disabled: set ADEQUA_API_TOKEN to offer it on a non-loopback host", err=True)
    typer.echo(f"Adequa dashboard on http://{host}:{port}/  (API: /api/v1, docs: /docs)", err=True)
    if processes > 1:
        os.environ["ADEQUA_SERVE_CONFIG"] = json.dumps({"db": str(settings.db), "origins": origins,
                                                        "no_annotate": no_annotate, "defaults": defaults})
        uvicorn.run("adequa.cli.publish:app_factory", factory=True, host=host, port=port, workers=processes,
                    log_level="warning")
        return
    from adequa.publish.api import create_app

    application = create_app(settings.db, settings=settings, cors_origins=origins,
                             annotator=None if no_annotate else _annotator(settings), defaults=defaults)

    @application.on_event("startup")
    async def _threads() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = max(1, workers)

    uvicorn.run(application, host=host, port=port, log_level="warning")
