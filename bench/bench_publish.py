"""Publishing on a large warehouse: study generation time, API latency under load, dashboard page times.

    python -m bench publish            # 1M synthetic ads (goal: study <= 120 s; pages <= 300 ms)
    python -m bench publish --quick    # 100k ads

Measured in the same run, as baselines: the study on a 20k-ad warehouse (so the
ratio shows how generation scales with the data), and ``/api/v1/health`` (no
database work) for the API latencies.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench._harness import Measure
from bench._serve import start_server

CACHE = Path(os.environ.get("ADEQUA_BENCH_DIR", tempfile.gettempdir())) / "adequa-bench"


def _warehouse(n: int) -> Path:
    """A synthetic warehouse of n ads, built once and reused across runs."""
    from bench.synthetic_warehouse import build

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"publish_{n}.duckdb"
    if not path.exists():
        build(path, n, seed=1)
        # as after `adequa run`: the indicators' pre-aggregated facts are built once the ads are in
        subprocess.run([sys.executable, "-m", "adequa", "indicators", "refresh", "--db", str(path)], check=True,
                       capture_output=True)
    return path


# -- realistic text for the search index: the synthetic ads' descriptions are one short sentence -----------------

TEXT_WORDS = """poste mission entreprise équipe client projet données analyse développement gestion production
qualité service expérience formation compétences connaissances outils rigueur autonomie travail recherche
profil candidat rejoindre société groupe secteur activité responsable charge assurer participer mettre oeuvre
suivi amélioration process processus reporting tableaux bord indicateurs performance solution technique
technologies logiciel application applications architecture infrastructure cloud serveur réseau sécurité
système systèmes base bases modèle modèles algorithmes apprentissage automatique intelligence artificielle
statistique statistiques visualisation pipeline pipelines ingestion entrepôt lac flux temps réel api
python sql java scala spark hadoop kafka airflow docker kubernetes linux git excel power bi tableau
looker dbt snowflake bigquery azure aws gcp tensorflow pytorch pandas numpy scikit nlp vision llm
ingénieur ingénieure développeur développeuse analyste consultant consultante chef architecte scientifique
administrateur technicien technicienne manager directeur stagiaire alternant alternance apprentissage
cdi cdd intérim temps plein partiel télétravail hybride salaire rémunération avantages mutuelle tickets
restaurant prime primes variable annuel brut selon normandie rouen caen havre cherbourg évreux alençon
paris région locaux siège site agence clients utilisateurs métiers besoins fonctionnels spécifications
documentation tests recette déploiement maintenance évolutive corrective support accompagnement conduite
changement communication anglais français écrit oral capacité synthèse esprit curiosité sens relationnel
bac master diplôme école ingénieurs université années minimum première réussie souhaitée appréciée
vente commerce accueil caisse magasin rayon logistique entrepôt préparation commandes cariste chauffeur
soins patients infirmier aide soignant cuisine restauration serveur plonge nettoyage propreté bâtiment
chantier maçon électricien plombier soudeur mécanicien usinage montage maintenance industrielle comptable
paie comptabilité fiscalité juridique ressources humaines recrutement assistant assistante administratif""".split()


def vocabulary(size: int = 6_000) -> list[str]:
    """Real job-ad words first (frequent), then invented words (the long tail), deterministic."""
    import itertools

    syll = ["ba", "co", "di", "fé", "ga", "li", "mo", "nu", "pa", "ri", "so", "ta", "vé", "xo", "zu", "ter", "lon", "mar"]
    out = list(dict.fromkeys(TEXT_WORDS))
    for a, b, c in itertools.product(syll, repeat=3):
        if len(out) >= size:
            break
        out.append(a + b + c)
    return out


TITLES = ["Data engineer", "Data scientist", "Ingénieur données", "Développeur Python", "Data analyst",
          "Chef de projet informatique", "Administrateur systèmes et réseaux", "Ingénieur cloud", "Technicien support",
          "Consultant BI", "Vendeur conseil", "Aide-soignant", "Comptable", "Cariste", "Cuisinier", "Électricien",
          "Assistant administratif", "Chauffeur livreur", "Infirmier", "Soudeur"]


def text_warehouse(src: Path, n: int) -> Path:
    """A copy of ``src`` whose ads have job-ad-like titles and descriptions (~60 words drawn from a Zipf law
    over a 6,000-word vocabulary, plus the ad's skill labels), then the search index built. Reused across runs."""
    import shutil

    import duckdb

    dst = CACHE / f"publish_text_{n}.duckdb"
    if dst.exists():
        return dst
    tmp = dst.with_suffix(".tmp")
    shutil.copyfile(src, tmp)
    con = duckdb.connect(str(tmp))
    try:
        vocab = vocabulary()
        con.execute("CREATE TEMP TABLE _sk AS SELECT ad_id, string_agg(label, ', ') AS skills FROM skill_mentions "
                    "GROUP BY ad_id")
        con.execute(f"""CREATE TEMP TABLE _txt AS
            SELECT a.ad_id,
                   (?::VARCHAR[])[1 + (hash(coalesce(o.rome, a.source_rome)) % {len(TITLES)})::INTEGER] || ' H/F' AS title,
                   list_aggregate(list_transform(range(60), lambda i: v[least({len(vocab)},
                       floor(exp(random() * ln({len(vocab)} + 1)))::INTEGER)]), 'string_agg', ' ')
                   || '. Compétences : ' || coalesce(k.skills, 'aucune') || '.' AS description
            FROM ads a LEFT JOIN ad_occupations o USING (ad_id) LEFT JOIN _sk k USING (ad_id),
                 (SELECT ?::VARCHAR[] AS v)""", [TITLES, vocab])
        con.execute("UPDATE ads SET title = t.title, description = t.description FROM _txt t WHERE t.ad_id = ads.ad_id")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    from adequa.store.duckdb import Warehouse
    from adequa.publish.search import update_index

    from adequa.indicators import facts

    with Warehouse(tmp) as wh:
        update_index(wh.con)
        facts.build_rollups(wh.con)          # the posters (openings of the new texts) as well
    tmp.rename(dst)
    return dst


def _study(db: Path, out: Path) -> float:
    """Seconds for `adequa study` (HTML, data, figures, PDF) in a child process."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "adequa", "study", "--db", str(db), "--out", str(out),
                           "--group", "data-ia", "--territory", "region:28", "--period", "2024"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return time.perf_counter() - t0


def _latencies(url: str, paths: list[str], *, clients: int, rounds: int) -> list[float]:
    import httpx

    def worker(i: int) -> list[float]:
        out = []
        with httpx.Client(base_url=url, timeout=120) as c:
            for r in range(rounds):
                path = paths[(i * rounds + r) % len(paths)]
                t0 = time.perf_counter()
                resp = c.get(path)
                out.append(time.perf_counter() - t0)
                if resp.status_code >= 500:
                    raise RuntimeError(f"{path}: {resp.status_code} {resp.text[:200]}")
        return out

    with ThreadPoolExecutor(clients) as pool:
        return [x for chunk in pool.map(worker, range(clients)) for x in chunk]


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _wrk(url: str, paths: list[str], *, seconds: int, connections: int, threads: int = 2) -> dict:
    """requests/s and latency percentiles (ms) from wrk (a separate process) cycling through ``paths``."""
    import re
    import shutil

    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("paths = {" + ", ".join('"' + p.replace('"', '') + '"' for p in paths) + "}\n"
                "local i = 0\n"
                "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n")
        script = f.name
    try:
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script,
                              url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)

    def ms(text: str) -> float:
        v, unit = re.match(r"([0-9.]+)(us|ms|s)", text).groups()
        return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    res = {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))}
    for p in ("50", "90", "99"):
        res[f"p{p}"] = ms(re.search(rf"^\s+{p}(?:\.000)?%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(errors.group(1)) if errors else 0
    return res


def load(db: Path, n: int, *, processes: int = 2, seconds: int = 15) -> list[Measure]:
    """Sustained load on indicator endpoints: `adequa serve --processes N`, wrk with 16 connections."""
    import httpx

    proc, url = start_server(db, "--processes", str(processes), warm_checks=20, timeout=780)
    out: list[Measure] = []
    try:
        from adequa.indicators.territories import departements

        deps = sorted(d for d, (_, r) in departements().items() if r in ("28", "11", "84"))[:12]
        paths = [f"/api/v1/indicators/{name}?territory=departement:{d}&period=2024"
                 for d in deps for name in ("offers_count", "offers_by_territory", "offers_contract_mix")]
        paths += [f"/api/v1/indicators/offers_count?territory=region:{r}&period={p}"
                  for r in ("28", "11", "84", "44") for p in ("2023", "2024", "2024Q1", "2024Q2")]
        # every worker process computes each answer once (the first, uncached requests), then serves it from memory
        with httpx.Client(base_url=url, timeout=300) as c:
            for _ in range(processes + 1):
                for p in paths:
                    r = c.get(p)
                    if r.status_code != 200:
                        raise RuntimeError(f"{p}: {r.status_code} {r.text[:200]}")
        base = _wrk(url, ["/api/v1/health"], seconds=seconds, connections=16)
        res = _wrk(url, paths, seconds=seconds, connections=16)
        label = f"{len(paths)} indicator queries, wrk 16 connections, {processes} processes, {n:,} ads"
        out.append(Measure("publish", f"API throughput, {label}", res["rps"], "req/s", base["rps"],
                           "/api/v1/health (same load)", ">= 500 req/s"))
        out.append(Measure("publish", f"API p99, {label}", res["p99"], "ms", base["p99"], "/api/v1/health p99",
                           "< 100 ms"))
        out.append(Measure("publish", f"API p50, {label}", res["p50"], "ms", base["p50"], "/api/v1/health p50"))
        if res["non2xx"]:
            raise RuntimeError(f"{res['non2xx']} error responses under load")
    finally:
        proc.terminate()
        proc.wait(20)
    return out


def _cpu() -> float:
    """CPU seconds of this process, every thread included (DuckDB's too)."""
    return time.process_time()


def search_speed(db: Path, n: int, *, queries: int = 120) -> list[Measure]:
    """Full-text ad search through the index (in-process, no HTTP, the server's in-memory table loaded as
    after start-up): 1-3 words (70 % drawn from the 400 most frequent words), with and without filters,
    pages 1 and 5, each query distinct (no response cache); wall and CPU per query. Baseline: the
    SQL search over ``ad_terms`` (last session's path) on the same queries, and the substring scan."""
    import random

    from adequa.config import Settings
    from adequa.publish import search as search_mod
    from adequa.publish.api import Filters, _search_ads, create_app

    app = create_app(db, settings=Settings(db=db), dashboard=False, warm_up=False)
    st = app.state.adequa
    if search_mod.index_usable(st) is None:
        raise RuntimeError(f"{db}: no fresh search index")
    t0, c0 = time.perf_counter(), _cpu()
    table = search_mod.doc_table(st)
    load = (time.perf_counter() - t0, _cpu() - c0)
    rnd = random.Random(7)
    common = [w for w in vocabulary()[:400]]
    rare = vocabulary()[400:]
    filters = [Filters(group="all", territory="france"), Filters(group="data-ia", territory="region:28"),
               Filters(group="all", territory="departement:76", period="2024"),
               Filters(group="data-ia", territory="france", period="2024Q2"),
               Filters(group="all", territory="bassin:7601"), Filters(group="rome:M1805", territory="region:11")]
    cases = []
    for i in range(queries):
        k = 1 + i % 3
        words = [rnd.choice(common if rnd.random() < 0.7 else rare) for _ in range(k)]
        cases.append((" ".join(words), filters[i % len(filters)], 1 + (i % 5 == 0) * 4))

    def run_cases(items):
        wall, cpu, hits = [], [], 0
        for q, f, page in items:
            t0, c0 = time.perf_counter(), _cpu()
            rows, total = _search_ads(st, f, q=q, page=page, per_page=20)
            wall.append(time.perf_counter() - t0)
            cpu.append(_cpu() - c0)
            hits += total > 0
        return wall, cpu, hits

    wall, cpu, hits = run_cases(cases)
    common_only = [c for c in cases if all(w in common for w in c[0].split())]
    st._doc_table = False                   # the SQL search over ad_terms (baseline)
    sql_wall, sql_cpu, _ = run_cases(cases[:24])
    scan = []
    st._search_index = None                 # the substring scan (no index)
    for q, f, page in cases[:3]:
        t0 = time.perf_counter()
        _search_ads(st, f, q=q, page=page, per_page=20)
        scan.append(time.perf_counter() - t0)
    st._doc_table = table
    st._search_index = False
    st.close()
    label = f"{queries} distinct queries of 1-3 words, 6 filter sets, pages 1/5, {n:,} ads ({hits} with results)"
    base = "SQL search over ad_terms, same first 24 queries"
    out = [Measure("publish", f"ads search p50 wall, {label}", _pct(wall, 50) * 1000, "ms", _pct(sql_wall, 50) * 1000,
                   base + " (p50)"),
           Measure("publish", f"ads search p95 wall, {label}", _pct(wall, 95) * 1000, "ms", _pct(sql_wall, 95) * 1000,
                   base + " (p95)", "< 100 ms"),
           Measure("publish", f"ads search p50 CPU, {label}", _pct(cpu, 50) * 1000, "ms", _pct(sql_cpu, 50) * 1000,
                   base + " (p50)"),
           Measure("publish", f"ads search p95 CPU, {label}", _pct(cpu, 95) * 1000, "ms", _pct(sql_cpu, 95) * 1000,
                   base + " (p95)", "< 100 ms"),
           Measure("publish", f"ads search max wall, {label}", max(wall) * 1000, "ms", max(scan) * 1000,
                   "substring scan max (3 queries)"),
           Measure("publish", f"search: in-memory doc table + frequent postings load at start-up, {n:,} ads",
                   load[0], "s", load[1], "CPU seconds of the same load")]
    if common_only:
        idx = [cases.index(c) for c in common_only]
        out.append(Measure("publish", f"ads search p95 wall, {len(idx)} queries of common words only, {n:,} ads",
                           _pct([wall[i] for i in idx], 95) * 1000, "ms", _pct([cpu[i] for i in idx], 95) * 1000,
                           "CPU p95 of the same queries", "< 100 ms"))
    return out


def _timed_on_copy(src: Path, name: str, baseline_sql: str, work) -> tuple[object, tuple[float, float], tuple[float, float]]:
    """Run ``work(con)`` on a scratch copy of ``src`` (wall and CPU), after the baseline: ``CREATE TABLE
    _copy AS <baseline_sql>`` on the same copy. Returns (work's result, (wall, CPU), baseline (wall, CPU))."""
    import shutil

    from adequa.store.duckdb import Warehouse

    tmp = CACHE / f"{name}.duckdb"
    shutil.copyfile(src, tmp)
    try:
        with Warehouse(tmp) as wh:
            t0, c0 = time.perf_counter(), _cpu()
            wh.con.execute(f"CREATE TABLE _copy AS {baseline_sql}")
            base = (time.perf_counter() - t0, _cpu() - c0)
            wh.con.execute("DROP TABLE _copy")
            t0, c0 = time.perf_counter(), _cpu()
            out = work(wh.con)
            return out, (time.perf_counter() - t0, _cpu() - c0), base
    finally:
        for p in (tmp, Path(str(tmp) + ".wal")):
            if p.exists():
                p.unlink()


def index_build(src: Path, n: int) -> list[Measure]:
    """Search index full rebuild on a copy of the text warehouse (wall and CPU); baseline: copying the
    ads' texts into a new table (the floor of any pass over the text)."""
    from adequa.publish.search import update_index

    out, (wall, cpu), base = _timed_on_copy(src, f"index_build_{n}", "SELECT ad_id, title, description FROM ads",
                                            lambda con: update_index(con, force=True))
    label = f"search index full build, {n:,} ads, {out['terms']:,} postings"
    return [Measure("publish", f"{label} (wall)", wall, "s", base[0], "copy of the ads' texts (wall)"),
            Measure("publish", f"{label} (CPU)", cpu, "s", base[1], "copy of the ads' texts (CPU)")]


def rollup_build(src: Path, n: int) -> list[Measure]:
    """facts.build_rollups on a copy of the warehouse (wall and CPU); baseline: copying skill_mentions
    into a new table on the same copy."""
    from adequa.indicators import facts

    out, (wall, cpu), base = _timed_on_copy(src, f"rollups_{n}", "SELECT * FROM skill_mentions", facts.build_rollups)
    rows = sum(v for k, v in out.items() if k != "seconds")
    label = f"facts rollups build (facts.build_rollups), {n:,} ads, {rows:,} rows in {len(out) - 1} tables"
    return [Measure("publish", f"{label} (wall)", wall, "s", base[0], "copy of skill_mentions (wall)"),
            Measure("publish", f"{label} (CPU)", cpu, "s", base[1], "copy of skill_mentions (CPU)")]


PAGES = ["/", "/occupations", "/skills", "/territories", "/training", "/ads", "/sources"]


def cold_pages(db: Path, n: int, combos: int = 30) -> list[Measure]:
    """First visit of every dashboard page for ``combos`` filter combinations never asked before
    (group × territory at every level × period), in-process ASGI, after the server's start-up warm-up:
    p50 / p95 / max per page, wall and CPU. Baseline: the same URLs again (response cache), p50."""
    import itertools
    import random

    from starlette.testclient import TestClient

    from adequa.config import Settings
    from adequa.publish.api import create_app
    from adequa.publish.dashboard.views import warm

    app = create_app(db, settings=Settings(db=db), warm_up=False)
    warm(app.state.adequa)                   # as `adequa serve` does in the background at start-up
    groups = ["data-ia", "all", "rome:M1805", "rome:M1811,M1405"]
    terrs = ["france", "region:28", "region:11", "region:84", "departement:76", "departement:13", "departement:69",
             "bassin:2801", "bassin:7601", "bassin:1302"]
    periods = ["2024", "2023", "2024Q2", "2023Q4", ""]
    space = list(itertools.product(groups, terrs, periods))
    random.Random(3).shuffle(space)
    wall = {p: [] for p in PAGES}
    cpu = {p: [] for p in PAGES}
    again = []
    with TestClient(app) as c:
        for g, t, per in space[:combos]:
            qs = f"?group={g}&territory={t}&period={per}"
            for p in PAGES:
                t0, c0 = time.perf_counter(), _cpu()
                r = c.get(p + qs)
                wall[p].append(time.perf_counter() - t0)
                cpu[p].append(_cpu() - c0)
                if r.status_code >= 500:
                    raise RuntimeError(f"{p + qs}: {r.status_code}")
            for p in PAGES:                     # the same URLs again: answered from the response cache
                t0 = time.perf_counter()
                c.get(p + qs)
                again.append(time.perf_counter() - t0)
    app.state.adequa.close()
    base = _pct(again, 50) * 1000
    out = []
    label = f"{combos} new filter combinations, {n:,} ads"
    for p in PAGES:
        w, cp = wall[p], cpu[p]
        out.append(Measure("publish", f"dashboard {p} cold p50 wall, {label}", _pct(w, 50) * 1000, "ms", base,
                           "same URL again (p50)"))
        out.append(Measure("publish", f"dashboard {p} cold p95 wall, {label}", _pct(w, 95) * 1000, "ms", base,
                           "same URL again (p50)", "<= 300 ms"))
        out.append(Measure("publish", f"dashboard {p} cold max wall, {label}", max(w) * 1000, "ms",
                           max(cp) * 1000, "max CPU of the same requests", "<= 300 ms"))
        out.append(Measure("publish", f"dashboard {p} cold p95 CPU, {label}", _pct(cp, 95) * 1000, "ms",
                           _pct(cp, 50) * 1000, "p50 CPU"))
    return out


def run(quick: bool = False) -> list[Measure]:
    n = 100_000 if quick else 1_000_000
    base_n = 20_000
    measures: list[Measure] = []
    parts = set(os.environ.get("ADEQUA_BENCH_PUBLISH", "rollups,cold,search,index,load,study,serve").split(","))
    big = _warehouse(n)
    if "rollups" in parts:
        measures += rollup_build(big, n)
    if parts & {"cold", "search", "index"}:
        text = text_warehouse(big, n)           # as after `adequa serve --prepare`: facts, rollups, index
        if "cold" in parts:
            measures += cold_pages(text, n)
        if "search" in parts:
            measures += search_speed(text, n)
        if "index" in parts:
            measures += index_build(text, n)
    if "load" in parts:
        measures += load(big, n)
    if not parts & {"study", "serve"}:
        return measures
    small = _warehouse(base_n)
    with tempfile.TemporaryDirectory() as tmp:
        base = _study(small, Path(tmp) / "small")
        seconds = _study(big, Path(tmp) / "big")
    measures.append(Measure("publish", f"adequa study (HTML+PDF+data), {n:,} ads", seconds, "s", base,
                            f"{base_n:,} ads", "<= 120 s"))

    t_start = time.perf_counter()
    proc, url = start_server(big, "--period", "2024", timeout=120)
    try:
        import httpx

        up = time.perf_counter() - t_start
        while not httpx.get(url + "/api/v1/health", timeout=10).json().get("warm"):
            if time.perf_counter() - t_start > 600:
                raise RuntimeError("warm-up did not finish in 10 minutes")
            time.sleep(0.5)
        warm_s = time.perf_counter() - t_start
        measures.append(Measure("publish", f"adequa serve: start-up then warm-up of the default pages, {n:,} ads",
                                warm_s, "s", up, "start-up alone (health answers)"))
        # dashboard pages: first visit after the warm-up, then later visits
        pages = ["/", "/occupations", "/skills", "/territories", "/training", "/ads", "/sources"]
        import httpx

        cold, warm = {}, {}
        with httpx.Client(base_url=url, timeout=300) as c:
            for p in pages:
                t0 = time.perf_counter()
                c.get(p)
                cold[p] = time.perf_counter() - t0
            for p in pages:
                times = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    c.get(p)
                    times.append(time.perf_counter() - t0)
                warm[p] = statistics.median(times)
        for p in pages:
            measures.append(Measure("publish", f"dashboard {p}, {n:,} ads (warm, median of 3)", warm[p] * 1000, "ms",
                                    cold[p] * 1000, "first visit after warm-up", "<= 300 ms"))
        health = _latencies(url, ["/api/v1/health"], clients=8, rounds=25)
        api_paths = ["/api/v1/indicators/offers_count?period=2024", "/api/v1/indicators/offers_by_territory?period=2024",
                     "/api/v1/ads?q=python&per_page=20", "/api/v1/ads?per_page=20&page=3",
                     "/api/v1/skills?limit=20", "/api/v1/occupations", "/api/v1/ads?skill=Python&per_page=20"]
        lat = _latencies(url, api_paths, clients=8, rounds=25)
        measures.append(Measure("publish", f"API p50, 8 clients, 7 endpoints repeated (cached), {n:,} ads",
                                _pct(lat, 50) * 1000, "ms", _pct(health, 50) * 1000, "/api/v1/health p50"))
        measures.append(Measure("publish", f"API p99, 8 clients, 7 endpoints repeated (cached), {n:,} ads",
                                _pct(lat, 99) * 1000, "ms", _pct(health, 99) * 1000, "/api/v1/health p99"))
        # every request different: no cache can help (départements × indicators, ad pages)
        from adequa.indicators.territories import departements

        deps = sorted(departements())
        cold_paths = [f"/api/v1/indicators/{name}?territory=departement:{d}&period=2024"
                      for d in deps for name in ("offers_count", "offers_by_domain")]
        cold_paths += [f"/api/v1/skills?territory=departement:{d}&period=2024&limit=20" for d in deps]
        cold_paths += [f"/api/v1/ads?per_page=20&page={p}" for p in range(2, 2 + len(deps))]
        import random

        random.Random(1).shuffle(cold_paths)
        rounds = max(1, min(len(cold_paths) // 4, 40))
        cold_lat = _latencies(url, [p for p in cold_paths][: 4 * rounds], clients=4, rounds=rounds)
        measures.append(Measure("publish", f"API p50, 4 clients, all-distinct queries (uncached), {n:,} ads",
                                _pct(cold_lat, 50) * 1000, "ms", _pct(health, 50) * 1000, "/api/v1/health p50"))
        measures.append(Measure("publish", f"API p99, 4 clients, all-distinct queries (uncached), {n:,} ads",
                                _pct(cold_lat, 99) * 1000, "ms", _pct(health, 99) * 1000, "/api/v1/health p99"))
        words = ["python", "sql", "data", "cloud", "analyse", "projet", "client", "equipe", "java", "excel"]
        search = _latencies(url, [f"/api/v1/ads?q={w}%20{i}&per_page=20&territory=france&group=all"
                                  for i in range(3) for w in words], clients=4, rounds=5)
        measures.append(Measure("publish", f"API full-text ad search p50, 4 clients, distinct queries, all {n:,} ads",
                                _pct(search, 50) * 1000, "ms", _pct(health, 50) * 1000, "/api/v1/health p50"))
    finally:
        proc.terminate()
        proc.wait(20)
    return measures


if __name__ == "__main__":
    from bench._harness import print_table

    print_table(run(quick="--quick" in sys.argv))
