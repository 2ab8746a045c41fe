"""Indicators on synthetic warehouses of 1M and 10M ads (quick: 100k).

Measures, for each size:
* building the synthetic warehouse and the pre-aggregated facts (``refresh_facts``);
* computing every ads-based indicator (offers and skills sections) for France and all 18 régions
  in a child process: seconds and peak memory — goal < 60 s at 10M ads;
* one indicator query (offers_count, a région, a quarter): p50/p95 over 40 runs with random régions —
  goal p95 < 100 ms at 10M ads.
Baseline, measured in the same run: the same work computed from the ads directly (facts=false).

Also, for the census loaders (``census_fd``): aggregating a synthetic INSEE fichier détail of 1M persons
(quick: 100k) into ``census_workers`` cells, CPU time per person, against the baseline of reading the same
file with ``csv.reader`` alone; loading it into a warehouse and deriving the FAP rows from PCS codes.

And, on the real mirror when present, job seekers derived from the ROME × bassin tension table.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

from bench._harness import Measure, run_measured

ROOT = Path(os.environ.get("ADEQUA_BENCH_DIR", "/tmp/adequa-bench"))
SECTIONS = ("offers", "skills")


def _warehouse(n: int) -> tuple[Path, float | None]:
    import duckdb

    from bench.synthetic_warehouse import build

    ROOT.mkdir(parents=True, exist_ok=True)
    path = ROOT / f"synthetic_{n}.duckdb"
    if path.exists():
        ok = False
        try:
            con = duckdb.connect(str(path), read_only=True)
            try:
                ok = con.execute("SELECT n_ads FROM synthetic_info").fetchone()[0] == n
            finally:
                con.close()
        except Exception:
            ok = False
        if ok:
            return path, None
    info = build(path, n, seed=0)
    return path, info["seconds"]


def _all_indicators(db: str, facts: str) -> dict:
    """Child process: every ads-based indicator for France and every région, on one connection."""
    from adequa.indicators import compute_many, list_indicators, open_warehouse
    from adequa.indicators.territories import all_territories

    names = [d.name for d in list_indicators() if d.section in SECTIONS]
    territories = ["france"] + [t.spec for t in all_territories("region")]
    con = open_warehouse(db)
    t0, c0 = time.perf_counter(), time.process_time()
    results = compute_many(names, con=con, territories=territories, group="data-ia", period="2024",
                           errors="skip", facts=facts)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    import resource

    return {"seconds": seconds, "cpu_seconds": cpu, "results": len(results), "names": len(names),
            "territories": len(territories),
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _latencies(db: Path, facts: str, runs: int = 40) -> list[float]:
    from adequa.indicators import compute, open_warehouse
    from adequa.indicators.territories import all_territories

    regions = [t.spec for t in all_territories("region")]
    rng = random.Random(1)
    con = open_warehouse(db)
    con.execute("SET threads = 2")
    out = []
    try:
        compute("offers_count", con=con, territory="region:28", period="2024Q1", facts=facts)    # warm-up
        for _ in range(runs):
            t0 = time.perf_counter()
            compute("offers_count", con=con, territory=rng.choice(regions), period=f"2024Q{rng.randint(1, 4)}",
                    facts=facts)
            out.append((time.perf_counter() - t0) * 1000)
    finally:
        con.close()
    return sorted(out)


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


PCS = ("388a", "388b", "388c", "388e", "478a", "478b", "478c", "526a", "231a", "621a", "999z")
COMMUNES = ("14118", "14341", "76540", "76217", "50129", "61001", "27229", "75056", "69123", "ZZZZZ")


def _fd_file(n: int) -> Path:
    """A synthetic INSEE fichier détail (FD_MOBPRO-like) of ``n`` persons, in INSEE's layout."""
    ROOT.mkdir(parents=True, exist_ok=True)
    path = ROOT / f"FD_MOBPRO_SYNTH_{n}_2015.csv"
    if path.exists():
        return path
    rng = random.Random(7)
    dipl, empl, na17 = ("01", "03", "13", "14", "16", "17", "18"), ("11", "12", "15", "16", "21"), ("AZ", "C3", "FZ",
                                                                                                  "GZ", "JZ", "OQ")
    with open(path, "w", encoding="latin-1") as fh:
        fh.write("COMMUNE;ARM;DCLT;AGEREVQ;CS1;DIPL;EMPL;ILT;IPONDI;NA17;PROF;SEXE;TRANS\n")
        for _ in range(n):
            fh.write(f"{rng.choice(COMMUNES[:-1])};ZZZZZ;{rng.choice(COMMUNES)};{rng.randrange(15, 70, 5):03d};3;"
                     f"{rng.choice(dipl)};{rng.choice(empl)};1;{rng.uniform(0.5, 5):.6f};{rng.choice(na17)};"
                     f"{rng.choice(PCS)};{rng.choice('12')};4\n")
    return path


def _census_measures(n: int, label: str) -> list[Measure]:
    import csv
    import tempfile

    from adequa.indicators.territories import departements
    from adequa.pipeline.statistics import derive_census_fap, ingest_statistics
    from adequa.sources.census import read_census_fd
    from adequa.store.duckdb import Warehouse

    path = _fd_file(n)
    c0 = time.process_time()
    with open(path, encoding="latin-1", newline="") as fh:
        lines = sum(1 for _ in csv.reader(fh, delimiter=";"))
    base = time.process_time() - c0
    region_of = {d: r for d, (_l, r) in departements().items()}
    t0, c0 = time.perf_counter(), time.process_time()
    cells = sum(1 for _ in read_census_fd(path, region_of=region_of))
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    out = [Measure("indicators", f"census fichier détail → cells, {label} persons ({cells:,} cells), CPU per person",
                   cpu / n * 1e6, "µs", baseline=base / max(lines, 1) * 1e6, baseline_name="csv.reader alone"),
           Measure("indicators", f"same, wall, {label} persons", wall, "s")]
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "w.duckdb") as wh:
        wh.upsert("fap2009_pcs_rome3", [{"version": "2009.1", "line": i, "fap2009": f, "pcs": p, "rome_v3": None}
                                        for i, (f, p) in enumerate([("M2Z90", "388a"), ("M2Z91", "388b"),
                                                                    ("M2Z92", "388c"), ("M2Z90", "388e"),
                                                                    ("M1Z80", "478a"), ("M1Z80", "478b"),
                                                                    ("M1Z81", "478c"), ("T0Z60", "526a")])],
                  key=["version", "line"])
        t0, c0 = time.perf_counter(), time.process_time()
        ingest_statistics("census", path, warehouse=wh)
        load_cpu, load_wall = time.process_time() - c0, time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        derive_census_fap(wh)
        d_cpu, d_wall = time.process_time() - c0, time.perf_counter() - t0
    out += [Measure("indicators", f"adequa ingest census (FD, {label} persons) incl. PCS→FAP, CPU", load_cpu, "s"),
            Measure("indicators", f"same, wall, {label} persons", load_wall, "s"),
            Measure("indicators", f"PCS→FAP derivation alone (re-run), {label} persons, wall / CPU", d_wall, "s",
                    baseline=d_cpu, baseline_name="CPU s (process)")]
    return out


def run(quick: bool) -> list[Measure]:
    from adequa.indicators import facts as facts_mod
    from adequa.pipeline.statistics import derive_census_fap, refresh_facts
    from adequa.store.duckdb import Warehouse

    sizes = [100_000] if quick else [1_000_000, 10_000_000]
    measures: list[Measure] = []
    for n in sizes:
        label = f"{n // 1_000_000}M ads" if n >= 1_000_000 else f"{n // 1000}k ads"
        db, built = _warehouse(n)
        if built is not None:
            measures.append(Measure("indicators", f"build synthetic warehouse, {label}", built, "s"))
        t0, c0 = time.perf_counter(), time.process_time()
        facts = refresh_facts(db=db)
        measures.append(Measure("indicators", f"refresh facts, {label}", time.perf_counter() - t0, "s",
                                baseline=time.process_time() - c0, baseline_name="CPU s (this process)",
                                goal="a batch step after each load"))
        # Where refresh spends its time: facts.build (offer/skill facts) vs this area's census derivation.
        with Warehouse(db) as wh:
            t0, c0 = time.perf_counter(), time.process_time()
            facts_mod.build(wh.con)
            fb = (time.perf_counter() - t0, time.process_time() - c0)
            t0, c0 = time.perf_counter(), time.process_time()
            derive_census_fap(wh)
            dv = (time.perf_counter() - t0, time.process_time() - c0)
        measures.append(Measure("indicators", f"refresh: facts.build alone, {label}, wall (baseline = CPU)", fb[0],
                                "s", baseline=fb[1], baseline_name="CPU s"))
        measures.append(Measure("indicators", f"refresh: census PCS→FAP derivation alone, {label}, wall", dv[0], "s",
                                baseline=dv[1], baseline_name="CPU s"))
        runs = {}
        for mode in ("auto", "false"):
            if mode == "false" and n > 1_000_000 and not os.environ.get("ADEQUA_BENCH_RAW_10M"):
                continue          # the ads-only baseline at 10M takes many minutes; enable with ADEQUA_BENCH_RAW_10M=1
            seconds, peak, out = run_measured([sys.executable, "-m", "bench.bench_indicators", "--child", str(db), mode],
                                              cwd=str(Path(__file__).resolve().parents[1]))
            runs[mode] = (json.loads(out.strip().splitlines()[-1]), seconds, peak)
        child, wall, peak = runs["auto"]
        base = runs.get("false")
        measures.append(Measure("indicators", f"all ads indicators × {child['territories']} territories, {label} "
                                f"({child['results']} results)", child["seconds"], "s",
                                baseline=base[0]["seconds"] if base else None,
                                baseline_name="from the ads (facts=false)" if base else None,
                                goal="< 60 s at 10M ads"))
        measures.append(Measure("indicators", f"CPU time of that computation (all threads), {label}",
                                child.get("cpu_seconds", 0.0), "s",
                                baseline=base[0].get("cpu_seconds") if base else None,
                                baseline_name="from the ads" if base else None))
        measures.append(Measure("indicators", f"machine load average during the run, {label}", os.getloadavg()[0],
                                "procs", goal="2 cores; > 2 means other work competed"))
        measures.append(Measure("indicators", f"peak memory of that process, {label}", child["peak_mib"], "MiB",
                                baseline=base[0]["peak_mib"] if base else None,
                                baseline_name="from the ads" if base else None))
        fast = _latencies(db, "auto")
        slow = _latencies(db, "false", runs=10 if n > 1_000_000 else 40)
        measures.append(Measure("indicators", f"offers_count one région × quarter p95, {label}", _pct(fast, 0.95), "ms",
                                baseline=_pct(slow, 0.95), baseline_name="from the ads", goal="< 100 ms at 10M ads"))
        measures.append(Measure("indicators", f"offers_count p50, {label}", _pct(fast, 0.5), "ms",
                                baseline=_pct(slow, 0.5), baseline_name="from the ads"))
        measures.append(Measure("indicators", f"facts rows (offer/skill), {label}",
                                facts["offer_facts"] + facts["skill_facts"], "rows"))
    measures += _census_measures(100_000 if quick else 1_000_000, "100k" if quick else "1M")
    measures += _tension_job_seekers_measures()
    return measures


def _mirror() -> Path | None:
    for c in (os.environ.get("ADEQUA_MIRROR"), str(Path(__file__).resolve().parents[2] / "shared" / "data")):
        if c and (Path(c) / "labour" / "mobiville_tension_defm_oee_rome_bassin.csv").exists():
            return Path(c)
    return None


def _tension_job_seekers_measures() -> list[Measure]:
    """Job seekers derived from the real ROME × bassin tension table (27k rows): load + derivation, the
    derivation alone, and job_seekers_count for France and the 18 régions; baseline: csv.reader over the file."""
    import csv
    import shutil
    import tempfile

    from adequa.indicators import compute_many, open_warehouse
    from adequa.indicators.territories import regions
    from adequa.pipeline import referentials
    from adequa.pipeline.statistics import derive_job_seekers_from_tension, ingest_statistics, lexique_bassin_departements
    from adequa.store.duckdb import Warehouse

    mirror = _mirror()
    if mirror is None:
        return []
    src = mirror / "labour" / "mobiville_tension_defm_oee_rome_bassin.csv"
    tmp = Path(tempfile.mkdtemp(prefix="bench-jst-"))
    try:
        c0 = time.process_time()
        with open(src, encoding="utf-8", newline="") as fh:
            n_rows = sum(1 for _ in csv.reader(fh, delimiter=";")) - 1
        base_cpu = time.process_time() - c0
        deps, origin = lexique_bassin_departements(mirror)
        with Warehouse(tmp / "w.duckdb") as wh:
            referentials.load(mirror, wh, only=["rome"])     # ROME 4.0 fiches → their v3 parents (not timed)
            t0, c0 = time.perf_counter(), time.process_time()
            ingest_statistics("tension", src, warehouse=wh)
            load = (time.perf_counter() - t0, time.process_time() - c0)
            t0, c0 = time.perf_counter(), time.process_time()
            out = derive_job_seekers_from_tension(wh, bassin_deps=deps, bassin_deps_origin=origin)
            derive = (time.perf_counter() - t0, time.process_time() - c0)
        con = open_warehouse(tmp / "w.duckdb")
        t0, c0 = time.perf_counter(), time.process_time()
        res = compute_many(["job_seekers_count", "job_seekers_share_of_all"], con=con,
                           territories=["france", *[f"region:{r}" for r in regions()]], errors="skip")
        figs = (time.perf_counter() - t0, time.process_time() - c0)
        con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [
        Measure("indicators", f"ingest tension table ({n_rows:,} rows) incl. job-seeker rows, CPU", load[1], "s",
                baseline=base_cpu, baseline_name="csv.reader over the file, CPU"),
        Measure("indicators", "same, wall", load[0], "s"),
        Measure("indicators", f"job-seeker rows from the tension table alone ({out['rows']:,} rows), CPU",
                derive[1], "s", baseline=derive[0], baseline_name="wall s"),
        Measure("indicators", f"job_seekers_count + share × 19 territories ({len(res)} results), CPU", figs[1], "s",
                baseline=figs[0], baseline_name="wall s"),
    ]


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        print(json.dumps(_all_indicators(sys.argv[2], sys.argv[3])))
    else:
        from bench._harness import print_table

        print_table(run(quick="--quick" in sys.argv))
