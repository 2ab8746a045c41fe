"""Publishing on a large warehouse: study generation time, API latency under load, dashboard page times.

    python -m bench publish            # 1M synthetic ads (goal: study <= 120 s; pages <= 300 ms)
    python -m bench publish --quick    # 100k ads

Measured in the same run, as baselines: the study on a 20k-ad warehouse (so the
ratio shows how generation scales with the data), and ``/api/v1/health`` (no
database work) for the API latencies.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench._harness import Measure

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


def _study(db: Path, out: Path) -> float:
    """Seconds for `adequa study` (HTML, data, figures, PDF) in a child process."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "adequa", "study", "--db", str(db), "--out", str(out),
                           "--group", "data-ia", "--territory", "region:28", "--period", "2024"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return time.perf_counter() - t0


def _serve(db: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "adequa", "serve", "--db", str(db), "--port", str(port),
                             "--no-annotate", "--period", "2024"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import httpx

    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(url + "/api/v1/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("adequa serve did not start")


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


def run(quick: bool = False) -> list[Measure]:
    n = 100_000 if quick else 1_000_000
    base_n = 20_000
    measures: list[Measure] = []
    big, small = _warehouse(n), _warehouse(base_n)
    with tempfile.TemporaryDirectory() as tmp:
        base = _study(small, Path(tmp) / "small")
        seconds = _study(big, Path(tmp) / "big")
    measures.append(Measure("publish", f"adequa study (HTML+PDF+data), {n:,} ads", seconds, "s", base,
                            f"{base_n:,} ads", "<= 120 s"))

    t_start = time.perf_counter()
    proc, url = _serve(big)
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
