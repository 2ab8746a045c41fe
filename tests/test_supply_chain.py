"""Supply chain: every dependency pinned in constraints.txt, installs use it, no known-vulnerable pin.

pip-audit needs PyPI's vulnerability data (the JSON API of each pinned version).
When it cannot be reached, or it knows none of the pinned versions (a mirror),
the audit test is skipped with that reason rather than passing silently.
The offline advisory snapshot (PyUp's safety-db, July 2021) still runs everywhere: it
catches any pin to a release that was already known-vulnerable then.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONSTRAINTS = REPO / "constraints.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)\s*(;.*)?$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for number, line in enumerate(CONSTRAINTS.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = PIN.match(line)
        assert m, f"constraints.txt line {number}: {line!r} is not pinned as name==version"
        name = _norm(m.group(1))
        assert name not in pins, f"constraints.txt line {number}: {name} pinned twice"
        pins[name] = m.group(3)
    return pins


def _requirement_names(reqs: list[str]) -> list[str]:
    return [_norm(re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0]) for r in reqs]


def test_constraints_pin_every_core_dependency():
    pins = _pins()
    assert len(pins) >= 20
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = _requirement_names(project["dependencies"])
    missing = [n for n in core if n not in pins]
    assert missing == [], f"core dependencies not pinned in constraints.txt: {missing}"


def test_pins_match_the_installed_environment():
    mismatched = []
    for name, version in _pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue                      # an optional extra not installed here
        if installed.split("+")[0] != version:   # a local label (torch's "+cpu") is the same release
            mismatched.append(f"{name}: pinned {version}, installed {installed}")
    assert mismatched == []


def test_installs_go_through_the_constraints():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    installs = [line for line in makefile.splitlines() if "pip install" in line and "-e " in line]
    assert installs and all("-c constraints.txt" in line for line in installs), installs


def test_no_known_vulnerable_pin(tmp_path):
    audit = shutil.which("pip-audit", path=str(Path(sys.executable).parent)) or shutil.which("pip-audit")
    if audit is None:
        pytest.skip("pip-audit not installed: pip install -e '.[test]'")
    out = tmp_path / "audit.json"
    try:
        proc = subprocess.run([audit, "-r", str(CONSTRAINTS), "--no-deps", "--disable-pip", "-s", "pypi",
                               "--progress-spinner", "off", "-f", "json", "-o", str(out)],
                              capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        pytest.skip("pip-audit timed out: PyPI's vulnerability data is not reachable from here")
    if not out.exists():
        pytest.skip(f"pip-audit could not reach PyPI's vulnerability data: {proc.stderr.strip()[-300:]}")
    deps = json.loads(out.read_text())["dependencies"]
    vulnerable = [f"{d['name']}=={d['version']}: {', '.join(v['id'] for v in d['vulns'])}"
                  for d in deps if d.get("vulns")]
    assert vulnerable == [], vulnerable
    audited = [d for d in deps if "skip_reason" not in d]
    if not audited:
        pytest.skip(f"pip-audit reached no vulnerability record for any of the {len(deps)} pins (PyPI's JSON API "
                    "here does not know these versions); run it where pypi.org is reachable")


def _offline_advisories() -> dict[str, list[str]]:
    import importlib.util

    spec = importlib.util.find_spec("safety_db")    # not imported: its __init__ opens a path relative to the cwd
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("safety-db not installed: pip install -e '.[test]'")
    folder = Path(next(iter(spec.submodule_search_locations)))
    data = json.loads((folder / "insecure.json").read_text(encoding="utf-8"))
    data.pop("$meta", None)
    return {_norm(name): specs for name, specs in data.items()}


def _offline_findings(pins: dict[str, str], advisories: dict[str, list[str]]) -> list[str]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    found = []
    for name, version in pins.items():
        for spec in advisories.get(name, ()):
            try:
                if Version(version) in SpecifierSet(spec):
                    found.append(f"{name}=={version} ({spec})")
            except (InvalidSpecifier, InvalidVersion):
                continue
    return found


def test_offline_snapshot_flags_a_known_vulnerable_pin():
    advisories = _offline_advisories()
    assert _offline_findings({"jinja2": "2.10", "urllib3": "1.24.1"}, advisories) != []
    assert _offline_findings({"jinja2": "3.1.4"}, advisories) == []


def test_no_pin_in_the_offline_advisory_snapshot():
    assert _offline_findings(_pins(), _offline_advisories()) == []
