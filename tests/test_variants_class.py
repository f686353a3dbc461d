"""`bpstep variants`: per-student variants keep the scenario's structure, draw numbers with its
decimals, are reproducible from (seed, id), and come with an answer key checked here against a
forward and backward pass written out by hand."""

from __future__ import annotations

import csv
import hashlib
import math
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.variants import derive_seed, read_roster, safe_stem

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
        v = yaml.safe_load((made / f"variant-{i:02d}.yaml").read_text())
        assert [layer["units"] for layer in v["layers"]] == [layer["units"] for layer in original["layers"]]
        assert [layer.get("activation") for layer in v["layers"]] == [None, "sigmoid", "sigmoid"]
        assert (v["loss"], v["convention"], v["learning_rate"]) == ("half_sse", "delta_rule", 1.0)
        weights = [x for m in v["weights"] for row in m for x in row]
        assert all(decimals(x) <= 1 for x in weights)          # the original's 0.2, 0.3, 0.9
        assert all(decimals(x) <= 2 for x in v["inputs"][0])   # 0.35, 0.7
        seen.add(repr(v["weights"]) + repr(v["inputs"]))
    assert len(seen) == 12


def test_each_key_is_the_step_worked_by_hand(made: Path) -> None:
    for i in (1, 5, 12):
        v = yaml.safe_load((made / f"variant-{i:02d}.yaml").read_text())
        key = yaml.safe_load((made / f"variant-{i:02d}.key.yaml").read_text())
        assert key["scenario"] == f"variant-{i:02d}.yaml"
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


def test_the_index_lists_variant_seed_and_file(made: Path) -> None:
    rows = list(csv.DictReader((made / "index.csv").open()))
    assert [r["file"] for r in rows] == [f"variant-{i:02d}.yaml" for i in range(1, 13)]
    seed = int.from_bytes(hashlib.sha256(b"bpstep-variant\x007\x0003").digest()[:8], "big") >> 1
    assert int(rows[2]["seed"]) == seed == derive_seed(7, "03")


def test_existing_files_are_never_replaced_without_force(made: Path, tmp_path: Path) -> None:
    made = Path(shutil.copytree(made, tmp_path / "class"))  # others read the shared folder
    before = (made / "variant-01.yaml").read_text()
    result = invoke("variants", GFG, "--count", "12", "--seed", "8", "-o", made)
    assert result.exit_code == 2 and "already exists; use --force" in result.stderr
    assert (made / "variant-01.yaml").read_text() == before
    assert invoke("variants", GFG, "--count", "12", "--seed", "8", "-o", made, "--force").exit_code == 0
    assert (made / "variant-01.yaml").read_text() != before


def test_a_roster_names_files_and_fixes_each_students_variant(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,email\nAnn Lee,a@x\n=cmd|' /C calc'!A0,b@x\nZoë O'Neil,c@x\n")
    (tmp_path / "b.csv").write_text("student\nZoë O'Neil\nnew student\n")
    for name in ("a", "b"):
        result = invoke("variants", GFG, "--roster", tmp_path / f"{name}.csv", "--seed", "3",
                        "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "a").glob("*.yaml") if ".key" not in p.name)
    assert files == ["Ann-Lee.yaml", "Zoe-O-Neil.yaml", "cmd-C-calc-A0.yaml"]
    same = [(tmp_path / d / "Zoe-O-Neil.yaml").read_text().split("\n", 1)[1] for d in ("a", "b")]
    assert same[0] == same[1]
    index = (tmp_path / "a" / "index.csv").read_text()
    assert "\n'=cmd" in index


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
    assert safe_stem("...") == "student"
    assert read_roster("ann\nbob\n", "r.csv") == ["ann", "bob"]
    assert read_roster("Name,ID\nAnn,1\nBob,2\n", "r.csv") == ["1", "2"]


def test_a_course_s_marking_goes_with_every_variant_and_into_its_quiz(tmp_path: Path) -> None:
    course = tmp_path / "course.yaml"
    course.write_text(GFG.read_text(encoding="utf-8") + "marking: {digits: 4}\n", encoding="utf-8")
    assert invoke("variants", course, "--count", "2", "-o", tmp_path / "class").exit_code == 0
    for i in (1, 2):
        assert yaml.safe_load((tmp_path / "class" / f"variant-0{i}.yaml").read_text())[
            "marking"] == {"digits": 4}
    quiz = tmp_path / "quiz.gift"
    assert invoke("export", tmp_path / "class", "-f", "gift", "-o", quiz).exit_code == 0
    text = quiz.read_text(encoding="utf-8")
    assert "Give delta[o] to 4 significant figures" in text
    key = yaml.safe_load((tmp_path / "class" / "variant-01.key.yaml").read_text())
    # Four figures of δ[o]: accepted within half a unit of the fourth.
    delta = key["delta[o]"]
    unit = 10.0 ** (math.floor(math.log10(abs(delta))) - 3)
    correct = re.search(r"::01 · delta\[o\]::.*?\{#=%100%(\S+):(\S+)#", text)
    assert correct, text[:400]
    assert float(correct[1]) == pytest.approx(delta, rel=1e-12)
    assert float(correct[2]) == pytest.approx(unit / 2, rel=1e-9)
    again = invoke("export", tmp_path / "class", "-f", "gift", "-o", tmp_path / "q2.gift",
                   "--digits", "3", "--decimals", "2")
    assert again.exit_code == 2 and "give one of them" in again.stderr
