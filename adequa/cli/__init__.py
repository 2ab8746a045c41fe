"""Adequa's command line: thin commands over the library, errors turned into messages.

The Typer app (``adequa.cli.app``) is built on first use: `adequa annotate` with its plain options
runs without it (``adequa.cli._fast``: a third of its start-up went into building the app).
"""

from __future__ import annotations

import sys

# Each module adds its commands to the shared apps when imported.
COMMAND_MODULES = ("data", "ingest", "enrich", "occupations", "indicators", "training", "publish", "emerging", "run", "spark")


def _app():
    import importlib

    from adequa.cli._apps import app

    for name in COMMAND_MODULES:
        importlib.import_module(f"adequa.cli.{name}")
    return app


def __getattr__(name: str):
    if name == "app":       # `from adequa.cli import app`: the whole app, every command added
        return _app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    from adequa.cli import _fast
    from adequa.errors import AdequaError

    try:
        if not _fast.run(sys.argv[1:]):
            _app()()
    except AdequaError as exc:
        from adequa.cli._apps import print_error

        print_error(exc)
        sys.exit(getattr(exc, "exit_code", 1))
