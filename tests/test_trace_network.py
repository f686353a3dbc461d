"""A trace describes the network it ran (``Trace.network``), so it is read without its scenario:
each fact here is written out from the scenario file by hand, not read back from the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpstep.engine import step
from bpstep.scenario import check, load

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

XOR = {
    "title": "four samples", "learning_rate": 0.5,
    "layers": [{"units": ["x1", "x2"]}, {"units": ["h"], "activation": "tanh", "name": "middle"},
               {"units": ["o"], "activation": {"name": "sigmoid", "gain": 2}}],
    "weights": [[[0.5], [-0.4]], [[0.7]]], "biases": [[0.1], [0.2]], "update_biases": False,
    "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0], [1], [1], [0]],
}


def test_a_lesson_trace_says_what_its_file_says() -> None:
    network = step(load(SCENARIOS / "gfg_sigmoid.yaml")).network
    assert network.units == (("x1", "x2"), ("h1", "h2"), ("o",))
    assert network.layer_names == ("inputs", "hidden layer", "output layer")
    assert [act.name for act in network.activations] == ["sigmoid", "sigmoid"]
    assert (network.loss.name, network.convention, network.mode, network.reduction) == (
        "half_sse", "delta_rule", "batch", "sum")
    assert (network.delta_rule, network.biases, network.samples, network.updates) == (
        True, False, 1, ((1,),))
    assert network.title == "Sigmoid 2-2-1 worked example (GeeksforGeeks)"
    assert network.pairing is None


def test_the_gradient_convention_is_not_the_delta_rule() -> None:
    network = step(load(SCENARIOS / "gfg_gradient_convention.yaml")).network
    assert (network.convention, network.delta_rule) == ("gradient", False)


def test_softmax_with_cross_entropy_is_a_fused_pair() -> None:
    network = step(load(SCENARIOS / "softmax_cross_entropy.yaml")).network
    assert network.pairing is not None
    assert (network.activations[-1].name, network.loss.name) == ("softmax", "cross_entropy")


def test_names_gains_and_fixed_biases_are_kept() -> None:
    network = step(check(XOR, "xor.yaml")).network
    assert network.layer_names == (None, "middle", None)
    assert [act.name for act in network.activations] == ["tanh", "sigmoid with gain 2"]
    assert network.activations[-1].gain == 2
    assert (network.biases, network.update_biases, network.source) == (True, False, "xor.yaml")


@pytest.mark.parametrize(("order", "updates"), [
    ({"mode": "batch"}, ((1, 2, 3, 4),)),
    ({"mode": "online"}, ((1,), (2,), (3,), (4,))),
    ({"mode": "minibatch", "batch_size": 3}, ((1, 2, 3), (4,))),
])
def test_updates_are_the_samples_each_update_learned_from(order: dict, updates: tuple) -> None:
    trace = step(check({**XOR, **order}, "xor.yaml"))
    assert trace.network.updates == updates
    assert trace.network.samples == 4


def test_shuffled_updates_follow_the_order_the_step_took() -> None:
    """With shuffling the order is drawn: each update stage is tagged with its first sample."""
    trace = step(check({**XOR, "mode": "online", "shuffle": True, "seed": 5}, "xor.yaml"))
    firsts = list(dict.fromkeys(st.sample for st in trace.stages if st.phase == "update"))
    assert [u[0] for u in trace.network.updates] == firsts
    assert sorted(u[0] for u in trace.network.updates) == [1, 2, 3, 4]
