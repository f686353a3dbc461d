"""The worked solution as one self-contained HTML file that is also an offline slideshow.

Every stage is a ``<section class="slide stage">`` with its diagram (inline SVG), its table and,
with ``explain``, its formulas. Without JavaScript (or when printed) all sections show one after
another; with it, one shows at a time: ←/→ (also PageUp/PageDown, Space), Home/End and the
on-screen buttons move, the bar and ``stage K of N`` show progress, ``#stage-K`` links to a stage.
No external URL appears anywhere, so the file works from a USB stick in a lecture hall.

On screen every slide fits the window at a size the back of a lecture hall can read: no text under
16 px when the window is 1280 px wide and 800 high, nor under 14 px at 1024×768 (``FLOOR``). The
text is never shrunk to fit; the layout makes room instead, measured in the browser. A stage opens
with its diagram, beside the first values when its text stays above the floor there, else on a
part of its own, folded into two columns when that draws it larger. The values that follow (table
rows, matrix equations, formulas) fill parts of the slide's whole width, in columns side by side,
each as wide as what it holds, a table's caption and header again at the top of every column.
The same keys step through the parts (``stage 7 of 8 · part 2 of 3``); resizing the window keeps
the slide and the values in view.
"""

from __future__ import annotations

import re
from html import escape

from bpstep.export.worked import StagePage, Table, Worked

CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d5dbe1; --accent: #2563eb; --bg: #ffffff; }
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
.diagram .wide, .sheet { display: none; }
table { border-collapse: collapse; margin: 0 0 1rem; }
caption { text-align: left; font-weight: bold; padding: 0 0 .2rem; }
th, td { padding: .2rem .8rem; border-bottom: 1px solid var(--line); }
th { text-align: left; background: #f5f7fa; }
td.num { text-align: right; font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
ol.formulas { padding-left: 2.2em; margin: 0; }
ol.formulas li { margin: 0 0 .7rem; }
pre.matrix { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; line-height: 1.2;
  margin: 0 0 1rem; }
code { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
.rule { color: var(--muted); display: block; }
.numbers { display: block; }
.note { color: var(--muted); }
.q { white-space: nowrap; }
.k { display: none; }
nav.controls { display: none; }
body.slideshow { overflow: hidden; font-size: max(14px, min(1.25vw, 2.3vh)); line-height: 1.3; }
body.slideshow main { max-width: none; height: calc(100vh - 3.2em); padding: 0 1.5em; }
body.slideshow .slide[hidden] { display: none; }
body.slideshow .slide { border: none; height: 100%; padding: .6em 0 .5em; display: flex;
  flex-direction: column; }
body.slideshow h1 { font-size: 1.6em; margin: 0 0 .2em; }
body.slideshow .slide h2 { font-size: 1.25em; margin: 0 0 .4em; overflow-wrap: anywhere; }
body.slideshow .stage h2 { min-height: var(--title, auto); }
body.slideshow .lead { margin: 0 0 .6em; }
body.slideshow .values { display: none; }
body.slideshow .stage-body { flex: 1; min-height: 0; display: flex; flex-wrap: nowrap;
  gap: 1.5em; align-items: stretch; }
body.slideshow .diagram { flex: 1 1 0; max-width: none; min-width: 0; min-height: 0; }
body.slideshow .diagram > div { height: 100%; }
body.slideshow .diagram svg { display: block; width: 100%; height: 100%; }
body.slideshow .slide.measuring .diagram svg { display: none; }
body.slideshow .slide.wide-picture .diagram .tall { display: none; }
body.slideshow .slide.wide-picture .diagram .wide { display: block; }
body.slideshow .sheet { display: flex; flex: 1 1 0; min-width: 0; min-height: 0; gap: 1.5em; }
body.slideshow .slide.beside .sheet { flex: 0 0 max(300px, 34vw); }
body.slideshow .slide.alone .sheet, body.slideshow .slide.full .diagram { display: none; }
body.slideshow .col { flex: 0 0 auto; max-width: 100%; overflow: hidden; }
body.slideshow .slide.beside .col { flex: 1 1 0; min-width: 0; }
body.slideshow .col > :last-child, body.slideshow .col li:last-child { margin-bottom: 0; }
body.slideshow table { margin-bottom: .6em; }
body.slideshow th, body.slideshow td { white-space: nowrap; padding: .1em .5em; }
body.slideshow ol.formulas { padding-left: 0; list-style: none; }
body.slideshow ol.formulas li { margin: 0 0 .3em; overflow-wrap: anywhere; }
body.slideshow .k { display: inline; color: var(--ink); }
body.slideshow .sheet code, body.slideshow .sheet td.num {
  font-family: 'Liberation Sans', Arial, 'Helvetica Neue', Helvetica, sans-serif; }
body.slideshow pre.matrix { margin: 0 0 .6em; }
body.slideshow nav.controls { display: flex; position: fixed; left: 0; right: 0; bottom: 0;
  height: 3.2em; align-items: center; gap: 1em; padding: 0 1.5em; background: #f5f7fa;
  border-top: 1px solid var(--line); }
nav.controls button { font: inherit; padding: .2em 1em; border: 1px solid var(--line);
  border-radius: 6px; background: #fff; cursor: pointer; }
nav.controls button:disabled { opacity: .4; cursor: default; }
nav.controls button:focus-visible { outline: 3px solid var(--accent); }
.progress { flex: 1; height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; }
.progress div { height: 100%; width: 0; background: var(--accent); }
#where { text-align: right; color: var(--muted); white-space: nowrap; }
@media print {
  body.slideshow { overflow: visible; font-size: 12pt; }
  body.slideshow .slide[hidden] { display: block; }
  body.slideshow main, body.slideshow .slide { height: auto; }
  body.slideshow .values { display: block; }
  body.slideshow .stage-body { display: block; }
  body.slideshow .sheet, body.slideshow nav.controls { display: none; }
  body.slideshow .slide .diagram, body.slideshow .slide .diagram .tall { display: block; }
  body.slideshow .slide .diagram .wide { display: none; }
  .slide { break-after: page; }
}
"""

FLOOR = {"wide": 16, "narrow": 14}
"""Smallest text on a slide in px: 1280×800 and larger, 1024×768 (the page's font size is
1.25 % of the window's width or 2.3 % of its height, whichever is smaller, and never under 14 px)."""

SCRIPT = """
(function () {
  var slides = Array.prototype.slice.call(document.querySelectorAll('.slide'));
  var where = document.getElementById('where');
  var bar = document.getElementById('bar');
  var prev = document.getElementById('prev');
  var next = document.getElementById('next');
  var current = 0, part = 0, parts = [];
  function blocks(slide) {
    /* What a part is made of: a table's rows, a list's items, any other child of the values. */
    if (!slide.blocks) {
      var out = [], box = slide.querySelector('.values');
      Array.prototype.forEach.call(box ? box.children : [], function (c) {
        if (c.tagName === 'OL') { Array.prototype.push.apply(out, c.children); }
        else if (c.tagName === 'TABLE') { Array.prototype.push.apply(out, c.tBodies[0].rows); }
        else { out.push(c); }
      });
      slide.blocks = out;
    }
    return slide.blocks;
  }
  function owner(block) {
    /* The table or list a block is part of, if any. */
    return block.closest('table') || (block.tagName === 'LI' ? block.parentNode : null);
  }
  function holder(box) {
    /* An empty copy of a table (its caption and header kept) or list, to hold blocks of it. */
    var copy = box.cloneNode(false);
    copy.source = box;
    if (box.tagName === 'TABLE') {
      if (box.caption) { copy.appendChild(box.caption.cloneNode(true)); }
      copy.appendChild(box.tHead.cloneNode(true));
      copy.appendChild(document.createElement('tbody'));
    }
    return copy;
  }
  function put(col, block) {
    /* A copy of block at the end of col, in a copy of its table or list if it has one. */
    var wanted = owner(block), last = col.lastElementChild, box = null;
    if (wanted) { box = last && last.source === wanted ? last : col.appendChild(holder(wanted)); }
    var copy = block.cloneNode(true);
    (box ? (box.tagName === 'TABLE' ? box.tBodies[0] : box) : col).appendChild(copy);
    return copy;
  }
  function take(copy) {
    /* The copy off its column, with its table or list when that is left empty. */
    var box = copy.parentNode.closest('.col > *');
    copy.remove();
    if (box && box !== copy && !box.querySelector('tbody tr, li')) { box.remove(); }
  }
  function past(copy, edge) {
    /* Whether a copy reaches beyond the bottom or right edge of its column's room. */
    var r = copy.getBoundingClientRect();
    return r.bottom > edge.bottom + 0.5 || r.right > edge.right + 0.5 ||
      (copy.tagName === 'PRE' && copy.scrollWidth > copy.clientWidth + 1);
  }
  function fill(slide, start, beside) {
    /* Blocks from start into columns side by side, each as wide as what it holds and as full
       as the sheet's height allows, while they fit its width; the index after the last block
       placed. Beside the diagram, one column and no matrix equation. Few layouts a column:
       blocks go in by growing batches, those past the edge come out again. */
    var all = blocks(slide), sheet = slide.querySelector('.sheet'), i = start;
    sheet.textContent = '';
    var room = sheet.getBoundingClientRect();
    while (i < all.length) {
      var col = sheet.appendChild(document.createElement('div'));
      col.className = 'col';
      var edge = {bottom: col.getBoundingClientRect().bottom, right: room.right};
      var copies = [], j = i, batch = 4, stop = false;
      while (j < all.length && !stop) {
        for (var n = 0; n < batch && j < all.length; n++, j++) {
          if (beside && all[j].classList.contains('matrix')) { stop = true; break; }
          copies.push(put(col, all[j]));
        }
        stop = stop || !copies.length || past(copies[copies.length - 1], edge);
        batch *= 2;
      }
      var k = 0;
      while (k < copies.length && !past(copies[k], edge)) { k++; }
      if (k === 0 && copies.length && i === start && !beside) { k = 1; }  /* too big for any part */
      copies.slice(k).reverse().forEach(take);
      i += k;
      if (k === 0) { col.remove(); }
      if (k === 0 || beside) { break; }
    }
    return i;
  }
  function floor() {
    return Math.min(FLOOR_WIDE, parseFloat(getComputedStyle(document.body).fontSize));
  }
  function smallest(slide) {
    /* On-screen size of the shown diagram's smallest text: the picture is scaled to fit its
       box, keeping its shape (the box's size needs no layout of the picture's own text). */
    var shown = slide.querySelector(slide.classList.contains('wide-picture') ?
                                    '.diagram > .wide' : '.diagram > .tall');
    var view = shown.querySelector('svg').viewBox.baseVal, box = shown.getBoundingClientRect();
    return parseFloat(shown.getAttribute('data-small')) *
      Math.min(box.width / view.width, box.height / view.height);
  }
  function mode(slide, name, wide) {
    slide.classList.remove('beside', 'alone', 'full');
    slide.classList.add(name);
    slide.classList.toggle('wide-picture', wide);
  }
  function split(slide) {
    /* The slide's parts: its diagram (beside the first values when its text stays above the
       floor there, else alone, in the shape that draws it larger), then the values in parts
       of the whole width. */
    var all = blocks(slide), out = [], i = 0;
    var pictures = slide.querySelectorAll('.diagram > div').length;
    if (pictures) {
      var best = null;
      slide.classList.add('measuring');
      [false, true].slice(0, pictures).forEach(function (wide) {
        mode(slide, 'beside', wide);
        var size = smallest(slide);
        if (size >= floor() - 0.05 && (!best || best.name !== 'beside')) {
          best = {name: 'beside', wide: wide, size: size};
        }
        mode(slide, 'alone', wide);
        size = smallest(slide);
        if (!best || (best.name === 'alone' && size > best.size)) {
          best = {name: 'alone', wide: wide, size: size};
        }
      });
      mode(slide, best.name, best.wide);
      slide.classList.remove('measuring');
      i = best.name === 'beside' ? fill(slide, 0, true) : 0;
      out.push({name: best.name, wide: best.wide, start: 0, end: i});
    }
    mode(slide, 'full', false);
    while (i < all.length) {
      var end = fill(slide, i, false);
      out.push({name: 'full', wide: false, start: i, end: end});
      i = end;
    }
    return out.length ? out : [{name: 'full', wide: false, start: 0, end: 0}];
  }
  function render() {
    var slide = slides[current], now = parts[part];
    mode(slide, now.name, now.wide);
    if (now.name === 'alone') { slide.querySelector('.sheet').textContent = ''; }
    else { fill(slide, now.start, now.name === 'beside'); }
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
  function titles() {
    /* Every stage's title as tall as the tallest at this width, so the diagram stays put. */
    var probe = document.querySelector('main').appendChild(document.createElement('div'));
    probe.className = 'slide';
    probe.style.display = 'block';  /* a column of flex items would squeeze them */
    Array.prototype.forEach.call(document.querySelectorAll('.stage h2'), function (h) {
      probe.appendChild(h.cloneNode(true)).style.minHeight = '0';
    });
    var tallest = Math.max.apply(null, Array.prototype.map.call(probe.children, function (h) {
      return h.getBoundingClientRect().height; }).concat([0]));
    probe.remove();
    document.body.style.setProperty('--title', tallest + 'px');
  }
  function step(by) {
    if (part + by >= 0 && part + by < parts.length) { part += by; render(); }
    else if (current + by >= 0 && current + by < slides.length) { show(current + by, by < 0); }
  }
  function resized() {
    /* The same slide again, at the part that holds the first value in view before. */
    var was = parts[part];
    titles();
    parts = split(slides[current]);
    part = 0;
    if (was.start < was.end) {
      parts.forEach(function (p, k) {
        if (p.start <= was.start && was.start < p.end) { part = k; }
      });
    }
    render();
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
  window.addEventListener('resize', resized);
  document.body.classList.add('slideshow');
  titles();
  var start = slides.findIndex(function (s) { return '#' + s.id === location.hash; });
  show(start < 0 ? 0 : start);
})();
""".replace("FLOOR_WIDE", str(FLOOR["wide"]))


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


def _table(table: Table, numeric: bool = True, caption: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    cls = ' class="num"' if numeric else ""
    rows = "".join("<tr><th>" + escape(row[0]) + "</th>"
                   + "".join(f"<td{cls}>{escape(c)}</td>" for c in row[1:]) + "</tr>\n"
                   for row in table.rows)
    title = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{title}\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n"


MATRIX_WIDTH = 100
"""Characters of a matrix equation's line: 963 px at 16 px, 843 px at 14 px, within a slide."""


def _matrices(page: StagePage, precision: int) -> str:
    """The stage's matrix equations as the terminal lays them out (``--view matrix|both``), one
    block each, so a slide can page through them."""
    if page.matrices is None:
        return ""
    from bpstep.render.matrix import stage_lines

    note = f'<p class="note">{escape(page.matrices.note)}</p>\n' if page.matrices.note else ""
    return note + "".join(f'<pre class="matrix">{escape(chr(10).join(b.lines))}</pre>\n'
                          for b in stage_lines(page.matrices, precision, width=MATRIX_WIDTH))


SVG_SIZE = re.compile(r'font-size="([\d.]+)"')


def _diagram(pictures: tuple[str, ...]) -> str:
    """The stage's picture in one column (``tall``) and, when it differs, folded (``wide``),
    each with the size of its smallest text, for the script to work out its size on screen."""
    if not pictures:
        return ""
    shapes = zip(("tall", "wide"), dict.fromkeys(pictures), strict=False)
    return ('<div class="diagram">\n'
            + "".join(f'<div class="{shape}" data-small="{min(map(float, SVG_SIZE.findall(svg)))}">'
                      f"\n{svg}</div>\n" for shape, svg in shapes)
            + "</div>\n")


def to_html(worked: Worked, diagrams: tuple[str, ...] = (), folded: tuple[str, ...] = ()) -> str:
    """The slideshow; ``diagrams[i]`` (an SVG document, optional) goes on the slide of stage i+1,
    ``folded[i]`` (optional) is the same picture for a slide of its own."""
    n = len(worked.stages)
    slides = []
    given = "".join(_table(table, caption=caption[:1].upper() + caption[1:])
                    for caption, table in worked.given)
    level = ("every formula, first in names, then with the numbers put in"
             if worked.explain else
             "the values of each stage (export with --explain for every formula)")
    slides.append(
        '<section class="slide overview" id="overview" data-label="overview">\n'
        f"<h1>{escape(worked.title)}</h1>\n"
        f'<p class="note lead">One training step of backpropagation in {n} stages, from '
        f"<code>{escape(worked.source)}</code>; this walkthrough shows {escape(level)}. "
        "Keys: → or Space next, ← back, Home first, End last.</p>\n"
        '<div class="stage-body">\n<div class="values">\n'
        f"{_table(Table(('setting', 'value'), worked.settings), numeric=False)}{given}</div>\n"
        '<div class="sheet"></div>\n</div>\n</section>\n')
    for i, page in enumerate(worked.stages):
        pictures = tuple(p[i] for p in (diagrams, folded) if i < len(p))
        figure = _diagram(pictures)
        formulas = ""
        if page.formulas:
            items = "".join(
                f'<li value="{k}"><code class="rule"><span class="k">{k}.</span> '
                f'{_unbroken_names(f.rule)}</code>'
                f'<code class="numbers">= {escape(f.substituted)}</code></li>\n'
                for k, f in enumerate(page.formulas, start=1))
            formulas = f'<ol class="formulas">\n{items}</ol>\n'
        title = page.heading.split(" · ", 1)[1] if " · " in page.heading else page.heading
        slides.append(
            f'<section class="slide stage {escape(page.phase)}"'
            f' id="stage-{page.number}"'
            f' data-label="stage {page.number} of {n}">\n'
            f'<h2><span class="count">stage {page.number} of {n} ·</span> {escape(title)}</h2>\n'
            f'<div class="stage-body">\n{figure}<div class="values">\n'
            f'{_table(page.table) if page.show_table else ""}{_matrices(page, worked.precision)}'
            f'{formulas}</div>\n<div class="sheet"></div>\n</div>\n</section>\n')
    summary = Table(("", "loss"), (("before the step", worked.loss_before),
                                   ("after the step", worked.loss_after),
                                   ("change", worked.loss_change)))
    slides.append(
        '<section class="slide summary" id="summary" data-label="summary">\n'
        f'<h2>Loss before and after the step</h2>\n<div class="stage-body">\n'
        f'<div class="values">\n{_table(summary)}</div>\n<div class="sheet"></div>\n'
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
