"""How long `bpstep --help` and `bpstep run` take to start, as ratios to a bare Python start.

Run from the repository root:  python benchmarks/bench_startup.py  [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(args: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(args, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    repeats = parser.parse_args().repeats
    bare = median_seconds([sys.executable, "-c", "pass"], repeats)
    cases = {
        "bpstep --help": [sys.executable, "-m", "bpstep", "--help"],
        "bpstep run gfg_sigmoid.yaml": [sys.executable, "-m", "bpstep", "run",
                                        "scenarios/gfg_sigmoid.yaml"],
        "bpstep run gfg_sigmoid.yaml --json": [sys.executable, "-m", "bpstep", "run",
                                               "scenarios/gfg_sigmoid.yaml", "--json"],
    }
    print(f"bare python start: {bare * 1000:.0f} ms (median of {repeats})")
    for name, args in cases.items():
        seconds = median_seconds(args, repeats)
        print(f"{name:38s} {seconds * 1000:6.0f} ms   ratio to bare python {seconds / bare:5.1f}")


if __name__ == "__main__":
    main()
