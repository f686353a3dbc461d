"""How long `bpstep verify` takes on a 500-answer worksheet of a 10-20-10 sigmoid network.

Run: python benchmarks/bench_verify.py. Prints the time of marking alone (median of several
runs) and of the whole command in a fresh process (start-up, YAML, step, marking, table).
The worksheet mixes correct, rounded, carried and wrong answers, so hints are searched too.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bpstep.answers import load as load_answers
from bpstep.engine import step
from bpstep.scenario import load
from bpstep.verify import verify

SIZES = (10, 20, 10)
GFG = Path(__file__).resolve().parent.parent / "scenarios" / "gfg_sigmoid.yaml"
ANSWERS = 500


def write_scenario(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    units = [[f"{p}{i + 1}" for i in range(n)] for p, n in zip("xho", SIZES, strict=True)]
    lines = ["title: benchmark 10-20-10", "learning_rate: 0.5", "layers:"]
    lines += [f"  - units: [{', '.join(u)}]" + ("" if k == 0 else "\n    activation: sigmoid")
              for k, u in enumerate(units)]
    lines.append("weights:")
    for k in range(len(SIZES) - 1):
        matrix = rng.normal(0, 0.5, (SIZES[k], SIZES[k + 1])).round(3).tolist()
        lines.append(f"  - {matrix}")
    lines.append(f"inputs: {rng.uniform(0, 1, SIZES[0]).round(2).tolist()}")
    lines.append(f"targets: {rng.uniform(0, 1, SIZES[-1]).round(2).tolist()}")
    path = folder / "net.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_answers(folder: Path, scenario_path: Path) -> Path:
    """500 answers: most rounded to 4 significant digits, every 7th wrong, every 11th sign-flipped."""
    trace = step(load(scenario_path))
    lines = [f"scenario: {scenario_path.name}"]
    for i, q in enumerate(list(trace)[:ANSWERS]):
        value = q.value
        if i % 7 == 3:
            value = value * 1.37 + 0.01
        elif i % 11 == 5:
            value = -value
        lines.append(f'"{q.name}": {value:.4g}')
    path = folder / "answers.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario_path = write_scenario(folder)
        answers_path = write_answers(folder, scenario_path)
        scenario = load(scenario_path)
        trace = step(scenario)
        sheet = load_answers(answers_path)
        times = []
        for _ in range(7):
            start = time.perf_counter()
            report = verify(trace, sheet.answers)
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        load_answers(answers_path)
        parse_time = time.perf_counter() - start
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bpstep", "verify", str(answers_path)],
                              capture_output=True, text=True, check=False)
        command = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bpstep", "run", str(GFG)], capture_output=True,
                       check=False)
        baseline = time.perf_counter() - start
    print(f"worksheet: {len(sheet.answers)} answers of {len(trace.values)} quantities "
          f"({'-'.join(map(str, SIZES))} sigmoid network)")
    print(f"verdicts: {report.summary()}")
    print(f"marking (verify):       {statistics.median(times) * 1000:7.1f} ms  (median of {len(times)})")
    print(f"reading the answers:    {parse_time * 1000:7.1f} ms")
    print(f"whole command:          {command * 1000:7.1f} ms  (exit {done.returncode})")
    print(f"for scale, a tiny step:  {baseline * 1000:7.1f} ms  (bpstep run gfg_sigmoid.yaml: start-up, "
          "imports)")


if __name__ == "__main__":
    main()
