"""The command groups, shared so that each stage's CLI module can add its commands.

Keep imports here and in every ``cli/*.py`` module light: heavy libraries are
imported inside the command functions so that ``adequa --help`` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="adequa",
    help="Adequa: an observatory of jobs, skills and training, from open data.\n\n"
         "Example: adequa data pull --from ../shared/data && adequa data list",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Referentials and official files: pull, list, check.", no_args_is_help=True)
ingest_app = typer.Typer(help="Load job ads, statistics and training data into the warehouse.", no_args_is_help=True)
skills_app = typer.Typer(help="Skills: rank taxonomy items for a text, emerging skills.", no_args_is_help=True)
occupations_app = typer.Typer(help="Occupations: rank ROME or ESCO occupations for a job title.", no_args_is_help=True)
indicators_app = typer.Typer(help="Labour-market indicators with provenance.", no_args_is_help=True)
training_app = typer.Typer(help="Training supply and the supply/demand gap.", no_args_is_help=True)

app.add_typer(data_app, name="data")
app.add_typer(ingest_app, name="ingest")
app.add_typer(skills_app, name="skills")
app.add_typer(occupations_app, name="occupations")
app.add_typer(indicators_app, name="indicators")
app.add_typer(training_app, name="training")

# Shared option types (the sqlite-utils way: one spelling, one help text).
DbOption = Annotated[Optional[Path], typer.Option("--db", help="DuckDB warehouse file (env ADEQUA_DB; default ./adequa.duckdb).")]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="Output format: table, csv or json.")]
GroupOption = Annotated[str, typer.Option("--group", help="Occupation group id (see `adequa indicators groups`), e.g. data-ia.")]
TerritoryOption = Annotated[str, typer.Option("--territory", help="Territory as level:code, e.g. region:28, departement:76, bassin:2801, france.")]


def print_error(exc: BaseException) -> None:
    """"Error: <message>" on stderr, the message as written (Rich would read "[spark]" as markup) and
    on one line: a file name and its line number are not broken at the terminal's width."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, soft_wrap=True).print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False)


def settings_with(db: Path | None = None):
    """Settings with the CLI's --db applied on top of env and defaults."""
    from adequa.config import get_settings

    settings = get_settings()
    if db is not None:
        settings = settings.model_copy(update={"db": db})
    return settings


def check_study_options(group: str, territory: str, period: str | None) -> None:
    """Refuse an unknown --group, --territory or --period at once, before any long work or output."""
    from adequa.indicators import Period, get_group, get_territory

    get_group(group)
    get_territory(territory)
    Period.parse(period)
