"""What makes a step fair to hand out: one definition, for ``bpstep new`` and ``bpstep variants``.

A hand exercise is unfair when part of it is given away (a unit whose output is known without
working, two units that are copies of each other, an update too small to show in the figures
asked for) or drowned (a saturated unit whose δ all but vanishes), and a class's variants are
unfair when one student's is much harder or easier than another's. Each rule has a key, used in
messages and in the tests:

- ``finite``: every value of the step is a finite number.
- ``zero``: no weight, bias or input is 0, nor a target but for class labels (0 and 1 under
  a cross-entropy or at a softmax output): a zero drops a term from every sum it is in.
- ``dead_unit``: no unit whose incoming weights are all 0 (its net input is its bias, or 0).
- ``twins``: no two units of a layer with the same incoming weights and bias: the second is
  a copy of the first, half the layer worked for free.
- ``saturated``: no unit of a bounded activation (sigmoid, tanh, softmax, bipolar sigmoid) with
  |gain · a| > 3, before or after the update (sigmoid′ < 0.05 there: the δ behind it all but
  vanishes); identity and ReLU do not saturate, and their sizes are kept by ``magnitude``.
- ``kink``: no ReLU-like unit exactly at a = 0, where f′ is not defined.
- ``relu``: ``bpstep new`` switches no ReLU off (a < 0: its weights do not learn) unless asked
  (``--dead-relu``); a variant has as many ReLUs off in each layer as the original, its samples
  taken together (the lesson of ``relu_sse`` is its unit that is off).
- ``vanishes``: nothing rounds to 0 at the precision floor the answers are marked to (the
  scenario's ``marking``, else 3 significant figures, as ``bpstep.verify.floor_for``): no δ, Δw
  or Δb that is 0 at the floor's decimals (with a floor of significant figures only 0 itself
  is), no weight or bias whose new value, written to the floor, reads as the old one (the update
  does not show: the student copies the old value and is right), and no net input of 0 (y = f(0)
  for free). A value below 10⁻⁹ of its peers (the largest value of its stage, or the given
  numbers) counts as 0: it is float noise. The 0s of a ReLU that is off are its lesson, not a
  breach.

A variant is also measured against its original (``Reference``):

- ``decimals``: each group of numbers it draws (each weight matrix, each layer's biases, the
  inputs, the targets) has as many decimals as the original's, no more and no fewer.
- ``magnitude``: similar difficulty. For each kind of value (a, y, loss, δ, Δw, w, …) within
  each stage of the step (a layer's forward pass, the loss, a layer's deltas, a layer's update,
  the forward pass after; with several samples, the stage of every sample taken together:
  ``group_of``), the mean of the |values| lies within a factor of 3 of the original's (from a
  third to three times). A squared loss is compared by its square root, the size of the error
  it squares; a kind that is all 0 in the original is not compared. The given numbers are
  drawn within the original's span and with its decimals, so their sizes follow; what they
  make of the step is what is compared.

A rule is relative to the original where the original itself breaks it: a place (a unit, a
layer, a position among the numbers) where the original breaks a structural rule (zero,
dead_unit, twins, kink) is not asked to keep it in the variants; a stage may have as many values
that vanish as the original's same stage (not necessarily the same ones); a net input past ±3
in the original may reach its own size in the variants. The shipped lessons need this:
``builtin_identity_xor`` has three identical hidden units and inputs (0, 0), so every
first-layer update is 0; ``two_outputs_fixed_biases`` and ``two_hidden_layers`` have first-layer
updates too small to show at 3 significant figures; ``softmax_cross_entropy`` has a net input
of 0.

Pure: the scenario and its step in, the breaches out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bpstep.enums import StrEnum
from bpstep.scenario import Scenario
from bpstep.trace import Kind, Network, Quantity, Stage, Trace
from bpstep.written import DEFAULT_FLOOR, Floor, FloorKind

MAX_NET_INPUT = 3.0
"""|gain · a| beyond this saturates a sigmoid or tanh (f′ below 0.05): the δ behind it all but
vanishes."""
SPREAD = 3.0
"""A variant's mean |value| of a stage's kind lies between 1/SPREAD and SPREAD times the original's."""
NOISE = 1e-9
"""A value this small next to its peers is 0 but for float noise (a cancelling sum)."""
MAX_DECIMALS = 4
"""Decimals drawn at most, for a scenario whose numbers were drawn (``init``) or are long."""
RELU_FAMILY = ("relu", "leaky_relu")
"""Activations with a kink at a = 0, where f′ is not defined."""
SQUARED_LOSSES = ("half_sse", "sse", "mse")
"""Losses that take any target an output can reach; the cross-entropies take probabilities."""
VANISHING = (Kind.DELTA, Kind.DW, Kind.DB)
"""Kinds that must not round to 0 at the floor."""
LOSSES = (Kind.LOSS, Kind.LOSS_AFTER)
QUIET = frozenset({Kind.Y, Kind.Y_AFTER, Kind.LOSS, Kind.LOSS_AFTER})
"""Kinds no rule but ``finite`` (and ``magnitude``) looks at."""


class Rule(StrEnum):
    """A reason a step is no fair exercise (see the module's docstring)."""

    FINITE = "finite"
    ZERO = "zero"
    DEAD_UNIT = "dead_unit"
    TWINS = "twins"
    SATURATED = "saturated"
    KINK = "kink"
    RELU = "relu"
    VANISHES = "vanishes"
    DECIMALS = "decimals"
    MAGNITUDE = "magnitude"


RULES: dict[Rule, str] = {
    Rule.FINITE: "every value a finite number",
    Rule.ZERO: "no weight, bias, input or target drawn as 0",
    Rule.DEAD_UNIT: "no unit whose incoming weights are all 0",
    Rule.TWINS: "no two units of a layer with the same incoming weights",
    Rule.SATURATED: f"no saturated unit (|a| ≤ {MAX_NET_INPUT:g})",
    Rule.KINK: "no ReLU exactly at its kink (a = 0)",
    Rule.RELU: "ReLUs off only as asked (as many as in the original)",
    Rule.VANISHES: "nothing that rounds to 0 at the precision asked: no δ, Δw or Δb of 0, no "
                   "update that does not show, no net input of 0",
    Rule.DECIMALS: "each group of numbers with the original's decimals",
    Rule.MAGNITUDE: f"each stage's values within a factor of {SPREAD:g} of the original's",
}
"""Each rule in a few words: what an error names when a rule cannot be met."""
STRUCTURAL = frozenset({Rule.ZERO, Rule.DEAD_UNIT, Rule.TWINS, Rule.KINK, Rule.FINITE})
"""Rules a variant is let off at the places where its original breaks them."""


@dataclass(frozen=True, slots=True)
class Breach:
    """One rule broken at one place: the rule, where (a quantity, unit, layer or number), why."""

    rule: Rule
    place: str
    detail: str
    group: Group | None = None
    """The stage of the step it is in (``group_of``), for the rules counted per stage."""

    def __str__(self) -> str:
        return self.detail


def floor_of(scenario: Scenario) -> Floor:
    """The precision answers are marked to when no option says otherwise: the scenario's
    ``marking``, else 3 significant figures (what ``bpstep.verify.floor_for`` gives)."""
    return scenario.marking or DEFAULT_FLOOR


# --- the given numbers, in groups as the scenario file has them ---


def given_groups(scenario: Scenario) -> list[tuple[str, np.ndarray]]:
    """(key path, array) of each group of given numbers: ``weights[0]`` …, ``biases[0]`` …,
    ``inputs``, ``targets``, as a scenario file names them."""
    out = [(f"weights[{k}]", w) for k, w in enumerate(scenario.weights)]
    if scenario.biases is not None:
        out += [(f"biases[{k}]", b) for k, b in enumerate(scenario.biases)]
    return [*out, ("inputs", scenario.inputs), ("targets", scenario.targets)]


def decimals_of(values: np.ndarray | Sequence[float]) -> int:
    """The most decimals any of ``values`` is written with (``0.35`` → 2, ``1.0`` → 0), at most
    MAX_DECIMALS (a number with an exponent, or 0.30000000000000004, counts as MAX_DECIMALS)."""
    most = 0
    for v in np.ravel(values).tolist():
        if not math.isfinite(v) or v == int(v):
            continue
        text = repr(float(v))
        if "e" in text:
            return MAX_DECIMALS
        most = max(most, len(text) - text.index(".") - 1)
        if most >= MAX_DECIMALS:
            return MAX_DECIMALS
    return most


def _position(label: str, index: tuple[int, ...]) -> str:
    return label + "".join(f"[{i}]" for i in index)


def labelled(loss: str, output_activation: str | None) -> bool:
    """Whether the targets are class labels (0/1, one-hot), not numbers drawn in the output's
    range: a cross-entropy takes probabilities, and softmax outputs sum to 1."""
    return loss not in SQUARED_LOSSES or output_activation == "softmax"


def _number_breaches(scenario: Scenario) -> Iterator[Breach]:
    labels = labelled(scenario.loss, scenario.layers[-1].activation)
    for label, values in given_groups(scenario):
        if label == "targets" and labels:
            continue
        if values.all():
            continue
        for index in zip(*np.nonzero(values == 0), strict=True):
            place = _position(label, tuple(int(i) for i in index))
            yield Breach(Rule.ZERO, place, f"{place} is 0")
    for k, w in enumerate(scenario.weights):
        units = scenario.layers[k + 1].units
        if not w.all():
            for j in np.flatnonzero(~w.any(axis=0)).tolist():
                yield Breach(Rule.DEAD_UNIT, units[j], f"every weight into {units[j]} is 0: "
                             f"a[{units[j]}] is worked without a product")
        if len(units) < 2:
            continue
        columns = w.T if scenario.biases is None else np.column_stack([w.T, scenario.biases[k]])
        seen: dict[bytes, int] = {}
        for j, column in enumerate(columns):
            first = seen.setdefault(column.tobytes(), j)
            if first != j:
                yield Breach(Rule.TWINS, f"layer {k + 1}", f"{units[first]} and {units[j]} have the "
                             f"same incoming weights {column.tolist()}: one is a copy of the other")
                break


def number_breaches(scenario: Scenario, reference: Reference | None = None) -> Iterator[Breach]:
    """The rules the given numbers break on their own, before any step is worked: zeros, dead
    units, twins; against a reference also their decimals (see the module's docstring)."""
    for breach in _number_breaches(scenario):
        if reference is None or (breach.rule, breach.place) not in reference.exempt:
            yield breach
    if reference is None:
        return
    for label, values in given_groups(scenario):
        have, decimals = decimals_of(values), reference.decimals[label]
        if have != decimals:
            yield Breach(Rule.DECIMALS, label, f"{label} has {have} decimals, the original "
                         f"{decimals}")


# --- the step ---


def _saturating(network: Network) -> dict[str, float]:
    """The gain of each unit whose activation saturates (a bounded range: f′ → 0 far from 0)."""
    out: dict[str, float] = {}
    for units, act in zip(network.units[1:], network.activations, strict=True):
        low, high = act.bounds
        if math.isfinite(low) and math.isfinite(high):
            out.update(dict.fromkeys(units, act.gain or 1.0))
    return out


Group = tuple[str, "int | None", bool]
"""A stage of the step with its samples taken together: (phase, layer, over all samples)."""


def group_of(stage: Stage) -> Group:
    """The stage a rule measures: the trace's stage, its samples taken together (the forward
    pass of layer 1 of every sample is one), so a stage of one value in each sample is not
    measured by that value alone."""
    return (stage.phase, stage.layer, stage.sample is None)


def _add_sizes(quantities: Sequence[Quantity], sums: dict[str, list[float]]) -> None:
    for q in quantities:
        total = sums.setdefault(q.kind, [0.0, 0])
        total[0] += abs(q.value)
        total[1] += 1


def _means(sums: Mapping[str, list[float]], squared: bool) -> dict[str, float]:
    """The mean |value| of each kind (a squared loss by its square root: the size of the error
    it squares)."""
    means = {kind: total / count for kind, (total, count) in sums.items()}
    for kind in LOSSES if squared else ():
        if kind in means:
            means[kind] = math.sqrt(means[kind])
    return means


def _shows(floor: Floor, before: float, after: float) -> bool:
    """Whether ``after`` written to the floor differs from ``before`` written so."""
    change = abs(after - before)
    if floor.kind == FloorKind.DIGITS:
        biggest = max(abs(before), abs(after))
        if biggest == 0:
            return False
        if change > 2 * 10.0 ** (math.floor(math.log10(biggest)) - floor.count + 1):
            return True
    elif change > 2 * 10.0 ** -floor.count:
        return True
    return floor.written(after) != floor.written(before)


@dataclass(frozen=True, slots=True)
class _Sizes:
    """What the rules measured against an original measure of one stage (``group_of``)."""

    means: dict[str, float]
    """The mean |value| (a squared loss: its root) of each kind of quantity."""
    off: int
    """How many ReLUs are off (a ≤ 0)."""


def _step_breaches(trace: Trace, reference: Reference | None, floor: Floor,
                   dead_relu: bool, sizes: dict[Group, _Sizes] | None = None) -> Iterator[Breach]:
    """Every rule the step breaks, stage by stage, as if it had no original but for the sizes
    (ReLUs off, magnitude) compared with the reference's as each stage group ends; ``sizes``
    receives each group's. Stage by stage, so a draw that breaks a rule early costs no more."""
    network = trace.network
    gain = _saturating(network)
    relu = {u for units, act in zip(network.units[1:], network.activations, strict=True)
            if act.name in RELU_FAMILY for u in units}
    squared = network.loss.name in SQUARED_LOSSES
    given = [abs(v) for v in trace.given.values()]
    peers = math.fsum(given) / len(given) if given else 0.0
    half = 0.5 * 10.0 ** -floor.count if floor.kind == FloorKind.DECIMALS else 0.0
    off: dict[tuple[str, int | None], bool] = {}
    groups = [group_of(stage) for stage in trace.stages]
    ends = {group: i for i, group in enumerate(groups)}
    sums: dict[Group, dict[str, list[float]]] = {}
    switched: Counter[Group] = Counter()

    def switched_off(unit: str | None, sample: int | None) -> bool:
        """A ReLU that is off in this sample (in every sample, for a change made from all)."""
        if unit not in relu:
            return False
        if (unit, sample) in off:
            return off[(unit, sample)]  # type: ignore[index]
        return all(v for (u, _), v in off.items() if u == unit)

    def explained(q: Quantity) -> bool:
        """A change of 0 that a ReLU switched off makes: its lesson, not a breach."""
        return switched_off(q.unit, q.sample) or switched_off(q.source, q.sample)

    for i, stage in enumerate(trace.stages):
        group = groups[i]
        quantities = tuple(stage.quantities)  # a lazy stage makes its quantities anew each time
        _add_sizes(quantities, sums.setdefault(group, {}))
        scale = NOISE * max(max((abs(q.value) for q in quantities), default=0.0), peers)
        for q in quantities:
            value, kind, name = q.value, q.kind, q.name
            if kind in QUIET and math.isfinite(value):
                continue
            if not math.isfinite(value):
                yield Breach(Rule.FINITE, name, f"{name} is not a finite number", group)
                continue
            if kind in (Kind.A, Kind.A_AFTER) and q.unit in gain:
                limit = MAX_NET_INPUT if reference is None else reference.limits.get(name, MAX_NET_INPUT)
                if abs(value * gain[q.unit]) > limit:
                    yield Breach(Rule.SATURATED, name, f"{name} = {value:.4g} saturates {q.unit} "
                                 f"(|a| > {limit:.4g})", group)
            if kind == Kind.A:
                if q.unit in relu:
                    off[(q.unit, q.sample)] = value <= 0  # type: ignore[index]
                    switched[group] += value <= 0
                    if value == 0:
                        yield Breach(Rule.KINK, name, f"{name} = 0 sits at the kink of {q.unit}'s "
                                     "ReLU", group)
                    elif value < 0 and not dead_relu and reference is None:
                        yield Breach(Rule.RELU, name, f"{name} = {value:g}: the ReLU of {q.unit} is "
                                     "off, its weights do not learn", group)
                elif abs(value) <= scale:
                    yield Breach(Rule.VANISHES, name, f"{name} = 0: y[{q.unit}] = f(0) is given "
                                 "away", group)
            elif kind in VANISHING:
                if (abs(value) <= scale or abs(value) < half) and not (value == 0 and explained(q)):
                    yield Breach(Rule.VANISHES, name, f"{name} = {value:.2g} rounds to 0 at "
                                 f"{floor.words}", group)
            elif kind in (Kind.W, Kind.B) and q.before is not None and not _shows(
                    floor, q.before, value) and not (value == q.before and explained(q)):
                yield Breach(Rule.VANISHES, name, f"{name} = {value:.6g} reads as before the "
                             f"update at {floor.words}: the change does not show", group)
        if ends[group] != i:
            continue
        mine = _Sizes(_means(sums[group], squared), switched[group])
        if sizes is not None:
            sizes[group] = mine
        if reference is None:
            continue
        title = _title(stage)
        theirs = reference.sizes[group]
        if mine.off != theirs.off:
            yield Breach(Rule.RELU, title, f"{title}: {mine.off} ReLU{'s' * (mine.off != 1)} off, "
                         f"the original {theirs.off}", group)
        for kind, mean in theirs.means.items():
            size = mine.means.get(kind, 0.0)
            if mean > 0 and not mean / SPREAD <= size <= mean * SPREAD:
                what = f"√{kind}" if kind in LOSSES and squared else f"|{kind}|"
                yield Breach(Rule.MAGNITUDE, f"{title}: {kind}", f"{title}: mean {what} {size:.3g}, "
                             f"the original's {mean:.3g} (more than {SPREAD:g} times apart)", group)


def _title(stage: Stage) -> str:
    """A stage's title without its sample, for the stage of every sample."""
    title = stage.title
    return title[:title.rindex(" · sample ")] if " · sample " in title else title


def step_breaches(trace: Trace, reference: Reference | None = None, *,
                  floor: Floor | None = None, dead_relu: bool = True) -> Iterator[Breach]:
    """The rules the step breaks (every rule but those of the given numbers alone), first found
    first; against a reference, relative to what the original breaks (module docstring).
    ``floor`` is the precision answers are marked to (``floor_of`` the scenario's), else the
    reference's; one of them is needed."""
    if reference is None:
        if floor is None:
            raise ValueError("a step is judged at a floor: give floor_of(scenario) or a reference")
        yield from _step_breaches(trace, None, floor, dead_relu)
        return
    vanishing: Counter[Group | None] = Counter()
    for breach in _step_breaches(trace, reference, floor or reference.floor, True):
        if breach.rule in STRUCTURAL and (breach.rule, breach.place) in reference.exempt:
            continue
        if breach.rule == Rule.VANISHES:
            vanishing[breach.group] += 1
            if vanishing[breach.group] <= reference.vanishing.get(breach.group, 0):
                continue
        yield breach


def fair(scenario: Scenario, trace: Trace, reference: Reference | None = None, *,
         floor: Floor | None = None, dead_relu: bool = True) -> tuple[Breach, ...]:
    """Every rule the exercise breaks, empty when it is fair: on its own (``bpstep new``), or as
    a variant of ``reference``'s original. ``floor`` is the precision answers are marked to
    (default: ``floor_of``); ``dead_relu`` lets a ReLU be off when no reference says. The
    scenario is judged beside its step: its numbers as the file gives them (zeros, twins,
    decimals) and its ``marking``, which no trace holds."""
    if reference is None and floor is None:
        floor = floor_of(scenario)
    return (*number_breaches(scenario, reference),
            *step_breaches(trace, reference, floor=floor, dead_relu=dead_relu))


@dataclass(frozen=True, slots=True)
class Reference:
    """An original as the measure of its variants, worked out once (``reference``)."""

    floor: Floor
    exempt: frozenset[tuple[Rule, str]]
    """(rule, place) of each structural rule the original breaks itself."""
    vanishing: Mapping[Group | None, int]
    """How many values vanish in each stage of the original."""
    limits: Mapping[str, float]
    """|gain · a| allowed at each net input where the original's lies past MAX_NET_INPUT."""
    sizes: Mapping[Group, _Sizes]
    """Each stage's ReLUs off and mean |value| of each kind in the original."""
    decimals: Mapping[str, int]
    """Decimals of each group of given numbers, by key path."""


def reference(original: Scenario, trace: Trace, *, floor: Floor | None = None) -> Reference:
    """The original as its variants are measured against it: what it breaks itself, its sizes
    (the scenario for its numbers' decimals and its ``marking``, as ``fair`` says)."""
    floor = floor or floor_of(original)
    sizes: dict[Group, _Sizes] = {}
    own = [*_number_breaches(original), *_step_breaches(trace, None, floor, True, sizes)]
    gain = _saturating(trace.network)
    limits = {q.name: abs(q.value * gain[q.unit]) for q in trace  # type: ignore[index]
              if q.kind in (Kind.A, Kind.A_AFTER) and q.unit in gain
              and abs(q.value * gain[q.unit]) > MAX_NET_INPUT}
    return Reference(floor, frozenset((b.rule, b.place) for b in own if b.rule in STRUCTURAL),
                     Counter(b.group for b in own if b.rule == Rule.VANISHES), limits, sizes,
                     {label: decimals_of(values) for label, values in given_groups(original)})
