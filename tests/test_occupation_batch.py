"""The batch entry points (``classify_many``, ``rank_many``, ``prefetch``) give what ``classify`` gives
ad by ad, and the batched description evidence what the per-ad computation and its plain reference
give — on the hand-written fixture referential and on the mirror's real offers."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from adequa.config import Settings
from adequa.pipeline import occupations as occ

ADS = [
    {"title": "Data engineer (H/F)", "description": "Vous concevrez des pipelines de données en Python et SQL."},
    {"title": "Conducteur de ligne", "description": "Conditionner des produits alimentaires, hygiène HACCP."},
    {"title": "Conducteur de ligne", "description": "Régler la presse à injecter, plasturgie, matières plastiques."},
    {"title": "Conducteur de ligne", "description": "Vous surveillerez l'extrudeuse."},
    {"title": "Serveuse (H/F) CDD", "description": None},
    {"title": "Serveur - Paris", "description": ""},
    {"title": "Chauffeur de car scolaire H/F", "description": "Transport d'enfants, permis D."},
    {"title": "DATA SCIENTIST JUNIOR", "description": "Machine learning, statistiques, Python."},
    {"title": "zzzz qqqq", "description": "rien de connu"},
    {"title": "", "description": "Conditionner des produits alimentaires."},
    {"title": None, "description": None},
    {"title": "Développeur Big Data", "description": "données données données, Spark, Hadoop !"},
    {"title": "ML engineer", "description": "zzz qqq www"},
    {"title": "Data engineer (H/F)", "description": "Vous concevrez des pipelines de données en Python et SQL."},
]


@pytest.fixture()
def clf(fixtures, tmp_path):
    occ._loaded.clear()
    return occ.load_occupation_classifier(Settings(data_dir=fixtures / "occupations", mirror=None,
                                                   cache_dir=tmp_path / "cache"))


def _fresh(cl) -> None:
    cl._title_cache.cache_clear()
    cl._candidate_arrays.cache_clear()
    cl._ready = {}


def _same_ranking(got: list, want: list, tol: float = 1e-5) -> bool:
    """Same (code, appellation) lists and scores within ``tol``; two entries may swap only where their
    scores tie within ``tol`` (float rounding decides such ties)."""
    if len(got) != len(want):
        return False
    for (c, s, a), (c2, s2, a2) in zip(got, want):
        if abs(s - s2) > tol:
            return False
        if (c, a) != (c2, a2) and not any((c3, a3) == (c, a) and abs(s3 - s2) <= tol for c3, s3, a3 in want):
            return False
    return True


def test_classify_many_equals_classify_ad_by_ad(clf):
    _fresh(clf)
    want = [clf.classify(a["title"], a["description"]) for a in ADS]
    _fresh(clf)
    got = clf.classify_many(ADS)
    assert got == want
    assert sum(bool(w["occupation"]["candidates"]) for w in want) >= 10      # the fixture does classify
    assert len({w["occupation"]["rome"] for w in want[1:4]}) >= 2           # and the description decides
    # pairs are accepted too
    _fresh(clf)
    assert clf.classify_many([(a["title"], a["description"]) for a in ADS]) == want


def test_rank_many_matches_the_single_path_and_the_reference(clf):
    """Raw scores: batch vs ``rank`` vs a reference that computes the description evidence with a fresh
    query vector per ad and the title short list without any memo."""
    from tests.test_occupation_speed import _reference_description_scores

    titles = [a["title"] for a in ADS]
    descs = [a["description"] for a in ADS]
    for parents in (True, False):
        _fresh(clf)
        single = [clf.rank(t, d, 5, parents) for t, d in zip(titles, descs)]
        _fresh(clf)
        batch = clf.rank_many(titles, descs, 5, parents)
        reference = []
        for t, d in zip(titles, descs):
            from adequa.enrich.occupation import clean_title

            cands = clf._title_uncached(clean_title(t or ""))
            ds = None
            if d and len(cands) > 1:
                ds = _reference_description_scores(clf, d, [c for c, _, _ in cands[: clf.DESC_CANDIDATES]])
            reference.append(clf._combine(cands, ds, 5, parents))
        for b, s, r, t in zip(batch, single, reference, titles):
            assert _same_ranking(b, s), t
            assert _same_ranking(b, r), t


def test_batch_results_do_not_depend_on_batch_size_or_order(clf):
    titles = [a["title"] for a in ADS] * 3
    descs = [a["description"] for a in ADS] * 3
    _fresh(clf)
    want = clf.rank_many(titles, descs)
    for size in (1, 2, 5, 1000):
        clf.BATCH = size
        _fresh(clf)
        assert all(_same_ranking(g, w) for g, w in zip(clf.rank_many(titles, descs), want)), size
    order = list(range(len(titles)))
    random.Random(3).shuffle(order)
    _fresh(clf)
    shuffled = clf.rank_many([titles[i] for i in order], [descs[i] for i in order])
    assert all(_same_ranking(shuffled[j], want[i]) for j, i in enumerate(order))


def test_batched_description_scores_match_the_per_ad_ones(clf):
    codes = [["H9001", "N9002", "M9001", "M9002", "ZZZZZ"], ["N9001"], [], ["M9001", "M9002"]]
    descs = ["Conditionner des produits alimentaires, extrudeuse, plasturgie.", "permis D, transport",
             "rien", "données"]
    got = clf._description_scores_many(descs, codes)
    for g, d, c in zip(got, descs, codes):
        want = clf._description_scores(d, c)
        assert list(g) == list(want)
        assert np.allclose(list(g.values()), list(want.values()), rtol=1e-6, atol=1e-7)
    assert any(v > 0 for v in got[0].values())


def test_prefetch_serves_the_next_classify_calls(clf):
    _fresh(clf)
    want = [clf.classify(a["title"], a["description"]) for a in ADS]
    _fresh(clf)
    clf.prefetch([None, *ADS[:5], None])
    assert len(clf._ready) == len({(a["title"] or "", a["description"] or "") for a in ADS[:5]})
    ready = dict(clf._ready)
    first = clf.classify(ADS[0]["title"], ADS[0]["description"])
    assert first == want[0] and any(first is v for v in ready.values())      # the prefetched result itself
    assert (ADS[0]["title"], ADS[0]["description"]) not in clf._ready        # served once
    assert [clf.classify(a["title"], a["description"]) for a in ADS] == want  # the rest: prefetched or not
    clf.prefetch(ADS[5:7])          # a new batch replaces what the last one left
    assert set(clf._ready) == {(a["title"] or "", a["description"] or "") for a in ADS[5:7]}


def test_title_memo_is_bounded_and_filled_by_batches(clf):
    from adequa.enrich.occupation import _Memo

    calls = Counter()

    def fn(key):
        calls[key] += 1
        return key.upper()

    memo = _Memo(fn, 3)
    assert [memo(k) for k in "abcab"] == list("ABCAB")
    assert calls == {"a": 1, "b": 1, "c": 1}
    memo("d")                            # full: the oldest entry ("a") goes
    assert "a" not in memo.data and len(memo.data) == 3
    memo("a")
    assert calls["a"] == 2
    memo.cache_clear()
    assert not memo.data
    _fresh(clf)
    clf.classify_many(ADS)
    from adequa.enrich.occupation import clean_title

    assert set(clf._title_cache.data) == {clean_title(a["title"] or "") for a in ADS}


def test_classify_many_equals_classify_on_real_offers(mirror, mirror_offers):
    from adequa.pipeline.annotate import load_occupation_classifier_or_none

    cl = load_occupation_classifier_or_none(Settings(mirror=mirror))
    if cl is None:
        pytest.skip("occupation classifier unavailable")
    rows = mirror_offers[::3]
    titles = [r.get("intitule") or r.get("titre") or "" for r in rows]
    descs = [r.get("description") or "" for r in rows]
    assert len(rows) > 400
    _fresh(cl)
    single = [cl.rank(t, d) for t, d in zip(titles, descs)]
    _fresh(cl)
    batch = cl.rank_many(titles, descs)
    bad = [t for t, b, s in zip(titles, batch, single) if not _same_ranking(b, s)]
    assert not bad
    _fresh(cl)
    out = cl.classify_many([{"title": t, "description": d} for t, d in zip(titles[:200], descs[:200])])
    assert [o["occupation"]["rome"] for o in out] == [s[0][0] if s else None for s in single[:200]]


def test_batches_from_several_threads_match_one(clf):
    """The batch's reused query buffer belongs to one thread; others get their own (same results)."""
    from concurrent.futures import ThreadPoolExecutor

    batches = [ADS[i:] + ADS[:i] for i in range(8)]
    _fresh(clf)
    want = [clf.classify_many(b) for b in batches]
    _fresh(clf)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(clf.classify_many, batches * 3))
    assert got == want * 3


def test_batches_pause_the_collector_and_put_it_back(clf):
    """``rank_many`` and ``classify_many`` run with the cyclic collector off (their caches and results
    would otherwise set off collections) and leave it as they found it, also when a batch fails."""
    import gc

    seen: list[bool] = []
    batch = clf._rank_batch

    def spy(*args):
        seen.append(gc.isenabled())
        return batch(*args)

    clf._rank_batch = spy
    assert gc.isenabled()
    want = [clf.classify(a["title"], a["description"]) for a in ADS]
    _fresh(clf)
    assert clf.classify_many(ADS) == want
    assert clf.rank_many([a["title"] for a in ADS], [a["description"] for a in ADS])
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    try:
        clf.classify_many(ADS)
        assert not gc.isenabled()       # off before: left off
    finally:
        gc.enable()

    def fail(*args):
        raise RuntimeError("odd ad")

    clf._rank_batch = fail
    with pytest.raises(RuntimeError):
        clf.classify_many(ADS)
    assert gc.isenabled()
