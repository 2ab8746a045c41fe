"""Training supply benchmarks.

1. RNCP XML parser: throughput and peak memory on a large synthetic export built by repeating
   the real fiches of the mirror's V4.1 sample with new numbers (30,000 fiches; 3,000 with
   --quick). Memory must stay flat: the peak on the big file is compared with the peak on a
   file ten times smaller (ratio ≈ 1). The full-tree parse of ElementTree (no streaming, no
   hardening) on the small file is the speed and memory baseline.
2. Ingestion into DuckDB (fiches/s) against the parse alone.
3. Quality of the skills found in certification blocs: precision/recall/F1 against hand labels
   (bench/gold_certifications/blocs_rome_skills*.json: ROME code_ogr per bloc, 12 RNCP + 8 RS
   real fiches), on held-out fiches (``HELD_OUT``) and on the development ones: the bloc linker
   against the ads' extractor (what session 1 used) and the phrase baseline; inferred ROME
   top-1/top-5; linking CPU time per item.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

from bench._harness import Measure, python, run_measured

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GOLD = HERE / "gold_certifications" / "blocs_rome_skills.json"
# The compiled taxonomy cache of the bench's own (the skills stage's pickle is tied to its code version).
CACHE = Path(tempfile.gettempdir()) / "adequa-bench-training-cache"


def _mirror() -> Path | None:
    for c in [os.environ.get("ADEQUA_MIRROR"), REPO.parent / "shared" / "data"]:
        if c and (Path(c) / "training" / "rncp").is_dir():
            return Path(c)
    return None


def build_export(sample: Path, out: Path, n: int) -> int:
    """Write an export of ``n`` fiches by cycling the sample's fiches, each with a new number."""
    text = sample.read_text(encoding="utf-8")
    fiches = re.findall(r"<FICHE>.*?</FICHE>", text, flags=re.S)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<FICHES>\n  <VERSION_FLUX>4.1</VERSION_FLUX>\n')
        for i in range(n):
            f = fiches[i % len(fiches)]
            f = re.sub(r"<NUMERO_FICHE>(RNCP|RS)\d+</NUMERO_FICHE>", f"<NUMERO_FICHE>RNCP{900000 + i}</NUMERO_FICHE>", f,
                       count=1)
            fh.write("  " + f + "\n")
        fh.write("</FICHES>\n")
    return out.stat().st_size


# Each child prints its result and its own peak RSS (VmHWM, KiB). Neither the harness's rusage of
# children (a maximum over every child so far) nor ru_maxrss (inherited across fork+exec from a
# large parent) measures one child alone.
PEAK = ("; print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')))")
PARSE = "import sys; from adequa.sources.rncp import read_fiches; print(sum(1 for _ in read_fiches(sys.argv[1])))" + PEAK
TREE = "import sys, xml.etree.ElementTree as ET; print(len(ET.parse(sys.argv[1]).getroot().findall('FICHE')))" + PEAK
INGEST = ("import sys; from adequa.store.duckdb import Warehouse; from adequa.pipeline.training import ingest_rncp\n"
          "with Warehouse(sys.argv[2]) as wh: s = ingest_rncp(sys.argv[1], wh)\nprint(s.read)" + PEAK)


def _run(code: str, *args: str) -> tuple[float, float, int]:
    """(seconds, peak RSS MiB of the child, first printed number)."""
    seconds, _, out = run_measured([python(), "-c", code, *args], env={"PYTHONPATH": str(REPO)})
    first, peak = out.split()[:2]
    return seconds, int(peak) / 1024, int(first)


def parser_measures(quick: bool) -> list[Measure]:
    mirror = _mirror()
    if mirror is None:
        print("bench_training: no data mirror, parser bench skipped", file=sys.stderr)
        return []
    sample = mirror / "training" / "rncp" / "export_fiches_RNCP_v4.1_sample.xml"
    n = 3000 if quick else 30000
    out = []
    with tempfile.TemporaryDirectory(prefix="adequa-bench-training-") as tmp:
        big, small = Path(tmp) / "big.xml", Path(tmp) / "small.xml"
        size_big = build_export(sample, big, n)
        build_export(sample, small, n // 10)
        t_big, rss_big, got = _run(PARSE, str(big))
        assert got == n, got
        t_small, rss_small, _ = _run(PARSE, str(small))
        t_tree, rss_tree, got_tree = _run(TREE, str(small))
        assert got_tree == n // 10
        mb = size_big / 2**20
        out += [
            Measure("training", f"RNCP XML stream parse, {n:,} fiches ({mb:,.0f} MiB)", n / t_big, "fiches/s",
                    (n // 10) / t_tree, "ElementTree full-tree parse (no hardening), n/10 fiches"),
            Measure("training", f"stream parse throughput, {n:,} fiches", mb / t_big, "MiB/s"),
            Measure("training", f"peak RSS, stream parse of {n:,} fiches", rss_big, "MiB", rss_small,
                    f"stream parse of {n // 10:,} fiches", goal="flat: ratio ≈ 1"),
            Measure("training", f"peak RSS, stream parse of {n // 10:,} fiches", rss_small, "MiB", rss_tree,
                    f"full-tree parse of {n // 10:,} fiches", goal="< 1"),
        ]
        m = n // 10
        db = Path(tmp) / "bench.duckdb"
        t_ing, rss_ing, _ = _run(INGEST, str(small), str(db))
        out.append(Measure("training", f"ingest RNCP into DuckDB, {m:,} fiches (with partners)", m / t_ing, "fiches/s",
                           m / t_small, "stream parse alone"))
        out.append(Measure("training", f"peak RSS, ingest of {m:,} fiches", rss_ing, "MiB"))
        t_ing2, _, _ = _run(INGEST, str(small), str(db))
        out.append(Measure("training", f"re-ingest of the same {m:,} fiches (nothing changes)", m / t_ing2, "fiches/s",
                           m / t_ing, "first ingest"))
    return out


def score(pred: dict[str, set[str]], gold: dict[str, list[str]]) -> tuple[float, float, float, int, int, int]:
    """Micro precision, recall, F1 over (bloc, concept) pairs of the labelled blocs."""
    tp = fp = fn = 0
    for bloc, labels in gold.items():
        g, p = set(labels), pred.get(bloc, set())
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1, tp, fp, fn


#: Fiches whose labels are held out: never looked at while the linker's options were chosen.
#: Near-duplicate fiches (two versions of one title, the two blockchain RS fiches) sit on one side.
HELD_OUT = {"RNCP36490", "RNCP37873", "RNCP35959", "RNCP40344", "RNCP35625", "RS5000", "RS6604", "RS5568", "RS7423"}


def gold_labels() -> dict[str, list[str]]:
    """Bloc code (or ``<numero>_fiche``) -> labelled ROME ids, both label files."""
    labels: dict[str, list[str]] = {}
    for path in sorted(GOLD.parent.glob("blocs_rome_skills*.json")):
        labels.update(json.loads(path.read_text(encoding="utf-8"))["labels"])
    return labels


def fiche_of(bloc: str) -> str:
    return bloc.split("_")[0].split("BC")[0]


def sample_fiches(mirror: Path) -> list[dict]:
    from adequa.sources.rncp import read_fiches

    out = []
    for rep in ("RNCP", "RS"):
        out += [f for f in read_fiches(mirror / "training" / "rncp" / f"export_fiches_{rep}_v4.1_sample.xml")
                if isinstance(f, dict)]
    return out


def _texts(f: dict) -> list[tuple[tuple[str, str], str]]:
    if f["blocs"]:
        return [((b["code"], fld), b[fld]) for b in f["blocs"] for fld in ("libelle", "competences") if b.get(fld)]
    return [((f["numero"] + "_fiche", "competences_attestees"), f["competences_attestees"])] \
        if f.get("competences_attestees") else []


def predict(extractor, fiches: list[dict], blocs: set[str], *, hint: bool = False,
            names=None) -> tuple[dict[str, set[str]], int, int]:
    """Predicted ROME ids per labelled bloc, and the counts of all mentions / ESCO-only mentions.
    ``names``: the ads' extractor whose knowledge/tool names are added to the linker's links, as
    ``adequa training annotate`` stores them."""
    from adequa.pipeline.training import NAME_KINDS, NAME_METHODS

    out: dict[str, set[str]] = {}
    total = esco_only = 0
    for f in fiches:
        texts = [(k, t) for k, t in _texts(f) if k[0] in blocs]
        if not texts:
            continue
        if hasattr(extractor, "link_certification"):
            links, _ = extractor.link_certification(texts, f["codes_rome"] if hint else None)
            for (bloc, _), found in links.items():
                total += len(found)
                out.setdefault(bloc, set()).update(x.ogr for x in found)
            for (bloc, _), text in (texts if names is not None else []):
                for m in names.extract(text, lang="fr"):
                    if (m.kind or "") in NAME_KINDS and m.method in NAME_METHODS and (m.rome_ogr or m.esco_uri):
                        total += 1
                        if m.rome_ogr:
                            out.setdefault(bloc, set()).add(m.rome_ogr)
                        else:
                            esco_only += 1
            continue
        rome_hint = f["codes_rome"][0] if (hint and f["codes_rome"]) else None
        for (bloc, _), text in texts:
            found = out.setdefault(bloc, set())
            for m in extractor.extract(text, lang="fr", rome_hint=rome_hint):
                total += 1
                if m.rome_ogr:
                    found.add(m.rome_ogr)
                elif m.esco_uri:
                    esco_only += 1
    return out, total, esco_only


def _macro(mirror: Path) -> dict[str, str]:
    """ROME compétence code_ogr -> its macro-compétence (savoirs map to themselves)."""
    import csv

    path = mirror / "rome" / "unix_referentiel_competence_v460_utf8.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        return {r["code_ogr"]: r["code_ogr_macro_comp"] or r["code_ogr"] for r in csv.DictReader(fh)}


def _relax(d: dict[str, "set[str] | list[str]"], macro: dict[str, str]) -> dict[str, set[str]]:
    return {k: {macro.get(x, x) for x in v} for k, v in d.items()}


def _extractors(mirror: Path) -> dict:
    from adequa.config import Settings
    from adequa.pipeline.training import load_extractor

    settings = Settings(mirror=mirror, data_dir=Path("/nonexistent"), cache_dir=CACHE)
    return {"bloc linker": load_extractor(settings, "linker"), "ads SkillExtractor": load_extractor(settings, "ads"),
            "ROME phrase matcher": load_extractor(settings, "phrases")}


def quality_measures(extractors: dict | None = None) -> list[Measure]:
    """P/R/F1 of bloc skills against the hand labels, on the held-out fiches (and on the
    development ones, where the linker's options were chosen), ROME-item and macro level."""
    mirror = _mirror()
    if mirror is None:
        return []
    gold = gold_labels()
    fiches = sample_fiches(mirror)
    extractors = extractors or _extractors(mirror)
    macro = _macro(mirror)
    out = []
    for part, keep in (("held-out", lambda b: fiche_of(b) in HELD_OUT), ("dev", lambda b: fiche_of(b) not in HELD_OUT)):
        g = {b: v for b, v in gold.items() if keep(b)}
        n_fiches = len({fiche_of(b) for b in g})
        label = f"{len(g)} {part} blocs / {n_fiches} fiches"
        results = {}
        runs = dict(extractors)
        runs["bloc linker + names"] = extractors["bloc linker"]
        for name, ex in runs.items():
            pred, n, esco = predict(ex, fiches, set(g), hint=True,
                                    names=extractors["ads SkillExtractor"] if name.endswith("names") else None)
            results[name] = (score(pred, g), score(_relax(pred, macro), _relax(g, macro)), n)
            print(f"bench_training quality {part}: {name} tp/fp/fn={results[name][0][3:]} "
                  f"(macro {results[name][1][3:]}), mentions {n}, ESCO-only {esco}", file=sys.stderr)
        new, old = results["bloc linker"], results["ads SkillExtractor"]
        base = "ads SkillExtractor (session 1)"
        for i, what in enumerate(("precision", "recall", "F1")):
            out.append(Measure("training", f"bloc skills {what}, {label}, bloc linker", new[0][i], what[0].upper(),
                               old[0][i], base))
        out.append(Measure("training", f"bloc skills F1 at macro-compétence level, {label}, bloc linker", new[1][2], "F1",
                           old[1][2], base))
        both = results["bloc linker + names"]
        for i, what in enumerate(("precision", "recall", "F1")):
            out.append(Measure("training", f"bloc skills {what}, {label}, bloc linker + ads' knowledge/tool names "
                               "(as stored)", both[0][i], what[0].upper(), old[0][i], base))
        ph = results["ROME phrase matcher"]
        out.append(Measure("training", f"bloc skills F1, {label}, ROME phrase matcher", ph[0][2], "F1", old[0][2], base))
    return out


def inference_measures(extractors: dict | None = None) -> list[Measure]:
    """Inferred ROME links against the published ones on the 12 real RNCP fiches, from links found
    without the published codes: top-1 / top-5 hit when an inferred ROME 4.0 fiche (or its v3
    parent) is a published code, and top-5 at the domain level (first three characters, M18)."""
    mirror = _mirror()
    if mirror is None:
        return []
    import csv

    from adequa.pipeline.training import NON_DISCRIMINANT_KINDS, infer_rome, rome_norms, rome_skill_links

    with open(mirror / "rome" / "unix_referentiel_code_rome_v460_utf8.csv", encoding="utf-8") as fh:
        parent = {r["code_rome"]: r["code_rome_parent"] or r["code_rome"] for r in csv.DictReader(fh)}
    links = rome_skill_links(mirror)
    n = len({r for rs in links.values() for r in rs})
    norms = rome_norms(links, n)
    fiches = [f for f in sample_fiches(mirror) if f["codes_rome"]]
    extractors = extractors or _extractors(mirror)

    def evaluate(extractor) -> tuple[float, float, float]:
        top1 = top5 = domain = 0
        for f in fiches:
            texts = _texts(f)
            if hasattr(extractor, "link_certification"):
                found, _ = extractor.link_certification(texts, None)
                skills = [x.ogr for xs in found.values() for x in xs if x.kind != "savoir"]
            else:
                skills = [m.rome_ogr for _, t in texts for m in extractor.extract(t, lang="fr")
                          if m.rome_ogr and (m.kind or "").lower() not in NON_DISCRIMINANT_KINDS]
            top = [r for r, _, _ in infer_rome(skills, links, top=5, min_score=0.0, n_romes=n, norms=norms)]
            pub = set(f["codes_rome"])
            hit = [r in pub or parent.get(r) in pub for r in top]
            top1 += bool(hit[:1] and hit[0])
            top5 += any(hit)
            domain += any(r[:3] in {p[:3] for p in pub} for r in top)
        return top1 / len(fiches), top5 / len(fiches), domain / len(fiches)

    res = {name: evaluate(ex) for name, ex in extractors.items()}
    new, old = res["bloc linker"], res["ads SkillExtractor"]
    base = "same inference over the ads SkillExtractor (session 1)"
    k = len(fiches)
    return [Measure("training", f"inferred ROME top-1 hit (fiche or v3 parent = published), {k} RNCP fiches, bloc linker",
                    new[0], "share", old[0], base),
            Measure("training", f"inferred ROME top-5 hit, {k} RNCP fiches, bloc linker", new[1], "share", old[1], base),
            Measure("training", f"inferred ROME top-5 hit at domain level (M18…), {k} RNCP fiches, bloc linker", new[2],
                    "share", old[2], base),
            Measure("training", f"inferred ROME top-5 hit, {k} RNCP fiches, ROME phrase matcher",
                    res["ROME phrase matcher"][1], "share", old[1], base)]


def linker_speed(extractors: dict | None = None) -> list[Measure]:
    """CPU time to link every bloc of the 20 sample fiches with the published-ROME hint (and the
    feedback pass for fiches without ROME codes), against the same linker without that pass."""
    mirror = _mirror()
    if mirror is None:
        return []
    import time

    from adequa.enrich.certification_skills import split_items

    fiches = sample_fiches(mirror)
    linker = (extractors or _extractors(mirror))["bloc linker"]
    n_items = sum(len(split_items(t)) for f in fiches for _, t in _texts(f))
    blocs = {k[0] for f in fiches for k, _ in _texts(f)}
    times = {}
    for feedback in (linker.feedback, 0):
        saved, linker.feedback = linker.feedback, feedback
        t0 = time.process_time()
        for _ in range(3):
            predict(linker, fiches, blocs, hint=True)
        times[feedback] = (time.process_time() - t0) / 3
        linker.feedback = saved
    return [Measure("training", f"bloc linking CPU per item ({n_items} items of 20 fiches, feedback pass for RS)",
                    times[linker.feedback] / n_items * 1000, "ms", times[0] / n_items * 1000, "no feedback pass")]


def run(quick: bool) -> list[Measure]:
    mirror = _mirror()
    extractors = _extractors(mirror) if mirror is not None else None
    return (parser_measures(quick) + quality_measures(extractors) + inference_measures(extractors)
            + linker_speed(extractors))
