"""The main job: every stage in order on the data at hand, each reported as it ends.

A stage whose inputs are absent is skipped with a message, never silently:
the study then says which sections lack data.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from rich.console import Console

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

    folder = root / "offers"
    paths = sorted(p for p in folder.rglob("*") if p.suffix in {".csv", ".json", ".jsonl"}
                   and "competences" not in p.name) if folder.exists() else []
    if not paths:
        console.print(f"[yellow]no job-ad files under {folder}[/]")
        return None
    summary = ingest_offers(paths, db=settings.db)
    console.print(f"  ads: read {summary.read:,}, stored {summary.stored:,}, updated {summary.updated:,}, "
                  f"rejected {summary.rejected:,}, duplicates {summary.duplicates:,}, "
                  f"personal data removed {summary.personal_data_removed:,}")
    return summary


def _enrich(settings: Settings):
    from adequa.pipeline.enrich import enrich_warehouse

    return enrich_warehouse(settings)


def _statistics(settings: Settings, root: Path):
    from adequa.pipeline.statistics import load_available

    return load_available(settings, root)


def _training(settings: Settings, root: Path):
    from adequa.pipeline.training import load_available

    return load_available(settings, root)


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
