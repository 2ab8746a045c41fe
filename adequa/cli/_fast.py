"""`adequa annotate` without building the Typer app: the command's start-up, measured.

Typer builds every command of the app (77 functions' signatures) and one pydantic validator per
parameter before it runs one; with Click and Rich that is ~0.3 s of CPU, more than a third of
`adequa annotate`'s start-up on one ad. ``run`` parses the command line of `adequa annotate`
itself when it is made only of the command's own options, written in the usual ways
(``--input x``, ``--input=x``, ``-i x``), and runs the command; anything else (``--help``, an
unknown or repeated option, a missing value, shell completion) returns False and Typer parses it
as before, with its help and error messages. ``tests/test_cli_fast.py`` checks that this table
matches the Typer command's options and that both paths run the command with the same values.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# option -> (parameter, kind): "value" takes the next argument, "many" too and may repeat, "flag" none
ANNOTATE_OPTIONS = {
    "--input": ("input", "value"), "-i": ("input", "value"),
    "--output": ("output", "value"), "-o": ("output", "value"),
    "--lang": ("lang", "value"),
    "--taxonomy": ("taxonomy", "many"), "-t": ("taxonomy", "many"),
    "--exact-only": ("exact_only", "flag"),
    "--workers": ("workers", "value"),
    "--quiet": ("quiet", "flag"), "-q": ("quiet", "flag"),
}
ANNOTATE_DEFAULTS = {"lang": "fr", "taxonomy": None, "exact_only": False, "workers": None, "quiet": False}
ANNOTATE_REQUIRED = ("input", "output")


def annotate_args(args: list[str]) -> dict | None:
    """The keyword arguments of ``annotate_command`` for ``adequa annotate``'s arguments (after the
    command name), or None when they are anything but a plain use of its options."""
    got: dict = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, attached = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        spec = ANNOTATE_OPTIONS.get(name)
        if spec is None:
            return None
        param, kind = spec
        if kind == "flag":
            if eq or param in got:
                return None
            got[param] = True
            i += 1
            continue
        if eq:
            value = attached
            i += 1
        else:
            if i + 1 >= len(args):
                return None
            value = args[i + 1]
            i += 2
        if value.startswith("-") and value != "-":
            return None         # Click's own reading of "-x" after an option is left to it
        if kind == "many":
            got.setdefault(param, []).append(Path(value))
            continue
        if param in got:
            return None
        if param == "workers":
            if not (value.isascii() and value.isdigit()):
                return None     # "+2", " 2", "2_0": Typer's reading
            value = int(value)
        elif param in ("input", "output"):
            value = Path(value)
        got[param] = value
    if any(p not in got for p in ANNOTATE_REQUIRED):
        return None
    return {**ANNOTATE_DEFAULTS, **got}


def run(args: list[str]) -> bool:
    """Run the command of ``args`` (``sys.argv[1:]``) here when it is one this module parses, as
    the Typer app would (same exit statuses for a finished run, an interrupt and a closed pipe);
    False when it is not (Typer's turn)."""
    if not args or args[0] != "annotate" or any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return False
    kwargs = annotate_args(args[1:])
    if kwargs is None:
        return False
    try:
        annotate_command(**kwargs)
    except KeyboardInterrupt:
        sys.exit(130)
    except EOFError:
        print("\nAborted!", file=sys.stderr)
        sys.exit(1)
    except OSError as exc:
        import errno

        if exc.errno != errno.EPIPE:
            raise
        # the reader went away (`adequa annotate -o - | head`): nothing more to write, and no
        # second error when the interpreter flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    return True


def annotate_command(input: Path, output: Path, lang: str = "fr", taxonomy: list[Path] | None = None,
                     exact_only: bool = False, workers: int | None = None, quiet: bool = False) -> None:
    """The body of `adequa annotate` (``adequa.cli.enrich.annotate`` is its Typer face)."""
    from adequa.config import get_settings
    from adequa.errors import InputError
    from adequa.pipeline.annotate import annotate_file

    if lang not in ("fr", "en", "auto"):
        raise InputError(f"unknown language {lang!r}: use fr, en or auto", field="--lang")
    if str(input) != "-" and not input.exists():
        raise InputError("input file not found", path=str(input))
    settings = get_settings()
    if quiet or str(output) == "-":
        result = annotate_file(settings, input, output, lang=lang, taxonomies=taxonomy, semantic=not exact_only,
                               workers=workers)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("annotate"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=True) as bar:
            task = bar.add_task("annotate", total=None)
            result = annotate_file(settings, input, output, lang=lang, taxonomies=taxonomy, semantic=not exact_only,
                                   workers=workers, progress=lambda n: bar.advance(task, n))
    if not quiet and str(output) != "-":
        print(f"{result['ads']} ads, {result['mentions']} skill mentions -> {output} "
              f"({result['seconds']:.1f} s)", file=sys.stderr, flush=True)
