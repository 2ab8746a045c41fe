"""`adequa data pull | list | check`: the official files and the referentials in the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from adequa.cli._apps import DbOption, FormatOption, data_app, settings_with

FromOption = Annotated[Optional[Path], typer.Option(
    "--from", help="Local mirror of the publishers' files, one folder per dataset (env: ADEQUA_MIRROR).")]
OnlyOption = Annotated[Optional[str], typer.Option(
    "--only", help="Comma-separated datasets: rome, fap, esco, crosswalks, geo (and labour, offers, training, "
                   "benchmarks for the copy).")]
DataDirOption = Annotated[Optional[Path], typer.Option(
    "--data-dir", help="Where the files are put (env: ADEQUA_DATA_DIR; default ./data).")]


def _print_rows(rows: list[dict], fmt: str, title: str) -> None:
    import csv
    import json
    import sys

    if fmt == "json":
        typer.echo(json.dumps(rows, default=str, ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        if rows:
            w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        return
    if fmt != "table":
        from adequa.errors import AdequaError

        raise AdequaError(f"unknown format {fmt!r}: use table, csv or json")
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for col in (rows[0] if rows else {"(nothing)": ""}):
        table.add_column(col, justify="right" if col == "rows" else "left", overflow="fold")
    for r in rows:
        table.add_row(*[f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else ("" if v is None else str(v))
                        for v in r.values()])
    Console().print(table)


@data_app.command("pull")
def pull(
    from_: FromOption = None,
    db: DbOption = None,
    only: OnlyOption = None,
    data_dir: DataDirOption = None,
    link: Annotated[bool, typer.Option("--link", help="Symlink the mirror's files instead of copying them.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Reload tables even when version and checksum are unchanged.")] = False,
    no_load: Annotated[bool, typer.Option("--no-load", help="Only fetch the files; do not load the warehouse.")] = False,
    no_index: Annotated[bool, typer.Option("--no-index", help="Do not build the enrichment models (skills taxonomy, "
                                           "occupation classifier) now; the first `adequa annotate` or `enrich` will.")] = False,
) -> None:
    """Fetch the official files (from --from DIR, ADEQUA_MIRROR, or the publishers) and load the referentials.

    Files go to the data dir with their sha256 in manifest.json; ROME, FAP, ESCO, crosswalks and geography are then loaded into the warehouse, one version beside the other; an unchanged version is skipped. Last, the enrichment models are built from the new files and cached (a few seconds, once per referential version), so that the first `adequa annotate` runs at full speed.

    Example: adequa data pull --from ../shared/data --db adequa.duckdb
    """
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from adequa.pipeline import referentials
    from adequa.sources import pull as pull_mod
    from adequa.store.duckdb import Warehouse

    settings = settings_with(db)
    target = data_dir or settings.data_dir
    wanted = [o.strip() for o in only.split(",")] if only else None
    source = from_ or settings.mirror
    console = Console(stderr=True)
    t0 = time.perf_counter()
    columns = (TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[what]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, int] = {}

        def on_file(dataset: str, done: int, total: int) -> None:
            if dataset not in tasks:
                tasks[dataset] = progress.add_task(f"pull {dataset}", total=total, what="")
            progress.update(tasks[dataset], completed=done, total=total, what=f"{done} files")

        if source:
            pulled = pull_mod.pull_from_dir(source, target, only=wanted, link=link, progress=on_file)
        else:
            pulled = pull_mod.pull_from_publishers(target, only=wanted, progress=on_file)
        copied = sum(1 for f in pulled if f.copied)
        console.print(f"{len(pulled)} files in {target} ({copied} copied, {len(pulled) - copied} unchanged); "
                      f"checksums in {Path(target) / pull_mod.MANIFEST}")
        if no_load:
            return
        loads = []
        with Warehouse(settings.db) as wh:
            referentials.record_pulled(wh, pulled)
            load_tasks: dict[str, int] = {}

            def on_table(dataset: str, table: str, done: int, _total: int) -> None:
                if dataset not in load_tasks:
                    load_tasks[dataset] = progress.add_task(f"load {dataset}", total=None, what="")
                progress.update(load_tasks[dataset], completed=done, what=table)

            loads = referentials.load(target, wh, only=wanted, force=force, progress=on_table)
            for task in load_tasks.values():
                progress.update(task, total=progress.tasks[task].completed)
    _print_rows([{"table": r.table, "version": r.version, "status": r.status, "rows": r.rows,
                  "seconds": f"{r.seconds:.2f}"} for r in loads], "table", f"Referentials in {settings.db}")
    if not no_index and (wanted is None or {"rome", "esco"} & set(wanted)):
        _build_enrichment_models(settings.model_copy(update={"data_dir": Path(target)}), console)
    console.print(f"done in {time.perf_counter() - t0:.1f} s")


def _build_enrichment_models(settings, console) -> None:
    """Compile the skills taxonomy and the occupation classifier from the pulled files into the cache
    folder (``load_models``: both at once on two cores), or load them when they are there already.
    A failure is a warning: the pull itself is done, and annotate reports the cause again."""
    import time

    from adequa.pipeline.annotate import load_models

    t0 = time.perf_counter()
    try:
        with console.status("building the enrichment models (skills taxonomy, occupation classifier)…"):
            _, classifier = load_models(settings)
    except Exception as exc:    # noqa: BLE001 - e.g. a partial pull without ROME
        console.print(f"[yellow]warning:[/] enrichment models not built ({exc}); `adequa annotate` will try again")
        return
    what = "skills taxonomy and occupation classifier" if classifier is not None else "skills taxonomy"
    console.print(f"enrichment models ready ({what}, {time.perf_counter() - t0:.1f} s) in {settings.cache_dir}")


@data_app.command("list")
def list_(db: DbOption = None, format: FormatOption = "table") -> None:
    """List what is loaded: table, version, rows, source, licence, when.

    Example: adequa data list --db adequa.duckdb --format csv
    """
    from adequa.pipeline import referentials
    from adequa.store.duckdb import Warehouse

    settings = settings_with(db)
    with Warehouse(settings.db, read_only=True) as wh:
        rows = referentials.listing(wh)
    _print_rows(rows, format, f"Loaded in {settings.db}")


@data_app.command("check")
def check(db: DbOption = None, format: FormatOption = "table",
          examples: Annotated[int, typer.Option("--examples", help="Examples shown per problem.")] = 5) -> None:
    """Check the warehouse's integrity: links between referential tables, ads and mentions.

    Prints each check with the problems found (count and examples); the exit code is 1 when any check of severity "error" fails, 0 otherwise (warnings are printed only).

    Example: adequa data check --db adequa.duckdb
    """
    from adequa.pipeline import referentials
    from adequa.store.duckdb import Warehouse

    settings = settings_with(db)
    with Warehouse(settings.db, read_only=True) as wh:
        results = referentials.check(wh, examples=examples)
    rows = [{"check": r.check.name, "severity": r.check.severity, "status": r.status, "problems": r.count,
             "examples": "; ".join(map(str, r.examples or [])) or r.note, "what": r.check.description}
            for r in results]
    _print_rows(rows, format, f"Integrity of {settings.db}")
    errors = [r for r in results if r.status == "problem" and r.check.severity == "error"]
    if errors:
        typer.echo(f"{len(errors)} check(s) failed: {', '.join(r.check.name for r in errors)}", err=True)
        raise typer.Exit(1)
