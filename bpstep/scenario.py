"""Scenario files: YAML in, a validated and frozen ``Scenario`` out; every check of a scenario
file lives here (answers files, rosters and command-line options are checked where they are read).

Errors name the file, the key path, the line YAML gives for it, what was expected and what to
do, e.g. ``net.yaml:9: weights[1]: expected 2 rows (units of layer 1), got 3``.
"""

from __future__ import annotations

import errno
import math
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bpstep.arrays import frozen
from bpstep.enums import StrEnum
from bpstep.errors import UserError, did_you_mean
from bpstep.functions import ACTIVATIONS, GAINED, LOSSES, Activation, activation_entry
from bpstep.inputs import note_read

if TYPE_CHECKING:  # at run time imported where used: few files draw weights or set marking
    from bpstep.init import Init
    from bpstep.written import Floor

Array = np.ndarray



class Convention(StrEnum):
    """Which sign δ carries: t − y with w += η·δ·y (delta_rule), or ∂E/∂a with w −= η·δ·y."""

    DELTA_RULE = "delta_rule"
    GRADIENT = "gradient"


class Mode(StrEnum):
    """How samples make updates: all at once, one at a time, or in chunks of ``batch_size``."""

    BATCH = "batch"
    ONLINE = "online"
    MINIBATCH = "minibatch"


class Reduction(StrEnum):
    """How a batch's losses and gradients combine: summed or averaged over samples."""

    SUM = "sum"
    MEAN = "mean"


CONVENTIONS = tuple(Convention)
MODES = tuple(Mode)
REDUCTIONS = tuple(Reduction)
MAX_FILE_BYTES = 5_000_000
MAX_NODES = 2_000_000
"""More YAML nodes than this, counting each use of an alias, is refused (alias bombs)."""
MAX_DEPTH = 32
"""Lists and mappings nested deeper than this are refused before they are built: a scenario
needs 4 levels, and libyaml's C composer recurses without a limit (it crashes near 30,000)."""
MAX_TITLE = 10_000
"""Longest title, in characters: a teacher's title may cite its source at length (book, edition,
section, example, figure, tables); the bound only keeps a runaway file from filling every
heading. Titles are wrapped on screen and kept whole in exports."""
MAX_NAME = 64
"""Longest unit or layer name, in characters: they are shown in every table."""
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{kind}"
                       for kind in ("null", "bool", "int", "float", "str", "seq", "map", "merge"))
"""The YAML types a scenario holds; any other tag (!!binary, !!set, !!python/...) is refused."""
_SURROGATE = re.compile("[\ud800-\udfff]")


class ScenarioError(UserError):
    """A scenario that cannot be used, said for people: where, what was expected, what to do."""

    def __init__(self, source: str, message: str, path: str = "", line: int | None = None) -> None:
        message = " ".join(message.split())
        self.source, self.path, self.line, self.message = source, path, line, message
        where = source + (f":{line}" if line else "")
        super().__init__(f"{where}: {path + ': ' if path else ''}{message}")


@dataclass(frozen=True, slots=True)
class Layer:
    """One layer: its unit names, its activation (None for the input layer), an optional name."""

    units: tuple[str, ...]
    activation: str | None
    """The activation's name in ACTIVATIONS; ``activation_of`` gives the entry, gain applied."""
    name: str | None = None
    gain: float | None = None
    """k of y = f(k·a), from ``activation: {name: sigmoid, gain: k}``; None for the plain f."""


def activation_of(layer: Layer) -> Activation:
    """The Activation a non-input layer computes with: its table entry, steepened by its gain."""
    assert layer.activation is not None, "the input layer has no activation"
    return activation_entry(layer.activation, layer.gain)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A small network and one training situation, checked and read-only.

    Made only by ``check``, which fills every field: the format's defaults live there, once.
    """

    layers: tuple[Layer, ...]
    weights: tuple[Array, ...]
    """``weights[k][i, j]``: from unit i of layer k to unit j of layer k+1."""
    biases: tuple[Array, ...] | None
    """One vector per non-input layer, or None when the network has no biases."""
    inputs: Array
    """Samples as rows: shape (samples, input units)."""
    targets: Array
    """Targets as rows: shape (samples, output units)."""
    learning_rate: float
    loss: str
    convention: Convention
    update_biases: bool
    mode: Mode
    """With several samples: one update from all of them (batch), one after each (online) or
    one per chunk of ``batch_size`` samples (minibatch)."""
    reduction: Reduction
    """Batch gradient and loss over samples: their sum or their mean."""
    title: str | None
    source: str
    init: Init | None
    """How ``weights`` were drawn, when the file gave ``init`` instead of weights."""
    batch_size: int | None
    """Samples per update in minibatch mode (the last chunk of an epoch may be smaller)."""
    shuffle: bool
    """Online and minibatch: visit the samples in a new random order every epoch."""
    seed: int
    """Seed of the shuffling order."""
    epochs: int | None
    """How many epochs ``bpstep train`` runs unless told otherwise."""
    momentum: float | None
    """α of Δw(n) = ±η·δ·y + α·Δw(n−1) (Mitchell); None for plain gradient descent."""
    marking: Floor | None = None
    """The precision answers need (``marking: {digits: 3}``); None for bpstep's default."""


FIELDS = ("title", "learning_rate", "loss", "convention", "layers", "weights", "biases",
          "update_biases", "inputs", "targets", "mode", "reduction", "init", "batch_size",
          "shuffle", "seed", "epochs", "momentum", "marking")
REQUIRED = ("learning_rate", "layers", "inputs", "targets")
INIT_FIELDS = ("kind", "seed", "scale")
LAYER_FIELDS = ("units", "activation", "name")
ACTIVATION_FIELDS = ("name", "gain")
MISSING_HINTS = {
    "learning_rate": "'learning_rate: 0.5' (a number > 0)",
    "layers": "'layers:' with a list like '- units: [x1, x2]', inputs first, outputs last",
    "inputs": "'inputs: [0.35, 0.7]' (one number per input unit, or a list of samples)",
    "targets": "'targets: [0.5]' (one number per output unit, or one list per sample)",
}
"""Example lines for a missing required key (weights, which init may replace, has its own)."""


class _Lines:
    """Line numbers of key paths, read from the YAML node tree (each use of an alias walked)."""

    def __init__(self, key_of: Callable[[Any], str]) -> None:
        self.lines: dict[str, int] = {}
        self.scalars: dict[str, Any] = {}
        """Every scalar's node by key path: its text as written (``0.50``, not 0.5) holds the
        digits answers claim, its tag and line say which value a constructor could not read."""
        self.key_of = key_of

    def walk(self, node: Any, path: str, source: str) -> None:
        import yaml

        self.lines.setdefault(path, node.start_mark.line + 1)
        _check_node(node, path, source)
        if isinstance(node, yaml.ScalarNode):
            self.scalars.setdefault(path, node)
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                _check_node(key_node, path, source)
                key = self.key_of(key_node)
                child = f"{path}.{key}" if path else key
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise ScenarioError(source, f"duplicate key {key!r} (first on line "
                                        f"{seen[key]}); keep only one", child, line)
                seen[key] = line
                self.lines.setdefault(child, line)
                self.walk(value_node, child, source)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, f"{path}[{i}]", source)


def _check_node(node: Any, path: str, source: str) -> None:
    """Refuse a tag that builds something other than plain data, and text that is no characters."""
    import yaml

    line = node.start_mark.line + 1
    if node.tag not in PLAIN_TAGS:
        shown = _tag_shown(node.tag)
        raise ScenarioError(source, f"the YAML tag {shown} is not allowed: scenarios hold only "
                            "numbers, text, lists and mappings; remove the tag", path, line)
    if isinstance(node, yaml.ScalarNode) and _SURROGATE.search(node.value):
        code = ord(_SURROGATE.search(node.value)[0])  # type: ignore[index]
        raise ScenarioError(source, f"holds the escape \\u{code:04x}, half of a UTF-16 pair and "
                            "not a character; write the character itself", path, line)


def _tag_shown(tag: str) -> str:
    """A YAML tag as the user wrote it: ``!!int``, not ``tag:yaml.org,2002:int``."""
    return tag.replace("tag:yaml.org,2002:", "!!")


def read_text(path: Path, what: str = "scenario", missing_hint: str = "scenarios live in scenarios/",
              error: type[ScenarioError] = ScenarioError, form: str = "YAML") -> str:
    """The text of a small YAML file the user wrote, or ``error`` saying why it cannot be read.

    Only a regular file is read, and never more than MAX_FILE_BYTES of it: a pipe would wait
    for ever and ``/dev/zero`` never ends. Opening does not block, so a pipe is refused too.
    """
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as err:
        raise error(source, _cannot_open(err, what, missing_hint)) from None
    try:
        info = os.fstat(fd)
        kind = info.st_mode
        if stat.S_ISREG(kind):
            note_read(info)
        if stat.S_ISDIR(kind):
            raise error(source, f"is a directory, expected a {form} {what} file")
        if not stat.S_ISREG(kind):
            raise error(source, f"is not a regular file (a pipe or a device); save the {what} "
                        "as a file and give its name")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES and (chunk := os.read(fd, MAX_FILE_BYTES + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise error(source, f"cannot be read: {err.strerror or err}") from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_FILE_BYTES:
        raise error(source, f"is larger than {MAX_FILE_BYTES // 1_000_000} MB; "
                    f"a {what} file is a small text file")
    if b"\0" in raw:
        raise error(source, "is a binary file, expected YAML text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise error(source, f"is not UTF-8 text (byte {err.start}); save it as UTF-8",
                    line=raw.count(b"\n", 0, err.start) + 1) from None


def _cannot_open(err: OSError, what: str, missing_hint: str) -> str:
    """Why a file could not be opened, in words, with what to do."""
    if err.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"no such file; check the path ({missing_hint})"
    if err.errno == errno.ENAMETOOLONG:
        return ("a folder or file name in this path is longer than the file system allows "
                "(255 bytes); use a shorter name")
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"cannot be read: permission denied; check that you may read the {what} and its folder"
    if err.errno == errno.ELOOP:
        return "is a symbolic link that leads in a circle; link to the file itself"
    return f"cannot be read: {err.strerror or err}"


@cache
def _loader_class(fast: bool = False) -> type:
    """PyYAML's SafeLoader, also reading ``1e-3`` and ``2.5e5`` as numbers (as YAML 1.2 does).

    Plain SafeLoader takes an exponent without a dot and a sign for text, so
    ``learning_rate: 1e-3`` would be refused as "not a number". A date is text here, as any
    value that is not a number, true/false or null. ``fast`` uses the C parser
    when PyYAML has it: the same documents, many times faster on big weight matrices.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if fast else yaml.SafeLoader

    class Loader(base):  # type: ignore[valid-type, misc]
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
        list("-+.0123456789"))
    return Loader


def parse_yaml(text: str, source: str, texts: dict[str, str] | None = None) -> tuple[Any, dict[str, int]]:
    """Safe-load one YAML document; also return the line of every key path.

    Only plain YAML is read: tags that build anything but numbers, text, lists and mappings are
    refused, never run. A document is read with the C parser first, once its nesting is known
    to be shallow; any problem is read again by the Python parser, whose messages are the ones
    we explain. ``texts``, when given, receives every scalar as written, by key path.
    """
    if _shallow(text, source):
        try:
            return _parse(text, source, True, texts)
        except ScenarioError:
            pass
    return _parse(text, source, False, texts)


def _shallow(text: str, source: str) -> bool:
    """Refuse nesting deeper than MAX_DEPTH from the parser's events, before anything is built.

    False when the events stop at a YAML error: the Python parser then reports it. libyaml 0.2.5
    as PyYAML 6.0.4 ships it stops at 1,000 levels in its scanner, before the parser's first event:
    that is the same refusal.
    """
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=_loader_class(True)):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(source, event.start_mark.line + 1)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as err:
        if "nesting depth" in str(err.problem) and err.problem_mark is not None:
            raise _too_deep(source, err.problem_mark.line + 1) from None
        return False
    except yaml.YAMLError:
        return False
    return True


def _too_deep(source: str, line: int | None = None) -> ScenarioError:
    return ScenarioError(source, f"lists or mappings are nested more than {MAX_DEPTH} deep; a "
                         "scenario needs no more than lists of lists", line=line)


def _parse(text: str, source: str, fast: bool, texts: dict[str, str] | None) -> tuple[Any, dict[str, int]]:
    import yaml

    try:
        loader = _loader_class(fast)(text)
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        raise ScenarioError(source, f"contains the control character #x{err.character:04x}, which "
                            "YAML does not allow; remove it", line=line) from None
    lines = _Lines(lambda key_node: _key_text(loader, key_node))
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError(source, "is empty; write a scenario (see docs/scenario-format.md)")
        _check_size(node, source)
        lines.walk(node, "", source)
        data = loader.construct_document(node)
        if texts is not None:
            texts.update({path: scalar.value for path, scalar in lines.scalars.items()})
    except yaml.MarkedYAMLError as err:
        raise _yaml_error(err, source) from None
    except yaml.YAMLError as err:
        raise ScenarioError(source, f"YAML error: {err}") from None
    except (ValueError, TypeError, LookupError, ArithmeticError) as err:
        found = _unreadable(loader, lines.scalars)
        if found is None:  # a key: its path is not known
            raise ScenarioError(source, f"YAML error: a value cannot be read ({err}); if it is "
                                "meant as text, put it in quotes") from None
        path, scalar, why = found
        shown = _tag_shown(scalar.tag)
        raise ScenarioError(source, f"{_short(scalar.value)} cannot be read as {shown} ({why}); "
                            "write a plain number, or text in quotes", path,
                            scalar.start_mark.line + 1) from None
    except RecursionError:
        raise _too_deep(source) from None
    finally:
        loader.dispose()
    return data, lines.lines


def _unreadable(loader: Any, scalars: dict[str, Any]) -> tuple[str, Any, Exception] | None:
    """The first value its tag cannot make (``!!int 0xZZ``), with its path and why, to say where
    the document's construction failed: PyYAML's error does not."""
    for path, scalar in scalars.items():
        try:
            loader.yaml_constructors[scalar.tag](loader, scalar)
        except (ValueError, TypeError, LookupError, ArithmeticError) as err:
            return path, scalar, err
    return None


def _key_text(loader: Any, node: Any) -> str:
    """A mapping key as the checker sees it (``~`` is None, ``yes`` is True), for its key path."""
    import yaml

    if isinstance(node, yaml.ScalarNode) and not node.tag.endswith(":merge"):
        return str(loader.construct_object(node))
    return str(node.value)


def _check_size(root: Any, source: str) -> None:
    """Refuse documents whose aliases expand to more than MAX_NODES values, before expanding them.

    Sizes are summed once per distinct node, so a billion-laughs document is measured in
    microseconds instead of being walked.
    """
    import yaml

    sizes: dict[int, int] = {}
    started: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in started:  # and not finished: the node is inside itself
            raise ScenarioError(source, "an alias refers to a list or mapping that contains it; "
                                "write the values out", line=node.start_mark.line + 1)
        started.add(key)
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item) for item in node.value)
        else:
            total = 1
        if total > MAX_NODES:
            raise ScenarioError(source, f"aliases (*name) expand this document to more than "
                                f"{MAX_NODES:,} values (an alias bomb?); write the values out",
                                line=node.start_mark.line + 1)
        sizes[key] = total
        return total

    size(root)


def _yaml_error(err: Any, source: str) -> ScenarioError:
    """PyYAML's multi-line error as one line: the problem, its line, and what it was inside."""
    mark = err.problem_mark or err.context_mark
    line = mark.line + 1 if mark else None
    problem = err.problem or err.context or "invalid YAML"
    if "found another document" in problem:
        return ScenarioError(source, "holds more than one YAML document (a second '---'); "
                             "keep one scenario per file", line=line)
    if err.problem and err.context:
        context_line = err.context_mark.line + 1 if err.context_mark else None
        where = f" that starts on line {context_line}" if context_line and context_line != line else ""
        problem += f" ({err.context}{where})"
    if "'\\t'" in problem:
        problem += "; indent with spaces, not tabs"
    return ScenarioError(source, f"YAML syntax error: {problem}", line=line)


_NUMBER_TYPES = frozenset({float, int})
"""What the loader makes of a number (a bool is neither)."""


class _Checker:
    """Validates parsed YAML data field by field, raising ScenarioError at the first problem."""

    def __init__(self, source: str, lines: Mapping[str, int]) -> None:
        self.source = source
        self.lines = lines

    def fail(self, path: str, message: str) -> ScenarioError:
        line = self.lines.get(path)
        probe = path
        while line is None and probe:  # a key not written: the line of the nearest one around it
            probe = probe[:max(probe.rfind("."), probe.rfind("["), 0)]
            line = self.lines.get(probe)
        return ScenarioError(self.source, message, path, line)

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = "; remove the quotes" if isinstance(value, str) and _numeric_text(value) else ""
            raise self.fail(path, f"expected a number, got {_kind(value)}{hint}")
        try:
            number = float(value)
        except OverflowError:
            raise self.fail(path, f"expected a number below 1.8e308, got {_short(value)}") from None
        if math.isnan(number):
            raise self.fail(path, "expected a finite number, got .nan (not a number)")
        if math.isinf(number):
            raise self.fail(path, f"expected a finite number, got {'-' if number < 0 else ''}.inf")
        return number

    def vector(self, value: Any, path: str, length: int, what: str) -> Array:
        """A list of ``length`` finite numbers as an array: checked as a whole, and number by
        number (``number``, which says what is wrong where) only when the whole is not."""
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list of {_numbers(length)} ({what}), got {_kind(value)}")
        if len(value) != length:
            raise self.fail(path, f"expected {_numbers(length)} ({what}), got {len(value)}")
        if set(map(type, value)) <= _NUMBER_TYPES:
            try:
                numbers = np.array(value, dtype=float)
            except OverflowError:  # an int past the float range
                pass
            else:
                if np.isfinite(numbers).all():
                    return numbers
        return np.array([self.number(v, f"{path}[{i}]") for i, v in enumerate(value)], dtype=float)

    def choice(self, value: Any, path: str, options: Mapping[str, Any] | tuple[str, ...]) -> str:
        names = [str(option) for option in options]
        if not isinstance(value, str) or value not in names:
            hint = _did_you_mean(str(value), names)
            raise self.fail(path, f"unknown value {value!r}; expected one of {', '.join(names)}"
                            + hint)
        return value

    def keys(self, data: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
        for key in data:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                raise self.fail(where, f"unknown key {key!r}" + _did_you_mean(str(key), allowed)
                                + f"; allowed keys: {', '.join(allowed)}")

    def layers(self, value: Any) -> tuple[Layer, ...]:
        if not isinstance(value, list) or len(value) < 2:
            raise self.fail("layers", "expected a list of at least 2 layers (inputs first, "
                            f"outputs last), got {_kind(value)}")
        layers: list[Layer] = []
        seen: dict[str, str] = {}
        for k, spec in enumerate(value):
            path = f"layers[{k}]"
            if not isinstance(spec, dict):
                raise self.fail(path, f"expected a mapping with 'units', got {_kind(spec)}")
            self.keys(spec, LAYER_FIELDS, path)
            units = spec.get("units")
            if not isinstance(units, list) or not units:
                raise self.fail(f"{path}.units", "expected a non-empty list of unit names like "
                                f"[h1, h2], got {_kind(units)}")
            names = []
            for i, unit in enumerate(units):
                if isinstance(unit, bool) or not isinstance(unit, (str, int)) or str(unit) == "":
                    raise self.fail(f"{path}.units[{i}]", f"expected a unit name, got {_kind(unit)}")
                name = str(unit)
                if len(name) > MAX_NAME:
                    raise self.fail(f"{path}.units[{i}]", f"expected a unit name of at most "
                                    f"{MAX_NAME} characters, got {len(name):,}; shorten it")
                if any(c in name for c in "[]@> "):
                    raise self.fail(f"{path}.units[{i}]", f"unit name {name!r} may not contain "
                                    "spaces, brackets, '@' or '->'")
                if name in seen:
                    raise self.fail(f"{path}.units[{i}]", f"unit name {name!r} is already used "
                                    f"at {seen[name]}; unit names must be unique")
                seen[name] = f"{path}.units[{i}]"
                names.append(name)
            activation = spec.get("activation")
            gain = None
            if k == 0:
                if activation is not None:
                    raise self.fail(f"{path}.activation", "the input layer has no activation; "
                                    "remove this key")
            else:
                activation, gain = self.activation(activation, f"{path}.activation")
                if activation == "softmax" and k != len(value) - 1:
                    raise self.fail(f"{path}.activation", "softmax couples its units and is "
                                    "allowed on the output layer only")
            layer_name = spec.get("name")
            if layer_name is not None and not isinstance(layer_name, str):
                raise self.fail(f"{path}.name", f"expected text, got {_kind(layer_name)}")
            if layer_name is not None and len(layer_name) > MAX_NAME:
                raise self.fail(f"{path}.name", f"expected at most {MAX_NAME} characters, got "
                                f"{len(layer_name):,}; shorten it")
            layers.append(Layer(tuple(names), activation, layer_name, gain))
        return tuple(layers)

    def activation(self, value: Any, path: str) -> tuple[str, float | None]:
        """``sigmoid``, or ``{name: sigmoid, gain: 2}``: the name and the gain (None for 1)."""
        if value is None:
            raise self.fail(path, "missing; expected one of " + ", ".join(ACTIVATIONS))
        if not isinstance(value, dict):
            return self.choice(value, path, ACTIVATIONS), None
        self.keys(value, ACTIVATION_FIELDS, path)
        if "name" not in value:
            raise self.fail(path, "expected a mapping like {name: sigmoid, gain: 2}; add 'name'")
        name = self.choice(value["name"], f"{path}.name", ACTIVATIONS)
        if "gain" not in value:
            return name, None
        if name not in GAINED:
            raise self.fail(f"{path}.gain", f"a gain is defined for {' and '.join(GAINED)} only, "
                            f"not {name}; remove it")
        gain = self.number(value["gain"], f"{path}.gain")
        if gain <= 0:
            raise self.fail(f"{path}.gain", f"expected a number > 0 (the steepness k of "
                            f"f(k·a)), got {gain:g}")
        return name, None if gain == 1 else gain

    def matrices(self, value: Any, layers: tuple[Layer, ...]) -> tuple[Array, ...]:
        expected = len(layers) - 1
        if not isinstance(value, list):
            raise self.fail("weights", f"expected a list of {expected} matrices, got {_kind(value)}")
        if len(value) != expected:
            raise self.fail("weights", f"expected {expected} matrices (one per pair of "
                            f"consecutive layers), got {len(value)}")
        out = []
        for k, matrix in enumerate(value):
            rows, cols = len(layers[k].units), len(layers[k + 1].units)
            path = f"weights[{k}]"
            if not isinstance(matrix, list):
                raise self.fail(path, f"expected a {rows}×{cols} matrix (a list of rows), "
                                f"got {_kind(matrix)}")
            if len(matrix) != rows:
                raise self.fail(path, f"expected {rows} rows (units of layer {k}: "
                                f"{', '.join(layers[k].units)}), got {len(matrix)}")
            data = [self.vector(row, f"{path}[{i}]", cols, f"one per unit of layer {k + 1}: "
                                + ", ".join(layers[k + 1].units))
                    for i, row in enumerate(matrix)]
            out.append(frozen(data).reshape(rows, cols))
        return tuple(out)

    def samples(self, value: Any, path: str, width: int, what: str) -> Array:
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            rows = [self.vector(v, f"{path}[{i}]", width, what) for i, v in enumerate(value)]
        elif isinstance(value, list) and value and not any(isinstance(v, list) for v in value):
            rows = [self.vector(value, path, width, what)]
        else:
            raise self.fail(path, f"expected a list of {_numbers(width)} ({what}) or a list of "
                            f"such lists, one per sample, got {_kind(value)}")
        return frozen(rows).reshape(len(rows), width)


def check(data: Any, source: str = "<scenario>", lines: Mapping[str, int] | None = None) -> Scenario:
    """Turn parsed YAML data into a Scenario, or raise ScenarioError saying what is wrong."""
    c = _Checker(source, lines or {})
    if not isinstance(data, dict):
        raise c.fail("", f"expected a mapping of keys (learning_rate, layers, weights, ...) at the "
                     f"top level, got {_kind(data, content=False)}")
    if "layers" not in data and ("scenario" in data or any("[" in str(key) for key in data)):
        raise ScenarioError(source, "looks like an answers file, not a scenario; mark it with "
                            f"`bpstep verify {source}`", line=1)
    c.keys(data, FIELDS, "")
    for key in REQUIRED:
        if key not in data:
            raise ScenarioError(source, "missing required key; add it, e.g. "
                                + MISSING_HINTS[key], key)
    title = data.get("title")
    if isinstance(title, (list, dict)):
        raise c.fail("title", f"expected one line of text, got {_kind(title)}")
    if title is not None and not isinstance(title, str):
        title = str(title)
    if title is not None and len(title) > MAX_TITLE:
        raise c.fail("title", f"expected at most {MAX_TITLE:,} characters (a title, not a "
                     f"document), got {len(title):,}; shorten it")
    rate = c.number(data["learning_rate"], "learning_rate")
    if rate <= 0:
        raise c.fail("learning_rate", f"expected a number > 0, got {rate:g}")
    loss = c.choice(data.get("loss", "half_sse"), "loss", LOSSES)
    convention = Convention(c.choice(data.get("convention", "delta_rule"), "convention", CONVENTIONS))
    mode = Mode(c.choice(data.get("mode", "batch"), "mode", MODES))
    reduction = Reduction(c.choice(data.get("reduction", "sum"), "reduction", REDUCTIONS))
    update_biases = data.get("update_biases", True)
    if not isinstance(update_biases, bool):
        raise c.fail("update_biases", f"expected true or false, got {update_biases!r}")
    layers = c.layers(data["layers"])
    init = _init(c, data)
    if init is not None:
        from bpstep.init import draw_weights  # only a file with init: (see the imports above)

        weights = draw_weights(init, [len(layer.units) for layer in layers])
    else:
        weights = c.matrices(data["weights"], layers)
    biases = _biases(c, data.get("biases"), layers)
    inputs = c.samples(data["inputs"], "inputs", len(layers[0].units),
                       "one per input unit: " + ", ".join(layers[0].units))
    targets = c.samples(data["targets"], "targets", len(layers[-1].units),
                        "one per output unit: " + ", ".join(layers[-1].units))
    if len(targets) != len(inputs):
        raise c.fail("targets", f"expected one target vector per sample: {len(inputs)} "
                     f"samples, got {len(targets)} target vector{'s' if len(targets) != 1 else ''}")
    _check_loss_domain(c, LOSSES[loss].name, layers[-1], targets)
    batch_size, shuffle, seed = _order(c, data, mode, len(inputs))
    epochs = None if data.get("epochs") is None else _count(c, data["epochs"], "epochs", 1)
    momentum = _momentum(c, data)
    return Scenario(layers=layers, weights=weights, biases=biases, inputs=inputs,
                    targets=targets, learning_rate=rate, loss=loss, convention=convention,
                    update_biases=update_biases, mode=mode, reduction=reduction, title=title,
                    source=source, init=init, batch_size=batch_size, shuffle=shuffle, seed=seed,
                    epochs=epochs, momentum=momentum, marking=_marking(c, data))


def _marking(c: _Checker, data: Mapping[str, Any]) -> Floor | None:
    """``marking: {digits: N}`` or ``{decimals: N}``: the precision a course asks answers to have."""
    spec = data.get("marking")
    if spec is None:
        return None
    from bpstep.written import FLOOR_LIMITS, Floor, FloorKind  # only a file with marking:

    example = "a mapping like {digits: 3} (significant figures) or {decimals: 4}"
    if not isinstance(spec, dict) or not spec:
        raise c.fail("marking", f"expected {example}, got {_kind(spec)}")
    kinds = tuple(FloorKind)
    c.keys(spec, kinds, "marking")
    if len(spec) > 1:
        raise c.fail("marking", "give digits or decimals, not both; remove one")
    kind = FloorKind(next(iter(spec)))
    least, most = FLOOR_LIMITS[kind]
    count = _count(c, spec[kind], f"marking.{kind}", least)
    if count > most:
        raise c.fail(f"marking.{kind}", f"expected a whole number from {least} to {most}, got "
                     f"{count}")
    return Floor(kind, count)


def _momentum(c: _Checker, data: Mapping[str, Any]) -> float | None:
    """α of Δw(n) = ±η·δ·y + α·Δw(n−1), 0 ≤ α < 1, when the scenario gives one."""
    if data.get("momentum") is None:
        return None
    alpha = c.number(data["momentum"], "momentum")
    if not 0 <= alpha < 1:
        raise c.fail("momentum", f"expected a number with 0 ≤ momentum < 1 (0.9 is usual), "
                     f"got {alpha:g}")
    return alpha


def _count(c: _Checker, value: Any, path: str, least: int) -> int:
    """A whole number of at least ``least`` (epochs, batch sizes, seeds)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise c.fail(path, f"expected a whole number ≥ {least}, got {_short(value)}")
    return value


def _init(c: _Checker, data: Mapping[str, Any]) -> Init | None:
    """``init: {kind, seed, scale}`` when weights are to be drawn; exactly one of the two is given."""
    spec = data.get("init")
    if spec is None:
        if "weights" not in data:
            raise c.fail("", "missing required key 'weights' (or 'init: {kind: xavier, seed: 0}' "
                         "to draw them)")
        return None
    from bpstep.init import INITIALISERS, Init  # only a file with init:

    if "weights" in data:
        raise c.fail("init", "give either 'weights' or 'init', not both; remove one")
    if not isinstance(spec, dict):
        raise c.fail("init", f"expected a mapping like {{kind: xavier, seed: 0}}, got {_kind(spec)}")
    c.keys(spec, INIT_FIELDS, "init")
    kind = c.choice(spec.get("kind", "xavier"), "init.kind", INITIALISERS)
    seed = _count(c, spec.get("seed", 0), "init.seed", 0)
    scale = c.number(spec.get("scale", 1.0), "init.scale")
    if scale <= 0:
        raise c.fail("init.scale", f"expected a number > 0, got {scale:g}")
    return Init(kind, seed, scale)


def _order(c: _Checker, data: Mapping[str, Any], mode: str, samples: int) -> tuple[int | None, bool, int]:
    """batch_size (minibatch only), shuffle (online/minibatch only) and its seed."""
    batch_size = None
    if mode == "minibatch":
        if "batch_size" not in data:
            raise c.fail("mode", "minibatch needs 'batch_size: N' (samples per update)")
        batch_size = _count(c, data["batch_size"], "batch_size", 1)
        if batch_size > samples:
            raise c.fail("batch_size", f"expected at most {samples} (the number of samples), "
                         f"got {batch_size}")
    elif "batch_size" in data:
        raise c.fail("batch_size", f"only used with 'mode: minibatch' (mode is {mode}); remove it "
                     "or set the mode")
    shuffle = data.get("shuffle", False)
    if not isinstance(shuffle, bool):
        raise c.fail("shuffle", f"expected true or false, got {_short(shuffle)}")
    if shuffle and mode == "batch":
        raise c.fail("shuffle", "has no effect in batch mode (one update from all samples); "
                     "use 'mode: online' or 'mode: minibatch', or remove it")
    if "seed" in data and not shuffle:
        raise c.fail("seed", "orders the samples only with 'shuffle: true'; for weights use "
                     "'init: {seed: ...}'")
    seed = _count(c, data.get("seed", 0), "seed", 0)
    return batch_size, shuffle, seed


def _biases(c: _Checker, value: Any, layers: tuple[Layer, ...]) -> tuple[Array, ...] | None:
    if value is None:
        return None
    expected = len(layers) - 1
    if not isinstance(value, list) or len(value) != expected:
        got = _lists(len(value)) if isinstance(value, list) else _kind(value)
        raise c.fail("biases", f"expected {_lists(expected)} (one per non-input layer), got {got}")
    return tuple(frozen(c.vector(b, f"biases[{k}]", len(layers[k + 1].units),
                                  f"one per unit of layer {k + 1}: " + ", ".join(layers[k + 1].units)))
                 for k, b in enumerate(value))


def _lists(count: int) -> str:
    return f"{count} list" if count == 1 else f"{count} lists"


def _check_loss_domain(c: _Checker, loss: str, out: Layer, targets: Array) -> None:
    spec = LOSSES[loss]
    out_activation = out.activation or ""
    if spec.requires and out_activation not in spec.requires:
        raise c.fail("loss", f"{loss} needs a {' or '.join(spec.requires)} output layer, "
                     f"but the output activation is {out_activation}; change the output "
                     "activation or choose another loss")
    if loss == "binary_cross_entropy" and out.gain is not None:
        raise c.fail("loss", f"{loss} is taken with a plain sigmoid output, but it has gain "
                     f"{out.gain:g}; remove the gain or choose another loss (e.g. half_sse)")
    if spec.target_range is not None:
        low, high = spec.target_range
        for i, row in enumerate(targets):
            for j, t in enumerate(row):
                if not low <= t <= high:
                    path = f"targets[{i}][{j}]" if len(targets) > 1 else f"targets[{j}]"
                    raise c.fail(path, f"{loss} needs targets between {low:g} and {high:g}, got "
                                 f"{t:g}; use targets in that range or another loss (e.g. half_sse)")
    if loss == "cross_entropy" and out_activation == "softmax":
        for i, row in enumerate(targets):
            if abs(float(np.sum(row)) - 1.0) > 1e-9:
                path = f"targets[{i}]" if len(targets) > 1 else "targets"
                raise c.fail(path, "softmax with cross_entropy needs targets that sum to 1 "
                             f"(a probability distribution such as [0, 1, 0]), got a sum of "
                             f"{np.sum(row):g}")


def titled(title: str, suffix: str) -> str:
    """``title`` + ``suffix`` (a variant's number, a trained network's epochs) within MAX_TITLE,
    so the scenario bpstep writes with it reads back; a title that leaves no room is cut, with …."""
    room = MAX_TITLE - len(suffix)
    return (title if len(title) <= room else title[:room - 1] + "…") + suffix


def load(path: Path | str) -> Scenario:
    """Read, parse and check a scenario file.

    A plain file (no tags, anchors or repeated keys, as a scenario is written) is read in one
    pass (``plain_data``) and checked; any problem is found again by the full reading, whose
    messages name the line.
    """
    path = Path(path)
    source = str(path)
    text = read_text(path)
    data = plain_data(text)
    if data is not None:
        try:
            return check(data, source)
        except ScenarioError:
            pass
    data, lines = parse_yaml(text, source)
    return check(data, source, lines)


_PLAIN_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?")
_PLAIN_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
"""Plain scalars every resolver reads as that number, made by ``float`` or ``int`` of the text."""
_PLAIN_TYPES = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("null", "bool", "int", "float", "str"))
_NO_KEY = object()


class _NotPlain(Exception):
    """The document holds something the one-pass reading leaves to the full one."""


def plain_data(text: str) -> Any | None:
    """The document's data from one pass over the C parser's events, or None when it is not
    plain: a syntax error, a tag, an anchor or alias, a repeated or merge key, a key that is
    not a scalar, more than one document, nesting past MAX_DEPTH or more than MAX_NODES values,
    text that is no characters. The full reading (``parse_yaml``) finds and names each of them.

    A number written plainly (``-0.0123``) is made from its text by ``float`` or ``int``, as the
    resolver and constructor would make it; any other scalar goes through them.
    """
    import yaml

    found = _flow_lists(text)
    for flows in (found, None) if found else (None,):  # lists of numbers read by regex, then not
        try:
            loader = _loader_class(True)(text if flows is None else flows.text)
        except yaml.YAMLError:
            continue
        try:
            return _build(loader, {} if flows is None else flows.lists)
        except (_NotPlain, yaml.YAMLError, ValueError, TypeError, LookupError, ArithmeticError):
            continue
        finally:
            loader.dispose()
    return None


_NUMBER = r"-?[0-9]+(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?)?"
"""A plain float (``_PLAIN_FLOAT``) or whole number (``_PLAIN_INT`` but for leading zeros)."""
_FLOW_NUMBERS = re.compile(
    rf"\[ *{_NUMBER}(?:,(?: +|\r?\n *)?{_NUMBER})* *\]"
    r"(?=[ \t]*(?:[,\]}]|\r?\n|\Z)|[ \t]+#)")
"""A flow list of plain numbers as people and PyYAML write them (``[0.12, -3, 4.5e-2]``, lines
broken after a comma), ended where a flow list may end."""


@dataclass(frozen=True)
class _FlowLists:
    """A document whose flow lists of plain numbers are each replaced by a stand-in scalar."""

    text: str
    lists: dict[str, list[int | float]]
    """The numbers of each list, by its stand-in."""


def _flow_lists(text: str) -> _FlowLists | None:
    """The document with each flow list of plain numbers read by a regex and ``float``/``int``
    (as ``_build`` reads each number) and replaced by a stand-in: a big weight matrix is then a
    few hundred events for the C parser instead of 100,000 (either parser reads a flow list's
    lines at any indentation). ``_build`` takes each stand-in back only where it is a whole
    plain scalar (not in a quoted text, a block text or a comment, nor a key); if one is left,
    the document is read as written."""
    stand_in = "_flow_"
    while stand_in in text:
        stand_in += "_"
    lists: dict[str, list[int | float]] = {}

    def replaced(match: re.Match[str]) -> str:
        written = match.group()
        numbers = written[1:-1].split(",")
        if written.count(".") == len(numbers):  # all floats, as in a weight matrix
            values: list[int | float] = list(map(float, numbers))
        elif all(_PLAIN_INT.fullmatch(number.strip()) for number in numbers if "." not in number):
            values = [float(number) if "." in number else int(number) for number in numbers]
        else:  # a whole number with leading zeros: YAML 1.1 reads 017 as octal
            return written
        name = f"{stand_in}{len(lists)}"
        lists[name] = values
        return name

    replacing = _FLOW_NUMBERS.sub(replaced, text)
    return _FlowLists(replacing, lists) if lists else None


class _OpenMapping:
    """A mapping being read: its pending key, and its keys as text (to find a repeated one)."""

    __slots__ = ("key", "keys", "mapping")

    def __init__(self, mapping: dict[Any, Any]) -> None:
        self.mapping = mapping
        self.key: Any = _NO_KEY
        self.keys: set[str] = set()

    def add(self, item: Any) -> None:
        if self.key is _NO_KEY:
            if type(item) in (list, dict) or str(item) in self.keys:
                raise _NotPlain
            self.key = item
            self.keys.add(str(item))
        else:
            self.mapping[self.key] = item
            self.key = _NO_KEY


def _build(loader: Any, lists: dict[str, list[int | float]]) -> Any:
    """The data of the events, built as they come (see ``plain_data``); a plain scalar that is
    a stand-in of ``lists`` is its list of numbers."""
    import yaml

    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    opening = {yaml.SequenceStartEvent: list, yaml.MappingStartEvent: dict}
    ending = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    plain_float, plain_int = _PLAIN_FLOAT.fullmatch, _PLAIN_INT.fullmatch
    root: list[Any] = []
    open_lists: list[Any] = [root]
    """The innermost list or mapping being read last; the document's root list first."""
    add = root.append
    documents = nodes = 0
    for event in _events(loader):
        kind = type(event)
        if kind is scalar:
            if event.anchor is not None or event.tag is not None:
                raise _NotPlain
            value = event.value
            if lists and not event.style and value in lists:
                if len(open_lists) > MAX_DEPTH:
                    raise _NotPlain
                numbers = lists.pop(value)
                add(numbers)
                nodes += 1 + len(numbers)
                continue
            if not event.style and event.implicit[0] and plain_float(value):
                add(float(value))
            elif not event.style and event.implicit[0] and plain_int(value):
                add(int(value))
            else:
                add(_scalar(loader, event))
            nodes += 1
        elif kind in opening:
            if event.anchor is not None or event.tag is not None or len(open_lists) > MAX_DEPTH:
                raise _NotPlain
            item = opening[kind]()
            add(item)
            nodes += 1
            open_lists.append(item if kind is yaml.SequenceStartEvent else _OpenMapping(item))
            add = open_lists[-1].append if kind is yaml.SequenceStartEvent else open_lists[-1].add
        elif kind in ending:
            open_lists.pop()
            top = open_lists[-1]
            add = top.append if type(top) is list else top.add
        elif kind is alias or (kind is yaml.DocumentStartEvent and documents):
            raise _NotPlain
        elif kind is yaml.DocumentStartEvent:
            documents += 1
    if len(root) != 1 or nodes > MAX_NODES or lists:  # a stand-in not taken back: not plain
        raise _NotPlain
    return root[0]


def _events(loader: Any) -> Iterator[Any]:
    while loader.check_event():
        yield loader.get_event()


def _scalar(loader: Any, event: Any) -> Any:
    """A scalar as the composer and constructor make it, if it is of a plain type."""
    import yaml

    if _SURROGATE.search(event.value):
        raise _NotPlain
    tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag not in _PLAIN_TYPES:
        raise _NotPlain
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    return loader.yaml_constructors[tag](loader, node)


def _kind(value: Any, content: bool = True) -> str:
    """What a YAML value is, in YAML's words, for messages: ``text ('abc')``, ``an empty list``.

    ``content=False`` leaves the value out: a file that is no scenario at all is not quoted.
    The loader reads dates as text and refuses tags, so a file holds no other kinds; a caller of
    ``check`` may pass any, which is named by its Python type.
    """
    kinds: dict[type, str] = {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
                              int: "a number", float: "a number"}
    if value is None:
        return "nothing (null)"
    if isinstance(value, (list, dict, str)) and not value:
        return {list: "an empty list", dict: "an empty mapping", str: "empty text"}[type(value)]
    if not content:
        return kinds.get(type(value), type(value).__name__)
    shown = str(value).lower() if isinstance(value, bool) else _short(value)
    return f"{kinds.get(type(value), type(value).__name__)} ({shown})"


def _numbers(count: int) -> str:
    return "1 number" if count == 1 else f"{count} numbers"


def _numeric_text(text: str) -> bool:
    """Whether quoted text would have been a number without its quotes."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _did_you_mean(word: str, options: Any) -> str:
    close = did_you_mean(word, options)
    return f" ({close})" if close else ""

