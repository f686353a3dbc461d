"""The scenario loader on good input: shipped files, defaults, sample shapes, names, frozen arrays;
and on random input: nothing but ScenarioError ever comes out of `load`.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import string
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpstep.scenario import FIELDS, Scenario, ScenarioError, check, load

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if "answers" not in p.name)

MINIMAL = """\
learning_rate: 0.5
layers:
  - units: [x1, x2]
  - units: [h1, h2, h3]
    activation: tanh
  - units: [o]
    activation: identity
weights:
  - [[0.1, 0.2, 0.3],
     [0.4, 0.5, 0.6]]
  - [[0.7], [0.8], [0.9]]
inputs: [1.0, 2.0]
targets: [0.5]
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_scenario_loads(path: Path) -> None:
    scenario = load(path)
    assert scenario.source == str(path)
    sizes = [len(layer.units) for layer in scenario.layers]
    assert [w.shape for w in scenario.weights] == list(itertools.pairwise(sizes))
    assert scenario.inputs.shape[1] == sizes[0] and scenario.targets.shape[1] == sizes[-1]
    assert len(scenario.inputs) == len(scenario.targets)


def test_shipped_scenarios_are_found() -> None:
    assert {"gfg_sigmoid.yaml", "builtin_identity_xor.yaml"} <= {p.name for p in SHIPPED}


def test_defaults(tmp_path: Path) -> None:
    s = load(write(tmp_path, MINIMAL))
    assert (s.loss, s.convention, s.mode, s.reduction) == ("half_sse", "delta_rule", "batch", "sum")
    assert s.update_biases is True
    assert s.biases is None and s.title is None
    assert s.learning_rate == 0.5
    assert [layer.activation for layer in s.layers] == [None, "tanh", "identity"]
    assert [layer.name for layer in s.layers] == [None, None, None]


def test_weights_row_is_the_earlier_unit_column_the_later_one(tmp_path: Path) -> None:
    s = load(write(tmp_path, MINIMAL))
    assert s.weights[0].shape == (2, 3)
    assert s.weights[0][1, 2] == 0.6  # from x2 (row 1) to h3 (column 2)
    assert s.weights[0][0, 1] == 0.2  # from x1 to h2
    assert s.weights[1].shape == (3, 1) and s.weights[1][2, 0] == 0.9  # from h3 to o


def test_one_sample_is_a_one_row_matrix(tmp_path: Path) -> None:
    s = load(write(tmp_path, MINIMAL))
    assert s.inputs.shape == (1, 2) and s.targets.shape == (1, 1)
    assert s.inputs.tolist() == [[1.0, 2.0]] and s.targets.tolist() == [[0.5]]


def test_a_list_with_one_sample_is_the_same_as_one_sample(tmp_path: Path) -> None:
    nested = MINIMAL.replace("inputs: [1.0, 2.0]", "inputs: [[1.0, 2.0]]").replace(
        "targets: [0.5]", "targets: [[0.5]]")
    s = load(write(tmp_path, nested))
    assert s.inputs.tolist() == [[1.0, 2.0]] and s.targets.tolist() == [[0.5]]


def test_several_samples_are_rows_in_order(tmp_path: Path) -> None:
    text = MINIMAL.replace("inputs: [1.0, 2.0]", "inputs:\n  - [0, 0]\n  - [0, 1]\n  - [1, 0]").replace(
        "targets: [0.5]", "targets: [[0], [1], [1]]") + "mode: online\nreduction: mean\n"
    s = load(write(tmp_path, text))
    assert s.inputs.tolist() == [[0, 0], [0, 1], [1, 0]]
    assert s.targets.tolist() == [[0], [1], [1]]
    assert (s.mode, s.reduction) == ("online", "mean")


def test_every_optional_key(tmp_path: Path) -> None:
    text = MINIMAL + ("title: All keys\nloss: mse\nconvention: gradient\nupdate_biases: false\n"
                      "biases: [[0.1, 0.2, 0.3], [-1]]\nmode: batch\nreduction: sum\n")
    s = load(write(tmp_path, text))
    assert (s.title, s.loss, s.convention, s.update_biases) == ("All keys", "mse", "gradient", False)
    assert s.biases is not None
    assert [b.tolist() for b in s.biases] == [[0.1, 0.2, 0.3], [-1.0]]


def test_textbook_unit_names_in_quotes(tmp_path: Path) -> None:
    text = (MINIMAL.replace("[x1, x2]", "['1', '2']").replace("[h1, h2, h3]", '["3", "4", "5"]')
            .replace("[o]", "['6']"))
    s = load(write(tmp_path, text))
    assert [layer.units for layer in s.layers] == [("1", "2"), ("3", "4", "5"), ("6",)]
    from bpstep.engine import step

    trace = step(s)
    assert "a[3]" in trace and "dw[1->3]" in trace and "y[6]" in trace


def test_numbers_with_an_exponent_are_numbers(tmp_path: Path) -> None:
    """Plain PyYAML reads 1e-3 as text; scenarios read it as YAML 1.2 does."""
    text = MINIMAL.replace("learning_rate: 0.5", "learning_rate: 1e-3").replace(
        "inputs: [1.0, 2.0]", "inputs: [2.5E2, -.5e1]")
    s = load(write(tmp_path, text))
    assert s.learning_rate == 0.001
    assert s.inputs.tolist() == [[250.0, -5.0]]


def test_layer_names_and_title_are_kept(tmp_path: Path) -> None:
    text = MINIMAL.replace("  - units: [x1, x2]\n", "  - units: [x1, x2]\n    name: inputs\n")
    s = load(write(tmp_path, "title: 42\n" + text))
    assert s.layers[0].name == "inputs" and s.title == "42"
    assert load(write(tmp_path, f"title: {'t' * 200}\n" + text)).title == "t" * 200


def test_arrays_are_read_only(tmp_path: Path) -> None:
    s = load(write(tmp_path, MINIMAL + "biases: [[0, 0, 0], [0]]\n"))
    assert s.biases is not None
    for array in (*s.weights, *s.biases, s.inputs, s.targets):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1.0


def test_scenario_is_frozen(tmp_path: Path) -> None:
    s = load(write(tmp_path, MINIMAL))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.learning_rate = 2.0  # type: ignore[misc]


def test_error_keeps_its_parts(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("learning_rate: 0.5", "learning_rate: -1"))
    with pytest.raises(ScenarioError) as caught:
        load(path)
    err = caught.value
    assert (err.source, err.path, err.line) == (str(path), "learning_rate", 1)
    assert err.message == "expected a number > 0, got -1"
    assert str(err) == f"{path}:1: learning_rate: expected a number > 0, got -1"


def test_check_without_a_file() -> None:
    data = yaml.safe_load(MINIMAL)
    assert isinstance(check(data), Scenario)
    data["loss"] = "cross_entropy"
    with pytest.raises(ScenarioError, match=r"^<scenario>: loss: cross_entropy needs a softmax or "
                                            r"sigmoid output layer"):
        check(data)


def doc_scenarios() -> list[str]:
    """The complete scenarios written in docs/scenario-format.md."""
    doc = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    return [block for block in re.findall(r"```yaml\n(.*?)```", doc, re.S) if "learning_rate" in block]


def test_documented_scenarios_load_and_have_the_documented_names(tmp_path: Path) -> None:
    from bpstep.engine import step

    first, threshold, complete = doc_scenarios()
    assert load(write(tmp_path, first)).loss == "half_sse"
    assert step(load(write(tmp_path, threshold))).value_of("a[o]") == pytest.approx(0.4 + 0.3 - 0.5)
    s = load(write(tmp_path, complete))
    assert (s.mode, s.reduction, s.convention, s.update_biases) == ("online", "mean", "gradient", False)
    trace = step(s)
    names = set(trace.values)
    assert {"dw[x1->h1]@1", "w[x1->h1]@2", "a_after[h1]@2", "y_after[o]@1", "loss@2",
            "loss_after"} <= names
    assert not any(n.startswith(("db[", "b[")) for n in names)
    assert "w0[x3->h2]" in trace.given and "y[x3]@2" in trace.given and "b0[o]" in trace.given
    assert "w[x1->h1]@1" in trace["a[h1]@2"].inputs
    assert trace.value_of("loss_after") == pytest.approx(
        (trace.value_of("loss_after@1") + trace.value_of("loss_after@2")) / 2, rel=1e-15)


# --- random input: load either returns a Scenario or raises ScenarioError, nothing else ---

@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def load_text(directory: Path, content: str | bytes) -> None:
    path = directory / "fuzz.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    try:
        assert isinstance(load(path), Scenario)
    except ScenarioError as err:
        assert "\n" not in str(err) and str(err).startswith(str(path))


YAMLISH = st.text(alphabet=string.printable + "äé→\x00\x07\ufeff", max_size=200)
SYNTAX = st.lists(st.sampled_from(
    ["learning_rate", "layers", "units", "weights", ":", " ", "\n", "  ", "- ", "[", "]", "{", "}",
     ",", "&a", "*a", "!!python/name:os.system", "!!float", "~", "1", "-0.5", ".nan", "1e400", "'",
     '"', "#", "---", "x1", "?", "|", ">", "<<"]), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(YAMLISH, SYNTAX, st.binary(max_size=100)))
def test_random_text_only_raises_scenario_error(fuzz_dir: Path, content: str | bytes) -> None:
    load_text(fuzz_dir, content)


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["units", "activation", "name", "x"]),
                                                 inner, max_size=3)), max_leaves=12)
GOOD_DATA: dict[str, Any] = yaml.safe_load(MINIMAL)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from([*FIELDS, "lerning_rate"]), VALUES, max_size=4),
       st.lists(st.sampled_from(list(GOOD_DATA)), max_size=2))
def test_random_values_in_a_good_document_only_raise_scenario_error(
        fuzz_dir: Path, changes: dict[str, Any], removed: list[str]) -> None:
    data = {k: v for k, v in GOOD_DATA.items() if k not in removed} | changes
    load_text(fuzz_dir, yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(MINIMAL) - 1), st.integers(0, 6), st.text(max_size=3))
def test_edited_good_document_only_raises_scenario_error(fuzz_dir: Path, at: int, cut: int,
                                                         insert: str) -> None:
    load_text(fuzz_dir, MINIMAL[:at] + insert + MINIMAL[at + cut:])


def test_fuzz_helper_accepts_the_good_document(fuzz_dir: Path) -> None:
    load_text(fuzz_dir, MINIMAL)
    assert np.array_equal(load(fuzz_dir / "fuzz.yaml").inputs, [[1.0, 2.0]])


def test_yaml_anchors_and_merge_keys_are_plain_yaml(tmp_path: Path) -> None:
    """``<<: *hidden`` copies a layer's settings: a merge key is no tag to refuse."""
    path = tmp_path / "merged.yaml"
    path.write_text("learning_rate: 0.5\nloss: half_sse\nlayers:\n  - units: [x1, x2]\n"
                    "  - &hidden {units: [h1, h2], activation: tanh}\n"
                    "  - {<<: *hidden, units: [o]}\n"
                    "weights:\n  - [[0.1, 0.2], [0.3, 0.4]]\n  - [[0.5], [0.6]]\n"
                    "inputs: [1.0, 0.0]\ntargets: [0.5]\n", encoding="utf-8")
    scenario = load(path)
    assert [layer.activation for layer in scenario.layers[1:]] == ["tanh", "tanh"]
    assert scenario.layers[2].units == ("o",)


NET = ("layers:\n  - units: [x]\n  - units: [o]\n    activation: sigmoid\nweights:\n  - [[0.5]]\n"
       "inputs: [1.0]\ntargets: [0.5]\n")


def refused(tmp_path: Path, text: str) -> str:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load(path)
    return str(caught.value).replace(str(tmp_path) + "/", "")


@pytest.mark.parametrize(("value", "message"), [
    ("'0.5'", "c.yaml:1: learning_rate: expected a number, got text ('0.5'); remove the quotes"),
    ("'fast'", "c.yaml:1: learning_rate: expected a number, got text ('fast')"),
    ("true", "c.yaml:1: learning_rate: expected a number, got true/false (true)"),
    ("'" + "x" * 38 + "'", "c.yaml:1: learning_rate: expected a number, got text ('" + "x" * 38 + "')"),
    ("'" + "x" * 39 + "'", "c.yaml:1: learning_rate: expected a number, got text ('" + "x" * 36 + "...)"),
    ("{a: 1}", "c.yaml:1: learning_rate: expected a number, got a mapping ({'a': 1})"),
    ("[1, 2]", "c.yaml:1: learning_rate: expected a number, got a list ([1, 2])"),
    ("[]", "c.yaml:1: learning_rate: expected a number, got an empty list"),
    ("{}", "c.yaml:1: learning_rate: expected a number, got an empty mapping"),
    ("''", "c.yaml:1: learning_rate: expected a number, got empty text"),
    ("~", "c.yaml:1: learning_rate: expected a number, got nothing (null)"),
    ("2024-05-01", "c.yaml:1: learning_rate: expected a number, got text ('2024-05-01')"),
])
def test_a_wrong_value_is_named_by_its_kind_and_shown_short(tmp_path: Path, value: str, message: str) -> None:
    # A value is quoted whole while its repr has at most 40 characters, else cut to 37 and "...".
    assert refused(tmp_path, f"learning_rate: {value}\n{NET}") == message


def test_a_value_no_yaml_file_holds_is_named_by_its_python_type() -> None:
    data = yaml.safe_load("learning_rate: 0.5\n" + NET)
    with pytest.raises(ScenarioError) as caught:
        check({**data, "learning_rate": (1, 2)})
    assert str(caught.value) == "<scenario>: learning_rate: expected a number, got tuple ((1, 2))"
    with pytest.raises(ScenarioError) as caught:
        check((1, 2))
    assert str(caught.value).endswith(" at the top level, got tuple")


@pytest.mark.parametrize(("text", "message"), [
    ("learning_rate: 0.5\n\tlayers: []\n",
     "c.yaml:2: YAML syntax error: found character '\\t' that cannot start any token (while scanning "
     "for the next token); indent with spaces, not tabs"),
    ("learning_rate: 0.5: 1\n", "c.yaml:1: YAML syntax error: mapping values are not allowed here"),
    ("learning_rate: 0.5\n---\nx: 1\n",
     "c.yaml:2: holds more than one YAML document (a second '---'); keep one scenario per file"),
    ("title: 'abc\nlearning_rate: 0.5\n",
     "c.yaml:3: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar "
     "that starts on line 1)"),
])
def test_a_yaml_error_is_one_line_in_words(tmp_path: Path, text: str, message: str) -> None:
    """The problem, what it was inside only when PyYAML says, and a hint for tabs."""
    assert refused(tmp_path, text) == message


@pytest.mark.parametrize(("text", "message"), [
    ("learning_rate: 0.5\nlearnin_rate: 1\n" + NET, "c.yaml:2: learnin_rate: unknown key 'learnin_rate' "
     "(did you mean 'learning_rate'?); allowed keys: title, learning_rate, loss, convention, layers, "
     "weights, biases, update_biases, inputs, targets, mode, reduction, init, batch_size, shuffle, "
     "seed, epochs, momentum, marking"),
    ("learning_rate: 0.5\n" + NET.replace("sigmoid", "sigmod"), "c.yaml:5: layers[1].activation: "
     "unknown value 'sigmod'; expected one of identity, sigmoid, bipolar_sigmoid, tanh, relu, "
     "leaky_relu, softmax (did you mean 'sigmoid'?)"),
    ("learning_rate: 0.5\n" + NET.replace("sigmoid", "cube"), "c.yaml:5: layers[1].activation: "
     "unknown value 'cube'; expected one of identity, sigmoid, bipolar_sigmoid, tanh, relu, "
     "leaky_relu, softmax"),
])
def test_a_misspelt_word_gets_the_closest_spelling_only(tmp_path: Path, text: str, message: str) -> None:
    assert refused(tmp_path, text) == message


def test_an_error_at_a_key_not_written_takes_the_line_of_the_nearest_key_around_it() -> None:
    from bpstep.scenario import _Checker

    checker = _Checker("c.yaml", {"a": 1, "a.b": 2, "a.b[0]": 3, "a.b[0].c": 4})
    found = {path: checker.fail(path, "m").line
             for path in ("a.b[0].c", "a.b[0].d.e", "a.b[0][7]", "a.b[1][0]", "a.x.y", "z.b", "z", "ab")}
    assert found == {"a.b[0].c": 4, "a.b[0].d.e": 3, "a.b[0][7]": 3, "a.b[1][0]": 2, "a.x.y": 1,
                     "z.b": None, "z": None, "ab": None}  # "ab" is not inside "a"


def test_aliases_are_counted_to_the_value_up_to_the_limit() -> None:
    """2,000,000 values once aliases are expanded pass, one more is refused. The top mapping (1)
    holds the key a (1) with a list of 1,513 ones (1,514 values with itself), and a list as a
    key (3) with a list of 1,320 aliases of the first (1 + 1,320 × 1,514):
    6 + 1,321 × 1,514 = 2,000,000."""
    from bpstep.scenario import MAX_NODES, _check_size

    ones = ", ".join(["1"] * 1513)
    text = f"a: &a [{ones}]\n? [1, 2]\n: [{', '.join(['*a'] * 1320)}]\n"
    assert MAX_NODES == 2_000_000
    _check_size(yaml.compose(text), "c.yaml")
    with pytest.raises(ScenarioError, match=r"^c.yaml:1: aliases \(\*name\) expand this document to "
                       r"more than 2,000,000 values"):
        _check_size(yaml.compose(text.replace("*a]", "*a, 1]")), "c.yaml")


@pytest.mark.parametrize(("text", "message"), [
    ("base: &x {p: 1}\nb:\n  <<: *x\n  <<: *x\n", "c.yaml:4: b.<<: duplicate key '<<' (first on line "
     "3); keep only one"),
    ("init:\n  ? !!binary aGk=\n  : 2\n", "c.yaml:2: init: the YAML tag !!binary is not allowed: "
     "scenarios hold only numbers, text, lists and mappings; remove the tag"),
])
def test_keys_are_checked_as_values_are(tmp_path: Path, text: str, message: str) -> None:
    assert refused(tmp_path, text + NET) == message


@pytest.mark.parametrize(("text", "message"), [
    ("learning_rate: !!int 0xZZ\n" + NET, "c.yaml:1: learning_rate: '0xZZ' cannot be read as !!int "
     "(invalid literal for int() with base 16: 'ZZ'); write a plain number, or text in quotes"),
    ("learning_rate: 0x_\n" + NET, "c.yaml:1: learning_rate: '0x_' cannot be read as !!int "
     "(invalid literal for int() with base 16: ''); write a plain number, or text in quotes"),
    ("learning_rate: 0.5\ntitle: !!float abc\n" + NET, "c.yaml:2: title: 'abc' cannot be read as "
     "!!float (could not convert string to float: 'abc'); write a plain number, or text in quotes"),
    ("learning_rate: 0.5\nlayers:\n  - units: [x]\n  - units: !!bool maybe\n",
     "c.yaml:4: layers[1].units: 'maybe' cannot be read as !!bool ('maybe'); write a plain number, "
     "or text in quotes"),
    ("learning_rate: 0.5\n? !!int 0xZZ\n: 1\n" + NET, "c.yaml: YAML error: a value cannot be read "
     "(invalid literal for int() with base 16: 'ZZ'); if it is meant as text, put it in quotes"),
])
def test_a_value_its_tag_cannot_make_is_placed_by_key_and_line(tmp_path: Path, text: str,
                                                                 message: str) -> None:
    """PyYAML says only why; the value, its key path and its line come from the scalars walked
    (a key has no path of its own, so it keeps the bare message)."""
    assert refused(tmp_path, text) == message


def test_nesting_up_to_32_levels_is_read_and_counted_down_as_lists_close(tmp_path: Path) -> None:
    """The top mapping is a level: a value 31 lists deep makes 32, read (the key is then
    unknown); 32 lists make 33, refused; two values 31 deep one after the other are read."""
    def nest(n: int) -> str:
        return "[" * n + "1" + "]" * n

    assert refused(tmp_path, f"a: {nest(31)}\n").startswith("c.yaml:1: a: unknown key 'a'")
    assert refused(tmp_path, f"a: {nest(31)}\nb: {nest(31)}\n").startswith("c.yaml:1: a: unknown key")
    assert refused(tmp_path, f"a: {nest(32)}\n") == ("c.yaml:1: lists or mappings are nested more "
                                                     "than 32 deep; a scenario needs no more than "
                                                     "lists of lists")
    # libyaml 0.2.5 (PyYAML 6.0.4) stops at 1,000 levels in its scanner, before any event:
    assert refused(tmp_path, f"\na: {nest(1500)}\n") == ("c.yaml:2: lists or mappings are nested "
                                                          "more than 32 deep; a scenario needs no "
                                                          "more than lists of lists")


def test_units_given_a_number_says_a_number(tmp_path: Path) -> None:
    message = refused(tmp_path, "learning_rate: 0.5\n" + NET.replace("units: [x]", "units: 5"))
    assert message == ("c.yaml:3: layers[0].units: expected a non-empty list of unit names like "
                       "[h1, h2], got a number (5)")


def test_nesting_is_counted_down_as_lists_close(tmp_path: Path) -> None:
    # Ten levels opened and closed, then 35 more: the second list is 35 deep, past the 32 allowed.
    message = refused(tmp_path, "a: " + "[" * 10 + "]" * 10 + "\nb: " + "[" * 35 + "]" * 35 + "\n")
    assert message == ("c.yaml:2: lists or mappings are nested more than 32 deep; a scenario needs "
                       "no more than lists of lists")


def test_yaml_errors_count_lines_from_the_first_even_when_it_is_blank(tmp_path: Path) -> None:
    message = refused(tmp_path, "\nlearning_rate: [1, 2\ntitle: x\n")
    assert message == ("c.yaml:3: YAML syntax error: expected ',' or ']', but got ':' "
                       "(while parsing a flow sequence that starts on line 2)")


def test_a_yaml_error_on_the_line_it_started_names_no_other_line(tmp_path: Path) -> None:
    message = refused(tmp_path, "learning_rate: 1\ntitle: [a, b\n")
    assert message.endswith("(while parsing a flow sequence that starts on line 2)")
    message = refused(tmp_path, "learning_rate: {a: 1 b: [2}\n")
    assert message == ("c.yaml:1: YAML syntax error: expected ',' or '}', but got ':' "
                       "(while parsing a flow mapping)")


def test_a_control_character_after_a_blank_first_line_is_placed_on_its_line(tmp_path: Path) -> None:
    message = refused(tmp_path, "\nlearning_rate: 1\x07\n")
    assert message == ("c.yaml:2: contains the control character #x0007, which YAML does not "
                       "allow; remove it")


def test_a_symbolic_link_loop_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    with pytest.raises(ScenarioError) as caught:
        load(tmp_path / "a.yaml")
    assert str(caught.value).endswith("a.yaml: is a symbolic link that leads in a circle; link to the "
                                      "file itself")


@pytest.mark.parametrize("failing", ["open", "read"])
def test_an_unreadable_file_says_why_with_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   failing: str) -> None:
    import errno
    import os

    path = tmp_path / "locked.yaml"
    path.write_text("learning_rate: 1\n", encoding="utf-8")

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, failing, broken)
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: cannot be read: Input/output error"


SAMPLES = NET.replace("inputs: [1.0]\ntargets: [0.5]", "inputs: [[1.0], [0.0]]\ntargets: [[0.5], [0.2]]")


@pytest.mark.parametrize(("text", "message"), [
    ("learning_rate: 0.5\nmode: online\nshuffle: 5\n" + SAMPLES,
     "c.yaml:3: shuffle: expected true or false, got 5"),
    ("learning_rate: 0.5\ntitle: '" + "t" * 10_001 + "'\n" + NET,
     "c.yaml:2: title: expected at most 10,000 characters (a title, not a document), got 10,001; "
     "shorten it"),
    ("learning_rate: 0.5\ninit: {kind: uniform}\n" + NET,
     "c.yaml:2: init: give either 'weights' or 'init', not both; remove one"),
    ("learning_rate: 0.5\n" + NET.replace("units: [x]", "units: [x, [1]]")
     .replace("[[0.5]]", "[[0.5], [0.5]]").replace("inputs: [1.0]", "inputs: [1.0, 1.0]"),
     "c.yaml:3: layers[0].units[1]: expected a unit name, got a list ([1])"),
    ("learning_rate: 0.5\n" + NET.replace("activation: sigmoid", "activation: sigmoid\n    name: 7"),
     "c.yaml:6: layers[1].name: expected text, got a number (7)"),
    ("learning_rate: 0.5\ninit: xavier\n" + NET.replace("weights:\n  - [[0.5]]\n", ""),
     "c.yaml:2: init: expected a mapping like {kind: xavier, seed: 0}, got text ('xavier')"),
    ("learning_rate: 0.5\nmode: minibatch\nbatch_size: 3\n" + SAMPLES,
     "c.yaml:3: batch_size: expected at most 2 (the number of samples), got 3"),
    ("learning_rate: 0.5\nloss: binary_cross_entropy\n"
     + NET.replace("activation: sigmoid", "activation: {name: sigmoid, gain: 2}"),
     "c.yaml:2: loss: binary_cross_entropy is taken with a plain sigmoid output, but it has gain 2; "
     "remove the gain or choose another loss (e.g. half_sse)"),
    ("learning_rate: 0.5\nepochs: 1.5\n" + NET, "c.yaml:2: epochs: expected a whole number ≥ 1, got 1.5"),
    ("learning_rate: 0.5\nmode: online\nshuffle: true\nseed: -2\n" + SAMPLES,
     "c.yaml:4: seed: expected a whole number ≥ 0, got -2"),
    ("learning_rate: 0.5\nmode: minibatch\n" + SAMPLES,
     "c.yaml:2: mode: minibatch needs 'batch_size: N' (samples per update)"),
    ("learning_rate: 0.5\nshuffle: true\n" + SAMPLES, "c.yaml:2: shuffle: has no effect in batch mode "
     "(one update from all samples); use 'mode: online' or 'mode: minibatch', or remove it"),
    ("learning_rate: 0.5\nmode: online\nseed: 3\n" + SAMPLES, "c.yaml:3: seed: orders the samples "
     "only with 'shuffle: true'; for weights use 'init: {seed: ...}'"),
    ("learning_rate: 0.5\nloss: binary_cross_entropy\n" + SAMPLES.replace("[0.2]]", "[2]]"),
     "c.yaml:10: targets[1][0]: binary_cross_entropy needs targets between 0 and 1, got 2; use "
     "targets in that range or another loss (e.g. half_sse)"),
    ("learning_rate: 0.5\nloss: cross_entropy\n" + SAMPLES.replace("sigmoid", "softmax")
     .replace("[[0.5], [0.2]]", "[[1], [0.2]]"), "c.yaml:10: targets[1]: softmax with cross_entropy needs "
     "targets that sum to 1 (a probability distribution such as [0, 1, 0]), got a sum of 0.2"),
    ("learning_rate: 0.5\ninit: {kind: bogus}\n" + NET.replace("weights:\n  - [[0.5]]\n", ""),
     "c.yaml:2: init.kind: unknown value 'bogus'; expected one of normal, uniform, xavier"),
    ("learning_rate: 0.5\ninit: {scale: big}\n" + NET.replace("weights:\n  - [[0.5]]\n", ""),
     "c.yaml:2: init.scale: expected a number, got text ('big')"),
    ("learning_rate: 0.5\n" + NET.replace("  - units: [o]\n    activation: sigmoid\n", "  - 5\n"),
     "c.yaml:4: layers[1]: expected a mapping with 'units', got a number (5)"),
    ("learning_rate: 0.5\n" + NET.replace("units: [o]", "units: ['']"),
     "c.yaml:4: layers[1].units[0]: expected a unit name, got empty text"),
    ("learning_rate: 0.5\n" + NET.replace("activation: sigmoid", "activation: {name: sigmoid, gain: steep}"),
     "c.yaml:5: layers[1].activation.gain: expected a number, got text ('steep')"),
    ("learning_rate: 0.5\nbiases: 5\n" + NET,
     "c.yaml:2: biases: expected 1 list (one per non-input layer), got a number (5)"),
    ("learning_rate: 0.5\n" + NET
     .replace("units: [x]", "units: [x]\n  - units: [h1, h2]\n    activation: tanh")
     .replace("  - [[0.5]]\n", "  - [[0.5, 0.5]]\n  - [[0.5], [0.5]]\nbiases: [[0.1], [0.2]]\n"),
     "c.yaml:11: biases[0]: expected 2 numbers (one per unit of layer 1: h1, h2), got 1"),
    ("learning_rate: 0.5\nbatch_size: 1\n" + SAMPLES, "c.yaml:2: batch_size: only used with 'mode: "
     "minibatch' (mode is batch); remove it or set the mode"),
    ("learning_rate: 0.5\nw[x->o]: 1\n" + NET, "c.yaml:2: w[x->o]: unknown key 'w[x->o]'; allowed keys: "
     "title, learning_rate, loss, convention, layers, weights, biases, update_biases, inputs, "
     "targets, mode, reduction, init, batch_size, shuffle, seed, epochs, momentum, marking"),
    ("scenario: gfg.yaml\n", "c.yaml:1: looks like an answers file, not a scenario; mark it with "
     "`bpstep verify c.yaml`"),
    ("a[h1]: 0.5\ndelta[o]: -0.1\n", "c.yaml:1: looks like an answers file, not a scenario; mark it "
     "with `bpstep verify c.yaml`"),
    ("learning_rate: 0.5\n" + NET.replace("[o]", "[o1, o2]").replace("[[0.5]]", "[[0.5, 0.5]]"),
     "c.yaml:9: targets: expected 2 numbers (one per output unit: o1, o2), got 1"),
    ("learning_rate: 0.5\n" + SAMPLES.replace("[[1.0], [0.0]]", "[[1.0], [0.0], [2.0]]"),
     "c.yaml:9: targets: expected one target vector per sample: 3 samples, got 2 target vectors"),
    ("learning_rate: 0.5\n" + NET.replace("units: [o]", f"units: [{'o' * 65}]"),
     "c.yaml:4: layers[1].units[0]: expected a unit name of at most 64 characters, got 65; shorten it"),
    ("a: [[[1], " + "[" * 30 + "1" + "]" * 30 + "]]\n", "c.yaml:1: lists or mappings are nested more "
     "than 32 deep; a scenario needs no more than lists of lists"),
])
def test_each_refusal_names_its_key_line_and_value(tmp_path: Path, text: str, message: str) -> None:
    """Whole messages. A key with brackets is an answers file's only beside no 'layers'; a name of
    64 characters is read (below), 65 refused; 33 levels are counted back down from 3, not 1."""
    assert refused(tmp_path, text) == message


def test_a_unit_name_of_64_characters_and_init_without_a_kind_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, "learning_rate: 0.5\ninit: {seed: 3}\n"
                 + NET.replace("units: [o]", f"units: [{'o' * 64}]").replace("weights:\n  - [[0.5]]\n", ""))
    scenario = load(path)
    assert scenario.layers[1].units == ("o" * 64,)
    path.write_text(path.read_text(encoding="utf-8").replace(f"units: [{'o' * 64}]", "units: [X1]\n    name: "
                                                             + "L" * 64), encoding="utf-8")
    assert (load(path).layers[1].units, load(path).layers[1].name) == (("X1",), "L" * 64)
    assert (scenario.init.kind, scenario.init.seed) == ("xavier", 3)
    path.write_text(path.read_text(encoding="utf-8").replace("init: {seed: 3}", "init: {kind: normal}"),
                    encoding="utf-8")
    assert (load(path).init.kind, load(path).init.seed) == ("normal", 0)


def test_a_minibatch_may_hold_every_sample(tmp_path: Path) -> None:
    path = tmp_path / "whole.yaml"
    path.write_text("learning_rate: 0.5\nmode: minibatch\nbatch_size: 2\n" + SAMPLES, encoding="utf-8")
    assert load(path).batch_size == 2


def test_a_minibatch_of_one_and_a_shuffle_without_a_seed_are_read(tmp_path: Path) -> None:
    path = tmp_path / "ones.yaml"
    path.write_text("learning_rate: 0.5\nmode: minibatch\nbatch_size: 1\nshuffle: true\n" + SAMPLES,
                    encoding="utf-8")
    scenario = load(path)
    assert (scenario.batch_size, scenario.shuffle, scenario.seed) == (1, True, 0)


def test_a_count_written_with_a_point_zero_is_that_whole_number(tmp_path: Path) -> None:
    path = tmp_path / "floats.yaml"
    path.write_text("learning_rate: 0.5\nmode: minibatch\nbatch_size: 2.0\nshuffle: true\nseed: 4.0\n"
                    "epochs: 3.0\n" + SAMPLES, encoding="utf-8")
    scenario = load(path)
    counts = (scenario.batch_size, scenario.seed, scenario.epochs)
    assert counts == (2, 4, 3) and all(type(n) is int for n in counts)


def test_a_missing_scenario_file_says_where_scenarios_live(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load(tmp_path / "missing.yaml")
    assert str(caught.value) == (f"{tmp_path / 'missing.yaml'}: no such file; check the path "
                                 "(scenarios live in scenarios/)")


@pytest.mark.parametrize(("key", "message"), [
    ("learning_rate", "learning_rate: missing required key; add it, e.g. 'learning_rate: 0.5' "
                      "(a number > 0)"),
    ("layers", "layers: missing required key; add it, e.g. 'layers:' with a list like '- units: [x1, x2]', "
               "inputs first, outputs last"),
    ("weights", "c.yaml:1: missing required key 'weights' (or 'init: {kind: xavier, seed: 0}' to draw them)"),
    ("inputs", "inputs: missing required key; add it, e.g. 'inputs: [0.35, 0.7]' (one number per input "
               "unit, or a list of samples)"),
    ("targets", "targets: missing required key; add it, e.g. 'targets: [0.5]' (one number per output "
                "unit, or one list per sample)"),
])
def test_a_missing_key_is_answered_with_an_example_line(tmp_path: Path, key: str, message: str) -> None:
    data = yaml.safe_load("learning_rate: 0.5\n" + NET)
    del data[key]
    text = refused(tmp_path, yaml.safe_dump(data))
    assert text == (message if message.startswith("c.yaml") else "c.yaml: " + message)


# --- marking: the precision a course asks answers to have ---


@pytest.mark.parametrize(("spec", "kind", "count"), [
    ("{digits: 3}", "digits", 3), ("{decimals: 4}", "decimals", 4), ("{decimals: 0}", "decimals", 0),
    ("{digits: 15}", "digits", 15), ("{digits: 2.0}", "digits", 2),
])
def test_marking_asks_for_figures_or_decimals(tmp_path: Path, spec: str, kind: str, count: int) -> None:
    scenario = load(write(tmp_path, f"learning_rate: 0.5\nmarking: {spec}\n" + NET))
    assert scenario.marking is not None
    assert (scenario.marking.kind, scenario.marking.count) == (kind, count)
    assert load(write(tmp_path, "learning_rate: 0.5\n" + NET)).marking is None


@pytest.mark.parametrize(("spec", "message"), [
    ("3", "c.yaml:2: marking: expected a mapping like {digits: 3} (significant figures) or "
          "{decimals: 4}, got a number (3)"),
    ("{}", "c.yaml:2: marking: expected a mapping like {digits: 3} (significant figures) or "
           "{decimals: 4}, got an empty mapping"),
    ("{digits: 3, decimals: 2}", "c.yaml:2: marking: give digits or decimals, not both; remove one"),
    ("{figures: 3}", "c.yaml:2: marking.figures: unknown key 'figures'; allowed keys: digits, "
                     "decimals"),
    ("{digits: 0}", "c.yaml:2: marking.digits: expected a whole number ≥ 1, got 0"),
    ("{digits: 16}", "c.yaml:2: marking.digits: expected a whole number from 1 to 15, got 16"),
    ("{decimals: -1}", "c.yaml:2: marking.decimals: expected a whole number ≥ 0, got -1"),
    ("{digits: 2.5}", "c.yaml:2: marking.digits: expected a whole number ≥ 1, got 2.5"),
    ("{digits: three}", "c.yaml:2: marking.digits: expected a whole number ≥ 1, got 'three'"),
])
def test_a_bad_marking_is_refused_with_its_key_and_line(tmp_path: Path, spec: str, message: str) -> None:
    assert refused(tmp_path, f"learning_rate: 0.5\nmarking: {spec}\n" + NET) == message


def test_marking_is_written_back_with_the_scenario(tmp_path: Path) -> None:
    from bpstep.engine import initial_params
    from bpstep.scenario_yaml import scenario_yaml

    scenario = load(write(tmp_path, "learning_rate: 0.5\nmarking: {decimals: 4}\n" + NET))
    again = write(tmp_path, scenario_yaml(scenario, initial_params(scenario), title="t", note="n"))
    assert load(again).marking == scenario.marking


def read_as_pyyaml_reads(text: str) -> Any:
    """The one-pass reading of ``text`` (``plain_data``), checked to be what PyYAML's own pure
    Python loader reads (types, signs of zero, digits) or None, and None where PyYAML refuses it."""
    from bpstep.scenario import _loader_class, plain_data

    try:
        expected = yaml.load(text, Loader=_loader_class(False))
    except yaml.YAMLError:
        assert plain_data(text) is None
        return None
    read = plain_data(text)
    assert read is None or repr(read) == repr(expected)
    return read


NUMBER_SPELLINGS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-1e6, 1e6).map(lambda x: f"{x:.4f}"),
    st.floats(-1e6, 1e6).map(lambda x: f"{x:.3e}"),
    st.integers(-10**30, 10**30).map(str),
    st.sampled_from(["0", "-0", "-0.0", "007.5", "1_000", "1.", ".5", "+1", "1e3", "1E+3", "0x1F",
                     "0o17", "017", "1:30", ".inf", "-.inf", ".nan", "~", "null", "true", "yes",
                     "'0.5'", '"1"', "1e400", "2001-01-01", "abc", "0.1e", "- 1"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(NUMBER_SPELLINGS, min_size=1, max_size=6), min_size=1, max_size=6),
       st.booleans())
def test_a_plain_document_is_read_in_one_pass_as_the_full_reader_reads_it(
        rows: list[list[str]], block: bool) -> None:
    """The one-pass reading makes the very values (type, sign of zero, digits) PyYAML's own pure
    Python loader makes, or leaves the document to the full reading."""
    if block:
        matrix = "".join("  - " + "\n    ".join(f"- {v}" for v in row).replace("- ", "- ", 1) + "\n"
                         for row in rows)
        text = f"title: t\nweights:\n{matrix}"
    else:
        text = "title: t\nweights:\n" + "".join(f"  - [{', '.join(row)}]\n" for row in rows)
    read = read_as_pyyaml_reads(text)
    if all(re.fullmatch(r"-?[0-9]+(\.[0-9]+(e[-+][0-9]+)?)?", v) for row in rows for v in row):
        assert read is not None  # what a scenario holds is read in one pass


FLOW_NUMBERS = st.lists(st.sampled_from(
    ["0.5", "-0.25", "1.5e-3", "2.0E+4", "0", "-0", "-0.0", "17", "017", "00.5", "1e3", "1.", ".5",
     "+1", "0x1F", "x", "1_0", "1.0e999"]), min_size=1, max_size=5)


@st.composite
def flow_list(draw: st.DrawFn, breaks: bool = True) -> str:
    """A flow list of numbers as a person or PyYAML writes it, its lines maybe broken after a
    comma (``breaks``) and indented any way (either parser reads a flow list's lines so)."""
    numbers = draw(FLOW_NUMBERS)
    gaps = [" ", ""] + (["\n" + " " * draw(st.integers(0, 6)), " \n  "] if breaks else [])
    text = "[" + draw(st.sampled_from(["", " "]))
    for i, number in enumerate(numbers):
        text += ("," + draw(st.sampled_from(gaps)) if i else "") + number
    return text + draw(st.sampled_from(["]", " ]"]))


FLOW_PLACES = {
    "value": "k: {}", "sequence": "k:\n- - {}\n  - {}", "nested": "k: [{}, {}]",
    "quoted": 'k: "{}"', "single-quoted": "k: 'a {}'", "key": "? {}\n: k", "tag": "k: !!seq {}",
    "anchor": "k: &a {}\nr: *a", "flow mapping": "k: {{a: {}}}", "then a comment": "k: {} # c",
    "then #": "k: {}#c", "then text": "k: {} x", "then a comma": "k: {},",
}
"""Where a flow list may stand in a document (``{}``), and where it is no list (quoted)."""
ONE_LINE_PLACES = {"comment": "k: 1 # {}", "block text": "k: |\n  {}", "block text, stripped": "k: |-\n  {}",
                   "folded text": "k: >-\n  {}"}
"""Places where a list must be written on one line to stay in its place."""


@st.composite
def documents_with_flow_lists(draw: st.DrawFn) -> str:
    """A document holding flow lists of numbers in the places YAML lets them be, and in places
    they are not lists (quoted, in a comment or a block text), each a line or a few."""
    lines = []
    for i in range(draw(st.integers(1, 5))):
        place = draw(st.sampled_from([*FLOW_PLACES, *ONE_LINE_PLACES]))
        template = FLOW_PLACES.get(place) or ONE_LINE_PLACES[place]
        lists = [draw(flow_list(breaks=place in FLOW_PLACES)) for _ in range(template.count("{}"))]
        lines.append(template.replace("k", f"k{i}").replace("&a", f"&a{i}").replace("*a", f"*a{i}")
                     .format(*lists))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines).replace("\n", newline) + newline


@settings(max_examples=400, deadline=None)
@given(documents_with_flow_lists())
def test_flow_lists_of_numbers_are_read_as_the_full_reader_reads_them(text: str) -> None:
    """The one-pass reading takes flow lists of numbers by a regex: the same values (types,
    signs of zero) as PyYAML's own pure Python loader wherever the list stands, or the document
    is left to the full reading; and a document the full reader refuses is refused."""
    read = read_as_pyyaml_reads(text)
    if re.fullmatch(r"(k\d: \[( ?-?[0-9]+\.[0-9]+,?)+\]\r?\n)+", text):
        assert read is not None


def test_a_big_matrix_is_read_without_its_numbers_passing_through_the_parser() -> None:
    """A scenario's weight matrix as PyYAML writes it (lines broken after a comma) is read by
    the regex: the parser sees one stand-in per row, and the values are the loader's."""
    from bpstep.scenario import _flow_lists, _loader_class, plain_data

    rows = [[round((i * 31 + j * 17) % 101 / 50 - 1, 4) for j in range(60)] for i in range(40)]
    text = yaml.safe_dump({"title": "t", "weights": [rows], "inputs": [0.5, 0, -0.0]},
                          default_flow_style=None, width=80, sort_keys=False)
    assert "\n    " in text  # rows broken over lines
    flows = _flow_lists(text)
    assert flows is not None and len(flows.lists) == 41
    assert repr(plain_data(text)) == repr(yaml.load(text, Loader=_loader_class(False)))
    assert plain_data("k: [0.5, 017, -0]\n") == {"k": [0.5, 15, 0]}  # YAML 1.1: 017 is octal


def test_flow_lists_of_numbers_count_towards_the_nesting_and_size_limits(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A list read by the regex is as deep and as many values as when read event by event."""
    from bpstep import scenario

    inner = "[1.0, 2.0, 3.0]"
    for depth in (scenario.MAX_DEPTH - 2, scenario.MAX_DEPTH - 1):  # a mapping, lists, the list
        assert (scenario.plain_data("k: " + "[" * depth + inner + "]" * depth) is None) == (
            depth == scenario.MAX_DEPTH - 1)
    monkeypatch.setattr(scenario, "MAX_NODES", 9)  # the mapping, its key, the list and its numbers
    assert scenario.plain_data(f"k: [{', '.join(['0.5'] * 6)}]\n") == {"k": [0.5] * 6}
    assert scenario.plain_data(f"k: [{', '.join(['0.5'] * 7)}]\n") is None


def test_a_bad_number_deep_in_a_big_matrix_is_named_by_its_path_and_line(tmp_path: Path) -> None:
    rows = [[f"{(i * 7 + j) % 19 / 100:.2f}" for j in range(30)] for i in range(200)]
    rows[150][17] = "0.5x"
    text = ("learning_rate: 0.5\nlayers:\n  - units: [" + ", ".join(f"x{i}" for i in range(200))
            + "]\n  - units: [" + ", ".join(f"h{j}" for j in range(30)) + "]\n    activation: tanh\n"
            "weights:\n  -\n" + "".join(f"    - [{', '.join(row)}]\n" for row in rows)
            + "inputs: [" + ", ".join(["0.5"] * 200) + "]\ntargets: [" + ", ".join(["0"] * 30) + "]\n")
    path = tmp_path / "big.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load(path)
    line = 8 + 150  # seven lines before the first row, then one row a line
    assert str(err.value) == (f"{path}:{line}: weights[0][150][17]: expected a number, got text "
                              "('0.5x')")
    path.write_text(text.replace("0.5x", "0.25"))
    assert load(path).weights[0][150, 17] == 0.25
