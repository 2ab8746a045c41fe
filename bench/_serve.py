"""`adequa serve` started as a real server on a free loopback port, for the HTTP benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, *args: str, warm_checks: int = 0, timeout: float = 180) -> tuple[subprocess.Popen, str]:
    """Start ``adequa serve --db DB --no-annotate ARGS`` and wait until /api/v1/health answers; with
    ``warm_checks``, also until that many health answers in a row say every worker finished its warm-up
    (so that no measure includes a worker's start-up). Returns the process and its base URL."""
    import httpx

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "adequa", "serve", "--db", str(db), "--port", str(port),
                             "--no-annotate", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    warm, up = 0, False
    while not up or warm < warm_checks:
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"adequa serve did not {'warm up' if up else 'start'} (exit code {proc.poll()})")
        try:
            health = httpx.get(url + "/api/v1/health", timeout=30)
            up = health.status_code == 200
            warm = warm + 1 if up and health.json().get("warm") else 0
        except httpx.HTTPError:
            warm = 0
        time.sleep(0.05 if warm else 0.3)
    return proc, url
