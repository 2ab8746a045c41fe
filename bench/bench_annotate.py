"""Skill extraction: accuracy (gold, weak ROME labels, SkillSpan) and `adequa annotate` speed and memory.

Needs the data mirror (ADEQUA_MIRROR, default ../shared/data). Baselines measured in the same run:
the exact pass alone (curated lexicon + taxonomy labels, no candidate/semantic pass) for both
accuracy and speed, and `adequa --help` for start-up.

Speed input: real France Travail descriptions from the mirror (about 1,500 with a description),
made into 10,000 ads (1,000 with --quick) two ways: *distinct* (``distinct_ads``: the real ones,
then real descriptions recombined line-wise across ads — first lines of one, last lines of
another; a 1–2 line ad cut into sentences — so all 10,000 descriptions differ) and *cycled*
(unique ids, texts repeat); and *novel* (``novel_ads``: every line a new recombination of real
clauses, the cost of text never seen). Baselines measured in the same run: reading + JSON-parsing the same
file, plain tokenisation, the exact pass alone, one worker, the same command on a single ad
(start-up), and the compiled hot modules against their Python source (``ADEQUA_PURE_PYTHON=1``).
CPU is user + sys of all processes (/usr/bin/time), steadier than wall on a shared machine.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from pathlib import Path

import re
import subprocess

from adequa.normalise.text import spans
from bench._harness import Measure, python, run_measured

ROOT = Path(__file__).resolve().parents[1]


def _mirror() -> Path | None:
    for c in [os.environ.get("ADEQUA_MIRROR"), ROOT.parent / "shared" / "data"]:
        if c and (Path(c) / "rome").is_dir():
            return Path(c).resolve()
    return None


def _ads(mirror: Path) -> list[dict]:
    csv.field_size_limit(1 << 30)
    out = []
    folder = mirror / "offers" / "france-travail"
    for path in sorted(folder.glob("*.csv")):
        delim = "|" if path.name.startswith("mounaTay") else ","
        with path.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh, delimiter=delim):
                d = r.get("description") or ""
                if d:
                    out.append({"id": r.get("id") or r.get("hash_id"), "title": r.get("intitule") or r.get("titre") or "",
                                "description": d})
    return out


def _timed_peak(cmd: list[str], env: dict) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds user+sys, peak RSS MiB) of one command, via /usr/bin/time -v when present."""
    full_env = {**os.environ, **env}
    if not Path("/usr/bin/time").exists():
        sec, mem, _ = run_measured(cmd, env=env)
        return sec, float("nan"), mem
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], env=full_env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    def grab(label: str) -> float:
        m = re.search(label + r":\s*([0-9.]+)", proc.stderr)
        return float(m.group(1)) if m else float("nan")
    cpu = grab("User time \\(seconds\\)") + grab("System time \\(seconds\\)")
    return wall, cpu, grab("Maximum resident set size \\(kbytes\\)") / 1024


def run(quick: bool) -> list[Measure]:
    mirror = _mirror()
    if mirror is None:
        print("bench_annotate: data mirror not found (ADEQUA_MIRROR); skipped")
        return []
    env = {"ADEQUA_MIRROR": str(mirror)}
    os.environ.setdefault("ADEQUA_MIRROR", str(mirror))
    from adequa.config import Settings
    from adequa.pipeline.annotate import load_occupation_classifier_or_none, load_skill_extractor
    from adequa.pipeline.skills_eval import eval_gold, eval_skillspan, eval_weak

    settings = Settings(mirror=mirror)
    measures: list[Measure] = []
    B = "annotate"

    # -- accuracy, full vs exact pass alone ----------------------------------------------------
    full = load_skill_extractor(settings)
    exact = load_skill_extractor(settings, semantic=False)
    classifier = load_occupation_classifier_or_none(settings)
    g_full = eval_gold(settings, full, classifier)
    g_exact = eval_gold(settings, exact, classifier)
    for split in ("dev", "test"):
        f, e = g_full[f"gold-{split}"], g_exact[f"gold-{split}"]
        name = f"gold {split} ({f['ads']} ads, {f['gold']} mentions)"
        measures += [
            Measure(B, f"{name} partial span F1", f["partial_f1"], "F1", e["partial_f1"], "exact pass alone"),
            Measure(B, f"{name} strict span F1", f["strict_f1"], "F1", e["strict_f1"], "exact pass alone"),
            Measure(B, f"{name} ROME link accuracy", f["rome_link_acc"], "acc", e["rome_link_acc"], "exact pass alone"),
        ]
    w_full = eval_weak(settings, full, classifier, limit=150 if quick else None)["weak-rome"]
    w_exact = eval_weak(settings, exact, classifier, limit=150 if quick else None)["weak-rome"]
    measures += [
        Measure(B, f"weak ROME ids precision ({w_full['ads']} offers)", w_full["precision"], "P", w_exact["precision"], "exact pass alone"),
        Measure(B, f"weak ROME ids recall ({w_full['ads']} offers)", w_full["recall"], "R", w_exact["recall"], "exact pass alone"),
    ]
    s_full = eval_skillspan(settings, full, limit=1000 if quick else None)["skillspan-dev"]
    s_exact = eval_skillspan(settings, exact, limit=1000 if quick else None)["skillspan-dev"]
    measures += [
        Measure(B, f"SkillSpan dev partial span F1 ({s_full['ads']} sentences)", s_full["partial_f1"], "F1",
                s_exact["partial_f1"], "exact pass alone"),
        Measure(B, f"SkillSpan dev strict span F1 ({s_full['ads']} sentences)", s_full["strict_f1"], "F1",
                s_exact["strict_f1"], "exact pass alone"),
    ]

    # -- per-ad CPU time on unseen ads (memos cleared): the cost of text never met before -------
    ads = _ads(mirror)
    t0 = time.process_time()
    for a in ads:
        spans(a["description"])
    tok_cpu = time.process_time() - t0
    for ex, label in ((full, "both passes"), (exact, "exact pass alone")):
        ex.clear_memos()
        t0 = time.process_time()
        for a in ads:
            ex.extract(a["description"])
        cpu = time.process_time() - t0
        measures.append(Measure(B, f"extract CPU per unseen ad, {len(ads)} real ads, memos cleared, {label}",
                                cpu / len(ads) * 1000, "ms", tok_cpu / len(ads) * 1000,
                                "plain tokenisation of the same texts"))

    # -- same run, same process: the reference code paths (plain tokeniser, one-label-at-a-time
    # similarity, separator regex without look-ahead, no line-token cache) vs the fast paths,
    # memos and word forms cleared before each pass, best of 3 alternated passes ----------------
    ref_cpu, fast_cpu = [], []
    for _ in range(1 if quick else 3):
        for on, acc in ((True, ref_cpu), (False, fast_cpu)):
            restore = full.use_reference_paths() if on else None
            full.clear_memos()
            full.clear_word_forms()
            t0 = time.process_time()
            for a in ads:
                full.extract(a["description"])
            acc.append(time.process_time() - t0)
            if restore:
                restore()
    measures.append(Measure(B, f"extract CPU per unseen ad, {len(ads)} real ads, fast paths (memos and word forms cleared)",
                            min(fast_cpu) / len(ads) * 1000, "ms", min(ref_cpu) / len(ads) * 1000,
                            "reference paths, same process (tokeniser, similarity, separator regex)"))

    # -- one huge line (a 1 MB description without line breaks: a feed's bad export) against a
    # tenth of it: CPU should grow with the text (ratio ~10), not with its square ------------------
    sentence = "Préparation des commandes, accueil des clients. "
    cpu_of = {}
    for reps in (2_000, 20_000):
        full.clear_memos()
        t0 = time.process_time()
        full.extract(sentence * reps)
        cpu_of[reps] = time.process_time() - t0
    measures.append(Measure(B, f"extract CPU, one {len(sentence) * 20_000 // 1000} KB line", cpu_of[20_000], "s",
                            cpu_of[2_000], "a tenth of it (linear: ratio ~10)"))

    # -- same run: SimilarityIndex.best through its compiled kernel (_similarity_fast) vs its Python
    # path, on the calls the extractor makes over the real ads (short-list memos cleared per pass) --
    measures.extend(_similarity_kernel_cpu(full, ads, 2 if quick else 4))
    measures.extend(_lexer_kernel_cpu(full, ads, 1 if quick else 2))

    # -- end-to-end CLI: wall time including start-up, CPU of all processes, peak memory ---------
    n = 1000 if quick else 10000
    with tempfile.TemporaryDirectory() as tmp:
        cyc, var = Path(tmp) / "cycled.jsonl", Path(tmp) / "distinct.jsonl"
        with cyc.open("w", encoding="utf-8") as fc:
            for k in range(n):
                a = ads[k % len(ads)]
                fc.write(json.dumps({**a, "id": f"{a['id']}-{k}"}, ensure_ascii=False) + "\n")
        with var.open("w", encoding="utf-8") as fv:
            for a in distinct_ads(ads, n):
                fv.write(json.dumps(a, ensure_ascii=False) + "\n")
        out = str(Path(tmp) / "out.jsonl")
        base = [python(), "-m", "adequa", "annotate", "-o", out, "-q"]
        _timed_peak(base + ["-i", str(var)], env)          # warm the taxonomy, occupation and lemma caches
        one = Path(tmp) / "one.jsonl"
        one.write_text(cyc.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
        read_cmd = [python(), "-c", "import json,sys\nfor l in open(sys.argv[1], encoding='utf-8'): json.loads(l)",
                    str(var)]
        sec_r, cpu_r, _ = _timed_peak(read_cmd, env)
        sec_1, cpu_1, _ = _timed_peak(base + ["-i", str(one)], env)
        # the same ad on a fresh cache folder: compiled taxonomy and occupation index built first
        # (the classifier in a forked process while the skills compile: load_models)
        sec_cold, cpu_cold, _ = _timed_peak(base + ["-i", str(one)], {**env, "ADEQUA_CACHE_DIR": str(Path(tmp) / "cold")})
        sec_v, cpu_v, mem_v = _timed_peak(base + ["-i", str(var)], env)
        sec_w1, cpu_w1, mem_w1 = _timed_peak(base + ["-i", str(var), "--workers", "1"], env)
        sec_x, cpu_x, mem_x = _timed_peak(base + ["-i", str(var), "--exact-only"], env)
        sec_f, cpu_f, _ = _timed_peak(base + ["-i", str(cyc)], env)
        # the real ads alone, each text once: no line of one ad recurs in a later recombined one, so
        # most lines are analysed for the first time (the recombined set reuses their analyses)
        real = Path(tmp) / "real.jsonl"
        real_ads = distinct_ads(ads, len(ads))[: len({a["description"] for a in ads})]
        real.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in real_ads), encoding="utf-8")
        sec_real, cpu_real, _ = _timed_peak(base + ["-i", str(real), "--workers", "2"], env)
        # text never seen: each line a new recombination of real clauses (``novel_ads``)
        novel = Path(tmp) / "novel.jsonl"
        novel.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in novel_ads(ads, n)), encoding="utf-8")
        sec_new, cpu_new, mem_new = _timed_peak(base + ["-i", str(novel)], env)
        # the compiled hot modules (setup.py) vs their Python source, alternated, best of 2 each
        from adequa.enrich._native import PURE_ENV, status

        built = all(status().values())
        if built:
            src_cpu, bin_cpu = [], []
            for _ in range(1 if quick else 2):
                src_cpu.append(_timed_peak(base + ["-i", str(var)], {**env, PURE_ENV: "1"})[1])
                bin_cpu.append(_timed_peak(base + ["-i", str(var)], env)[1])
        load = os.getloadavg()[0]
        measures += [
            Measure(B, f"adequa annotate, {n} all-distinct real-length ads (lines recombined), wall incl. start-up",
                    n / sec_v, "ads/s", n / sec_r, "python reading + json.loads of the same file (own process)",
                    goal=f"≥ 2,000 ads/s (load average {load:.1f})"),
            Measure(B, f"adequa annotate, {n} ads of never-seen text (each line new real clauses), wall incl. start-up",
                    n / sec_new, "ads/s", n / sec_v, "the recombined distinct set", goal="≥ 2,000 ads/s"),
            Measure(B, f"adequa annotate, {n} ads of never-seen text, CPU ms per ad (all processes)", cpu_new / n * 1000,
                    "ms", cpu_v / n * 1000, "the recombined distinct set"),
            Measure(B, f"adequa annotate, {n} distinct ads, CPU ms per ad (all processes, incl. occupation, start-up)",
                    cpu_v / n * 1000, "ms", cpu_r / n * 1000, "reading + json.loads of the same file"),
            Measure(B, f"adequa annotate, {n} distinct ads, --workers 1, wall incl. start-up", n / sec_w1, "ads/s",
                    n / sec_v, "2 workers (default)"),
            Measure(B, f"adequa annotate, {n} distinct ads, --workers 1, CPU seconds", cpu_w1, "s", cpu_v,
                    "2 workers (default)"),
            Measure(B, f"adequa annotate --exact-only, {n} distinct ads, wall incl. start-up", n / sec_x, "ads/s",
                    n / sec_v, "both passes"),
            Measure(B, f"adequa annotate, {n} ads, {min(n, len(ads))} texts cycled, wall incl. start-up", n / sec_f,
                    "ads/s", n / sec_v, "all distinct"),
            Measure(B, f"adequa annotate, the {len(real_ads)} real ads alone (each line analysed once), 2 workers, wall "
                    "incl. start-up", len(real_ads) / sec_real, "ads/s", n / sec_v, "the recombined distinct set"),
            Measure(B, f"adequa annotate, the {len(real_ads)} real ads alone, CPU ms per ad (all processes, start-up)",
                    cpu_real / len(real_ads) * 1000, "ms", cpu_v / n * 1000, "the recombined distinct set"),
            Measure(B, f"adequa annotate, {n} distinct ads, peak RSS of one process", mem_v, "MiB", mem_w1,
                    "--workers 1"),
            Measure(B, "adequa annotate on 1 ad (start-up: imports, compiled taxonomy, occupation model), wall",
                    sec_1, "s", cpu_1, "its CPU seconds"),
            Measure(B, "adequa annotate on 1 ad, fresh cache folder (both models built), wall", sec_cold, "s",
                    cpu_cold, "its CPU seconds (all processes)"),
        ]
        if built:
            measures.append(Measure(B, f"adequa annotate, {n} distinct ads, 2 workers, CPU s: compiled hot modules",
                                    min(bin_cpu), "s", min(src_cpu), "their Python source (ADEQUA_PURE_PYTHON=1)"))
        else:
            print("bench_annotate: the compiled build is absent (pip install -e . with Cython); no compiled/source A/B")
    sec_help, _, _ = run_measured([python(), "-m", "adequa", "--help"])
    t0 = time.perf_counter()
    load_skill_extractor(settings)
    measures.append(Measure(B, "load compiled taxonomy from cache (in process)", time.perf_counter() - t0, "s",
                            sec_help, "adequa --help start-up", goal="~1–2 s"))
    return measures


def _similarity_kernel_cpu(ex, ads: list[dict], rounds: int) -> list[Measure]:
    """CPU µs per ``SimilarityIndex.best`` call, compiled kernel vs Python path, alternated in the same
    process over the calls recorded while extracting ``ads`` (memos cleared before each pass)."""
    from adequa.enrich import skills_semantic

    if skills_semantic._sfast is None:
        print("bench_annotate: _similarity_fast not built, similarity kernel not measured")
        return []
    sim = ex.c.langs["fr"].sim
    calls: list = []
    real = sim.best

    def record(keys, **kw):
        calls.append((keys, {k: v for k, v in kw.items() if k != "seen"}, kw.get("seen") is not None))
        return real(keys, **kw)

    ex.clear_memos()
    sim.best = record
    try:
        for a in ads:
            ex.extract(a["description"])
    finally:
        del sim.best
    cpu = {True: 0.0, False: 0.0}
    outs: dict = {}
    for _ in range(rounds):
        for on in (False, True):
            sim.use_compiled = on
            sim.clear_memos()
            t0 = time.process_time()
            outs[on] = [sim.best(keys, seen=set() if s else None, **kw) for keys, kw, s in calls]
            cpu[on] += time.process_time() - t0
    sim.use_compiled = True
    per = 1e6 / max(len(calls), 1) / rounds
    same = "" if outs[True] == outs[False] else " (OUTPUTS DIFFER)"
    return [Measure("annotate", f"SimilarityIndex.best CPU per call, compiled kernel ({len(calls)} calls of the extractor on "
                       f"{len(ads)} real ads, memos cleared, {rounds} alternated passes)", cpu[True] * per, "us",
                    cpu[False] * per, "Python path, same calls" + same)]


def _lexer_kernel_cpu(ex, ads: list[dict], rounds: int) -> list[Measure]:
    """CPU µs per new description line of ``SkillExtractor._lexed`` (tokens, keys, lemmas, curated and
    label matches), compiled ``_lexer_fast`` vs the Python path (findall tokeniser + ``find``), word
    forms warm, line memo cleared before each pass, alternated in the same process, no automatic
    garbage collection (as ``adequa annotate`` runs)."""
    import gc

    from adequa.enrich import skills
    from adequa.normalise.text import mask_escapes

    kernel = skills._lexer
    if kernel is None:
        print("bench_annotate: _lexer_fast not built, line tokeniser kernel not measured")
        return []
    model = ex.c.langs["fr"]
    lines = list(dict.fromkeys(x for a in ads for x in mask_escapes(a["description"]).split("\n") if x.strip()))
    cpu = {True: [], False: []}
    outs: dict = {}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for r in range(rounds + 1):          # the first round warms the word forms, not counted
            for on in ((True, False) if r % 2 else (False, True)):
                skills._lexer = kernel if on else None
                ex._lex.clear()
                t0 = time.process_time()
                outs[on] = [ex._lexed(x, model, True) for x in lines]
                if r:
                    cpu[on].append(time.process_time() - t0)
    finally:
        skills._lexer = kernel
        ex._lex.clear()
        if gc_was:
            gc.enable()
    per = 1e6 / max(len(lines), 1)
    same = "" if outs[True] == outs[False] else " (OUTPUTS DIFFER)"
    return [Measure("annotate", f"line tokeniser + matchers (_lexed) CPU per new description line, compiled kernel "
                       f"({len(lines)} distinct lines of {len(ads)} real ads, best of {rounds} alternated passes)",
                    min(cpu[True]) * per, "us", min(cpu[False]) * per, "Python path, same lines" + same)]


def _units(text: str) -> list[str]:
    """Lines of a description (newline kept at each end); a text of 1-2 lines is cut into sentences."""
    lines = text.splitlines(keepends=True)
    if len(lines) >= 3:
        return lines
    out = []
    for line in lines:
        parts = line.split(". ")
        out += [p + ". " for p in parts[:-1]] + [parts[-1]]
    return [u for u in out if u]


def novel_ads(ads: list[dict], n: int, seed: int = 11) -> list[dict]:
    """``n`` ads of text never seen: each ad keeps a real ad's title and line count, and each line is
    made of as many clauses (cut after , ; . :) as the real line had, drawn from all the real ads'
    clauses. Lines are new; clauses, words and phrasing are real. Deterministic."""
    import random

    rng = random.Random(seed)
    cut = re.compile(r"(?<=[,;.:])\s+")
    clauses = [c for a in ads for line in a["description"].split("\n") for c in cut.split(line) if c.strip()]
    out = []
    for k in range(n):
        a = ads[k % len(ads)]
        lines = [" ".join(rng.choice(clauses) for _ in range(max(1, len(cut.split(line)))))
                 for line in a["description"].split("\n")]
        out.append({"id": f"novel-{k}", "title": a["title"], "description": "\n".join(lines)})
    return out


def distinct_ads(ads: list[dict], n: int) -> list[dict]:
    """``n`` ads whose descriptions all differ: the real ones first, then real descriptions recombined
    line-wise across ads (the first lines of one ad + the last lines of another; a short ad is cut
    into sentences instead). Titles are the first ad's. Deterministic."""
    out, seen = [], set()
    units = [_units(a["description"]) for a in ads]
    N = len(ads)
    for a in ads:
        if len(out) < n and a["description"] not in seen:
            seen.add(a["description"])
            out.append(dict(a))
    k = 0
    while len(out) < n:
        k += 1
        b, d = k % N, (k * 7919 + k // N) % N
        ub, ud = units[b], units[d]
        cut_b = 1 + (k // N) % max(1, len(ub) - 1)
        cut_d = (k // N + 1) % max(1, len(ud))
        desc = "".join(ub[:cut_b]) + ("" if "".join(ub[:cut_b]).endswith(("\n", " ")) else "\n") + "".join(ud[cut_d:])
        if desc in seen or len(desc) < 40:
            continue
        seen.add(desc)
        out.append({"id": f"{ads[b]['id']}-{k}", "title": ads[b]["title"], "description": desc})
    return out
