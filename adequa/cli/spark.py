"""`adequa spark run|export|import`: the pipeline on Apache Spark, and the shared Parquet layout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from adequa.cli._apps import DbOption, app, print_error, settings_with

spark_app = typer.Typer(help="Scale-out: the pipeline on Apache Spark, the shared Parquet layout.",
                        no_args_is_help=True)
app.add_typer(spark_app, name="spark")

LayoutOption = Annotated[Optional[Path], typer.Option(
    "--layout", help="Parquet layout folder (env: ADEQUA_LAYOUT; default: <warehouse>.parquet).")]


@spark_app.command("run")
def spark_run(
    inputs: Annotated[Optional[List[Path]], typer.Argument(
        help="Job-ad files or folders (default: the data root's offers/).")] = None,
    master: Annotated[str, typer.Option("--master", help="Spark master: local[2], local[*], spark://host:7077, "
                                                         "yarn, k8s://https://host:443.")] = "local[2]",
    db: DbOption = None,
    layout: LayoutOption = None,
    enrich: Annotated[bool, typer.Option("--enrich/--no-enrich", help="Skills and occupation of every ad.")] = True,
    to_warehouse: Annotated[bool, typer.Option("--import/--no-import",
                                               help="Import the layout into the DuckDB warehouse afterwards.")] = True,
    out: Annotated[Optional[Path], typer.Option("--out", help="Also run referentials, statistics, training and "
                                                              "write the study here (as `adequa run`).")] = None,
) -> None:
    """Ingest job-ad dumps, enrich them and build the indicators' facts on Spark; write the
    Parquet layout (partitioned by source and month) and import it into the warehouse.

    Example: adequa spark run dumps/ --master local[2] --db adequa.duckdb --layout adequa.parquet
    """
    from adequa.errors import MissingExtra
    from adequa.pipeline.spark_run import run_spark

    settings = settings_with(db)
    try:
        run_spark(settings, inputs, master, out, layout=layout, enrich=enrich, warehouse=to_warehouse)
    except MissingExtra as exc:
        print_error(exc)
        raise typer.Exit(1)


@spark_app.command("export")
def spark_export(db: DbOption = None, layout: LayoutOption = None) -> None:
    """Write the DuckDB warehouse's ads, enrichment and facts into the Parquet layout (no Spark needed).

    Example: adequa spark export --db adequa.duckdb --layout adequa.parquet
    """
    from rich.console import Console

    from adequa.pipeline.spark_run import default_layout
    from adequa.store.parquet import export_warehouse

    settings = settings_with(db)
    target = layout or default_layout(settings)
    counts = export_warehouse(settings.db, target)
    Console().print(f"{target}: {counts}")


@spark_app.command("import")
def spark_import(db: DbOption = None, layout: LayoutOption = None) -> None:
    """Make the warehouse's ads, enrichment and facts tables those of the Parquet layout.

    Example: adequa spark import --layout adequa.parquet --db adequa.duckdb
    """
    from rich.console import Console

    from adequa.pipeline.spark_run import default_layout, import_to_warehouse

    settings = settings_with(db)
    source = layout or default_layout(settings)
    counts = import_to_warehouse(source, settings.db)
    Console().print(f"{settings.db}: {counts}")
