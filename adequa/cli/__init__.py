"""Adequa's command line: thin commands over the library, errors turned into messages."""

from __future__ import annotations

import importlib
import sys

from adequa.cli._apps import app

# Each module adds its commands to the shared apps when imported.
COMMAND_MODULES = ("data", "ingest", "enrich", "occupations", "indicators", "training", "publish", "emerging", "run", "spark")

for _name in COMMAND_MODULES:
    importlib.import_module(f"adequa.cli.{_name}")


def main() -> None:
    from adequa.errors import AdequaError

    try:
        app()
    except AdequaError as exc:
        from adequa.cli._apps import print_error

        print_error(exc)
        sys.exit(getattr(exc, "exit_code", 1))
