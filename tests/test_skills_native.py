"""The compiled build of the skill extractor's hot modules (``adequa.enrich._native``, setup.py) gives
exactly what their Python source gives: in process (an extractor loaded from the ``.py`` files beside
one loaded from the compiled modules) on fixture lines, hypothesis texts and the mirror's real
offers, and end to end (``adequa annotate`` with and without ``ADEQUA_PURE_PYTHON``, byte for byte).
The guard that hands a stale compiled module over to its source is tested without a compiler."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import random
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adequa.config import Settings
from adequa.enrich import _native
from tests.test_skills_fastpaths import LINES as FASTPATH_LINES

FIXTURE = Path(__file__).parent / "fixtures" / "skills"
ROOT = Path(__file__).resolve().parents[1]
# the hot modules and the one that binds their classes at import (skills_build: the compiled taxonomy)
SOURCE_LOADED = (*_native.HOT, "adequa.enrich.skills_build")

# the fast-path tests' lines, plus a literal "/r/n", a required experience, an escaped newline, other scripts
LINES = [*FASTPATH_LINES, "Postuler en ligne : envoyez votre CV/r/n", "Expérience en maçonnerie exigée",
         "capacité d'adaptation, sens du relationnel\\n", "ΣΟΦΙΑ İstanbul ß"]


def _compiled_build() -> bool:
    return all(_native.status().values())


needs_build = pytest.mark.skipif(not _compiled_build(), reason="the compiled build of adequa.enrich is absent "
                                 "(no Cython or C compiler at install, or a .py edited since: pip install -e .)")


class _SourceFinder:
    """Finds the listed modules as their ``.py`` source, whatever is compiled beside them."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name in SOURCE_LOADED:
            return importlib.util.spec_from_file_location(name, ROOT / (name.replace(".", "/") + ".py"))
        return None


@contextmanager
def _from_source():
    """Inside the block, importing the hot modules (and the builder binding their classes, and the
    pickled taxonomy's classes) gives their Python source; outside, the compiled build again."""
    import adequa.enrich as pkg

    saved = {n: sys.modules.pop(n) for n in SOURCE_LOADED if n in sys.modules}
    attrs = {n: getattr(pkg, n.rpartition(".")[2], None) for n in SOURCE_LOADED}
    sys.meta_path.insert(0, _SourceFinder)
    try:
        yield
    finally:
        sys.meta_path.remove(_SourceFinder)
        for n in SOURCE_LOADED:
            sys.modules.pop(n, None)
        sys.modules.update(saved)
        for n, value in attrs.items():
            if value is not None:
                setattr(pkg, n.rpartition(".")[2], value)


def _pair(opts: Settings):
    """(extractor running the compiled build, extractor running the Python source)."""
    from adequa.pipeline.annotate import load_skill_extractor

    compiled = load_skill_extractor(opts)
    with _from_source():
        source = load_skill_extractor(opts)
        assert not _native.is_compiled(sys.modules["adequa.enrich.skills"])
    assert type(source).__module__ == type(compiled).__module__ == "adequa.enrich.skills"
    assert type(source) is not type(compiled)
    assert type(source.c.langs["fr"].sim) is not type(compiled.c.langs["fr"].sim)
    return compiled, source


def _tuples(ms):
    return [(m.start, m.end, m.text, m.rome_ogr, m.esco_uri, m.label, m.kind, m.score, m.method, m.unlisted, m.field)
            for m in ms]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    if not _compiled_build():
        pytest.skip("the compiled build of adequa.enrich is absent")
    tmp = tmp_path_factory.mktemp("native")
    return _pair(Settings(mirror=FIXTURE / "mirror", data_dir=tmp / "absent", cache_dir=tmp / "cache"))


@needs_build
def test_compiled_equals_source_on_fixture_lines(pair):
    compiled, source = pair
    rnd = random.Random(11)
    items = [("\n".join(rnd.choice(LINES) for _ in range(rnd.randint(1, 9))), rnd.choice([None, "Z9901"]),
              rnd.choice(["description", "description", "title"])) for _ in range(200)]
    got = [_tuples(compiled.extract(t, rome_hint=h, field=f)) for t, h, f in items]
    want = [_tuples(source.extract(t, rome_hint=h, field=f)) for t, h, f in items]
    assert got == want
    assert sum(map(len, got)) > 300
    assert [compiled.extract_json(t, rome_hint=h) for t, h, _ in items[:50]] == \
        [source.extract_json(t, rome_hint=h) for t, h, _ in items[:50]]


_PIECES = st.sampled_from([*LINES, " et ", ", ", " ; ", "\n", "/r/n", " - ", "•", "(", ")", "é", "É", "'", "’", "2",
                           "SQL", "Power BI", "h/f", "  ", ".", ":"])


@needs_build
@settings(max_examples=150, deadline=None)
@given(parts=st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=14), hint=st.sampled_from([None, "Z9901"]))
def test_compiled_equals_source_on_generated_text(pair, parts, hint):
    compiled, source = pair
    text = "".join(parts)
    assert _tuples(compiled.extract(text, rome_hint=hint)) == _tuples(source.extract(text, rome_hint=hint))


@needs_build
def test_annotate_output_byte_identical_with_and_without_the_build(tmp_path):
    """The CLI end to end: ADEQUA_PURE_PYTHON=1 makes every hot module run its source, and the
    output is the same bytes."""
    rnd = random.Random(3)
    ads = tmp_path / "ads.jsonl"
    ads.write_text("".join(json.dumps({"id": str(i), "title": rnd.choice(["Préparateur de commandes", "Vendeur H/F"]),
                                       "description": "\n".join(rnd.choice(LINES) for _ in range(rnd.randint(1, 8)))},
                                      ensure_ascii=False) + "\n" for i in range(60)), encoding="utf-8")
    env = {**os.environ, "ADEQUA_MIRROR": str(FIXTURE / "mirror"), "ADEQUA_DATA_DIR": str(tmp_path / "absent"),
           "ADEQUA_CACHE_DIR": str(tmp_path / "cache")}
    outs = []
    for pure in ("", "1"):
        out = tmp_path / f"out{pure}.jsonl"
        code = ("import json, sys\nfrom adequa.cli import main\nfrom adequa.enrich import _native\n"
                "sys.argv = ['adequa', 'annotate', '-i', sys.argv[1], '-o', sys.argv[2], '-q']\n"
                "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
                "print(json.dumps(_native.status()))\n")
        proc = subprocess.run([sys.executable, "-c", code, str(ads), str(out)], env={**env, _native.PURE_ENV: pure},
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        status = json.loads(proc.stdout.strip().splitlines()[-1])
        assert set(status.values()) == {not pure}
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0].count(b'"method"') > 60


@pytest.mark.mirror
@needs_build
def test_compiled_equals_source_on_real_offers(mirror, mirror_offers, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("native-real")
    compiled, source = _pair(Settings(mirror=mirror, data_dir=tmp / "absent", cache_dir=tmp / "cache"))
    offers = [(r.get("intitule") or r.get("titre") or "", r["description"], r.get("romeCode") or r.get("rome_code"))
              for r in mirror_offers if r.get("description")]
    assert len(offers) > 1000
    items = []
    for title, desc, rome in offers:
        items += [(desc, rome or None, "description"), (title, rome or None, "title")]
    items += [(desc, None, "description") for _, desc, _ in offers[:300]]
    got = [compiled.extract_json(t, rome_hint=h, field=f) for t, h, f in items]
    want = [source.extract_json(t, rome_hint=h, field=f) for t, h, f in items]
    assert got == want
    assert sum(n for _, n in got) > 10_000


# -- the guard (no compiler needed) ------------------------------------------------------------
def _fake_compiled(tmp_path: Path, name: str, source: str, compiled_from: str):
    """A module standing for a compiled build of ``name`` (its ``__file__`` a .so beside the .py),
    initialised as setup.py's copy ends: by ``use_source_if_changed``."""
    (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
    module = type(sys)(name)
    module.__file__ = str(tmp_path / f"{name}.cpython-311-x86_64-linux-gnu.so")
    module.WHERE = "compiled"
    module.__compiled_from__ = compiled_from
    sys.modules[name] = module
    try:
        _native.use_source_if_changed(name, compiled_from)
        return sys.modules[name]
    finally:
        sys.modules.pop(name, None)


def test_guard_keeps_a_build_of_the_current_source(tmp_path, monkeypatch):
    monkeypatch.delenv(_native.PURE_ENV, raising=False)
    src = "WHERE = 'source'\n"
    got = _fake_compiled(tmp_path, "adequa_guard_a", src, hashlib.sha256(src.encode()).hexdigest())
    assert got.WHERE == "compiled" and _native.is_compiled(got)


def test_guard_hands_an_edited_module_to_its_source(tmp_path, monkeypatch):
    monkeypatch.delenv(_native.PURE_ENV, raising=False)
    old = hashlib.sha256(b"WHERE = 'source'\n").hexdigest()
    got = _fake_compiled(tmp_path, "adequa_guard_b", "WHERE = 'edited source'\n", old)
    assert got.WHERE == "edited source" and not _native.is_compiled(got)


def test_guard_obeys_the_pure_python_switch(tmp_path, monkeypatch):
    monkeypatch.setenv(_native.PURE_ENV, "1")
    src = "WHERE = 'source'\n"
    got = _fake_compiled(tmp_path, "adequa_guard_c", src, hashlib.sha256(src.encode()).hexdigest())
    assert got.WHERE == "source"


def test_guard_keeps_the_compiled_module_when_its_source_is_absent(tmp_path, monkeypatch):
    monkeypatch.delenv(_native.PURE_ENV, raising=False)
    module = type(sys)("adequa_guard_d")
    module.__file__ = str(tmp_path / "adequa_guard_d.cpython-311-x86_64-linux-gnu.so")
    sys.modules["adequa_guard_d"] = module
    try:
        _native.use_source_if_changed("adequa_guard_d", "0" * 64)
        assert sys.modules["adequa_guard_d"] is module
    finally:
        sys.modules.pop("adequa_guard_d")


def test_setup_reads_the_hot_module_list_without_importing_the_package():
    ns: dict = {}
    src = (ROOT / "adequa" / "enrich" / "_native.py").read_text(encoding="utf-8")
    head = src.split("# -- end of build data --")[0]
    exec(compile(head, "_native.py", "exec"), ns)
    assert ns["HOT"] == _native.HOT
    assert "import " not in head.replace("from __future__ import annotations", "")
    assert all((ROOT / (n.replace(".", "/") + ".py")).exists() for n in _native.HOT)
