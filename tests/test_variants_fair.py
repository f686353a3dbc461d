"""Every variant of every shipped lesson is fair, checked here rule by rule with numpy.

200 variants of each lesson are drawn (``Drawer.draw``, as ``bpstep variants`` does) and each
rule of README "Using bpstep with a class" is checked on its own terms, not with
``bpstep.fairness``: the net inputs come from a forward pass written out here, zeros, twins and
decimals from the numbers as written, the sizes of each stage from the step's values. Where the
original breaks a rule itself, it is measured the same way here and the variant is let off as
far as the original goes. ``bpstep new`` is held to the same rules with no original. The keys'
and quizzes' numbers are checked for float noise: a net input is a sum of products of short
decimals, worked here exactly (``fractions.Fraction``), and must be written as that decimal.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from io import BytesIO

import numpy as np
import pytest
import yaml

from bpstep.engine import step
from bpstep.exercise import Shape, layers_for, new_exercise
from bpstep.lessons import TEACHES, is_answers_name, path_of
from bpstep.scenario import Scenario, load
from bpstep.trace import Trace
from bpstep.variants import Drawer, Variant, derive_seed, key_yaml, variant_yaml

LESSONS = [name for name in TEACHES if not is_answers_name(name)]
VARIANTS = 200
"""Per lesson in the suite (1,000 ran clean on 2026-12-07; docs/testing.md gives the loop for more)."""
CHUNKS = 2
"""Each lesson's variants are drawn in this many parts, so pytest-xdist spreads them."""
CLASS_SEED = 2024
NOISE = 1e-9
SPREAD = 3.0
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
NAME = re.compile(r"(?P<kind>[a-z_]+)(?:\[(?:(?P<source>[^\[\]]+?)->)?(?P<unit>[^\[\]]+)\])?"
                  r"(?:@(?P<sample>\d+))?")
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""safe_load's reading with libyaml's parser when PyYAML has it: the same values, and most of
this file's time was spent parsing keys in Python."""
BOUNDED = {"sigmoid", "tanh", "softmax", "bipolar_sigmoid"}
RELU = {"relu", "leaky_relu"}


def act(name: str, a: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return 1 / (1 + np.exp(-a))
    if name == "tanh":
        return np.tanh(a)
    if name == "relu":
        return np.maximum(a, 0.0)
    if name == "identity":
        return a
    if name == "softmax":
        e = np.exp(a - a.max())
        return e / e.sum()
    raise AssertionError(f"no activation {name} in a shipped lesson")


def forward(s: Scenario, weights: list[np.ndarray],
            biases: list[np.ndarray] | None) -> list[list[np.ndarray]]:
    """Net inputs of every layer after the inputs, for every sample: out[sample][layer]."""
    out = []
    for x in s.inputs:
        y, nets = np.asarray(x, float), []
        for k, w in enumerate(weights):
            a = y @ w + (0.0 if biases is None else biases[k])
            nets.append(a)
            y = act(s.layers[k + 1].activation or "", a)
        out.append(nets)
    return out


def after_params(s: Scenario, t: Trace) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """The weights (and biases) after the update, read from the step by name."""
    values = dict(t.named_values())
    weights = []
    for k in range(len(s.weights)):
        sources, units = s.layers[k].units, s.layers[k + 1].units
        weights.append(np.array([[values[f"w[{i}->{j}]"] for j in units] for i in sources]))
    if s.biases is None:
        return weights, None
    biases = [np.array([values.get(f"b[{j}]", b[n]) for n, j in enumerate(s.layers[k + 1].units)])
              for k, b in enumerate(s.biases)]
    return weights, biases


def groups(s: Scenario) -> dict[str, np.ndarray]:
    out = {f"weights[{k}]": w for k, w in enumerate(s.weights)}
    out.update({f"biases[{k}]": b for k, b in enumerate(s.biases or ())})
    return {**out, "inputs": s.inputs, "targets": s.targets}


def decimals(values: np.ndarray) -> int:
    """Most decimals written, from the shortest text of each number (at most 4, as variants)."""
    most = 0
    for v in np.ravel(values).tolist():
        text = repr(float(v))
        places = 4 if "e" in text else len(text.split(".")[1].rstrip("0"))
        most = max(most, min(places, 4))
    return most


def three_figures(v: float) -> str:
    """``v`` to 3 significant figures, a 5 rounded up, from its shortest text."""
    if v == 0:
        return "0"
    d = Decimal(repr(v))
    return str(d.quantize(Decimal(1).scaleb(d.adjusted() - 2), rounding=ROUND_HALF_UP))


@cache
def original(name: str) -> tuple[Scenario, Trace, Drawer]:
    s = load(path_of(name))
    return s, step(s), Drawer(s)


@dataclass
class Measured:
    """What the rules look at in one step, measured here."""

    nets: list[list[np.ndarray]]
    """Net inputs: nets[sample][layer]."""
    net: dict[str, float]
    """|a| and |a_after| of each unit whose activation saturates, by name."""
    kinks: set[str]
    columns: list[np.ndarray]
    """Each layer's units as rows of their incoming weights (and bias)."""
    means: dict[tuple, dict[str, float]]
    """Each stage's mean |value| of each kind (a squared loss: its root); a stage is the
    trace's, its samples taken together: (phase, layer, over all samples)."""
    vanish: Counter
    """Each stage's values that are 0 (or float noise) or whose update does not show at 3
    significant figures, but for a ReLU's that is off."""
    off: Counter
    """Each stage's ReLUs that are off."""


def measure(s: Scenario, t: Trace, squared: bool) -> Measured:
    """Everything the rules look at, measured here: per place and per stage."""
    acts = [layer.activation or "" for layer in s.layers[1:]]
    nets = forward(s, list(s.weights), None if s.biases is None else list(s.biases))
    trace_a = {n: v for n, v in t.named_values() if n.startswith("a[")}
    samples = len(s.inputs)
    off, kinks = set(), set()
    for n, per in enumerate(nets):
        for k, a in enumerate(per):
            for j, unit in enumerate(s.layers[k + 1].units):
                name = f"a[{unit}]" + (f"@{n + 1}" if samples > 1 else "")
                assert math.isclose(a[j], trace_a[name], rel_tol=1e-9, abs_tol=1e-12), name
                if acts[k] in RELU and a[j] <= 0:
                    off.add((unit, n + 1 if samples > 1 else None))
                if acts[k] in RELU and a[j] == 0:
                    kinks.add(name)
    relu_units = {u for k, layer in enumerate(s.layers[1:]) if acts[k] in RELU for u in layer.units}
    everywhere = {u for u in relu_units if all((u, n + 1 if samples > 1 else None) in off
                                               for n in range(samples))}
    peers = float(np.mean(np.abs(list(t.given.values()))))
    # a stage with its samples taken together: (phase, layer, over all samples)
    sizes: dict[tuple, dict[str, list[float]]] = {}
    vanish: Counter = Counter()
    switched: Counter = Counter()
    for stage in t.stages:
        group = (stage.phase, stage.layer, stage.sample is None)
        parts = []
        for q in stage.quantities:
            assert math.isfinite(q.value), q.name
            m = NAME.fullmatch(q.name)
            assert m is not None
            sizes.setdefault(group, {}).setdefault(m["kind"], []).append(abs(q.value))
            parts.append((q.name, q.value, m))
        scale = NOISE * max(max(abs(v) for _, v, _ in parts), peers)
        for name, value, m in parts:
            kind, unit, source = m["kind"], m["unit"], m["source"]
            sample = int(m["sample"]) if m["sample"] else None

            def lesson(u: str | None, sample: int | None = sample) -> bool:
                return u in relu_units and ((u, sample) in off or (sample is None and u in everywhere))

            if kind == "a" and unit in relu_units:
                switched[group] += value <= 0
            elif kind in ("a", "delta", "dw", "db"):  # 0, or as good as 0 next to its peers
                vanish[group] += abs(value) <= scale and not (
                    value == 0 and (lesson(unit) or lesson(source)))
            elif kind in ("w", "b"):
                before = t.given[("w0" if kind == "w" else "b0") + name[len(kind):]]
                vanish[group] += three_figures(value) == three_figures(before) and not (
                    value == before and (lesson(unit) or lesson(source)))
    stage_means = {}
    for group, kinds in sizes.items():
        means = {k: float(np.mean(v)) for k, v in kinds.items()}
        if squared:
            means = {k: math.sqrt(v) if k in ("loss", "loss_after") else v for k, v in means.items()}
        stage_means[group] = means
    # net inputs, before and after the update, of units whose activation saturates
    saturating = {u: True for k, layer in enumerate(s.layers[1:]) if acts[k] in BOUNDED for u in layer.units}
    after = forward(s, *after_params(s, t))
    net = {}
    for label, every in (("a", nets), ("a_after", after)):
        for n, per in enumerate(every):
            for k, a in enumerate(per):
                for j, unit in enumerate(s.layers[k + 1].units):
                    if unit in saturating:
                        net[f"{label}[{unit}]" + (f"@{n + 1}" if samples > 1 else "")] = abs(a[j])
    columns = [w.T if s.biases is None else np.column_stack([w.T, s.biases[k]])
               for k, w in enumerate(s.weights)]
    return Measured(nets, net, kinks, columns, stage_means, vanish, switched)


def breaks(s: Scenario, t: Trace, ref: tuple[Scenario, Measured] | None) -> list[str]:
    """Every rule ``s`` breaks, measured here; against an original, as far as it goes beyond it."""
    squared = s.loss in ("half_sse", "sse", "mse")
    assert s.marking is None, "the rules are checked here at 3 significant figures"
    mine = measure(s, t, squared)
    base = None if ref is None else ref[1]
    orig = None if ref is None else ref[0]
    labels = not squared or s.layers[-1].activation == "softmax"
    problems = []
    for label, values in groups(s).items():
        if label == "targets" and labels:
            continue
        allowed = np.zeros(values.shape, bool) if orig is None else groups(orig)[label] == 0
        if np.any((values == 0) & ~allowed):
            problems.append(f"zero in {label}")
        if orig is not None and decimals(values) != decimals(groups(orig)[label]):
            problems.append(f"decimals of {label}")
    for k, cols in enumerate(mine.columns):
        w = s.weights[k]
        dead = ~np.any(w != 0, axis=0)
        if orig is not None:
            dead &= np.any(orig.weights[k] != 0, axis=0)
        if dead.any():
            problems.append(f"dead unit in layer {k + 1}")
        twins = len(np.unique(cols, axis=0)) < len(cols)
        if twins and (base is None or len(np.unique(base.columns[k], axis=0)) == len(cols)):
            problems.append(f"twins in layer {k + 1}")
    for name, size in mine.net.items():
        limit = 3.0 if base is None else max(3.0, base.net.get(name, 0.0))
        if size > limit:
            problems.append(f"saturated {name} = {size}")
    if mine.kinks - (set() if base is None else base.kinks):
        problems.append("a ReLU at its kink")
    for group, vanish in mine.vanish.items():
        if vanish > (0 if base is None else base.vanish[group]):
            problems.append(f"{vanish} values vanish in stage {group}")
    if base is None:
        acts = [layer.activation for layer in s.layers[1:]]
        if any(a <= 0 for per in mine.nets for k, a_k in enumerate(per) if acts[k] in RELU
               for a in a_k):
            problems.append("a ReLU off")
        return problems
    if mine.off != base.off:
        problems.append(f"ReLUs off {mine.off}, the original {base.off}")
    assert mine.means.keys() == base.means.keys()
    for group, had in base.means.items():
        for kind, mean in had.items():
            have = mine.means[group][kind]
            if mean > 0 and not mean / SPREAD <= have <= mean * SPREAD:
                problems.append(f"{group}: mean |{kind}| {have:.3g}, the original's {mean:.3g}")
    return problems


@cache
def baseline(name: str) -> tuple[Scenario, Measured]:
    s, t, _ = original(name)
    return s, measure(s, t, s.loss in ("half_sse", "sse", "mse"))


def shortest(text: str) -> bool:
    """Written as the shortest text that reads back as the same float (YAML's 1.0e-05 too)."""
    value = float(text)
    return text in (repr(value), repr(value).replace("e", ".0e")) or (
        "e" not in text and np.format_float_positional(value, trim="-") == text)


def noisy(text: str) -> bool:
    """A float a few ulps from a decimal of at most 12 significant figures, written in full:
    0.33599999999999997 for 0.336."""
    value = float(text)
    if value == 0 or len(re.sub(r"[^0-9]", "", text.split("e")[0]).strip("0")) <= 12:
        return False
    near = float(Decimal(text).quantize(Decimal(1).scaleb(Decimal(text).adjusted() - 11)))
    return near != value and abs(near - value) <= 16 * math.ulp(value)


def first_layer_exact(s: Scenario) -> dict[str, Fraction]:
    """The first layer's net inputs worked exactly from the numbers as written."""
    out = {}
    for n, x in enumerate(s.inputs):
        for j, unit in enumerate(s.layers[1].units):
            a = sum(Fraction(repr(float(xi))) * Fraction(repr(float(s.weights[0][i, j])))
                    for i, xi in enumerate(x))
            if s.biases is not None:
                a += Fraction(repr(float(s.biases[0][j])))
            out[f"a[{unit}]" + (f"@{n + 1}" if len(s.inputs) > 1 else "")] = a
    return out


def check_written(variant: Variant, s: Scenario, t: Trace, lesson: str) -> None:
    """The variant's file and key as written: every number shortest, no float noise, the first
    layer's net inputs written as the exact decimals they are."""
    scenario_text = variant_yaml(variant, s, lesson, CLASS_SEED)
    key_text = key_yaml(variant, t)
    for text in (scenario_text, key_text):
        for line in text.splitlines():
            if line.startswith(("#", "title:")):
                continue
            for number in NUMBER.findall(line.split(": ", 1)[-1] if line.startswith('"') else line):
                if "." in number or "e" in number:
                    assert shortest(number) and not noisy(number), (lesson, line)
    key = yaml.load(key_text, Loader=SAFE_LOADER)
    for name, exact in first_layer_exact(s).items():
        written = re.search(rf'^"{re.escape(name)}": (\S+)$', key_text, re.M)
        assert written is not None
        assert Fraction(written[1]) == exact, (lesson, name, written[1], float(exact))
        assert key[name] == float(exact)


@pytest.mark.parametrize("chunk", range(CHUNKS))
@pytest.mark.parametrize("lesson", LESSONS)
def test_two_hundred_variants_of_every_lesson_are_fair(lesson: str, chunk: int) -> None:
    s0, _, drawer = original(lesson)
    ref = baseline(lesson)
    assert not breaks(s0, step(s0), ref), "the original is its own measure"
    seen = set()
    broken = Counter()
    for i in range(chunk, VARIANTS, CHUNKS):
        ident = f"{i:04d}"
        s, t = drawer.draw(derive_seed(CLASS_SEED, ident))
        problems = breaks(s, t, ref)
        broken.update(problems)
        if i < CHUNKS * 50:
            check_written(Variant(ident, derive_seed(CLASS_SEED, ident), ident), s, t, lesson)
        seen.add(repr([g.tolist() for g in groups(s).values()]))
    assert not broken, broken.most_common(5)
    assert len(seen) > 0.5 * VARIANTS / CHUNKS  # not the same few variants again and again


NEW_SHAPES = {
    "2-2-1 sigmoid": Shape(layers_for((2, 2, 1), ["sigmoid"])),
    "2-3-1 relu,sigmoid, biases, 2 decimals": Shape(layers_for((2, 3, 1), ["relu", "sigmoid"]),
                                                    biases=True, decimals=2),
    "2-3-2 tanh, 2 samples": Shape(layers_for((2, 3, 2), ["tanh"]), samples=2),
}


@pytest.mark.parametrize("label", list(NEW_SHAPES))
def test_bpstep_new_is_held_to_the_same_rules(label: str) -> None:
    for seed in range(150):
        s = new_exercise(NEW_SHAPES[label], seed)
        problems = breaks(s, step(s), None)
        assert not problems, (seed, problems)


@pytest.mark.parametrize("lesson", LESSONS)
def test_quizzes_of_every_lesson_carry_no_float_noise(lesson: str) -> None:
    from bpstep.export.publish import export_quiz

    _, _, drawer = original(lesson)
    made = [("01", *drawer.draw(derive_seed(CLASS_SEED, "quiz")))]
    for form in ("moodle", "gift", "qti"):
        quiz = export_quiz(made, form, title=lesson, ask="forward,deltas,updates", rounding_credit=50)
        if isinstance(quiz, bytes):
            with zipfile.ZipFile(BytesIO(quiz)) as z:
                quiz = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
        numbers = [m for m in re.findall(r"(?<![\w.#-])-?\d+\.\d+(?:e[-+]?\d+)?(?![\w.])", quiz)]
        assert numbers, form
        bad = [n for n in numbers if noisy(n)]
        assert not bad, (form, bad[:5])
        values = {float(n) for n in numbers}
        for _, s, _ in made:
            for exact in first_layer_exact(s).values():
                assert float(exact) in values, (form, float(exact))


@pytest.mark.parametrize(("value", "scale", "written"), [
    (0.3 * 1.12, 0.0, "0.336"),                   # 0.33599999999999997 from two short decimals
    (1.5 - 0.285 + 1.5 - 0.285, 0.0, "2.43"),     # relu_sse's δ[o], was 2.4299999999999997
    (0.1 + 0.2, 0.0, "0.3"),
    (-0.01969999999999994, 1.3, "-0.0197"),       # a sum of terms near 1 that nearly cancels
    (0.3 + 2 * -0.1 - 0.1, 0.3, "0.0"),           # 2.8e-17: 0 but for float noise
    (1 / (1 + math.exp(-0.21)), 0.6, "0.5523079095743253"),  # no short decimal: kept in full
    (2.7755575615628914e-17, 0.0, "2.7755575615628914e-17"),  # tiny on its own scale: kept
])
def test_float_noise_is_cleaned_and_nothing_else(value: float, scale: float, written: str) -> None:
    from bpstep.numbers import clean, clean_all

    assert repr(clean(value, scale)) == written
    assert clean_all([value], [scale]) == [clean(value, scale)]


def test_cleaning_many_values_at_once_is_cleaning_each() -> None:
    from bpstep.numbers import clean, clean_all

    rng = np.random.default_rng(5)
    short = rng.integers(-99999, 99999, 3000) / 10.0 ** rng.integers(0, 7, 3000)
    noisy_short = short * (1 + rng.choice([0, 1, -1, 3, -7], 3000) * 2.0 ** -52)
    values = [*noisy_short.tolist(), *(rng.normal(size=3000) * 10.0 ** rng.integers(-6, 4, 3000)).tolist(),
              0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324]
    scales = [abs(v) * s for v, s in zip(values, rng.choice([1, 10, 100], len(values)), strict=True)]
    cleaned = clean_all(values, scales)
    for v, s, c in zip(values, scales, cleaned, strict=True):
        assert repr(c) == repr(float(clean(v, s))), v
    assert sum(c != v for c, v in zip(cleaned[3000:6000], values[3000:6000], strict=True)) < 30
