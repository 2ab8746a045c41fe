"""`adequa run` (the main job) and `adequa config show`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from adequa.cli._apps import DbOption, app, check_study_options, settings_with

config_app = typer.Typer(help="Settings: where Adequa reads and writes, thresholds.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(db: DbOption = None) -> None:
    """Show the effective settings (secrets redacted) and where each comes from.

    Example: ADEQUA_MIN_CELL_SIZE=10 adequa config show
    """
    from rich.console import Console
    from rich.table import Table

    settings = settings_with(db)
    table = Table("setting", "value", "description")
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        shown = "********" if value is not None and "Secret" in type(value).__name__ else str(value)
        table.add_row(name, shown, field.description or "")
    Console().print(table)


@app.command("run")
def run(
    db: DbOption = None,
    out: Annotated[Path, typer.Option("--out", help="Folder of the study written at the end.")] = Path("study"),
    group: Annotated[str, typer.Option("--group", help="Occupation group of the study.")] = "data-ia",
    territory: Annotated[str, typer.Option("--territory", help="Territory of the study, level:code.")] = "region:28",
    period: Annotated[Optional[str], typer.Option("--period", help="Period of the study (default: all data).")] = None,
    engine: Annotated[str, typer.Option("--engine", help="duckdb (one machine) or spark.")] = "duckdb",
    master: Annotated[str, typer.Option("--master", help="Spark master: local[2], spark://host:7077, yarn, k8s://…")] = "local[2]",
    skip: Annotated[Optional[str], typer.Option("--skip", help="Comma-separated stages to skip, among: referentials, ingest, enrich, statistics, training, "
                                                                  "emerging, search, study (e.g. --skip referentials,study).")] = None,
) -> None:
    """Run the whole pipeline on the data at hand: referentials, ads, enrichment, statistics, training supply, then the study.

    Reads the files under the data root (ADEQUA_DATA_DIR, or ADEQUA_MIRROR when set: see `adequa config show`); each stage reports what it read and stored, and a stage whose files are absent is skipped with a message.

    Example: adequa run --db adequa.duckdb --out study --group data-ia --territory region:28
    """
    from adequa.pipeline.run import run_all

    check_study_options(group, territory, period)   # the study comes last: not a typo found after minutes of ingestion
    settings = settings_with(db)
    run_all(settings, out=out, group=group, territory=territory, period=period, engine=engine,
            master=master, skip={s.strip() for s in (skip or "").split(",")} - {""})
