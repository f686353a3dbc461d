"""Outputs never lose what the user wrote: no file a command reads is replaced (named directly,
through a symbolic link or a hard link, whatever --force says), a symbolic link is an existing
file even when it leads nowhere, and a write is whole or not at all (temp file renamed).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpstep import files
from bpstep.cli import app
from bpstep.files import OutputError, write_new

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
XOR = ROOT / "scenarios" / "xor_sigmoid.yaml"


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def link(kind: str, target: Path, at: Path) -> Path:
    """``at`` made into the target itself, a symbolic link to it, or a hard link to it."""
    if kind == "same":
        return target
    if kind == "symlink":
        at.symlink_to(target)
    else:
        os.link(target, at)
    return at


COMMANDS: dict[str, Callable[[Path, Path], list[object]]] = {
    "export": lambda src, out: ["export", src, "-f", "markdown", "-o", out],
    "diagram": lambda src, out: ["diagram", src, "-o", out],
    "template": lambda src, out: ["template", src, "-o", out],
    "train --save": lambda src, out: ["train", src, "--epochs", 3, "--save", out],
    "train --plot": lambda src, out: ["train", src, "--epochs", 3, "--plot", out],
}


@pytest.mark.parametrize("kind", ["same", "symlink", "hardlink"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_input_is_never_overwritten_even_with_force(tmp_path: Path, command: str, kind: str) -> None:
    source = tmp_path / "net.yaml"
    shutil.copy(XOR if command.startswith("train") else GFG, source)
    before = source.read_bytes()
    out = link(kind, source, tmp_path / "out.yaml")
    code, err = invoke(*COMMANDS[command](source, out), "--force")
    assert code == 2 and "is an input of this command; it is never overwritten" in err, err
    assert source.read_bytes() == before and not source.is_symlink()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_dangling_symlink_is_an_existing_file(tmp_path: Path, command: str) -> None:
    source = tmp_path / "net.yaml"
    shutil.copy(XOR if command.startswith("train") else GFG, source)
    elsewhere = tmp_path / "elsewhere.txt"
    out = tmp_path / "out.yaml"
    out.symlink_to(elsewhere)
    code, err = invoke(*COMMANDS[command](source, out))
    assert code == 2 and f"{out} is a symbolic link; use --force to overwrite it" in err, err
    assert not elsewhere.exists()
    code, err = invoke(*COMMANDS[command](source, out), "--force")
    assert code == 0, err
    assert not elsewhere.exists() and not out.is_symlink() and out.stat().st_size > 0


def test_save_svg_does_not_write_through_a_dangling_symlink(tmp_path: Path) -> None:
    slides = tmp_path / "slides"
    slides.mkdir()
    (slides / "stage-01.svg").symlink_to(tmp_path / "elsewhere.svg")
    code, err = invoke("run", GFG, "--save-svg", slides)
    assert code == 2 and "stage-01.svg already exists" in err
    assert not (tmp_path / "elsewhere.svg").exists()


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed half-way (here: the disk fills after the first bytes), the old file is untouched."""
    target = tmp_path / "trained.yaml"
    target.write_text("my old scenario\n")
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd: int, mode: str) -> None:
            self.file = real_fdopen(fd, mode)

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *_: object) -> None:
            self.file.close()

        def write(self, data: bytes) -> None:
            self.file.write(data[:10])
            self.file.flush()
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fdopen", Full)
    with pytest.raises(OutputError, match=r"cannot write .*No space left on device"):
        write_new(target, "new text " * 1000, force=True)
    assert target.read_text() == "my old scenario\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trained.yaml"]


def test_an_interrupted_write_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.md"
    target.write_text("old")

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_new(target, "new", force=True)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    target.write_text("old")
    target.chmod(0o640)
    write_new(target, "new", force=True)
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o640


def test_every_write_is_a_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The only way a file reaches its name is os.replace of a finished temp file beside it."""
    renamed: list[tuple[str, str]] = []
    real = os.replace
    monkeypatch.setattr(files.os, "replace",
                        lambda a, b: renamed.append((Path(a).name, Path(b).name)) or real(a, b))
    source = tmp_path / "xor.yaml"
    shutil.copy(XOR, source)
    code, err = invoke("train", source, "--epochs", 3, "--save", tmp_path / "t.yaml",
                       "--plot", tmp_path / "p.svg")
    assert code == 0, err
    assert [b for _, b in renamed] == ["p.svg", "t.yaml"]
    assert all(a.startswith(f".{b}.") and a.endswith(".tmp") for a, b in renamed)


def test_over_long_output_name_is_one_line(tmp_path: Path) -> None:
    code, err = invoke("export", GFG, "-f", "html", "-o", tmp_path / ("x" * 300 + ".html"))
    assert code == 2 and err.count("\n") == 1
    assert "longer than the file system allows" in err
    assert list(tmp_path.iterdir()) == []


def test_an_output_in_a_missing_folder(tmp_path: Path) -> None:
    code, err = invoke("export", GFG, "-f", "html", "-o", tmp_path / "nowhere" / "x.html")
    assert code == 2 and "does not exist; create it first" in err


@pytest.mark.parametrize("command", [["run", GFG], ["export", GFG, "-f", "markdown", "-o", "-"]])
def test_ctrl_c_says_interrupted(monkeypatch: pytest.MonkeyPatch, command: list[object]) -> None:
    import bpstep.engine

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(bpstep.engine, "step", interrupted)
    code, err = invoke(*command)
    assert (code, err) == (130, "\nbpstep: interrupted\n")


def test_a_lone_surrogate_title_leaves_no_empty_file(tmp_path: Path) -> None:
    source = tmp_path / "net.yaml"
    source.write_text(GFG.read_text(encoding="utf-8").replace("title:", 'title: "\\ud800"\n#', 1))
    code, err = invoke("export", source, "-f", "html", "-o", tmp_path / "x.html")
    assert code == 2 and "\\ud800" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.yaml"]


def test_train_saves_only_what_run_reads(tmp_path: Path) -> None:
    """1000-1000-1 drawn with init: its trained weights (about 22 MB as text) are refused before
    any training; a network just under the floor is trained, then refused by its real size."""
    source = tmp_path / "wide.yaml"
    hidden = ", ".join(f"h{i}" for i in range(1000))
    inputs = ", ".join(f"x{i}" for i in range(1000))
    source.write_text(f"learning_rate: 0.1\ninit: {{kind: xavier, seed: 0}}\nlayers:\n"
                      f"  - units: [{inputs}]\n  - units: [{hidden}]\n    activation: tanh\n"
                      f"  - units: [o]\n    activation: identity\n"
                      f"inputs: [{', '.join(['0.5'] * 1000)}]\ntargets: [0.5]\n")
    code, err = invoke("train", source, "--epochs", 1, "--save", tmp_path / "t.yaml")
    assert code == 2 and "--save: the trained network would take at least 5.0 MB as a scenario, " \
                         "more than the 5 MB bpstep reads; nothing saved" in err, err
    assert not (tmp_path / "t.yaml").exists()
    narrower = tmp_path / "narrower.yaml"
    narrower.write_text(source.read_text().replace(inputs, ", ".join(f"x{i}" for i in range(600)))
                        .replace(", ".join(["0.5"] * 1000), ", ".join(["0.5"] * 600)))
    code, err = invoke("train", narrower, "--epochs", 1, "--save", tmp_path / "t.yaml")
    assert code == 2 and "--save: the trained network would take 1" in err and "MB as a scenario" in err
    assert not (tmp_path / "t.yaml").exists()


def test_a_diverging_training_saves_nothing_and_exits_1(tmp_path: Path) -> None:
    """relu_sse with η = 1e200: the loss after the only update is inf (it was finite before)."""
    code, err = invoke("train", ROOT / "scenarios" / "relu_sse.yaml", "--lr", "1e200", "--epochs", 1,
                       "--save", tmp_path / "sv.yaml")
    assert code == 1 and "the loss stopped being a finite number after 1 epochs" in err, err
    assert "nothing saved" in err and not (tmp_path / "sv.yaml").exists()


def _class_setup(tmp: Path) -> dict[str, Path]:
    """A folder of the files commands read: a scenario, a scenario that does not load, answers
    naming each, a roster, and a class made by ``bpstep variants``."""
    shutil.copy(GFG, tmp / "net.yaml")
    (tmp / "broken.yaml").write_text("title: [\n")
    answers = tmp / "answers"
    answers.mkdir()
    (answers / "s1.yaml").write_text("scenario: ../net.yaml\na[h1]: 0.3\n")
    (answers / "s2.yaml").write_text("scenario: ../broken.yaml\na[h1]: 0.3\n")
    (tmp / "roster.csv").write_text("id\ns1\ns2\n")
    code, err = invoke("variants", tmp / "net.yaml", "-n", 2, "-o", tmp / "class")
    assert code == 0, err
    return {"scenario": tmp / "net.yaml", "broken": tmp / "broken.yaml",
            "answers": answers / "s1.yaml", "roster": tmp / "roster.csv",
            "index": tmp / "class" / "index.csv",
            "variant": tmp / "class" / "students" / "variant-01.yaml"}


BATCH = ["verify", "--batch", "{tmp}/answers/*.yaml", "--scenarios", "{tmp}"]
WRITERS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "export markdown": (["export", "{scenario}", "-f", "markdown", "-o", "{out}"], ("scenario",)),
    "export html": (["export", "{scenario}", "-f", "html", "-o", "{out}"], ("scenario",)),
    "export moodle of a class": (["export", "{tmp}/class", "-f", "moodle", "-o", "{out}"],
                                 ("index", "variant")),
    "export qti of a class": (["export", "{tmp}/class", "-f", "qti", "-o", "{out}"],
                              ("index", "variant")),
    "diagram": (["diagram", "{scenario}", "-o", "{out}"], ("scenario",)),
    "graph": (["graph", "{scenario}", "-o", "{out}", "-f", "dot"], ("scenario",)),
    "template": (["template", "{scenario}", "-o", "{out}"], ("scenario",)),
    "variants": (["variants", "{scenario}", "-o", "{tmp}/class", "--roster",
                  "{roster}"], ("scenario", "roster")),
    "verify --batch --csv": ([*BATCH, "--csv", "{out}"], ("answers", "scenario", "broken")),
    "verify --batch --html": ([*BATCH, "--html", "{out}"], ("answers", "scenario", "broken")),
    "verify --batch --roster --csv": ([*BATCH, "--roster", "{roster}", "--csv", "{out}"],
                                      ("roster",)),
}
"""Every command that writes a file, and the files it reads that may be named as its output
(``{out}``); variants writes index.csv and variant files, so the files it reads are put there."""


@pytest.mark.parametrize("command", list(WRITERS))
def test_no_command_replaces_a_file_it_reads_whatever_force_says(tmp_path: Path,
                                                                 command: str) -> None:
    files = _class_setup(tmp_path)
    args, targets = WRITERS[command]
    for target in targets:
        read = files[target]
        if command == "variants":  # a class folder whose index.csv is the very file read
            read = files["index"]
            shutil.copy(files[target], read)
        before = read.read_bytes()
        fill = {"tmp": tmp_path, "out": read, **files, target: read}
        code, err = invoke(*(a.format(**fill) for a in args), "--force")
        assert code == 2 and "is an input of this command; it is never overwritten" in err, \
            (target, err)
        assert err.count("\n") == 1 and read.read_bytes() == before, target


def test_save_svg_never_replaces_the_scenario_it_draws(tmp_path: Path) -> None:
    slides = tmp_path / "slides"
    slides.mkdir()
    source = slides / "stage-01.svg"  # a scenario may have any name
    shutil.copy(GFG, source)
    code, err = invoke("run", source, "--save-svg", slides, "--force")
    assert code == 2 and "is an input of this command; it is never overwritten" in err, err
    assert source.read_bytes() == GFG.read_bytes()
    assert sorted(p.name for p in slides.iterdir()) == ["stage-01.svg"]


def test_practice_and_lessons_copy_never_replace_what_they_read(tmp_path: Path) -> None:
    source = tmp_path / "net.yaml"
    shutil.copy(GFG, source)
    code, err = invoke("practice", source, "--save", source, "--force")
    assert code == 2 and "is an input of this command" in err, err
    from bpstep.lessons import find

    link = tmp_path / "lesson.yaml"
    link.symlink_to(find(Path("gfg_sigmoid")))
    code, err = invoke("lessons", "copy", "gfg_sigmoid", "-o", link, "--force")
    assert code == 2 and "is an input of this command" in err, err
    assert source.read_bytes() == GFG.read_bytes() and link.is_symlink()
