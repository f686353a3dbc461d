"""The worked solution as one self-contained HTML file that is also an offline slideshow.

Every stage is a ``<section class="slide stage">`` with its diagram (inline SVG), its table and,
with ``explain``, its formulas. Without JavaScript (or when printed) all sections show one after
another; with it, one shows at a time: ←/→ (also PageUp/PageDown, Space), Home/End and the
on-screen buttons move, the bar and ``stage K of N`` show progress, ``#stage-K`` links to a stage.
No external URL appears anywhere, so the file works from a USB stick in a lecture hall.

On screen every slide fits the window: the diagram fills a box that is the same on every stage
(all pictures share one size), and the values beside it are split into parts, measured in the
browser, that the same keys step through (``stage 7 of 8 · part 2 of 3``), a long table by its
rows with its header in every part; nothing scrolls and nothing is hidden.
"""

from __future__ import annotations

import re
from html import escape

from bpstep.export.worked import StagePage, Table, Worked

CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d5dbe1; --accent: #2563eb; --bg: #ffffff;
        --nav: 3.2rem; --side: clamp(300px, 34vw, 620px); }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.5 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif;
       color: var(--ink); background: var(--bg); }
main { max-width: 1200px; margin: 0 auto; padding: 1.5rem 2rem 5rem; }
h1 { font-size: 1.8rem; margin: 0 0 .3rem; }
h2 { font-size: 1.35rem; margin: 0 0 1rem; }
h2 .count { color: var(--muted); font-weight: normal; }
.slide { padding: 1rem 0 2rem; border-bottom: 1px solid var(--line); }
.stage-body { display: flex; flex-wrap: wrap; gap: 1.5rem 2.5rem; align-items: flex-start; }
.diagram { flex: 1 1 520px; max-width: 820px; min-width: 0; }
.diagram svg { width: 100%; height: auto; }
.values { flex: 0 1 auto; }
table { border-collapse: collapse; margin: 0 0 1rem; }
th, td { padding: .2rem .8rem; border-bottom: 1px solid var(--line); }
th { text-align: left; background: #f5f7fa; }
td.num { text-align: right; font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
ol.formulas { padding-left: 1.2rem; margin: 0; }
pre.matrix { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; line-height: 1.2; }
ol.formulas li { margin: 0 0 .7rem; }
code { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: .92em; }
.rule { color: var(--muted); display: block; }
.numbers { display: block; }
.note { color: var(--muted); }
nav.controls { display: none; }
body.slideshow { overflow: hidden; }
body.slideshow main { max-width: none; height: calc(100vh - var(--nav)); padding: 0 1.5rem; }
body.slideshow .slide[hidden], body.slideshow .part-hidden { display: none; }
body.slideshow .slide { border: none; height: 100%; padding: .8rem 0 .6rem; display: flex;
  flex-direction: column; }
body.slideshow .slide h2 { margin: 0 0 .5rem; }
body.slideshow .stage-body { flex: 1; min-height: 0; flex-wrap: nowrap; gap: 1.5rem;
  align-items: stretch; }
body.slideshow .diagram { flex: 1 1 0; max-width: none; min-width: 0; }
body.slideshow .diagram svg { display: block; width: 100%; height: 100%; }
body.slideshow .slide.pictured:not([hidden]) { display: grid; grid-template-rows: auto 1fr;
  grid-template-columns: minmax(0, 1fr) var(--side); column-gap: 1.5rem; }
body.slideshow .pictured:not([hidden]) .stage-body { display: contents; }
body.slideshow .pictured .diagram { grid-area: 1 / 1 / 3 / 2; }
body.slideshow .pictured h2 { grid-area: 1 / 2 / 2 / 3; min-width: 0; overflow-wrap: anywhere; }
body.slideshow .pictured .values { grid-area: 2 / 2 / 3 / 3; }
body.slideshow .values { flex: 0 0 var(--side); min-width: 0; min-height: 0;
  overflow: hidden; }
body.slideshow .values.wide { flex: 1; }
body.slideshow .fill { flex: 1; min-height: 0; overflow: hidden; }
body.slideshow table { margin-bottom: .7rem; }
body.slideshow ol.formulas { padding-left: 2rem; }
body.slideshow ol.formulas li { overflow-wrap: anywhere; }
.q { white-space: nowrap; }
body.slideshow th, body.slideshow td { white-space: nowrap; }
body.slideshow nav.controls { display: flex; position: fixed; left: 0; right: 0; bottom: 0;
  height: var(--nav); align-items: center; gap: 1rem; padding: 0 1.5rem; background: #f5f7fa;
  border-top: 1px solid var(--line); }
@media (max-width: 1100px) { body.slideshow { font-size: 15px; }
  body.slideshow .slide h2 { line-height: 1.5; }
  body.slideshow th, body.slideshow td { padding: .15rem .5rem; } }
nav.controls button { font: inherit; padding: .3rem 1rem; border: 1px solid var(--line);
  border-radius: 6px; background: #fff; cursor: pointer; }
nav.controls button:disabled { opacity: .4; cursor: default; }
nav.controls button:focus-visible { outline: 3px solid var(--accent); }
.progress { flex: 1; height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; }
.progress div { height: 100%; width: 0; background: var(--accent); }
#where { min-width: 14rem; text-align: right; color: var(--muted); }
@media print {
  body.slideshow .slide[hidden] { display: block; }
  body.slideshow main, body.slideshow .slide { height: auto; }
  body.slideshow .part-hidden { display: revert; }
  body.slideshow nav.controls { display: none; }
  .slide { break-after: page; }
}
"""

SCRIPT = """
(function () {
  var slides = Array.prototype.slice.call(document.querySelectorAll('.slide'));
  var where = document.getElementById('where');
  var bar = document.getElementById('bar');
  var prev = document.getElementById('prev');
  var next = document.getElementById('next');
  var current = 0, part = 0, parts = [[]];
  function blocks(slide) {
    /* What a part is made of: a table's rows, a list's items, any other child of the values. */
    var box = slide.querySelector('.values'), out = [];
    if (!box) { return out; }
    Array.prototype.forEach.call(box.children, function (c) {
      if (c.tagName === 'OL') { Array.prototype.push.apply(out, c.children); }
      else if (c.tagName === 'TABLE') { Array.prototype.push.apply(out, c.tBodies[0].rows); }
      else { out.push(c); }
    });
    return out;
  }
  function outer(el) {
    var style = getComputedStyle(el);
    return el.getBoundingClientRect().height + parseFloat(style.marginTop) +
      parseFloat(style.marginBottom);
  }
  function split(slide) {
    /* Greedy: as many blocks as the values box holds. A table's head comes again in every
       part that shows some of its rows; a heading stays with the first row after it. */
    var box = slide.querySelector('.values');
    var all = blocks(slide);
    if (!box) { return [[]]; }
    box.style.fontSize = '';
    all.forEach(function (b) { b.classList.remove('part-hidden'); });
    Array.prototype.forEach.call(box.querySelectorAll('table'), function (t) {
      t.classList.remove('part-hidden');
    });
    var room = box.clientHeight - 4, out = [[]], used = 0, table = null;
    function cost(b, open) {
      var h = outer(b) + (b.tagName === 'LI' && b === b.parentNode.firstElementChild ? 8 : 0);
      var t = b.closest('table');
      return t && t !== open ? h + outer(t) - t.tBodies[0].getBoundingClientRect().height : h;
    }
    all.forEach(function (b, i) {
      var h = cost(b, table), next = all[i + 1];
      var keep = b.tagName === 'H3' && next ? cost(next, null) : 0;
      if (used + h + keep > room && out[out.length - 1].length) {
        out.push([]); used = 0; table = null; h = cost(b, null);
      }
      out[out.length - 1].push(b);
      used += h;
      table = b.closest('table');
    });
    return out;
  }
  function fit(slide) {
    /* A block taller or wider than the box on its own is set smaller, never cut. */
    var box = slide.querySelector('.values');
    if (!box) { return; }
    var size = parseFloat(getComputedStyle(box).fontSize);
    while ((box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1) &&
           size > 6) {
      size -= 0.5;
      box.style.fontSize = size + 'px';
    }
  }
  function render() {
    var slide = slides[current];
    blocks(slide).forEach(function (b) {
      b.classList.toggle('part-hidden', parts[part].indexOf(b) < 0);
    });
    Array.prototype.forEach.call(slide.querySelectorAll('.values table'), function (t) {
      t.classList.toggle('part-hidden', !t.querySelector('tbody tr:not(.part-hidden)'));
    });
    fit(slide);
    var label = slide.getAttribute('data-label');
    if (parts.length > 1) { label += ' · part ' + (part + 1) + ' of ' + parts.length; }
    where.textContent = label;
    bar.style.width = (100 * current / Math.max(1, slides.length - 1)) + '%';
    prev.disabled = current === 0 && part === 0;
    next.disabled = current === slides.length - 1 && part === parts.length - 1;
  }
  function show(n, last) {
    current = Math.max(0, Math.min(slides.length - 1, n));
    slides.forEach(function (s, k) { s.hidden = k !== current; });
    parts = split(slides[current]);
    part = last ? parts.length - 1 : 0;
    render();
    try { history.replaceState(null, '', '#' + slides[current].id); } catch (e) { /* file: URL */ }
    window.scrollTo(0, 0);
  }
  function step(by) {
    if (part + by >= 0 && part + by < parts.length) { part += by; render(); }
    else if (current + by >= 0 && current + by < slides.length) { show(current + by, by < 0); }
  }
  var keys = { ArrowRight: 1, PageDown: 1, ' ': 1, ArrowLeft: -1, PageUp: -1 };
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key in keys) { step(keys[e.key]); }
    else if (e.key === 'Home') { show(0); }
    else if (e.key === 'End') { show(slides.length - 1); }
    else { return; }
    e.preventDefault();
  });
  prev.addEventListener('click', function () { step(-1); });
  next.addEventListener('click', function () { step(1); });
  window.addEventListener('resize', function () { show(current); });
  document.body.classList.add('slideshow');
  var start = slides.findIndex(function (s) { return '#' + s.id === location.hash; });
  show(start < 0 ? 0 : start);
})();
"""


QUANTITY = re.compile(r"\w+(?:\[[^\[\]\s]+\](?:@\d+)?|@\d+)")
"""A quantity's name in a formula (``w0[h1->g1]``, ``delta[g1]@3``, ``loss@2``): a line may
break around it, never inside it, where ``->`` or ``[`` would be a tempting place."""
UNBROKEN = 32
"""A longer name (units may have names of 64 characters) may break, or it would not fit."""


def _unbroken_names(text: str) -> str:
    """``text`` escaped, each quantity name of up to UNBROKEN characters kept on one line."""
    out, end = [], 0
    for found in QUANTITY.finditer(text):
        if len(found.group()) <= UNBROKEN:
            out += [escape(text[end:found.start()]), f'<span class="q">{escape(found.group())}</span>']
            end = found.end()
    return "".join(out) + escape(text[end:])


def _table(table: Table, numeric: bool = True) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    cls = ' class="num"' if numeric else ""
    rows = "".join("<tr><th>" + escape(row[0]) + "</th>"
                   + "".join(f"<td{cls}>{escape(c)}</td>" for c in row[1:]) + "</tr>\n"
                   for row in table.rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n"


def _matrices(page: StagePage, precision: int) -> str:
    """The stage's matrix equations as the terminal lays them out (``--view matrix|both``)."""
    if page.matrices is None:
        return ""
    from bpstep.render.matrix import stage_lines

    note = f'<p class="note">{escape(page.matrices.note)}</p>\n' if page.matrices.note else ""
    body = "\n\n".join("\n".join(b.lines) for b in stage_lines(page.matrices, precision))
    return f'{note}<pre class="matrix">{escape(body)}</pre>\n'


def to_html(worked: Worked, diagrams: tuple[str, ...] = ()) -> str:
    """The slideshow; ``diagrams[i]`` (an SVG document, optional) goes on the slide of stage i+1."""
    n = len(worked.stages)
    slides = []
    given = "".join(f"<h3>{escape(caption[:1].upper() + caption[1:])}</h3>\n{_table(table)}"
                    for caption, table in worked.given)
    level = ("every formula, first in names, then with the numbers put in"
             if worked.explain else
             "the values of each stage (export with --explain for every formula)")
    slides.append(
        '<section class="slide overview" id="overview" data-label="overview">\n'
        f"<h1>{escape(worked.title)}</h1>\n"
        '<div class="values wide fill">\n'
        f'<p class="note">One training step of backpropagation in {n} stages, from '
        f"<code>{escape(worked.source)}</code>; this walkthrough shows {escape(level)}. "
        "Keys: → or Space next, ← back, Home first, End last.</p>\n"
        f"{_table(Table(('setting', 'value'), worked.settings), numeric=False)}{given}</div>\n"
        "</section>\n")
    for i, page in enumerate(worked.stages):
        figure = (f'<div class="diagram">\n{diagrams[i]}</div>\n' if i < len(diagrams) else "")
        formulas = ""
        if page.formulas:
            items = "".join(
                f'<li><code class="rule">{_unbroken_names(f.rule)}</code>'
                f'<code class="numbers">= {escape(f.substituted)}</code></li>\n'
                for f in page.formulas)
            formulas = f'<ol class="formulas">\n{items}</ol>\n'
        title = page.heading.split(" · ", 1)[1] if " · " in page.heading else page.heading
        slides.append(
            f'<section class="slide stage {escape(page.phase)}{" pictured" if figure else ""}"'
            f' id="stage-{page.number}"'
            f' data-label="stage {page.number} of {n}">\n'
            f'<h2><span class="count">stage {page.number} of {n} ·</span> {escape(title)}</h2>\n'
            f'<div class="stage-body">\n{figure}<div class="values">\n'
            f'{_table(page.table) if page.show_table else ""}{_matrices(page, worked.precision)}'
            f"{formulas}</div>\n</div>\n</section>\n")
    summary = Table(("", "loss"), (("before the step", worked.loss_before),
                                   ("after the step", worked.loss_after),
                                   ("change", worked.loss_change)))
    slides.append(
        '<section class="slide summary" id="summary" data-label="summary">\n'
        f'<h2>Loss before and after the step</h2>\n<div class="values wide fill">\n{_table(summary)}'
        "</div>\n</section>\n")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(worked.title)} · bpstep walkthrough</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n{''.join(slides)}</main>\n"
        '<nav class="controls" aria-label="slides">\n'
        '<button id="prev" type="button" aria-label="previous stage">← back</button>\n'
        '<div class="progress" aria-hidden="true"><div id="bar"></div></div>\n'
        '<span id="where" aria-live="polite"></span>\n'
        '<button id="next" type="button" aria-label="next stage">next →</button>\n'
        f"</nav>\n<script>{SCRIPT}</script>\n</body>\n</html>\n")
