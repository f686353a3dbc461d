"""A line chart as a standalone SVG file, written by hand: no plotting library needed.

Axes carry ticks at round numbers (1, 2 or 5 × 10^k) with labels, and titles for both axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bpstep.escaping import printable
from bpstep.escaping import xml_text as escape
from bpstep.numbers import fmt

if TYPE_CHECKING:
    from bpstep.scenario import Scenario
    from bpstep.train import TrainResult

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 78, 24, 44, 56
"""Margins around the plot area, room for tick labels and axis titles."""
FONT = "font-family='Helvetica, Arial, sans-serif' font-size='12' fill='#333'"
TITLE_FONT = "font-family='Helvetica, Arial, sans-serif' font-size='15' fill='#333'"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high]."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


def line_chart_svg(xs: Sequence[float], ys: Sequence[float], *, title: str, x_label: str,
                   y_label: str) -> str:
    """An SVG document plotting ys against xs with labelled axes (non-finite points skipped)."""
    points = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True) if math.isfinite(y)]
    x_low = min((x for x, _ in points), default=0.0)
    x_high = max((x for x, _ in points), default=1.0)
    y_low = min(0.0, min((y for _, y in points), default=0.0))
    y_high = max((y for _, y in points), default=1.0)
    x_ticks = nice_ticks(x_low, x_high)
    y_ticks = nice_ticks(y_low, y_high)
    x_low, x_high = min(x_low, x_ticks[0]), max(x_high, x_ticks[-1])
    y_low, y_high = min(y_low, y_ticks[0]), max(y_high, y_ticks[-1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (x - x_low) / ((x_high - x_low) or 1.0) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - (y - y_low) / ((y_high - y_low) or 1.0) * plot_h

    bottom, right = TOP + plot_h, LEFT + plot_w
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}' "
           f"viewBox='0 0 {WIDTH} {HEIGHT}'>",
           f"<rect width='{WIDTH}' height='{HEIGHT}' fill='white'/>",
           f"<text x='{WIDTH / 2:.1f}' y='24' text-anchor='middle' {TITLE_FONT}>"
           f"{escape(title)}</text>"]
    for x in x_ticks:
        out.append(f"<line x1='{px(x):.1f}' y1='{TOP}' x2='{px(x):.1f}' y2='{bottom}' "
                   "stroke='#eee'/>")
        out.append(f"<text x='{px(x):.1f}' y='{bottom + 18}' text-anchor='middle' {FONT}>"
                   f"{escape(fmt(x, 6))}</text>")
    for y in y_ticks:
        out.append(f"<line x1='{LEFT}' y1='{py(y):.1f}' x2='{right}' y2='{py(y):.1f}' "
                   "stroke='#eee'/>")
        out.append(f"<text x='{LEFT - 8}' y='{py(y) + 4:.1f}' text-anchor='end' {FONT}>"
                   f"{escape(fmt(y, 4))}</text>")
    out.append(f"<polyline points='{LEFT},{TOP} {LEFT},{bottom} {right},{bottom}' fill='none' "
               "stroke='#333'/>")
    out.append(f"<text x='{LEFT + plot_w / 2:.1f}' y='{HEIGHT - 14}' text-anchor='middle' {FONT}>"
               f"{escape(x_label)}</text>")
    out.append(f"<text x='18' y='{TOP + plot_h / 2:.1f}' text-anchor='middle' {FONT} "
               f"transform='rotate(-90 18 {TOP + plot_h / 2:.1f})'>{escape(y_label)}</text>")
    if points:
        path = " ".join(f"{px(x):.2f},{py(y):.2f}" for x, y in points)
        out.append(f"<polyline points='{path}' fill='none' stroke='#1f77b4' stroke-width='2'/>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def loss_curve_svg(scenario: Scenario, result: TrainResult, name: str) -> str:
    """``bpstep train --plot``: the loss over the epochs trained, titled by the scenario (else
    ``name``, its file's) and labelled with which loss it is."""
    title = f"{scenario.title or printable(name)}: loss over {result.epochs} epochs"
    return line_chart_svg([e for e, _ in result.history], [v for _, v in result.history],
                          title=title, x_label="epoch",
                          y_label=f"loss ({scenario.loss}, {scenario.reduction})")
