"""What docs/training.md says about run's and train's losses and seeds, checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bpstep.engine import step
from bpstep.scenario import check
from bpstep.train import train, with_overrides

XOR = Path(__file__).resolve().parent.parent / "scenarios" / "xor_batch.yaml"


@pytest.mark.parametrize("mode", ["batch", "online", "minibatch"])
def test_train_epoch_1_is_runs_loss_after_and_epoch_0_its_loss_only_in_batch_mode(mode: str) -> None:
    data = yaml.safe_load(XOR.read_text())
    data.update({"mode": mode}, **({"batch_size": 2} if mode == "minibatch" else {}))
    scenario = check(data)
    trace = step(scenario)
    history = dict(train(scenario, 1).history)
    assert history[1] == pytest.approx(trace.value_of("loss_after"), rel=1e-12)
    same_start = history[0] == pytest.approx(trace.value_of("loss"), rel=1e-12)
    assert same_start == (mode == "batch")


def test_the_command_line_seed_replaces_both_seeds() -> None:
    data = {"learning_rate": 0.5, "init": {"kind": "normal", "seed": 1}, "mode": "online", "shuffle": True,
            "seed": 4, "layers": [{"units": ["x"]}, {"units": ["o"], "activation": "sigmoid"}],
            "inputs": [[0.1], [0.2], [0.3]], "targets": [[0.0], [1.0], [0.0]]}
    moved = with_overrides(check(data), seed=9)
    direct = check({**data, "init": {"kind": "normal", "seed": 9}, "seed": 9})
    assert moved.seed == 9 and moved.init is not None and moved.init.seed == 9
    assert [w.tolist() for w in moved.weights] == [w.tolist() for w in direct.weights]


def test_shipped_files_point_nowhere_outside_the_repository() -> None:
    root = XOR.parent.parent
    for path in [*root.glob("scenarios/*.yaml"), *root.glob("docs/*.md"), root / "README.md"]:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "shared/seeds" not in text, path
