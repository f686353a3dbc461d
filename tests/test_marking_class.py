"""A simulated class marked by ``bpstep verify``: what a teacher signs must hold for every student.

The networks, the step and the students are all worked out here from the textbook formulas in
numpy, never by bpstep: each student computes every value of one training step from their own
earlier numbers, with a rounding habit of their own, and writes a worksheet. bpstep only marks.

- Honest students (calculator precision written to 3–6 significant figures or 2–4 decimals,
  paper chains that round each value before using it, mixed habits; some values left blank):
  no value is marked wrong or rounded too early, and too coarse only where fewer figures were
  written than the floor asks.
- Coarse students (1 significant figure; small values as 0): no value written more coarsely
  than the floor is accepted, unless it is exactly the value.
- Mistaken students, each with one misconception planted once and honest work after it: the
  planted value is never accepted, ≥ 90 % are named by the right hint, and every value worked
  honestly after it is accepted (error carried forward); students with two misconceptions too.

The networks have 2 or 3 inputs and hidden units (sigmoid, tanh or ReLU, so some units are
off), 1 to 3 outputs (sigmoid, tanh, identity or softmax), with and without biases.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from bpstep.answers import parse
from bpstep.classroom import batch_paths, left_out
from bpstep.engine import step
from bpstep.errors import UserError
from bpstep.scenario import check, parse_yaml
from bpstep.verify import ACCEPTED, CORRECT, ROUNDED_EARLY, TOO_COARSE, WRONG, Report, verify
from bpstep.written import Floor, FloorKind

# --- the networks: drawn here, worked here ---

HIDDEN = ("sigmoid", "tanh", "relu")
OUTPUTS = ("sigmoid", "tanh", "identity", "softmax")


def f(name: str, a: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-a))
    if name == "tanh":
        return np.tanh(a)
    if name == "identity":
        return a.copy()
    if name == "relu":
        return np.maximum(a, 0.0)
    e = np.exp(a - a.max())
    return e / e.sum()


def slope(name: str, y: float) -> float:
    """f′(a) written in y, as students write it (a ReLU's: 1 where it is on, else 0)."""
    return {"sigmoid": y * (1 - y), "tanh": 1 - y * y, "identity": 1.0,
            "relu": float(y > 0)}[name]


@dataclass
class Net:
    n_in: int
    n_h: int
    n_out: int
    hidden: str
    output: str
    loss: str
    lr: float
    w1: np.ndarray
    w2: np.ndarray
    b1: np.ndarray | None
    b2: np.ndarray | None
    x: np.ndarray
    t: np.ndarray

    @property
    def ins(self) -> list[str]:
        return [f"x{i + 1}" for i in range(self.n_in)]

    @property
    def hid(self) -> list[str]:
        return [f"h{j + 1}" for j in range(self.n_h)]

    @property
    def outs(self) -> list[str]:
        return [f"o{k + 1}" for k in range(self.n_out)]

    def yaml(self) -> str:
        def rows(m: np.ndarray) -> str:
            return "[" + ", ".join("[" + ", ".join(repr(float(v)) for v in r) + "]" for r in m) + "]"

        def vec(v: np.ndarray) -> str:
            return "[" + ", ".join(repr(float(x)) for x in v) + "]"

        text = (f"title: simulated\nlearning_rate: {self.lr}\nloss: {self.loss}\nlayers:\n"
                f"  - units: [{', '.join(self.ins)}]\n"
                f"  - units: [{', '.join(self.hid)}]\n    activation: {self.hidden}\n"
                f"  - units: [{', '.join(self.outs)}]\n    activation: {self.output}\n"
                f"weights:\n  - {rows(self.w1)}\n  - {rows(self.w2)}\n"
                f"inputs: {vec(self.x)}\ntargets: {vec(self.t)}\n")
        if self.b1 is not None:
            text += f"biases:\n  - {vec(self.b1)}\n  - {vec(self.b2)}\n"  # type: ignore[arg-type]
        return text


def draw_net(rng: np.random.Generator) -> Net:
    """A single-sample 2..3-2..3-1..2 network with numbers a hand exercise would have."""
    n_in, n_h = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    output = OUTPUTS[int(rng.integers(len(OUTPUTS)))]
    n_out = int(rng.integers(2, 4)) if output == "softmax" else int(rng.integers(1, 3))
    hidden = HIDDEN[int(rng.integers(len(HIDDEN)))]
    if output == "softmax":
        loss = "cross_entropy"
        t = np.zeros(n_out)
        t[int(rng.integers(n_out))] = 1.0
    else:
        loss = "mse" if n_out == 2 and rng.random() < 0.5 else "half_sse"
        low = -0.8 if output in ("tanh", "identity") else 0.1
        t = np.round(rng.uniform(low, 0.9, n_out), 2)

    def nice(shape: tuple[int, ...]) -> np.ndarray:
        values = np.round(rng.uniform(-0.9, 0.9, shape), 2)
        return np.where(np.abs(values) < 0.05, 0.15, values)

    biased = rng.random() < 0.5
    return Net(n_in, n_h, n_out, hidden, output, loss, float(rng.choice([0.1, 0.5, 1.0])),
               nice((n_in, n_h)), nice((n_h, n_out)), nice((n_h,)) if biased else None,
               nice((n_out,)) if biased else None, np.round(rng.uniform(-1, 1, n_in), 2), t)


# --- how a student writes and carries a number ---


def sig_text(value: float, figures: int) -> str:
    """``value`` to ``figures`` significant figures, written out without an exponent (a whole
    number with trailing 0s as a person writes it: 2120 for 2118.86 to three figures)."""
    if value == 0:
        return "0." + "0" * figures
    if figures - 1 - math.floor(math.log10(abs(value))) < 0:
        return f"{round(value, figures - 1 - math.floor(math.log10(abs(value)))):.0f}"
    places = max(figures - 1 - math.floor(math.log10(abs(value))), 0)
    rounded = round(value, places)
    if rounded != 0 and math.floor(math.log10(abs(rounded))) > math.floor(math.log10(abs(value))):
        places = max(places - 1, 0)  # 0.0999 → 0.100: one figure fewer after the point
    return f"{value:.{places}f}"


def dec_text(value: float, places: int) -> str:
    return f"{value:.{places}f}"


@dataclass
class Habit:
    """How one student writes numbers and which numbers they carry on with."""

    name: str
    write: Callable[[float, np.random.Generator], str]
    carry_written: bool
    """A paper chain: the next value is worked from the number as written."""
    blanks: float = 0.0
    """Share of values left blank (worked out, not written)."""


def honest_habits() -> list[Habit]:
    habits = [Habit(f"calculator, {d} significant figures", lambda v, r, d=d: sig_text(v, d), False,
                    0.15) for d in (3, 4, 5, 6)]
    habits += [Habit(f"calculator, {p} decimals", lambda v, r, p=p: dec_text(v, p), False, 0.15)
               for p in (2, 3, 4)]
    habits += [Habit(f"paper chain, {d} significant figures", lambda v, r, d=d: sig_text(v, d),
                     True) for d in (3, 4, 5)]
    habits += [Habit(f"paper chain, {p} decimals", lambda v, r, p=p: dec_text(v, p), True)
               for p in (3, 4)]
    habits.append(Habit("calculator, 3 to 6 figures at random",
                        lambda v, r: sig_text(v, int(r.integers(3, 7))), False, 0.2))
    return habits


COARSE_HABITS = [
    Habit("1 significant figure, carried", lambda v, r: sig_text(v, 1), True),
    Habit("1 significant figure, calculator", lambda v, r: sig_text(v, 1), False),
    Habit("small values as 0", lambda v, r: ("0", "0.0", "0.00")[int(r.integers(3))]
          if abs(v) < 0.01 else sig_text(v, 4), False),
]


# --- one student working the step ---


@dataclass
class Plant:
    """A misconception made once, at one value, and the hint bpstep should name it by."""

    key: str
    name: str
    hidden: bool = False
    """Made in a value left blank: bpstep must find it in the next value written."""
    variant: int = 0
    """Which form of the misconception, where it has several (1 − y or y·(1 − y) for 1 − y²)."""


@dataclass
class Student:
    habit: Habit
    rng: np.random.Generator
    plant: Plant | None = None
    second: Plant | None = None
    """Another misconception, made at another value (a student may have two)."""
    sheet: dict[str, str] = field(default_factory=dict)
    own: dict[str, float] = field(default_factory=dict)
    """Each value as the student had it before writing it down."""
    blank: set[str] = field(default_factory=set)
    first_written_after_plant: str | None = None

    def put(self, name: str, exact: float, mistaken: float | None = None) -> float:
        """Write the value (or leave it blank) and give back the number carried on."""
        if self.second is not None and self.second.name == name:
            self.plant, self.second = self.second, self.plant
        planted = self.plant is not None and self.plant.name == name
        value = mistaken if planted and mistaken is not None else exact
        self.own[name] = value
        chance = self.rng.random()  # drawn for every value, so a plant moves no other draw
        keep_blank = (planted and self.plant.hidden) or (  # type: ignore[union-attr]
            not planted and chance < self.habit.blanks)
        if keep_blank:
            self.blank.add(name)
            return value
        text = self.habit.write(value, self.rng)
        if planted and self.plant.key in DIGIT_PLANTS:  # type: ignore[union-attr]
            text = DIGIT_PLANTS[self.plant.key](text)  # type: ignore[union-attr]
            value = float(text)
        self.sheet[name] = text
        return float(text) if self.habit.carry_written or (
            planted and self.plant.key in DIGIT_PLANTS) else value  # type: ignore[union-attr]

    def wants(self, key: str, name: str) -> bool:
        return any(p is not None and p.key == key and p.name == name
                   for p in (self.plant, self.second))


def change_middle_digit(text: str) -> str:
    """The second significant digit (the first, if there is no second) off by 3."""
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    first = digits.index(next((i for i in digits if text[i] != "0"), digits[-1]))
    i = digits[min(first + 1, len(digits) - 1)]
    return text[:i] + str((int(text[i]) + 3) % 10) + text[i + 1:]


def swap_neighbours(text: str) -> str:
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    first = digits.index(next(i for i in digits if text[i] != "0"))
    for a, b in zip(digits[first:], digits[first + 1:], strict=False):
        if b == a + 1 and text[a] != text[b]:
            return text[:a] + text[b] + text[a] + text[b + 1:]
    return text


DIGIT_PLANTS = {"slip": change_middle_digit, "swapped_digits": swap_neighbours}


def to_2(value: float) -> float:
    """Rounded to 2 significant figures: the early rounding planted."""
    return float(f"{value:.1e}")


def work(net: Net, s: Student) -> None:
    """Every value of the step, each from the student's own earlier numbers, in stage order."""
    x, t, lr = net.x, net.t, net.lr
    hid, outs, ins = net.hid, net.outs, net.ins
    w1 = {(i, j): float(net.w1[i, j]) for i in range(net.n_in) for j in range(net.n_h)}
    w2 = {(j, k): float(net.w2[j, k]) for j in range(net.n_h) for k in range(net.n_out)}

    def fh(a: float) -> float:
        return float(f(net.hidden, np.array([a]))[0])

    # forward, hidden layer: every a, then every y
    a_h = []
    for j, h in enumerate(hid):
        bias = float(net.b1[j]) if net.b1 is not None else 0.0
        exact = sum(w1[i, j] * x[i] for i in range(net.n_in)) + bias
        mistaken = None
        if s.wants("bias_left_out", f"a[{h}]"):
            mistaken = exact - bias
        if s.wants("transposed", f"a[{h}]"):
            mistaken = sum((w1[j, i] if j < net.n_in and i < net.n_h else w1[i, j]) * x[i]
                           for i in range(net.n_in)) + bias
        a_h.append(s.put(f"a[{h}]", exact, mistaken))
    y_h = []
    for j, h in enumerate(hid):
        a = a_h[j]
        exact = fh(a)
        mistaken = None
        if s.wants("activation_swapped", f"y[{h}]"):
            mistaken = 1 / (1 + math.exp(-a))
        if s.wants("early", f"y[{h}]") and net.hidden == "sigmoid":
            mistaken = 1 / (1 + to_2(math.exp(-a)))
        if s.wants("power_of_ten", f"y[{h}]"):
            mistaken = exact * 10
        y_h.append(s.put(f"y[{h}]", exact, mistaken))
    # forward, output layer
    a_o = []
    for k, o in enumerate(outs):
        bias = float(net.b2[k]) if net.b2 is not None else 0.0
        exact = sum(w2[j, k] * y_h[j] for j in range(net.n_h)) + bias
        mistaken = None
        if s.wants("early", f"a[{o}]"):
            mistaken = to_2(y_h[0]) * w2[0, k] + sum(w2[j, k] * y_h[j] for j in range(1, net.n_h)) + bias
        if s.wants("bias_left_out", f"a[{o}]"):
            mistaken = exact - bias
        a_o.append(s.put(f"a[{o}]", exact, mistaken))
    ys = f(net.output, np.array(a_o))
    y_o = [s.put(f"y[{o}]", float(ys[k])) for k, o in enumerate(outs)]
    # loss
    n = net.n_out
    if net.loss == "cross_entropy":
        exact = -sum(t[k] * math.log(y_o[k]) for k in range(n))
    else:
        sse = sum((t[k] - y_o[k]) ** 2 for k in range(n))
        exact = 0.5 * sse if net.loss == "half_sse" else sse / n
    mistaken = None
    if s.wants("half_left_out", "loss"):
        mistaken = 2 * exact
    if s.wants("mean_left_out", "loss"):
        mistaken = exact * n
    s.put("loss", exact, mistaken)
    # output deltas (delta rule)
    d_o = []
    for k, o in enumerate(outs):
        y = y_o[k]
        if net.output == "softmax":
            exact = t[k] - y
            swapped = y - t[k]
            bare = exact
        else:
            scale = 1.0 if net.loss == "half_sse" else 2.0 / n
            bare = scale * (t[k] - y)
            exact = bare * slope(net.output, y)
            swapped = -exact
        mistaken = None
        if s.wants("swapped_error", f"delta[{o}]"):
            mistaken = swapped
        if s.wants("derivative_missing", f"delta[{o}]"):
            mistaken = bare
        if s.wants("half_left_out", f"delta[{o}]"):
            mistaken = 2 * exact
        if s.wants("mean_left_out", f"delta[{o}]"):
            mistaken = exact * n
        if s.wants("early", f"delta[{o}]"):
            mistaken = bare * to_2(slope(net.output, y))
        d_o.append(s.put(f"delta[{o}]", exact, mistaken))
    # the output layer's weights after the update, for a student who updates before δ of h
    new_w2 = {(j, k): w2[j, k] + lr * d_o[k] * y_h[j] for j in range(net.n_h)
              for k in range(net.n_out)}
    # hidden deltas
    d_h = []
    for j, h in enumerate(hid):
        y = y_h[j]
        back = sum(w2[j, k] * d_o[k] for k in range(n))
        exact = slope(net.hidden, y) * back
        mistaken = None
        if s.wants("derivative_missing", f"delta[{h}]"):
            mistaken = back
        if s.wants("slope_swapped", f"delta[{h}]"):
            mistaken = (y * (1 - y) if s.plant.variant % 2 else 1 - y) * back  # type: ignore[union-attr]
        if s.wants("other_units_weights", f"delta[{h}]"):
            other = (j + 1) % net.n_h
            mistaken = slope(net.hidden, y) * sum(w2[other, k] * d_o[k] for k in range(n))
        if s.wants("new_for_old", f"delta[{h}]"):
            mistaken = slope(net.hidden, y) * sum(new_w2[j, k] * d_o[k] for k in range(n))
        d_h.append(s.put(f"delta[{h}]", exact, mistaken))
    # updates: the output layer's, then the hidden layer's (each weight: Δw, then w)
    new2, newb2, new1, newb1 = {}, [], {}, []
    for k, o in enumerate(outs):
        for j, h in enumerate(hid):
            exact = lr * d_o[k] * y_h[j]
            mistaken = None
            if s.wants("a_for_y", f"dw[{h}->{o}]"):
                mistaken = lr * d_o[k] * a_h[j]
            if s.wants("sign_flipped", f"dw[{h}->{o}]"):
                mistaken = -exact
            if s.wants("lr_left_out", f"dw[{h}->{o}]"):
                mistaken = d_o[k] * y_h[j]
            dw = s.put(f"dw[{h}->{o}]", exact, mistaken)
            mistaken = None
            if s.wants("wrong_sign_update", f"w[{h}->{o}]"):
                mistaken = w2[j, k] - dw
            if s.wants("update_left_out", f"w[{h}->{o}]"):
                mistaken = w2[j, k]
            new2[j, k] = s.put(f"w[{h}->{o}]", w2[j, k] + dw, mistaken)
    if net.b2 is not None:
        for k, o in enumerate(outs):
            db = s.put(f"db[{o}]", lr * d_o[k])
            newb2.append(s.put(f"b[{o}]", float(net.b2[k]) + db))
    for j, h in enumerate(hid):
        for i, xi in enumerate(ins):
            exact = lr * d_h[j] * x[i]
            mistaken = None
            if s.wants("sign_flipped", f"dw[{xi}->{h}]"):
                mistaken = -exact
            if s.wants("power_of_ten", f"dw[{xi}->{h}]"):
                mistaken = exact / 10
            dw = s.put(f"dw[{xi}->{h}]", exact, mistaken)
            new1[i, j] = s.put(f"w[{xi}->{h}]", w1[i, j] + dw)
    if net.b1 is not None:
        for j, h in enumerate(hid):
            db = s.put(f"db[{h}]", lr * d_h[j])
            newb1.append(s.put(f"b[{h}]", float(net.b1[j]) + db))
    # forward again with the new weights
    a_after = [s.put(f"a_after[{h}]", sum(new1[i, j] * x[i] for i in range(net.n_in))
                     + (newb1[j] if newb1 else 0.0)) for j, h in enumerate(hid)]
    y_after = [s.put(f"y_after[{h}]", fh(a_after[j])) for j, h in enumerate(hid)]
    a_after_o = [s.put(f"a_after[{o}]", sum(new2[j, k] * y_after[j] for j in range(net.n_h))
                       + (newb2[k] if newb2 else 0.0)) for k, o in enumerate(outs)]
    ys = f(net.output, np.array(a_after_o))
    y_after_o = [s.put(f"y_after[{o}]", float(ys[k])) for k, o in enumerate(outs)]
    if net.loss == "cross_entropy":
        exact = -sum(t[k] * math.log(y_after_o[k]) for k in range(n))
    else:
        sse = sum((t[k] - y_after_o[k]) ** 2 for k in range(n))
        exact = 0.5 * sse if net.loss == "half_sse" else sse / n
    s.put("loss_after", exact)


def sheet_text(s: Student) -> str:
    return "".join(f'"{name}": {text}\n' for name, text in s.sheet.items()) or "{}\n"


def marked(net: Net, s: Student, floor: Floor | None = None) -> Report:
    data, lines = parse_yaml(net.yaml(), "net.yaml")
    scenario = check(data, "net.yaml", lines)
    trace = step(scenario)
    missing = {q.name for q in trace} - set(s.sheet) - s.blank
    assert not missing, f"the student model skipped {missing}"
    sheet = parse(sheet_text(s), "answers.yaml")
    return verify(trace, sheet.answers, None, floor or Floor(FloorKind.DIGITS, 3))


def truth(net: Net) -> dict[str, float]:
    s = Student(Habit("truth", lambda v, r: repr(float(v)), False), np.random.default_rng(0))
    work(net, s)
    return {name: float(text) for name, text in s.sheet.items()}


# --- the honest class ---


def test_the_reference_agrees_with_bpstep_s_step() -> None:
    """The students' formulas are those of the step: checked once, value by value."""
    rng = np.random.default_rng(7)
    for _ in range(60):
        net = draw_net(rng)
        data, lines = parse_yaml(net.yaml(), "net.yaml")
        values = step(check(data, "net.yaml", lines)).values
        mine = truth(net)
        assert set(mine) == set(values)
        for name, value in mine.items():
            assert value == pytest.approx(values[name], rel=1e-9, abs=1e-12), name


def figures_of(text: str) -> int:
    """Significant figures as written (a whole number's trailing 0s only place it)."""
    digits = text.lstrip("+-").replace(".", "").lstrip("0")
    return len(digits.rstrip("0") if "." not in text else digits)


@pytest.mark.parametrize("part", range(4))
def test_no_honest_value_is_ever_marked_wrong(part: int) -> None:
    """400 honest worksheets, 100 per part (each habit of 15 in turn, on its own network)."""
    rng = np.random.default_rng(1000 + part)
    habits = honest_habits()
    rejected: list[str] = []
    verdicts: Counter[str] = Counter()
    for n in range(100):
        net = draw_net(rng)
        habit = habits[(n + part) % len(habits)]
        s = Student(habit, rng)
        work(net, s)
        report = marked(net, s)
        for name, text in s.sheet.items():
            v = report[name]
            verdicts[v.verdict] += 1
            floor_at_work = v.verdict == TOO_COARSE and figures_of(text) < 3
            if v.verdict not in ACCEPTED and not floor_at_work:
                rejected.append(f"{habit.name}: {name} = {text} ({v.verdict}: {v.hint}; true "
                                f"{v.expected:.6g})\n{net.yaml()}")
    assert not rejected, f"{len(rejected)} honest values rejected, e.g.\n" + "\n".join(rejected[:3])
    assert verdicts[CORRECT] > 0 and verdicts["rounding"] > 0


def test_honest_decimals_meet_a_floor_in_decimals() -> None:
    """Written to the decimals the teacher asks, nothing honest is too coarse either."""
    rng = np.random.default_rng(77)
    for n in range(60):
        places = 2 + n % 3
        habit = Habit(f"{places} decimals", lambda v, r, p=places: dec_text(v, p), n % 2 == 0)
        net = draw_net(rng)
        s = Student(habit, rng)
        work(net, s)
        report = marked(net, s, Floor(FloorKind.DECIMALS, places))
        bad = [(name, report[name].verdict) for name in s.sheet if not report[name].accepted]
        assert not bad, (habit.name, bad, net.yaml())


# --- the coarse class ---


@pytest.mark.parametrize("habit", COARSE_HABITS, ids=lambda h: h.name)
def test_no_coarse_value_is_accepted(habit: Habit) -> None:
    rng = np.random.default_rng(31)
    accepted, coarse = [], 0
    for _ in range(110):
        net = draw_net(rng)
        exact = truth(net)
        s = Student(habit, rng)
        work(net, s)
        report = marked(net, s)
        for name, text in s.sheet.items():
            if figures_of(text) >= 3:
                continue
            coarse += 1
            exactly = any(float(text) == pytest.approx(v, rel=1e-9, abs=1e-15)
                          for v in (exact[name], s.own[name]))
            if report[name].accepted and not exactly:
                accepted.append(f"{name} = {text} ({report[name].verdict}; true {exact[name]:.6g})")
    assert coarse > 300
    assert not accepted, f"{len(accepted)} of {coarse} coarse values accepted: {accepted[:5]}"


# --- the mistaken class ---

PLANTS: dict[str, Callable[[Net], list[str]]] = {
    "bias_left_out": lambda n: [f"a[{u}]" for u in (n.hid[0], n.outs[0])] if n.b1 is not None else [],
    "half_left_out": lambda n: ["loss", f"delta[{n.outs[0]}]"] if n.loss == "half_sse" else [],
    "mean_left_out": lambda n: ["loss", f"delta[{n.outs[0]}]"] if n.loss == "mse" else [],
    "activation_swapped": lambda n: [f"y[{n.hid[0]}]"] if n.hidden == "tanh" else [],
    "slope_swapped": lambda n: [f"delta[{n.hid[0]}]"] if n.hidden == "tanh" else [],
    "transposed": lambda n: [f"a[{n.hid[0]}]"],
    "other_units_weights": lambda n: [f"delta[{n.hid[0]}]"],
    "early": lambda n: [f"a[{n.outs[0]}]", *([f"y[{n.hid[0]}]"] if n.hidden == "sigmoid" else []),
                        *([f"delta[{n.outs[0]}]"] if n.output in ("sigmoid", "tanh") else [])],
    "swapped_error": lambda n: [f"delta[{n.outs[0]}]"],
    "derivative_missing": lambda n: [f"delta[{n.hid[0]}]", *(
        [f"delta[{n.outs[0]}]"] if n.output in ("sigmoid", "tanh") else [])],
    "new_for_old": lambda n: [f"delta[{n.hid[0]}]"],
    "a_for_y": lambda n: [f"dw[{n.hid[0]}->{n.outs[0]}]"],
    "sign_flipped": lambda n: [f"dw[{n.hid[0]}->{n.outs[0]}]", f"dw[{n.ins[0]}->{n.hid[0]}]"],
    "lr_left_out": lambda n: [f"dw[{n.hid[0]}->{n.outs[0]}]"] if n.lr != 1 else [],
    "wrong_sign_update": lambda n: [f"w[{n.hid[0]}->{n.outs[0]}]"],
    "update_left_out": lambda n: [f"w[{n.hid[0]}->{n.outs[0]}]"],
    "power_of_ten": lambda n: [f"y[{n.hid[0]}]", f"dw[{n.ins[0]}->{n.hid[0]}]"],
    "slip": lambda n: [f"a[{n.hid[0]}]", f"delta[{n.outs[0]}]", f"w[{n.ins[0]}->{n.hid[0]}]"],
    "swapped_digits": lambda n: [f"a[{n.hid[0]}]", f"delta[{n.outs[0]}]",
                                 f"w[{n.ins[0]}->{n.hid[0]}]"],
}
"""Each misconception and the values a student can make it in (with this network's shape)."""
MISTAKEN_HABITS = [
    Habit("calculator, 5 significant figures", lambda v, r: sig_text(v, 5), False, 0.1),
    Habit("calculator, 6 significant figures", lambda v, r: sig_text(v, 6), False, 0.1),
    Habit("paper chain, 5 significant figures", lambda v, r: sig_text(v, 5), True),
    Habit("calculator, 4 to 6 figures at random", lambda v, r: sig_text(v, int(r.integers(4, 7))),
          False, 0.1),
]


def detectable(net: Net, plant: Plant, habit: Habit, where: str, seed: int = 0) -> bool:
    """The value marked differs from the honest one by more than rounding could ever explain:
    0.2 % and ten units of its last digit (a mistake that changes nothing is no mistake); a slip
    of the digits changes the digits the student (of ``seed``) writes."""
    if plant.key in DIGIT_PLANTS:
        texts = []
        for p in (plant, None):
            s = Student(habit, np.random.default_rng(seed), p)
            work(net, s)
            texts.append(s.sheet.get(where))
        return texts[0] != texts[1]
    values = []
    for p in (Plant(plant.key, plant.name, False, plant.variant), None):
        s = Student(Habit("exact", lambda v, r: repr(float(v)), False), np.random.default_rng(0), p)
        work(net, s)
        values.append(float(s.sheet[where]))
    planted, honest = values
    text = habit.write(honest, np.random.default_rng(0))
    unit = 10.0 ** -(len(text.split(".")[1]) if "." in text else 0)
    return abs(planted - honest) > max(0.002 * abs(honest), 10 * unit)


def next_written(net: Net, s: Student, name: str) -> str | None:
    """The first value written that is worked from ``name`` (for a plant left blank), directly
    or through values not written."""
    data, lines = parse_yaml(net.yaml(), "net.yaml")
    affected = {name}
    for q in step(check(data, "net.yaml", lines)):
        if affected.intersection(q.inputs):
            if q.name in s.sheet:
                return q.name
            affected.add(q.name)
    return None


SAME_NUMBER = {
    "sign_flipped": {"wrong_sign_update", "swapped_error"},
    "swapped_error": {"sign_flipped", "wrong_sign_update"},
    "wrong_sign_update": {"sign_flipped"},
}
"""Misconceptions that give the same number as another where no written value tells them apart,
so either name is the right one: a Δw with its sign flipped, when Δw is left blank, makes
w = w0 − Δw, the update added the wrong way round; and with δ of the output left blank, (y − t)
for (t − y) in that δ flips every Δw into the output."""


@pytest.mark.parametrize("part", range(4))
def test_every_planted_mistake_is_caught_and_named_and_what_follows_is_carried(part: int) -> None:
    """100 mistaken worksheets per part, each misconception in turn, one plant each; every other
    value written, before the plant or worked from it, is accepted."""
    rng = np.random.default_rng(5000 + part)
    keys = list(PLANTS)
    caught, named, made = 0, 0, 0
    by_key: Counter[str] = Counter()
    named_by_key: Counter[str] = Counter()
    problems: list[str] = []
    n = 0
    while made < 100:
        n += 1
        key = keys[(made + part * 7) % len(keys)]
        net = draw_net(rng)
        places = PLANTS[key](net)
        if not places:
            continue
        habit = MISTAKEN_HABITS[n % len(MISTAKEN_HABITS)]
        hidden = key not in DIGIT_PLANTS and n % 5 == 0
        plant = Plant(key, places[int(rng.integers(len(places)))], hidden, n)
        seed = int(rng.integers(1 << 30))
        s = Student(habit, np.random.default_rng(seed), plant)
        work(net, s)
        where = next_written(net, s, plant.name) if hidden else plant.name
        if where is None or not detectable(net, plant, habit, where, seed):
            continue
        made += 1
        report = marked(net, s)
        v = report[where]
        by_key[key] += 1
        if v.verdict in (WRONG, ROUNDED_EARLY):
            caught += 1
        else:
            problems.append(f"{key} at {where} {'(through ' + plant.name + ')' if hidden else ''}"
                            f" = {s.sheet[where]}: {v.verdict}\n{net.yaml()}")
        right = ROUNDED_EARLY if key == "early" else WRONG
        if v.verdict == right and (key == "early" or v.mistake in {key, *SAME_NUMBER.get(key, ())}):
            named += 1
            named_by_key[key] += 1
        for name, text in s.sheet.items():
            floor_at_work = report[name].verdict == TOO_COARSE and figures_of(text) < 3
            if name != where and not report[name].accepted and not floor_at_work:
                problems.append(f"{key} at {where}: {name} = {text} "
                                f"{report[name].verdict} ({report[name].hint})\n{net.yaml()}")
    assert not problems, f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:3])
    assert caught == made
    missed = {k: f"{named_by_key[k]}/{by_key[k]}" for k in by_key if named_by_key[k] < by_key[k]}
    assert named >= 0.9 * made, f"named {named} of {made}; missed by kind: {missed}"


def test_two_misconceptions_in_one_worksheet_are_each_caught_and_the_rest_carried() -> None:
    """100 worksheets with two plants at two values, everything else worked honestly."""
    rng = np.random.default_rng(9000)
    keys = [k for k in PLANTS if k not in DIGIT_PLANTS]
    made, caught = 0, 0
    problems: list[str] = []
    while made < 100:
        net = draw_net(rng)
        first, second = (keys[int(i)] for i in rng.choice(len(keys), 2, replace=False))
        places = [PLANTS[first](net), PLANTS[second](net)]
        if not all(places):
            continue
        a, b = (Plant(k, p[int(rng.integers(len(p)))], False, made) for k, p in
                zip((first, second), places, strict=True))
        if a.name == b.name:
            continue
        s = Student(MISTAKEN_HABITS[made % 2], np.random.default_rng(made), a, b)
        work(net, s)
        if not (detectable(net, a, s.habit, a.name) and _differs(net, a, b)):
            continue
        made += 1
        report = marked(net, s)
        planted = {a.name, b.name}
        caught += sum(not report[n].accepted for n in planted)
        for name, text in s.sheet.items():
            floor_at_work = report[name].verdict == TOO_COARSE and figures_of(text) < 3
            if name not in planted and not report[name].accepted and not floor_at_work:
                problems.append(f"{first} at {a.name}, {second} at {b.name}: {name} = "
                                f"{s.sheet[name]} {report[name].verdict} ({report[name].hint})")
    assert not problems, f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:3])
    assert caught >= 195  # a plant downstream of the other can land on an honest value by chance


def _differs(net: Net, first: Plant, second: Plant) -> bool:
    """The second plant changes its value, given the first made before it."""
    values = []
    for p in (second, None):
        s = Student(Habit("exact", lambda v, r: repr(float(v)), False), np.random.default_rng(0),
                    first, p)
        work(net, s)
        values.append(float(s.sheet[second.name]))
    return abs(values[0] - values[1]) > max(0.002 * abs(values[1]), 1e-4)


def test_a_batch_is_the_files_a_pattern_matches_or_a_folders_yaml_files(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yaml", "c.yml", "notes.txt"):
        (tmp_path / name).write_text("")
    assert batch_paths(str(tmp_path)) == [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    assert batch_paths(str(tmp_path / "*.y*ml")) == [tmp_path / n for n in ("a.yaml", "b.yaml",
                                                                            "c.yml")]
    (tmp_path / ".a.yaml.swp.yaml").write_text("")  # hidden: an editor's, never a hand-in
    assert left_out([tmp_path / "a.yaml", tmp_path / "b.yaml"]) == [tmp_path / "c.yml",
                                                                    tmp_path / "notes.txt"]
    with pytest.raises(UserError, match=r"^--batch '.*none\*\.yaml' matches no files; quote the "):
        batch_paths(str(tmp_path / "none*.yaml"))
