"""Speed changes of the occupation classifier must not change a single score: each optimised step is
compared with a straightforward reference on fixtures (and on the real appellations with the mirror)."""

from __future__ import annotations

import numpy as np
import pytest

from adequa.enrich.ranking import LexicalIndex

TEXTS = [
    "Ingénieur / Ingénieure data", "Data scientist", "Développeur / Développeuse full stack",
    "Administrateur / Administratrice de bases de données", "Chargé / Chargée de relation client CRM",
    "Serveur / Serveuse en restauration", "Ingénieur / Ingénieure en intelligence artificielle",
    "Analyste décisionnel - Business Intelligence", "Technicien / Technicienne de maintenance",
    "Data engineer", "Data analyst", "Chef de projet data", "Cuisinier / Cuisinière",
]
QUERIES = ["ingenieur data", "data", "developpeur fullstack java", "serveuse", "chef projet bi",
           "administrateur bdd oracle", "zzz qqq", "", "intelligence artificielle machine learning",
           "technicien de maintenance industrielle h/f"]


@pytest.fixture()
def fixture_classifier(fixtures, tmp_path):
    """The classifier built from the hand-written referential in tests/fixtures/occupations."""
    from adequa.config import Settings
    from adequa.pipeline import occupations as occ

    occ._loaded.clear()
    return occ.load_occupation_classifier(Settings(data_dir=fixtures / "occupations", mirror=None,
                                                   cache_dir=tmp_path / "cache"))


def _reference(ix: LexicalIndex, text: str, coverage: float) -> np.ndarray:
    """Cosines gathered column by column (the pre-optimisation code)."""
    cols, vals = ix.query_vector(text)
    if len(cols) == 0:
        return np.zeros(ix.n_docs, np.float32)
    starts, ends = ix.indptr[cols], ix.indptr[cols + 1]
    lengths = ends - starts
    idx = np.concatenate([ix.indices[s:e] for s, e in zip(starts, ends)])
    w = np.concatenate([ix.data[s:e] for s, e in zip(starts, ends)]) * np.repeat(vals, lengths)
    cos = np.bincount(idx, weights=w, minlength=ix.n_docs)
    if coverage:
        share = np.bincount(idx, weights=np.repeat(vals * vals, lengths), minlength=ix.n_docs)
        share /= float((vals * vals).sum()) or 1.0
        cos *= (1.0 - coverage) + coverage * share
    return cos.astype(np.float32)


@pytest.mark.parametrize("coverage", [0.0, 0.5])
def test_doc_scores_are_bit_identical_to_the_column_by_column_reference(coverage):
    ix = LexicalIndex.build(TEXTS, list(range(len(TEXTS))))
    for q in QUERIES:
        got, want = ix.doc_scores(q, coverage), _reference(ix, q, coverage)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want), q
    assert ix.doc_scores("ingenieur data", coverage).max() > 0     # the fixture does score something


def test_doc_scores_identical_on_real_appellations(mirror):
    from adequa.config import Settings
    from adequa.pipeline.annotate import load_occupation_classifier_or_none

    cl = load_occupation_classifier_or_none(Settings(mirror=mirror))
    if cl is None:
        pytest.skip("occupation classifier unavailable")
    queries = [cl.doc_texts[d] for d in range(0, len(cl.doc_texts), 97)] + QUERIES
    for q in queries:
        assert np.array_equal(cl.index.doc_scores(q, cl.COVERAGE), _reference(cl.index, q, cl.COVERAGE)), q


def _reference_description_scores(cl, description: str, codes: list[str]) -> dict[str, float]:
    """Description evidence with a fresh query vector per ad (the pre-optimisation code)."""
    from collections import Counter

    from adequa.enrich.ranking import words

    found = [cl._token_stem_id.get(t, cl._stem_ids.get(cl._stem_of(t), -1)) for t in words(description[: cl.DESC_CHARS])]
    tf = Counter(found)
    tf.pop(-1, None)
    if not tf:
        return {}
    cols = np.fromiter(tf.keys(), np.int64, len(tf))
    q = (1.0 + np.log(np.fromiter(tf.values(), np.float32, len(tf)))) * cl._idf[cols]
    dense = np.zeros(len(cl._idf), np.float32)
    dense[cols] = q / (float(np.sqrt(q @ q)) or 1.0)
    found_codes, cols, weights, starts = cl._candidate_arrays_uncached(tuple(codes))
    if not found_codes:
        return {}
    return dict(zip(found_codes, np.add.reduceat(weights * dense[cols], starts).tolist()))


def _check_descriptions(cl, ads):
    checked = 0
    for title, desc in ads + ads[::-1]:        # twice, in another order (so each ad follows a different one)
        codes = [c for c, _, _ in cl.rank(title, None, 10, parents=False)]
        got = cl._description_scores(desc, codes)
        assert got == _reference_description_scores(cl, desc, codes), title
        assert list(got) == list(_reference_description_scores(cl, desc, codes))
        checked += bool(got)
        # the reused query vector is left all zeros (a leftover would leak into the next ad's cosines)
        buf = cl.__dict__.get("_dense_query")
        assert buf is None or not buf[1].any()
    assert checked        # some ads did get description evidence


def test_description_scores_identical_to_a_fresh_vector_per_ad(fixture_classifier):
    ads = [("Data engineer", "Construire des pipelines de données, modéliser les bases de données, Spark et SQL."),
           ("Ingénieur data", "Entraîner des modèles de machine learning et d'intelligence artificielle."),
           ("Serveur", "Service en salle, accueil de la clientèle, encaissement."),
           ("Développeur", "Développement d'applications web en Java, tests unitaires."),
           ("Data engineer", "")]
    _check_descriptions(fixture_classifier, ads)


def test_description_scores_identical_on_real_offers(mirror, mirror_offers):
    from adequa.config import Settings
    from adequa.pipeline.annotate import load_occupation_classifier_or_none

    cl = load_occupation_classifier_or_none(Settings(mirror=mirror))
    if cl is None:
        pytest.skip("occupation classifier unavailable")
    ads = [(r.get("intitule") or r.get("titre") or "", r["description"]) for r in mirror_offers if r.get("description")]
    assert len(ads) > 1000
    _check_descriptions(cl, ads[:: 3])


def test_description_scores_from_two_threads_match_one(fixture_classifier):
    """The reused query vector belongs to one thread: ads scored from threads at once get the same dicts."""
    from concurrent.futures import ThreadPoolExecutor

    cl = fixture_classifier
    ads = [("Data engineer", "Pipelines de données Spark et SQL, modélisation."),
           ("Serveur", "Service en salle et encaissement."),
           ("Ingénieur data", "Machine learning, intelligence artificielle, Python.")] * 200
    codes = [[c for c, _, _ in cl.rank(t, None, 10, parents=False)] for t, _ in ads]
    want = [_reference_description_scores(cl, d, c) for (_, d), c in zip(ads, codes)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda i: cl._description_scores(ads[i][1], codes[i]), range(len(ads))))
    assert got == want and any(want)


# -- per-token cached postings (LexicalIndex.token_doc_scores) and the title short list -------------

TOKEN_QUERIES = QUERIES + ["data data", "ingenieur ingenierie", "developpeur developpeuse", "chef de projet chef",
                           "serveur zzzq", "a de la", "administrateur administratrice bases donnees donnees"]


def _same_ranking(got: np.ndarray, want: np.ndarray, k: int = 30) -> bool:
    """Same scores up to float32 rounding, and the same documents in the same order among the k best
    (documents whose reference scores tie may come in either order)."""
    if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
        return False
    order_got = np.lexsort((np.arange(len(got)), -got))[:k]
    order_want = np.lexsort((np.arange(len(want)), -want))[:k]
    return all(a == b or abs(want[a] - want[b]) <= 1e-6 for a, b in zip(order_got, order_want))


@pytest.mark.parametrize("coverage", [0.0, 0.5])
def test_token_doc_scores_match_the_feature_postings_reference(coverage):
    ix = LexicalIndex.build(TEXTS, list(range(len(TEXTS))))
    for _ in range(2):            # cold, then from the per-token cache
        for q in TOKEN_QUERIES:
            got, want = ix.token_doc_scores(q, coverage), _reference(ix, q, coverage)
            assert got.dtype == want.dtype and got.shape == want.shape
            assert _same_ranking(got, want), q
    assert ix.token_doc_scores("ingenieur data", coverage).max() > 0
    assert ix._post_cache           # the tokens were cached


def test_token_postings_budget_bounds_the_cache():
    ix = LexicalIndex.build(TEXTS, list(range(len(TEXTS))))
    ix.TOKEN_POSTINGS_BUDGET = 3
    for q in TOKEN_QUERIES:
        assert _same_ranking(ix.token_doc_scores(q, 0.5), _reference(ix, q, 0.5)), q
    assert ix._post_entries <= 3


def _reference_title(cl, cleaned: str) -> tuple:
    """The short list of fiches for a cleaned title as computed before the per-token cache: every
    feature's postings gathered, labels walked one by one."""
    from adequa.enrich.occupation import title_segments

    segments = title_segments(cleaned, cl.SEGMENT_DISCOUNT)
    docs = _reference(cl.index, segments[0][0], cl.COVERAGE)
    for seg, weight in segments[1:]:
        docs = np.maximum(docs, weight * _reference(cl.index, seg, cl.COVERAGE))
    best = float(docs.max()) if len(docs) else 0.0
    if best <= 0:
        return ()
    top = np.flatnonzero(docs >= best * cl.SHORTLIST_FLOOR)
    if len(top) < cl.TITLE_TOP // 3:
        top = np.flatnonzero(docs > 0)
    top = top[np.lexsort((top, -docs[top]))][: cl.TITLE_TOP]
    out, seen = [], set()
    for d in top.tolist():
        g = int(cl.index.groups[d])
        if g not in seen:
            seen.add(g)
            out.append((cl.fiche_codes[g], float(docs[d]), cl.doc_appellation[d]))
            if len(out) >= cl.DESC_CANDIDATES * 2:
                break
    return tuple(out)


def _check_titles(cl, titles):
    from adequa.enrich.occupation import clean_title

    checked = 0
    for title in titles:
        c = clean_title(title)
        got, want = cl._title_uncached(c), _reference_title(cl, c)
        assert len(got) == len(want), title
        assert np.allclose([s for _, s, _ in got], [s for _, s, _ in want], rtol=1e-5, atol=1e-6), title
        for (code, s, app), (code2, s2, app2) in zip(got, want):
            # a different fiche or appellation only where the reference scores tie
            assert (code, app) == (code2, app2) or any(abs(s2 - x) <= 1e-6 for c3, x, a3 in want if (c3, a3) == (code, app)), title
        checked += bool(got)
    assert checked


def test_title_short_list_matches_the_reference_on_fixtures(fixture_classifier):
    _check_titles(fixture_classifier, ["Data engineer (H/F)", "Ingénieur data - Paris", "Serveuse", "Conductrice de bus",
                                       "Développeur développeuse", "ML engineer", "zzzq", "Data data data"])


def test_title_short_list_matches_the_reference_on_real_titles(mirror, mirror_offers):
    from adequa.config import Settings
    from adequa.pipeline.annotate import load_occupation_classifier_or_none

    cl = load_occupation_classifier_or_none(Settings(mirror=mirror))
    if cl is None:
        pytest.skip("occupation classifier unavailable")
    titles = sorted({r.get("intitule") or r.get("titre") or "" for r in mirror_offers})
    assert len(titles) > 500
    _check_titles(cl, titles[::3])
