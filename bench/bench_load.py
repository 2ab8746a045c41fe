"""Load test on loopback: `adequa serve` on a synthetic warehouse of 1M ads, wrk bounded in time.

Four request mixes, each for ``seconds`` with wrk (a separate process, 16
connections): ``/api/v1/health`` (the baseline: the server's own ceiling, same
run), indicator queries (goal >= 500 req/s, p99 < 100 ms), the main API calls
(ads search pages, skills, occupations, sources, one ad) and the dashboard pages.
Every answer must be 2xx: error responses under load fail the bench.

    python -m bench load            # 1M ads, 15 s per mix
    python -m bench load --quick    # 20k ads, 5 s per mix
"""

from __future__ import annotations

import os

from bench._harness import Measure
from bench._serve import start_server
from bench.bench_publish import _warehouse, _wrk


def _mixes(url: str) -> dict[str, list[str]]:
    import httpx

    from adequa.indicators.territories import departements

    deps = sorted(d for d, (_, r) in departements().items() if r in ("28", "11", "84"))[:8]
    indicators = [f"/api/v1/indicators/{name}?territory=departement:{d}&period=2024"
                  for d in deps for name in ("offers_count", "offers_by_territory", "offers_contract_mix")]
    indicators += [f"/api/v1/indicators/offers_count?territory=region:{r}&period={p}"
                   for r in ("28", "11", "84") for p in ("2023", "2024", "2024Q1")]
    ads = httpx.get(url + "/api/v1/ads?territory=region:28&period=2024&per_page=5", timeout=300).json()["items"]
    api = [f"/api/v1/ads?territory=region:28&period=2024&page={p}" for p in (1, 2, 3)]
    api += [f"/api/v1/skills?territory={t}&period=2024" for t in ("region:28", "departement:76")]
    api += [f"/api/v1/occupations?territory={t}&period=2024" for t in ("region:28", "departement:76")]
    api += ["/api/v1/sources", "/api/v1/indicators", "/api/v1/groups"] + [f"/api/v1/ads/{a['ad_id']}" for a in ads[:3]]
    pages = [f"{p}?territory=region:28&period=2024" for p in ("/", "/occupations", "/skills", "/territories",
                                                              "/ads", "/sources")]
    return {"health": ["/api/v1/health"], "indicator queries": indicators, "main API calls": api,
            "dashboard pages": pages}


def run(quick: bool = False, *, soak: bool = False) -> list[Measure]:
    import httpx

    n = 20_000 if quick else 1_000_000
    seconds = 5 if quick else int(os.environ.get("ADEQUA_LOAD_SECONDS", "15"))
    processes = int(os.environ.get("ADEQUA_LOAD_PROCESSES", "2"))
    db = _warehouse(n)
    proc, url = start_server(db, "--processes", str(processes), warm_checks=10, timeout=900)
    out: list[Measure] = []
    try:
        mixes = _mixes(url)
        with httpx.Client(base_url=url, timeout=600) as c:      # each worker computes each answer once first
            for paths in mixes.values():
                for _ in range(processes + 1):
                    for p in paths:
                        r = c.get(p, headers={"accept": "text/html"} if not p.startswith("/api") else None)
                        if r.status_code != 200:
                            raise RuntimeError(f"{p}: {r.status_code} {r.text[:200]}")
        results = {name: _wrk(url, paths, seconds=seconds, connections=16) for name, paths in mixes.items()
                   if name != "health"}
        # the baseline after the mixes as well as before: the better of the two (a cold first run is no baseline)
        bases = [_wrk(url, mixes["health"], seconds=seconds, connections=16) for _ in range(2)]
        base = max(bases, key=lambda b: b["rps"])
        for name, res in results.items():
            if res["non2xx"]:
                raise RuntimeError(f"{name}: {res['non2xx']} error responses under load")
            label = f"{name} ({len(mixes[name])} URLs), wrk 16 conn. {seconds} s, {processes} processes, {n:,} ads"
            goal_rps, goal_p99 = (">= 500 req/s", "< 100 ms") if name == "indicator queries" else (None, None)
            out.append(Measure("load", f"throughput, {label}", res["rps"], "req/s", base["rps"],
                               "/api/v1/health, same load", goal_rps))
            out.append(Measure("load", f"p50, {label}", res["p50"], "ms", base["p50"], "/api/v1/health p50"))
            out.append(Measure("load", f"p99, {label}", res["p99"], "ms", base["p99"], "/api/v1/health p99", goal_p99))
    finally:
        proc.terminate()
        proc.wait(30)
    return out
