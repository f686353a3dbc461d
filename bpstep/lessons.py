"""The lessons that ship with bpstep, found by name wherever bpstep is installed.

A lesson is a scenario or an answers file of the repository's ``scenarios/`` folder. A wheel
carries the same files as package data (``bpstep/scenarios/``, see setup.py); a source checkout
or an editable install reads the checkout's ``scenarios/`` itself. Every command that takes a
file also takes a lesson name, so ``bpstep run gfg_sigmoid`` works in a clone and after an install.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from bpstep.errors import UserError, did_you_mean

if TYPE_CHECKING:
    from bpstep.scenario import Scenario

SUFFIX = ".yaml"

TEACHES: dict[str, str] = {
    "gfg_sigmoid": "the GeeksforGeeks 2-2-1 sigmoid example, no biases",
    "gfg_gradient_convention": "the same with δ = +∂E/∂a and w ← w − η·δ·y: same new weights",
    "builtin_identity_xor": "the Built In article's identity network with bias units, XOR sample (0, 0)",
    "two_outputs_fixed_biases": "two sigmoid outputs, biases kept fixed (update_biases: false)",
    "tanh_mse": "tanh units with biases, mean squared error over two outputs",
    "relu_sse": "a ReLU unit that is off, so its weights do not move",
    "softmax_cross_entropy": "3 classes, softmax with cross-entropy: δ = t − y at the outputs",
    "two_hidden_layers": "deltas travelling back through two hidden layers",
    "xor_batch": "four samples, one batch update from the summed gradient",
    "xor_sigmoid": "the articles' XOR trainer (2-4-1 sigmoid, lr 0.1, 10,000 epochs) for bpstep train",
    "gfg_sigmoid.article-answers": "the article's printed numbers: δ of h2 ten times too big, a Δw "
    "with the wrong sign",
    "gfg_sigmoid.article-revised-answers": "a later revision of the article: other new weights, "
    "still wrong",
    "builtin_identity_xor.article-answers": "the article's numbers: right deltas, every weight it "
    "moves goes uphill",
}
"""What each lesson teaches, in the order ``bpstep lessons`` and the README list them."""


class LessonError(UserError):
    """A name that is neither an existing file nor a lesson, or a lesson that cannot be copied."""


@dataclass(frozen=True, slots=True)
class Lesson:
    """One shipped file, as ``bpstep lessons`` lists it."""

    name: str
    """What to type: ``gfg_sigmoid``; the file is ``NAME.yaml``."""
    path: Path
    teaches: str
    answers: tuple[str, ...] = ()
    """For a scenario: the names of the answers files that check it."""

    @property
    def is_answers(self) -> bool:
        return is_answers_name(self.name)


def is_answers_name(name: str) -> bool:
    """Answers files are named after what they answer: ``SCENARIO.SOURCE-answers``."""
    return name.endswith("answers")


def folder() -> Path:
    """Where the lessons are: the package data of an installed wheel, else the checkout's folder."""
    shipped = files("bpstep") / "scenarios"
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / "scenarios"


def path_of(name: str) -> Path:
    """The file of the lesson ``name`` (``.yaml`` may be given or left out)."""
    stem = name.removesuffix(SUFFIX)
    if stem not in TEACHES:
        raise LessonError(f"{name}: no such lesson; {_suggest(name)}")
    return folder() / f"{stem}{SUFFIX}"


def lessons() -> list[Lesson]:
    """Every lesson with what it teaches; a scenario also lists the answers files that check it."""
    answered: dict[str, list[str]] = {}
    for name in TEACHES:
        if is_answers_name(name):
            answered.setdefault(answers_scenario(name), []).append(name)
    return [Lesson(name, path_of(name), teaches, tuple(answered.get(name, ())))
            for name, teaches in TEACHES.items()]


def lesson_titles(shipped: list[Lesson]) -> dict[str, str]:
    """The title of every scenario among ``shipped`` (an answers file shows its scenario's)."""
    from bpstep.scenario import load

    return {lesson.name: load(lesson.path).title or "" for lesson in shipped
            if not lesson.is_answers}


@dataclass(frozen=True, slots=True)
class LessonCopy:
    """Where ``bpstep lessons copy`` copies a lesson, and the command that uses the copy."""

    source: Path
    target: Path
    command: str
    """``run`` for a scenario, ``verify`` for an answers file."""


def plan_copy(name: str, output: Path) -> LessonCopy:
    """The lesson ``name`` copied to ``output``: a file name ending in .yaml, else a folder, made
    if missing (in a folder that exists), that the copy keeps its name in."""
    source = path_of(name)
    as_file = output.suffix.lower() in (".yaml", ".yml") and not output.is_dir()
    if not as_file and not output.exists():
        if not output.parent.is_dir():
            raise LessonError(f"{output.parent} does not exist; create the folder first")
        output.mkdir()
    return LessonCopy(source, output if as_file else output / source.name,
                      "verify" if is_answers_name(source.stem) else "run")


def answers_scenario(name: str) -> str:
    """The scenario an answers lesson checks: its name up to the first dot."""
    return name.split(".", 1)[0]


def named(arg: Path | str, beside: Path | None = None) -> str | None:
    """The lesson ``arg`` names, or None when it is a path that exists or no lesson name.

    A name is bare (``gfg_sigmoid`` or ``gfg_sigmoid.yaml``). With ``beside``, ``arg`` is a path
    that was read relative to that folder (an answers file's ``scenario:``), and it names a lesson
    when what was written there is bare.
    """
    path = Path(arg)
    if _there(path):
        return None
    written = path.name if beside is not None and path.parent == beside else str(arg)
    stem = written.removesuffix(SUFFIX)
    return stem if stem in TEACHES and "/" not in written and "\\" not in written else None


def find(arg: Path | str, beside: Path | None = None) -> Path:
    """The file to read for ``arg``: a path that exists always wins, then a lesson name.

    Anything else is a ``LessonError`` that suggests the closest lesson names.
    """
    path = Path(arg)
    if _there(path):
        return path
    lesson = named(path, beside)
    if lesson is not None:
        return path_of(lesson)
    raise LessonError(f"{arg}: no such file or lesson; "
                      + _suggest(path.name, "check the path; `bpstep lessons` lists the lessons"))


def _there(path: Path) -> bool:
    """Whether ``path`` is something to read; a path the system refuses to look up (too long, a
    folder that may not be read) counts as there, so the reader says why it cannot be read."""
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError):
        pass
    return True


def load_scenario(arg: Path | str) -> Scenario:
    """The scenario at ``arg``, or the lesson it names (a bad one is a ``UserError``: exit code 2).

    Its ``source``, which handouts and ``--json`` print, is what was typed: a lesson's name, not
    where the lesson happens to be installed, or the path as given."""
    from dataclasses import replace

    from bpstep.scenario import load

    lesson = named(arg)
    scenario = load(find(arg))
    return replace(scenario, source=lesson) if lesson is not None else scenario


def display(path: Path) -> str:
    """How to name ``path`` in a command to type: its lesson name when it is a shipped lesson."""
    try:
        inside = path.resolve().parent == folder().resolve()
    except OSError:
        inside = False
    stem = path.name.removesuffix(SUFFIX)
    return stem if inside and stem in TEACHES and path.name.endswith(SUFFIX) else str(path)


def _suggest(written: str, otherwise: str = "`bpstep lessons` lists them") -> str:
    """The closest lesson names, else ``otherwise``: what to do next."""
    stem = written.removesuffix(SUFFIX).removesuffix(".yml")
    close = did_you_mean(stem, TEACHES)
    return f"{close} (`bpstep lessons` lists every lesson)" if close else otherwise
