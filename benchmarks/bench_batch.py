"""Marking a class: 300 worksheets of the 2-2-1 sigmoid step, as a ratio to the single-file verify.

The baseline is what a teacher would do without --batch: 300 times one `verify` (read the answers,
read and step the scenario, mark), in process. The batch reads each scenario once. Also times the
whole `bpstep verify --batch` command, which must stay under 5 s on one core, alone and with
everything a teacher hands back: a roster, a Moodle gradebook, the class page and a feedback
page per student.

Run: python benchmarks/bench_batch.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "gfg_sigmoid.yaml"
WORKSHEETS = 300


def make_class(folder: Path) -> list[Path]:
    """300 worksheets: every value to 6 significant digits, every fifth student with a slip."""
    from bpstep.engine import step
    from bpstep.scenario import load

    values = step(load(SCENARIO)).values
    paths = []
    for i in range(WORKSHEETS):
        lines = [f"scenario: {SCENARIO}"]
        for n, (name, value) in enumerate(values.items()):
            wrong = i % 5 == 0 and n == 9
            lines.append(f'"{name}": {-value if wrong else value:.6g}')
        path = folder / f"student-{i:03d}.yaml"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def make_mixed_class(folder: Path) -> list[Path]:
    """300 worksheets as a class writes them: paper chains worked from their own numbers rounded
    to 3 or 4 significant figures and students who keep every digit in the calculator; a third
    with one value wrong (a sign flipped, or a number no mistake explains) and carried on; a
    tenth with small values written as 0. These take the slow paths: ranges over the student's
    intervals, every replay, rounding too early."""
    import random

    from bpstep.engine import step
    from bpstep.scenario import load

    trace = step(load(SCENARIO))
    names = [q.name for q in trace]
    rng = random.Random(7)
    folder.mkdir()
    paths = []
    for i in range(WORKSHEETS):
        figures = 3 + i % 2
        flipped = rng.choice(names) if i % 3 == 0 else None
        world = dict(trace.given)
        lines = [f"scenario: {SCENARIO}"]
        for q in trace:
            value = q.evaluate(world)
            if q.name == flipped:
                value = -value if i % 2 else 1.37 * value  # a sign flipped, or a wrong number
            text = "0" if i % 10 == 1 and abs(value) < 0.01 else f"{value:#.{figures}g}"
            world[q.name] = float(text) if i % 4 < 2 else value  # paper chain, or calculator
            lines.append(f'"{q.name}": {text}')
        path = folder / f"mixed-{i:03d}.yaml"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def one_by_one(paths: list[Path]) -> None:
    from bpstep.answers import check_names
    from bpstep.answers import load as load_answers
    from bpstep.engine import step
    from bpstep.scenario import load
    from bpstep.verify import verify

    for path in paths:
        sheet = load_answers(path)
        scenario = load(sheet.scenario)
        trace = step(scenario)
        check_names(sheet, {q.name for q in trace}, trace.given)
        verify(trace, sheet.answers)


def main() -> None:
    from bpstep.classroom import mark_batch

    with tempfile.TemporaryDirectory() as tmp:
        paths = make_class(Path(tmp))
        one_by_one(paths[:10])
        start = time.perf_counter()
        one_by_one(paths)
        single = time.perf_counter() - start
        start = time.perf_counter()
        report = mark_batch(paths)
        batch = time.perf_counter() - start
        assert len(report.students) == WORKSHEETS
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bpstep", "verify", "--batch",
                               str(Path(tmp) / "*.yaml"), "--json"], capture_output=True)
        command = time.perf_counter() - start
        assert done.returncode == 1, done.stderr
        mixed = make_mixed_class(Path(tmp) / "mixed")
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bpstep", "verify", "--batch",
                               str(Path(tmp) / "mixed" / "*.yaml"), "--json"], capture_output=True)
        real = time.perf_counter() - start
        assert done.returncode == 1, done.stderr
        folder = Path(tmp)
        (folder / "roster.csv").write_text("id,name,email\n" + "".join(
            f"{p.stem},Student {i},{p.stem}@uni.example\n" for i, p in enumerate(paths)))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bpstep", "verify", "--batch",
                               str(folder / "*.yaml"), "--roster", str(folder / "roster.csv"),
                               "--gradebook", "moodle", "--csv", str(folder / "moodle.csv"),
                               "--html", str(folder / "class.html"), "--feedback",
                               str(folder / "feedback")], capture_output=True)
        handed_back = time.perf_counter() - start
        assert done.returncode == 1, done.stderr
        assert len(list((folder / "feedback").iterdir())) == WORKSHEETS
    print(f"{WORKSHEETS} worksheets of a 2-2-1 step")
    each = 1000 * single / WORKSHEETS
    print(f"  300 × single-file verify (in process): {single:.2f} s ({each:.1f} ms each)")
    print(f"  mark_batch:                            {batch:.2f} s  ratio {batch / single:.2f}")
    print(f"  bpstep verify --batch (whole command): {command:.2f} s  (limit 5 s)")
    print(f"  the same for {len(mixed)} rounded, mistaken and coarse worksheets: {real:.2f} s "
          "(limit 5 s)")
    print(f"  with --roster, --gradebook moodle, --html and --feedback (300 pages): "
          f"{handed_back:.2f} s (limit 5 s)")


if __name__ == "__main__":
    main()
