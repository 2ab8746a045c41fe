"""Training supply benchmarks.

1. RNCP XML parser: throughput and peak memory on a large synthetic export built by repeating
   the real fiches of the mirror's V4.1 sample with new numbers (30,000 fiches; 3,000 with
   --quick). Memory must stay flat: the peak on the big file is compared with the peak on a
   file ten times smaller (ratio ≈ 1). The full-tree parse of ElementTree (no streaming, no
   hardening) on the small file is the speed and memory baseline.
2. Ingestion into DuckDB (fiches/s) against the parse alone.
3. Quality of the skills found in certification blocs: precision/recall/F1 against hand labels
   (bench/gold_certifications/blocs_rome_skills.json: ROME code_ogr per bloc, 12 real fiches);
   the extractor Adequa uses for ads against the phrase baseline.
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


def predict(extractor, sample: Path, blocs: set[str], *, hint: bool = False) -> tuple[dict[str, set[str]], int, int]:
    """Predicted ROME ids per labelled bloc, and the counts of all mentions / ESCO-only mentions."""
    from adequa.sources.rncp import read_fiches

    out: dict[str, set[str]] = {}
    total = esco_only = 0
    for f in read_fiches(sample):
        if not isinstance(f, dict):
            continue
        rome_hint = f["codes_rome"][0] if (hint and f["codes_rome"]) else None
        for b in f["blocs"]:
            if b["code"] not in blocs:
                continue
            found = set()
            for text in (b["libelle"], b["competences"]):
                if text:
                    for m in extractor.extract(text, lang="fr", rome_hint=rome_hint):
                        total += 1
                        if m.rome_ogr:
                            found.add(m.rome_ogr)
                        elif m.esco_uri:
                            esco_only += 1
            out[b["code"]] = found
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


def quality_measures() -> list[Measure]:
    mirror = _mirror()
    if mirror is None:
        return []
    from adequa.config import Settings
    from adequa.pipeline.training import load_extractor, rome_phrase_extractor

    gold = json.loads(GOLD.read_text(encoding="utf-8"))["labels"]
    sample = mirror / "training" / "rncp" / "export_fiches_RNCP_v4.1_sample.xml"
    baseline = rome_phrase_extractor(mirror)
    main = load_extractor(Settings(mirror=mirror, data_dir=Path("/nonexistent"), cache_dir=CACHE))
    name = type(main).__name__
    macro = _macro(mirror)
    base = "ROME phrase matcher"
    label = f"{len(gold)} blocs / 12 RNCP fiches, {name}"
    pb, nb, eb = predict(baseline, sample, set(gold))
    out = []
    for hint in (False, True):
        pm, nm, em = predict(main, sample, set(gold), hint=hint)
        tag = " (rome_hint = published ROME)" if hint else ""
        p1, r1, f1, *c1 = score(pm, gold)
        p0, r0, f0, *c0 = score(pb, gold)
        q1, s1, g1, *d1 = score(_relax(pm, macro), _relax(gold, macro))
        q0, s0, g0, *d0 = score(_relax(pb, macro), _relax(gold, macro))
        print(f"bench_training quality{tag}: {name} tp/fp/fn={c1} (macro {d1}), mentions {nm}, ESCO-only {em}; "
              f"phrase baseline tp/fp/fn={c0} (macro {d0}), mentions {nb}", file=sys.stderr)
        out += [Measure("training", f"bloc skills precision, {label}{tag}", p1, "P", p0, base),
                Measure("training", f"bloc skills recall, {label}{tag}", r1, "R", r0, base),
                Measure("training", f"bloc skills F1, {label}{tag}", f1, "F1", f0, base),
                Measure("training", f"bloc skills F1 at macro-compétence level, {label}{tag}", g1, "F1", g0, base),
                Measure("training", f"share of mentions with an ESCO id only (not scorable), {name}{tag}",
                        em / nm if nm else 0.0, "share")]
    return out


def inference_measures() -> list[Measure]:
    """Inferred ROME links against the published ones on the 12 real RNCP fiches: hit@5 when an
    inferred ROME 4.0 fiche (or its v3 parent) is a published code, and at the domain level
    (first three characters, e.g. M18)."""
    mirror = _mirror()
    if mirror is None:
        return []
    import csv

    from adequa.config import Settings
    from adequa.pipeline.training import (NON_DISCRIMINANT_KINDS, infer_rome, load_extractor, rome_norms,
                                          rome_phrase_extractor, rome_skill_links)
    from adequa.sources.rncp import read_fiches

    with open(mirror / "rome" / "unix_referentiel_code_rome_v460_utf8.csv", encoding="utf-8") as fh:
        parent = {r["code_rome"]: r["code_rome_parent"] or r["code_rome"] for r in csv.DictReader(fh)}
    links = rome_skill_links(mirror)
    n = len({r for rs in links.values() for r in rs})
    norms = rome_norms(links, n)
    fiches = [f for f in read_fiches(mirror / "training" / "rncp" / "export_fiches_RNCP_v4.1_sample.xml")
              if isinstance(f, dict) and f["codes_rome"]]

    def evaluate(extractor) -> tuple[float, float]:
        exact = domain = 0
        for f in fiches:
            skills = []
            for b in f["blocs"]:
                for text in (b["libelle"], b["competences"]):
                    if text:
                        skills += [m.rome_ogr for m in extractor.extract(text, lang="fr")
                                   if m.rome_ogr and (m.kind or "").lower() not in NON_DISCRIMINANT_KINDS]
            top = [r for r, _, _ in infer_rome(skills, links, top=5, min_score=0.0, n_romes=n, norms=norms)]
            pub = set(f["codes_rome"])
            exact += any(r in pub or parent.get(r) in pub for r in top)
            domain += any(r[:3] in {p[:3] for p in pub} for r in top)
        return exact / len(fiches), domain / len(fiches)

    main = load_extractor(Settings(mirror=mirror, data_dir=Path("/nonexistent"), cache_dir=CACHE))
    e1, d1 = evaluate(main)
    e0, d0 = evaluate(rome_phrase_extractor(mirror))
    name = type(main).__name__
    base = "same inference over the ROME phrase matcher"
    return [Measure("training", f"inferred ROME hit@5 (fiche or v3 parent = published), {len(fiches)} RNCP fiches, {name}",
                    e1, "share", e0, base),
            Measure("training", f"inferred ROME hit@5 at domain level (M18…), {len(fiches)} RNCP fiches, {name}",
                    d1, "share", d0, base)]


def run(quick: bool) -> list[Measure]:
    return parser_measures(quick) + quality_measures() + inference_measures()
