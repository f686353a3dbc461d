"""The network as an SVG picture: layers in columns, weights on the edges, and at a chosen stage
the values known so far at every unit, with what that stage computed highlighted. A weight label
goes where no other edge crosses its own; when one cannot, every weight goes into heat-map
matrices under the network instead (a label that cannot be matched to its edge is worse than none).

The slideshow draws the same network as a grid instead (``stage_svgs``): layers one under the
other, a unit per column with the weights into it above its values, numbers rounded. Columns of
boxes cannot hold six units of five values each at a size the back of a room can read; the grid
lays units side by side, where a slide has room, and shares the row labels.

Two steps, kept apart so each can be tested: ``network_view`` decides *what* is known at a stage
(pure lookups in the trace); ``render_svg`` and ``render_grid`` decide *where* it goes and write
the markup. The output is deterministic (no ids, no timestamps, coordinates rounded) so it diffs
well in git.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from xml.sax.saxutils import quoteattr

from bpstep.errors import UserError
from bpstep.escaping import printable
from bpstep.escaping import xml_text as escape
from bpstep.numbers import fmt
from bpstep.scenario import Scenario
from bpstep.trace import Quantity, Trace, edge_name, scalar_name, unit_name

SANS = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif"
MONO = "'DejaVu Sans Mono', Menlo, Consolas, monospace"
VALUE_PX = 13
"""Font size of numbers in unit boxes, on edges and in weight matrices; no text is smaller."""
CHAR_EM = 0.62
"""Advance of one monospace character in em (DejaVu Sans Mono is 0.602); a little spare."""
ROW_PX = 19
HEAD_PX = 24
PAD = 10
V_GAP = 30
MIN_COL_GAP = 70
"""Between layers when the weights are in matrices (edges without labels)."""
MARGIN = 16
CELL_H = 22
MIN_FLOW = 600
"""Weight matrices and legend items go side by side up to this width, even under a narrower
network: a picture a little wider is shown larger on a slide than one much taller."""
MAX_MATRIX = 12
"""Weight matrices with more rows or columns than this are not drawn (the export lists them)."""
MAX_DRAWN = 64
"""Most units of one layer a picture (the diagram, a slide) draws: a layer is one column of unit
boxes, and 64 boxes already stand about 8,000 px tall. Past it no text could be read, and the
work grows with it: a 10-3000-10 network took 27 s and 1.4 GB to put on slides."""
SLIDE_DIGITS = 3
"""A slide's picture is read from across a room, the exact values are in the table beside it:
numbers to at most this many significant digits, so the cells (and the text) can be larger."""

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
    """The unit the weight comes from; empty for a bias."""
    target: str
    text: str
    """The weight, or ``old → new`` once it has been updated (compact: only the new one)."""
    changed: bool
    value: float
    """The current weight, for the colour of its cell when weights are shown as a matrix."""


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
    biases: tuple[EdgeView, ...] = ()
    """Compact only, beside the weights; otherwise each bias is a row of its unit's box."""


def _number(value: float, precision: int) -> str:
    """``fmt`` with a typographic minus, which reads better on a slide."""
    return fmt(value, precision).replace("-", "−")


def network_view(trace: Trace, stage: int | None = None, *,
                 precision: int = 6, compact: bool = False) -> NetworkView:
    """What is known at 0-based ``stage`` (None: only the given inputs and initial weights).

    ``compact`` is what a slide shows beside the stage's table: numbers to at most
    ``SLIDE_DIGITS``, the network as it stands (a′ and y′ in place of a and y once the updated
    network has run, a new weight without the old one, which the table gives), the biases with
    the weights, E′ from the start (``?`` until known) so nothing appears from one slide to the
    next, and as caption what the slide's title does not say (sample shown, rounding).
    """
    digits = min(precision, SLIDE_DIGITS) if compact else precision
    stages = trace.stages[: stage + 1] if stage is not None else ()
    known: dict[str, Quantity] = {q.name: q for st in stages for q in st.quantities}
    current = {q.name for q in trace.stages[stage].quantities} if stage is not None else set()
    focus = set(trace.stages[stage].units) if stage is not None else set()
    network = trace.network
    samples = network.samples
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
            return Row("", _number(known[name].value, digits), name in current)
        if name in trace.given:
            return Row("", _number(trace.given[name], digits))
        return Row("", UNKNOWN)

    def row(label: str, name: str) -> Row:
        found = number(name)
        return Row(label, found.value, found.changed)

    def updated(now: str, before: str) -> tuple[str, float, bool]:
        """(``old → new``, compact just new, or the initial value; the current value; changed here?)."""
        q = latest.get(now)
        if q is None:
            return number(before).value, trace.given.get(before, 0.0), False
        text = _number(q.value, digits)
        return (text if compact else f"{_number(q.before, digits)} → {text}", q.value,
                q.name in current)

    layers, biases = [], []
    last = len(network.units) - 1
    for k, layer_units in enumerate(network.units):
        units = []
        for u in layer_units:
            if k == 0:
                rows = [row("y", unit_name("y", u, sample))]
            elif compact:
                rows = ([row("a′", unit_name("a_after", u, sample)),
                         row("y′", unit_name("y_after", u, sample))] if after else
                        [row("a", unit_name("a", u, sample)), row("y", unit_name("y", u, sample))])
                rows.append(row("δ", unit_name("delta", u, sample)))
                if network.biases:
                    text, value, changed = updated(unit_name("b", u), unit_name("b0", u))
                    biases.append(EdgeView("", u, text, changed, value))
            else:
                rows = [row("a", unit_name("a", u, sample)), row("y", unit_name("y", u, sample)),
                        row("δ", unit_name("delta", u, sample))]
                if network.biases:
                    text, _, changed = updated(unit_name("b", u), unit_name("b0", u))
                    rows.append(Row("b", text, changed))
                if after:
                    rows += [row("a′", unit_name("a_after", u, sample)),
                             row("y′", unit_name("y_after", u, sample))]
            if k == last:
                rows.append(row("t", unit_name("t", u, sample)))
            units.append(UnitView(u, tuple(rows), u in focus))
        heading = network.layer_names[k] or ("inputs" if k == 0 else "output layer" if k == last
                                             else f"hidden layer {k}")
        layers.append(LayerView(heading, network.activations[k - 1].name if k else "", tuple(units)))
    edges = []
    for k in range(1, len(network.units)):
        for src in network.units[k - 1]:
            for unit in network.units[k]:
                text, value, changed = updated(edge_name("w", src, unit), edge_name("w0", src, unit))
                edges.append(EdgeView(src, unit, text, changed, value))
    loss = [row("E", scalar_name("loss", sample))]
    if several:
        loss.append(row("E all", "loss"))
    if after or compact:
        loss.append(row("E′", scalar_name("loss_after", sample)))
        if several:
            loss.append(row("E′ all", "loss_after"))
    if compact:
        notes = [f"unit values of sample {sample} of {samples}"] if several else []
        if digits < precision:
            notes.append(f"rounded to {digits} significant digits")
        caption = " · ".join(notes)
    elif stage is None:
        caption = "before the step: inputs and initial weights"
    else:
        caption = f"stage {stage + 1} of {len(trace.stages)} · {trace.stages[stage].title}"
    if several and not compact:
        caption += f" · unit values of sample {sample} of {samples}"
    return NetworkView(network.title or printable(network.source), caption, tuple(layers), tuple(edges),
                       tuple(loss), tuple(biases))


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


def _crosses(box: Box, start: tuple[float, float], end: tuple[float, float]) -> bool:
    """Whether the segment start–end passes through ``box`` (Liang–Barsky clipping)."""
    (x1, y1), (x2, y2) = start, end
    dx, dy = x2 - x1, y2 - y1
    low, high = 0.0, 1.0
    for p, q in ((-dx, x1 - box[0]), (dx, box[0] + box[2] - x1),
                 (-dy, y1 - box[1]), (dy, box[1] + box[3] - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            low = max(low, r)
        else:
            high = min(high, r)
        if low > high:
            return False
    return True


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


@dataclass(frozen=True, slots=True)
class Layout:
    """Sizes of one picture, decided before anything is drawn."""

    box_w: float
    col_gap: float
    heights: tuple[float, ...]
    """Unit box height per layer (the most rows any stage shows)."""
    loss_h: float
    on_edges: bool
    """Weights written on their edges; else in matrices under the network."""
    cell_w: float
    matrices: bool
    """False when a weight matrix would be too big to draw (the note says so)."""


def _layout(view: NetworkView) -> Layout:
    """The widest text, the rows, and weights on the edges only when every label finds a place
    that no other edge crosses."""
    rows = [r for layer in view.layers for u in layer.units for r in u.rows] + list(view.loss)
    label_w = max(_text_width(r.label) for r in rows)
    value_w = max(_text_width(r.value) for r in rows)
    name_w = max(_text_width(u.name, 15) for layer in view.layers for u in layer.units)
    box_w = max(name_w + 2 * PAD, PAD + label_w + 10 + value_w + PAD, 90)
    layers = view.layers
    heights = tuple(HEAD_PX + ROW_PX * len(layer.units[0].rows) + PAD for layer in layers)
    loss_h = HEAD_PX + ROW_PX * len(view.loss) + PAD
    edge_w = max((_text_width(e.text) for e in view.edges), default=0)
    cell_w = max([edge_w + 14] + [_text_width(u.name, VALUE_PX) + 14 for layer in layers
                                  for u in layer.units])
    widest = max(len(layer.units) for layer in layers)
    small = widest <= MAX_MATRIX
    for gap in (edge_w + 60, (edge_w + 40) * 1.6, (edge_w + 40) * 2.2):
        trial = Layout(box_w, max(MIN_COL_GAP, gap), heights, loss_h, True, cell_w, small)
        boxes, _ = _boxes(layers, trial)
        if _edge_labels(view.edges, boxes) is not None:
            return trial
    return Layout(box_w, MIN_COL_GAP, heights, loss_h, False, cell_w, small)


TOP = MARGIN + 54 + 44
"""Top of the unit boxes: under the title, the caption and the layer headings."""


def _boxes(layers: tuple[LayerView, ...], layout: Layout) -> tuple[dict[str, Box], Box]:
    """Unit boxes in columns, centred on the tallest; the loss box under the output units."""
    col_h = [len(layer.units) * h + (len(layer.units) - 1) * V_GAP
             for layer, h in zip(layers, layout.heights, strict=True)]
    col_h[-1] += V_GAP + layout.loss_h
    tallest = max(col_h)
    boxes: dict[str, Box] = {}
    for k, layer in enumerate(layers):
        x = MARGIN + k * (layout.box_w + layout.col_gap)
        y = TOP + (tallest - col_h[k]) / 2
        for unit in layer.units:
            boxes[unit.name] = (x, y, layout.box_w, layout.heights[k])
            y += layout.heights[k] + V_GAP
    last = boxes[layers[-1].units[-1].name]
    return boxes, (last[0], last[1] + last[3] + V_GAP, layout.box_w, layout.loss_h)


PLACES = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.25, 0.75, 0.35, 0.65, 0.15, 0.85)
"""Where along an edge (0 = source, 1 = target) its label may go, in order of preference."""


def _edge_labels(edges: tuple[EdgeView, ...], boxes: dict[str, Box],
                 ) -> list[tuple[EdgeView, Box]] | None:
    """A place for every weight label on its own edge, overlapping no box or other label and
    crossed by no other edge; None when one label finds none (then all go into matrices)."""
    ends = [_edge_ends(e, boxes) for e in edges]
    taken: list[Box] = [(b[0] - 2, b[1] - 2, b[2] + 4, b[3] + 4) for b in boxes.values()]
    placed: list[tuple[EdgeView, Box]] = []
    for i, edge in enumerate(edges):
        (x1, y1), (x2, y2) = ends[i]
        w, h = _text_width(edge.text) + 10, 19
        for t in PLACES:
            cx, cy = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
            box = (cx - w / 2, cy - h / 2, w, h)
            clear = (not any(_overlaps(box, b) for b in taken)
                     and not any(_crosses(box, *other) for j, other in enumerate(ends) if j != i))
            if clear:
                taken.append(box)
                placed.append((edge, box))
                break
        else:
            return None
    return placed


def _heat(value: float, scale: float) -> str:
    """Cell colour: white at 0, towards blue for negative and orange for positive weights."""
    share = 0.0 if scale == 0 else min(1.0, abs(value) / scale) * 0.45
    target = (37, 99, 235) if value < 0 else (245, 158, 11)
    r, g, b = (round(255 + (c - 255) * share) for c in target)
    return f"#{r:02x}{g:02x}{b:02x}"


def _matrix_title(layer_from: LayerView, layer_to: LayerView) -> str:
    return f"weights {layer_from.heading} → {layer_to.heading}"


def _matrix_size(layer_from: LayerView, layer_to: LayerView, layout: Layout) -> tuple[float, float]:
    head_w = max(_text_width(u.name) for u in layer_from.units) + 16
    return (max(head_w + len(layer_to.units) * layout.cell_w,
                _text_width(_matrix_title(layer_from, layer_to))),
            20 + CELL_H * (len(layer_from.units) + 1))


def _flow(view: NetworkView, layout: Layout, width: float) -> list[tuple[float, float]]:
    """Top-left corner of each weight matrix: left to right, a new row when ``width`` is full."""
    corners, x, y, row_h = [], 0.0, 0.0, 0.0
    for before, after in pairwise(view.layers):
        w, h = _matrix_size(before, after, layout)
        if x and x + w > width:
            x, y, row_h = 0.0, y + row_h + 16, 0.0
        corners.append((x, y))
        x, row_h = x + w + 28, max(row_h, h)
    return corners


def _matrices_box(view: NetworkView, layout: Layout, width: float) -> tuple[float, float]:
    sizes = [_matrix_size(a, b, layout) for a, b in pairwise(view.layers)]
    corners = _flow(view, layout, width)
    return (max(x + w for (x, _), (w, _) in zip(corners, sizes, strict=True)),
            max(y + h for (_, y), (_, h) in zip(corners, sizes, strict=True)))


def _matrices(view: NetworkView, layout: Layout, x0: float, y0: float, width: float) -> list[str]:
    """Each layer's weights as a heat-map table: rows = source units, columns = target units."""
    out = []
    by_pair = {(e.source, e.target): e for e in view.edges}
    for (before, after), (dx, dy) in zip(pairwise(view.layers), _flow(view, layout, width),
                                         strict=True):
        x, top = x0 + dx, y0 + dy + 20
        head_w = max(_text_width(u.name) for u in before.units) + 16
        out.append(_text(x, top - 7, _matrix_title(before, after), size=VALUE_PX, weight="bold",
                         fill=BOX_EDGE))
        cells = [by_pair[s.name, t.name] for s in before.units for t in after.units]
        scale = max((abs(e.value) for e in cells), default=0.0)
        for j, unit in enumerate(after.units):
            out.append(_text(x + head_w + (j + 0.5) * layout.cell_w, top + 16, unit.name,
                             size=VALUE_PX, anchor="middle", weight="bold"))
        for i, src in enumerate(before.units):
            y = top + CELL_H * (i + 1)
            out.append(_text(x + head_w - 8, y + 16, src.name, size=VALUE_PX, anchor="end",
                             weight="bold"))
            for j, unit in enumerate(after.units):
                edge = by_pair[src.name, unit.name]
                box = (x + head_w + j * layout.cell_w, y, layout.cell_w, CELL_H)
                out.append(_rect(box, fill=_heat(edge.value, scale),
                                 stroke=CHANGED_EDGE if edge.changed else "#ffffff",
                                 width=2 if edge.changed else 1))
                out.append(_text(box[0] + box[2] / 2, y + 16, edge.text, size=VALUE_PX,
                                 anchor="middle", family=MONO, weight="bold" if edge.changed else ""))
    return out


def render_svg(view: NetworkView) -> str:
    """Lay the view out in columns and write it as a standalone SVG document."""
    layout = _layout(view)
    boxes, loss_box = _boxes(view.layers, layout)
    width = MARGIN + len(view.layers) * layout.box_w + (len(view.layers) - 1) * layout.col_gap + MARGIN
    bottom = max(b[1] + b[3] for b in (*boxes.values(), loss_box))
    note = ""
    matrix_y = bottom + 28
    network_w = max(width - 2 * MARGIN, MIN_FLOW)
    if not layout.on_edges and layout.matrices:
        matrix_w, matrix_h = _matrices_box(view, layout, network_w)
        width = max(width, MARGIN + matrix_w + MARGIN)
        bottom = matrix_y + matrix_h
    elif not layout.on_edges:
        note = "weights not drawn: too many to show (bpstep export lists them all)"
    legend_y = bottom + 30
    legend = _legend(max(width - 2 * MARGIN, MIN_FLOW))
    height = legend_y + legend[-1][1] + (44 if note else 20) + MARGIN
    labels = _edge_labels(view.edges, boxes) if layout.on_edges else None
    title = _title_lines(view.title, width - 2 * MARGIN)
    below = (len(title) - 1) * TITLE_LINE  # the picture moves down under a long title
    height += below

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}"'
           f' viewBox="0 0 {_n(width)} {_n(height)}" role="img">',
           f"<title>{escape(view.title + ' — ' + view.caption)}</title>",
           _rect((0, 0, width, height), fill="#ffffff")]
    out += [_text(MARGIN, MARGIN + 20 + i * TITLE_LINE, line, size=20, weight="bold")
            for i, line in enumerate(title)]
    out += [f'<g transform="translate(0 {_n(below)})">' if below else "<g>",
            _text(MARGIN, MARGIN + 46, view.caption, size=15, fill=BOX_EDGE)]
    for k, layer in enumerate(view.layers):
        cx = MARGIN + k * (layout.box_w + layout.col_gap) + layout.box_w / 2
        out.append(_text(cx, TOP - 24, layer.heading, size=14, anchor="middle", weight="bold"))
        if layer.activation:
            out.append(_text(cx, TOP - 8, layer.activation, size=VALUE_PX, anchor="middle",
                             fill=MUTED, italic=True))
    for edge in view.edges:
        out.append(_edge_line(edge, boxes))
    for edge, box in labels or ():
        out.append(_rect(box, fill=CHANGED_FILL if edge.changed else "#ffffff",
                         stroke=CHANGED_EDGE if edge.changed else "#d5dbe1", width=0.8, radius=3))
        out.append(_text(box[0] + box[2] / 2, box[1] + box[3] - 5, edge.text, size=VALUE_PX,
                         anchor="middle", family=MONO, weight="bold" if edge.changed else ""))
    for layer in view.layers:
        for unit in layer.units:
            out += _unit_box(unit.name, unit.rows, boxes[unit.name], unit.focus)
    out += _unit_box("loss", view.loss, loss_box, False)
    if not layout.on_edges and layout.matrices:
        out += _matrices(view, layout, MARGIN, matrix_y, network_w)
    out.append(_rect((MARGIN, legend_y - 11, 22, 14), fill=CHANGED_FILL, stroke=CHANGED_EDGE,
                     width=0.8, radius=2))
    for item, (x, dy) in zip(LEGEND, legend, strict=True):
        out.append(_text(MARGIN + x, legend_y + dy, item, size=VALUE_PX, fill=BOX_EDGE))
    if note:
        out.append(_text(MARGIN, legend_y + legend[-1][1] + 22, note, size=VALUE_PX, fill=MUTED,
                         italic=True))
    out += ["</g>", "</svg>"]
    return "\n".join(out) + "\n"


TITLE_LINE = 26
"""Between the lines of a title too long for one (a title may cite its source at length)."""


def _title_lines(title: str, width: float) -> list[str]:
    """The title in lines of at most ``width`` (at 20 px), broken between words."""
    import textwrap

    return textwrap.wrap(title, max(1, int(width / (20 * CHAR_EM)))) or [title]


def _legend(width: float) -> list[tuple[float, float]]:
    """Where each legend item goes (x, line offset), wrapped to ``width``."""
    places, x, y = [], 30.0, 0.0
    for item in LEGEND:
        w = _text_width(item, VALUE_PX)
        if x + w > width:
            x, y = 0.0, y + 20
        places.append((x, y))
        x += w + 26
    return places


def _edge_line(edge: EdgeView, boxes: dict[str, Box]) -> str:
    (x1, y1), (x2, y2) = _edge_ends(edge, boxes)
    colour, width = (CHANGED_EDGE, 2.4) if edge.changed else (EDGE, 1.2)
    return (f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{colour}"'
            f' stroke-width="{_n(width)}"/>')


def _edge_ends(edge: EdgeView, boxes: dict[str, Box]) -> tuple[tuple[float, float], tuple[float, float]]:
    sx, sy, sw, sh = boxes[edge.source]
    tx, ty, _, th = boxes[edge.target]
    return (sx + sw, sy + sh / 2), (tx, ty + th / 2)


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


class TooBigToDraw(UserError):
    """A network with a layer wider than MAX_DRAWN units: no page or screen could show it."""


def check_drawable(scenario: Scenario, what: str) -> None:
    """Refuse, before the step is run, a network whose picture could not be read; say which
    limit and what else shows the network. It takes the scenario, not a trace: the point is to
    refuse before a step of a network that large is run."""
    sizes = [len(layer.units) for layer in scenario.layers]
    widest = max(sizes)
    if widest > MAX_DRAWN:
        raise TooBigToDraw(
            f"{printable(scenario.source)}: the {'-'.join(map(str, sizes))} network is too big to "
            f"draw: {what} draws each layer as one column of unit boxes, at most {MAX_DRAWN} (a "
            f"column of {MAX_DRAWN} is about 8,000 px tall), and layers[{sizes.index(widest)}] has "
            f"{widest:,} units; its tables: bpstep run, or bpstep export -f markdown or -f latex")


def asked_diagram(trace: Trace, stage: int | None, *, precision: int) -> tuple[str, str]:
    """``bpstep diagram``'s picture at stage ``stage``, counted from 1 as "stage K of N" says
    (None: before the step), and what it shows; a stage the step does not have is refused."""
    count = len(trace.stages)
    if stage is None:
        return diagram_svg(trace, None, precision=precision), "before the step"
    if not 1 <= stage <= count:
        raise UserError(f"--stage {stage} is out of range: valid stages are 1 to {count} (or leave "
                        "--stage out for the network before the step)")
    return diagram_svg(trace, stage - 1, precision=precision), f"stage {stage} of {count}"


def diagram_svg(trace: Trace, stage: int | None = None, *, precision: int = 6) -> str:
    """The SVG document of the network at 0-based ``stage`` (None: before the step)."""
    return render_svg(network_view(trace, stage, precision=precision))


# --- the slideshow's grid ---

GRID_ROW = 17
"""Row pitch of the grid: tighter than a unit box's, as in a table of numbers."""
GRID_GAP = 4
"""Between the grid's columns."""
BAND_GAP = 10
"""Between one band (a layer's title, weights and values) and the next."""
TITLE_PX = 14
NAME_PX = 15
CELL_PAD = 5
"""Room on each side of a number in its cell."""
SLIDE_ASPECT = 1.05
"""Width over height of the diagram's box on a 1280×800 slide (773 × 726 px), a little less: a
narrower grid gets its legend and notes on fewer, longer lines up to this, at no cost in size."""
WHOLE_SLIDE = (1230.0, 690.0)
"""The diagram's box when it has a 1280×800 slide to itself: the folded grid is shaped for it."""
FOLD_GAP = 28
"""Between the two columns of a folded grid."""


@dataclass(frozen=True, slots=True)
class Grid:
    """Sizes shared by every slide of one network, so its pictures line up from slide to slide."""

    label_w: float
    cell_w: float
    """A unit's column in a layer's band."""
    input_w: float
    """An input's cell: its name and value."""
    loss_w: float
    """A loss cell: its symbol and value."""
    width: float
    flow: float
    """Width the legend and the notes wrap to."""
    notes: int
    """Lines of notes, the most any stage has."""
    tail_x: float | None = None
    """Where the loss, legend and notes start when they go beside the last layer (narrower than
    the rest, as an output layer of one or two units is) instead of under it."""
    fold: int = 0
    """Layer bands in the first of two columns (the rest, the loss, legend and notes in the
    second); 0: one column."""
    fold_x: float = 0.0
    """Left edge of the second column."""


TITLE_CHARS = 24
"""A layer's name longer than this is cut (``…``) on the grid: the slide's title has it whole."""
WIDE_LETTERS, NARROW_LETTERS = frozenset("mwMW@%"), frozenset("ijlrtfI1!|.,:;' ")


def _band_title(heading: str, room: float = float("inf"), after: str = "") -> str:
    """``heading`` cut (``…``) to TITLE_CHARS characters, and shorter while it and ``after``
    (set smaller, beside it) are wider than ``room``."""
    cut = heading if len(heading) <= TITLE_CHARS else heading[:TITLE_CHARS - 1] + "…"
    while len(cut) > 4 and _title_width(cut + " · ") + _text_width(after) > room:
        cut = cut[:-2] + "…"
    return cut


def _title_width(text: str) -> float:
    """Room for a bold title in the grid's sans-serif: a name of W's is three times as wide as
    one of i's, which one width per character (``_text_width``) misjudges."""
    return TITLE_PX * sum(1.05 if c in WIDE_LETTERS else 0.36 if c in NARROW_LETTERS
                          else 0.78 if c.isupper() else 0.64 for c in text)


def _pair_w(pairs: list[tuple[str, float, str]]) -> float:
    """Width of a cell holding a label (set at the given size) and a number."""
    return max(_text_width(label, px) + PAD + _text_width(value) for label, px, value in pairs) + 2 * CELL_PAD


def _grid(views: list[NetworkView]) -> Grid:
    """One grid for all ``views`` (stages of one network): the widest label, cell and title; the
    legend and notes on longer lines when the grid is narrower than a slide's box; the loss,
    legend and notes beside the last layer when they fit there and that makes the grid shorter
    (an output layer of one or two units under wider hidden layers), as a slide is height-bound."""
    first = views[0]
    inner = first.layers[1:]
    labels = [f"{u.name} →" for layer in first.layers[:-1] for u in layer.units]
    labels += ["bias →"] if first.biases else []
    labels += [r.label for v in views for layer in v.layers[1:] for r in layer.units[0].rows]
    label_w = max([_text_width(t) for t in labels]
                  + [_title_width(t) for t in (_band_title(first.layers[0].heading), "loss")])
    texts = [c.text for v in views for c in (*v.edges, *v.biases)]
    texts += [r.value for v in views for layer in v.layers[1:] for u in layer.units for r in u.rows]
    cell_w = max([_text_width(t) for t in texts]
                 + [_text_width(u.name, NAME_PX) for layer in inner for u in layer.units]) + 2 * CELL_PAD
    input_w = _pair_w([(u.name, NAME_PX, u.rows[0].value) for v in views for u in v.layers[0].units])
    loss_w = _pair_w([(r.label, VALUE_PX, r.value) for v in views for r in v.loss])
    columns = max([len(layer.units) * (cell_w + GRID_GAP) for layer in inner]
                  + [len(first.layers[0].units) * (input_w + GRID_GAP),
                     len(first.loss) * (loss_w + GRID_GAP)])
    titles = max(_title_width(f"{_band_title(layer.heading)} · {layer.activation}") for layer in inner)
    width = 2 * MARGIN + max(label_w + PAD + columns, titles)

    def flowing(flow: float, tail_x: float | None = None) -> Grid:
        notes = max(len(_caption_lines(v.caption, flow)) for v in views)
        return Grid(label_w, cell_w, input_w, loss_w, max(width, flow + 2 * MARGIN), flow, notes,
                    tail_x)

    grid = flowing(width - 2 * MARGIN)
    one_line = 30 + sum(_text_width(item) + 26 for item in LEGEND) - 26
    wide = min(one_line, SLIDE_ASPECT * _draw(first, grid)[1] - 2 * MARGIN)
    below = flowing(wide) if wide > grid.flow else grid
    tail_x = MARGIN + label_w + PAD + len(inner[-1].units) * (cell_w + GRID_GAP) + 2 * PAD
    room = width - MARGIN - tail_x
    need = max([_loss_x(0.0) + loss_w + GRID_GAP, 30 + _text_width(LEGEND[0])]
               + [_text_width(part) for v in views for part in v.caption.split(" · ") if v.caption])
    if room < need:
        return below
    beside = flowing(room, tail_x)
    return beside if _draw(first, beside)[1] < _draw(first, below)[1] else below


def _folded(views: list[NetworkView], grid: Grid) -> Grid:
    """``grid`` in two columns of bands, the loss, legend and notes under the second, folded
    where the picture comes out largest in a slide's whole box (``WHOLE_SLIDE``): a network of
    two or three layers of bands is taller than wide, and a slide is wider than tall. A layer's
    name is cut to its column's width rather than widen it."""
    first = views[0]
    inner = first.layers[1:]
    if len(inner) < 2:
        return grid
    cells = grid.label_w + PAD
    bands = [cells + len(layer.units) * (grid.cell_w + GRID_GAP) for layer in inner]
    inputs = cells + len(first.layers[0].units) * (grid.input_w + GRID_GAP)
    tail = max([cells + grid.loss_w + GRID_GAP, 30 + _text_width(LEGEND[0])]
               + [_text_width(item) for item in LEGEND]
               + [_text_width(part) for v in views for part in v.caption.split(" · ") if v.caption])
    best, best_scale = grid, 0.0
    for fold in range(1, len(inner)):
        left_w = max(inputs, *bands[:fold])
        right_w = max(tail, *bands[fold:])
        fold_x = MARGIN + left_w + FOLD_GAP
        notes = max(len(_caption_lines(v.caption, right_w)) for v in views)
        trial = Grid(grid.label_w, grid.cell_w, grid.input_w, grid.loss_w, fold_x + right_w + MARGIN,
                     right_w, notes, None, fold, fold_x)
        scale = min(WHOLE_SLIDE[0] / trial.width, WHOLE_SLIDE[1] / _draw(first, trial)[1])
        if scale > best_scale:
            best, best_scale = trial, scale
    return best


def _loss_x(x: float) -> float:
    """Where the loss cells start when the word "loss" is at ``x`` beside the last layer."""
    return x + _text_width("loss", TITLE_PX) + PAD


def _caption_lines(caption: str, width: float) -> list[str]:
    """The caption's parts (joined by ' · '), as many to a line as ``width`` holds."""
    lines: list[str] = []
    for part in caption.split(" · ") if caption else ():
        if lines and _text_width(lines[-1] + " · " + part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


def _highlight(x: float, top: float, w: float, row: Row) -> list[str]:
    """The mark of a number the stage computed, to go under its cell's text."""
    return [_rect((x + 2, top + 1, w - 4, GRID_ROW - 2), fill=CHANGED_FILL, stroke=CHANGED_EDGE,
                  width=0.8, radius=3)] if row.changed else []


def _cell(x: float, top: float, w: float, row: Row) -> list[str]:
    """A number at the right of its cell."""
    return [_text(x + w - CELL_PAD, top + 13, row.value, size=VALUE_PX, anchor="end",
                  family=MONO, weight="bold" if row.changed else "",
                  fill=MUTED if row.value == UNKNOWN else INK)]


def _card(x: float, top: float, w: float, height: float, focus: bool) -> str:
    return _rect((x, top, w, height), fill=BOX_FILL, stroke=FOCUS_EDGE if focus else BOX_EDGE,
                 width=2.6 if focus else 1.2, radius=6)


def _pair_row(title: str, cells: list[tuple[str, float, Row, bool]], w: float, y: float,
              x0: float, x_title: float = MARGIN) -> list[str]:
    """A one-line band: its title on the left, then a card per (label, size, number, focus)."""
    out = [_text(x_title, y + 14, title, size=TITLE_PX, weight="bold")] if title else []
    for j, (label, px, row, focus) in enumerate(cells):
        x = x0 + j * (w + GRID_GAP)
        out.append(_card(x, y - 2, w, GRID_ROW + 4, focus))
        out += _highlight(x, y, w, row)
        out.append(_text(x + CELL_PAD, y + 13, label, size=px, weight="bold" if px == NAME_PX else "",
                         italic=px != NAME_PX, fill=FOCUS_EDGE if focus else BOX_EDGE))
        out += _cell(x, y, w, row)
    return out


def _draw(view: NetworkView, grid: Grid) -> tuple[list[str], float]:
    """The grid's markup and its height: the inputs on one line; for every further layer a band
    with a column per unit, the weights and bias into it (heat-coloured, as they stand) above
    its values, the row labels once on the left; then the loss, the legend and the notes, under
    the last band or (``grid.tail_x``) beside it, the loss cells then on as many lines as fit.
    A folded grid (``grid.fold``) starts a second column of bands at ``grid.fold_x``."""
    left = MARGIN
    x0 = left + grid.label_w + PAD
    y = MARGIN
    inputs = view.layers[0]
    body = _pair_row(_band_title(inputs.heading),
                     [(u.name, NAME_PX, u.rows[0], u.focus) for u in inputs.units], grid.input_w, y, x0)
    y += GRID_ROW + BAND_GAP + 2
    first_column = 0.0
    weight = {(e.source, e.target): e for e in view.edges}
    bias = {b.target: b for b in view.biases}
    for k, (before, layer) in enumerate(pairwise(view.layers)):
        if grid.fold and k == grid.fold:
            first_column = y - BAND_GAP
            left, y = grid.fold_x, MARGIN
            x0 = left + grid.label_w + PAD
        band_top = y
        room = (grid.fold_x - FOLD_GAP if grid.fold and k < grid.fold else grid.width - MARGIN) - left
        title = _band_title(layer.heading, room, layer.activation)
        body.append(_text(left, y + 14, title, size=TITLE_PX, weight="bold"))
        body.append(_text(left + _title_width(title + " · "), y + 14,
                          layer.activation, size=VALUE_PX, fill=MUTED, italic=True))
        y += GRID_ROW + 2
        weights = [(f"{src.name} →", [weight[src.name, u.name] for u in layer.units])
                   for src in before.units]
        if bias:
            weights.append(("bias →", [bias[u.name] for u in layer.units]))
        values = [(r.label, [u.rows[i] for u in layer.units]) for i, r in enumerate(layer.units[0].rows)]
        scale = max(abs(e.value) for _, cells in weights for e in cells)
        height = GRID_ROW * (1 + len(weights) + len(values)) + 4
        for j, unit in enumerate(layer.units):
            x = x0 + j * (grid.cell_w + GRID_GAP)
            body.append(_card(x, y, grid.cell_w, height, unit.focus))
            body.append(_text(x + grid.cell_w / 2, y + 14, unit.name, size=NAME_PX, anchor="middle",
                              weight="bold", fill=FOCUS_EDGE if unit.focus else INK))
        for i, (label, edges) in enumerate(weights):
            top = y + GRID_ROW * (i + 1)
            body.append(_text(left + grid.label_w, top + 13, label, size=VALUE_PX, anchor="end",
                              weight="bold", fill=BOX_EDGE))
            for j, edge in enumerate(edges):
                x = x0 + j * (grid.cell_w + GRID_GAP)
                body.append(_rect((x + 2, top + 1, grid.cell_w - 4, GRID_ROW - 2),
                                  fill=_heat(edge.value, scale),
                                  stroke=CHANGED_EDGE if edge.changed else "none",
                                  width=1.6 if edge.changed else 0, radius=3))
                body += _cell(x, top, grid.cell_w, Row("", edge.text, edge.changed))
        for i, (label, cells) in enumerate(values, start=len(weights) + 1):
            top = y + GRID_ROW * i
            body.append(_text(left + grid.label_w, top + 13, label, size=VALUE_PX, anchor="end",
                              italic=True, fill=BOX_EDGE))
            for j, cell in enumerate(cells):
                x = x0 + j * (grid.cell_w + GRID_GAP)
                body += _highlight(x, top, grid.cell_w, cell) + _cell(x, top, grid.cell_w, cell)
        y += height + BAND_GAP
    if grid.tail_x is None:
        tail_y, cells_x = y, x0
    else:  # level with the last layer's cards (band_top is the last band's, after the loop)
        left, tail_y, cells_x = grid.tail_x, band_top + GRID_ROW + 2, _loss_x(grid.tail_x)
    cells = [(r.label, VALUE_PX, r, False) for r in view.loss]
    per_line = max(1, int((grid.width - MARGIN - cells_x + GRID_GAP) // (grid.loss_w + GRID_GAP)))
    for k in range(0, len(cells), per_line):  # beside a narrow layer, as many lines as it takes
        body += _pair_row("" if k else "loss", cells[k:k + per_line], grid.loss_w, tail_y + 2,
                          cells_x, left)
        tail_y += GRID_ROW + 8
    tail_y += BAND_GAP + 9
    legend = _legend(grid.flow)
    body.append(_rect((left, tail_y - 11, 22, 14), fill=CHANGED_FILL, stroke=CHANGED_EDGE,
                      width=0.8, radius=2))
    for item, (x, dy) in zip(LEGEND, legend, strict=True):
        body.append(_text(left + x, tail_y + dy, item, size=VALUE_PX, fill=BOX_EDGE))
    tail_y += legend[-1][1]
    for line in _caption_lines(view.caption, grid.flow):
        tail_y += 20
        body.append(_text(left, tail_y, line, size=VALUE_PX, fill=BOX_EDGE, italic=True))
    tail_y += 20 * (grid.notes - len(_caption_lines(view.caption, grid.flow))) + 5
    return body, max(tail_y, y - BAND_GAP, first_column) + MARGIN


def render_grid(view: NetworkView, grid: Grid) -> str:
    """The view as the slideshow's grid (``_draw``), a standalone SVG document."""
    body, height = _draw(view, grid)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(grid.width)}" height="{_n(height)}"'
            f' viewBox="0 0 {_n(grid.width)} {_n(height)}" role="img">')
    title = " — ".join(t for t in (view.title, view.caption) if t)
    return "\n".join([head, f"<title>{escape(title)}</title>",
                      _rect((0, 0, grid.width, height), fill="#ffffff"), *body, "</svg>"]) + "\n"


def stage_svgs(trace: Trace, *, precision: int = 6,
               folded: bool = False) -> tuple[str, ...]:
    """Every stage's grid, all of one size with the units in one place, so that paging through
    slides does not make the network jump, and compact, so the text stays large on a projector.
    ``folded``: the grid for a slide of its own, in two columns where that makes it larger."""
    views = [network_view(trace, i, precision=precision, compact=True)
             for i in range(len(trace.stages))]
    grid = _grid(views)
    if folded:
        grid = _folded(views, grid)
    return tuple(render_grid(v, grid) for v in views)
