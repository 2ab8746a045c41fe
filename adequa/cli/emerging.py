"""`adequa skills emerging`: rising and falling skills, new unlisted terms, occupation drift."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from adequa.cli._apps import DbOption, FormatOption, GroupOption, TerritoryOption, settings_with, skills_app

_KINDS = {"rising": "emerging_rising_skills", "falling": "emerging_falling_skills", "new": "emerging_new_terms",
          "drift": "emerging_occupation_drift"}


@skills_app.command("emerging")
def emerging_command(
    group: GroupOption = "data-ia",
    territory: TerritoryOption = "france",
    date_from: Annotated[Optional[str], typer.Option("--from", help="First period: 2024Q1, 2024-03 or 2024.")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Second period, compared with the first.")] = None,
    show: Annotated[str, typer.Option("--show", help="Sections: all, or a comma list of rising, falling, new, drift.")] = "all",
    fmt: FormatOption = "table",
    alpha: Annotated[float, typer.Option("--alpha", help="False discovery rate (Benjamini–Hochberg).")] = 0.05,
    min_support: Annotated[Optional[int], typer.Option("--min-support", help="Minimum ads over both periods to test an item (default: min cell size, at least 5).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows per section.")] = 30,
    min_posters: Annotated[int, typer.Option("--min-posters", help="Distinct posters (employers) a change must be carried by.")] = 3,
    discover: Annotated[bool, typer.Option("--discover", help="First scan the ads for new unlisted terms (needs the ROME/ESCO files).")] = False,
    rescan: Annotated[bool, typer.Option("--rescan", help="With --discover: scan every ad again, not only new or changed ones.")] = False,
    workers: Annotated[int, typer.Option("--workers", help="With --discover: parallel processes.")] = 1,
    db: DbOption = None,
) -> None:
    """Emerging skills for a group of occupations and a territory, between two periods.

    Rising and falling skills (two-proportion test, Benjamini–Hochberg), new skill-like terms that no taxonomy lists (with variants, first-seen date, examples and the nearest taxonomy item), and skills asked for outside the ROME fiche.

    Example: adequa skills emerging --group data-ia --territory region:28 --from 2024Q1 --to 2025Q1 --format csv
    """
    from adequa.errors import InputError

    if fmt not in ("table", "csv", "json"):
        raise InputError(f"unknown format {fmt!r}: use table, csv or json", field="--format")
    kinds = list(_KINDS) if show == "all" else [k.strip() for k in show.split(",") if k.strip()]
    bad = [k for k in kinds if k not in _KINDS]
    if bad:
        raise InputError(f"unknown section {', '.join(bad)}: use all or rising, falling, new, drift", field="--show")
    settings = settings_with(db)
    if discover:
        _discover(settings, rescan=rescan, workers=workers)
    from adequa.pipeline.emerging import emerging

    options = {"alpha": alpha, "limit": limit, "min_posters": min_posters}
    if min_support is not None:
        options["min_support"] = min_support
    report = emerging(settings.db, group=group, territory=territory, date_from=date_from, date_to=date_to,
                      min_cell_size=settings.min_cell_size, names=[_KINDS[k] for k in kinds], **options)
    _print(report, fmt)


def _discover(settings, *, rescan: bool, workers: int) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from rich.console import Console

    from adequa.pipeline.emerging import discover_terms, load_taxonomy_labels, taxonomy_from_warehouse
    from adequa.store.duckdb import Warehouse

    err = Console(stderr=True)
    with Warehouse(settings.db) as wh:
        taxonomy = taxonomy_from_warehouse(wh)
        if taxonomy is None:
            root = settings.data_root()
            taxonomy = load_taxonomy_labels(root)
            if not taxonomy.labels:
                err.print(f"[yellow]no ROME/ESCO skills in the warehouse nor under {root}: every candidate term "
                          "counts as unlisted (run `adequa data pull` or set ADEQUA_MIRROR)[/]")
        with Progress(TextColumn("discovering terms"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      transient=True, console=err) as bar:
            task = bar.add_task("scan", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            res = discover_terms(wh, taxonomy=taxonomy, rescan=rescan, workers=workers, progress=tick)
    err.print(f"[green]✓[/] scanned {res.ads_read} ads ({res.ads_skipped} unchanged, skipped): "
                               f"{res.mentions} candidate mentions, {res.unlisted_mentions} unlisted skill mentions, "
                               f"{res.groups} term groups, {res.seconds:.1f} s")


_COLUMNS = {
    "emerging_rising_skills": ["rank", "label", "skill", "ads_from", "ads_to", "share_from", "share_to", "ratio",
                               "q_value", "prob_increase", "posters", "rome_emergent", "certifications"],
    "emerging_falling_skills": ["rank", "label", "skill", "ads_from", "ads_to", "share_from", "share_to", "ratio",
                                "q_value"],
    "emerging_new_terms": ["rank", "term", "variants", "first_seen", "ads_from", "ads_to", "ratio", "q_value", "posters",
                           "nearest_label", "related_skills", "certifications", "examples"],
    "emerging_occupation_drift": ["rank", "rome", "skill", "label", "ads", "ads_rome", "share"],
}


def _print(report: dict, fmt: str) -> None:
    import json

    from rich.console import Console

    out = Console(soft_wrap=True)
    if fmt == "json":
        doc = {name: (r.to_dict() if hasattr(r, "to_dict") else {"missing": r}) for name, r in report.items()}
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=1, default=str))
        return
    if fmt == "csv":
        import csv
        import sys

        names = sorted({c for r in report.values() if hasattr(r, "rows") for row in r.rows for c in row})
        writer = csv.DictWriter(sys.stdout, fieldnames=["section", *names], extrasaction="ignore")
        writer.writeheader()
        for name, r in report.items():
            for row in getattr(r, "rows", []):
                writer.writerow({"section": name, **{k: _cell(v) for k, v in row.items()}})
        return
    from rich.table import Table

    err = Console(stderr=True)
    for name, r in report.items():
        if not hasattr(r, "rows"):
            err.print(f"[yellow]{name}: {r}[/]")
            continue
        if not r.rows:         # an empty 13-column table in 80 columns is only folded headers
            out.print(f"[bold]{r.title}[/] — {r.group}, {r.territory}, {r.period}: [yellow]no rows[/]",
                      highlight=False)
        cols = [c for c in _COLUMNS[name] if any(row.get(c) not in (None, "", []) for row in r.rows)] or _COLUMNS[name]
        if r.rows:
            table = Table(title=f"{r.title} — {r.group}, {r.territory}, {r.period}", title_justify="left")
            for c in cols:
                table.add_column(c, overflow="fold", max_width=60 if c == "examples" else None)
            for row in r.rows:
                table.add_row(*[_cell(row.get(c), short=(c == "examples")) for c in cols])
            out.print(table)
        for note in r.notes:
            out.print(f"[dim]{note}[/]")
        if r.suppressed:
            out.print(f"[dim]{len(r.suppressed)} cell(s) withheld (minimum cell size)[/]")
        out.print(f"[dim]{r.provenance.line('en')}[/]\n")


def _cell(value, short: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        items = [str(v) for v in value]
        if short:
            items = [i[:100] for i in items[:1]]
        return " | ".join(items)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
