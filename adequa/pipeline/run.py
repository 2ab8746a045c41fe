"""The main job: every stage in order on the data at hand, each reported as it ends.

A stage whose inputs are absent is skipped with a message, never silently:
the study then says which sections lack data.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.markup import escape

from adequa.config import Settings

console = Console(stderr=True)
STAGES = ("referentials", "ingest", "enrich", "statistics", "training", "emerging", "search", "study")


def run_all(settings: Settings, *, out: Path, group: str, territory: str, period: str | None,
            engine: str = "duckdb", master: str = "local[2]", skip: set[str] = frozenset()) -> dict:
    from adequa.errors import InputError

    unknown = sorted(set(skip) - set(STAGES))
    if unknown:
        raise InputError(f"unknown stage {', '.join(map(repr, unknown))}: use {', '.join(STAGES)}", field="--skip")
    if engine not in ("duckdb", "spark"):
        raise InputError(f"unknown engine {engine!r}: use duckdb or spark", field="--engine")
    if engine == "spark" and skip:
        raise InputError("--skip applies to the duckdb engine; with --engine spark use `adequa spark run` options",
                         field="--skip")
    if engine == "spark":
        from adequa.pipeline.spark_run import run_spark

        return run_spark(settings, master=master, out=out, group=group, territory=territory, period=period)
    if engine != "duckdb":
        from adequa.errors import AdequaError

        raise AdequaError(f"unknown engine {engine!r}: use duckdb or spark")
    root = settings.data_root()
    steps: dict[str, Callable[[], object]] = {
        "referentials": lambda: _referentials(settings),
        "ingest": lambda: _ingest(settings, root),
        "enrich": lambda: _enrich(settings),
        "statistics": lambda: _statistics(settings, root),
        "training": lambda: _training(settings, root),
        "emerging": lambda: _emerging_terms(settings),
        "search": lambda: _search_index(settings),
        "study": lambda: _study(settings, out, group, territory, period),
    }
    results = {}
    for name in STAGES:
        if name in skip:
            console.print(f"[dim]- {name}: skipped (--skip)[/]")
            continue
        t0 = time.perf_counter()
        results[name] = steps[name]()
        console.print(f"[green]✓[/] {name} [dim]({time.perf_counter() - t0:.1f} s)[/]")
    return results


def _referentials(settings: Settings):
    from adequa.pipeline.referentials import load
    from adequa.store.duckdb import Warehouse

    with Warehouse(settings.db) as wh:
        loads = load(settings.data_root(), wh)
    changed = sum(1 for t in loads if t.status != "unchanged")
    console.print(f"  referentials: {len(loads)} tables, {changed} (re)loaded")
    return loads


def _ingest(settings: Settings, root: Path):
    from adequa.pipeline.ingest import ingest_offers
    from adequa.sources.readers import ad_files

    folder = root / "offers"
    paths = ad_files(folder)
    if not paths:
        console.print(f"[yellow]no job-ad files under {folder}[/]")
        return None
    summary = ingest_offers(paths, db=settings.db)
    console.print(f"  ads: read {summary.read:,}, stored {summary.stored:,}, updated {summary.updated:,}, "
                  f"rejected {summary.rejected:,}, duplicates {summary.duplicates:,}, "
                  f"personal data removed {summary.personal_data_removed:,}")
    return summary


def _enrich(settings: Settings):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from adequa.pipeline.enrich import enrich_warehouse

    with Progress(TextColumn("enrich"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("enrich", total=None)
        result = enrich_warehouse(settings, progress=lambda n, total: bar.update(task, total=total, advance=n))
    console.print(f"  enrich: {result['ads']:,} ads enriched, {result['mentions']:,} skill mentions "
                  f"(taxonomy version {result['version']})", highlight=False)
    return result


def _report_skipped(skipped: list[str]) -> None:
    for reason in skipped:
        console.print(f"  [yellow]skipped[/] {escape(str(reason))}", highlight=False)


def _statistics(settings: Settings, root: Path):
    from adequa.pipeline.statistics import load_available

    result = load_available(settings, root)
    for r in result.get("loaded", []):
        console.print(f"  {r['kind']}: {Path(r['file']).name} → {r['table']}: read {r['read']:,}, "
                      f"inserted {r['inserted']:,}, updated {r['updated']:,}", highlight=False)
    _report_skipped(result.get("skipped", []))
    return result


def _training(settings: Settings, root: Path):
    from adequa.pipeline.training import load_available

    result = load_available(settings, root)
    for kind in ("rncp", "lheo"):
        for r in result.get(kind) or []:
            console.print(f"  {kind}: {Path(str(r.get('origin', ''))).name}: read {r.get('read', 0):,}, "
                          f"stored {r.get('stored', 0):,}, updated {r.get('updated', 0):,}, "
                          f"unchanged {r.get('unchanged', 0):,}, rejected {r.get('rejected', 0):,}", highlight=False)
        if not result.get(kind):
            console.print(f"  [yellow]{kind}: no file under {root / 'training' / kind}[/]", highlight=False)
    if result.get("annotate"):
        a = result["annotate"]
        console.print(f"  certifications annotated: {a.get('certifications', 0):,}, skills {a.get('skills', 0):,}, "
                      f"inferred ROME links {a.get('inferred_rome', 0):,}", highlight=False)
    _report_skipped(result.get("skipped", []))
    return result


def _emerging_terms(settings: Settings):
    """Scan new or changed ads for unlisted terms, so the study's new-terms section has data."""
    import os

    from adequa.pipeline.emerging import discover_terms, taxonomy_from_warehouse
    from adequa.store.duckdb import Warehouse

    with Warehouse(settings.db) as wh:
        if "ads" not in wh.tables():
            console.print("[yellow]no ads: emerging-term discovery skipped[/]")
            return None
        res = discover_terms(wh, taxonomy=taxonomy_from_warehouse(wh), workers=min(2, os.cpu_count() or 1))
    console.print(f"  emerging terms: {res.ads_read:,} ads scanned ({res.ads_skipped:,} unchanged), "
                  f"{res.groups:,} term groups")
    return res


def _search_index(settings: Settings):
    """The dashboard's full-text index of the ads (rebuilt only when stale)."""
    from adequa.publish.search import update_index
    from adequa.store.duckdb import Warehouse

    with Warehouse(settings.db) as wh:
        return update_index(wh.con)


def _study(settings: Settings, out: Path, group: str, territory: str, period: str | None):
    from adequa.publish.report.study import build_study

    result = build_study(settings.db, out=out, group=group, territory=territory, period=period, settings=settings)
    console.print(f"  study: {result.summary()}", highlight=False)
    return result
