"""Time one ``bpstep run`` step of a big network against a bare numpy script doing the same step.

Run from the repository root:  python benchmarks/bench_step.py  [--repeats 3]

Two networks, one sample each, weights written out in the scenario file as a user would have them:
784-128-10 (sigmoid hidden, softmax output, cross-entropy) and 400-400-1 (tanh hidden, sigmoid
output, half squared error). Each command runs in its own process, so start-up counts on both
sides: the baseline is a plain script that reads the same YAML file (PyYAML's C loader), runs the
forward pass, the backward pass and the update with numpy, and prints the new weights' sum.
Printed: seconds (median of the repeats), peak RSS, output size, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
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


def measure(command: list[str], repeats: int) -> tuple[float, int, int]:
    """Median wall time, peak RSS (kB, from GNU time's %M when present) and output bytes."""
    times, peak, size = [], 0, 0
    timer = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run([*timer, *command], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
        size = len(done.stdout)
        if timer:
            peak = max(peak, int(done.stderr.decode().strip().splitlines()[-1]))
    return statistics.median(times), peak, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    cases = [((784, 128, 10), "sigmoid", "softmax", "cross_entropy"),
             ((400, 400, 1), "tanh", "sigmoid", "half_sse")]
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "baseline.py"
        script.write_text(BASELINE)
        for sizes, hidden, output, loss in cases:
            path = Path(folder) / "net.yaml"
            path.write_text(yaml.safe_dump(network(sizes, hidden, output, loss, seed=1),
                                           default_flow_style=None, width=200, sort_keys=False))
            base, base_peak, _ = measure([sys.executable, str(script), str(path)], repeats)
            print(f"\n{'-'.join(map(str, sizes))} {hidden}/{output}, {loss}, one sample "
                  f"({path.stat().st_size / 1e6:.1f} MB scenario)")
            print(f"  bare numpy script        {base:6.2f} s  peak {base_peak / 1000:6.0f} MB")
            for extra in ([], ["--json"]):
                seconds, peak, size = measure([sys.executable, "-m", "bpstep", "run", str(path), *extra],
                                              repeats)
                print(f"  bpstep run {' '.join(extra) or '(tables)':12} {seconds:6.2f} s  peak "
                      f"{peak / 1000:6.0f} MB  output {size / 1e6:6.1f} MB  ratio {seconds / base:5.1f}")
        start, _, _ = measure([sys.executable, "-m", "bpstep", "--version"], repeats)
        print(f"\nstart-up (bpstep --version): {start:.2f} s")


if __name__ == "__main__":
    main()
