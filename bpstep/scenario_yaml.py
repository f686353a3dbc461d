"""A scenario written back as YAML, with new weights: what ``bpstep train --save`` produces.

Numbers are written with ``repr`` (shortest text that reads back as the same float), so
``bpstep run`` on the saved file starts from exactly the trained parameters. What bpstep writes,
bpstep reads: a network too big for a scenario file (MAX_FILE_BYTES) is refused, not saved.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence

import numpy as np

from bpstep.cells import yaml_number
from bpstep.engine import Params
from bpstep.errors import UserError
from bpstep.escaping import json_dumps, printable
from bpstep.scenario import MAX_FILE_BYTES, Scenario, titled

SHORTEST_NUMBER = len("0.0, ")
"""No number is written in fewer bytes, so parameters × this is a floor of the file's size."""


class TooBigError(UserError):
    """The trained network would not fit in a scenario file that ``bpstep run`` reads."""


def _refuse(size: int, what: str) -> TooBigError:
    return TooBigError(f"--save: the trained network would take {what}{size / 1e6:.1f} MB as a "
                       f"scenario, more than the {MAX_FILE_BYTES // 1_000_000} MB bpstep reads; "
                       "nothing saved (train a smaller network, or leave out --save)")


def check_size(scenario: Scenario) -> None:
    """Refuse before training a network whose saved scenario could not be read back."""
    numbers = sum(w.size for w in scenario.weights) + scenario.inputs.size + scenario.targets.size
    if scenario.biases is not None:
        numbers += sum(b.size for b in scenario.biases)
    if numbers * SHORTEST_NUMBER > MAX_FILE_BYTES:
        raise _refuse(numbers * SHORTEST_NUMBER, "at least ")


_TRAINED = re.compile(r"^(?P<title>.*) \(trained (?P<epochs>\d+) epochs\)$", re.DOTALL)


def trained_title(title: str, epochs: int) -> str:
    """``title (trained N epochs)``; a title that already says so gets its count raised, so
    training a saved scenario again does not stack a second bracket."""
    match = _TRAINED.match(title)
    if match:
        return titled(match["title"], f" (trained {int(match['epochs']) + epochs} epochs)")
    return titled(title, f" (trained {epochs} epochs)")


def trained_note(given: str, epochs: int, loss: str) -> str:
    """The saved file's header: the command as typed (the path as given, quoted for a shell)."""
    return (f"Trained by: bpstep train {shlex.quote(given)} --epochs {epochs} (loss {loss}).\n"
            f"Starting weights: {given}.")


def trained_yaml(scenario: Scenario, params: Params, *, given: str, name: str, epochs: int,
                 loss: str) -> str:
    """``bpstep train --save``: the trained network as a scenario ``bpstep run`` reads, its header
    the command that made it (``given``, the scenario as typed) and its title the epochs trained
    (the scenario's title, else ``name``): a saved file says where it came from."""
    return scenario_yaml(scenario, params, note=trained_note(given, epochs, loss),
                         title=trained_title(scenario.title or printable(name), epochs))


def _row(values: Sequence[float] | np.ndarray) -> str:
    return "[" + ", ".join(yaml_number(v) for v in values) + "]"


def _matrix(matrix: np.ndarray, indent: str) -> list[str]:
    rows = [_row(r) for r in matrix]
    if len(rows) == 1:
        return [f"{indent}- [{rows[0]}]"]
    return ([f"{indent}- [{rows[0]},"] + [f"{indent}   {r}," for r in rows[1:-1]]
            + [f"{indent}   {rows[-1]}]"])


def scenario_yaml(scenario: Scenario, params: Params, *, title: str, note: str) -> str:
    """The scenario with ``params`` as its weights (and biases, when it has biases); TooBigError
    when bpstep could not read it back."""
    out = [f"# {line}" for line in printable(note).splitlines()]
    out.append(f"title: {json_dumps(title)}")
    out.append(f"learning_rate: {yaml_number(scenario.learning_rate)}")
    out += [f"loss: {scenario.loss}", f"convention: {scenario.convention}",
            f"mode: {scenario.mode}", f"reduction: {scenario.reduction}"]
    if scenario.batch_size is not None:
        out.append(f"batch_size: {scenario.batch_size}")
    if scenario.shuffle:
        out += ["shuffle: true", f"seed: {scenario.seed}"]
    if scenario.epochs is not None:
        out.append(f"epochs: {scenario.epochs}")
    if scenario.momentum is not None:
        out.append(f"momentum: {yaml_number(scenario.momentum)}")
    if scenario.marking is not None:
        out.append(f"marking: {{{scenario.marking.kind}: {scenario.marking.count}}}")
    out.append(f"update_biases: {'true' if scenario.update_biases else 'false'}")
    out.append("layers:")
    for layer in scenario.layers:
        out.append(f"  - units: [{', '.join(json.dumps(u) for u in layer.units)}]")
        if layer.activation and layer.gain is not None:
            out.append(f"    activation: {{name: {layer.activation}, gain: {yaml_number(layer.gain)}}}")
        elif layer.activation:
            out.append(f"    activation: {layer.activation}")
        if layer.name:
            out.append(f"    name: {json_dumps(layer.name)}")
    out.append("weights:")
    for w in params.weights:
        out += _matrix(np.asarray(w), "  ")
    if scenario.biases is not None:
        out.append("biases:")
        out += [f"  - {_row(b)}" for b in params.biases]
    for key, rows in (("inputs", scenario.inputs), ("targets", scenario.targets)):
        out.append(f"{key}:")
        out += [f"  - {_row(r)}" for r in rows]
    text = "\n".join(out) + "\n"
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise _refuse(len(text.encode("utf-8")), "")
    return text
