"""The occupation classifier's modules in the compiled build (``adequa.enrich._native.HOT``: occupation,
ranking, lexical, domain, compiled by Cython from their unchanged source) give exactly what their Python
source gives (``ADEQUA_PURE_PYTHON=1``): classification of whole ads (fiche, appellation, scores, top-5,
FAP, ISCO, ESCO, domain) and title rankings, on the fixture referential and on the mirror's real offers.
Each side runs in its own interpreter, so nothing compiled leaks into the source run."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from adequa.enrich import _native
from tests.test_occupation_batch import ADS

MODULES = ("adequa.enrich.occupation", "adequa.enrich.ranking", "adequa.enrich.lexical", "adequa.enrich.domain")

# run in a fresh interpreter: argv = settings as JSON, ads file; prints the status of MODULES then
# one JSON line per ad (classify) and per title (rank, top 10)
_SCRIPT = """
import json, sys
from adequa.config import Settings
from adequa.enrich import _native
from adequa.pipeline.annotate import load_occupation_classifier_or_none
import importlib
opts = json.loads(sys.argv[1])
cl = load_occupation_classifier_or_none(Settings(**opts))
assert cl is not None, "occupation classifier unavailable"
ads = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
mods = %r
print(json.dumps({m: _native.is_compiled(importlib.import_module(m)) for m in mods}))
for i in range(0, len(ads), 256):
    for r in cl.classify_many(ads[i:i + 256]):
        print(json.dumps(r, ensure_ascii=False, sort_keys=True))
for t in sorted({a.get("title") or "" for a in ads})[:400]:
    print(json.dumps(cl.rank(t, k=10), ensure_ascii=False))
""" % (MODULES,)


def _built() -> bool:
    import importlib

    return all(_native.is_compiled(importlib.import_module(m)) for m in MODULES)


needs_build = pytest.mark.skipif(not _built(), reason="the compiled build of the occupation modules is absent "
                                 "(no Cython or C compiler at install, a .py edited since, or ADEQUA_PURE_PYTHON: "
                                 "pip install -e .)")


def _both(opts: dict, ads: list[dict], tmp_path: Path) -> tuple[list[str], list[str]]:
    path = tmp_path / "ads.jsonl"
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ads), encoding="utf-8")
    outs = []
    for pure in ("", "1"):
        proc = subprocess.run([sys.executable, "-c", _SCRIPT, json.dumps(opts), str(path)],
                              env={**os.environ, _native.PURE_ENV: pure}, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert set(json.loads(lines[0]).values()) == {not pure}, lines[0]
        outs.append(lines[1:])
    return outs[0], outs[1]


def _generated(ads: list[dict], n: int, seed: int) -> list[dict]:
    """Ads recombined from the given ones: words of titles shuffled, description lines mixed."""
    rnd = random.Random(seed)
    words = sorted({w for a in ads for w in (a.get("title") or "").split()}) + ["H/F", "-", "senior", "(e)"]
    lines = sorted({ln for a in ads for ln in (a.get("description") or "").splitlines() if ln.strip()}) or [""]
    return [{"title": " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 6))),
             "description": "\n".join(rnd.choice(lines) for _ in range(rnd.randint(0, 5))) or None}
            for _ in range(n)]


@needs_build
def test_compiled_occupation_modules_equal_their_source_on_fixtures(fixtures, tmp_path):
    opts = {"data_dir": str(fixtures / "occupations"), "mirror": None, "cache_dir": str(tmp_path / "cache")}
    ads = ADS * 2 + _generated(ADS, 200, 5)
    got, want = _both(opts, ads, tmp_path)
    assert got == want
    assert len(got) > len(ads)
    assert sum('"rome"' in line for line in got) > len(ads) // 2       # classified, not empty results


@pytest.mark.mirror
@needs_build
def test_compiled_occupation_modules_equal_their_source_on_real_offers(mirror, mirror_offers, tmp_path):
    rows = [r for r in mirror_offers if r.get("description")][:1500]
    assert len(rows) > 1000
    ads = [{"title": r.get("intitule") or r.get("titre") or "", "description": r["description"]} for r in rows]
    got, want = _both({"mirror": str(mirror)}, ads, tmp_path)
    assert got == want
    assert len(got) == len(ads) + min(400, len({a["title"] for a in ads}))
