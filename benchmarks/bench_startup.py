"""How long `bpstep --help` and `bpstep run` take to start, as ratios to a bare Python start and
to the typer floor: a hello-world typer app that loads the same libraries (typer, rich's table,
numpy, yaml), what any CLI built on them pays. The aim is a plain run within 1.15× the floor.
Each round runs every case once, and a ratio is the median of the rounds' ratios, so that load
from other work on a shared machine falls on the floor and on bpstep alike.

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


def cpu_seconds(args: list[str]) -> float:
    """CPU time (user + system) of one run: not wall-clock time, so that other work on a shared
    machine counts less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, cwd=ROOT, capture_output=True, check=True, env=ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    repeats = parser.parse_args().repeats
    cases = {
        "bare": [sys.executable, "-c", "pass"],
        "floor": [sys.executable, "-c", FLOOR],
        "bpstep --help": [sys.executable, "-m", "bpstep", "--help"],
        "bpstep run gfg_sigmoid.yaml": [sys.executable, "-m", "bpstep", "run",
                                        "scenarios/gfg_sigmoid.yaml"],
        "bpstep run gfg_sigmoid.yaml --json": [sys.executable, "-m", "bpstep", "run",
                                               "scenarios/gfg_sigmoid.yaml", "--json"],
    }
    for args in cases.values():  # one run each that writes the bytecode
        subprocess.run(args, cwd=ROOT, capture_output=True, check=True, env=ENV)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):  # rounds: a burst of load on the shared machine falls on every case
        for name, args in cases.items():
            times[name].append(cpu_seconds(args))
    bare, floor = statistics.median(times["bare"]), statistics.median(times["floor"])
    print(f"bare python start: {bare * 1000:.0f} ms, typer floor: {floor * 1000:.0f} ms "
          f"(medians of {repeats} rounds)")
    for name in list(cases)[2:]:
        seconds = statistics.median(times[name])
        ratios = sorted(t / f for t, f in zip(times[name], times["floor"], strict=True))
        print(f"{name:38s} {seconds * 1000:6.0f} ms   ratio to bare python {seconds / bare:5.1f}"
              f"   to the typer floor {statistics.median(ratios):5.2f} (rounds: "
              f"{ratios[len(ratios) // 4]:.2f}-{ratios[-1 - len(ratios) // 4]:.2f} mid half)")


if __name__ == "__main__":
    main()
