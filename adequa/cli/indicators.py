"""`adequa indicators list|compute|groups|territories` and `adequa ingest bmo|job-seekers|census|tension`.

Thin commands over :mod:`adequa.indicators` and :mod:`adequa.pipeline.statistics`;
heavy imports stay inside the functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from adequa.cli._apps import DbOption, FormatOption, GroupOption, TerritoryOption, indicators_app, ingest_app, settings_with

FORMATS = ("table", "csv", "json")


def _check_format(fmt: str) -> str:
    from adequa.errors import InputError

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", field="--format")
    return fmt


def _print_rows(rows: list[dict], columns: list[str], fmt: str, title: str | None = None) -> None:
    import csv
    import json
    import sys

    from rich.console import Console
    from rich.table import Table

    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
    elif fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    else:
        table = Table(title=title)
        for c in columns:
            table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*[_fmt(r.get(c)) for c in columns])
        Console().print(table)


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if not v.is_integer() else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    return str(v)


@indicators_app.command("list")
def list_cmd(
    section: Annotated[Optional[str], typer.Option("--section", help="Only this section: workers, job_seekers, offers, "
                                                                      "bmo, skills, tension, training, gaps, emerging.")] = None,
    fmt: FormatOption = "table",
) -> None:
    """List the indicators with their definitions, units and inputs.

    Example: adequa indicators list --section offers
    """
    from adequa.indicators import list_indicators

    _check_format(fmt)
    rows = [d.to_dict() for d in list_indicators(section)]
    for r in rows:
        r["inputs"] = ", ".join(r["inputs"])
        r["options"] = "; ".join(f"{k}: {v}" for k, v in r["options"].items())
    cols = (["name", "section", "unit", "definition"] if fmt == "table"
            else ["name", "section", "unit", "title", "title_en", "definition", "inputs", "options", "limits"])
    _print_rows(rows, cols, fmt, title="Adequa indicators")


@indicators_app.command("compute")
def compute_cmd(
    name: Annotated[str, typer.Argument(help="Indicator name (see `adequa indicators list`).")],
    group: GroupOption = "data-ia",
    territory: TerritoryOption = "france",
    period: Annotated[Optional[str], typer.Option("--period", help="2024, 2024Q1 (or 2024-T1), 2024-03, or A..B.")] = None,
    min_cell_size: Annotated[Optional[int], typer.Option("--min-cell-size", help="Withhold figures from fewer units "
                                                                               "(default: settings, 5).")] = None,
    option: Annotated[Optional[List[str]], typer.Option("--option", "-o", help="Indicator option KEY=VALUE, "
                                                                              "repeatable (e.g. compare=2019Q1).")] = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Compute one indicator for a group, a territory and a period, with its provenance.

    Example: adequa indicators compute offers_count --group data-ia --territory region:28 --period 2024Q1

    Example: adequa indicators compute offers_growth -o compare=2019Q1 --period 2024Q1 --format json
    """
    import json

    from rich.console import Console

    from adequa.errors import InputError
    from adequa.indicators import compute

    _check_format(fmt)
    opts = {}
    for item in option or []:
        if "=" not in item:
            raise InputError(f"--option expects KEY=VALUE, got {item!r}", field="--option")
        k, v = item.split("=", 1)
        opts[k.strip()] = v.strip()
    settings = settings_with(db)
    result = compute(name, db=settings.db, group=group, territory=territory, period=period,
                     min_cell_size=min_cell_size if min_cell_size is not None else settings.min_cell_size, **opts)
    hint = _empty_period_hint(settings.db, result)
    if fmt == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str))
    elif fmt == "csv":
        _print_rows(result.rows, result.columns, "csv")
    if fmt != "table":
        if hint:
            Console(stderr=True).print(f"[yellow]note:[/] {hint}", highlight=False)
        return
    console = Console()
    console.print(f"[bold]{result.title}[/] ({result.name}) — group {result.group}, territory {result.territory}, "
                  f"period {result.period or 'all'}")
    console.print(f"[bold]value:[/] {_fmt(result.value)} {result.unit}")
    if result.rows:
        _print_rows(result.rows, result.columns, "table")
    console.print(result.provenance.line("en") + f" — rows used: {_fmt(result.provenance.rows)}", highlight=False)
    for s in result.suppressed:
        console.print(f"[yellow]withheld:[/] {s}", highlight=False)
    for n in result.notes:
        console.print(f"[dim]note:[/] {n}", highlight=False)
    if hint:
        console.print(f"[yellow]note:[/] {hint}", highlight=False)


def _empty_period_hint(db, result) -> str | None:
    """When an ads-based figure used no row for the period asked, say which period the ads cover."""
    if result.provenance.rows or not result.period or "ads" not in result.provenance.source.split(", "):
        return None
    from adequa.store.duckdb import Warehouse

    try:
        with Warehouse(db, read_only=True) as wh:
            first, last, n = wh.query("SELECT min(created_at), max(created_at), count(*) FROM ads")[0]
    except Exception:       # no warehouse or no ads table: the figure's own message says enough
        return None
    if not n:
        return "the warehouse holds no ads: load some with `adequa ingest offers` or `adequa run`"
    return (f"no ad of {result.group} in {result.territory} for period {result.period}; the warehouse's "
            f"{n:,} ads were posted from {first} to {last} (leave out --period for all data)")


@indicators_app.command("refresh")
def refresh_cmd(db: DbOption = None) -> None:
    """Rebuild the pre-aggregated facts that make ads-based indicators fast (after loading or enriching ads).

    Until it is run, indicators notice that ads changed and compute from the ads directly (same figures, slower).

    Example: adequa indicators refresh --db adequa.duckdb
    """
    from rich.console import Console

    from adequa.pipeline.statistics import refresh_facts

    with Console().status("aggregating offers and skills…"):
        out = refresh_facts(db=settings_with(db).db)
    Console().print(f"offer_facts: {out['offer_facts']:,} rows, skill_facts: {out['skill_facts']:,} rows "
                    f"({out['seconds']:,.1f} s)")


@indicators_app.command("groups")
def groups_cmd(fmt: FormatOption = "table") -> None:
    """List the occupation groups (YAML files; add yours in a folder named by ADEQUA_GROUPS_DIR).

    Example: ADEQUA_GROUPS_DIR=./my-groups adequa indicators groups
    """
    from adequa.indicators.groups import load_groups

    _check_format(fmt)
    rows = []
    for g in load_groups().values():
        d = g.to_dict()
        d["domains"] = "; ".join(d["domains"]) if fmt != "json" else d["domains"]
        for k in ("rome", "fap2021", "fap2009"):
            d[k] = ", ".join(d[k]) if fmt != "json" else d[k]
        rows.append(d)
    _print_rows(rows, ["id", "label", "rome", "fap2021", "fap2009", "domains"] + (["path"] if fmt != "table" else []),
                fmt, title="Occupation groups")


@indicators_app.command("territories")
def territories_cmd(
    level: Annotated[str, typer.Option("--level", help="region, departement or custom.")] = "region",
    fmt: FormatOption = "table",
) -> None:
    """List known territories and how to write them (level:code).

    Example: adequa indicators territories --level departement
    """
    from adequa.indicators.territories import all_territories, definitions

    _check_format(fmt)
    if level == "custom":
        rows = [{"spec": k, "label": v.get("label"), "level": v["level"], "members": ", ".join(map(str, v["members"]))}
                for k, v in definitions()["custom"].items()]
        cols = ["spec", "label", "level", "members"]
    else:
        rows = [{"spec": t.spec, "label": t.label} for t in all_territories(level)]
        cols = ["spec", "label"]
    _print_rows(rows, cols, fmt, title=f"Territories ({level})")


# ---- ingestion of statistical files ------------------------------------------------------------------

def _load(kind: str, path: Path, db, quiet: bool, **options) -> None:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from adequa.pipeline.statistics import ingest_statistics

    settings = settings_with(db)
    if quiet:
        result = ingest_statistics(kind, path, db=settings.db, **options)
    else:
        with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.completed:,} rows"),
                      TimeElapsedColumn(), transient=True) as bar:
            task = bar.add_task(f"{kind}: {path.name}", total=None)
            result = ingest_statistics(kind, path, db=settings.db,
                                       progress=lambda n: bar.update(task, completed=n), **options)
    Console().print(f"[bold]{kind}[/] {path} → table {result.table}: read {result.read:,}, new {result.inserted:,}, "
                    f"updated {result.updated:,}, withheld by the publisher {result.suppressed:,} "
                    f"({result.seconds:,.1f} s, layout {result.details.get('layout')})", highlight=False)
    _print_job_seekers(result)
    for d in result.details.get("pcs_to_fap", []):
        msg = d.get("skipped") or (f"{d['workers_mapped']:,.0f} workers mapped, {d['workers_not_mapped']:,.0f} not "
                                   f"in the table ({d['level_measured']} level), {d['rows']:,} rows")
        Console().print(f"  census {d['year']}: {d['from']} → {d['to'] or 'FAP'}: {msg}", highlight=False)


def _print_job_seekers(result) -> None:
    """The job-seeker rows a tension table gave (adequa.pipeline.statistics.derive_job_seekers_from_tension)."""
    from rich.console import Console

    js = result.details.get("job_seekers") or {}
    if js.get("rows"):
        withheld = js.get("departements_withheld") or {}
        Console().print(f"  job seekers (cat. ABC) → table job_seekers: {js['rows']:,} rows for "
                        f"{', '.join(js['periods'])} (layout {js['layout']}), {js['departements']} départements "
                        f"(bassins → départements: {js.get('bassins_to_departements')}; {len(withheld)} withheld: "
                        "a bassin straddles them or is unknown)", highlight=False)


def _check_layout(layout: str | None, known: tuple[str, ...]) -> None:
    from adequa.errors import InputError

    if layout is not None and layout not in known:
        raise InputError(f"unknown layout {layout!r}; use one of {', '.join(known)}", field="--layout")


QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
SheetOption = Annotated[Optional[str], typer.Option("--sheet", help="XLSX sheet name (default: the first with the header).")]


@ingest_app.command("bmo")
def ingest_bmo(
    path: Annotated[Path, typer.Argument(help="BMO open-data file (CSV or XLSX), one row per métier × bassin.")],
    year: Annotated[Optional[int], typer.Option("--year", help="Survey year when the file has no annee column.")] = None,
    sheet: SheetOption = None,
    quiet: QuietOption = False,
    db: DbOption = None,
) -> None:
    """Load a BMO survey file (France Travail "Besoins en main-d'œuvre") into the `bmo` table.

    Example: adequa ingest bmo Base_open_data_BMO_2024.xlsx --db adequa.duckdb
    """
    _load("bmo", path, db, quiet, year=year, sheet=sheet)


@ingest_app.command("job-seekers")
def ingest_job_seekers(
    path: Annotated[Path, typer.Argument(help="Job seekers by occupation and territory (CSV or XLSX): a DARES / "
                                              "France Travail table (one column per period, or one column per "
                                              "breakdown with the period in the title) or a long table.")],
    nomenclature: Annotated[Optional[str], typer.Option("--nomenclature", help="rome4, rome3, fap2021 or fap2009 "
                                                                               "(default: from the column).")] = None,
    period: Annotated[Optional[str], typer.Option("--period", help="Period when the file names none, e.g. 2024Q1.")] = None,
    layout: Annotated[Optional[str], typer.Option("--layout", help="stmt-defm-series-2024, stmt-defm-breakdown-2024 "
                                                                   "or defm-long-1 (default: told from the header "
                                                                   "row).")] = None,
    sheet: SheetOption = None,
    quiet: QuietOption = False,
    db: DbOption = None,
) -> None:
    """Load job seekers at the end of a month/quarter (France Travail – DARES, STMT) into `job_seekers`.

    Example: adequa ingest job-seekers defm_fap_region_2024T1.xlsx --db adequa.duckdb
    """
    _check_layout(layout, ("stmt-defm-series-2024", "stmt-defm-breakdown-2024", "defm-long-1"))
    _load("job-seekers", path, db, quiet, nomenclature=nomenclature, period=period, sheet=sheet, layout=layout)


@ingest_app.command("census")
def ingest_census(
    path: Annotated[Path, typer.Argument(help="Employed persons (INSEE RP): a fichier détail (FD_MOBPRO, FD_INDCVI…), "
                                              "a base de tableaux détaillés (BTT_TD_…) or a long table.")],
    year: Annotated[Optional[int], typer.Option("--year", help="Census year when neither a column nor the file name "
                                                               "gives it.")] = None,
    nomenclature: Annotated[Optional[str], typer.Option("--nomenclature", help="Occupation codes: fap2021, fap2009, "
                                                        "pcs2003 or pcs2020 (default: from the codes and the year: "
                                                        "PCS 2003 up to RP 2020, PCS 2020 from RP 2021).")] = None,
    layout: Annotated[Optional[str], typer.Option("--layout", help="insee-rp-fd-2021, insee-rp-btt-2021 or rp-long-1 "
                                                                   "(default: told from the header row).")] = None,
    place: Annotated[Optional[str], typer.Option("--place", help="Fichier détail: count people where they work (DCLT) "
                                                                 "or where they live (default: work when DCLT is "
                                                                 "present).")] = None,
    levels: Annotated[Optional[str], typer.Option("--levels", help="Fichier détail / BTT: territorial levels to "
                                                                   "aggregate to, comma-separated (default: "
                                                                   "region,departement; France is their sum; "
                                                                   "add zone_emploi, bassin (with the geo "
                                                                   "referential), commune or france).")] = None,
    sheet: SheetOption = None,
    quiet: QuietOption = False,
    db: DbOption = None,
) -> None:
    """Load census figures (INSEE RP, employed persons) into `census_workers`; PCS-coded rows also get FAP rows.

    Example: adequa ingest census FD_MOBPRO_2021.csv --levels region,departement --db adequa.duckdb

    Example: adequa ingest census BTT_TD_ACT4_2021.csv --db adequa.duckdb
    """
    from adequa.errors import InputError

    _check_layout(layout, ("insee-rp-fd-2021", "insee-rp-btt-2021", "rp-long-1"))
    if place not in (None, "work", "residence"):
        raise InputError(f"--place must be work or residence, not {place!r}", field="--place")
    lv = [x.strip() for x in levels.split(",") if x.strip()] if levels else None
    known = ("france", "region", "departement", "zone_emploi", "bassin", "commune")
    bad = [x for x in lv or [] if x not in known]
    if bad:
        raise InputError(f"unknown level(s) {', '.join(bad)}; use {', '.join(known)}", field="--levels")
    _load("census", path, db, quiet, year=year, nomenclature=nomenclature, sheet=sheet, layout=layout, place=place,
          levels=lv)


@ingest_app.command("pcs-fap")
def ingest_pcs_fap(
    path: Annotated[Path, typer.Argument(help="A PCS → FAP table (CSV or XLSX): a column of PCS professions (388a), "
                                              "one of detailed FAP codes, optionally a weight.")],
    pcs: Annotated[str, typer.Option("--pcs", help="PCS version of the codes: pcs2020 or pcs2003.")] = "pcs2020",
    sheet: SheetOption = None,
    quiet: QuietOption = False,
    db: DbOption = None,
) -> None:
    """Load a PCS → FAP correspondence (e.g. DARES PCS 2020 → FAP 2021) into `pcs_fap` and re-derive census FAP rows.

    PCS 2003 → FAP-2009 comes with the referentials (`adequa data pull`); this adds other pairs.

    Example: adequa ingest pcs-fap passage_pcs2020_fap2021.xlsx --pcs pcs2020 --db adequa.duckdb
    """
    from adequa.errors import InputError

    if pcs not in ("pcs2020", "pcs2003"):
        raise InputError(f"--pcs must be pcs2020 or pcs2003, not {pcs!r}", field="--pcs")
    _load("pcs-fap", path, db, quiet, pcs_nomenclature=pcs, sheet=sheet)


@ingest_app.command("tension")
def ingest_tension(
    path: Annotated[Optional[Path], typer.Argument(help="A tension file (see --kind); omit with --mirror.")] = None,
    kind: Annotated[str, typer.Option("--kind", help="tension (ROME × bassin), shortage (métiers en tension by "
                                                    "région) or offer-counts (offers per commune × ROME).")] = "tension",
    year: Annotated[Optional[int], typer.Option("--year", help="Year of a shortage list.")] = None,
    mirror: Annotated[Optional[Path], typer.Option("--mirror", help="Load every labour file of a data mirror "
                                                                    "(<mirror>/labour).")] = None,
    quiet: QuietOption = False,
    db: DbOption = None,
) -> None:
    """Load tension statistics: job seekers, offers and tension per ROME × bassin; shortage lists; offer counts.

    The ROME × bassin table's job seekers also go to `job_seekers` (bassin, département, région, France).

    Example: adequa ingest tension --mirror ../shared/data --db adequa.duckdb

    Example: adequa ingest tension metiers_en_tension_mars_2024.csv --kind shortage --year 2024
    """
    from adequa.errors import InputError

    if mirror is not None:
        from rich.console import Console

        from adequa.pipeline.statistics import ingest_mirror_labour

        for r in ingest_mirror_labour(mirror, db=settings_with(db).db):
            Console().print(f"[bold]{r.kind}[/] {r.origin} → {r.table}: read {r.read:,}, new {r.inserted:,}, "
                            f"updated {r.updated:,} ({r.seconds:,.1f} s)", highlight=False)
            _print_job_seekers(r)
        return
    if path is None:
        raise InputError("give a file, or --mirror DIR", field="path")
    if kind not in ("tension", "shortage", "offer-counts"):
        raise InputError(f"unknown --kind {kind!r}; use tension, shortage or offer-counts", field="--kind")
    _load(kind, path, db, quiet, **({"year": year} if year else {}))
