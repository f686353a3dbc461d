"""Malformed scenarios through `bpstep run`: exit code 2, one line on stderr naming the file, the key
path and the line, what was expected; never a traceback, never a partial run on stdout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bpstep.cli import app
from bpstep.errors import did_you_mean

ROOT = Path(__file__).resolve().parent.parent

# A valid 2-2-1 scenario; the comments give each line's number, which the expected messages use.
GOOD = """\
title: tiny
learning_rate: 1.0
layers:
  - units: [x1, x2]
  - units: [h1, h2]
    activation: sigmoid
  - units: [o]
    activation: sigmoid
weights:
  - [[0.2, 0.3],
     [0.2, 0.3]]
  - [[0.3], [0.9]]
inputs: [0.35, 0.7]
targets: [0.5]
"""
#  1 title   2 learning_rate   3 layers   4 x1,x2   5 h1,h2   6 activation   7 o   8 activation
#  9 weights   10-11 weights[0]   12 weights[1]   13 inputs   14 targets


def variant(old: str, new: str) -> str:
    """GOOD with one piece of text replaced (which must be there, so a typo cannot pass silently)."""
    assert GOOD.count(old) == 1, old
    return GOOD.replace(old, new)


def run_bad(tmp_path: Path, content: str | bytes, name: str = "bad.yaml") -> str:
    """Run `bpstep run` on ``content``; assert exit 2 and one clean stderr line; return that line."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return run_path(path)


def run_path(path: Path) -> str:
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.stdout == ""
    err = result.stderr
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
    line = err.rstrip("\n")
    assert line.startswith(f"bpstep: error: {path}")
    return line.removeprefix("bpstep: error: ")


def test_the_base_scenario_is_good(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    assert CliRunner().invoke(app, ["run", str(path), "--json"]).exit_code == 0


# (case id, file content, the whole message after the file name: ":line: key path: message")
CASES = [
    ("empty file", "", ": is empty; write a scenario (see docs/scenario-format.md)"),
    ("only a comment", "# a scenario will go here\n", ": is empty; write a scenario (see "
                                                      "docs/scenario-format.md)"),
    ("yaml syntax error", variant("    activation: sigmoid\n  - units: [o]",
                                  "    activation: sigmoid: x\n  - units: [o]"),
     ":6: YAML syntax error: mapping values are not allowed here"),
    ("unclosed bracket", variant("inputs: [0.35, 0.7]", "inputs: [0.35, 0.7"),
     ":14: YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence that "
     "starts on line 13)"),
    ("tab indentation", variant("  - units: [o]\n", "\t- units: [o]\n"),
     ":7: YAML syntax error: found character '\\t' that cannot start any token (while scanning for the "
     "next token); indent with spaces, not tabs"),
    ("top level is a list", "- 1\n- 2\n", ":1: expected a mapping of keys (learning_rate, layers, "
                                          "weights, ...) at the top level, got a list"),
    ("top level is a number", "42\n", ":1: expected a mapping of keys (learning_rate, layers, weights, "
                                      "...) at the top level, got a number"),
    ("top level is text", "hello\n", ":1: expected a mapping of keys (learning_rate, layers, weights, "
                                     "...) at the top level, got text"),
    ("missing learning_rate", variant("learning_rate: 1.0\n", ""),
     ": learning_rate: missing required key; add it, e.g. 'learning_rate: 0.5' (a number > 0)"),
    ("missing layers", variant("layers:\n  - units: [x1, x2]\n  - units: [h1, h2]\n    activation: "
                               "sigmoid\n  - units: [o]\n    activation: sigmoid\n", ""),
     ": layers: missing required key; add it, e.g. 'layers:' with a list like '- units: [x1, x2]', inputs "
     "first, outputs last"),
    ("missing inputs", variant("inputs: [0.35, 0.7]\n", ""), ": inputs: missing required key; add it, "
                                                             "e.g. 'inputs: [0.35, 0.7]' (one number per "
                                                             "input unit, or a list of samples)"),
    ("missing targets", variant("targets: [0.5]\n", ""), ": targets: missing required key; add it, e.g. "
                                                         "'targets: [0.5]' (one number per output unit, "
                                                         "or one list per sample)"),
    ("missing units", variant("  - units: [h1, h2]\n", "  - name: hidden\n"),
     ":5: layers[1].units: expected a non-empty list of unit names like [h1, h2], got nothing (null)"),
    ("three rows for two units", variant("[[0.3], [0.9]]", "[[0.3], [0.9], [0.1]]"),
     ":12: weights[1]: expected 2 rows (units of layer 1: h1, h2), got 3"),
    ("too few columns", variant("  - [[0.2, 0.3],", "  - [[0.2],"),
     ":10: weights[0][0]: expected 2 numbers (one per unit of layer 1: h1, h2), got 1"),
    ("ragged rows", variant("     [0.2, 0.3]]", "     [0.2, 0.3, 0.4]]"),
     ":11: weights[0][1]: expected 2 numbers (one per unit of layer 1: h1, h2), got 3"),
    ("a matrix is a number", variant("  - [[0.3], [0.9]]", "  - 5"),
     ":12: weights[1]: expected a 2×1 matrix (a list of rows), got a number (5)"),
    ("samples are a mapping", variant("inputs: [0.35, 0.7]", "inputs: {a: 1}"),
     ":13: inputs: expected a list of 2 numbers (one per input unit: x1, x2) or a list of such "
     "lists, one per sample, got a mapping ({'a': 1})"),
    ("a row is a number", variant("[[0.3], [0.9]]", "[0.3, 0.9]"),
     ":12: weights[1][0]: expected a list of 1 number (one per unit of layer 2: o), got a number (0.3)"),
    ("one matrix too few", variant("  - [[0.3], [0.9]]\n", ""),
     ":9: weights: expected 2 matrices (one per pair of consecutive layers), got 1"),
    ("one matrix too many", variant("  - [[0.3], [0.9]]\n", "  - [[0.3], [0.9]]\n  - [[1.0]]\n"),
     ":9: weights: expected 2 matrices (one per pair of consecutive layers), got 3"),
    ("weights not a list", variant("weights:\n  - [[0.2, 0.3],\n     [0.2, 0.3]]\n  - [[0.3], [0.9]]",
                                   "weights: 0.5"),
     ":9: weights: expected a list of 2 matrices, got a number (0.5)"),
    ("non-numeric input", variant("inputs: [0.35, 0.7]", "inputs: [0.35, abc]"),
     ":13: inputs[1]: expected a number, got text ('abc')"),
    ("quoted number", variant("inputs: [0.35, 0.7]", "inputs: [0.35, '0.7']"),
     ":13: inputs[1]: expected a number, got text ('0.7'); remove the quotes"),
    ("true as a number", variant("targets: [0.5]", "targets: [yes]"),
     ":14: targets[0]: expected a number, got true/false (true)"),
    ("null target", variant("targets: [0.5]", "targets: [~]"),
     ":14: targets[0]: expected a number, got nothing (null)"),
    ("empty weight", variant("  - [[0.3], [0.9]]", "  - [[0.3], [null]]"),
     ":12: weights[1][1][0]: expected a number, got nothing (null)"),
    ("nan weight", variant("[[0.3], [0.9]]", "[[.nan], [0.9]]"),
     ":12: weights[1][0][0]: expected a finite number, got .nan (not a number)"),
    ("infinite input", variant("inputs: [0.35, 0.7]", "inputs: [.inf, 0.7]"),
     ":13: inputs[0]: expected a finite number, got .inf"),
    ("minus infinity", variant("targets: [0.5]", "targets: [-.inf]"),
     ":14: targets[0]: expected a finite number, got -.inf"),
    ("number too large for a float", variant("inputs: [0.35, 0.7]", "inputs: [1e400, 0.7]"),
     ":13: inputs[0]: expected a finite number, got .inf"),
    ("integer too large for a float", variant("learning_rate: 1.0", "learning_rate: " + "9" * 400),
     ":2: learning_rate: expected a number below 1.8e308, got 9999999999999999999999999999999999999..."),
    ("unknown activation", variant("    activation: sigmoid\n  - units: [o]",
                                   "    activation: sigmod\n  - units: [o]"),
     ":6: layers[1].activation: unknown value 'sigmod'; expected one of identity, sigmoid, "
     "bipolar_sigmoid, tanh, relu, leaky_relu, softmax (did you mean 'sigmoid'?)"),
    ("momentum of 1", variant("learning_rate: 1.0\n", "learning_rate: 1.0\nmomentum: 1\n"),
     ":3: momentum: expected a number with 0 ≤ momentum < 1 (0.9 is usual), got 1"),
    ("negative momentum", variant("learning_rate: 1.0\n", "learning_rate: 1.0\nmomentum: -0.5\n"),
     ":3: momentum: expected a number with 0 ≤ momentum < 1 (0.9 is usual), got -0.5"),
    ("momentum as text", variant("learning_rate: 1.0\n", "learning_rate: 1.0\nmomentum: high\n"),
     ":3: momentum: expected a number, got text ('high')"),
    ("zero gain", variant("    activation: sigmoid\n  - units: [o]",
                          "    activation: {name: sigmoid, gain: 0}\n  - units: [o]"),
     ":6: layers[1].activation.gain: expected a number > 0 (the steepness k of f(k·a)), got 0"),
    ("gain on tanh", variant("    activation: sigmoid\n  - units: [o]",
                             "    activation: {name: tanh, gain: 2}\n  - units: [o]"),
     ":6: layers[1].activation.gain: a gain is defined for sigmoid and bipolar_sigmoid only, not "
     "tanh; remove it"),
    ("activation mapping without a name", variant("    activation: sigmoid\n  - units: [o]",
                                                  "    activation: {gain: 2}\n  - units: [o]"),
     ":6: layers[1].activation: expected a mapping like {name: sigmoid, gain: 2}; add 'name'"),
    ("unknown key in the activation", variant("    activation: sigmoid\n  - units: [o]",
                                              "    activation: {name: sigmoid, slope: 2}\n  - units: [o]"),
     ":6: layers[1].activation.slope: unknown key 'slope'; allowed keys: name, gain"),
    ("unknown activation in a mapping", variant("    activation: sigmoid\n  - units: [o]",
                                                "    activation: {name: bipolar, gain: 2}\n  - units: [o]"),
     ":6: layers[1].activation.name: unknown value 'bipolar'; expected one of identity, sigmoid, "
     "bipolar_sigmoid, tanh, relu, leaky_relu, softmax (did you mean 'bipolar_sigmoid'?)"),
    ("missing activation", variant("    activation: sigmoid\n  - units: [o]", "  - units: [o]"),
     ":5: layers[1].activation: missing; expected one of identity, sigmoid, bipolar_sigmoid, tanh, relu, "
     "leaky_relu, softmax"),
    ("activation on the input layer", variant("  - units: [x1, x2]\n",
                                              "  - units: [x1, x2]\n    activation: relu\n"),
     ":5: layers[0].activation: the input layer has no activation; remove this key"),
    ("unknown loss", GOOD + "loss: half_ss\n",
     ":15: loss: unknown value 'half_ss'; expected one of half_sse, sse, mse, cross_entropy, "
     "binary_cross_entropy (did you mean 'half_sse'?)"),
    ("unknown convention", GOOD + "convention: delta-rule\n",
     ":15: convention: unknown value 'delta-rule'; expected one of delta_rule, gradient "
     "(did you mean 'delta_rule'?)"),
    ("unknown mode", GOOD + "mode: onlin\n", ":15: mode: unknown value 'onlin'; expected one of batch, "
                                             "online, minibatch (did you mean 'online'?)"),
    ("unknown reduction", GOOD + "reduction: average\n",
     ":15: reduction: unknown value 'average'; expected one of sum, mean"),
    ("zero learning rate", variant("learning_rate: 1.0", "learning_rate: 0"),
     ":2: learning_rate: expected a number > 0, got 0"),
    ("negative learning rate", variant("learning_rate: 1.0", "learning_rate: -0.5"),
     ":2: learning_rate: expected a number > 0, got -0.5"),
    ("text learning rate", variant("learning_rate: 1.0", "learning_rate: fast"),
     ":2: learning_rate: expected a number, got text ('fast')"),
    ("empty learning rate", variant("learning_rate: 1.0", "learning_rate:"),
     ":2: learning_rate: expected a number, got nothing (null)"),
    ("list learning rate", variant("learning_rate: 1.0", "learning_rate: [1]"),
     ":2: learning_rate: expected a number, got a list ([1])"),
    ("duplicate unit across layers", variant("[h1, h2]", "[h1, x1]"),
     ":5: layers[1].units[1]: unit name 'x1' is already used at layers[0].units[0]; unit names "
     "must be unique"),
    ("duplicate unit in a layer", variant("[h1, h2]", "[h1, h1]"),
     ":5: layers[1].units[1]: unit name 'h1' is already used at layers[1].units[0]; unit names must be "
     "unique"),
    ("same number quoted and not", variant("[x1, x2]", "['1', '2']").replace("[h1, h2]", "[1, 3]"),
     ":5: layers[1].units[0]: unit name '1' is already used at layers[0].units[0]; unit names must be "
     "unique"),
    ("empty unit list", variant("[h1, h2]", "[]"),
     ":5: layers[1].units: expected a non-empty list of unit names like [h1, h2], got an empty list"),
    ("unit name with a bracket", variant("[h1, h2]", "['h[1]', h2]"),
     ":5: layers[1].units[0]: unit name 'h[1]' may not contain spaces, brackets, '@' or '->'"),
    ("only one layer", variant("  - units: [h1, h2]\n    activation: sigmoid\n  - units: [o]\n"
                               "    activation: sigmoid\n", ""),
     ":3: layers: expected a list of at least 2 layers (inputs first, outputs last), got a list "
     "([{'units': ['x1', 'x2']}])"),
    ("softmax on a hidden layer", variant("    activation: sigmoid\n  - units: [o]",
                                          "    activation: softmax\n  - units: [o]"),
     ":6: layers[1].activation: softmax couples its units and is allowed on the output layer only"),
    ("too many inputs", variant("inputs: [0.35, 0.7]", "inputs: [0.35, 0.7, 1.0]"),
     ":13: inputs: expected 2 numbers (one per input unit: x1, x2), got 3"),
    ("too few inputs in a sample", variant("inputs: [0.35, 0.7]\ntargets: [0.5]",
                                           "inputs: [[0.35, 0.7], [0.1]]\ntargets: [[0.5], [0.1]]"),
     ":13: inputs[1]: expected 2 numbers (one per input unit: x1, x2), got 1"),
    ("empty inputs", variant("inputs: [0.35, 0.7]", "inputs: []"),
     ":13: inputs: expected a list of 2 numbers (one per input unit: x1, x2) or a list of such "
     "lists, one per sample, got an empty list"),
    ("too many targets", variant("targets: [0.5]", "targets: [0.5, 0.1]"),
     ":14: targets: expected 1 number (one per output unit: o), got 2"),
    ("fewer targets than samples", variant("inputs: [0.35, 0.7]\ntargets: [0.5]",
                                           "inputs: [[0.35, 0.7], [0.1, 0.2]]\ntargets: [[0.5]]"),
     ":14: targets: expected one target vector per sample: 2 samples, got 1 target vector"),
    ("binary cross-entropy target 2", variant("targets: [0.5]", "targets: [2]")
     + "loss: binary_cross_entropy\n",
     ":14: targets[0]: binary_cross_entropy needs targets between 0 and 1, got 2; use targets in that "
     "range or another loss (e.g. half_sse)"),
    ("cross-entropy target below 0", variant("targets: [0.5]", "targets: [-0.5]")
     + "loss: cross_entropy\n",
     ":14: targets[0]: cross_entropy needs targets between 0 and 1, got -0.5; use targets in that range "
     "or another loss (e.g. half_sse)"),
    ("binary cross-entropy on a tanh output", variant("  - units: [o]\n    activation: sigmoid",
                                                      "  - units: [o]\n    activation: tanh")
     + "loss: binary_cross_entropy\n",
     ":15: loss: binary_cross_entropy needs a sigmoid output layer, but the output activation is "
     "tanh; change the output activation or choose another loss"),
    ("softmax targets not summing to 1",
     variant("  - units: [o]\n", "  - units: [o, p]\n")
     .replace("    activation: sigmoid\nweights", "    activation: softmax\nweights")
     .replace("[[0.3], [0.9]]", "[[0.3, 0.1], [0.9, 0.1]]").replace("targets: [0.5]", "targets: [1, 1]")
     + "loss: cross_entropy\n",
     ":14: targets: softmax with cross_entropy needs targets that sum to 1 (a probability distribution "
     "such as [0, 1, 0]), got a sum of 2"),
    ("wrong number of bias lists", GOOD + "biases: [[0, 0]]\n",
     ":15: biases: expected 2 lists (one per non-input layer), got 1 list"),
    ("wrong bias length", GOOD + "biases: [[0, 0], [0, 0]]\n",
     ":15: biases[1]: expected 1 number (one per unit of layer 2: o), got 2"),
    ("update_biases not a boolean", GOOD + "update_biases: maybe\n",
     ":15: update_biases: expected true or false, got 'maybe'"),
    ("title is a list", variant("title: tiny", "title: [a, b]"),
     ":1: title: expected one line of text, got a list (['a', 'b'])"),
    ("unknown top-level key", GOOD + "learning_rat: 2\n",
     ":15: learning_rat: unknown key 'learning_rat' (did you mean 'learning_rate'?); allowed keys: title, "
     "learning_rate, loss, convention, layers, weights, biases, update_biases, inputs, targets, mode, "
     "reduction, init, batch_size, shuffle, seed, epochs, momentum, marking"),
    ("unknown layer key", variant("    activation: sigmoid\n  - units: [o]",
                                  "    activaton: sigmoid\n  - units: [o]"),
     ":6: layers[1].activaton: unknown key 'activaton' (did you mean 'activation'?); allowed keys: "
     "units, activation, name"),
    ("null key", GOOD + "~: 1\n", ":15: None: unknown key None; allowed keys: title, learning_rate, loss, "
                                  "convention, layers, weights, biases, update_biases, inputs, targets, "
                                  "mode, reduction, init, batch_size, shuffle, seed, epochs, momentum, "
                                  "marking"),
    ("duplicate key", GOOD + "learning_rate: 2\n",
     ":15: learning_rate: duplicate key 'learning_rate' (first on line 2); keep only one"),
    ("duplicate nested key", variant("    activation: sigmoid\n  - units: [o]",
                                     "    activation: sigmoid\n    activation: tanh\n  - units: [o]"),
     ":7: layers[1].activation: duplicate key 'activation' (first on line 6); keep only one"),
    ("a date as a number", variant("inputs: [0.35, 0.7]", "inputs: [2024-01-31, 0.7]"),
     ":13: inputs[0]: expected a number, got text ('2024-01-31')"),
    ("an impossible date", variant("inputs: [0.35, 0.7]", "inputs: [2024-13-31, 0.7]"),
     ":13: inputs[0]: expected a number, got text ('2024-13-31')"),
    ("two documents", GOOD + "---\ntitle: second\n",
     ":15: holds more than one YAML document (a second '---'); keep one scenario per file"),
    ("undefined alias", variant("inputs: [0.35, 0.7]", "inputs: *sample"),
     ":13: YAML syntax error: found undefined alias 'sample'"),
    ("recursive alias", variant("inputs: [0.35, 0.7]", "inputs: &s [0.35, *s]"),
     ":13: an alias refers to a list or mapping that contains it; write the values out"),
    ("control character", variant("title: tiny", "title: ti\x07ny"),
     ":1: contains the control character #x0007, which YAML does not allow; remove it"),
    ("deep nesting", "a: " + "[" * 600 + "]" * 600 + "\n",
     ":1: lists or mappings are nested more than 32 deep; a scenario needs no more than lists of lists"),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_scenario_gets_one_clear_line(tmp_path: Path, content: str, expected: str) -> None:
    assert run_bad(tmp_path, content) == str(tmp_path / "bad.yaml") + expected


BILLION_LAUGHS = """\
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    # a is 1 list + 10 items = 11 values, b = 1 + 10·11 = 111, ..., f = 1,111,111 and
    # g = 11,111,111: g, on line 7, is the first node over the 2,000,000 limit.
    message = run_bad(tmp_path, BILLION_LAUGHS)
    assert message == (f"{tmp_path / 'bad.yaml'}:7: aliases (*name) expand this document to more "
                       "than 2,000,000 values (an alias bomb?); write the values out")


def test_alias_bomb_inside_a_scenario_value(tmp_path: Path) -> None:
    bomb_in_inputs = BILLION_LAUGHS.replace("i: &i", "inputs: &i")
    message = run_bad(tmp_path, variant("inputs: [0.35, 0.7]\n", "") + bomb_in_inputs)
    assert "alias bomb" in message


@pytest.mark.parametrize("tagged", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.call [[touch, '{marker}']]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/tuple [1, 2]",
    "!custom 1",
])
def test_tags_that_build_objects_are_refused_and_nothing_runs(tmp_path: Path, tagged: str) -> None:
    marker = tmp_path / "was-run"
    value = tagged.format(marker=marker)
    tag = value.split(" ")[0]
    message = run_bad(tmp_path, variant("title: tiny", f"title: {value}"))
    assert f":1: title: the YAML tag {tag} is not allowed: scenarios hold only numbers, text, lists and " \
           "mappings; remove the tag" in message
    assert not marker.exists()


def test_tag_at_the_top_level_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "was-run"
    message = run_bad(tmp_path, f"!!python/object/apply:os.system ['touch {marker}']\n")
    assert "the YAML tag !!python/object/apply:os.system is not allowed" in message
    assert not marker.exists()


def test_binary_file(tmp_path: Path) -> None:
    png_start = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
    message = run_bad(tmp_path, png_start, name="picture.yaml")
    assert message == f"{tmp_path / 'picture.yaml'}: is a binary file, expected YAML text"


def test_non_utf8_text(tmp_path: Path) -> None:
    latin1 = "title: café\nlearning_rate: 1\n".encode("latin-1")
    message = run_bad(tmp_path, b"# first\n" + latin1)
    # "# first\n" is 8 bytes, "title: caf" 10 more: the é is byte 18, on line 2.
    assert message == f"{tmp_path / 'bad.yaml'}:2: is not UTF-8 text (byte 18); save it as UTF-8"


def test_utf8_with_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert CliRunner().invoke(app, ["run", str(path), "--json"]).exit_code == 0


def test_missing_file(tmp_path: Path) -> None:
    message = run_path(tmp_path / "nowhere.yaml")
    assert message == f"{tmp_path / 'nowhere.yaml'}: no such file or lesson; check the path; " \
                      "`bpstep lessons` lists the lessons"


def test_directory(tmp_path: Path) -> None:
    message = run_path(tmp_path)
    assert message == f"{tmp_path}: is a directory, expected a YAML scenario file"


def test_missing_weights_names_the_key(tmp_path: Path) -> None:
    message = run_bad(tmp_path, variant("weights:\n  - [[0.2, 0.3],\n     [0.2, 0.3]]\n"
                                        "  - [[0.3], [0.9]]\n", ""))
    assert "weights" in message and "missing" in message


def test_long_message_is_not_wrapped_when_piped(tmp_path: Path) -> None:
    """A real process with stderr piped: rich must not break the line at the console width."""
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD + "learning_rat: 2\n")
    done = subprocess.run([sys.executable, "-m", "bpstep", "run", str(path)], cwd=ROOT,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "COLUMNS": "40"})
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and len(done.stderr) > 200, done.stderr
    assert "Traceback" not in done.stderr
    assert "\x1b[" not in done.stderr


def test_python_tag_through_a_real_process(tmp_path: Path) -> None:
    marker = tmp_path / "was-run"
    path = tmp_path / "evil.yaml"
    path.write_text(f"title: !!python/object/apply:os.system ['touch {marker}']\n" + GOOD[12:])
    done = subprocess.run([sys.executable, "-m", "bpstep", "run", str(path)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == (f"bpstep: error: {path}:1: title: the YAML tag "
                           "!!python/object/apply:os.system is not allowed: scenarios hold only "
                           "numbers, text, lists and mappings; remove the tag\n")
    assert not marker.exists()


# --- issue 13: hostile files, through `run` and `verify` -----------------------------------------

def run_process(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """bpstep in a real process: a segfault shows as a negative return code, not a dead test run."""
    return subprocess.run([sys.executable, "-m", "bpstep", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=120)


def one_line(done: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert done.returncode == code, (done.returncode, done.stderr[-500:])
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr[-500:]
    return done.stderr


def run_here(*args: str | Path) -> Result:
    """``run_process(*args)`` with the app run in this process, for files that cannot crash the
    interpreter: the app turns every expected error into its one line (``main`` adds only Ctrl-C
    and SIGPIPE), and an exception that escapes it fails here, as its traceback would there.
    Starting Python for each would cost ten times the check."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def one_line_here(*args: str | Path, code: int = 2) -> str:
    """``one_line(run_process(*args))``, through ``run_here``."""
    result = run_here(*args)
    assert result.exit_code == code, (result.exit_code, result.stderr[-500:])
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr[-500:]
    return result.stderr


@pytest.mark.parametrize("opening", ["[", "{a: ", "- "])
def test_deep_nesting_is_refused_not_a_segfault(tmp_path: Path, opening: str) -> None:
    closing = {"[": "]", "{a: ": "}", "- ": ""}[opening]
    deep = tmp_path / "deep.yaml"
    deep.write_text(opening * 100_000 + "1" + closing * 100_000)
    assert one_line(run_process("run", deep)) == (f"bpstep: error: {deep}:1: lists or mappings are "
                                                 "nested more than 32 deep; a scenario needs no "
                                                 "more than lists of lists\n")


def test_deep_nesting_in_an_answers_file_is_refused(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"scenario: {GFG}\nx: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert f"{answers}:2: lists or mappings are nested more than 32 deep" in one_line(
        run_process("verify", answers))


def test_a_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert run_path(fifo).endswith(": is not a regular file (a pipe or a device); save the "
                                   "scenario as a file and give its name")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_is_refused_before_reading(device: str) -> None:
    assert run_path(Path(device)) == f"{device}: is not a regular file (a pipe or a device); " \
                                     "save the scenario as a file and give its name"


def test_a_big_file_is_not_read_past_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bpstep import scenario

    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * 5_000_001)
    real_read, asked = os.read, []
    monkeypatch.setattr(os, "read", lambda fd, n: asked.append(n) or real_read(fd, n))
    with pytest.raises(scenario.ScenarioError, match="is larger than 5 MB"):
        scenario.read_text(path)
    assert sum(asked) <= 5_000_001 + 1


@pytest.mark.parametrize("size", [2_500_000, 5_000_000, 5_000_001, 7_000_000])
def test_a_file_read_in_short_pieces_is_read_whole_up_to_the_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """os.read may return less than asked (a network file system does): the pieces are joined in
    order, a file of exactly 5 MB is read, one byte more is refused, and nothing past it is read."""
    from bpstep import scenario

    path = tmp_path / "pieces.yaml"
    text = "".join(f"# line {i:07d}\n" for i in range(size // 15 + 1))[:size]
    path.write_bytes(text.encode())
    real_read, got = os.read, []
    monkeypatch.setattr(os, "read", lambda fd, n: got.append(real_read(fd, min(n, 1_000_000))) or got[-1])
    if size <= 5_000_000:
        assert scenario.read_text(path) == text
    else:
        with pytest.raises(scenario.ScenarioError, match="is larger than 5 MB"):
            scenario.read_text(path)
    assert sum(map(len, got)) == min(size, 5_000_001)


def test_a_byte_that_is_not_utf8_is_placed_on_its_line_after_a_blank_first_one(tmp_path: Path) -> None:
    from bpstep import scenario

    path = tmp_path / "bad.yaml"
    path.write_bytes(b"\ntitle: caf\xe9\n")
    with pytest.raises(scenario.ScenarioError) as caught:
        scenario.read_text(path)
    assert str(caught.value) == f"{path}:2: is not UTF-8 text (byte 11); save it as UTF-8"


def test_an_over_long_file_name(tmp_path: Path) -> None:
    for path in (tmp_path / ("x" * 300 + ".yaml"), tmp_path / ("x" * 300) / "s.yaml"):
        assert run_path(path).endswith(": a folder or file name in this path is longer than the "
                                       "file system allows (255 bytes); use a shorter name")


def test_a_file_that_may_not_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """root may read anything, so the refusal is made by os.open itself."""
    import errno

    path = tmp_path / "locked.yaml"
    path.write_text(GOOD)

    def refuse(*_: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    assert run_path(path).endswith(": cannot be read: permission denied; check that you may read "
                                   "the scenario and its folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_and_folder_for_real(tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    inside = tmp_path / "locked" / "s.yaml"
    inside.write_text(GOOD)
    mine = tmp_path / "mine.yaml"
    mine.write_text(GOOD)
    mine.chmod(0)
    (tmp_path / "locked").chmod(0)
    try:
        for path in (inside, mine):
            assert "permission denied" in run_path(path)
    finally:
        (tmp_path / "locked").chmod(0o755)


def test_lone_surrogate_in_the_title_is_refused(tmp_path: Path) -> None:
    message = run_bad(tmp_path, variant("title: tiny", 'title: "\\ud800"'))
    assert message.endswith(":1: title: holds the escape \\ud800, half of a UTF-16 pair and not a "
                            "character; write the character itself")


@pytest.mark.parametrize("title", ["!!binary aGVsbG8=", "!!set {a: null}", "!!timestamp 2001-12-14",
                                   "!!omap [{a: 1}]", "!!pairs [{a: 1}]"])
def test_tags_of_other_types_are_refused(tmp_path: Path, title: str) -> None:
    tag = title.split()[0]
    assert run_bad(tmp_path, variant("title: tiny", f"title: {title}")).endswith(
        f":1: title: the YAML tag {tag} is not allowed: scenarios hold only numbers, text, lists "
        "and mappings; remove the tag")


def test_a_date_is_text(tmp_path: Path) -> None:
    from bpstep.scenario import load

    path = tmp_path / "dated.yaml"
    path.write_text(variant("title: tiny", "title: 2001-12-14"))
    assert load(path).title == "2001-12-14"


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("title: tiny", "title: " + "t" * 10_001,
     ":1: title: expected at most 10,000 characters (a title, not a document), got 10,001"),
    ("  - units: [x1, x2]", "  - units: [x1, x2]\n    name: " + "n" * 100_000,
     ":5: layers[0].name: expected at most 64 characters, got 100,000"),
    ("[h1, h2]", "[h1, " + "h" * 65 + "]", ":5: layers[1].units[1]: expected a unit name of at most "
     "64 characters, got 65"),
])
def test_long_titles_and_names_are_refused(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert expected in run_bad(tmp_path, variant(old, new))


def test_a_file_that_is_no_scenario_is_not_quoted(tmp_path: Path) -> None:
    message = run_bad(tmp_path, "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1\n")
    assert "root:x" not in message and message.endswith("at the top level, got text")


def test_control_characters_in_the_title_are_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "esc.yaml"
    path.write_text(variant("title: tiny", 'title: "\\e]0;pwned\\a\\e[2J\\u202e tiny"'))
    done = run_process("run", path)
    assert done.returncode == 0
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout
    assert done.stdout.startswith("\\x1b]0;pwned\\x1b[2J\\u202e tiny\n")


def test_control_characters_in_an_answers_key_are_shown_escaped(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(f'scenario: {GFG}\n"a[h1]\\e[2J": 0.21\n')
    assert "a[h1]\\x1b[2J" in one_line_here("verify", answers)


GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"


@pytest.mark.parametrize(("lines", "expected"), [
    ('"a[h1]": 0e' + "9" * 4301, ":2: a[h1]: expected a number (like -0.0376 or 9.45e-4) or null, "
     "got '0e" + "9" * 35 + "'..."),
    ('"a[h1]": 0e400', ":2: a[h1]: expected a number (like -0.0376 or 9.45e-4) or null, got '0e400'"),
    ('"\\ud83d\\ude42": 0.5', ":2: holds the escape \\ud83d, half of a UTF-16 pair and not a "
     "character; write the character itself"),
    ('\ufeff"a[h1]": 0.21', ":2: \\ufeff\"a[h1]\": unknown quantity"),
    ('"' + "w" * 300 + '": 0.5', ":2: a key of 300 characters is no quantity name (at most 152)"),
])
def test_hostile_answers_get_one_line(tmp_path: Path, lines: str, expected: str) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"scenario: {GFG}\n{lines}\n", encoding="utf-8")
    assert expected in one_line_here("verify", answers)


def test_a_wrong_softmax_worksheet_is_marked_not_crashed(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"scenario: {ROOT / 'scenarios' / 'softmax_cross_entropy.yaml'}\n"
                       '"y_after[h1]": 6.51\n"y_after[bird]": 0.02095\n')
    done = run_here("verify", answers)
    assert done.exit_code == 1 and "Traceback" not in done.stderr, done.stderr


def test_scenario_key_is_not_followed_out_of_the_folder(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    work, student = tmp_path / "work", tmp_path / "work" / "student"
    student.mkdir(parents=True)
    monkeypatch.chdir(work)
    answers = student / "answers.yaml"
    answers.write_text('scenario: ../../../../../../../../etc/passwd\n"a[h1]": 0.5\n')
    message = one_line_here("verify", answers)
    assert "root:" not in message and "is outside the answers file's folder" in message
    (student / "link.yaml").symlink_to(GFG)
    answers.write_text('scenario: link.yaml\n"a[h1]": 0.5\n')
    assert "is outside the answers file's folder" in one_line_here("verify", answers)
    allowed = run_here("verify", answers, "--scenarios", GFG.parent)
    assert allowed.exit_code == 1, allowed.stderr


def test_a_named_file_that_is_no_scenario_is_not_quoted(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret.txt").write_text("password: hunter2\nroot:x:0:0\n")
    answers = tmp_path / "answers.yaml"
    answers.write_text('scenario: secret.txt\n"a[h1]": 0.5\n')
    monkeypatch.chdir(tmp_path)
    message = one_line_here("verify", answers)
    assert "hunter2" not in message and "root:x" not in message and "password" not in message
    assert message.startswith(f"bpstep: error: {answers}:1: scenario: names "
                              f"{tmp_path / 'secret.txt'}, which is not a valid scenario")


@pytest.mark.parametrize(("word", "names", "said"), [
    ("delta[h]", ["delta[h1]", "delta[h2]", "delta[o]", "loss"],
     "did you mean 'delta[h2]' or 'delta[h1]' or 'delta[o]'?"),
    ("H1", ["x1", "h1", "h2"], "did you mean 'h1'?"),
    ("h3", ["x1", "h1", "h2"], "did you mean 'h2' or 'h1'?"),
    ("sigmod", ["sigmoid", "tanh"], "did you mean 'sigmoid'?"),
    ("zzz", ["sigmoid", "tanh"], ""),
])
def test_every_suggestion_is_made_one_way(word: str, names: list[str], said: str) -> None:
    """At most three names, the closest first; a name that differs only in case before them."""
    assert did_you_mean(word, names) == said
