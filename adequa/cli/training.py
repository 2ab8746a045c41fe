"""Training supply: `adequa ingest rncp|lheo|headcounts|formacode`, `adequa training supply|certifications|gap|annotate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from adequa.cli._apps import DbOption, FormatOption, GroupOption, TerritoryOption, ingest_app, settings_with, training_app

PathArg = Annotated[Path, typer.Argument(help="File (or folder, or .zip) to load.", exists=False)]


def _progress(label: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    transient=True)


def _print_summary(summary) -> None:
    from rich.console import Console

    s = summary
    extra = f", {s.versions} new version(s)" if s.versions else ""
    Console(stderr=True).print(
        f"[green]✓[/] {s.source}: read {s.read}, stored {s.stored}, updated {s.updated}, unchanged {s.unchanged}, "
        f"rejected {s.rejected}{extra} in {s.seconds:.1f} s"
        + (" — see the rejects table: adequa training rejects" if s.rejected else ""), highlight=False)


@ingest_app.command("rncp")
def ingest_rncp_cmd(
    path: PathArg,
    db: DbOption = None,
    annotate: Annotated[bool, typer.Option("--annotate/--no-annotate", help="Then find the skills of the blocs and infer ROME links.")] = True,
) -> None:
    """Load an RNCP or Répertoire spécifique export: the XML flux V4.1 or the CSV export, zipped or not.

    A newer export updates fiches (state, dates, versions) without duplicates and keeps the older versions; bad fiches go to the rejects table with their number and the field at fault.

    Example: adequa ingest rncp export_fiches_RNCP_V4_1_2026-08-16.xml --db adequa.duckdb
    """
    from adequa.pipeline import training
    from adequa.store.duckdb import Warehouse

    settings = settings_with(db)
    with Warehouse(settings.db) as wh, _progress("fiches") as bar:
        task = bar.add_task("fiches", total=None)
        summary = training.ingest_rncp(path, wh, progress=lambda n: bar.advance(task, n))
    _print_summary(summary)
    if annotate:
        try:
            _annotate(settings)
        except Exception as exc:             # the fiches are loaded; annotation can be re-run alone
            from rich.console import Console

            Console(stderr=True).print(f"[yellow]fiches loaded, skills not annotated:[/] {type(exc).__name__}: {exc} "
                                       "— run `adequa training annotate` once fixed", highlight=False)


def _annotate(settings, extractor_kind: str = "linker") -> None:
    from rich.console import Console

    from adequa.errors import ReferentialError
    from adequa.pipeline import training
    from adequa.store.duckdb import Warehouse

    console = Console(stderr=True)
    try:
        extractor = training.load_extractor(settings, extractor_kind)
        links = training.rome_skill_links(settings.data_root())
    except ReferentialError as exc:
        console.print(f"[yellow]skills not annotated:[/] {exc} (run `adequa training annotate` once ROME is at hand)")
        return
    with Warehouse(settings.db) as wh, _progress("blocs") as bar:
        task = bar.add_task("blocs", total=None)
        names = training.load_names_extractor(settings) if extractor_kind == "linker" else None
        out = training.annotate_certifications(wh, extractor, ogr_romes=links, names=names,
                                               progress=lambda n: bar.advance(task, n))
    console.print(f"[green]✓[/] skills: {out['skills']} mentions in {out['certifications']} certifications, "
                  f"{out['inferred_rome']} inferred ROME links", highlight=False)


@training_app.command("annotate")
def annotate_cmd(db: DbOption = None,
                 extractor: Annotated[str, typer.Option("--extractor", help="linker (bloc items -> ROME compétences/savoirs, default), ads (the ads' skill extractor) or phrases (exact ROME labels).")] = "linker") -> None:
    """Link each certification's bloc items to ROME compétences and savoirs, and infer ROME links.

    Example: adequa training annotate --db adequa.duckdb
    """
    _annotate(settings_with(db), extractor)


@ingest_app.command("lheo")
def ingest_lheo_cmd(path: PathArg, db: DbOption = None) -> None:
    """Load LHÉO 2.x training offers (XML) or their Intercarif JSON form: formations, actions, sessions.

    Example: adequa ingest lheo offres-normandie-lheo.xml --db adequa.duckdb
    """
    from adequa.pipeline import training
    from adequa.store.duckdb import Warehouse

    settings = settings_with(db)
    with Warehouse(settings.db) as wh, _progress("offers") as bar:
        task = bar.add_task("offers", total=None)
        summary = training.ingest_lheo(path, wh, progress=lambda n: bar.advance(task, n))
    _print_summary(summary)


@ingest_app.command("headcounts")
def ingest_headcounts_cmd(
    path: PathArg,
    db: DbOption = None,
    map_: Annotated[Optional[list[str]], typer.Option("--map", help="field=Column of the file, e.g. value=Effectif (repeatable). Fields: numero, diploma, niveau, territory, region, departement, period, measure, value, institution.")] = None,
    territory: Annotated[Optional[str], typer.Option("--territory", help="Territory of every row when the file has none, e.g. region:28.")] = None,
    period: Annotated[Optional[str], typer.Option("--period", help="Period of every row when the file has none, e.g. 2022-2023.")] = None,
    measure: Annotated[str, typer.Option("--measure", help="students, places or graduates (when the file has no measure column).")] = "students",
    source: Annotated[Optional[str], typer.Option("--source", help="Who published the figures, printed under them.")] = None,
) -> None:
    """Load headcounts (students, places or graduates) per certification or diploma and territory.

    Example: adequa ingest headcounts effectifs.csv --map diploma="Intitulé de diplôme" --map value=Effectif --territory region:28 --period 2022-2023 --source "Carif-Oref de Normandie"
    """
    from adequa.errors import InputError
    from adequa.pipeline import training
    from adequa.store.duckdb import Warehouse

    mapping = {}
    for item in map_ or []:
        if "=" not in item:
            raise InputError(f"--map {item!r}: write field=Column", field="--map")
        k, v = item.split("=", 1)
        mapping[k.strip()] = v.strip()
    defaults = {"territory": territory, "period": period, "measure": measure, "source": source}
    settings = settings_with(db)
    with Warehouse(settings.db) as wh:
        summary = training.ingest_headcounts(path, wh, mapping=mapping, defaults=defaults)
    _print_summary(summary)


@ingest_app.command("formacode")
def ingest_formacode_cmd(
    db: DbOption = None,
    formacode: Annotated[Optional[Path], typer.Option("--formacode", help="Formacode thesaurus file (FCod-utf-8.csv).")] = None,
    nsf: Annotated[Optional[Path], typer.Option("--nsf", help="NSF nomenclature (codformation,libformation).")] = None,
) -> None:
    """Load the Formacode thesaurus and the NSF nomenclature (default: from the data root).

    Example: adequa ingest formacode --db adequa.duckdb
    """
    from rich.console import Console

    from adequa.pipeline import training
    from adequa.store.duckdb import Warehouse

    settings = settings_with(db)
    with Warehouse(settings.db) as wh:
        root = None if (formacode or nsf) else settings.data_root()
        out = training.ingest_training_referentials(wh, formacode=formacode, nsf=nsf, root=root)
    Console(stderr=True).print(f"[green]✓[/] " + ", ".join(f"{k}: {v} rows" for k, v in out.items()))


# -- reading the supply -------------------------------------------------------------------------------------
def _emit(result, fmt: str) -> None:
    import csv
    import json
    import sys

    from rich.console import Console
    from rich.table import Table

    from adequa.errors import InputError

    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str) + "\n")
        return
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=result.columns, extrasaction="ignore")
        writer.writeheader()
        for row in result.rows:
            writer.writerow({k: (";".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for k, v in row.items()})
        return
    if fmt != "table":
        raise InputError(f"format {fmt!r}: use table, csv or json", field="--format")
    console = Console()
    # a column empty in every row only squeezes the others in a terminal: leave it out of the table, say so
    shown = [c for c in result.columns if any(row.get(c) not in (None, "", [], ()) for row in result.rows)] \
        if result.rows else list(result.columns)
    table = Table(title=f"{result.title} — {result.group} — {result.territory}", show_lines=False)
    for c in shown:
        table.add_column(c, overflow="fold")
    for row in result.rows:
        table.add_row(*["" if row.get(c) is None else (", ".join(map(str, row[c])) if isinstance(row[c], (list, tuple))
                                                         else str(row[c])) for c in shown])
    console.print(table)
    if not result.rows:
        console.print("[yellow]no rows[/] for this group and territory")
    hidden = [c for c in result.columns if c not in shown]
    if hidden:
        console.print(f"[dim]columns empty in every row, not shown: {', '.join(hidden)} "
                      f"(--format csv or json shows every column)[/]", highlight=False)
    if result.value is not None:
        console.print(f"[bold]{result.value}[/] {result.unit}")
    for note in result.notes:
        console.print(f"[dim]note: {note}[/]")
    for s in result.suppressed:
        console.print(f"[dim]withheld: {s}[/]")
    console.print(f"[dim]{result.provenance.line('en')}[/]")


def _compute(name: str, db, group: str, territory: str, **options):
    from adequa.indicators import compute

    settings = settings_with(db)
    return compute(name, db=settings.db, group=group, territory=territory, **options)


@training_app.command("supply")
def supply_cmd(db: DbOption = None, group: GroupOption = "data-ia", territory: TerritoryOption = "region:28",
               fmt: FormatOption = "table") -> None:
    """Regional training supply for an occupation group: certifications by level (3 to 8), certifier,
    institution and place, with sessions and places where LHÉO gives them.

    Example: adequa training supply --group data-ia --territory region:28 --format csv
    """
    _emit(_compute("training_supply", db, group, territory), fmt)


@training_app.command("certifications")
def certifications_cmd(db: DbOption = None, group: GroupOption = "data-ia",
                       territory: TerritoryOption = "france", fmt: FormatOption = "table",
                       inferred: Annotated[bool, typer.Option("--inferred/--published-only", help="Also count ROME links inferred from the blocs' skills.")] = True) -> None:
    """Certifications leading to a group's occupations (RNCP→ROME links, published and inferred), with level,
    state, certifiers and the skills their blocs cover.

    Example: adequa training certifications --group data-ia --format json
    """
    _emit(_compute("training_certifications", db, group, territory, inferred=inferred), fmt)


@training_app.command("gap")
def gap_cmd(db: DbOption = None, group: GroupOption = "data-ia", territory: TerritoryOption = "region:28",
            fmt: FormatOption = "table",
            view: Annotated[str, typer.Option("--view", help="skills (coverage of each demanded skill), taught (taught but rarely demanded), emerging, or volume.")] = "skills") -> None:
    """Supply/demand gap: each demanded skill of the group (from ads, with its importance) against the
    certifications that cover it: covered / partly / not covered; or the other views.

    Example: adequa training gap --group data-ia --territory region:28 --format csv
    """
    names = {"skills": "training_skill_coverage", "taught": "training_skills_taught_not_demanded",
             "emerging": "training_emerging_not_covered", "volume": "training_volume_gap"}
    from adequa.errors import InputError

    if view not in names:
        raise InputError(f"view {view!r}: use {', '.join(names)}", field="--view")
    _emit(_compute(names[view], db, group, territory), fmt)


@training_app.command("rejects")
def rejects_cmd(db: DbOption = None, limit: Annotated[int, typer.Option("--limit", help="Rows shown.")] = 50) -> None:
    """Fiches, offers and headcount rows that were refused, with the file, record and field.

    Example: adequa training rejects --limit 20
    """
    from rich.console import Console
    from rich.table import Table

    from adequa.store.duckdb import Warehouse

    settings = settings_with(db)
    with Warehouse(settings.db, read_only=True) as wh:      # a missing file: a clear error, not a traceback
        rows = wh.query("SELECT source, origin_file, line, record, field, reason FROM rejects "
                        "WHERE source IN ('rncp', 'lheo', 'headcounts') ORDER BY rejected_at DESC, origin_file, line, "
                        "record LIMIT ?", [limit]) if "rejects" in wh.tables() else []
    table = Table("source", "file", "line", "record", "field", "reason")
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r])
    console = Console()
    console.print(table)
    console.print(f"{len(rows)} reject(s) shown" + (f" (the {limit} most recent; --limit for more)"
                                                    if len(rows) == limit else ""), highlight=False)
