"""Documentation completeness is a test: every command, setting and indicator is documented."""

from pathlib import Path

import click
import typer.main

import adequa
from adequa.cli import app
from adequa.config import Settings

REPO = Path(__file__).resolve().parents[1]


def docs_text() -> str:
    parts = [(REPO / "README.md").read_text(encoding="utf-8")]
    parts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "docs").glob("*.md"))]
    return "\n".join(parts)


def command_paths(command: click.Command, prefix: str = "adequa") -> list[tuple[str, click.Command]]:
    found = []
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found += command_paths(sub, f"{prefix} {name}")
    else:
        found.append((prefix, command))
    return found


def test_every_command_is_documented_and_has_help_with_an_example():
    text = docs_text()
    missing, no_example = [], []
    for path, command in command_paths(typer.main.get_command(app)):
        if path not in text:
            missing.append(path)
        if "example" not in (command.help or "").lower():
            no_example.append(path)
    assert not missing, f"commands absent from README.md and docs/*.md: {missing}"
    assert not no_example, f"commands whose --help has no example: {no_example}"


def test_every_setting_is_documented():
    text = docs_text()
    missing = [name for name in Settings.model_fields if f"ADEQUA_{name.upper()}" not in text and name not in text]
    assert not missing, f"settings absent from the docs: {missing}"


def test_every_indicator_is_documented():
    from adequa.indicators import list_indicators

    text = docs_text()
    missing = [d.name for d in list_indicators() if d.name not in text]
    assert not missing, f"indicators absent from the docs: {missing}"


def test_public_api_is_exactly_all():
    import inspect

    public = {n for n, v in vars(adequa).items() if not n.startswith("_") and not inspect.ismodule(v)}
    assert public == set(adequa.__all__) - {"__version__"}
    assert adequa.__all__ == sorted(adequa.__all__, key=lambda n: (n.startswith("_"), n))
