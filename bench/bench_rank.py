"""Occupation classification and taxonomy ranking: accuracy on the development data, and speed.

Accuracy (needs the mirror, ADEQUA_MIRROR or ../shared/data):
- ROME top-1 / top-3 on France Travail offers (the recruiter's romeCode), title only and title + description,
  against the title-only ranking without parent fiches (baseline, same run); and a 5-fold cross-validation
  grouped by cleaned title that picks DESC_WEIGHT and PARENT_SHARE on 4 folds and scores the 5th (held out);
  the votes of coded titles (``CodedTitles``), built from 4 folds of the distinct ads and scored on the 5th,
  folds by cleaned title (new titles only) and by ad (titles may repeat, as across samples of one dump);
- ESCO occupation MRR@10 on jobbert_titles (English titles);
- ESCO skill linking R-Precision@5 on the decorte TECH / HOUSE validation sets (lexical; embeddings when
  the `semantic` extra is installed).
Speed: classify per ad (cold titles, and with the title cache as on real ads), rank per sentence,
with a baseline measured in the same run (rapidfuzz process.extractOne over every appellation label).
"""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

from bench._harness import Measure

csv.field_size_limit(sys.maxsize)
REPO = Path(__file__).resolve().parents[1]


def mirror() -> Path | None:
    for c in [os.environ.get("ADEQUA_MIRROR"), str(REPO.parent / "shared" / "data")]:
        if c and (Path(c) / "rome").is_dir():
            return Path(c)
    return None


def offers(root: Path) -> list[dict]:
    """{title, description, rome} of every development offer with a ROME code."""
    out = []
    folder = root / "offers" / "france-travail"
    for path in sorted(folder.glob("*.csv")):
        if "competences" in path.name:
            continue
        with open(path, encoding="utf-8-sig", newline="") as fh:
            head = fh.readline()
            fh.seek(0)
            reader = csv.DictReader(fh, delimiter="|" if head.count("|") > head.count(",") else ",")
            for r in reader:
                title = r.get("intitule") or r.get("titre")
                rome = r.get("romeCode") or r.get("rome_code")
                if title and rome:
                    out.append({"title": title, "description": r.get("description") or "", "rome": rome.strip(),
                                "source": path.name})
    return out


def rome_hits(clf, rows: list[dict], use_description: bool, parents: bool = True) -> list[tuple[bool, bool]]:
    """(top-1 hit, top-3 hit) per offer."""
    out = []
    ranked = clf.rank_many([r["title"] for r in rows], [r["description"] if use_description else None for r in rows],
                           3, parents)
    for r, got in zip(rows, ranked):
        cands = [c for c, _, _ in got]
        out.append((bool(cands) and cands[0] == r["rome"], r["rome"] in cands))
    return out


def rome_accuracy(clf, rows: list[dict], use_description: bool, parents: bool = True) -> tuple[float, float]:
    hits = rome_hits(clf, rows, use_description, parents)
    return sum(h[0] for h in hits) / len(rows), sum(h[1] for h in hits) / len(rows)


DESC_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.2, 1.6)
PARENT_SHARES = (0.0, 0.8, 0.85, 0.9, 0.95, 0.98)


def rome_cross_validated(clf, rows: list[dict], folds: int = 5, seed: int = 7) -> tuple[float, float, list]:
    """Held-out top-1 / top-3: offers split in ``folds`` groups by cleaned title (no title on both
    sides); on each split the (DESC_WEIGHT, PARENT_SHARE) pair with the best top-1 + top-3 on the
    other folds scores the held-out fold. Returns (top-1, top-3, chosen pairs)."""
    import random

    from adequa.enrich.occupation import clean_title

    saved = clf.DESC_WEIGHT, clf.PARENT_SHARE
    hits: dict[tuple[float, float], list[tuple[bool, bool]]] = {}
    try:
        for w in DESC_WEIGHTS:
            for a in PARENT_SHARES:
                clf.DESC_WEIGHT, clf.PARENT_SHARE = w, a
                hits[(w, a)] = rome_hits(clf, rows, True)
    finally:
        clf.DESC_WEIGHT, clf.PARENT_SHARE = saved
    titles = sorted({clean_title(r["title"]) for r in rows})
    random.Random(seed).shuffle(titles)
    fold_of = {t: i % folds for i, t in enumerate(titles)}
    fold = [fold_of[clean_title(r["title"])] for r in rows]
    top1 = top3 = 0
    chosen = []
    for k in range(folds):
        train = [i for i, f in enumerate(fold) if f != k]
        best = max(hits, key=lambda p: sum(hits[p][i][0] + hits[p][i][1] for i in train))
        chosen.append(best)
        for i, f in enumerate(fold):
            if f == k:
                top1 += hits[best][i][0]
                top3 += hits[best][i][1]
    return top1 / len(rows), top3 / len(rows), chosen


def coded_cross_validated(clf, rows: list[dict], folds: int = 5, seed: int = 7, by_title: bool = True,
                          weight: float | None = None, k: int | None = None) -> tuple[float, float]:
    """Held-out top-1 / top-3 (title + description) with the votes of coded titles
    (``CodedTitles``) built from the other folds only. ``by_title``: folds by cleaned title (no title on
    both sides: new titles only); else by offer (a title may repeat across folds, as across two
    samples of the same dumps)."""
    import random

    from adequa.enrich.coded_titles import CodedTitles
    from adequa.enrich.occupation import clean_title

    if by_title:
        titles = sorted({clean_title(r["title"]) for r in rows})
        random.Random(seed).shuffle(titles)
        fold_of = {t: i % folds for i, t in enumerate(titles)}
        fold = [fold_of[clean_title(r["title"])] for r in rows]
    else:
        order = list(range(len(rows)))
        random.Random(seed).shuffle(order)
        fold = [0] * len(rows)
        for n, i in enumerate(order):
            fold[i] = n % folds
    saved = clf.coded
    saved_w, saved_k = CodedTitles.WEIGHT, CodedTitles.K
    top1 = top3 = 0
    try:
        if weight is not None:
            CodedTitles.WEIGHT = weight
        if k is not None:
            CodedTitles.K = k
        for f in range(folds):
            clf.coded = CodedTitles.build([(r["title"], r["rome"], r["description"]) for r, g in zip(rows, fold) if g != f],
                                          clf.fiche_codes)
            test = [r for r, g in zip(rows, fold) if g == f]
            hits = rome_hits(clf, test, True)
            top1 += sum(h[0] for h in hits)
            top3 += sum(h[1] for h in hits)
    finally:
        clf.coded = saved
        CodedTitles.WEIGHT, CodedTitles.K = saved_w, saved_k
    return top1 / len(rows), top3 / len(rows)


def reference_title(clf, cleaned: str) -> tuple:
    """The title short list as computed before the per-token postings cache (session 3): every
    feature's postings gathered per query (``LexicalIndex.doc_scores``), labels walked one by one.
    The baseline of the speed measures (same scores up to float rounding)."""
    import numpy as np

    from adequa.enrich.occupation import title_segments

    segments = title_segments(cleaned, clf.SEGMENT_DISCOUNT)
    docs = clf.index.doc_scores(segments[0][0], clf.COVERAGE)
    for seg, weight in segments[1:]:
        docs = np.maximum(docs, weight * clf.index.doc_scores(seg, clf.COVERAGE))
    best = float(docs.max()) if len(docs) else 0.0
    if best <= 0:
        return ()
    top = np.flatnonzero(docs >= best * clf.SHORTLIST_FLOOR)
    if len(top) < clf.TITLE_TOP // 3:
        top = np.flatnonzero(docs > 0)
    if len(top) > clf.TITLE_TOP:
        top = top[np.argpartition(-docs[top], clf.TITLE_TOP - 1)[: clf.TITLE_TOP]]
    top = top[np.argsort(-docs[top], kind="stable")]
    out, seen = [], set()
    for d, sc in zip(top.tolist(), docs[top].tolist()):
        g = int(clf.index.groups[d])
        if g not in seen:
            seen.add(g)
            out.append((clf.fiche_codes[g], sc, clf.doc_appellation[d]))
            if len(out) >= clf.DESC_CANDIDATES * 2:
                break
    return tuple(out)


def never_seen_cpu(clf, ads: list[dict], chunk: int = 100) -> tuple[float, float, float, float]:
    """CPU and wall µs per ad of ``classify`` on ads whose title was never seen (title caches cleared
    before each ad; the per-token caches fill up as in a long run), fast path vs the reference title
    path, run on the same chunks of ads in alternation so that machine load weighs on both alike.
    Returns (fast CPU, reference CPU, fast wall, reference wall)."""
    from adequa.enrich.occupation import clean_title

    fast, cached = clf._title_uncached, clf._title_cache
    cpu = {True: 0.0, False: 0.0}
    wall = {True: 0.0, False: 0.0}
    try:
        for i in range(0, len(ads), chunk):
            for use_fast in ((True, False) if (i // chunk) % 2 else (False, True)):
                # no title cache at all: every title is scored
                clf._title_cache = fast if use_fast else (lambda c: reference_title(clf, c))
                t0, w0 = time.process_time(), time.perf_counter()
                for a in ads[i:i + chunk]:
                    clf._candidate_arrays.cache_clear()
                    clean_title.cache_clear()
                    clf.classify(a["title"], a["description"])
                cpu[use_fast] += time.process_time() - t0
                wall[use_fast] += time.perf_counter() - w0
    finally:
        clf._title_cache = cached
        cached.cache_clear()
    n = len(ads) / 1e6
    return cpu[True] / n, cpu[False] / n, wall[True] / n, wall[False] / n


def batch_vs_single_cpu(clf, ads: list[dict], chunk: int = 256) -> tuple[float, float, float, float]:
    """CPU and wall µs per never-seen ad: ``classify_many`` on chunks of ``chunk`` ads (the title memo
    and candidate caches emptied before each chunk: a title repeated within the chunk is scored once,
    as in a stream) vs ``classify`` ad by ad with every title cache emptied before each ad (session 3's
    measure), on the same chunks in alternation. Returns (batch CPU, single CPU, batch wall, single wall)."""
    from adequa.enrich.occupation import clean_title

    cpu = {True: 0.0, False: 0.0}
    wall = {True: 0.0, False: 0.0}
    for i in range(0, len(ads), chunk):
        part = ads[i:i + chunk]
        for batch in ((True, False) if (i // chunk) % 2 else (False, True)):
            clf._title_cache.cache_clear()
            clf._candidate_arrays.cache_clear()
            clean_title.cache_clear()
            t0, w0 = time.process_time(), time.perf_counter()
            if batch:
                clf.classify_many(part)
            else:
                for a in part:
                    clf._title_cache.cache_clear()
                    clf._candidate_arrays.cache_clear()
                    clean_title.cache_clear()
                    clf.classify(a["title"], a["description"])
            cpu[batch] += time.process_time() - t0
            wall[batch] += time.perf_counter() - w0
    n = len(ads) / 1e6
    return cpu[True] / n, cpu[False] / n, wall[True] / n, wall[False] / n


def compiled_vs_numpy_cpu(clf, ads: list[dict], chunk: int = 256) -> tuple[float, float, float, float, bool]:
    """CPU and wall µs per never-seen ad of ``classify_many`` with the compiled kernel
    (``adequa.enrich._occupation_fast``) vs the numpy path, on the same chunks in alternation (title
    memo and candidate caches emptied per chunk). Returns (compiled CPU, numpy CPU, compiled wall,
    numpy wall, same outputs)."""
    from adequa.enrich.occupation import clean_title

    cpu = {True: 0.0, False: 0.0}
    wall = {True: 0.0, False: 0.0}
    outs: dict = {True: [], False: []}
    saved = clf.use_compiled
    try:
        for i in range(0, len(ads), chunk):
            part = ads[i:i + chunk]
            for compiled in ((True, False) if (i // chunk) % 2 else (False, True)):
                clf.use_compiled = compiled
                clf._title_cache.cache_clear()
                clf._candidate_arrays.cache_clear()
                clean_title.cache_clear()
                t0, w0 = time.process_time(), time.perf_counter()
                outs[compiled].extend(clf.classify_many(part))
                cpu[compiled] += time.process_time() - t0
                wall[compiled] += time.perf_counter() - w0
    finally:
        clf.use_compiled = saved
    n = len(ads) / 1e6
    return cpu[True] / n, cpu[False] / n, wall[True] / n, wall[False] / n, outs[True] == outs[False]


def jobbert(root: Path, limit: int | None = None) -> list[tuple[str, str]]:
    with open(root / "benchmarks" / "jobbert_titles" / "titles.csv", encoding="utf-8", newline="") as fh:
        rows = [(r["vacancyTitle"], r["conceptUri"]) for r in csv.DictReader(fh)]
    return rows[:limit] if limit else rows


def mrr(rankings: list[list[dict]], gold: list[str]) -> float:
    total = 0.0
    for ranking, g in zip(rankings, gold):
        for i, item in enumerate(ranking[:10]):
            if item["id"] == g:
                total += 1 / (i + 1)
                break
    return total / max(1, len(gold))


def mrr_sets(rankings: list[list[dict]], gold: list[set[str]]) -> float:
    total = 0.0
    for ranking, g in zip(rankings, gold):
        for i, item in enumerate(ranking[:10]):
            if item["id"] in g:
                total += 1 / (i + 1)
                break
    return total / max(1, len(gold))


def decorte(root: Path, name: str, label_to_uri: dict[str, str]) -> list[tuple[str, set[str]]]:
    """(sentence, gold ESCO URIs) for sentences with at least one ESCO label."""
    gold: dict[str, set[str]] = {}
    with open(root / "benchmarks" / "decorte" / f"{name}_validation_annotations.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            uri = label_to_uri.get(r["label"])
            gold.setdefault(r["sentence"], set())
            if uri:
                gold[r["sentence"]].add(uri)
    return [(s, g) for s, g in gold.items() if g]


def rp5(rankings: list[list[dict]], gold: list[set[str]]) -> float:
    total = 0.0
    for ranking, g in zip(rankings, gold):
        top = {x["id"] for x in ranking[:5]}
        total += len(top & g) / min(5, len(g))
    return total / max(1, len(gold))


def run(quick: bool) -> list[Measure]:
    root = mirror()
    if root is None:
        print("bench_rank: no data mirror (set ADEQUA_MIRROR), skipped")
        return []
    from adequa.config import Settings
    from adequa.pipeline import occupations as occ

    settings = Settings(mirror=root, data_dir=REPO / "no-data", cache_dir=REPO / ".cache" / "adequa")
    out: list[Measure] = []
    t0 = time.perf_counter()
    clf = occ.load_occupation_classifier(settings)
    out.append(Measure("rank", "load occupation classifier (cache), wall", time.perf_counter() - t0, "s"))

    rows = offers(root)
    if quick:
        rows = rows[::4]
    # the classifier as the referentials make it: the votes of coded offers were built from these
    # very offers (the mirror's), so they are measured apart, by cross-validation (below)
    coded, clf.coded = clf.coded, None
    clf._title_cache.cache_clear()
    b1, b3 = rome_accuracy(clf, rows, False, parents=False)
    base = "title only, no parent fiches"
    for use_desc in (False, True):
        a1, a3 = rome_accuracy(clf, rows, use_desc)
        what = "title+description" if use_desc else "title only"
        out.append(Measure("rank", f"ROME top-1, {what} ({len(rows)} offers)", a1 * 100, "%", b1 * 100, base))
        out.append(Measure("rank", f"ROME top-3, {what} ({len(rows)} offers)", a3 * 100, "%", b3 * 100, base))
    distinct = list({(r["title"], r["rome"]): r for r in rows}.values())     # repeated ads weigh once
    d1, d3 = rome_accuracy(clf, distinct, True)
    e1, e3 = rome_accuracy(clf, distinct, False, parents=False)
    out.append(Measure("rank", f"ROME top-1, title+description, distinct (title, code) pairs ({len(distinct)})", d1 * 100, "%",
                       e1 * 100, base))
    out.append(Measure("rank", f"ROME top-3, title+description, distinct (title, code) pairs ({len(distinct)})", d3 * 100, "%",
                       e3 * 100, base))
    if not quick:
        c1, c3, chosen = rome_cross_validated(clf, rows)
        print(f"bench_rank: cross-validation chose (DESC_WEIGHT, PARENT_SHARE) = {chosen}")
        out.append(Measure("rank", f"ROME top-1, title+description, 5-fold CV held out ({len(rows)} offers)", c1 * 100, "%",
                           b1 * 100, base))
        out.append(Measure("rank", f"ROME top-3, title+description, 5-fold CV held out ({len(rows)} offers)", c3 * 100, "%",
                           b3 * 100, base))
    # the same ad twice (in two files) would vote for itself: distinct ads only
    ads = list({(r["title"], r["description"]): r for r in rows}.values())
    a1, a3 = rome_accuracy(clf, ads, True)
    for by_title, what in ((True, "new titles"), (False, "by ad")):
        v1, v3 = coded_cross_validated(clf, ads, by_title=by_title)
        out.append(Measure("rank", f"ROME top-1, + coded titles' votes, 5-fold CV, {what} ({len(ads)} distinct ads)",
                           v1 * 100, "%", a1 * 100, "without the votes"))
        out.append(Measure("rank", f"ROME top-3, + coded titles' votes, 5-fold CV, {what} ({len(ads)} distinct ads)",
                           v3 * 100, "%", a3 * 100, "without the votes"))

    # speed: classify cold (cache cleared) and warm (titles repeat as in real streams)
    from rapidfuzz import fuzz, process

    clf._title_cache.cache_clear()
    sample = rows[:300]
    t0 = time.process_time()
    for r in sample:
        clf.classify(r["title"])
    title_only = (time.process_time() - t0) / len(sample) * 1000
    clf._title_cache.cache_clear()
    t0 = time.process_time()
    for r in sample:
        clf.classify(r["title"], r["description"])
    cold = (time.process_time() - t0) / len(sample) * 1000
    t0 = time.process_time()
    for r in sample:
        clf.classify(r["title"], r["description"])
    warm = (time.process_time() - t0) / len(sample) * 1000
    clf._title_cache.cache_clear()
    t0 = time.process_time()
    for r in rows:
        clf.classify(r["title"], r["description"])
    stream = (time.process_time() - t0) / len(rows) * 1000
    distinct = len({r["title"] for r in rows})
    out.append(Measure("rank", f"classify, CPU ms per ad, stream of {len(rows)} offers ({distinct} distinct titles)",
                       stream, "ms", goal="< 0.2 ms on average"))
    choices = clf.doc_texts
    t0 = time.process_time()
    for r in sample[:100]:
        process.extractOne(r["title"], choices, scorer=fuzz.token_set_ratio)
    base = (time.process_time() - t0) / 100 * 1000
    out.append(Measure("rank", "classify, CPU ms per ad (new title, with description)", cold, "ms", base,
                       "rapidfuzz extractOne over all labels", "< 0.2 ms on average"))
    out.append(Measure("rank", "classify, CPU ms per ad (title seen before)", warm, "ms", base,
                       "rapidfuzz extractOne over all labels"))
    out.append(Measure("rank", "classify, CPU ms per ad (new title): with description vs title only", cold, "ms", title_only,
                       "same, title only (no description evidence)"))
    # never-seen ads (new title and description), as in bench_annotate's distinct set: fast path vs
    # the reference title path, alternating chunks of the same ads
    from adequa.enrich.occupation import clean_title
    from bench.bench_annotate import _ads, distinct_ads

    fresh = distinct_ads(_ads(root), 2000 if quick else 6000)
    f_cpu, r_cpu, f_wall, r_wall = never_seen_cpu(clf, fresh)
    out.append(Measure("rank", f"classify, CPU us per never-seen ad ({len(fresh)} distinct ads, title caches cleared per ad)",
                       f_cpu, "us", r_cpu, "reference title path (feature postings), same ads, alternating chunks",
                       "half the reference"))
    out.append(Measure("rank", f"classify, wall us per never-seen ad ({len(fresh)} distinct ads)", f_wall, "us", r_wall,
                       "reference title path, same ads"))
    b_cpu, s_cpu, b_wall, s_wall = batch_vs_single_cpu(clf, fresh)
    out.append(Measure("rank", f"classify_many, CPU us per never-seen ad ({len(fresh)} distinct ads, batches of 256, caches "
                       "emptied per batch)", b_cpu, "us", s_cpu, "classify ad by ad, title caches emptied per ad (same ads, "
                       "alternating chunks)", "half the baseline"))
    out.append(Measure("rank", f"classify_many, wall us per never-seen ad ({len(fresh)} distinct ads)", b_wall, "us", s_wall,
                       "classify ad by ad, same ads"))
    from adequa.enrich import occupation as occupation_module

    if occupation_module._fast is not None:
        c_cpu, n_cpu, c_wall, n_wall, same = compiled_vs_numpy_cpu(clf, fresh)
        out.append(Measure("rank", f"classify_many, CPU us per never-seen ad, compiled kernel ({len(fresh)} distinct ads, "
                           "batches of 256, caches emptied per batch)", c_cpu, "us", n_cpu,
                           "numpy path, same ads, alternating chunks" + ("" if same else " (OUTPUTS DIFFER)"), "150 us"))
        out.append(Measure("rank", f"classify_many, wall us per never-seen ad, compiled kernel ({len(fresh)} distinct ads)",
                           c_wall, "us", n_wall, "numpy path, same ads"))
    seen: set = set()
    unique = [a for a in fresh if not (clean_title(a["title"]) in seen or seen.add(clean_title(a["title"])))]
    b_cpu, s_cpu, _, _ = batch_vs_single_cpu(clf, unique)
    out.append(Measure("rank", f"classify_many, CPU us per never-seen ad, all titles distinct ({len(unique)} ads)", b_cpu,
                       "us", s_cpu, "classify ad by ad, same ads, alternating chunks"))
    clf._title_cache.cache_clear()
    t0, t1 = time.process_time(), None
    for a in fresh:
        clf.classify(a["title"], a["description"])
    t1 = time.process_time()
    out.append(Measure("rank", f"classify, CPU us per ad, stream of bench_annotate's {len(fresh)} distinct ads (titles repeat)",
                       (t1 - t0) / len(fresh) * 1e6, "us"))

    # ESCO occupations on jobbert titles (English)
    ranker = occ.esco_occupation_ranker(settings)
    jb = jobbert(root, 2000 if quick else None)
    t0 = time.process_time()
    rankings = list(ranker.rank_many([t for t, _ in jb], 10))
    per = (time.process_time() - t0) / len(jb) * 1000
    lexical = list(ranker.esco.rank_many([t for t, _ in jb], 10))
    out.append(Measure("rank", f"ESCO occupation MRR@10, jobbert_titles ({len(jb)} titles), ROME-guided",
                       mrr(rankings, [g for _, g in jb]), "MRR", mrr(lexical, [g for _, g in jb]), "lexical ESCO labels only"))
    out.append(Measure("rank", "occupations rank --taxonomy esco, ms per title (batch)", per, "ms"))

    # French titles: a proxy (relevant = every ESCO occupation the crosswalk maps to the offer's fiche;
    # biased towards the ROME-guided ranker, which uses the same crosswalk)
    fiche_esco: dict[str, set[str]] = {}
    for a in clf.ref.appellations:
        for uri in clf.ref.appellation_esco.get(a["code_ogr"], []):
            fiche_esco.setdefault(a["code_rome"], set()).add(uri)
    fr = [r for r in rows if r["rome"] in fiche_esco]
    gold = [fiche_esco[r["rome"]] for r in fr]
    guided = list(ranker.rank_many([r["title"] for r in fr], 10))
    lexical = list(ranker.esco.rank_many([r["title"] for r in fr], 10))
    out.append(Measure("rank", f"ESCO occupation MRR@10, French offer titles, proxy ({len(fr)} titles), ROME-guided",
                       mrr_sets(guided, gold), "MRR", mrr_sets(lexical, gold), "lexical ESCO labels only"))

    # ESCO skills on decorte
    skills = occ.skill_ranker(settings, "esco")
    label_to_uri = {it.label: it.id for it in skills.items}
    for name in ("tech", "house"):
        data = decorte(root, name, label_to_uri)
        stop, skills.query_stopwords = skills.query_stopwords, frozenset()
        plain = rp5(list(skills.rank_many([s for s, _ in data], 10)), [g for _, g in data]) * 100
        skills.query_stopwords = stop
        t0 = time.process_time()
        rankings = list(skills.rank_many([s for s, _ in data], 10))
        per = (time.process_time() - t0) / len(data) * 1000
        out.append(Measure("rank", f"decorte {name.upper()} RP@5, lexical ({len(data)} sentences)",
                           rp5(rankings, [g for _, g in data]) * 100, "RP@5", plain, "lexical, framing words kept"))
        out.append(Measure("rank", f"skills rank esco lexical, ms per sentence ({name})", per, "ms"))
        try:
            from adequa._libs.embeddings import available
            if not available():
                raise RuntimeError("the 'semantic' extra is not installed")
            sem = occ.semantic_ranker(settings, "skills", "esco")
        except Exception as exc:  # the extra is optional
            print(f"bench_rank: embeddings unavailable ({exc})")
            continue
        t0 = time.process_time()
        rankings = list(sem.rank_many([s for s, _ in data], 10))
        per = (time.process_time() - t0) / len(data) * 1000
        out.append(Measure("rank", f"decorte {name.upper()} RP@5, embeddings ({len(data)} sentences)",
                           rp5(rankings, [g for _, g in data]) * 100, "RP@5"))
        out.append(Measure("rank", f"skills rank esco embeddings, ms per sentence ({name})", per, "ms"))
    clf.coded = coded
    return out


if __name__ == "__main__":
    from bench._harness import print_table

    print_table(run(quick="--quick" in sys.argv))
