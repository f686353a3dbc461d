"""Help and start-up as a new user meets them: -h/-V, no arguments, examples that work as shown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bpstep.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "100"})


def test_no_arguments_prints_the_help_and_exits_0() -> None:
    result = invoke()
    assert result.exit_code == 0
    assert "Usage: bpstep" in result.stdout and "verify" in result.stdout


def test_short_help_and_version_flags() -> None:
    assert invoke("-h").stdout == invoke("--help").stdout
    assert "Usage: bpstep run" in invoke("run", "-h").stdout
    version = invoke("-V")
    assert version.exit_code == 0 and version.stdout.startswith("bpstep ")
    assert "--install-completion" in invoke("--help").stdout


def test_explain_help_shows_names_with_their_brackets() -> None:
    text = invoke("explain", "--help").stdout
    assert "'delta[h1]'" in text and "'w[x1->h1]'" in text


def test_the_explain_example_works_as_shown() -> None:
    result = invoke("explain", str(ROOT / "scenarios" / "gfg_sigmoid.yaml"), "w[x1->h1]")
    assert result.exit_code == 0 and "w0[x1->h1] + dw[x1->h1]" in result.stdout


def test_verify_help_has_one_readable_usage_line_and_no_stray_argument() -> None:
    text = invoke("verify", "--help").stdout
    assert "Usage: bpstep verify [OPTIONS] [SCENARIO] ANSWERS" in text
    assert "second" not in text


def test_run_on_an_answers_file_points_to_verify() -> None:
    path = ROOT / "scenarios" / "gfg_sigmoid.article-answers.yaml"
    result = invoke("run", str(path))
    assert result.exit_code == 2
    assert "looks like an answers file" in result.stderr and f"bpstep verify {path}" in result.stderr


def test_ctrl_c_while_the_command_line_loads_exits_130_without_a_traceback() -> None:
    # Make the import of the command line itself be interrupted, as Ctrl-C during start-up is.
    probe = ("import builtins\n"
             "real = builtins.__import__\n"
             "def interrupted(name, *args, **kwargs):\n"
             "    if name == 'bpstep.cli':\n"
             "        raise KeyboardInterrupt\n"
             "    return real(name, *args, **kwargs)\n"
             "builtins.__import__ = interrupted\n"
             "from bpstep.launch import main\n"
             "main()\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 130
    assert done.stderr.strip() == "bpstep: interrupted"


# --- every command's help, as printed ---

import re  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402

import pytest  # noqa: E402
import typer  # noqa: E402


def commands() -> list[tuple[tuple[str, ...], object]]:
    """Every command of the app with the words that call it: (), ("run",), ("lessons", "copy") ..."""
    found = []

    def walk(path: tuple[str, ...], command: object) -> None:
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk((*path, name), sub)

    walk((), typer.main.get_command(app))
    return found


COMMANDS = commands()


def wide_help(*path: str) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def examples(help_text: str) -> list[str]:
    """The commands after "Examples:": one a line at the top level, else one paragraph of them
    split at " · " (an example may run over two lines)."""
    lines = [line.strip() for line in help_text.splitlines()]
    start = next((i for i, line in enumerate(lines) if "Examples:" in line), None)
    if start is None:
        return []
    if lines[start] == "Examples:":
        return [line.split("  (")[0] for line in lines[start + 1:] if line.startswith("bpstep ")]
    end = lines.index("", start)
    text = " ".join(lines[start:end]).split("Examples:", 1)[1]
    return [piece[piece.index("bpstep "):].strip() for piece in text.split(" · ")
            if "bpstep " in piece]


def test_every_command_has_examples() -> None:
    found = {path: examples(wide_help(*path)) for path, _ in COMMANDS}
    assert all(found.values()), [path for path, listed in found.items() if not listed]
    assert sum(map(len, found.values())) >= 30


OUTPUTS = frozenset({"-o", "--output", "--save", "--csv", "--html", "--feedback", "--plot",
                     "--save-svg"})
"""Options whose value an example writes: not an input to prepare."""


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the examples read, as a teacher would have it: a roster, a class made from it, the
    class's answers files, an exercise and answers typed into a text file."""
    import os

    folder = tmp_path_factory.mktemp("prepared")
    roster = "id,name,email\ns01,Ann Lee,ann@example.org\ns02,Bo Chen,bo@example.org\n"
    for name in ("students.csv", "roster.csv"):
        (folder / name).write_text(roster, encoding="utf-8")
    (folder / "answers").mkdir()
    for student in ("s01", "s02"):
        (folder / "answers" / f"{student}.yaml").write_text(
            f"scenario: {student}.yaml\n'a[h1]': 0.137\n", encoding="utf-8")
    (folder / "my_answers.txt").write_text("0.5\n0.25\n", encoding="utf-8")
    here = Path.cwd()
    os.chdir(folder)
    try:
        for args in (["variants", "gfg_sigmoid", "--roster", "students.csv", "--seed", "7", "-o",
                      "class"], ["new", "--seed", "7", "-o", "ex.yaml"],
                     ["template", "gfg_sigmoid", "-o", "answers.yaml"]):
            assert runner.invoke(app, args).exit_code == 0, args
    finally:
        os.chdir(here)
    return folder


ALL_EXAMPLES = sorted({example for path, _ in COMMANDS for example in examples(wide_help(*path))})


@pytest.mark.parametrize("example", ALL_EXAMPLES)
def test_every_help_example_runs_as_printed(example: str, prepared: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """In a folder holding only what the example reads, it does its work: exit code 0, or 1
    where it marks mistakes; never a usage error."""
    words = shlex.split(example)
    assert words[0] == "bpstep"
    words = words[1:]
    given = ""
    if "<" in words:
        at = words.index("<")
        given = (prepared / words[at + 1]).read_text(encoding="utf-8")
        words = words[:at]
    for before, word in zip(["", *words], words, strict=False):
        source = prepared / word.split("/")[0]
        if before not in OUTPUTS and word.split("/")[0] and source.exists():
            target = tmp_path / source.name
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                shutil.copy(source, target)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, words, input=given, env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert result.exit_code in (0, 1), (example, result.output)
    assert "Traceback" not in result.output


QUOTED_NAME = re.compile(r"'([a-z_0-9]+(?:\\\\)?\[[^\]']*\])'")


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=lambda c: " ".join(c) or "bpstep"
                         if isinstance(c, tuple) else "")
def test_names_with_brackets_keep_them_in_help(path: tuple[str, ...], command: object) -> None:
    """Rich markup must not take [h1] of 'delta[h1]' for a style and drop it."""
    written = [getattr(command, "help", None) or "",
               *(getattr(p, "help", None) or "" for p in getattr(command, "params", []))]
    names = {m.replace("\\", "") for text in written for m in QUOTED_NAME.findall(text)}
    shown = wide_help(*path)
    assert all(f"'{name}'" in shown for name in names), (names, shown)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=lambda c: " ".join(c) or "bpstep"
                         if isinstance(c, tuple) else "")
def test_usage_and_options_read_as_a_person_writes_them(path: tuple[str, ...],
                                                        command: object) -> None:
    shown = wide_help(*path)
    usage = next(line for line in shown.splitlines() if "Usage:" in line).strip()
    assert "[[" not in usage and "{" not in usage and not re.search(r"\b[a-z]+\b$", usage), usage
    assert "<bool>" not in shown


def test_graph_help_names_the_whole_quantity() -> None:
    shown = wide_help("graph")
    assert "Usage: bpstep graph [OPTIONS] FILE [QUANTITY]" in shown
    assert "bpstep graph gfg_sigmoid 'delta[h1]'" in shown and "'y[o]' -f dot" in shown


@pytest.mark.parametrize(("args", "said"), [
    (["run"], "missing argument 'FILE'"),
    (["export", "gfg_sigmoid", "-f", "pdf", "-o", "x.pdf"], "'pdf' is not one of 'markdown'"),
    (["new", "--decimals", "3"], "'--decimals'"),
    (["run", "gfg_sigmoid", "--stepp"], "no such option: --stepp"),
    (["lessons", "copy"], "missing argument 'LESSON'"),
    (["runn"], "no such command 'runn'"),
])
def test_usage_errors_are_one_line_in_bpsteps_words(args: list[str], said: str) -> None:
    result = runner.invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("bpstep: error: "), result.stderr
    assert said in lines[0] and "--help` lists what it takes" in lines[0]
    assert "╭" not in result.stderr and "Usage:" not in result.stderr


def test_new_without_output_prints_a_scenario_run_accepts(tmp_path: Path) -> None:
    printed = runner.invoke(app, ["new", "--seed", "7"])
    assert printed.exit_code == 0 and printed.stdout.startswith("# Made with: bpstep new ")
    assert printed.stdout == runner.invoke(app, ["new", "--seed", "7", "--print"]).stdout
    (tmp_path / "ex.yaml").write_text(printed.stdout, encoding="utf-8")
    assert runner.invoke(app, ["run", str(tmp_path / "ex.yaml")]).exit_code == 0
    both = runner.invoke(app, ["new", "--seed", "7", "--print", "-o", str(tmp_path / "b.yaml")])
    assert both.exit_code == 2 and "give one of them" in both.stderr
    assert not (tmp_path / "b.yaml").exists()


SHORT = {"-o": {"--output"}, "-f": {"--format"}, "-p": {"--precision"}, "-e": {"--explain"},
         "-s": {"--step"}, "-k": {"--stage", "--from-stage"}, "-n": {"--count"},
         "-h": {"--help"}, "-V": {"--version"}}
"""What each short option stands for, in every command: -k is always a stage number K."""


def test_a_short_option_means_one_thing_in_every_command() -> None:
    import typer.main

    meanings: dict[str, set[str]] = {}
    for _, command in COMMANDS:
        context = typer.main.get_command(app).make_context("bpstep", [], resilient_parsing=True)
        for param in command.get_params(context):  # type: ignore[attr-defined]
            if getattr(param, "hidden", False) or param.param_type_name != "option":
                continue
            longs = {o for o in param.opts if o.startswith("--")}
            for short in (o for o in param.opts if not o.startswith("--")):
                meanings.setdefault(short, set()).update(longs)
    assert meanings == SHORT


@pytest.mark.parametrize(("old", "new"), [("-n", "--epochs"), ("-k", "--every")])
def test_an_old_short_option_still_works_and_says_it_is_going(old: str, new: str) -> None:
    path = str(ROOT / "scenarios" / "xor_sigmoid.yaml")
    result = runner.invoke(app, ["train", path, old, "4", "--json"])
    assert result.exit_code == 0
    assert f"bpstep: note: {old} is deprecated here and will be removed; write {new} 4" in \
        result.stderr
    modern = runner.invoke(app, ["train", path, new, "4", "--json"])
    assert result.stdout == modern.stdout and modern.stderr == ""


def test_each_command_is_summed_up_in_one_unbroken_sentence() -> None:
    """The list of commands does not break a summary where its docstring's line ends."""
    panel = wide_help().split("Commands", 1)[1].splitlines()[1:]
    rows = [line.strip("│ ").rstrip() for line in panel if line.startswith("│")]
    assert len(rows) == len(COMMANDS) - 2  # every command but the top level and lessons copy
    assert all(re.match(r"[a-z]+ {2,}[A-Z]", row) for row in rows), rows
