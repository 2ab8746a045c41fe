"""The optional compiled scoring of ``SimilarityIndex.best`` (``adequa.enrich._similarity_fast``) gives the
Python path's results bit for bit (same floats, same order, same ``seen`` entries): on generated indexes
whose small short lists and posting limits reach every branch of the short list (both rare keys, the rarer
only, the other only, one key, no key under the limit), with entries shared by several labels, equal
scores, light keys and head verbs; from several threads; after a pickle round trip; and on the skill
extractor's own calls over the mirror's offers."""

from __future__ import annotations

import pickle
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from adequa.enrich import skills_semantic
from adequa.enrich.skills_semantic import SimilarityIndex

pytestmark = pytest.mark.skipif(skills_semantic._sfast is None, reason="optional compiled kernel adequa.enrich."
                                "_similarity_fast not built (pip install -e .) or ADEQUA_PURE_PYTHON set")

VERBS = ["gerer", "piloter", "realiser", "analyser", "concevoir"]


def _index(seed: int, n_labels: int = 400, shortlist: int = 6, max_postings: int = 25) -> SimilarityIndex:
    rnd = random.Random(seed)
    nouns = [f"n{i}" for i in range(60)]
    sim = SimilarityIndex(light={"realiser"}, verbs=set(VERBS))
    sim.SHORTLIST, sim.MAX_POSTINGS = shortlist, max_postings
    for i in range(n_labels):
        keys = ([rnd.choice(VERBS)] if rnd.random() < 0.5 else []) + rnd.sample(nouns, rnd.randint(1, 4))
        if rnd.random() < 0.3:
            keys.append(f"rare{rnd.randrange(60)}")       # keys of one to a few labels
        # entries shared by several labels (alt-labels), and labels equal to others (equal scores)
        sim.add(keys, entry=rnd.randrange(n_labels // 3), preferred=rnd.random() < 0.4)
        if rnd.random() < 0.1:
            sim.add(list(keys), entry=rnd.randrange(n_labels // 3))
    return sim.freeze()


def _queries(sim: SimilarityIndex, seed: int, n: int = 600) -> list[frozenset]:
    rnd = random.Random(seed)
    vocab = sorted(sim.postings)
    out = [ks for ks in sim.label_keys[:100]]
    for _ in range(n):
        q = set(rnd.sample(vocab, rnd.randint(1, 6)))
        if rnd.random() < 0.3:
            q.add("inconnu")
        out.append(frozenset(q))
    return out + [frozenset(), frozenset({"inconnu"})]


def _both(sim: SimilarityIndex, q: frozenset, k: int, with_seen: bool):
    s1, s2 = (set(), set()) if with_seen else (None, None)
    sim.use_compiled = True
    got = sim.best(q, k=k, seen=s1)
    sim.use_compiled = False
    want = sim.best(q, k=k, seen=s2)
    return (got, s1), (want, s2)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_best_is_the_python_best_bit_for_bit(seed):
    sim = _index(seed)
    ties = scored = 0
    for n, q in enumerate(_queries(sim, seed + 10)):
        for k in (1, 3, 12):
            got, want = _both(sim, q, k, with_seen=n % 2 == 0)
            assert got == want, (sorted(q), k)
            assert [(type(s), type(e)) for s, e in got[0]] == [(float, int)] * len(got[0])
            assert got[0] == sim.best_reference(q, k=k)
            scored += bool(got[0])
            ties += len({s for s, _ in got[0]}) < len(got[0])
    assert scored > 1000 and ties > 20      # the queries reach labels, and equal scores are ordered alike


def test_ranked_gives_best_and_its_codes():
    """``ranked`` (one kernel call for ``best`` and the codes of its entries) gives what ``best`` and a
    comprehension over its entries give, codes that are None or empty left out."""
    sim = _index(12)
    rnd = random.Random(13)
    codes = [rnd.choice([None, "", f"c{e % 40}"]) for e in range(400)]
    n_codes = 0
    for q in _queries(sim, 14, 400):
        sim.use_compiled = True
        got = sim.ranked(q, codes, 12)
        sim.use_compiled = False
        top = sim.best(q, k=12)
        assert got == (top, frozenset(codes[e] for _, e in top if codes[e])) == sim.ranked(q, codes, 12)
        assert type(got[1]) is frozenset
        n_codes += len(got[1])
    sim.use_compiled = True
    assert n_codes > 500


def test_labels_with_more_keys_than_a_record_holds():
    """Labels of 8 to 16 keys (a label record holds 10 key ids, the rest goes to its overflow): the
    same results, whichever of its keys the candidate shares."""
    rnd = random.Random(11)
    nouns = [f"n{i}" for i in range(40)]
    sim = SimilarityIndex(light={"realiser"}, verbs=set(VERBS))
    sim.SHORTLIST, sim.MAX_POSTINGS = 8, 30
    for i in range(300):
        keys = [rnd.choice(VERBS)] + rnd.sample(nouns, rnd.randint(7, 15))
        sim.add(keys, entry=rnd.randrange(150), preferred=rnd.random() < 0.4)
    sim.freeze()
    assert max(map(len, sim.label_keys)) > 12
    queries = [frozenset(rnd.sample(sorted(ks), rnd.randint(1, len(ks)))) for ks in sim.label_keys]
    queries += [frozenset(rnd.sample(nouns + VERBS, rnd.randint(1, 8))) for _ in range(300)]
    for n, q in enumerate(queries):
        got, want = _both(sim, q, 12, with_seen=n % 2 == 0)
        assert got == want, sorted(q)


def test_every_branch_of_the_short_list_is_reached():
    """Short lists that stop in each part: both rare keys, the rarer key alone, then the other key."""
    sim = _index(4, shortlist=4, max_postings=40)
    postings = sim.postings
    kinds = set()
    for q in _queries(sim, 5, 2000):
        known = sorted((kk for kk in q if kk in postings), key=lambda kk: (len(postings[kk]), kk))
        use = [kk for kk in known if len(postings[kk]) <= sim.MAX_POSTINGS][:2] or known[:1]
        if len(use) < 2:
            kinds.add("one key" if known and len(postings[known[0]]) <= sim.MAX_POSTINGS else "none under the limit"
                      if known else "no key")
        else:
            both = [i for i in postings[use[0]] if i in set(postings[use[1]])]
            rarer = [i for i in postings[use[0]] if i not in set(postings[use[1]])]
            kinds.add("both" if len(both) >= 4 else "rarer" if len(both) + len(rarer) >= 4 else "other")
        got, want = _both(sim, q, 12, with_seen=True)
        assert got == want, sorted(q)
    assert kinds >= {"both", "rarer", "other", "one key", "no key"}, kinds


def test_prefer_bonus_takes_the_python_path_and_agrees():
    sim = _index(6)
    entry_ogr = str
    for q in _queries(sim, 7, 200):
        prefer = {str(e) for e in range(0, 130, 3)}
        sim.use_compiled = True
        got = sim.best(q, prefer=prefer, entry_ogr=entry_ogr, k=8)
        assert got == sim.best_reference(q, prefer=prefer, entry_ogr=entry_ogr, k=8)


def test_from_threads_and_after_pickling():
    sim = _index(8)
    queries = _queries(sim, 9, 300)
    sim.use_compiled = False
    want = [sim.best(q, k=5) for q in queries]
    sim.use_compiled = True
    sim.clear_memos()

    def run(i):
        return [sim.best(q, k=5) for q in queries[i:] + queries[:i]]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(8)))
    for i, got in enumerate(results):
        assert got == want[i:] + want[:i]
    state = sim.__getstate__()
    assert not {"_clabels", "_cshorts", "_key_ids"} & set(state)
    copy = pickle.loads(pickle.dumps(sim))
    assert [copy.best(q, k=5) for q in queries] == want


def test_extractor_calls_on_real_offers(mirror, mirror_offers):
    """The skill extractor's own ``best`` calls (recorded over real descriptions), both paths."""
    from adequa.config import Settings
    from adequa.pipeline.annotate import load_skill_extractor

    ex = load_skill_extractor(Settings(mirror=mirror))
    sim = ex.c.langs["fr"].sim
    calls = []
    real = sim.best

    def record(keys, **kw):
        calls.append((keys, {k: v for k, v in kw.items() if k != "seen"}, kw.get("seen") is not None))
        return real(keys, **kw)

    sim.best = record
    try:
        for r in mirror_offers[:400]:
            ex.extract(r.get("description") or "")
    finally:
        del sim.best
    assert len(calls) > 500
    for keys, kw, with_seen in calls:
        s1, s2 = (set(), set()) if with_seen else (None, None)
        sim.use_compiled = True
        got = sim.best(keys, seen=s1, **kw)
        sim.use_compiled = False
        assert got == sim.best(keys, seen=s2, **kw) and s1 == s2
    sim.use_compiled = True


def test_packed_arrays_made_when_frozen_or_missing():
    """``freeze`` packs the index for the kernel (pickled with it); an index without them (frozen by
    older code) packs itself on first use; either way the same results as the Python path."""
    sim = _index(15)
    assert sim.packed is not None and "packed" in sim.__getstate__()
    queries = _queries(sim, 16, 200)
    sim.use_compiled = False
    want = [sim.best(q, k=12) for q in queries]
    sim.use_compiled = True
    old = pickle.loads(pickle.dumps(sim))
    del old.packed
    old.__dict__.pop("_clabels", None)
    assert [old.best(q, k=12) for q in queries] == want == [sim.best(q, k=12) for q in queries]
    assert old.packed is not None
