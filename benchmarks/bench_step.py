"""Time one ``bpstep run`` step of a big network against a bare numpy script doing the same step.

Run from the repository root:  python benchmarks/bench_step.py  [--repeats 5]

Two networks, one sample each, weights written out in the scenario file as a user would have them:
784-128-10 (sigmoid hidden, softmax output, cross-entropy) and 400-400-1 (tanh hidden, sigmoid
output, half squared error). Each command runs in its own process, so start-up counts on both
sides: the baseline is a plain script that reads the same YAML file (PyYAML's C loader), runs the
forward pass, the backward pass and the update with numpy, and prints the new weights' sum.
Each repeat runs the baseline, then the tables, then --json, so the ratios are measured side by
side. Printed: wall and CPU seconds (median of the repeats), peak RSS, output size, and the ratio
to the baseline (median of the paired ratios; CPU's is the steadier on a busy machine).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

BASELINE = """
import sys
import numpy as np
import yaml
data = yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)
acts = {"sigmoid": lambda a: 1 / (1 + np.exp(-a)), "tanh": np.tanh,
        "softmax": lambda a: np.exp(a - a.max()) / np.exp(a - a.max()).sum()}
ws = [np.array(w) for w in data["weights"]]
bs = [np.array(b) for b in data["biases"]]
layers = [layer.get("activation") for layer in data["layers"][1:]]
x, t = np.array(data["inputs"], dtype=float), np.array(data["targets"], dtype=float)
ys = [x]
for w, b, act in zip(ws, bs, layers):
    ys.append(acts[act](ys[-1] @ w + b))
grad = ys[-1] - t
if layers[-1] == "sigmoid":
    grad = grad * ys[-1] * (1 - ys[-1])
news = []
for k in range(len(ws) - 1, -1, -1):
    news.append(ws[k] - data["learning_rate"] * np.outer(ys[k], grad))
    if k:
        back = grad @ ws[k].T
        grad = back * (ys[k] * (1 - ys[k]) if layers[k - 1] == "sigmoid" else 1 - ys[k] ** 2)
print(sum(float(w.sum()) for w in news))
"""

def network(sizes: tuple[int, ...], hidden: str, output: str, loss: str, seed: int) -> dict:
    """A scenario dict with drawn weights written out, one sample, one-hot or single target."""
    rng = np.random.default_rng(seed)
    names = [[f"x{i}" for i in range(1, sizes[0] + 1)]]
    names += [[f"h{i}" for i in range(1, n + 1)] for n in sizes[1:-1]]
    names += [[f"o{i}" for i in range(1, sizes[-1] + 1)]]
    weights = [(rng.standard_normal((a, b)) * np.sqrt(1 / a)).round(4).tolist()
               for a, b in itertools.pairwise(sizes)]
    target = np.eye(sizes[-1])[0] if output == "softmax" else np.array([0.9])
    layers = [{"units": names[0]}] + [
        {"units": n, "activation": output if k == len(names) - 1 else hidden}
        for k, n in enumerate(names[1:], start=1)]
    return {"title": "-".join(map(str, sizes)), "learning_rate": 0.5, "loss": loss,
            "layers": layers, "weights": weights, "biases": [[0.0] * n for n in sizes[1:]],
            "inputs": rng.random(sizes[0]).round(3).tolist(), "targets": target.tolist()}


GOALS = {"tables": 1.5, "--json": 2.5}
"""Ratio to the bare numpy script each output should stay within (issue 28)."""


@dataclass
class Runs:
    """Wall and CPU seconds of each run of one command, its peak RSS and output size."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_kb: int = 0
    size: int = 0


def run_once(command: list[str], runs: Runs) -> None:
    """One run in its own process; CPU time and peak RSS from GNU time when it is there."""
    timer = ["/usr/bin/time", "-f", "%U %S %M"] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    done = subprocess.run([*timer, *command], capture_output=True, check=True)
    runs.wall.append(time.perf_counter() - start)
    runs.size = len(done.stdout)
    if timer:
        user, system, peak = done.stderr.decode().strip().splitlines()[-1].split()
        runs.cpu.append(float(user) + float(system))
        runs.peak_kb = max(runs.peak_kb, int(peak))


def ratio(runs: Runs, base: Runs, of: str) -> float:
    """Median of the paired ratios: run i of the command over run i of the baseline, which ran
    right before it, so a busy machine slows both alike."""
    mine, theirs = getattr(runs, of), getattr(base, of)
    return statistics.median(a / b for a, b in zip(mine, theirs, strict=True)) if mine else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    cases = [((784, 128, 10), "sigmoid", "softmax", "cross_entropy"),
             ((400, 400, 1), "tanh", "sigmoid", "half_sse")]
    outputs = {"tables": [], "--json": ["--json"]}
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "baseline.py"
        script.write_text(BASELINE)
        for sizes, hidden, output, loss in cases:
            path = Path(folder) / "net.yaml"
            path.write_text(yaml.safe_dump(network(sizes, hidden, output, loss, seed=1),
                                           default_flow_style=None, width=200, sort_keys=False))
            base, mine = Runs(), {name: Runs() for name in outputs}
            for _ in range(repeats):  # side by side: each repeat runs all three in turn
                run_once([sys.executable, str(script), str(path)], base)
                for name, extra in outputs.items():
                    run_once([sys.executable, "-m", "bpstep", "run", str(path), *extra], mine[name])
            print(f"\n{'-'.join(map(str, sizes))} {hidden}/{output}, {loss}, one sample "
                  f"({path.stat().st_size / 1e6:.1f} MB scenario), median of {repeats} runs")
            print(f"  bare numpy script   {statistics.median(base.wall):6.2f} s  "
                  f"cpu {statistics.median(base.cpu) if base.cpu else float('nan'):5.2f} s  "
                  f"peak {base.peak_kb / 1000:5.0f} MB")
            for name, runs in mine.items():
                print(f"  bpstep run {name:8} {statistics.median(runs.wall):6.2f} s  "
                      f"cpu {statistics.median(runs.cpu) if runs.cpu else float('nan'):5.2f} s  "
                      f"peak {runs.peak_kb / 1000:5.0f} MB  output {runs.size / 1e6:5.1f} MB  "
                      f"ratio {ratio(runs, base, 'wall'):4.2f} (cpu {ratio(runs, base, 'cpu'):4.2f}, "
                      f"goal {GOALS[name]})")
        start = Runs()
        for _ in range(repeats):
            run_once([sys.executable, "-m", "bpstep", "--version"], start)
        print(f"\nstart-up (bpstep --version): {statistics.median(start.wall):.2f} s")


if __name__ == "__main__":
    main()
