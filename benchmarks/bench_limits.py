"""Time and peak memory of the largest network each export accepts, and of refusing a larger one.

Run from the repository root:  python benchmarks/bench_limits.py  [--quick]

Pictures (``diagram``, ``export -f html``) draw at most MAX_DRAWN units per layer: 10-64-10 is
the largest they take. A quiz (moodle, gift, qti) asks at most MAX_ASKED values: 1-32-1 asks
295, every value of it. Tables (``run``, ``export -f markdown/latex``) have no such limit; they
are timed on 784-128-10 and 10-3000-10 (the network whose slides once took 27 s and 1.4 GB).
Each command runs in its own process; peak memory is that process's maximum resident size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bpstep.export.publish import MAX_ASKED
from bpstep.export.svg_diagram import MAX_DRAWN


def network(sizes: tuple[int, ...]) -> str:
    """A sigmoid network of these layer sizes, weights drawn by the scenario's ``init``."""
    names = [[f"x{i}" for i in range(sizes[0])]]
    names += [[f"h{k}_{i}" for i in range(n)] for k, n in enumerate(sizes[1:-1], start=1)]
    names += [[f"o{i}" for i in range(sizes[-1])]]
    layers = [f"  - units: [{', '.join(names[0])}]"]
    layers += [f"  - units: [{', '.join(n)}]\n    activation: sigmoid" for n in names[1:]]
    return (f"title: {'-'.join(map(str, sizes))}\nlearning_rate: 0.1\n"
            "init: {kind: xavier, seed: 0}\nlayers:\n" + "\n".join(layers)
            + f"\ninputs: [{', '.join(['0.5'] * sizes[0])}]\n"
            f"targets: [{', '.join(['0.5'] * sizes[-1])}]\n")


def measure(args: list[str]) -> tuple[float, float, int]:
    """Wall time (s), peak resident memory (MB) and exit code of ``bpstep ARGS``."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "bpstep", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Leave out 784-128-10 and 10-3000-10.")
    quick = parser.parse_args().quick
    drawn, quiz = (10, MAX_DRAWN, 10), (1, 32, 1)
    cases: list[tuple[tuple[int, ...], list[str]]] = [
        (drawn, ["diagram", "{net}", "-o", "{out}.svg"]),
        (drawn, ["export", "{net}", "-f", "html", "-o", "{out}.html"]),
        *((quiz, ["export", "{net}", "-f", form, "-o", f"{{out}}.{form}"])
          for form in ("moodle", "gift", "qti")),
        ((10, 3000, 10), ["export", "{net}", "-f", "html", "-o", "{out}.html"]),
        ((10, 3000, 10), ["export", "{net}", "-f", "moodle", "-o", "{out}.xml"]),
    ]
    if not quick:
        cases += [(sizes, command) for sizes in ((784, 128, 10), (10, 3000, 10))
                  for command in (["run", "{net}", "--json"],
                                  ["export", "{net}", "-f", "markdown", "-o", "{out}.md"],
                                  ["export", "{net}", "-f", "latex", "-o", "{out}.tex"])]
    print(f"limits: {MAX_DRAWN} units per layer drawn, {MAX_ASKED} values per quiz question")
    with tempfile.TemporaryDirectory() as folder:
        for sizes, command in cases:
            name = "-".join(map(str, sizes))
            net = Path(folder) / f"{name}.yaml"
            net.write_text(network(sizes))
            out = Path(folder) / f"out-{len(list(Path(folder).iterdir()))}"
            seconds, peak, code = measure([a.format(net=net, out=out) for a in command])
            shown = " ".join(a for a in command if not a.startswith("{"))
            verdict = {0: "written", 1: "written", 2: "refused"}.get(code, f"exit {code}")
            print(f"{name:12} {shown:28} {seconds:7.2f} s  peak {peak:7.0f} MB  {verdict}")


if __name__ == "__main__":
    main()
