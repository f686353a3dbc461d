"""A computational graph as an SVG picture in bpstep's look (the colours and fonts of the network
diagram), for slides: values flow left to right, every box says what it is, its value and the
gradient flowing into it, in type big enough for the back of a lecture hall.

Columns are heights above the givens (a node sits one column right of its highest input);
within a column the nodes keep the order a walk from the root meets them, so a rule's parts stay
together. The output is deterministic (no ids, no timestamps) so it diffs well.
"""

from __future__ import annotations

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
COL_GAP = 60
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


def graph_svg(graph: Graph, precision: int = DEFAULT_PRECISION) -> str:
    """The whole picture as an SVG document."""
    symbol = grad_symbol(graph)
    texts = [(node_head(n), f"value {fmt(n.value, precision)}", f"{symbol} {fmt(n.grad, precision)}")
             for n in graph.nodes]
    widths = [PAD * 2 + CHAR * FONT_PX * max(len(t) for t in lines) for lines in texts]
    height = PAD * 2 + LINE * 3
    column = _columns(graph)
    col_width = [0.0] * (max(column) + 1)
    for i, c in enumerate(column):
        col_width[c] = max(col_width[c], widths[i])
    col_x = [MARGIN + sum(col_width[:c]) + COL_GAP * c for c in range(len(col_width))]
    filled = [0] * len(col_width)
    place: dict[int, tuple[float, float]] = {}
    for i in _order(graph):
        c = column[i]
        place[i] = (col_x[c], MARGIN + 40 + filled[c] * (height + ROW_GAP))
        filled[c] += 1
    total_w = col_x[-1] + col_width[-1] + MARGIN
    total_h = MARGIN + 40 + max(filled) * (height + ROW_GAP) + MARGIN
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total_w:.0f} {total_h:.0f}" '
           f'width="{total_w:.0f}" height="{total_h:.0f}" font-family="{escape(MONO)}">',
           '<rect width="100%" height="100%" fill="#ffffff"/>',
           f'<text x="{MARGIN}" y="{MARGIN + 16}" font-size="{FONT_PX + 4}" fill="{INK}" '
           f'font-weight="bold">{escape(f"computational graph of {graph.root_name}")}</text>']
    for i, node in enumerate(graph.nodes):
        x, y = place[i]
        for j in node.inputs:
            jx, jy = place[j]
            x1, y1, y2 = jx + widths[j], jy + height / 2, y + height / 2
            mid = (x1 + x) / 2
            out.append(f'<path d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} '
                       f'{x:.1f},{y2:.1f}" fill="none" stroke="{EDGE}" stroke-width="2"/>')
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
