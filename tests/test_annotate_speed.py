"""The speed-ups of `adequa annotate` change nothing in what it writes: repeats, memos, caches, workers."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adequa.config import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "skills"
ROOT = Path(__file__).resolve().parents[1]

ADS = [
    {"id": "a1", "title": "Préparateur de commandes (H/F)",
     "description": "Missions :\n- préparation des commandes\n- accueil de la clientèle\nProfil : rigoureux(se), permis B."},
    {"id": "a2", "title": "Vendeur", "description": "Notre entreprise recrute. Maîtrise de Python, SQL et Spark."},
    {"id": "a3", "title": "Préparateur de commandes (H/F)",       # a repeat of a1 with another id and an extra field
     "description": "Missions :\n- préparation des commandes\n- accueil de la clientèle\nProfil : rigoureux(se), permis B.",
     "source": "x"},
    {"id": "a4", "title": "Vendeur", "description": "Notre entreprise recrute. Maîtrise de Python, SQL et Spark.",
     "skills": "given"},                                          # a repeat whose own field is overwritten
    {"id": "a5", "description": "Maîtrise de Python, SQL et Spark."},
    {"id": "a6", "title": "Vendeur", "description": "Notre entreprise recrute. Maîtrise de Python, SQL et Spark."},
    {"id": "a7", "title": "", "description": ""},
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("speed")
    return Settings(mirror=FIXTURE / "mirror", data_dir=tmp / "absent", cache_dir=tmp / "cache")


@pytest.mark.parametrize("workers", [1, 2])
def test_repeated_ads_are_written_as_if_each_was_annotated(tmp_path, settings, workers):
    from adequa.pipeline.annotate import annotate_ad, annotate_file, load_occupation_classifier_or_none, \
        load_skill_extractor

    src = tmp_path / "ads.jsonl"
    ads = ADS * 3
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ads), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = annotate_file(settings, src, out, workers=workers)
    assert res["ads"] == len(ads) and res["workers"] == workers
    # reference: every ad annotated on its own by a fresh extractor (no memo shared between ads)
    classifier = load_occupation_classifier_or_none(settings)
    want = []
    for a in ads:
        ex = load_skill_extractor(settings)
        want.append(json.dumps(annotate_ad(dict(a), ex, classifier), ensure_ascii=False))
    got = out.read_text(encoding="utf-8").splitlines()
    assert got == want
    assert json.loads(got[3])["skills"] != "given" and json.loads(got[2])["source"] == "x"
    assert res["mentions"] == sum(len(json.loads(line)["skills"]) for line in got)


def test_memoised_mentions_are_copies(settings):
    from adequa.pipeline.annotate import load_skill_extractor

    ex = load_skill_extractor(settings)
    first = ex.extract("Maîtrise de Python, SQL et Spark.")
    first[0].text = "changed"
    again = ex.extract("Maîtrise de Python, SQL et Spark.")
    assert again[0].text == "Python" and again[0] is not first[0]
    ex.clear_memos()
    assert [m.text for m in ex.extract("Maîtrise de Python, SQL et Spark.")] == ["Python", "SQL", "Spark"]


def test_code_fingerprint_follows_the_pickled_sources(tmp_path):
    from adequa.pipeline.annotate import _PICKLED_CODE, code_fingerprint

    for rel in _PICKLED_CODE:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    before = code_fingerprint(tmp_path)
    assert before == code_fingerprint(ROOT)
    seg = tmp_path / "adequa/enrich/segment.py"
    seg.write_text(seg.read_text(encoding="utf-8") + "\n# a new attribute\n", encoding="utf-8")
    assert code_fingerprint(tmp_path) != before
    assert "adequa/enrich/segment.py" in _PICKLED_CODE and "adequa/enrich/skills_build.py" in _PICKLED_CODE


def test_compiled_cache_is_keyed_by_the_code(tmp_path, monkeypatch):
    from adequa.pipeline import annotate

    s = Settings(mirror=FIXTURE / "mirror", data_dir=tmp_path / "absent", cache_dir=tmp_path / "cache")
    monkeypatch.setattr(annotate, "code_fingerprint", lambda *a, **k: "one")
    annotate.load_skill_extractor(s)
    first = sorted(p.name for p in (tmp_path / "cache").glob("skills-fr-*.pickle"))
    annotate.load_skill_extractor(s)
    assert sorted(p.name for p in (tmp_path / "cache").glob("skills-fr-*.pickle")) == first   # reused
    monkeypatch.setattr(annotate, "code_fingerprint", lambda *a, **k: "two")
    annotate.load_skill_extractor(s)
    assert len(list((tmp_path / "cache").glob("skills-fr-*.pickle"))) == len(first) + 1


def test_lemmas_saved_by_a_run_seed_the_next(tmp_path, monkeypatch):
    from adequa.normalise import text
    from adequa.pipeline import annotate

    s = Settings(mirror=FIXTURE / "mirror", data_dir=tmp_path / "absent", cache_dir=tmp_path / "cache")
    key = ("zzqwordx", "fr")
    monkeypatch.setattr(text, "_LEMMA_CACHE", {})
    monkeypatch.setattr(text, "_NEW_LEMMAS", [])
    monkeypatch.setattr(annotate, "_LEMMAS_LOADED", set())
    text.lemma("commandes")
    assert annotate.save_lemmas(s, {key: "from-a-worker"}) == 2
    assert annotate.save_lemmas(s) == 0          # nothing new
    monkeypatch.setattr(text, "_LEMMA_CACHE", {})
    assert annotate.load_lemmas(s) == 2
    assert text.lemma("zzqwordx") == "from-a-worker"     # from the file, not the lemmatiser
    assert text.lemma("commandes") == "commande"
    assert annotate.load_lemmas(s) == 0          # once per process


_SEED_SCRIPT = """
import random, hashlib
from adequa.enrich.skills_semantic import SimilarityIndex
rnd = random.Random(7)
words = ["w%d" % i for i in range(60)]
ix = SimilarityIndex()
for e in range(400):
    ix.add(rnd.sample(words, rnd.randint(1, 4)), e, preferred=e % 2 == 0)
ix.freeze()
h = hashlib.sha256()
for _ in range(300):
    h.update(repr(ix.best(frozenset(rnd.sample(words, rnd.randint(1, 5))), k=5)).encode())
print(h.hexdigest())
"""


def test_similarity_ranking_does_not_depend_on_the_hash_seed():
    outs = set()
    for seed in ("1", "2", "3"):
        proc = subprocess.run([sys.executable, "-c", _SEED_SCRIPT], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        outs.add(proc.stdout.strip())
    assert len(outs) == 1


def test_the_stream_runs_on_one_blas_thread_and_restores_the_limit_after(settings):
    from threadpoolctl import threadpool_info, threadpool_limits

    from adequa.pipeline.annotate import annotate_stream

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    # a known limit above one, so that the test sees both the stream's limit and its restoration
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        if not before:
            pytest.skip("numpy is not linked to a BLAS that threadpoolctl can see")
        stream = annotate_stream(settings, iter(ADS[:2]))
        during = []
        for _ in stream:
            during.append(blas_threads())
        assert during and all(threads == [1] * len(before) for threads in during)
        assert blas_threads() == before
