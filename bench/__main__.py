"""`python -m bench [NAME ...] [--quick]`: run the benchmarks and print the ratios table.

Each bench/bench_<name>.py defines ``run(quick: bool) -> list[Measure]``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import traceback

from bench._harness import print_table, save


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    parser.add_argument("--soak", action="store_true", help="heavier reliability variants (make soak)")
    args = parser.parse_args()
    import bench

    available = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    names = args.names or available
    if args.soak:
        names = [n for n in available if n.startswith("soak")] or names
    elif not args.names:
        names = [n for n in names if not n.startswith("soak")]
    every = []
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        try:
            measures = module.run(quick=args.quick)
        except Exception:
            traceback.print_exc()
            continue
        save(measures, name)
        every.extend(measures)
        print_table(measures)
    print_table(every)


if __name__ == "__main__":
    main()
