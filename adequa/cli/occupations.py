"""`adequa occupations rank` and `adequa skills rank`: rank taxonomy items for job titles or sentences.

Heavy imports stay inside the commands so that `adequa --help` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adequa.cli._apps import occupations_app, settings_with, skills_app

InputOption = Annotated[Path, typer.Option("--input", "-i", help="JSONL file to read ('-' = stdin).")]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="JSONL file to write ('-' = stdout).")]
TopOption = Annotated[int, typer.Option("--top", "-k", min=1, max=1000, help="Items per ranking.")]
MethodOption = Annotated[str, typer.Option(
    "--method", help="lexical, semantic (needs the 'semantic' extra) or auto (semantic when installed).")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def _run(kind: str, input: Path, output: Path, taxonomy: str, top: int, method: str, quiet: bool) -> None:
    from adequa.errors import InputError
    from adequa.pipeline.occupations import rank_file

    if method not in ("lexical", "semantic", "auto"):
        raise InputError(f"unknown method {method!r}: use lexical, semantic or auto", field="--method")
    if str(input) != "-" and not input.exists():
        raise InputError("input file not found", path=str(input))
    settings = settings_with(None)

    def note(message: str) -> None:
        typer.echo(message, err=True)

    if quiet or str(output) == "-":
        result = rank_file(settings, kind, taxonomy, input, output, top=top, method=method, note=note)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn(f"{kind} rank"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=True) as bar:
            task = bar.add_task("rank", total=None)
            result = rank_file(settings, kind, taxonomy, input, output, top=top, method=method, note=note,
                               total=lambda n: bar.update(task, total=n), progress=lambda n: bar.advance(task, n))
    if not quiet and str(output) != "-":
        typer.echo(f"{result['records']} records ranked against {taxonomy} ({result['method']}) -> {output} "
                   f"({result['seconds']:.1f} s)", err=True)


@skills_app.command("rank")
def skills_rank(
    input: InputOption,
    output: OutputOption,
    taxonomy: Annotated[str, typer.Option("--taxonomy", "-t", help="esco (ids: conceptUri) or rome (ids: code_ogr).")] = "esco",
    top: TopOption = 10,
    method: MethodOption = "auto",
    quiet: QuietOption = False,
) -> None:
    """Rank taxonomy skills for each sentence: input lines {"id", "text"}, output lines
    {"id", "ranking": [{"id", "label", "score"}, ...]}, best first.

    Example: adequa skills rank --input sentences.jsonl --taxonomy esco --top 10 --output ranked.jsonl
    """
    _run("skills", input, output, taxonomy, top, method, quiet)


@occupations_app.command("rank")
def occupations_rank(
    input: InputOption,
    output: OutputOption,
    taxonomy: Annotated[str, typer.Option("--taxonomy", "-t", help="rome (ids: ROME codes such as M1811) or esco (ids: occupation URIs).")] = "rome",
    top: TopOption = 10,
    method: MethodOption = "lexical",
    quiet: QuietOption = False,
) -> None:
    """Rank occupations for each job title: input lines {"id", "title"} (optional "description",
    used as evidence for ROME), output lines {"id", "ranking": [{"id", "label", "score"}, ...]}.
    French and English titles.

    Example: adequa occupations rank --input titles.jsonl --taxonomy rome --top 10 --output ranked.jsonl
    """
    _run("occupations", input, output, taxonomy, top, method, quiet)
