"""The network as an SVG picture for slides: layers in columns, weights on the edges, and at a
chosen stage the values known so far at every unit, with what that stage computed highlighted.

Two steps, kept apart so each can be tested: ``network_view`` decides *what* is known at a stage
(pure lookups in the trace); ``render_svg`` decides *where* it goes and writes the markup. The
output is deterministic (no ids, no timestamps, coordinates rounded) so it diffs well in git.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from bpstep.numbers import fmt
from bpstep.scenario import Scenario, activation_of
from bpstep.trace import Quantity, Trace, edge_name, scalar_name, unit_name

SANS = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif"
MONO = "'DejaVu Sans Mono', Menlo, Consolas, monospace"
VALUE_PX = 13
"""Font size of numbers in unit boxes and on edges."""
CHAR_EM = 0.62
"""Advance of one monospace character in em (DejaVu Sans Mono is 0.602); a little spare."""
ROW_PX = 19
HEAD_PX = 24
PAD = 10
V_GAP = 34
MIN_COL_GAP = 190
MARGIN = 24

INK = "#1f2933"
MUTED = "#7b8794"
EDGE = "#9aa5b1"
BOX_FILL = "#f5f7fa"
BOX_EDGE = "#52606d"
FOCUS_EDGE = "#2563eb"
CHANGED_FILL = "#ffe08a"
CHANGED_EDGE = "#d97706"

LEGEND = ("computed at this stage", "? not known yet", "′ after the update", "δ delta")
"""Legend items after the highlight swatch."""

UNKNOWN = "?"
"""Shown where a value is not computed yet at the chosen stage."""


@dataclass(frozen=True, slots=True)
class Row:
    """One line in a unit box: a symbol and its number (or ``?`` when not known yet)."""

    label: str
    value: str
    changed: bool = False


@dataclass(frozen=True, slots=True)
class UnitView:
    name: str
    rows: tuple[Row, ...]
    focus: bool
    """The stage is about this unit (its box is outlined)."""


@dataclass(frozen=True, slots=True)
class EdgeView:
    source: str
    target: str
    text: str
    """The weight, or ``old → new`` once it has been updated."""
    changed: bool
    short: str
    """Just the current weight, for when ``old → new`` labels do not fit."""


@dataclass(frozen=True, slots=True)
class LayerView:
    heading: str
    activation: str
    units: tuple[UnitView, ...]


@dataclass(frozen=True, slots=True)
class NetworkView:
    """Everything the picture shows, as text; no coordinates."""

    title: str
    caption: str
    layers: tuple[LayerView, ...]
    edges: tuple[EdgeView, ...]
    loss: tuple[Row, ...]


def _number(value: float, precision: int) -> str:
    """``fmt`` with a typographic minus, which reads better on a slide."""
    return fmt(value, precision).replace("-", "−")


def network_view(scenario: Scenario, trace: Trace, stage: int | None = None, *,
                 precision: int = 6) -> NetworkView:
    """What is known at 0-based ``stage`` (None: only the given inputs and initial weights)."""
    stages = trace.stages[: stage + 1] if stage is not None else ()
    known: dict[str, Quantity] = {q.name: q for st in stages for q in st.quantities}
    current = {q.name for q in trace.stages[stage].quantities} if stage is not None else set()
    focus = set(trace.stages[stage].units) if stage is not None else set()
    samples = len(scenario.inputs)
    several = samples > 1
    sample = _sample_shown(trace, stage, stages) if several else None
    after = any(st.phase == "after" for st in stages)
    latest: dict[str, Quantity] = {}
    for st in stages:
        for q in st.quantities:
            if q.kind in ("w", "b"):
                latest[edge_name(q.kind, q.source, q.unit) if q.source else unit_name(q.kind, q.unit)] = q

    def number(name: str) -> Row:
        if name in known:
            return Row("", _number(known[name].value, precision), name in current)
        if name in trace.given:
            return Row("", _number(trace.given[name], precision))
        return Row("", UNKNOWN)

    def row(label: str, name: str) -> Row:
        found = number(name)
        return Row(label, found.value, found.changed)

    def updated(now: str, before: str) -> tuple[str, str, bool]:
        """(``old → new`` or the initial value, the current value alone, changed here?)."""
        q = latest.get(now)
        if q is None:
            value = number(before).value
            return value, value, False
        new = _number(q.value, precision)
        return f"{_number(q.before, precision)} → {new}", new, q.name in current

    layers = []
    last = len(scenario.layers) - 1
    for k, layer in enumerate(scenario.layers):
        units = []
        for u in layer.units:
            if k == 0:
                rows = [row("y", unit_name("y", u, sample))]
            else:
                rows = [row("a", unit_name("a", u, sample)), row("y", unit_name("y", u, sample)),
                        row("δ", unit_name("delta", u, sample))]
                if scenario.biases is not None:
                    text, _, changed = updated(unit_name("b", u), unit_name("b0", u))
                    rows.append(Row("b", text, changed))
                if after:
                    rows += [row("a′", unit_name("a_after", u, sample)),
                             row("y′", unit_name("y_after", u, sample))]
                if k == last:
                    rows.append(row("t", unit_name("t", u, sample)))
            units.append(UnitView(u, tuple(rows), u in focus))
        heading = layer.name or ("inputs" if k == 0 else "output layer" if k == last
                                 else f"hidden layer {k}")
        layers.append(LayerView(heading, activation_of(layer).name if k else "", tuple(units)))
    edges = []
    for k in range(1, len(scenario.layers)):
        for src in scenario.layers[k - 1].units:
            for unit in scenario.layers[k].units:
                text, short, changed = updated(edge_name("w", src, unit), edge_name("w0", src, unit))
                edges.append(EdgeView(src, unit, text, changed, short))
    loss = [row("E", scalar_name("loss", sample))]
    if several:
        loss.append(row("E all", "loss"))
    if after:
        loss.append(row("E′", scalar_name("loss_after", sample)))
        if several:
            loss.append(row("E′ all", "loss_after"))
    if stage is None:
        caption = "before the step: inputs and initial weights"
    else:
        caption = f"stage {stage + 1} of {len(trace.stages)} · {trace.stages[stage].title}"
    if several:
        caption += f" · unit values of sample {sample} of {samples}"
    return NetworkView(scenario.title or scenario.source, caption, tuple(layers), tuple(edges),
                       tuple(loss))


def _sample_shown(trace: Trace, stage: int | None, stages: tuple) -> int:
    """The stage's own sample, else the last sample with values so far (1 before any)."""
    if stage is not None and trace.stages[stage].sample is not None:
        return trace.stages[stage].sample
    seen = [q.sample for st in stages for q in st.quantities if q.sample is not None]
    return max(seen, default=1)


# --- layout and markup ---

Box = tuple[float, float, float, float]
"""x, y, width, height."""


def _text_width(text: str, px: float = VALUE_PX) -> float:
    return len(text) * px * CHAR_EM


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _n(value: float) -> str:
    """A coordinate, rounded so output is stable and small."""
    return f"{round(value, 1):g}"


def _text(x: float, y: float, text: str, *, size: float, anchor: str = "start", weight: str = "",
          family: str = SANS, fill: str = INK, italic: bool = False) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    extra += ' font-style="italic"' if italic else ""
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" font-family={quoteattr(family)}'
            f' text-anchor="{anchor}" fill="{fill}"{extra}>{escape(text)}</text>')


def _rect(box: Box, *, fill: str, stroke: str = "none", width: float = 1, radius: float = 0) -> str:
    x, y, w, h = box
    return (f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="{_n(radius)}"'
            f' fill="{fill}" stroke="{stroke}" stroke-width="{_n(width)}"/>')


def render_svg(view: NetworkView, *, heading: bool = True) -> str:
    """Lay the view out in columns and write it as a standalone SVG document.

    Without ``heading`` the title and caption are left out, for pages that already show them.
    """
    label_w = max(_text_width(r.label) for layer in view.layers for u in layer.units for r in u.rows)
    value_w = max(_text_width(r.value) for layer in view.layers for u in layer.units for r in u.rows)
    name_w = max(_text_width(u.name, 15) for layer in view.layers for u in layer.units)
    box_w = max(name_w + 2 * PAD, PAD + label_w + 12 + value_w + PAD, 90)
    edge_w = max((_text_width(e.text, 12) for e in view.edges), default=0)
    widest = max(len(layer.units) for layer in view.layers)
    col_gap = max(MIN_COL_GAP, (edge_w + 24) * (1 + max(0, widest - 2) / 4))

    top = MARGIN + (54 if heading else 0) + 46
    heights = [HEAD_PX + ROW_PX * len(layer.units[0].rows) + PAD if layer.units else 0
               for layer in view.layers]
    col_h = [len(layer.units) * h + (len(layer.units) - 1) * V_GAP
             for layer, h in zip(view.layers, heights, strict=True)]
    tallest = max(col_h)
    boxes: dict[str, Box] = {}
    for k, layer in enumerate(view.layers):
        x = MARGIN + k * (box_w + col_gap)
        y = top + (tallest - col_h[k]) / 2
        for unit in layer.units:
            boxes[unit.name] = (x, y, box_w, heights[k])
            y += heights[k] + V_GAP
    loss_x = MARGIN + len(view.layers) * (box_w + col_gap) - col_gap + 40
    loss_w = PAD + max(_text_width(r.label) for r in view.loss) + 12 + max(
        _text_width(r.value) for r in view.loss) + PAD
    loss_h = HEAD_PX + ROW_PX * len(view.loss) + PAD
    loss_box = (loss_x, top + (tallest - loss_h) / 2, max(loss_w, 110), loss_h)
    width = loss_box[0] + loss_box[2] + MARGIN
    slot = {u.name: (j, len(layer.units)) for layer in view.layers for j, u in enumerate(layer.units)}
    labels, note = _place_edge_labels(view.edges, boxes, slot, short=False)
    if note and any(e.short != e.text for e in view.edges):
        labels, note = _place_edge_labels(view.edges, boxes, slot, short=True)
        note = note or "edges show the weights after the update (old → new does not fit)"
    legend_y = top + tallest + 34
    height = legend_y + (44 if note else 24) + MARGIN

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}"'
           f' viewBox="0 0 {_n(width)} {_n(height)}" role="img">',
           f"<title>{escape(view.title + ' — ' + view.caption)}</title>",
           _rect((0, 0, width, height), fill="#ffffff")]
    if heading:
        out += [_text(MARGIN, MARGIN + 20, view.title, size=20, weight="bold"),
                _text(MARGIN, MARGIN + 46, view.caption, size=15, fill=BOX_EDGE)]
    for k, layer in enumerate(view.layers):
        cx = MARGIN + k * (box_w + col_gap) + box_w / 2
        out.append(_text(cx, top - 26, layer.heading, size=14, anchor="middle", weight="bold"))
        if layer.activation:
            out.append(_text(cx, top - 10, layer.activation, size=12, anchor="middle", fill=MUTED,
                             italic=True))
    for edge in view.edges:
        out.append(_edge_line(edge, boxes))
    for edge, (box, text) in labels:
        fill = CHANGED_FILL if edge.changed else "#ffffff"
        out.append(_rect(box, fill=fill, stroke=CHANGED_EDGE if edge.changed else "#d5dbe1",
                         width=0.8, radius=3))
        out.append(_text(box[0] + box[2] / 2, box[1] + box[3] - 5, text, size=12, anchor="middle",
                         family=MONO, weight="bold" if edge.changed else ""))
    for layer in view.layers:
        for unit in layer.units:
            out += _unit_box(unit.name, unit.rows, boxes[unit.name], unit.focus)
    out += _unit_box("loss", view.loss, loss_box, False)
    out.append(_rect((MARGIN, legend_y - 11, 22, 14), fill=CHANGED_FILL, stroke=CHANGED_EDGE,
                     width=0.8, radius=2))
    x = MARGIN + 30
    for item in LEGEND:
        out.append(_text(x, legend_y, item, size=12, fill=BOX_EDGE))
        x += _text_width(item, 12) + 28
    if note:
        out.append(_text(MARGIN, legend_y + 20, note, size=12, fill=MUTED, italic=True))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _edge_line(edge: EdgeView, boxes: dict[str, Box]) -> str:
    (x1, y1), (x2, y2) = _edge_ends(edge, boxes)
    colour, width = (CHANGED_EDGE, 2.4) if edge.changed else (EDGE, 1.2)
    return (f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{colour}"'
            f' stroke-width="{_n(width)}"/>')


def _edge_ends(edge: EdgeView, boxes: dict[str, Box]) -> tuple[tuple[float, float], tuple[float, float]]:
    sx, sy, sw, sh = boxes[edge.source]
    tx, ty, _, th = boxes[edge.target]
    return (sx + sw, sy + sh / 2), (tx, ty + th / 2)


PLACES = (0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.7, 0.6, 0.5, 0.4, 0.3, 0.8, 0.2, 0.85, 0.15)
"""Where along an edge (0 = source, 1 = target) its label may go, in order of preference."""


def _place_edge_labels(edges: tuple[EdgeView, ...], boxes: dict[str, Box],
                       slot: dict[str, tuple[int, int]], *, short: bool,
                       ) -> tuple[list[tuple[EdgeView, tuple[Box, str]]], str]:
    """Put every weight label where it overlaps no other label or box, or put none at all.

    Each target unit first tries its own place along the edges (so the labels of different
    targets stand in different columns), then the others; when any label finds no free place
    the picture would lie by omission, so it shows no weights and says so instead.
    """
    taken: list[Box] = list(boxes.values())
    placed: list[tuple[EdgeView, tuple[Box, str]]] = []
    for edge in edges:
        (x1, y1), (x2, y2) = _edge_ends(edge, boxes)
        text = edge.short if short else edge.text
        w, h = _text_width(text, 12) + 10, 18
        j, count = slot[edge.target]
        own = 0.75 - 0.5 * j / max(1, count - 1) if count > 1 else 0.6
        for t in (own, *PLACES):
            cx, cy = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
            box = (cx - w / 2, cy - h / 2, w, h)
            if not any(_overlaps(box, (b[0] - 2, b[1] - 2, b[2] + 4, b[3] + 4)) for b in taken):
                taken.append(box)
                placed.append((edge, (box, text)))
                break
        else:
            return [], ("weights are not labelled: too many edges to label without overlap "
                        "(bpstep export lists them all)")
    return placed, ""


def _unit_box(name: str, rows: tuple[Row, ...], box: Box, focus: bool) -> list[str]:
    x, y, w, _ = box
    out = [_rect(box, fill=BOX_FILL, stroke=FOCUS_EDGE if focus else BOX_EDGE,
                 width=2.6 if focus else 1.2, radius=8),
           _text(x + w / 2, y + 18, name, size=15, anchor="middle", weight="bold",
                 fill=FOCUS_EDGE if focus else INK)]
    for i, r in enumerate(rows):
        base = y + HEAD_PX + i * ROW_PX
        if r.changed:
            out.append(_rect((x + 4, base + 1, w - 8, ROW_PX - 2), fill=CHANGED_FILL,
                             stroke=CHANGED_EDGE, width=0.8, radius=3))
        out.append(_text(x + PAD, base + 14, r.label, size=VALUE_PX, italic=True, fill=BOX_EDGE))
        out.append(_text(x + w - PAD, base + 14, r.value, size=VALUE_PX, anchor="end", family=MONO,
                         weight="bold" if r.changed else "", fill=MUTED if r.value == UNKNOWN else INK))
    return out


def diagram_svg(scenario: Scenario, trace: Trace, stage: int | None = None, *,
                precision: int = 6, heading: bool = True) -> str:
    """The SVG document of the network at 0-based ``stage`` (None: before the step)."""
    return render_svg(network_view(scenario, trace, stage, precision=precision), heading=heading)
