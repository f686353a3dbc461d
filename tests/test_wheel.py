"""The package as people get it: built, checked, installed from the wheel alone into a fresh
environment in an empty folder, and run there on its lessons.

The numbers are the published correct values of the GeeksforGeeks 2-2-1 sigmoid example,
worked by hand, not the output of another bpstep run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.early
SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                              ".pytest_cache", ".hypothesis", ".ruff_cache", "out", "node_modules")

# Hand-derived for x = (0.35, 0.7), every weight into h1 0.2, into h2 0.3, h1->o 0.3,
# h2->o 0.9, t = 0.5, learning rate 1: a[h1] = 0.35*0.2 + 0.7*0.2, y = 1/(1 + e^-a) ...
PUBLISHED = {
    "a[h1]": 0.21,
    "y[h1]": 0.552308,
    "a[o]": 0.685987,
    "y[o]": 0.665074,
    "delta[o]": -0.0367703,
    "delta[h1]": -0.00272759,
    "w[h1->o]": 0.279691,
    "w[h2->o]": 0.878743,
    "dw[x1->h1]": -0.000954656,
    "y_after[o]": 0.659554,
}


def close(value: float, published: float) -> bool:
    """Equal to the published value at its 6 significant digits (half a unit of the sixth)."""
    return abs(value - published) <= 0.5 * 10.0 ** (math.floor(math.log10(abs(published))) - 5)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist and a wheel built with ``python -m build`` from a copy of the source tree."""
    pytest.importorskip("build", reason="pip install -e '.[test]' (needs build and twine)")
    source = tmp_path_factory.mktemp("source") / "bpstep"
    shutil.copytree(ROOT, source, ignore=SKIP)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], check=True,
                   capture_output=True, text=True)
    return out


def only(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


def test_twine_accepts_the_sdist_and_the_wheel(dist: Path) -> None:
    files = [str(only(dist, "*.tar.gz")), str(only(dist, "*.whl"))]
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *files],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_wheel_carries_exactly_the_repository_scenarios(dist: Path) -> None:
    with zipfile.ZipFile(only(dist, "*.whl")) as wheel:
        shipped = {Path(n).name: wheel.read(n) for n in wheel.namelist()
                   if n.startswith("bpstep/scenarios/")}
    assert shipped == {p.name: p.read_bytes() for p in (ROOT / "scenarios").iterdir()}


def test_the_sdist_carries_the_scenarios_and_the_changelog(dist: Path) -> None:
    import tarfile

    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        names = {Path(n).relative_to(Path(n).parts[0]).as_posix() for n in sdist.getnames()
                 if len(Path(n).parts) > 1}
    assert {f"scenarios/{p.name}" for p in (ROOT / "scenarios").iterdir()} <= names
    assert {"CHANGELOG.md", "README.md", "setup.py", "pyproject.toml", "LICENSE"} <= names


def test_the_wheel_carries_the_license_pyproject_names(dist: Path) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "WITHOUT WARRANTY OF ANY KIND" in text
    with zipfile.ZipFile(only(dist, "*.whl")) as wheel:
        licenses = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert len(licenses) == 1 and wheel.read(licenses[0]).decode("utf-8") == text
        metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        assert "License-Expression: MIT" in wheel.read(metadata).decode("utf-8")


def test_installed_from_the_wheel_alone_it_runs_its_lessons_anywhere(dist: Path, tmp_path: Path
                                                                    ) -> None:
    env_dir, empty = tmp_path / "env", tmp_path / "empty"
    empty.mkdir()
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # --no-compile: pip's byte-compiling of numpy, pydantic and the rest took a third of this
    # test; Python compiles what a command imports as it imports it.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-compile", str(only(dist, "*.whl"))], check=True, capture_output=True,
                   text=True)
    bpstep = env_dir / "bin" / "bpstep"
    # As on a user's machine, Python keeps the bytecode it compiles (a CI image may say not to):
    # the first command compiles bpstep and its libraries, the next ones reuse them.
    environ = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")}
    environ |= {"NO_COLOR": "1", "COLUMNS": "100"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bpstep), *args], cwd=empty, env=environ, capture_output=True,
                              text=True)

    listed = run("lessons")
    assert listed.returncode == 0, listed.stderr
    assert "gfg_sigmoid" in listed.stdout and "bpstep verify gfg_sigmoid.article-answers" in \
        listed.stdout

    step = run("run", "gfg_sigmoid", "--json")
    assert step.returncode == 0, step.stderr
    values = json.loads(step.stdout)["values"]
    assert json.loads(step.stdout)["scenario"] == "gfg_sigmoid"  # its name, not where it lies
    for name, published in PUBLISHED.items():
        assert close(values[name], published), (name, values[name], published)

    marked = run("verify", "gfg_sigmoid.article-answers", "--json")
    assert marked.returncode == 1, marked.stderr  # the article has mistakes
    verdicts = {a["name"]: a for a in json.loads(marked.stdout)["answers"]}
    assert verdicts["a[h1]"]["verdict"] == "correct"
    assert verdicts["y[h1]"]["verdict"] == "wrong"  # the article's 0.56 for 0.552308
    assert verdicts["delta[o]"]["verdict"] == "carried"  # -0.0376, from its own y[o] = 0.67
    assert verdicts["dw[x1->h1]"]["verdict"] == "wrong"  # +0.000945: the sign flipped
    for name in ("y[h1]", "delta[o]", "delta[h1]", "w[h2->o]", "dw[x1->h1]", "y_after[o]"):
        assert close(verdicts[name]["expected"], PUBLISHED[name]), name

    page = run("export", "gfg_sigmoid", "-f", "web", "-o", "-")  # its scripts are package data
    assert page.returncode == 0 and "bpstepMarker.create" in page.stdout, page.stderr

    assert run("--version").stdout.strip() == "bpstep " + only(dist, "*.whl").name.split("-")[1]
    assert list(empty.iterdir()) == []  # nothing written where it ran
