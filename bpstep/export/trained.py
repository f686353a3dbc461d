"""The files ``bpstep train`` writes besides its report: the loss curve (``--plot``) and the
trained network as a scenario ``bpstep run`` reads (``--save``)."""

from __future__ import annotations

from pathlib import Path

from bpstep.numbers import fmt
from bpstep.scenario import Scenario
from bpstep.train import Stop, TrainResult


def training_files(scenario: Scenario, result: TrainResult, given: Path, *, plot: Path | None,
                   save: Path | None, precision: int) -> dict[Path, tuple[str, str]]:
    """Each file asked for, with its text and what it holds, in the order they are written; no
    trained scenario after a divergence (its numbers are not numbers). ``given`` is the
    scenario as the user typed it, which the files name."""
    files: dict[Path, tuple[str, str]] = {}
    if plot is not None:
        from bpstep.export.svg_plot import loss_curve_svg

        files[plot] = loss_curve_svg(scenario, result, given.name), "loss curve"
    if save is not None and result.stopped != Stop.DIVERGED:
        from bpstep.scenario_yaml import trained_yaml

        text = trained_yaml(scenario, result.params, given=str(given), name=given.stem,
                            epochs=result.epochs, loss=fmt(result.loss, precision))
        files[save] = text, f"trained scenario, {result.epochs} epochs"
    return files
