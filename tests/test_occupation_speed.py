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


def test_description_scores_identical_to_a_fresh_vector_per_ad(fixtures, tmp_path):
    from adequa.config import Settings
    from adequa.pipeline import occupations as occ

    occ._loaded.clear()
    cl = occ.load_occupation_classifier(Settings(data_dir=fixtures / "occupations", mirror=None,
                                                 cache_dir=tmp_path / "cache"))
    ads = [("Data engineer", "Construire des pipelines de données, modéliser les bases de données, Spark et SQL."),
           ("Ingénieur data", "Entraîner des modèles de machine learning et d'intelligence artificielle."),
           ("Serveur", "Service en salle, accueil de la clientèle, encaissement."),
           ("Développeur", "Développement d'applications web en Java, tests unitaires."),
           ("Data engineer", "")]
    _check_descriptions(cl, ads)


def test_description_scores_identical_on_real_offers(mirror):
    import csv

    from adequa.config import Settings
    from adequa.pipeline.annotate import load_occupation_classifier_or_none

    cl = load_occupation_classifier_or_none(Settings(mirror=mirror))
    if cl is None:
        pytest.skip("occupation classifier unavailable")
    csv.field_size_limit(1 << 30)
    ads = []
    for path in sorted((mirror / "offers" / "france-travail").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh, delimiter="|" if path.name.startswith("mounaTay") else ","):
                if r.get("description"):
                    ads.append((r.get("intitule") or r.get("titre") or "", r["description"]))
    assert len(ads) > 1000
    _check_descriptions(cl, ads[:: 3])


def test_description_scores_from_two_threads_match_one(fixtures, tmp_path):
    """The reused query vector belongs to one thread: ads scored from threads at once get the same dicts."""
    from concurrent.futures import ThreadPoolExecutor

    from adequa.config import Settings
    from adequa.pipeline import occupations as occ

    occ._loaded.clear()
    cl = occ.load_occupation_classifier(Settings(data_dir=fixtures / "occupations", mirror=None,
                                                 cache_dir=tmp_path / "cache"))
    ads = [("Data engineer", "Pipelines de données Spark et SQL, modélisation."),
           ("Serveur", "Service en salle et encaissement."),
           ("Ingénieur data", "Machine learning, intelligence artificielle, Python.")] * 200
    codes = [[c for c, _, _ in cl.rank(t, None, 10, parents=False)] for t, _ in ads]
    want = [_reference_description_scores(cl, d, c) for (_, d), c in zip(ads, codes)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda i: cl._description_scores(ads[i][1], codes[i]), range(len(ads))))
    assert got == want and any(want)
