"""A computational graph as an SVG picture in bpstep's look (the colours and fonts of the network
diagram), for slides: values flow left to right, every box says what it is, its value and the
gradient flowing into it, in type big enough for the back of a lecture hall.

Layered: a node's column is one right of its highest input (a given value sits right before its
first user), so the inputs are on the left and the root on the right; within a column the nodes
keep the order a walk from the root meets them, so a rule's parts stay together. Shaped for a 16:9
slide (``SLIDE``): a chain too long wraps, its columns going into bands one under the other, and a
column too tall goes on in a second beside it, no more of either than the picture needs to be
shown large enough (``ENOUGH``). An edge that goes on in a later band runs down the gap after its
node's column, along the gap above that band and into its node from the left. The output is
deterministic (no ids, no timestamps) so it diffs well.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpstep.escaping import xml_text as escape
from bpstep.export.svg_diagram import BOX_EDGE, BOX_FILL, CHANGED_EDGE, CHANGED_FILL, EDGE, INK, MONO, MUTED
from bpstep.graph import Graph
from bpstep.numbers import DEFAULT_PRECISION, fmt
from bpstep.render.graph import grad_symbol, node_head

FONT_PX = 18
"""Node text: readable on a projector when the picture fills the screen."""
SMALL_PX = 16
CHAR = 0.62
LINE = 24
PAD = 10
COL_GAP = 48
ROW_GAP = 18
MARGIN = 24


def _columns(graph: Graph) -> list[int]:
    """One column right of the highest input; a given value right before its first user."""
    column: list[int] = []
    for node in graph.nodes:
        column.append(1 + max((column[i] for i in node.inputs), default=-1))
    users: dict[int, int] = {}
    for i, node in enumerate(graph.nodes):
        for j in node.inputs:
            if not graph.nodes[j].inputs:
                users[j] = min(users.get(j, column[i]), column[i])
    for j, first in users.items():
        column[j] = first - 1
    return column


def _order(graph: Graph) -> list[int]:
    """Nodes in the order a depth-first walk from the root meets them."""
    seen: dict[int, None] = {}
    stack = [len(graph.nodes) - 1]
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen[i] = None
        stack.extend(reversed(graph.nodes[i].inputs))
    return list(seen)


SLIDE = (1920, 1080)
"""The slide the picture is shaped for."""
BAND_GAP = 56
"""Between two bands of a wrapped picture: room for the edges that go on in the next."""
TITLE_H = 40
ENOUGH = 0.875
"""Shown this large on the slide, the 16 px text is 14 px: enough, so no more wrapping or
splitting than that takes (each makes the graph harder to follow)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """Where every box goes: its slot (a column on the page) and row; slots wrap into bands."""

    slot: dict[int, int]
    row: dict[int, int]
    per: int
    """Slots in a band."""
    slot_w: list[float]
    band_rows: list[int]
    width: float
    height: float

    def x(self, slot: int) -> float:
        k = slot % self.per
        return MARGIN + sum(self.slot_w[:k]) + COL_GAP * k

    def band_top(self, band: int, box_h: float) -> float:
        return (MARGIN + TITLE_H + sum(n * (box_h + ROW_GAP) - ROW_GAP for n in self.band_rows[:band])
                + BAND_GAP * band)


def _layout(graph: Graph, widths: list[float], box_h: float) -> Layout:
    """The layered picture shaped for ``SLIDE``: a column of more than ``most`` boxes goes on in
    the slot beside it, and the slots wrap into bands. The first way, from no split and one band
    on, that shows the picture at least ``ENOUGH`` times its size; else the one that shows it
    largest."""
    column = _columns(graph)
    order = _order(graph)
    counts: dict[int, int] = {}
    for c in column:
        counts[c] = counts.get(c, 0) + 1
    layers = max(column) + 1
    best: tuple[float, Layout] | None = None
    for most in sorted({-(-max(counts.values()) // k) for k in range(1, max(counts.values()) + 1)},
                       reverse=True):
        first = [0] * (layers + 1)
        for c in range(layers):
            first[c + 1] = first[c] + -(-counts.get(c, 0) // most)
        seen: dict[int, int] = {}
        slot, row = {}, {}
        for i in order:
            k = seen.get(column[i], 0)
            slot[i], row[i] = first[column[i]] + k // most, k % most
            seen[column[i]] = k + 1
        slots = first[-1]
        for bands in range(1, slots + 1):
            per = -(-slots // bands)
            if bands > 1 and -(-slots // (bands - 1)) == per:
                continue  # the same as one band fewer
            slot_w = [0.0] * per
            band_rows = [0] * -(-slots // per)
            for i in slot:
                slot_w[slot[i] % per] = max(slot_w[slot[i] % per], widths[i])
                band_rows[slot[i] // per] = max(band_rows[slot[i] // per], row[i] + 1)
            trial = Layout(slot, row, per, slot_w, band_rows, 0.0, 0.0)
            width = trial.x(per - 1) + slot_w[-1] + MARGIN
            height = trial.band_top(len(band_rows), box_h) - BAND_GAP + MARGIN
            scale = min(SLIDE[0] / width, SLIDE[1] / height)
            if scale >= ENOUGH:
                return Layout(slot, row, per, slot_w, band_rows, width, height)
            if best is None or scale > best[0] + 1e-9:
                best = (scale, Layout(slot, row, per, slot_w, band_rows, width, height))
    assert best is not None
    return best[1]


def graph_svg(graph: Graph, precision: int = DEFAULT_PRECISION) -> str:
    """The whole picture as an SVG document."""
    symbol = grad_symbol(graph)
    texts = [(node_head(n), f"value {fmt(n.value, precision)}", f"{symbol} {fmt(n.grad, precision)}")
             for n in graph.nodes]
    widths = [PAD * 2 + CHAR * max(len(head) * FONT_PX, len(value) * SMALL_PX, len(grad) * SMALL_PX)
              for head, value, grad in texts]
    height = PAD * 2 + LINE * 3
    lay = _layout(graph, widths, height)
    place = {i: (lay.x(s), lay.band_top(s // lay.per, height) + lay.row[i] * (height + ROW_GAP))
             for i, s in lay.slot.items()}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" '
           f'width="{lay.width:.0f}" height="{lay.height:.0f}" font-family="{escape(MONO)}">',
           '<rect width="100%" height="100%" fill="#ffffff"/>',
           f'<text x="{MARGIN}" y="{MARGIN + 16}" font-size="{FONT_PX + 4}" fill="{INK}" '
           f'font-weight="bold">{escape(f"computational graph of {graph.root_name}")}</text>']
    for i, node in enumerate(graph.nodes):
        band = lay.slot[i] // lay.per
        for j in node.inputs:
            gap = lay.x(lay.slot[j]) + lay.slot_w[lay.slot[j] % lay.per] + COL_GAP / 2
            out.append(_edge(place[j], widths[j], place[i], height, lay.slot[j] // lay.per < band,
                             gap, lay.band_top(band, height) - BAND_GAP / 2))
    root = len(graph.nodes) - 1
    for i, lines in enumerate(texts):
        x, y = place[i]
        fill, edge = (CHANGED_FILL, CHANGED_EDGE) if i == root else (BOX_FILL, BOX_EDGE)
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{widths[i]:.1f}" height="{height}" '
                   f'rx="8" fill="{fill}" stroke="{edge}" stroke-width="2"/>')
        for n, (text, size, colour) in enumerate(zip(lines, (FONT_PX, SMALL_PX, SMALL_PX),
                                                     (INK, INK, MUTED), strict=True)):
            out.append(f'<text x="{x + PAD:.1f}" y="{y + PAD + LINE * (n + 1) - 6:.1f}" '
                       f'font-size="{size}" fill="{colour}">{escape(text)}</text>')
    return "\n".join([*out, "</svg>"]) + "\n"


def _edge(start: tuple[float, float], start_w: float, end: tuple[float, float], height: float,
          wraps: bool, down_x: float, across_y: float) -> str:
    """From the right of an input's box to the left of its user's: a curve within a band; to a
    later band, down the gap after the input's column (``down_x``), left along the gap above the
    user's band (``across_y``) and down into the user from the left."""
    x1, y1 = start[0] + start_w, start[1] + height / 2
    x2, y2 = end[0], end[1] + height / 2
    if not wraps:
        mid = (x1 + x2) / 2
        path = f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    else:
        left = x2 - COL_GAP / 2
        path = (f"M{x1:.1f},{y1:.1f} H{down_x:.1f} V{across_y:.1f} H{left:.1f} V{y2:.1f} "
                f"H{x2:.1f}")
    return f'<path d="{path}" fill="none" stroke="{EDGE}" stroke-width="2"/>'
