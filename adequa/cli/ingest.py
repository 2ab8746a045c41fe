"""`adequa ingest offers` and `adequa ingest france-travail`: job ads into the warehouse.

Heavy imports stay inside the functions: `adequa --help` must start fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from adequa.cli._apps import DbOption, ingest_app, settings_with


def _print_summary(summary) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Ingestion run {summary.run_id}", show_header=False)
    rows = [("read", summary.read), ("stored (new)", summary.stored), ("updated", summary.updated),
            ("rejected", summary.rejected), ("duplicates", summary.duplicates),
            ("personal data removed", summary.personal_data_removed)]
    for name, value in rows:
        table.add_row(name, f"{value:,}")
    table.add_row("time", f"{summary.seconds:,.1f} s ({summary.ads_per_second:,.0f} ads/s)")
    Console().print(table)
    if summary.rejected:
        Console().print("[yellow]rejected rows are in the `rejects` table (file, line, field, reason)[/]")


@ingest_app.command("offers")
def offers(
    paths: Annotated[List[Path], typer.Argument(help="Job-ad files: CSV, JSON or JSONL (.gz/.bz2 allowed).")],
    fmt: Annotated[Optional[str], typer.Option("--format", help="ft, ft-csv, ft-json, ft-jsonl (France Travail schema), "
                                                                "csv/json/jsonl (container only) or mapped; default: sniffed.")] = None,
    mapping: Annotated[Optional[Path], typer.Option("--mapping", help="TOML/YAML file: field = column (see docs/ingestion.md).")] = None,
    map_: Annotated[Optional[List[str]], typer.Option("--map", help="FIELD=COLUMN, repeatable; overrides --mapping.")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="ads.source for generic files (default: csv:<file stem>).")] = None,
    batch_size: Annotated[Optional[int], typer.Option("--batch-size", help="Ads per transaction (default: settings.batch_size).")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Processes normalising records (default: 2 on a multi-core machine).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    db: DbOption = None,
) -> None:
    """Load job-ad files: France Travail dumps or any ads file through a column mapping.

    Re-running on the same files changes no counts; bad rows go to the `rejects` table.

    Example: adequa ingest offers ../shared/data/offers/france-travail/*.csv --db adequa.duckdb

    Example: adequa ingest offers board.csv --map title=job --map date=posted --map location=city --source myboard
    """
    from adequa.pipeline.ingest import ingest_offers
    from adequa.sources.ads_csv import load_mapping

    settings = settings_with(db)
    m = load_mapping(mapping, pairs=map_, source=source) if (mapping or map_) else None
    summary = ingest_offers(paths, db=settings.db, fmt=fmt, mapping=m, progress=not quiet, batch_size=batch_size,
                            source=source, settings=settings, workers=workers)
    _print_summary(summary)


@ingest_app.command("france-travail")
def france_travail(
    rome: Annotated[Optional[str], typer.Option("--rome", help="ROME code, e.g. M1811.")] = None,
    appellation: Annotated[Optional[str], typer.Option("--appellation", help="ROME appellation code.")] = None,
    region: Annotated[Optional[str], typer.Option("--region", help="Région code, e.g. 28 (Normandie).")] = None,
    departement: Annotated[Optional[str], typer.Option("--departement", help="Département code, e.g. 76.")] = None,
    commune: Annotated[Optional[str], typer.Option("--commune", help="Commune INSEE code.")] = None,
    keywords: Annotated[Optional[str], typer.Option("--keywords", help="motsCles search words.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Offers created from this date (YYYY-MM-DD).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Offers created up to this date (default: now).")] = None,
    checkpoint: Annotated[Optional[Path], typer.Option("--checkpoint", help="Resume file (default: <db>.ft-checkpoint.json).")] = None,
    api_url: Annotated[Optional[str], typer.Option("--api-url", help="API base URL (for a proxy or a test server).")] = None,
    token_url: Annotated[Optional[str], typer.Option("--token-url", help="OAuth2 token URL (for a proxy or a test server).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    db: DbOption = None,
) -> None:
    """Harvest the France Travail offers API (needs FT_CLIENT_ID and FT_CLIENT_SECRET).

    Resumable: a re-run continues after the last committed page of each query.

    Example: adequa ingest france-travail --rome M1811 --region 28 --since 2024-01-01
    """
    from adequa.errors import InputError
    from adequa.pipeline.ingest import ingest_france_travail
    from adequa.sources.france_travail import API_URL, TOKEN_URL, FranceTravailClient, Query

    settings = settings_with(db)
    if since:
        from adequa.normalise.values import parse_date

        try:
            parse_date(since)
            if until:
                parse_date(until)
        except ValueError as exc:
            raise InputError(str(exc), field="--since/--until") from None
    query = Query(rome=rome, appellation=appellation, departement=departement, region=region, commune=commune,
                  keywords=keywords, since=since, until=until)
    cid = settings.ft_client_id.get_secret_value() if settings.ft_client_id else None
    secret = settings.ft_client_secret.get_secret_value() if settings.ft_client_secret else None
    with FranceTravailClient(cid, secret, api_url=api_url or API_URL, token_url=token_url or TOKEN_URL) as client:
        summary = ingest_france_travail(query, db=settings.db, client=client, settings=settings, progress=not quiet,
                                        checkpoint=checkpoint or Path(str(settings.db) + ".ft-checkpoint.json"))
    _print_summary(summary)
