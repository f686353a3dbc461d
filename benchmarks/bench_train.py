"""Time ``bpstep train`` against a plain numpy loop, and a 784-128-10 network at scale.

Run from the repository root:  python benchmarks/bench_train.py  [--repeats 5] [--skip-scale]

1. XOR (scenarios/xor_sigmoid.yaml: 2-4-1 sigmoid, trained zero biases, lr 0.1, 10,000 batch
   epochs, summed gradient). The plain loop below is written from that description alone:
   delta at the output (t − y)·y(1 − y), hidden deltas through the old output weights, then
   W += lr · yᵀ·delta and b += lr · Σ delta. Both start from the same drawn weights; runs
   alternate, the medians are compared, and the trained weights must agree to 1e-9.
2. Scale: 784-128-10 (sigmoid hidden, softmax output, cross-entropy, mean) on 1,000 random
   samples for 10 epochs, in-process, with peak traced memory; and one ``bpstep run`` step of
   that network on one sample in a subprocess (scenario drawn with ``init``), with its peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bpstep.scenario import Scenario, check, load  # noqa: E402
from bpstep.train import train  # noqa: E402


def plain_xor(w1: np.ndarray, w2: np.ndarray, x: np.ndarray, t: np.ndarray, epochs: int,
              lr: float) -> list[np.ndarray]:
    """The articles' trainer from its description: batch, summed gradient, zero biases trained."""
    w1, w2 = w1.copy(), w2.copy()
    b1, b2 = np.zeros((1, w1.shape[1])), np.zeros((1, w2.shape[1]))
    for _ in range(epochs):
        hidden = 1.0 / (1.0 + np.exp(-(x @ w1 + b1)))
        out = 1.0 / (1.0 + np.exp(-(hidden @ w2 + b2)))
        out_delta = (t - out) * (out * (1.0 - out))
        hidden_delta = (out_delta @ w2.T) * (hidden * (1.0 - hidden))
        w2 += lr * (hidden.T @ out_delta)
        b2 += lr * out_delta.sum(axis=0)
        w1 += lr * (x.T @ hidden_delta)
        b1 += lr * hidden_delta.sum(axis=0)
    return [w1, b1.ravel(), w2, b2.ravel()]


def plain_softmax(w1: np.ndarray, w2: np.ndarray, x: np.ndarray, t: np.ndarray, epochs: int,
                  lr: float) -> list[np.ndarray]:
    """Sigmoid hidden layer, softmax output, cross-entropy averaged over the batch."""
    w1, w2 = w1.copy(), w2.copy()
    b1, b2 = np.zeros(w1.shape[1]), np.zeros(w2.shape[1])
    n = len(x)
    for _ in range(epochs):
        hidden = 1.0 / (1.0 + np.exp(-(x @ w1 + b1)))
        z = hidden @ w2 + b2
        e = np.exp(z - z.max(axis=1, keepdims=True))
        out = e / e.sum(axis=1, keepdims=True)
        out_grad = out - t
        hidden_grad = (out_grad @ w2.T) * hidden * (1.0 - hidden)
        w2 -= lr / n * (hidden.T @ out_grad)
        b2 -= lr / n * out_grad.sum(axis=0)
        w1 -= lr / n * (x.T @ hidden_grad)
        b1 -= lr / n * hidden_grad.sum(axis=0)
    return [w1, b1, w2, b2]


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def bench_xor(repeats: int) -> None:
    scenario = load(ROOT / "scenarios" / "xor_sigmoid.yaml")
    epochs = scenario.epochs or 10_000
    w1, w2 = (np.array(w) for w in scenario.weights)
    x, t = np.array(scenario.inputs), np.array(scenario.targets)
    plain_times, bpstep_times = [], []
    for _ in range(repeats):
        seconds, reference = timed(plain_xor, w1, w2, x, t, epochs, scenario.learning_rate)
        plain_times.append(seconds)
        seconds, result = timed(train, scenario, epochs)
        bpstep_times.append(seconds)
    got = [result.params.weights[0], result.params.biases[0], result.params.weights[1],
           result.params.biases[1]]
    gap = max(float(np.max(np.abs(g - r))) for g, r in zip(got, reference, strict=True))
    plain, ours = statistics.median(plain_times), statistics.median(bpstep_times)
    print(f"XOR 2-4-1 sigmoid, {epochs} batch epochs, {repeats} alternating runs (median)")
    print(f"  plain numpy loop   {plain * 1000:8.1f} ms")
    print(f"  bpstep train       {ours * 1000:8.1f} ms")
    print(f"  ratio bpstep/plain {ours / plain:8.2f}   (goal ≤ 1.0)")
    print(f"  largest weight difference {gap:.3g}   (must be ≤ 1e-9: {'ok' if gap <= 1e-9 else 'FAIL'})")
    if gap > 1e-9:
        raise SystemExit(1)


def wide_scenario(samples: int, seed: int = 0) -> dict:
    """784-128-10 sigmoid/softmax network with cross-entropy, random inputs, one-hot targets."""
    rng = np.random.default_rng(seed)
    x = rng.random((samples, 784)).round(3)
    labels = rng.integers(0, 10, samples)
    t = np.eye(10)[labels]
    return {
        "title": "784-128-10 softmax, random data",
        "learning_rate": 0.5, "loss": "cross_entropy", "reduction": "mean",
        "init": {"kind": "xavier", "seed": seed},
        "layers": [{"units": [f"x{i}" for i in range(1, 785)]},
                   {"units": [f"h{i}" for i in range(1, 129)], "activation": "sigmoid"},
                   {"units": [f"o{i}" for i in range(10)], "activation": "softmax"}],
        "biases": [[0] * 128, [0] * 10],
        "inputs": x.tolist(), "targets": t.tolist(),
    }


def bench_scale() -> None:
    seconds, scenario = timed(check, wide_scenario(1000))
    print(f"\n784-128-10 softmax + cross_entropy, 1,000 random samples ({seconds:.2f} s to check "
          "the scenario)")
    assert isinstance(scenario, Scenario)
    w1, w2 = (np.array(w) for w in scenario.weights)
    x, t = np.array(scenario.inputs), np.array(scenario.targets)
    plain_times, bpstep_times = [], []
    for _ in range(3):
        seconds, reference = timed(plain_softmax, w1, w2, x, t, 10, scenario.learning_rate)
        plain_times.append(seconds)
        seconds, result = timed(train, scenario, 10)
        bpstep_times.append(seconds)
    plain_seconds, seconds = statistics.median(plain_times), statistics.median(bpstep_times)
    tracemalloc.start()
    train(scenario, 10)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    got = [result.params.weights[0], result.params.biases[0], result.params.weights[1],
           result.params.biases[1]]
    gap = max(float(np.max(np.abs(g - r))) for g, r in zip(got, reference, strict=True))
    print(f"  bpstep train, 10 epochs {seconds * 1000:8.1f} ms  (plain loop {plain_seconds * 1000:.1f} ms, "
          f"ratio {seconds / plain_seconds:.2f}; median of 3 alternating runs)")
    print(f"  peak traced memory      {peak / 1e6:8.1f} MB, separate run  (weights differ from plain "
          f"by {gap:.2g})")
    print(f"  loss {result.history[0][1]:.4f} -> {result.loss:.4f}")

    one = wide_scenario(1, seed=1)
    text = _yaml(one)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wide.yaml"
        path.write_text(text)
        print(f"\nbpstep run of that network, one sample ({len(text) / 1000:.0f} kB scenario, "
              "weights drawn with init)")
        for extra in ([], ["--json"]):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "bpstep", "run", str(path), *extra],
                                  capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            shown = f"{peak / 1000:.0f} MB" if peak > before else f"≤ {before / 1000:.0f} MB"
            print(f"  bpstep run {' '.join(extra) or '(tables)':8} {seconds:6.2f} s  exit "
                  f"{done.returncode}  peak RSS {shown}  output {len(done.stdout) / 1e6:.1f} MB, "
                  f"{done.stdout.count(chr(10))} lines")
            if done.returncode:
                print("   ", done.stderr.strip()[:300])


def _yaml(data: dict) -> str:
    import yaml

    return yaml.safe_dump(data, default_flow_style=None, width=200, sort_keys=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="alternating runs of each (median)")
    parser.add_argument("--skip-scale", action="store_true", help="only the XOR ratio")
    args = parser.parse_args()
    bench_xor(args.repeats)
    if not args.skip_scale:
        bench_scale()


if __name__ == "__main__":
    main()
