"""How long `bpstep --help` and `bpstep run` take to start, as ratios to a bare Python start and
to the typer floor: a hello-world typer app that loads the same libraries (typer, rich's table,
numpy, yaml), what any CLI built on them pays. The aim is a plain run within 1.15× the floor.

Run from the repository root:  python benchmarks/bench_startup.py  [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = """
import numpy, typer, yaml
from rich.console import Console
from rich.table import Table

def hello(name: str = "world") -> None:
    table = Table("hello")
    table.add_row(name)
    Console().print(table)

typer.run(hello)
"""
"""The typer floor: a hello-world app with bpstep's libraries, printing one table."""


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Bytecode written and used, as on a user's machine: without it every bpstep module is compiled
from source on each start (the installed libraries have theirs), which the floor does not pay."""


def median_seconds(args: list[str], repeats: int) -> float:
    """Median CPU time (user + system) of a run, after one run that writes the bytecode. CPU time,
    not wall-clock time, so that other work on a shared machine does not count."""
    subprocess.run(args, cwd=ROOT, capture_output=True, check=True, env=ENV)
    times = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(args, cwd=ROOT, capture_output=True, check=True, env=ENV)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
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
    floor = median_seconds([sys.executable, "-c", FLOOR], repeats)
    print(f"bare python start: {bare * 1000:.0f} ms, typer floor: {floor * 1000:.0f} ms "
          f"(medians of {repeats})")
    for name, args in cases.items():
        seconds = median_seconds(args, repeats)
        print(f"{name:38s} {seconds * 1000:6.0f} ms   ratio to bare python {seconds / bare:5.1f}"
              f"   to the typer floor {seconds / floor:5.2f}")


if __name__ == "__main__":
    main()
