"""The optional compiled kernel of the occupation classifier (``adequa.enrich._occupation_fast``) gives
the numpy path's results bit for bit: title short lists (labels, fiches, float32 scores, order) and the
description evidence (float32 sums as ``np.add.reduceat`` adds them) — on the fixture referential, on
generated titles and on the mirror's real offers; and it is safe from several threads. Its ``words`` of a
description (``fold_words``), their stem ids (``Vocab``) and a batch's query rows (``description_batch``)
are those of ``ranking.words`` and of the numpy path, on hypothesis texts, generated rows and the mirror's
offers."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adequa.config import Settings
from adequa.enrich import occupation
from adequa.enrich.occupation import clean_title, title_segments
from adequa.enrich.ranking import fold_char, words
from adequa.pipeline import occupations as occ
from tests.test_occupation_batch import ADS

pytestmark = pytest.mark.skipif(occupation._fast is None, reason="optional compiled kernel adequa.enrich."
                                "_occupation_fast not built (pip install -e .) or ADEQUA_PURE_PYTHON set")


@pytest.fixture()
def clf(fixtures, tmp_path):
    occ._loaded.clear()
    return occ.load_occupation_classifier(Settings(data_dir=fixtures / "occupations", mirror=None,
                                                   cache_dir=tmp_path / "cache"))


def _both_titles(cl, cleaned: str):
    segments = title_segments(cleaned, cl.SEGMENT_DISCOUNT)
    cl.use_compiled = False
    want = cl._title_dense(cleaned, segments)
    cl.use_compiled = True
    return cl._title_dense(cleaned, segments), want


def _both_descriptions(cl, descs, codes):
    cl.use_compiled = False
    want = cl._description_scores_many(descs, codes)
    cl.use_compiled = True
    return cl._description_scores_many(descs, codes), want


def _generated_titles(cl, n: int, seed: int) -> list[str]:
    """Titles made of words of the indexed labels (and noise words), 1 to 6 words, with segments."""
    rnd = random.Random(seed)
    vocab = sorted({w for text in cl.doc_texts for w in text.split()}) + ["zzqx", "de", "et", "senior", "ml"]
    out = []
    for _ in range(n):
        words = [rnd.choice(vocab) for _ in range(rnd.randint(1, 6))]
        if rnd.random() < 0.3 and len(words) > 1:
            words.insert(rnd.randint(1, len(words) - 1), "-")
        if rnd.random() < 0.2:
            words.append(words[0])                   # a repeated word: shared features corrected
        out.append(" ".join(words))
    return out


def test_title_short_lists_are_the_numpy_ones_bit_for_bit(clf):
    titles = [a["title"] or "" for a in ADS] + _generated_titles(clf, 400, 5)
    nonempty = 0
    for t in titles:
        got, want = _both_titles(clf, clean_title(t))
        assert got == want, t
        assert [type(s) for _, s, _ in got] == [float] * len(got)
        nonempty += bool(want)
    assert nonempty > 100          # the generated titles do reach labels


def test_short_list_floors_and_cut(clf):
    """The floors' fallbacks (a weak best label, few labels near it) and the TITLE_TOP cut with ties."""
    titles = _generated_titles(clf, 200, 11)
    for top, floor in ((3, 0.3), (2, 0.9), (150, 0.0), (1, 0.3), (7, 0.05)):
        clf.TITLE_TOP, clf.SHORTLIST_FLOOR = top, floor
        try:
            for t in titles:
                got, want = _both_titles(clf, clean_title(t))
                assert got == want, (t, top, floor)
        finally:
            del clf.TITLE_TOP, clf.SHORTLIST_FLOOR


def test_description_scores_are_the_numpy_ones_bit_for_bit(clf):
    rnd = random.Random(2)
    vocab = sorted({w for text in clf.doc_texts for w in text.split()}) + ["données", "extrudeuse", "permis"]
    codes_all = list(clf.fiche_codes) + ["ZZZZZ"]
    descs, codes = [], []
    for _ in range(300):
        descs.append(" ".join(rnd.choice(vocab) for _ in range(rnd.randint(0, 60))) or "rien")
        codes.append(rnd.sample(codes_all, rnd.randint(0, min(20, len(codes_all)))))
    got, want = _both_descriptions(clf, descs, codes)
    assert got == want
    assert [list(g) for g in got] == [list(w) for w in want]        # same fiches, same order
    assert sum(any(v > 0 for v in g.values()) for g in got) > 50


def test_the_description_kernel_adds_as_numpy_reduceat():
    """Fiches of every length class of numpy's pairwise sum (< 8, ≤ 128, split), float32 products, against
    the numpy rows and ``np.add.reduceat``; pairs of an unknown fiche (-1) and of a row without stems."""
    fast = occupation._fast
    rng = np.random.default_rng(0)
    n_stems = 500
    idf = (rng.random(n_stems) * 5).astype(np.float32)
    lengths = np.array([1, 2, 7, 8, 9, 15, 16, 17, 127, 128, 129, 200, 255, 256, 257, 400, 1000], np.int64)
    ptr = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    fids = rng.integers(0, n_stems, int(ptr[-1])).astype(np.int32)
    weights = (rng.random(int(ptr[-1])) * 1e3 ** rng.integers(-2, 2, int(ptr[-1]))).astype(np.float32)
    rows = [rng.integers(-1, n_stems, 400), np.array([], np.int64), rng.integers(-1, 40, 300), np.array([-1, -1])]
    ids = np.concatenate(rows).astype(np.int64)
    row_lengths = np.array([len(r) for r in rows], np.int64)
    tab = np.zeros(1002, np.float32)
    tab[1:] = np.log(np.arange(1, 1002, dtype=np.float32))
    ads = np.repeat(np.arange(len(rows), dtype=np.int64), len(lengths) + 1)
    fiches = np.tile(np.r_[np.arange(len(lengths)), -1].astype(np.int64), len(rows))
    got, has = fast.description_batch(ids, row_lengths, idf, tab, ads, fiches, ptr, fids, weights)
    flat, _, want_has = _dense_numpy(ids, row_lengths, idf, n_stems)
    dense = flat.reshape(len(rows), n_stems)
    assert has.tolist() == want_has.tolist() == [True, False, True, False]
    for a in range(len(rows)):
        want = np.add.reduceat(weights * dense[a][fids], ptr[:-1]) if want_has[a] else np.zeros(len(lengths), np.float32)
        part = got[a * (len(lengths) + 1):(a + 1) * (len(lengths) + 1)]
        assert part[:-1].tobytes() == want.tobytes() and part[-1] == 0.0
    with pytest.raises(ValueError):
        fast.description_batch(ids, row_lengths, idf, tab, ads[::-1].copy(), fiches, ptr, fids, weights)
    with pytest.raises(IndexError):
        fast.description_batch(np.r_[ids[:-1], n_stems], row_lengths, idf, tab, ads, fiches, ptr, fids, weights)
    with pytest.raises(ValueError):
        fast.description_batch(ids[:-1], row_lengths, idf, tab, ads, fiches, ptr, fids, weights)


# characters whose folding is not plain: a lowered form that is ASCII (KELVIN SIGN), an uppercase ASCII
# decomposition (ℌ -> H), two-character lowering (İ), ligatures, œ/’ replaced before the decomposition,
# combining marks, a lone surrogate, an emoji, final sigma, ASCII separators str.split knows
_ODD = "ℌKİœŒ’ﬁﬀ😀\ud800ßǅΣσς\u0301\u0327éÉèàçÇ\x1c\x1f\t\n _-/'.,0123456789AZaz"


@given(st.text(alphabet=st.characters(codec=None) | st.sampled_from(_ODD), max_size=80),
       st.integers(min_value=0, max_value=100))
@settings(max_examples=400, deadline=None)
def test_compiled_words_are_ranking_words(text, limit):
    memo: dict = {}
    assert occupation._fast.fold_words(text, limit, memo, fold_char) == words(text[:limit])
    assert occupation._fast.fold_words(text, 10 ** 9, memo, fold_char) == words(text)   # memo reused


def test_compiled_words_on_mixed_text():
    text = "Développeur·se  C++/Node.js — ﬁnance & Œuvres; KELVIN: K, ℌeures, İstanbul ’23 😀 x\x1cy"
    got = occupation._fast.fold_words(text, 10 ** 9, {}, fold_char)
    assert got == words(text)
    assert "finance" in got and "oeuvres" in got and "k" in got and "23" in got


@pytest.mark.parametrize("remembered", [1_000_000, 3, 0])
def test_compiled_word_ids_are_the_words_stem_ids(clf, remembered):
    """``Vocab.text_ids``: each text's words (as ``ranking.words`` cuts them) mapped through the
    classifier's word -> stem id, whether the word is remembered in C or asked again."""
    rnd = random.Random(3)
    vocab = sorted({w for text in clf.doc_texts for w in text.split()}) + ["Données", "ÉTÉ", "œuvre", "zzqx", "x"]
    texts = [" ".join(rnd.choice(vocab) for _ in range(rnd.randint(0, 50))) + rnd.choice(["", " ℌ", "’s", " 😀"])
             for _ in range(200)] + ["", "  ", "é"]
    asked = []

    def resolve(word):
        asked.append(word)
        return clf._word_stem_id(word)

    v = occupation._fast.Vocab(resolve, remembered)
    for limit in (1000, 40):
        ids, lengths = v.text_ids(texts, limit, {}, fold_char)
        toks = [words(t[:limit]) for t in texts]
        assert lengths.tolist() == [len(t) for t in toks]
        assert ids.tolist() == [clf._word_stem_id(w) for t in toks for w in t]
        assert ids.dtype == np.int64 and lengths.dtype == np.int64
    assert len(v) <= remembered
    distinct = len({w for t in texts for limit in (1000, 40) for w in words(t[:limit])})   # cut words too
    assert (len(asked) == distinct) if remembered > distinct else (len(asked) > distinct), (len(asked), distinct)
    assert (ids >= 0).sum() > 100 and (ids == -1).sum() > 0


def _both_postings(index, toks):
    out = []
    for on in (False, True):
        index.use_compiled = on
        index._post_cache.clear()
        index._post_entries = 0
        out.append([index._token_postings(t) for t in toks])
    index.use_compiled = True
    return out


def _same_postings(got, want) -> bool:
    return all(type(g) is type(w) and ((g.dtype == w.dtype and g.tobytes() == w.tobytes()) if isinstance(g, np.ndarray)
                                       else g == w) for g, w in zip(got, want))


@pytest.mark.parametrize("share", [0.0, 0.05, 0.4])
def test_token_postings_kernel_is_the_bincount_path_bit_for_bit(clf, share):
    """``LexicalIndex._token_postings`` through ``_occupation_fast.token_postings`` and through numpy's
    ``bincount``/``flatnonzero``: the same documents and float64 sums, with and without pruning."""
    from adequa.enrich.ranking import tokens

    toks = sorted({t for title in _generated_titles(clf, 300, 13) for t in tokens(title)} | {"zzqx", "c++"})
    clf.index.prune_share = share
    try:
        numpy_path, kernel = _both_postings(clf.index, toks)
    finally:
        clf.index.prune_share = 0.0
    assert all(_same_postings(g, w) for g, w in zip(kernel, numpy_path))
    assert sum(len(h[3]) for h in kernel) > 30 and any(len(h[3]) == 0 for h in kernel)


def _dense_numpy(ids, lengths, idf, n_stems):
    """The numpy rows of ``_description_scores_many`` (the reference of ``description_batch``'s rows)."""
    n = len(lengths)
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    known = ids >= 0
    key, cnt = np.unique(rows[known] * n_stems + ids[known], return_counts=True)
    rows = key // n_stems
    q = (1.0 + np.log(cnt.astype(np.float32))) * idf[key % n_stems]
    norm = np.sqrt(np.bincount(rows, weights=q * q, minlength=n))
    norm[norm == 0] = 1.0
    flat = np.zeros(n * n_stems, np.float32)
    flat[key] = q / norm[rows].astype(np.float32)
    return flat, key, np.bincount(rows, minlength=n) > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_description_rows_are_the_numpy_ones_bit_for_bit(clf, seed):
    """Counts from 1 to hundreds (long rows of few stems), empty rows, rows of unknown stems only, and
    stems whose idf is 0 (a row of those has norm 0, taken as 1)."""
    rng = np.random.default_rng(seed)
    n_stems = 300
    idf = (rng.random(n_stems) * 5).astype(np.float32)
    idf[rng.random(n_stems) < 0.1] = 0.0
    zero = np.flatnonzero(idf == 0)
    lengths = rng.integers(0, 400, 40)
    lengths[:3] = 0
    rows = []
    for r, m in enumerate(lengths):
        pool = rng.integers(-1, n_stems, rng.integers(1, 12)) if r % 3 else rng.integers(-1, n_stems, 200)
        if r == 5:
            pool = np.array([-1])
        if r == 6:
            pool = zero
        rows.append(rng.choice(pool, m))
    ids = np.concatenate(rows).astype(np.int64)
    lengths = lengths.astype(np.int64)
    clf_tab = clf._log_counts(lengths)
    # one "fiche" per stem, of weight 1: each pair's score is the row's value at that stem
    unit = (np.arange(n_stems + 1, dtype=np.int64), np.arange(n_stems, dtype=np.int32), np.ones(n_stems, np.float32))
    ads = np.repeat(np.arange(len(lengths), dtype=np.int64), n_stems)
    stems = np.tile(np.arange(n_stems, dtype=np.int64), len(lengths))
    got, has = occupation._fast.description_batch(ids, lengths, idf, clf_tab, ads, stems, *unit)
    want_flat, _, want_has = _dense_numpy(ids, lengths, idf, n_stems)
    assert got.tobytes() == want_flat.tobytes()
    assert has.tolist() == want_has.tolist()
    assert not has[5] and not has[0] and has[6] and has.sum() > 30
    with pytest.raises(ValueError):
        occupation._fast.description_batch(ids, lengths, idf, clf_tab[:3], ads, stems, *unit)


def test_classify_many_is_the_same_with_and_without_the_kernel_from_threads(clf):
    ads = ADS * 4
    clf.use_compiled = False
    want = clf.classify_many(ads)
    clf.use_compiled = True
    clf._title_cache.cache_clear()
    assert clf.classify_many(ads) == want

    def run(i):
        clf._title_cache.cache_clear()
        return clf.classify_many(ads[i:] + ads[:i])

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(8)))
    for i, got in enumerate(results):
        assert got == want[i:] + want[:i]


def test_real_titles_and_descriptions_bit_for_bit(mirror, mirror_offers):
    from adequa.pipeline.annotate import load_occupation_classifier_or_none

    cl = load_occupation_classifier_or_none(Settings(mirror=mirror))
    if cl is None:
        pytest.skip("occupation classifier unavailable")
    saved = cl.use_compiled
    try:
        titles = sorted({clean_title(r.get("intitule") or r.get("titre") or "") for r in mirror_offers})
        assert len(titles) > 500
        for c in titles:
            got, want = _both_titles(cl, c)
            assert got == want, c
        rows = [r for r in mirror_offers if r.get("description")][:1500]
        for i in range(0, len(rows), 256):
            part = rows[i:i + 256]
            codes = [[c for c, _, _ in cl._title_cache(clean_title(r.get("intitule") or r.get("titre") or ""))
                      [: cl.DESC_CANDIDATES]] for r in part]
            got, want = _both_descriptions(cl, [r["description"] for r in part], codes)
            assert got == want
        from adequa.enrich.ranking import tokens

        toks = sorted({t for c in titles for t in tokens(c)})
        numpy_path, kernel = _both_postings(cl.index, toks)
        assert all(_same_postings(g, w) for g, w in zip(kernel, numpy_path))
        for r in mirror_offers:
            text = r.get("description") or ""
            assert occupation._fast.fold_words(text, cl.DESC_CHARS, {}, fold_char) == words(text[: cl.DESC_CHARS])
    finally:
        cl.use_compiled = saved


def test_compiled_stems_are_the_python_ones(clf):
    """``Vocab.use_stems``: a new word's stem id found in C (``ranking.stem``'s suffixes, the stop words,
    the length floor) is ``_word_stem_id``'s, for every ending of ``STEM_SUFFIXES``, words of 1–8
    letters, digits, stop words and the fixtures' label words; ``text_ids`` then never asks Python."""
    from adequa.enrich.ranking import STEM_SUFFIXES, STOPWORDS

    rnd = random.Random(5)
    letters = "aeiourstxnlcdb"
    made = ["".join(rnd.choice(letters) for _ in range(rnd.randint(1, 8))) for _ in range(3000)]
    endings = [head + suffix for suffix, _ in STEM_SUFFIXES for head in ("", "a", "ab", "abc", "abcd")]
    endings += [head + end for end in ("s", "x", "ss", "us", "xs", "sx", "ux") for head in ("", "a", "ab", "abc", "abcd")]
    vocab = sorted({w for text in clf.doc_texts for w in words(text)} | set(STOPWORDS))
    every = made + endings + vocab + ["a1", "abc2", "2024", "h", "x", "ee", "ees", "ieres", "", "rice", "zzqx"]
    v = clf._compiled_vocab()
    assert [v.stem_id(w) for w in every] == [clf._word_stem_id(w) for w in every]
    hits = sum(clf._word_stem_id(w) >= 0 for w in endings + vocab)
    assert hits > 10
    asked = []
    v = occupation._fast.Vocab(asked.append, 10)
    v.use_stems(clf._stem_ids, STOPWORDS, STEM_SUFFIXES, 3)
    texts = [" ".join(rnd.sample(every, 30)) for _ in range(50)]
    ids, _ = v.text_ids(texts, 10 ** 9, {}, fold_char)
    assert not asked
    assert ids.tolist() == [clf._word_stem_id(w) for t in texts for w in words(t)]


def _same_parts(got, want) -> bool:
    """``token_parts`` results equal bit for bit (arrays by dtype and bytes, nested lists and tuples)."""
    if isinstance(want, np.ndarray):
        return isinstance(got, np.ndarray) and got.dtype == want.dtype and got.tobytes() == want.tobytes()
    if isinstance(want, (list, tuple)):
        return type(got) is type(want) and len(got) == len(want) and all(map(_same_parts, got, want))
    return type(got) is type(want) and got == want


def test_shared_feature_corrections_are_the_numpy_ones_bit_for_bit(clf):
    """``token_parts(..., raw_corrections=True)`` with the compiled ``shared_features`` and with numpy, on
    generated titles (repeated words, words sharing n-grams, unknown words), a word repeated 80 times
    (counts beyond the first log table) and texts without a known feature."""
    texts = [t.replace(" - ", " ") for t in _generated_titles(clf, 400, 21)]
    first = clf.doc_texts[0].split()[0]
    texts += [" ".join([first] * 80), "zzqx zzqx", "de et", first + " " + first + "s " + first]
    index = clf.index
    got, want = [], []
    for on, out in ((True, got), (False, want)):
        index.use_compiled = on
        index.__dict__.pop("_log_tab", None)
        out.extend(index.token_parts(t, raw_corrections=True) for t in texts)
    index.use_compiled = True
    assert all(_same_parts(g, w) for g, w in zip(got, want))
    shared = [g for g in got if g is not None and g[0] and not isinstance(g[0][-1][0], str)]
    assert len(shared) > 40 and any(len(g[0][-1][0]) for g in shared)
