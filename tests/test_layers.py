"""Data flows one way: a stage never imports a later stage."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "adequa"
FOUNDATION = {"errors", "config", "model", "_libs"}
# What each stage may import besides the foundation (see STYLE.md, "Proposed layout").
ALLOWED = {
    "sources": {"sources"},
    "normalise": {"normalise"},
    "enrich": {"enrich", "normalise"},
    "store": {"store"},
    "indicators": {"indicators", "store"},
    "publish": {"publish", "indicators", "store"},
    "pipeline": {"pipeline", "sources", "normalise", "enrich", "store", "indicators", "publish"},
}


def adequa_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "adequa" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_stage_imports_only_earlier_stages(stage):
    allowed = ALLOWED[stage] | FOUNDATION
    offenders = []
    for path in (ROOT / stage).rglob("*.py"):
        bad = adequa_imports(path) - allowed
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


def test_the_walker_sees_a_forbidden_import(tmp_path):
    fake = tmp_path / "x.py"
    fake.write_text("from adequa.publish import api\nimport adequa.store.duckdb\n")
    assert adequa_imports(fake) == {"publish", "store"}
