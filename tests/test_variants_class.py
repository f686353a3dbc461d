"""`bpstep variants`: per-student variants keep the scenario's structure, draw numbers with its
decimals, are reproducible from (seed, id), and come with an answer key, kept apart from what is
handed out and checked here against a forward and backward pass written out by hand; roster ids
that would make the same file name are refused before anything is written."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import shutil
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.errors import UserError
from bpstep.roster import safe_stem
from bpstep.variants import check_class_folder, derive_seed, read_class

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "120"})


def decimals(x: float) -> int:
    text = repr(float(x))
    return len(text.split(".")[1].rstrip("0"))


def sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("class") / "class"
    result = invoke("variants", GFG, "--count", "12", "--seed", "7", "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_variants_keep_the_structure_and_the_decimals(made: Path) -> None:
    original = yaml.safe_load(GFG.read_text())
    seen = set()
    for i in range(1, 13):
        v = yaml.safe_load((made / "students" / f"variant-{i:02d}.yaml").read_text())
        assert [layer["units"] for layer in v["layers"]] == [layer["units"] for layer in original["layers"]]
        assert [layer.get("activation") for layer in v["layers"]] == [None, "sigmoid", "sigmoid"]
        assert (v["loss"], v["convention"], v["learning_rate"]) == ("half_sse", "delta_rule", 1.0)
        weights = [x for m in v["weights"] for row in m for x in row]
        assert all(decimals(x) <= 1 for x in weights)          # the original's 0.2, 0.3, 0.9
        assert all(decimals(x) <= 2 for x in v["inputs"][0])   # 0.35, 0.7
        assert max(decimals(x) for x in v["inputs"][0]) == 2   # as many as the original's
        seen.add(repr(v["weights"]) + repr(v["inputs"]))
    assert len(seen) == 12


def test_each_key_is_the_step_worked_by_hand(made: Path) -> None:
    for i in (1, 5, 12):
        v = yaml.safe_load((made / "students" / f"variant-{i:02d}.yaml").read_text())
        key = yaml.safe_load((made / "keys" / f"variant-{i:02d}.key.yaml").read_text())
        assert key["scenario"] == f"../students/variant-{i:02d}.yaml"
        (w1, w2), x, t = v["weights"], v["inputs"][0], v["targets"][0][0]
        a = [x[0] * w1[0][j] + x[1] * w1[1][j] for j in range(2)]
        y = [sigmoid(aj) for aj in a]
        yo = sigmoid(y[0] * w2[0][0] + y[1] * w2[1][0])
        d_o = (t - yo) * yo * (1 - yo)
        d_h = [y[j] * (1 - y[j]) * w2[j][0] * d_o for j in range(2)]
        assert key["y[o]"] == pytest.approx(yo, rel=1e-12)
        assert key["delta[o]"] == pytest.approx(d_o, rel=1e-12)
        assert key["delta[h2]"] == pytest.approx(d_h[1], rel=1e-12)
        assert key["w[x1->h1]"] == pytest.approx(w1[0][0] + 1.0 * d_h[0] * x[0], rel=1e-12)
        assert 0.05 <= yo <= 0.95


def test_the_index_lists_variant_seed_file_and_key(made: Path) -> None:
    rows = list(csv.DictReader((made / "index.csv").open()))
    assert [r["file"] for r in rows] == [f"students/variant-{i:02d}.yaml" for i in range(1, 13)]
    assert [r["key"] for r in rows] == [f"keys/variant-{i:02d}.key.yaml" for i in range(1, 13)]
    assert all((made / r["file"]).is_file() and (made / r["key"]).is_file() for r in rows)
    assert {r["line"] for r in rows} == {""}  # numbered, not from a roster
    seed = int.from_bytes(hashlib.sha256(b"bpstep-variant\x007\x0003").digest()[:8], "big") >> 1
    assert int(rows[2]["seed"]) == seed == derive_seed(7, "03")
    lines = (made / "index.csv").read_bytes().split(b"\n")
    assert lines[0] == b"variant,seed,file,key,line" and lines[-1] == b""  # \n, as git keeps it
    assert lines[3] == f"03,{seed},students/variant-03.yaml,keys/variant-03.key.yaml,".encode()
    first = (made / "students" / "variant-03.yaml").read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == (f"# Variant 03 of gfg_sigmoid.yaml, drawn by 'bpstep variants' (class seed 7, "
                     f"variant seed {seed}).")


def test_count_and_roster_together_are_refused(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("id\nann\n")
    result = invoke("variants", GFG, "--count", "3", "--roster", tmp_path / "r.csv", "-o", tmp_path / "c")
    assert (result.exit_code, result.stderr) == (2, "bpstep: error: --count and --roster both say "
                                                 "how many variants to make; give one of them\n")
    assert not (tmp_path / "c").exists()


def test_a_roster_inside_the_class_folder_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    roster = tmp_path / "c" / "index.csv"
    roster.write_text("id\nann\nbob\n")
    result = invoke("variants", GFG, "--roster", roster, "-o", tmp_path / "c", "--force")
    assert result.exit_code == 2 and "index.csv is an input of this command" in result.stderr, result.output
    assert roster.read_text() == "id\nann\nbob\n"


def test_a_class_counts_each_variant_as_it_is_drawn(tmp_path: Path) -> None:
    from bpstep.variants import plan_variants

    plan = plan_variants(GFG, tmp_path / "c", seed=1, count=4, roster=None)
    ticks: list[int] = []
    files = plan.documents(plan.draw(), ticks.append)
    assert ticks == [1, 2, 3, 4]
    assert sorted(p.relative_to(tmp_path / "c").as_posix() for p in files) == [
        "index.csv", *(f"keys/variant-0{i}.key.yaml" for i in range(1, 5)),
        *(f"students/variant-0{i}.yaml" for i in range(1, 5))]


def test_existing_files_are_never_replaced_without_force(made: Path, tmp_path: Path) -> None:
    made = Path(shutil.copytree(made, tmp_path / "class"))  # others read the shared folder
    before = (made / "students" / "variant-01.yaml").read_text()
    result = invoke("variants", GFG, "--count", "12", "--seed", "8", "-o", made)
    assert result.exit_code == 2 and "already exists; use --force" in result.stderr
    assert (made / "students" / "variant-01.yaml").read_text() == before
    assert invoke("variants", GFG, "--count", "12", "--seed", "8", "-o", made, "--force").exit_code == 0
    assert (made / "students" / "variant-01.yaml").read_text() != before


def test_a_roster_names_files_and_fixes_each_students_variant(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,email\nAnn Lee,a@x\n=cmd|' /C calc'!A0,b@x\nZoë O'Neil,c@x\n")
    (tmp_path / "b.csv").write_text("student\nZoë O'Neil\nnew student\n")
    for name in ("a", "b"):
        result = invoke("variants", GFG, "--roster", tmp_path / f"{name}.csv", "--seed", "3",
                        "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "a" / "students").iterdir())
    assert files == ["Ann-Lee.yaml", "Zoe-O-Neil.yaml", "cmd-C-calc-A0.yaml"]
    keys = sorted(p.name for p in (tmp_path / "a" / "keys").iterdir())
    assert keys == ["Ann-Lee.key.yaml", "Zoe-O-Neil.key.yaml", "cmd-C-calc-A0.key.yaml"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["index.csv", "keys", "students"]
    same = [(tmp_path / d / "students" / "Zoe-O-Neil.yaml").read_text().split("\n", 1)[1]
            for d in ("a", "b")]
    assert same[0] == same[1]
    index = (tmp_path / "a" / "index.csv").read_text()
    assert "\n'=cmd" in index
    rows = list(csv.DictReader(io.StringIO(index)))
    assert [r["line"] for r in rows] == ["2", "3", "4"]
    ann = int.from_bytes(hashlib.sha256(b"bpstep-variant\x003\x00Ann Lee").digest()[:8], "big")
    assert int(rows[0]["seed"]) == ann >> 1  # the class seed with the roster id


@pytest.mark.parametrize(("text", "message"), [
    ("", "is empty"),
    ("id\nann\nAnn\n", "already on line 2"),
    ("id,name\nann,A\n,B\n", "has no id"),
    ("id\n", "no students"),
    ("a\0b\n", "binary"),
])
def test_a_malformed_roster_is_one_line_and_exit_2(tmp_path: Path, text: str, message: str) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text(text)
    result = invoke("variants", GFG, "--roster", roster, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_missing_roster_is_exit_2(tmp_path: Path) -> None:
    result = invoke("variants", GFG, "--roster", tmp_path / "nope.csv", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "nope.csv" in result.stderr


def test_safe_names_and_roster_columns() -> None:
    assert safe_stem("../../etc/passwd") == "etc-passwd"
    assert re.fullmatch(r"student-[0-9a-f]{8}", safe_stem("..."))
    assert safe_stem("王伟") != safe_stem("李娜") and safe_stem("王伟").startswith("student-")
    assert safe_stem("con") == "con-student" and safe_stem("Aux.x") == "Aux.x-student"


def test_a_course_s_marking_goes_with_every_variant_and_into_its_quiz(tmp_path: Path) -> None:
    course = tmp_path / "course.yaml"
    course.write_text(GFG.read_text(encoding="utf-8") + "marking: {digits: 4}\n", encoding="utf-8")
    assert invoke("variants", course, "--count", "2", "-o", tmp_path / "class").exit_code == 0
    for i in (1, 2):
        assert yaml.safe_load((tmp_path / "class" / "students" / f"variant-0{i}.yaml").read_text())[
            "marking"] == {"digits": 4}
    quiz = tmp_path / "quiz.gift"
    assert invoke("export", tmp_path / "class", "-f", "gift", "-o", quiz).exit_code == 0
    text = quiz.read_text(encoding="utf-8")
    assert "Give delta[o] to 4 significant figures" in text
    key = yaml.safe_load((tmp_path / "class" / "keys" / "variant-01.key.yaml").read_text())
    # Four figures of δ[o]: accepted within half a unit of the fourth.
    delta = key["delta[o]"]
    unit = 10.0 ** (math.floor(math.log10(abs(delta))) - 3)
    correct = re.search(r"::01 · delta\[o\]::.*?\{#=%100%(\S+):(\S+)#", text)
    assert correct, text[:400]
    assert float(correct[1]) == pytest.approx(delta, rel=1e-12)
    # and verify's float slack, a billionth: the quiz accepts what verify marks correct
    assert float(correct[2]) == pytest.approx(unit / 2 + 1e-9, rel=1e-9)
    again = invoke("export", tmp_path / "class", "-f", "gift", "-o", tmp_path / "q2.gift",
                   "--digits", "3", "--decimals", "2")
    assert again.exit_code == 2 and "give one of them" in again.stderr


LONG = "Maximiliana Alexandra Konstantinopoulou-Vanderberghe de la Cruz Montgomery"
"""74 characters: a name that safe_stem cuts at 60."""
WHY = {"case": "Windows and macOS do not tell file names apart by case",
       "accents": "file names drop accents (ë → e)",
       "script": "file names drop letters outside the Latin alphabet",
       "punctuation": "file names write spaces and punctuation as -",
       "length": "file names are cut at 60 characters, before these ids differ"}


@pytest.mark.parametrize(("ids", "line", "clash", "why", "fix"), [
    (["Zoe", "Zoë", "Zoe-2"], 3, ("'Zoë'", "'Zoe' of line 2", "students/Zoe.yaml"), {"accents"},
     "make them differ in letters or digits"),
    (["ann", "bob", "BOB!"], 4, ("'BOB!'", "'bob' of line 3", "students/BOB.yaml"),
     {"case", "punctuation"}, "make them differ in letters or digits"),
    (["Ann Lee", "ann-lee"], 3, ("'ann-lee'", "'Ann Lee' of line 2", "students/ann-lee.yaml"),
     {"case", "punctuation"}, "make them differ in letters or digits"),
    ([f"{LONG} Jr", f"{LONG} Sr"], 3, (f"'{LONG} Sr'", f"'{LONG} Jr' of line 2",
                                        f"students/{LONG.replace(' ', '-')[:60]}.yaml"),
     {"length"}, "make them differ within their first 60 characters"),
    (["王伟1", "李娜1"], 3, ("'李娜1'", "'王伟1' of line 2", "students/1.yaml"), {"script"},
     "make them differ in Latin letters or digits (a student number)"),
])
def test_ids_that_would_make_the_same_file_are_refused_before_anything_is_written(
        tmp_path: Path, ids: list[str], line: int, clash: tuple[str, ...], why: set[str],
        fix: str) -> None:
    # Zoë's name folds to Zoe; BOB! and bob differ only in case and punctuation, which a
    # case-insensitive file system (Windows, macOS) does not tell apart; the long names differ
    # only past the 60 characters a file name keeps; 王伟1 and 李娜1 keep only their 1. The
    # message says which, and no other reason.
    roster = tmp_path / "roster.csv"
    roster.write_text("id\n" + "\n".join(ids) + "\n", encoding="utf-8")
    result = invoke("variants", GFG, "--roster", roster, "-o", tmp_path / "class")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and f"roster.csv:{line}:" in result.stderr
    assert all(part in result.stderr for part in clash), result.stderr
    assert {key for key, text in WHY.items() if text in result.stderr} == why, result.stderr
    assert f"; {fix}, or use another column (email, username)" in result.stderr
    assert not (tmp_path / "class").exists()


def test_an_id_like_another_s_key_overwrites_nothing(tmp_path: Path) -> None:
    # bob's key and bob.key's scenario were both bob.key.yaml in one folder: one replaced the
    # other, and index.csv pointed two rows at it. Keys now live apart from what is handed out.
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nbob\nbob.key\n")
    result = invoke("variants", GFG, "--roster", roster, "--seed", "1", "-o", tmp_path / "class")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "class" / "index.csv").open()))
    paths = [r[c] for r in rows for c in ("file", "key")]
    assert paths == ["students/bob.yaml", "keys/bob.key.yaml", "students/bob.key.yaml",
                     "keys/bob.key.key.yaml"]
    for r in rows:
        scenario = yaml.safe_load((tmp_path / "class" / r["file"]).read_text())
        key = yaml.safe_load((tmp_path / "class" / r["key"]).read_text())
        assert scenario["title"].endswith(f"variant {r['variant']}")
        assert key["scenario"] == "../" + r["file"]
    assert yaml.safe_load((tmp_path / "class" / "students" / "bob.key.yaml").read_text())[
        "weights"] != yaml.safe_load((tmp_path / "class" / "students" / "bob.yaml").read_text())["weights"]


def test_a_key_is_verified_from_the_class_folder_or_above(made: Path, monkeypatch) -> None:
    for where, path in ((made, "keys/variant-03.key.yaml"), (made.parent, "class/keys/variant-03.key.yaml")):
        monkeypatch.chdir(where)
        result = invoke("verify", path)
        assert result.exit_code == 0, result.output
        assert "29 correct" in result.stdout
    monkeypatch.chdir(made / "keys")
    result = invoke("verify", "variant-03.key.yaml", "--scenarios", "../students")
    assert result.exit_code == 0, result.output


def test_a_class_folder_made_before_keys_were_apart_still_exports(tmp_path: Path) -> None:
    # An index.csv of 0.2.0 named files in its own folder: variant-01.yaml beside its key.
    old = tmp_path / "old"
    old.mkdir()
    (old / "variant-01.yaml").write_text(GFG.read_text())
    (old / "index.csv").write_text("variant,seed,file,key\n01,1,variant-01.yaml,variant-01.key.yaml\n")
    result = invoke("export", old, "-f", "gift", "-o", tmp_path / "q.gift")
    assert result.exit_code == 0, result.output
    (old / "index.csv").write_text("variant,seed,file,key\n01,1,../secret.yaml,k\n")
    result = invoke("export", old, "-f", "gift", "-o", tmp_path / "q2.gift")
    assert result.exit_code == 2 and "is not a file in this folder" in result.stderr


def test_a_class_drawn_by_a_pool_of_processes_is_the_class_drawn_in_one(monkeypatch) -> None:
    from bpstep import variants as var
    from bpstep.scenario import load

    planned = var.numbered_class(5, 24)
    scenario = load(GFG)
    alone = list(var.class_texts(scenario, planned, "gfg_sigmoid.yaml", 5))
    monkeypatch.setattr(var, "PARALLEL_FROM", 2)
    monkeypatch.setattr(var, "_cores", lambda: 2)
    pooled = list(var.class_texts(scenario, planned, "gfg_sigmoid.yaml", 5))
    assert pooled == alone and len(alone) == 24
    first = alone[0][1].splitlines()[0]
    assert first == (f"# Variant 01 of gfg_sigmoid.yaml, drawn by 'bpstep variants' (class seed 5, "
                     f"variant seed {planned[0].seed}).")


class FakePool:
    """A process pool that works in this process, lazily as ``Executor.map`` hands results out,
    and records how it was made and shut down; ``broken_after`` results, it breaks."""

    made: ClassVar[list[FakePool]] = []
    broken_after: ClassVar[int | None] = None

    def __init__(self, workers: int, context, initializer=None, initargs=()) -> None:
        self.workers, self.method = workers, context.get_start_method()
        self.initializer, self.shut = initializer, None
        FakePool.made.append(self)
        if initializer is not None:
            initializer(*initargs)  # as each fresh (spawned) worker would

    def map(self, work, jobs, chunksize: int):
        self.chunksize = chunksize

        def results():
            from concurrent.futures.process import BrokenProcessPool

            for n, job in enumerate(jobs):
                if n == self.broken_after:
                    raise BrokenProcessPool("a worker died")
                yield work(job)
        return results()

    def shutdown(self, wait: bool, cancel_futures: bool) -> None:
        self.shut = (wait, cancel_futures)


@pytest.fixture
def fake_pool(monkeypatch: pytest.MonkeyPatch) -> type[FakePool]:
    import concurrent.futures

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", FakePool)
    monkeypatch.setattr(FakePool, "made", [])
    return FakePool


@pytest.mark.parametrize(("count", "cores", "workers", "chunk"), [
    (399, 8, None, None), (400, 1, None, None), (400, 2, 2, 25), (400, 3, 3, 16), (401, 8, 8, 6),
    (800, 16, 8, 12), (20_000, 2, 2, 256),
])
def test_a_class_from_400_variants_is_drawn_by_a_worker_per_core_up_to_eight(
        fake_pool, monkeypatch, count: int, cores: int, workers: int | None, chunk: int | None) -> None:
    from bpstep import variants as var
    from bpstep.scenario import load

    monkeypatch.setattr(var, "_cores", lambda: cores)
    var.class_texts(load(GFG), var.numbered_class(5, count), "gfg_sigmoid.yaml", 5)  # nothing drawn yet
    if workers is None:
        assert fake_pool.made == []
        return
    [pool] = fake_pool.made
    # len // (8 workers) variants a hand-out, so each worker gets about 8, at most 256
    assert (pool.workers, pool.chunksize, pool.method, pool.initializer) == (workers, chunk, "fork", None)


def test_where_processes_are_spawned_each_worker_makes_its_own_drawer(fake_pool, monkeypatch) -> None:
    from bpstep import variants as var
    from bpstep.scenario import load

    planned, scenario = var.numbered_class(5, 6), load(GFG)
    alone = list(var.class_texts(scenario, planned, "gfg_sigmoid.yaml", 5))
    monkeypatch.setattr(var, "PARALLEL_FROM", 2)
    monkeypatch.setattr(var, "_cores", lambda: 2)
    monkeypatch.setattr(var, "_DRAWER", [])
    monkeypatch.setattr(var.sys, "platform", "darwin")
    pooled = list(var.class_texts(scenario, planned, "gfg_sigmoid.yaml", 5))
    [pool] = fake_pool.made
    assert (pool.method, pool.initializer, pool.shut) == ("spawn", var._start_worker, (True, True))
    assert pooled == alone


@pytest.mark.parametrize("broken_after", [0, 2, 5])
def test_a_pool_that_breaks_leaves_the_rest_to_this_process(fake_pool, monkeypatch,
                                                            broken_after: int) -> None:
    from bpstep import variants as var
    from bpstep.scenario import load

    planned, scenario = var.numbered_class(5, 6), load(GFG)
    alone = list(var.class_texts(scenario, planned, "gfg_sigmoid.yaml", 5))
    monkeypatch.setattr(var, "PARALLEL_FROM", 2)
    monkeypatch.setattr(var, "_cores", lambda: 2)
    monkeypatch.setattr(fake_pool, "broken_after", broken_after)
    pooled = list(var.class_texts(scenario, planned, "gfg_sigmoid.yaml", 5))
    assert pooled == alone  # every variant once, in order, the same files
    [pool] = fake_pool.made
    assert pool.shut == (True, True)  # its workers waited for, what it had queued cancelled


def test_where_no_process_can_start_the_class_is_drawn_here(monkeypatch) -> None:
    import concurrent.futures

    from bpstep import variants as var
    from bpstep.scenario import load

    def no_processes(*_args, **_kwargs):
        raise OSError(38, "Function not implemented")

    planned, scenario = var.numbered_class(5, 3), load(GFG)
    alone = list(var.class_texts(scenario, planned, "gfg_sigmoid.yaml", 5))
    monkeypatch.setattr(var, "PARALLEL_FROM", 2)
    monkeypatch.setattr(var, "_cores", lambda: 2)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_processes)
    assert list(var.class_texts(scenario, planned, "gfg_sigmoid.yaml", 5)) == alone


@pytest.mark.parametrize(("affinity", "count", "cores"), [({0, 1, 2}, 8, 3), (None, 6, 6), (None, None, 1)])
def test_the_cores_are_those_this_process_may_run_on(monkeypatch, affinity, count, cores) -> None:
    from bpstep import variants as var

    if affinity is None:
        monkeypatch.delattr(var.os, "sched_getaffinity", raising=False)
    else:
        monkeypatch.setattr(var.os, "sched_getaffinity", lambda _pid: affinity)
    monkeypatch.setattr(var.os, "cpu_count", lambda: count)
    assert var._cores() == cores


def test_a_rule_that_cannot_be_met_is_named_in_one_line(tmp_path: Path, monkeypatch) -> None:
    from bpstep import variants as var

    monkeypatch.setattr(var, "ATTEMPTS", 1)  # a variant of seed 3 breaks a rule on its first draw
    result = invoke("variants", GFG, "--count", "3", "--seed", "3", "-o", tmp_path / "class")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert re.search(r"no fair variant in 1 draw \(variant seed \d+\): 1 broke the rule '\w+' \(",
                     result.stderr), result.stderr
    assert not (tmp_path / "class").exists()


@pytest.mark.parametrize(("target", "form"), [("index.csv", "gift"), ("students/variant-02.yaml", "moodle"),
                                              ("index.csv", "qti")])
def test_a_quiz_never_replaces_a_file_of_the_class_it_reads(made: Path, tmp_path: Path, form: str,
                                                            target: str) -> None:
    # Each form once and each file once (the check of what a command reads is one for all
    # forms): half the exports of the whole product, each of which writes the class's quiz.
    made = Path(shutil.copytree(made, tmp_path / "class"))
    before = (made / target).read_bytes()
    result = invoke("export", made, "-f", form, "-o", made / target, "--force")
    assert result.exit_code == 2, result.output
    assert "is an input of this command; it is never overwritten" in result.stderr
    assert result.stderr.count("\n") == 1
    assert (made / target).read_bytes() == before
    # A file of the folder that the quiz does not read may be replaced with --force.
    assert invoke("export", made, "-f", form, "-o", made / "keys" / "variant-02.key.yaml",
                  "--force").exit_code == 0


def test_a_quiz_of_a_lesson_never_replaces_the_lesson(tmp_path: Path) -> None:
    # The lesson is named, not given as a path: the file read is the lesson's, reached here by a
    # link (so a failing check replaces the link, never the repository's lesson).
    from bpstep.lessons import find

    link = tmp_path / "lesson.yaml"
    link.symlink_to(find(Path("gfg_sigmoid")))
    result = invoke("export", "gfg_sigmoid", "-f", "gift", "-o", link, "--force")
    assert result.exit_code == 2 and "is an input of this command" in result.stderr
    assert link.is_symlink()


MOODLE_EXPORT = ('"First name","Last name","ID number",Institution,Department,"Email address"\n'
                 "Ann,Lee,,,,ann@x.edu\nBob,Dee,,,,bob@x.edu\n")
"""Moodle's own participants export, as it comes: ID number empty for every student."""


def test_moodle_s_own_export_is_a_roster_named_by_email(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "m.csv").write_text(MOODLE_EXPORT)
    monkeypatch.chdir(tmp_path)
    result = invoke("variants", GFG, "--roster", "m.csv", "-o", "class")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(Path("class/index.csv").read_text())))
    assert [(r["variant"], r["file"], r["line"]) for r in rows] == [
        ("ann@x.edu", "students/ann-x.edu.yaml", "2"), ("bob@x.edu", "students/bob-x.edu.yaml", "3")]
    # verify --batch --roster reads it alike: Ann's file finds her row; Bob handed in nothing.
    Path("answers").mkdir()
    Path("answers/ann-x.edu.yaml").write_text(
        Path("class/keys/ann-x.edu.key.yaml").read_text().replace("../students/", ""))
    result = invoke("verify", "--batch", "answers/*.yaml", "--scenarios", "class/students",
                    "--roster", "m.csv", "--gradebook", "moodle", "--csv", "grades.csv")
    assert result.exit_code == 1, result.output  # Bob is missing
    grades = list(csv.reader(io.StringIO(Path("grades.csv").read_text())))
    assert grades[1][:3] == ["ann@x.edu", "Ann Lee", "29"] and grades[2][:3] == ["bob@x.edu", "Bob Dee", ""]
    # An ID number given for some students only is a roster to fix, named by its line.
    Path("m.csv").write_text(MOODLE_EXPORT.replace("Ann,Lee,,", "Ann,Lee,A-1,"))
    result = invoke("variants", GFG, "--roster", "m.csv", "-o", "class2")
    assert result.exit_code == 2 and result.stderr == (
        "bpstep: error: m.csv:3: has no id in column 3; every row needs one\n")


def test_a_class_made_again_in_its_folder_keeps_and_counts_the_earlier_files(tmp_path: Path,
                                                                             monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("roster.csv").write_text("id\n" + "".join(f"s{i:02d}\n" for i in range(1, 6)))
    assert invoke("variants", GFG, "--roster", "roster.csv", "-o", "class").exit_code == 0
    # The same roster again: every file is the new index's, so nothing to warn about.
    again = invoke("variants", GFG, "--roster", "roster.csv", "--seed", "1", "-o", "class", "--force")
    assert again.exit_code == 0 and "warning" not in again.stderr
    earlier = sorted(p.as_posix() for p in Path("class").rglob("s0*.yaml"))
    assert len(earlier) == 10
    result = invoke("variants", "class/students/s01.yaml", "-n", "2", "-o", "class", "--force")
    assert result.exit_code == 0, result.output
    warning, = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warning == ("bpstep: warning: class still holds 10 files of an earlier class that "
                       "index.csv does not list (5 in students/, 5 in keys/); they are left as they "
                       "were and bpstep export leaves them out: hand out only what index.csv lists, "
                       "or make each class in a fresh folder (-o NEW_DIR)")
    assert sorted(p.as_posix() for p in Path("class").rglob("s0*.yaml")) == earlier  # none deleted
    rows = list(csv.DictReader(io.StringIO(Path("class/index.csv").read_text())))
    assert [r["file"] for r in rows] == ["students/variant-01.yaml", "students/variant-02.yaml"]
    # The quiz of the folder is the index's 2 variants, and says the 5 others are left out.
    result = invoke("export", "class", "-f", "gift", "-o", "q.gift")
    assert result.exit_code == 0, result.output
    assert ("bpstep: warning: class/students holds 5 files that class/index.csv does not list, left "
            "from an earlier class; the quiz has only the 2 it lists\n") in result.stderr
    assert Path("q.gift").read_text().startswith("// bpstep quiz: 2 worksheets (a variant, or a "
                                                  "stage of one), 58 questions\n")


def test_a_class_folder_is_read_through_its_index_and_what_it_does_not_list_is_counted(
        made: Path, tmp_path: Path) -> None:
    folder = tmp_path / "class"
    shutil.copytree(made, folder)
    (folder / "students" / "left-from-last-year.yaml").write_text("title: old\n")
    (folder / "students" / ".DS_Store").write_text("")
    rows = list(csv.DictReader((folder / "index.csv").open()))
    read = read_class(folder)
    assert read.idents == [row["variant"] for row in rows]
    assert read.files == [row["file"] for row in rows]
    assert read.reads == (folder / "index.csv", *(folder / row["file"] for row in rows))
    assert [s.source for s in read.scenarios] == [str(folder / row["file"]) for row in rows]
    assert read.stale == {"students": 1}


def test_a_class_folder_that_cannot_be_made_is_refused_before_drawing(tmp_path: Path) -> None:
    check_class_folder(tmp_path / "new")
    (tmp_path / "taken").write_text("")
    (tmp_path / "half" / "students").mkdir(parents=True)
    (tmp_path / "half" / "keys").write_text("")
    for folder, message in ((tmp_path / "taken", f"{tmp_path / 'taken'} is a file; -o names"),
                            (tmp_path / "half", f"{tmp_path / 'half' / 'keys'} is a file; -o names"),
                            (tmp_path / "no" / "new", f"{tmp_path / 'no'} does not exist;")):
        with pytest.raises(UserError, match=f"^{re.escape(message)}"):
            check_class_folder(folder)


INDEX_REFUSED = ("{source}: is not a variants index (columns variant, seed, file, key, line); make "
                 "one with `bpstep variants SCENARIO -o DIR`")


@pytest.mark.parametrize("text", ["", "variant,seed,file,key,line\n", "variant,seed,key\n01,1,k\n",
                                  "seed,file,key\n1,students/a.yaml,k\n"])
def test_an_index_without_variant_and_file_columns_is_refused(text: str) -> None:
    from bpstep.variants import VariantError, read_index

    with pytest.raises(VariantError) as refused:
        read_index(text, "c/index.csv")
    assert str(refused.value) == INDEX_REFUSED.format(source="c/index.csv")


@pytest.mark.parametrize("name", ["", "students/.x.yaml", ".x.yaml", "students//x.yaml",
                                  "students/../x.yaml", "students\\x.yaml", "C:x.yaml", "/x.yaml",
                                  "students/"])
def test_an_index_row_naming_a_file_outside_its_folder_is_refused_with_its_line(name: str) -> None:
    from bpstep.variants import VariantError, read_index

    text = f"variant,seed,file\n01,1,students/a.yaml\n02,2,{name}\n"
    with pytest.raises(VariantError) as refused:
        read_index(text, "c/index.csv")
    assert str(refused.value) == f"c/index.csv:3: file {name!r} is not a file in this folder"


def test_an_index_gives_ids_as_written_but_for_the_quote_guarding_a_formula() -> None:
    from bpstep.variants import read_index

    text = "variant,seed,file\n'=cmd,1,students/a.yaml\n''x,2,students/b.yaml\n,3,c.yaml\nAnn,4,d/e.yaml\n"
    assert read_index(text, "i.csv") == [("=cmd", "students/a.yaml"), ("'x", "students/b.yaml"),
                                         ("", "c.yaml"), ("Ann", "d/e.yaml")]


KEPT_NET = ("layers:\n  - units: [x1, x2]\n  - units: [h1, h2]\n    activation: {hidden}\n"
            "  - units: [o]\n    activation: {output}\nloss: {loss}\nconvention: {convention}\n"
            "weights:\n  - [[0.2, 0.4], [0.6, 0.3]]\n  - [[0.5], [-0.2]]\nlearning_rate: 0.5\n")


@pytest.mark.parametrize(("case", "text", "kept", "drawn"), [
    ("a truth table, biases at 0", KEPT_NET.format(
        hidden="sigmoid", output="sigmoid", loss="half_sse", convention="delta_rule")
     + "inputs: [[0, 0], [0, 1], [1, 0], [1, 1]]\ntargets: [[0], [1], [1], [0]]\n"
       "biases:\n  - [0, 0]\n  - [0]\nupdate_biases: true\n",
     {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0], [1], [1], [0]],
      "biases": [[0, 0], [0]]}, "weights"),
    ("targets of an output with no bounds", KEPT_NET.format(
        hidden="sigmoid", output="identity", loss="half_sse", convention="delta_rule")
     + "inputs: [0.35, 0.7]\ntargets: [0.7]\n", {"targets": [[0.7]]}, "inputs"),
    ("targets a cross-entropy takes as probabilities", KEPT_NET.format(
        hidden="relu", output="sigmoid", loss="binary_cross_entropy", convention="gradient")
     + "inputs: [0.35, 0.7]\ntargets: [0.3]\n", {"targets": [[0.3]]}, "inputs"),
    ("targets of a softmax, even under a squared loss", "layers:\n  - units: [x1, x2]\n"
     "  - units: [h1, h2]\n    activation: sigmoid\n  - units: [o1, o2]\n    activation: softmax\n"
     "loss: mse\nweights:\n  - [[0.2, 0.4], [0.6, 0.3]]\n  - [[0.5, -0.2], [0.1, 0.7]]\n"
     "learning_rate: 0.5\ninputs: [0.35, 0.7]\ntargets: [0.2, 0.8]\n", {"targets": [[0.2, 0.8]]},
     "inputs"),
    ("targets of a ReLU output, open above", KEPT_NET.format(
        hidden="sigmoid", output="relu", loss="half_sse", convention="delta_rule").replace(
        "[[0.5], [-0.2]]", "[[0.5], [0.2]]") + "inputs: [0.35, 0.7]\ntargets: [0.7]\n",
     {"targets": [[0.7]]}, "inputs"),
    ("targets in a sigmoid's range, drawn", KEPT_NET.format(
        hidden="relu", output="sigmoid", loss="half_sse", convention="delta_rule")
     + "inputs: [0.35, 0.7]\ntargets: [0.3]\n", {}, "targets"),
])
def test_a_variant_keeps_what_is_not_a_number_to_draw(tmp_path: Path, case: str, text: str,
                                                      kept: dict, drawn: str) -> None:
    from bpstep.scenario import load
    from bpstep.variants import Drawer

    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    original = load(path)
    variants = [Drawer(original).draw(seed)[0] for seed in range(6)]
    for v in variants:
        have = {"inputs": v.inputs.tolist(), "targets": v.targets.tolist(),
                "biases": None if v.biases is None else [b.tolist() for b in v.biases]}
        assert {k: have[k] for k in kept} == kept, case
    groups = {"weights": lambda v: v.weights[0].tolist(), "inputs": lambda v: v.inputs.tolist(),
              "targets": lambda v: v.targets.tolist()}
    assert len({repr(groups[drawn](v)) for v in [original, *variants]}) > 2, case
    if drawn == "targets":  # inside the sigmoid's (0, 1) with a margin of a tenth
        assert all(0.1 <= v.targets[0][0] <= 0.9 for v in variants)


def test_a_class_folder_without_its_index_is_refused_saying_how_to_make_one(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    (folder / "students").mkdir(parents=True)
    missing = invoke("export", folder, "-f", "gift", "-o", tmp_path / "q.gift")
    assert (missing.exit_code, missing.stderr) == (2, f"bpstep: error: {folder / 'index.csv'}: no such "
                                                   "file; check the path (make the folder with "
                                                   "`bpstep variants SCENARIO -o DIR`)\n")
    (folder / "index.csv").mkdir()
    folder_index = invoke("export", folder, "-f", "gift", "-o", tmp_path / "q.gift")
    assert folder_index.stderr == (f"bpstep: error: {folder / 'index.csv'}: is a directory, expected "
                                   "a CSV variants index file\n")
    (folder / "index.csv").rmdir()
    (folder / "index.csv").write_text("x,y\n1,2\n")
    not_index = invoke("export", folder, "-f", "gift", "-o", tmp_path / "q.gift")
    assert not_index.stderr == "bpstep: error: " + INDEX_REFUSED.format(source=folder / "index.csv") + "\n"
    assert not (tmp_path / "q.gift").exists()


def _drawn_from(text: str, tmp_path: Path) -> dict[str, tuple[list[float], list[float], list[int]]]:
    """Each group's plan: every value it may draw, those but 0, and where the original has 0."""
    from bpstep.scenario import load
    from bpstep.variants import Drawer

    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return {p.label: ([round(k / p.unit, 6) for k in p.grid.tolist()],
                      [round(k / p.unit, 6) for k in p.nonzero.tolist()], p.zeros.tolist())
            for p in Drawer(load(path)).plans if not isinstance(p, np.ndarray)}  # kept: the array


def tenths(first: int, last: int) -> list[float]:
    return [round(k / 10, 6) for k in range(first, last + 1)]


def test_each_group_is_drawn_within_its_largest_magnitude_at_its_decimals(tmp_path: Path) -> None:
    plans = _drawn_from(KEPT_NET.format(hidden="sigmoid", output="sigmoid", loss="half_sse",
                                        convention="delta_rule").replace(
        "[[0.2, 0.4], [0.6, 0.3]]", "[[0.2, 0.3], [0.2, 0.3]]").replace("[[0.5], [-0.2]]", "[[0.3], [0.9]]")
        + "inputs: [0.35, 0.7]\ntargets: [0.5]\n", tmp_path)
    assert plans["weights[0]"] == (tenths(0, 3), tenths(1, 3), [])  # none negative: from 0
    assert plans["weights[1]"] == (tenths(0, 9), tenths(1, 9), [])
    hundredths = [round(k / 100, 6) for k in range(0, 71)]
    assert plans["inputs"] == (hundredths, hundredths[1:], [])  # 0.35: two decimals
    assert plans["targets"] == (tenths(1, 9), tenths(1, 9), [])  # (0, 1) less a tenth each side


def test_signs_zeros_and_a_narrow_span_widen_the_grid_as_documented(tmp_path: Path) -> None:
    plans = _drawn_from(
        "layers:\n  - units: [x1, x2]\n  - units: [h1, h2]\n    activation: tanh\n"
        "  - units: [o]\n    activation: tanh\nweights:\n  - [[-0.5, 0.25], [0, 0.1]]\n"
        "  - [[1], [1]]\ninputs: [1.5, -2]\ntargets: [-0.3]\nlearning_rate: 0.1\n", tmp_path)
    hundredths = [round(k / 100, 6) for k in range(-50, 51)]
    assert plans["weights[0]"] == (hundredths, [h for h in hundredths if h], [2])  # 0 where it was
    assert plans["weights[1]"] == ([0, 1, 2], [1, 2], [])  # 1, 1 offer one value: widened by one
    signed = _drawn_from(
        "layers:\n  - units: [x1]\n  - units: [o1, o2]\n    activation: tanh\n"
        "weights:\n  - [[-1, 1]]\ninputs: [0.5]\ntargets: [0.3, -0.2]\nlearning_rate: 0.1\n", tmp_path)
    assert signed["weights[0]"] == ([-1, 0, 1], [-1, 1], [])  # ±1 offer two values: not widened
    assert plans["inputs"] == (tenths(-20, 20), [t for t in tenths(-20, 20) if t], [])
    assert plans["targets"] == (tenths(-8, 8), [t for t in tenths(-8, 8) if t], [])  # tanh's, less 0.2
    nonnegative = _drawn_from(
        "layers:\n  - units: [x1]\n  - units: [o]\n    activation: tanh\nweights:\n  - [[0.4]]\n"
        "inputs: [0.5]\ntargets: [0.3]\nlearning_rate: 0.1\n", tmp_path)
    assert nonnegative["targets"] == (tenths(0, 8), tenths(1, 8), [])  # not below 0, as the original
    assert nonnegative["weights[0]"] == (tenths(0, 4), tenths(1, 4), [])


def _attempts(seed: int, groups: list[tuple[list[float], tuple[int, ...]]], tries: int) -> list[list]:
    """Attempts drawn as documented: one stream of uniforms from default_rng(seed), each number
    of each drawn group (in file order) taking the next one, u picking the value at floor(u·n) of
    the group's n values other than 0."""
    rng = np.random.default_rng(seed)
    size = sum(math.prod(shape) for _, shape in groups)
    out = []
    for _ in range(tries):
        u, start, attempt = rng.random(size), 0, []
        for values, shape in groups:
            n = math.prod(shape)
            picks = [values[int(x * len(values))] for x in u[start:start + n]]
            attempt.append(np.reshape(picks, shape).tolist())
            start += n
        out.append(attempt)
    return out


def test_a_variant_is_the_first_fair_attempt_of_its_seeds_stream(tmp_path: Path) -> None:
    from bpstep.scenario import load
    from bpstep.variants import Drawer

    path = tmp_path / "s.yaml"
    # a truth table and biases at 0 are kept and take no draws: only the weights are drawn
    path.write_text(KEPT_NET.format(hidden="sigmoid", output="sigmoid", loss="half_sse",
                                    convention="delta_rule")
                    + "inputs: [[0, 0], [0, 1], [1, 0], [1, 1]]\ntargets: [[0], [1], [1], [0]]\n"
                      "biases:\n  - [0, 0]\n  - [0]\nupdate_biases: true\n", encoding="utf-8")
    drawer = Drawer(load(path))
    groups = [(tenths(1, 6), (2, 2)), ([t for t in tenths(-5, 5) if t], (2, 1))]  # 0.6; 0.5 and −0.2
    first = 0
    for seed in range(40):
        variant, _ = drawer.draw(seed)
        drawn = [variant.weights[0].tolist(), variant.weights[1].tolist()]
        attempts = _attempts(seed, groups, 200)
        assert drawn in attempts, seed
        first += drawn == attempts[0]
    assert first >= 5  # many a seed's first attempt is fair


def test_zeros_stay_possible_and_drawn_biases_reach_the_variant(tmp_path: Path) -> None:
    from bpstep.scenario import load
    from bpstep.variants import Drawer

    path = tmp_path / "s.yaml"
    # a weight of 0 may be drawn as any value of its grid, 0 included; biases are drawn
    path.write_text(KEPT_NET.format(hidden="sigmoid", output="sigmoid", loss="half_sse",
                                    convention="delta_rule").replace("[[0.2, 0.4], [0.6, 0.3]]",
                                                                     "[[0.2, 0], [0.6, 0.3]]")
                    + "inputs: [[0, 0], [0, 1], [1, 0], [1, 1]]\ntargets: [[0], [1], [1], [0]]\n"
                      "biases:\n  - [0.1, -0.2]\n  - [0.3]\nupdate_biases: true\n", encoding="utf-8")
    drawer = Drawer(load(path))
    w0, w1 = tenths(0, 6), [t for t in tenths(-5, 5) if t]
    b0, b1 = [t for t in tenths(-2, 2) if t], tenths(1, 3)

    def documented(seed: int) -> list[list]:
        rng, out = np.random.default_rng(seed), []
        for _ in range(300):
            u = rng.random(9)
            weights0 = [w0[1:][int(x * 6)] for x in u[:4]]
            weights0[1] = w0[int(u[1] * 7)]  # where the original has 0: the whole grid
            out.append([np.reshape(weights0, (2, 2)).tolist(), [[w1[int(x * 10)]] for x in u[4:6]],
                        [b0[int(x * 4)] for x in u[6:8]], [b1[int(u[8] * 3)]]])
        return out

    zeros = 0
    for seed in range(40):
        variant, _ = drawer.draw(seed)
        drawn = [variant.weights[0].tolist(), variant.weights[1].tolist(),
                 variant.biases[0].tolist(), variant.biases[1].tolist()]
        assert drawn in documented(seed), seed
        zeros += drawn[0][0][1] == 0
    assert zeros > 0


def test_a_class_that_no_draw_makes_fair_names_the_rule_and_counts_its_breaches(tmp_path: Path,
                                                                                monkeypatch) -> None:
    from bpstep import variants as var
    from bpstep.scenario import load

    path = tmp_path / "s.yaml"  # a[o] = 0.49·0.5 − 0.35·0.7 is 0 but for float noise (1e-18):
    path.write_text(KEPT_NET.format(hidden="relu", output="sigmoid", loss="half_sse",  # no draw
                                    convention="delta_rule").replace("[[0.5], [-0.2]]",  # is near
                                                                     "[[0.5], [-0.7]]")
                    + "inputs: [0.35, 0.7]\ntargets: [0.3]\n", encoding="utf-8")
    monkeypatch.setattr(var, "ATTEMPTS", 30)
    with pytest.raises(var.VariantError) as refused:
        var.Drawer(load(path)).draw(0)
    found = re.fullmatch(
        rf"{re.escape(str(path))}: no fair variant in 30 draws \(variant seed 0\): (\d+) broke the "
        r"rule '(\w+)' \((.+?)\), e\.g\. (.+); give the scenario's numbers more decimals or a "
        r"wider span, or make its own step fair \(README: Using bpstep with a class\)", str(refused.value))
    assert found is not None, refused.value
    assert 15 < int(found[1]) <= 30 and found[4] != "None"


def test_an_untitled_scenario_gets_a_title_in_its_variants_and_quizzes(tmp_path: Path) -> None:
    from bpstep.scenario import load
    from bpstep.variants import question, variant_title
    from bpstep.written import DEFAULT_FLOOR

    assert variant_title(None, "07") == "Exercise · variant 07"
    path = tmp_path / "s.yaml"
    path.write_text(KEPT_NET.format(hidden="sigmoid", output="sigmoid", loss="half_sse",
                                    convention="delta_rule") + "inputs: [0.35, 0.7]\ntargets: [0.5]\n")
    from bpstep.engine import step

    asked = question(step(load(path)), "07", ask="a[o]", precision=DEFAULT_FLOOR, rounding_credit=0,
                     hide_formula=False)
    assert asked.title == "Backpropagation step · 07"


@pytest.mark.parametrize(("digits", "decimals", "kind", "n"), [
    (3, None, "DIGITS", 3), (None, 4, "DECIMALS", 4), (None, None, "DIGITS", 3)])
def test_a_quiz_asks_the_precision_given_else_the_default(digits, decimals, kind: str, n: int) -> None:
    from bpstep.scenario import load
    from bpstep.variants import quiz_precision
    from bpstep.written import FloorKind

    floor = quiz_precision(load(GFG), digits, decimals)
    assert (floor.kind, floor.count) == (FloorKind[kind], n)  # verify's default: 3 figures


@pytest.mark.parametrize("lesson", ["relu_sse", "softmax_cross_entropy", "gfg_sigmoid"])
def test_a_key_moves_no_value_by_more_than_the_noise_of_what_it_is_worked_from(lesson: str) -> None:
    """numbers.clean's promise: at most 64 ulps of the largest value of its kind in its stage."""
    from bpstep.lessons import path_of
    from bpstep.scenario import load
    from bpstep.variants import Drawer, Variant, key_yaml

    drawer = Drawer(load(path_of(lesson)))
    for seed in range(30):
        _, trace = drawer.draw(seed)
        key = yaml.safe_load(key_yaml(Variant("01", seed, "variant-01"), trace))
        for stage in trace.stages:
            largest: dict[str, float] = {}
            for q in stage.quantities:
                largest[q.kind] = max(largest.get(q.kind, 0.0), abs(q.value))
            for q in stage.quantities:
                noise = 64 * math.ulp(max(abs(q.value), largest[q.kind]))
                assert abs(key[q.name] - q.value) <= noise, (lesson, seed, q.name, key[q.name], q.value)


def test_a_wrong_answer_is_named_only_clear_of_every_band_a_touch_is_not_clear() -> None:
    from bpstep.variants import Answer, _clear

    band = [Answer(0.5, 0.125, 100, "correct")]  # 0.375 to 0.625, all exact in binary
    assert _clear(band, 0.875, 0.125)  # its band 0.75 to 1.0: apart
    assert not _clear(band, 0.75, 0.125)  # 0.625 to 0.875: the two touch at 0.625
    assert not _clear(band, 0.25, 0.125) and not _clear(band, 0.6, 0.0)


BIG_TERMS = """title: Big terms
learning_rate: 0.5
loss: half_sse
convention: delta_rule
layers:
  - units: [x1, x2]
  - units: [h1, h2]
    activation: sigmoid
  - units: [o]
    activation: sigmoid
inputs: [123.45, 123.46]
targets: [0.5]
weights:
  - [[1, 1], [-1, 1]]
  - [[0.5], [0.5]]
biases:
  - [0.5, 0.25]
  - [0.1]
"""


def test_a_wrong_or_early_answer_worked_from_large_numbers_is_written_without_their_noise(
        tmp_path: Path) -> None:
    """a[h1] = 123.45 − 123.46 + 0.5 next to a[h2] = 247.16: its float noise is of the size of
    the terms (about 1e-14), thousands of its own ulps, so only its stage's size tells it apart.
    A mistake's value and a value rounded too early are worked the same way and are cleaned the
    same way, so a quiz gives them as the short decimals they are."""
    from fractions import Fraction as F

    from bpstep.engine import step
    from bpstep.scenario import load
    from bpstep.variants import question
    from bpstep.written import DEFAULT_FLOOR

    path = tmp_path / "big.yaml"
    path.write_text(BIG_TERMS, encoding="utf-8")
    (blank,) = question(step(load(path)), "01", ask="a[h1]", precision=DEFAULT_FLOOR,
                        rounding_credit=50, hide_formula=False).blanks
    by_mistake = {a.mistake: a.value for a in blank.answers if a.mistake != "early"}
    early = [a.value for a in blank.answers if a.mistake == "early"]
    assert 123.45 - 123.46 != -0.01  # the noise is there to clean
    assert by_mistake[None] == float(F("123.45") - F("123.46") + F("0.5")) == 0.49
    assert by_mistake["bias_left_out"] == float(F("123.45") - F("123.46")) == -0.01
    assert by_mistake["sign_flipped"] == -0.49
    # 123.45 taken at three figures (123) too early: 123 − 123.46 + 0.5, exactly 0.04
    assert float(F("123") - F("123.46") + F("0.5")) in early
    every = [*early, *by_mistake.values()]
    assert len(every) >= 8 and all(v == float(f"{v:.6g}") for v in every)  # short decimals all
