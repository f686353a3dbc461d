"""A whole class from one scenario: a fair variant per student, its answer key, its quiz blanks.

A variant keeps the scenario's structure (layers, activations, loss, convention, mode, learning
rate) and draws new nice numbers, each group (a weight matrix, a layer's biases, the inputs, the
targets) with as many decimals as the original's and within its span; the draw is kept only when
the step is fair as ``bpstep.fairness`` defines it, measured against the original (no zero, no
unit saturated, dead or a copy of another, nothing that rounds to 0 at the precision floor, every
stage within a factor of 3 of the original's). Whole numbers among the inputs and targets (XOR's
truth table, class labels) and groups that are all 0 are kept as the original has them. Each
variant is drawn from its own seed, derived from the class seed and the variant's id with
SHA-256, so one student's variant can be made again from (seed, id) alone.

A class folder holds ``students/`` (the scenarios handed out), ``keys/`` (the answer keys) and
``index.csv`` linking them. Every file name is checked against every other before anything is
written: two ids that would make the same name (as a case-insensitive file system compares
them) are refused with their roster lines and why (accents, punctuation, letters outside the
Latin alphabet, the cut at 60 characters ...).

Files are read and written by ``bpstep.cli``; the roster text comes in as a string. A large
class is drawn by a pool of processes (``class_texts``), each variant from its own seed alone.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from bpstep.arrays import frozen
from bpstep.cells import csv_cell, yaml_number
from bpstep.engine import Params, initial_params, step
from bpstep.errors import UserError
from bpstep.escaping import printable
from bpstep.fairness import (
    RULES,
    Reference,
    decimals_of,
    given_groups,
    labelled,
    number_breaches,
    reference,
    step_breaches,
)
from bpstep.numbers import clean, clean_all
from bpstep.roster import RosterRow, clash_reason, load_roster, safe_stem
from bpstep.scenario import Scenario, activation_of, titled
from bpstep.scenario_yaml import scenario_yaml
from bpstep.trace import Quantity, Trace, asked, kind_of, named_values
from bpstep.verify import EPSILON, truth_marker
from bpstep.written import DEFAULT_FLOOR, Floor, FloorKind, read_number

ATTEMPTS = 1000
"""Draws tried per variant before saying which rule of fairness could not be met."""
MIN_CHOICES = 2
"""Values other than 0 a group's grid offers at least: a span too narrow for it (the weights
1, 1, 1 of builtin_identity_xor, whole numbers up to 1) is widened, one step at a time."""
STUDENTS = "students"
"""Folder of a class with the scenarios handed out."""
KEYS = "keys"
"""Folder of a class with the answer keys, kept apart from what is handed out."""
KEY_SUFFIX = ".key.yaml"


class VariantError(UserError):
    """A roster or a request for variants that cannot be met; the message says what to do."""


# --- drawing variants ---


def derive_seed(seed: int, ident: str) -> int:
    """A variant's own seed from the class seed and its id: stable across runs and machines."""
    digest = hashlib.sha256(f"bpstep-variant\0{seed}\0{ident}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one group of given numbers is drawn: from a grid of whole multiples of 10^−decimals
    (0 only where the original has 0), with its share of each attempt's uniform draws."""

    label: str
    grid: np.ndarray
    """Every multiple k of the grid's unit that may be drawn (k / unit is the number)."""
    nonzero: np.ndarray
    zeros: np.ndarray
    """Flat positions where the original has 0 (and the variant may too)."""
    shape: tuple[int, ...]
    unit: float
    part: slice
    """The uniform draws of an attempt that are this group's: one per number."""


def _kept(scenario: Scenario, label: str, values: np.ndarray) -> bool:
    """Groups a variant keeps: all 0 (biases that start at 0); whole inputs or targets (a truth
    table, class labels); targets a loss constrains (cross-entropies, softmax) or an output whose
    range is open (nothing to draw them in)."""
    if not values.any():
        return True
    if label in ("inputs", "targets") and decimals_of(values) == 0:
        return True
    if label == "targets":
        low, high = activation_of(scenario.layers[-1]).bounds
        return labelled(scenario.loss, scenario.layers[-1].activation) or not (
            math.isfinite(low) and math.isfinite(high))
    return False


def _plan(scenario: Scenario, label: str, values: np.ndarray, start: int) -> _Plan | np.ndarray:
    """Where a group's new numbers are drawn: within ±its largest magnitude (from 0 when none is
    negative), targets inside the output's range with a margin of a tenth (and not below 0 when
    the original's are not); with the group's decimals, and at least MIN_CHOICES values other
    than 0. Its numbers take the uniform draws from ``start`` on. A group kept (``_kept``) is
    its own array, and takes none."""
    if _kept(scenario, label, values):
        return values
    unit = 10.0 ** decimals_of(values)
    nonnegative = bool(np.min(values) >= 0)
    if label == "targets":
        low, high = activation_of(scenario.layers[-1]).bounds
        margin = 0.1 * (high - low)
        low, high = max(low + margin, 0.0) if nonnegative else low + margin, high - margin
    else:
        high = float(np.max(np.abs(values)))
        low = 0.0 if nonnegative else -high
    first, last = math.ceil(low * unit - 1e-9), math.floor(high * unit + 1e-9)
    if nonnegative:  # a span from 0 is widened to offer MIN_CHOICES values but 0 (weights 1, 1, 1);
        last = max(last, MIN_CHOICES)  # one about 0 offers ±1 at least, a target's grid 8 or more
    grid = np.arange(first, last + 1)
    return _Plan(label, grid, grid[grid != 0], np.flatnonzero(values == 0), values.shape, unit,
                 slice(start, start + values.size))


def _draw(plan: _Plan | np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """The group's numbers from its share of an attempt's uniform draws in [0, 1)."""
    if not isinstance(plan, _Plan):
        return plan
    mine = uniform[plan.part]
    picks = plan.nonzero[(mine * len(plan.nonzero)).astype(np.int64)]
    picks[plan.zeros] = plan.grid[(mine[plan.zeros] * len(plan.grid)).astype(np.int64)]
    return frozen((picks / plan.unit).reshape(plan.shape))  # correctly rounded: the float of k·10^−d


class Drawer:
    """Draws fair variants of one scenario: its step, its measure (``fairness.reference``) and
    the plan of each group of numbers are worked out once for the whole class."""

    def __init__(self, original: Scenario) -> None:
        self.original = original
        self.reference: Reference = reference(original, step(original))
        self.plans: list[_Plan | np.ndarray] = []
        self.numbers = 0
        """Uniform draws an attempt takes: one per number drawn."""
        for label, values in given_groups(original):
            plan = _plan(original, label, values, self.numbers)
            self.plans.append(plan)
            if isinstance(plan, _Plan):
                self.numbers = plan.part.stop
        self.weights = len(original.weights)

    def _scenario(self, arrays: list[np.ndarray]) -> Scenario:
        n = self.weights
        biases = None if self.original.biases is None else tuple(arrays[n:2 * n])
        return dataclasses.replace(self.original, weights=tuple(arrays[:n]), biases=biases,
                                   inputs=arrays[-2], targets=arrays[-1], init=None)

    def draw(self, seed: int) -> tuple[Scenario, Trace]:
        """The first fair draw from ``default_rng(seed)`` and its step; a VariantError naming
        the rule broken most often when ATTEMPTS draws give none."""
        rng = np.random.default_rng(seed)
        broken: Counter[str] = Counter()
        last: dict[str, str] = {}
        for _ in range(ATTEMPTS):
            uniform = rng.random(self.numbers)
            variant = self._scenario([_draw(plan, uniform) for plan in self.plans])
            breach = next(number_breaches(variant, self.reference), None)
            if breach is None:
                trace = step(variant)
                breach = next(step_breaches(trace, self.reference), None)
                if breach is None:
                    return variant, trace
            broken[breach.rule] += 1
            last[breach.rule] = breach.detail
        rule, times = broken.most_common(1)[0]
        raise VariantError(f"{self.original.source}: no fair variant in {ATTEMPTS} draw"
                           f"{'s' * (ATTEMPTS != 1)} (variant "
                           f"seed {seed}): {times} broke the rule '{rule}' ({RULES[rule]}), e.g. "
                           f"{last[rule]}; give the scenario's numbers more decimals or a wider "
                           "span, or make its own step fair (README: Using bpstep with a class)")


# --- the class: ids, file names, files ---


@dataclass(frozen=True, slots=True)
class Variant:
    """One student's (or one numbered) variant and where it is written."""

    ident: str
    """The roster id, or the variant's number (``01``)."""
    seed: int
    stem: str
    """File name without extension: ``variant-01`` or a safe form of the roster id."""
    line: int | None = None
    """The roster line of the id (None for numbered variants)."""

    @property
    def file(self) -> str:
        """The scenario handed out, relative to the class folder: ``students/variant-01.yaml``."""
        return f"{STUDENTS}/{self.stem}.yaml"

    @property
    def key(self) -> str:
        """Its answer key, relative to the class folder: ``keys/variant-01.key.yaml``."""
        return f"{KEYS}/{self.stem}{KEY_SUFFIX}"


def numbered_class(seed: int, count: int) -> list[Variant]:
    """``count`` numbered variants (``01``, ``02``, … in as many digits as ``count`` has, at
    least two), each with its derived seed."""
    width = max(2, len(str(count)))
    return [Variant(ident, derive_seed(seed, ident), f"variant-{ident}")
            for ident in (f"{i:0{width}d}" for i in range(1, count + 1))]


def roster_class(seed: int, roster: Sequence[RosterRow], source: str) -> list[Variant]:
    """A variant per roster id, each with its derived seed and a file name made of the id; a
    VariantError (with both lines of ``source``, and why: ``roster.clash_reason``) when two ids
    would make the same file name, compared ignoring case, as a case-insensitive file system
    (Windows, macOS) does."""
    made = [Variant(e.ident, derive_seed(seed, e.ident), safe_stem(e.ident), e.line) for e in roster]
    taken: dict[str, Variant] = {}
    for v in made:
        other = taken.setdefault(v.stem.casefold(), v)
        if other is not v:
            raise VariantError(f"{source}:{v.line}: id {v.ident!r} would be written as {v.file}, "
                               f"as is {other.ident!r} of line {other.line}: "
                               f"{clash_reason(other.ident, v.ident)}")
    return made


VARIANT_TITLE = " · variant "
"""Between the original's title and the id in a variant's title: ``Sigmoid 2-2-1 · variant 07``."""


def variant_title(title: str | None, ident: str) -> str:
    """A variant's title: the original's, and which variant it is."""
    return titled(title or "Exercise", f"{VARIANT_TITLE}{ident}")


def original_title(title: str) -> str:
    """The original's title in a variant's (``variant_title``): the title of a class's quiz."""
    return title.split(VARIANT_TITLE)[0]


def variant_yaml(variant: Variant, scenario: Scenario, original: str, seed: int) -> str:
    """The variant as a scenario file ``bpstep run`` reads."""
    title = variant_title(scenario.title, variant.ident)
    params: Params = initial_params(scenario)
    note = (f"Variant {variant.ident} of {original}, drawn by 'bpstep variants' (class seed {seed}, "
            f"variant seed {variant.seed}).")
    return scenario_yaml(scenario, params, title=title, note=note)


def noise_scales(trace: Trace) -> dict[str, float]:
    """For each value of the step, the size of the values it is worked from, as ``clean``
    needs it: the largest |value| of its kind in its stage (a net input that nearly cancels,
    −0.0197 from terms near 1, carries the float noise of its terms)."""
    out: dict[str, float] = {}
    for stage in trace.stages:
        biggest: dict[str, float] = {}
        pairs = [(name, kind_of(name), abs(value)) for name, value in named_values(stage.quantities)]
        for _, kind, size in pairs:
            biggest[kind] = max(biggest.get(kind, 0.0), size)
        out.update((name, biggest[kind]) for name, kind, _ in pairs)
    return out


def clean_values(trace: Trace) -> list[tuple[str, float]]:
    """(name, value) of every computed quantity, float noise cleaned (``numbers.clean``)."""
    scales = noise_scales(trace)
    names = list(scales)
    values = [value for _, value in trace.named_values()]
    return list(zip(names, clean_all(values, [scales[n] for n in names]), strict=True))


def key_yaml(variant: Variant, trace: Trace) -> str:
    """The answer key: every quantity at full precision (float noise cleaned, ``numbers.clean``),
    as an answers file ``verify`` reads. Its ``scenario:`` is the variant's file beside the keys
    folder (``../students/NAME.yaml``), so ``bpstep verify class/keys/NAME.key.yaml`` finds it."""
    out = [f"# Answer key of variant {variant.ident}: every value at full precision.",
           f"scenario: {json.dumps('../' + variant.file)}"]
    out += [f"{json.dumps(name)}: {yaml_number(value)}" for name, value in clean_values(trace)]
    return "\n".join(out) + "\n"


PARALLEL_FROM = 400
"""A class this large is drawn by several processes (one per core, at most MAX_WORKERS)."""
MAX_WORKERS = 8


def _texts(drawer: Drawer, variant: Variant, lesson: str, seed: int) -> tuple[str, str]:
    scenario, trace = drawer.draw(variant.seed)
    return variant_yaml(variant, scenario, lesson, seed), key_yaml(variant, trace)


_DRAWER: list[Drawer] = []
"""A worker process's drawer, made once by ``_start_worker``."""


def _start_worker(original: Scenario) -> None:
    _DRAWER[:] = [Drawer(original)]


def _work(job: tuple[Variant, str, int]) -> tuple[str, str]:
    return _texts(_DRAWER[0], *job)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def class_texts(original: Scenario, planned: Sequence[Variant], lesson: str, seed: int
                ) -> Iterator[tuple[Variant, str, str]]:
    """Each planned variant with its scenario file and its key, in order: drawn here, or for a
    large class by a pool of processes, started now (before any thread, such as a progress
    bar's, is running). Each variant depends on its own seed only, so the files are the same
    either way; a pool that cannot start or breaks leaves the rest to this process. ``lesson``
    names the original in each file's first line."""
    drawer = Drawer(original)
    workers = min(_cores(), MAX_WORKERS)
    if len(planned) < PARALLEL_FROM or workers < 2:
        return _serial(drawer, planned, lesson, seed)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _DRAWER[:] = [drawer]  # what a forked worker starts with; another is made its own
    methods = multiprocessing.get_all_start_methods()
    method = "fork" if sys.platform == "linux" and "fork" in methods else "spawn"
    try:
        pool = ProcessPoolExecutor(workers, multiprocessing.get_context(method),
                                   initializer=None if method == "fork" else _start_worker,
                                   initargs=(original,))
        chunk = min(256, len(planned) // (8 * workers))  # PARALLEL_FROM // (8 * MAX_WORKERS) = 6 or more
        results = pool.map(_work, [(v, lesson, seed) for v in planned], chunksize=chunk)
    except (OSError, NotImplementedError, ImportError):  # no processes here
        return _serial(drawer, planned, lesson, seed)
    return _pooled(pool, results, drawer, planned, lesson, seed)


def _serial(drawer: Drawer, planned: Sequence[Variant], lesson: str, seed: int
            ) -> Iterator[tuple[Variant, str, str]]:
    for v in planned:
        yield (v, *_texts(drawer, v, lesson, seed))


def _pooled(pool: Any, results: Iterator[tuple[str, str]], drawer: Drawer,
            planned: Sequence[Variant], lesson: str, seed: int) -> Iterator[tuple[Variant, str, str]]:
    from concurrent.futures.process import BrokenProcessPool

    done = 0
    try:
        for texts in results:
            yield (planned[done], *texts)
            done += 1
    except BrokenProcessPool:  # a worker could not start (no importable __main__) or died
        yield from _serial(drawer, planned[done:], lesson, seed)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


INDEX_NAME = "index.csv"
INDEX_FIELDS = ("variant", "seed", "file", "key", "line")
"""variant (the roster id or number), seed (the variant's own), file (the scenario handed out)
and key (its answer key), both relative to the index's folder, line (the roster line)."""


def index_csv(variants: Sequence[Variant]) -> str:
    """One row per variant (ids are guarded against formula injection)."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(INDEX_FIELDS)
    for v in variants:
        writer.writerow([csv_cell(v.ident), v.seed, v.file, v.key, v.line])  # None: empty
    return stream.getvalue()


def unlisted(present: Iterable[str], listed: Iterable[str]) -> Counter[str]:
    """Files of a class folder (``students/x.yaml``) that its index does not list, counted by
    folder: left by an earlier class made in the same folder. bpstep never deletes them."""
    listed = set(listed)
    return Counter(PurePosixPath(name).parts[0] for name in present if name not in listed)


def _inside(name: str) -> bool:
    """A relative path of plain names (``students/x.yaml``): no ``..``, no hidden or empty part."""
    parts = name.split("/")
    return bool(name) and "\\" not in name and ":" not in name and all(
        part and not part.startswith(".") for part in parts)


def read_index(text: str, source: str) -> list[tuple[str, str]]:
    """(variant id, scenario file relative to the index's folder) of each row of an
    ``index.csv``: ``students/variant-01.yaml``, or ``variant-01.yaml`` in a folder made before
    the keys were kept apart."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "file" not in rows[0] or "variant" not in rows[0]:
        raise VariantError(f"{source}: is not a variants index (columns {', '.join(INDEX_FIELDS)}); "
                           "make one with `bpstep variants SCENARIO -o DIR`")
    out = []
    for line, row in enumerate(rows, start=2):
        name = row.get("file") or ""
        if not _inside(name):
            raise VariantError(f"{source}:{line}: file {name!r} is not a file in this folder")
        ident = row.get("variant") or ""
        out.append((ident[1:] if ident.startswith("'") else ident, name))
    return out



def check_class_folder(folder: Path) -> None:
    """Refuse, before any variant is drawn, a class folder that cannot be made: it, or its
    students/ or keys/, is a file, or the folder it goes in does not exist."""
    for place in (folder, folder / STUDENTS, folder / KEYS):
        if place.exists() and not place.is_dir():
            raise VariantError(f"{place} is a file; -o names the class folder, which holds "
                               f"{STUDENTS}/ and {KEYS}/")
    if not folder.exists() and not folder.parent.is_dir():
        raise VariantError(f"{folder.parent} does not exist; create the folder first")


def class_files(folder: Path, *subfolders: str) -> list[str]:
    """Every file of a class folder's ``subfolders``, as its index names them
    (``students/x.yaml``); hidden ones (``.DS_Store``) aside."""
    return [f"{sub}/{entry.name}" for sub in subfolders if (folder / sub).is_dir()
            for entry in (folder / sub).iterdir() if not entry.name.startswith(".")]


DEFAULT_COUNT = 30
"""Numbered variants ``bpstep variants`` makes without ``--count`` or a roster."""


@dataclass(frozen=True, slots=True)
class ClassPlan:
    """A class ``bpstep variants`` is to make in ``folder``: the original, each variant planned,
    and the files they come from (which no file of the class may replace)."""

    scenario: Scenario
    variants: list[Variant]
    seed: int
    folder: Path
    original: str
    """How each variant's first line names the original: its file's name."""
    reads: tuple[Path, ...]

    def draw(self) -> Iterator[tuple[Variant, str, str]]:
        """Each variant with its scenario and key (``class_texts``: a pool of processes, if
        any, starts here, before a progress bar's thread does)."""
        return class_texts(self.scenario, self.variants, self.original, self.seed)

    def documents(self, drawn: Iterable[tuple[Variant, str, str]], on_tick: Callable[[int], None]
                  ) -> dict[Path, str | bytes]:
        """Every file of the class by its path: the variants as ``drawn`` (``on_tick`` told how
        many so far), their keys, and the index."""
        files: dict[Path, str | bytes] = {}
        for done, (v, text, key) in enumerate(drawn, start=1):
            files[self.folder / v.file], files[self.folder / v.key] = text, key
            on_tick(done)
        files[self.folder / INDEX_NAME] = index_csv(self.variants)
        return files

    def make_folders(self) -> None:
        """The class folder, its students/ and keys/ (``check_class_folder`` said they can be)."""
        for place in (self.folder, self.folder / STUDENTS, self.folder / KEYS):
            place.mkdir(exist_ok=True)

    def stale(self) -> str:
        """What the folder holds that the new index does not list (left from an earlier class,
        never deleted), to warn of; empty when nothing."""
        left = unlisted(class_files(self.folder, STUDENTS, KEYS),
                        (name for v in self.variants for name in (v.file, v.key)))
        if not left:
            return ""
        where = ", ".join(f"{n} in {sub}/" for sub, n in left.items())
        return (f"{self.folder} still holds {left.total():,} files of an earlier class that "
                f"{INDEX_NAME} does not list ({where}); they are left as they were and bpstep "
                f"export leaves them out: hand out only what {INDEX_NAME} lists, or make each "
                "class in a fresh folder (-o NEW_DIR)")


def plan_variants(file: Path, folder: Path, *, seed: int, count: int | None,
                  roster: Path | None) -> ClassPlan:
    """The class of ``bpstep variants``: ``count`` numbered variants of ``file`` (a scenario or
    a lesson), or one per student of ``roster``; refused before any variant is drawn when the
    options or the folder cannot make it."""
    from bpstep.lessons import find, load_scenario

    scenario = load_scenario(file)
    if roster is not None and count is not None:
        raise VariantError("--count and --roster both say how many variants to make; give one "
                           "of them")
    entries = None if roster is None else load_roster(roster).rows
    check_class_folder(folder)
    planned = (numbered_class(seed, count or DEFAULT_COUNT) if entries is None
               else roster_class(seed, entries, str(roster)))
    source = find(file)
    return ClassPlan(scenario, planned, seed, folder, printable(source.name),
                     (source, *((roster,) if roster else ())))


@dataclass(frozen=True, slots=True)
class ClassFolder:
    """A folder made by ``bpstep variants``, as its index lists it: a quiz or practice pages
    are made of exactly these variants, never of files an earlier class left behind."""

    index: Path
    idents: list[str]
    """Each variant's id, in the index's order."""
    files: list[str]
    """Each variant's scenario file, as the index names it (``students/variant-01.yaml``)."""
    paths: list[Path]
    """Each variant's scenario file, to read."""
    scenarios: list[Scenario]
    stale: Counter[str]
    """Files of students/ the index does not list (``unlisted``)."""

    @property
    def reads(self) -> tuple[Path, ...]:
        """Every file the folder's variants come from: an export may overwrite none of them."""
        return (self.index, *self.paths)


def read_class(folder: Path) -> ClassFolder:
    """The variants of a class folder, read through its index (a missing or bad index, or a
    file it lists that cannot be read, is a ``UserError``)."""
    from bpstep.lessons import find
    from bpstep.scenario import load, read_text

    index = folder / INDEX_NAME
    rows = read_index(read_text(index, "variants index", "make the folder with `bpstep variants "
                                "SCENARIO -o DIR`", form="CSV"), str(index))
    paths = [find(folder / name) for _, name in rows]
    files = [name for _, name in rows]
    return ClassFolder(index, [ident for ident, _ in rows], files, paths,
                       [load(path) for path in paths],
                       unlisted(class_files(folder, STUDENTS), files))


@dataclass(frozen=True, slots=True)
class QuizSource:
    """The scenarios a quiz asks about: a class folder's variants, or one scenario."""

    variants: list[tuple[str, Scenario]]
    """(id, scenario) of each, in the index's order; one scenario's id is its file's stem."""
    reads: tuple[Path, ...]
    """The files they come from, which the quiz may not replace."""
    title: str
    """The quiz's title: the original's, taken from the first variant's (``original_title``)."""
    stale: str = ""
    """What the folder holds that its index does not list, to warn of; empty when nothing."""


def quiz_source(source: Path) -> QuizSource:
    """The variants of the class folder ``source``, else the scenario or lesson it names."""
    from bpstep.lessons import find, load_scenario

    stale = ""
    if source.is_dir():
        folder = read_class(source)
        variants = list(zip(folder.idents, folder.scenarios, strict=True))
        reads = folder.reads
        if folder.stale:
            stale = (f"{source / STUDENTS} holds {folder.stale.total():,} files that {folder.index} "
                     f"does not list, left from an earlier class; the quiz has only the "
                     f"{len(variants):,} it lists")
    else:
        reads = (find(source),)
        variants = [(source.stem, load_scenario(source))]
    return QuizSource(variants, reads, original_title(variants[0][1].title or source.stem), stale)


# --- quiz blanks: which values are asked, with what tolerance, which wrong answers are named ---


WHOLE_VALUE_POWERS = 2
"""Power-of-ten answers a quiz names: the whole value ×10 and ×1/10 (the first two replayed)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One accepted or recognised answer of a blank: value ± tolerance, credit and feedback."""

    value: float
    tolerance: float
    credit: int
    """Percent of the blank's marks."""
    feedback: str
    mistake: str | None = None
    """Key of the mistake in ``bpstep.verify.MISTAKES`` for a named wrong answer, ``early`` for
    a value rounded too early."""


@dataclass(frozen=True, slots=True)
class Blank:
    """A value to fill in, with its answers: the correct one first."""

    name: str
    description: str
    answers: tuple[Answer, ...]

    @property
    def value(self) -> float:
        return self.answers[0].value


@dataclass(frozen=True, slots=True)
class Question:
    """One variant as a quiz question: its given numbers and its blanks."""

    title: str
    ident: str
    givens: tuple[tuple[str, str], ...]
    """(what, value as written) of every given number: inputs, targets, weights, η."""
    blanks: tuple[Blank, ...]
    precision: Floor
    """What each value is asked to: its decimals or significant figures."""


def accepted_band(value: float, half_unit: float) -> float:
    """The tolerance of a correct answer: half a unit of the last figure asked, and the float
    slack ``verify`` adds to every tolerance (``verify.EPSILON``), so the quiz accepts what
    ``verify`` marks correct, a value that rounds either way by a billionth included."""
    return clean(half_unit + EPSILON * max(1.0, abs(value)))


def _clear(answers: Sequence[Answer], value: float, tol: float) -> bool:
    """Far enough from every answer so far that no number typed matches two of them."""
    return all(abs(value - a.value) > a.tolerance + tol for a in answers)


def quiz_precision(scenario: Scenario, digits: int | None, decimals: int | None) -> Floor:
    """What a quiz asks each value to: ``--digits``/``--decimals``, else the scenario's
    ``marking``, else the floor ``bpstep verify`` asks (3 significant figures), so the quiz and
    ``verify`` accept the same numbers."""
    if digits is not None:
        return Floor(FloorKind.DIGITS, digits)
    if decimals is not None:
        return Floor(FloorKind.DECIMALS, decimals)
    return scenario.marking or DEFAULT_FLOOR


def question(trace: Trace, ident: str, *, ask: str | None, precision: Floor,
             rounding_credit: int, hide_formula: bool) -> Question:
    """The variant's worksheet as blanks: each correct to ±half a unit of the last digit
    ``precision`` asks for; each value ``verify`` would call rounded too early (the same
    definition, ``early_rounding_values``) at ``rounding_credit`` %; each named mistake at 0 %.
    Every value is cleaned of float noise (``numbers.clean``): 0.336, not 0.33599999999999997.
    With ``hide_formula`` a blank says what it is but not its rule (an exam asks for it)."""
    names = asked(trace, ask)
    blanks = _blanks(trace, names, names, precision=precision,
                     rounding_credit=rounding_credit, hide_formula=hide_formula)
    return Question(_title(trace.network.title, ident), ident, _givens(trace), blanks, precision)


def stage_questions(trace: Trace, ident: str, *, ask: str | None,
                    precision: Floor, rounding_credit: int, hide_formula: bool) -> list[Question]:
    """Each stage of the variant as its own ``question``, its given values the scenario's and
    the correct results of the stages before that its rules use: one early slip costs no later
    stage, as a paper exam restarts the chain (carried-forward credit). Those results are given,
    so no mistake is replayed through them."""
    describe = _describer(trace)
    chosen = set(asked(trace, ask))
    scales = noise_scales(trace)
    before: list[str] = []
    questions = []
    for index, stage in enumerate(trace.stages, start=1):
        names = [name for name, _ in named_values(stage.quantities)]
        here = [name for name in names if name in chosen]
        if here:
            earlier = set(before)
            used = dict.fromkeys(n for name in here for n in trace[name].inputs if n in earlier)
            results = tuple((f"{n}: {describe(trace[n], False)}",
                             yaml_number(clean(trace[n].value, scales[n]))) for n in used)
            step_ident = f"{ident} · stage {index}"
            blanks = _blanks(trace, here, [*before, *here], precision=precision,
                             rounding_credit=rounding_credit, hide_formula=hide_formula)
            title = f"{_title(trace.network.title, ident)} · stage {index}: {stage.title}"
            questions.append(Question(title, step_ident, (*_givens(trace), *results), blanks,
                                      precision))
        before += names
    return questions


def _title(title: str | None, ident: str) -> str:
    title = title or "Backpropagation step"
    if VARIANT_TITLE not in title:  # a variant's title (variant_title) says which it is already
        return f"{title} · {ident}"
    return title


def _describer(trace: Trace) -> Callable[[Quantity, bool], str]:
    """``answers.describe`` for this step's quantities (its activations and output units), with
    or without each one's rule."""
    from bpstep.answers import call_names, describe

    activations, outputs = call_names(trace.network), trace.network.units[-1]
    return lambda q, with_rule: describe(q, activations, outputs, with_rule=with_rule)


def _givens(trace: Trace) -> tuple[tuple[str, str], ...]:
    from bpstep.answers import describe_given

    return tuple((describe_given(n), yaml_number(clean(v))) for n, v in trace.given.items())


def _blanks(trace: Trace, blank_names: Sequence[str], known: Sequence[str],
            *, precision: Floor, rounding_credit: int, hide_formula: bool) -> tuple[Blank, ...]:
    """A blank per name; ``known`` are the values the student does not work out through this
    one (the other blanks, or results given), so no mistake is replayed through them."""
    describe = _describer(trace)
    scales = noise_scales(trace)
    truth = truth_marker(trace, known)
    blanks = []
    for name in blank_names:
        q = trace[name]
        value = clean(q.value, scales[name])
        written = read_number(precision.written(value))
        assert written is not None, "a number written by written() reads back"
        tol = clean(written.half_unit)
        answers = [Answer(value, accepted_band(value, tol), 100, f"correct: {name} = {written.text}")]
        early = truth.early_rounding_values(name, written.figures)
        for m in early if rounding_credit else ():
            cleaned = clean(m.value, scales[name])
            if _clear(answers, cleaned, tol):
                answers.append(Answer(cleaned, tol, rounding_credit, m.hint, m.key))
        powers = 0
        for m in truth.mistake_values(name):
            if m.key == "power_of_ten":
                powers += 1
                if powers > WHOLE_VALUE_POWERS:
                    continue
            cleaned = clean(m.value, scales[name])
            if _clear(answers, cleaned, tol):
                answers.append(Answer(cleaned, tol, 0, m.hint, m.key))
        blanks.append(Blank(name, describe(q, not hide_formula),
                            tuple(answers)))
    return tuple(blanks)
