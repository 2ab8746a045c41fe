"""`adequa annotate`'s start-up with warm caches: what it leaves out, and that the cold path still builds
then reuses every cache."""

import json
import os
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "skills"
# (pydantic, which Settings use, imports importlib.metadata: not in this list)
LEFT_OUT = ("typer", "click", "rich", "yaml", "multiprocessing")


def test_a_warm_start_imports_none_of_the_cold_paths_modules(tmp_path):
    ads = tmp_path / "ads.jsonl"
    ads.write_text('{"id": "a", "title": "Magasinier", "description": "Missions : préparation des commandes"}\n',
                   encoding="utf-8")
    env = {**os.environ, "ADEQUA_MIRROR": str(FIXTURE / "mirror"), "ADEQUA_DATA_DIR": str(tmp_path / "absent"),
           "ADEQUA_CACHE_DIR": str(tmp_path / "cache")}
    code = ("import sys\nfrom adequa.cli import main\n"
            f"sys.argv = ['adequa', 'annotate', '-i', {str(ads)!r}, '-o', sys.argv[1], '-q', '--workers', '1']\n"
            "try:\n    main()\nfinally:\n"
            f"    print(sorted(m for m in {LEFT_OUT!r} if m in sys.modules))\n")
    outs = []
    for run in ("cold", "warm"):
        out = tmp_path / f"{run}.jsonl"
        proc = subprocess.run([sys.executable, "-c", code, str(out)], env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
        outs.append((out.read_bytes(), json.loads(proc.stdout.strip().replace("'", '"'))))
    (cold, cold_modules), (warm, warm_modules) = outs
    assert cold == warm and json.loads(warm)["skills"]
    assert warm_modules == [], warm_modules
    cache = tmp_path / "cache"
    assert list(cache.glob("skills-fr-*.pickle")) and list(cache.glob("domains/domains-*.pickle"))
    assert list(cache.glob("occupations/*/state-*.pickle")) and list(cache.glob("lemmas-*.pickle"))


def test_the_command_runs_on_one_blas_thread(tmp_path):
    # in a fresh process (as the command runs), where nothing imported NumPy before the stream's limit
    ads = tmp_path / "ads.jsonl"
    ads.write_text('{"id": "a", "description": "Missions : préparation des commandes"}\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env.update(ADEQUA_MIRROR=str(FIXTURE / "mirror"), ADEQUA_DATA_DIR=str(tmp_path / "absent"),
               ADEQUA_CACHE_DIR=str(tmp_path / "cache"))
    code = ("import json, sys, threadpoolctl\nfrom adequa.pipeline import annotate as A\nseen = []\norig = A._annotate_chunk\n"
            "def spy(chunk):\n"
            "    seen.append([l['num_threads'] for l in threadpoolctl.threadpool_info() if l['user_api'] == 'blas'])\n"
            "    return orig(chunk)\n"
            "A._annotate_chunk = spy\nfrom adequa.cli import main\n"
            f"sys.argv = ['adequa', 'annotate', '-i', {str(ads)!r}, '-o', {str(tmp_path / 'o.jsonl')!r}, '-q']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "after = [l['num_threads'] for l in threadpoolctl.threadpool_info() if l['user_api'] == 'blas']\n"
            "print(json.dumps({'seen': seen, 'after': after}))\n")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    seen, after = got["seen"], got["after"]
    if not after or max(after) == 1:
        import pytest

        pytest.skip("OpenBLAS runs one thread here anyway (one core, or a limit from outside)")
    assert seen and all(threads == [1] * len(after) for threads in seen), (seen, after)
