"""Making a class: a 10,000-row roster of the 2-2-1 sigmoid step, against a plain baseline.

The baseline is what a variant maker does at the least: for each student, draw new numbers
once (no fairness checked), work the step once, and write the scenario and its key, in process,
one file after another. ``bpstep variants --roster`` (the whole command, in its own process)
draws until each variant is fair, checks every file name against every other, and writes
students/, keys/ and index.csv; it must stay under 20 s. It took 249 s before issue 23: an fsync
for each of the 20,000 files, a second step per variant for its key, and no word meanwhile.

Run: python benchmarks/bench_variants.py  [--students 10000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "gfg_sigmoid.yaml"
LIMIT = 20.0


def roster(path: Path, students: int) -> list[str]:
    """A roster as a school exports it: a header, names with accents and spaces, e-mails."""
    first = ["Zoë", "Ann", "José", "Li", "Ömer", "Siobhán", "Kofi", "Mia"]
    ids = [f"{first[i % len(first)]} Student {i:05d}" for i in range(students)]
    path.write_text("id,email\n" + "".join(f"{s},s{i}@school.example\n" for i, s in enumerate(ids)),
                    encoding="utf-8")
    return ids


def baseline(ids: list[str], folder: Path) -> None:
    """One unchecked draw, one step and two plain files per student."""
    import dataclasses

    import numpy as np

    from bpstep.cells import yaml_number
    from bpstep.engine import initial_params, step
    from bpstep.roster import safe_stem
    from bpstep.scenario import load
    from bpstep.scenario_yaml import scenario_yaml
    from bpstep.variants import derive_seed

    original = load(SCENARIO)
    folder.mkdir()
    for ident in ids:
        rng = np.random.default_rng(derive_seed(0, ident))
        weights = tuple(rng.integers(1, 10, size=w.shape) / 10.0 for w in original.weights)
        inputs = rng.integers(1, 100, size=original.inputs.shape) / 100.0
        variant = dataclasses.replace(original, weights=weights, inputs=inputs)
        trace = step(variant)
        stem = safe_stem(ident)
        (folder / f"{stem}.yaml").write_text(scenario_yaml(variant, initial_params(variant),
                                                           title=ident, note="baseline"))
        (folder / f"{stem}.key.yaml").write_text(
            "".join(f'"{n}": {yaml_number(v)}\n' for n, v in trace.named_values()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ids = roster(Path(tmp) / "roster.csv", args.students)
        start = time.perf_counter()
        baseline(ids, Path(tmp) / "plain")
        plain = time.perf_counter() - start

        from bpstep.scenario import load
        from bpstep.variants import Drawer, derive_seed

        drawer = Drawer(load(SCENARIO))
        start = time.perf_counter()
        for ident in ids:
            drawer.draw(derive_seed(0, ident))
        drawing = time.perf_counter() - start

        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bpstep", "variants", str(SCENARIO), "--roster",
                               str(Path(tmp) / "roster.csv"), "-o", str(Path(tmp) / "class")],
                              capture_output=True, text=True)
        command = time.perf_counter() - start
        assert done.returncode == 0, done.stderr
        made = len(list((Path(tmp) / "class" / "students").iterdir()))
        keys = len(list((Path(tmp) / "class" / "keys").iterdir()))
        assert made == keys == args.students, (made, keys)
    each = 1000 * drawing / args.students
    print(f"{args.students} students of the 2-2-1 sigmoid step")
    print(f"  baseline (one unchecked draw, one step, 2 files each): {plain:6.2f} s")
    print(f"  fair draws only (Drawer.draw, in process):             {drawing:6.2f} s  ({each:.2f} ms each)")
    print(f"  bpstep variants --roster (whole command):              {command:6.2f} s  "
          f"ratio {command / plain:.2f}  (limit {LIMIT:g} s{'' if command < LIMIT else ': OVER'})")


if __name__ == "__main__":
    main()
