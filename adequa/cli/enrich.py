"""`adequa annotate`, `adequa enrich`, `adequa eval`: skills and occupations of job ads.

Heavy imports stay inside the commands so that `adequa --help` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from adequa.cli._apps import DbOption, app, settings_with

TaxonomyOption = Annotated[Optional[list[Path]], typer.Option(
    "--taxonomy", "-t", help="Extra taxonomy or alias file (CSV/TSV/JSONL: id,label,alt_labels,kind,source); repeatable.")]


@app.command("annotate")
def annotate(
    input: Annotated[Path, typer.Option("--input", "-i", help="JSONL file of {\"id\", \"title\", \"description\"} ('-' = stdin).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL file to write ('-' = stdout).")],
    lang: Annotated[str, typer.Option("--lang", help="Language of the ads: fr, en or auto.")] = "fr",
    taxonomy: TaxonomyOption = None,
    exact_only: Annotated[bool, typer.Option("--exact-only", help="Exact pass only (lexicon + labels): faster, fewer task phrases.")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Processes to use (default: 2 for inputs over 2 MB).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Find skill mentions (ROME / ESCO linked, with offsets) and the occupation of each ad. No warehouse needed.

    Example: adequa annotate --input ads.jsonl --output out.jsonl --lang fr
    """
    from adequa.cli._fast import annotate_command

    annotate_command(input, output, lang=lang, taxonomy=taxonomy, exact_only=exact_only, workers=workers, quiet=quiet)


@app.command("enrich")
def enrich(
    db: DbOption = None,
    force: Annotated[bool, typer.Option("--force", help="Re-enrich every ad, not only new or outdated ones.")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", help="At most this many ads (for a trial run).")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Processes to use (default: 2 on a multi-core machine for more than 2,000 ads).")] = None,
) -> None:
    """Skills and occupation of every ad of the warehouse not yet enriched (or enriched with an older taxonomy).

    Reposts (same title and description) are annotated once. Each batch of ads is stored in one transaction: an interrupted run keeps what it finished and the next run goes on from there.

    Example: adequa enrich --db adequa.duckdb
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from adequa.pipeline.enrich import enrich_warehouse

    settings = settings_with(db)
    with Progress(TextColumn("enrich"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("enrich", total=None)

        def progress(n: int, total: int) -> None:
            bar.update(task, total=total, advance=n)

        result = enrich_warehouse(settings, force=force, limit=limit, progress=progress, workers=workers)
    typer.echo(f"{result['ads']} ads enriched, {result['mentions']} skill mentions "
               f"(taxonomy version {result['version']}, {result['workers']} process(es))", err=True)


@app.command("eval")
def evaluate(
    what: Annotated[str, typer.Argument(help="gold (our labelled dev ads), weak (recruiters' ROME codes), skillspan (English), or all.")] = "all",
    split: Annotated[str, typer.Option("--split", help="Gold split: dev (used while tuning), test (held out), fresh (held out, labelled blind later) or all.")] = "all",
    limit: Annotated[Optional[int], typer.Option("--limit", help="At most this many ads/sentences per set.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Accuracy of the skill extractor on the development data (needs ADEQUA_MIRROR).

    Example: ADEQUA_MIRROR=../shared/data adequa eval gold --split test
    """
    import json

    from adequa.pipeline.skills_eval import run_eval

    result = run_eval(settings_with(None), what=what, split=split, limit=limit)
    if as_json:
        typer.echo(json.dumps(result, indent=1, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Skill extraction accuracy")
    for col in ("set", "measure", "value"):
        table.add_column(col)
    for name, figures in result.items():
        for k, v in figures.items():
            table.add_row(name, k, f"{v:.3f}" if isinstance(v, float) else str(v))
    Console().print(table)
