"""The HTML slideshow in a real headless Chromium at projector sizes (issue 9): every slide and
every part of a slide fits the window (nothing scrolls, nothing spills out of its box, every row
and formula is in exactly one part), the diagram keeps its size and place, and its text is large
enough to read from the back: 14 px at 1280×800 for networks of up to 6 units per layer."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bpstep.cli import app

INSTALL = "apt-get install -y chromium texlive-latex-base graphviz"
runner = CliRunner()

PROBE = r"""<script>
(function () {
  /* Walk every slide and part with the keys a clicker sends, measuring each view. */
  var views = [];
  function visible(el) { return el.getClientRects().length > 0; }
  function measure() {
    var slide = document.querySelector('.slide:not([hidden])');
    var nav = document.querySelector('nav.controls').getBoundingClientRect();
    var box = slide.querySelector('.values');
    var svg = slide.querySelector('.diagram svg');
    var sizes = [];
    if (svg) {
      Array.prototype.forEach.call(svg.querySelectorAll('text'), function (t) {
        sizes.push(t.getScreenCTM().a * parseFloat(t.getAttribute('font-size')));
      });
    }
    var spill = 0;
    Array.prototype.forEach.call(slide.querySelectorAll('table, pre, li, p, h1, h2, h3, svg'),
      function (el) {
        if (!visible(el)) { return; }
        var r = el.getBoundingClientRect();
        spill = Math.max(spill, r.bottom - nav.top, r.right - window.innerWidth);
      });
    var d = svg ? svg.getBoundingClientRect() : null;
    var broken = [];  /* quantity names a formula's line break cuts in two */
    Array.prototype.forEach.call(slide.querySelectorAll('ol.formulas code'), function (code) {
      if (!visible(code)) { return; }
      var walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT), node, m;
      while ((node = walker.nextNode())) {
        var names = /[\w\u2032]+\[[^\[\]\s]+\](@\d+)?/g;
        while ((m = names.exec(node.data))) {
          var range = document.createRange();
          range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
          var tops = {};
          Array.prototype.forEach.call(range.getClientRects(), function (r) {
            tops[Math.round(r.bottom)] = true;
          });
          if (Object.keys(tops).length > 1) { broken.push(m[0]); }
        }
      }
    });
    var blocks = box ? box.querySelectorAll('tbody tr, li, .values > :not(table):not(ol)') : [];
    var shown = [];
    Array.prototype.forEach.call(blocks, function (b, k) { if (visible(b)) { shown.push(k); } });
    views.push({
      where: document.getElementById('where').textContent,
      id: slide.id,
      scrolls: document.documentElement.scrollHeight > window.innerHeight ||
               document.documentElement.scrollWidth > window.innerWidth,
      boxOverflow: box ? box.scrollHeight - box.clientHeight : 0,
      spill: spill,
      smallest: sizes.length ? Math.min.apply(null, sizes) : null,
      broken: broken,
      diagram: d ? [Math.round(d.left), Math.round(d.top), Math.round(d.width), Math.round(d.height)] : null,
      size: [window.innerWidth, window.innerHeight],
      shown: shown,
      blocks: blocks.length
    });
  }
  function key(k) { document.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true})); }
  measure();
  for (var i = 0; i < 400 && !document.getElementById('next').disabled; i++) {
    key(i % 2 ? ' ' : 'PageDown'); measure();
  }
  var back = [];
  while (!document.getElementById('prev').disabled && back.length < 400) {
    key('PageUp'); back.push(document.getElementById('where').textContent);
  }
  var pre = document.createElement('pre'); pre.id = 'probe';
  pre.textContent = JSON.stringify({views: views, back: back});
  document.body.appendChild(pre);
})();
</script>
</body>"""


def chromium() -> str:
    found = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                  if shutil.which(n)), None)
    if found is None:
        pytest.skip(f"no headless browser: {INSTALL}")
    return found


def walk(tmp_path: Path, lesson: str, size: str, *args: str) -> dict:
    out = tmp_path / f"{Path(lesson).stem}.html"
    result = runner.invoke(app, ["export", lesson, "-f", "html", "-o", str(out), "--force", *args])
    assert result.exit_code == 0, result.output
    page = tmp_path / f"probe-{size}.html"
    page.write_text(out.read_text(encoding="utf-8").replace("</body>", PROBE, 1), encoding="utf-8")
    want = [int(v) for v in size.split(",")]
    found = _dump(page, want)
    inner = found["views"][0]["size"]
    if inner != want:  # headless Chromium counts its (invisible) window frame in --window-size
        found = _dump(page, [2 * w - i for w, i in zip(want, inner, strict=True)])
    return found


def _dump(page: Path, size: list[int]) -> dict:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-background-networking", "--no-first-run", f"--user-data-dir={profile}",
             f"--window-size={size[0]},{size[1]}", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, flags=re.S)
    assert probe, done.stdout[-2000:]
    return json.loads(probe.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def network(tmp_path: Path, sizes: tuple[int, ...], samples: int, output_name: str = "") -> str:
    """A sigmoid network of three or four layers of the given sizes with biases, ``samples`` in
    one batch: long numbers (−0.0003313), up to 36 weights and 6 biases into a layer, update
    tables of 42 rows; ``output_name`` names the last layer."""
    weights = [[[round((3 * i + 5 * j + k) % 11 / 10 - 0.5, 2) for j in range(n)] for i in range(m)]
               for k, (m, n) in enumerate(pairwise(sizes))]
    names = ["x", *"hg"[:len(sizes) - 2], "o"]
    layers = [{"units": [f"{p}{i}" for i in range(1, n + 1)], "activation": "sigmoid"}
              for p, n in zip(names, sizes, strict=True)]
    del layers[0]["activation"]
    if output_name:
        layers[-1]["name"] = output_name
    data = {"title": "-".join(map(str, sizes)), "learning_rate": 0.5, "mode": "batch",
            "reduction": "sum", "layers": layers,
            "weights": weights, "biases": [[0.1 * (-1) ** k] * n for k, n in enumerate(sizes[1:])],
            "inputs": [[round((0.1 + 0.8 * s) * (i + 1) / sizes[0], 3) for i in range(sizes[0])]
                       for s in range(samples)],
            "targets": [[(i + s) % 2 * 0.6 + 0.2 for i in range(sizes[-1])] for s in range(samples)]}
    path = tmp_path / f"{data['title']}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


NETWORKS = {"six_wide": ((6, 6, 6), 2), "two_six_six_one": ((2, 6, 6, 1), 1),
            "two_six_six_one_batch": ((2, 6, 6, 1), 4, "W" * 40)}
"""Networks of up to 6 units per layer made for the test, as (layer sizes, samples, the last
layer's name: one word too long for a line of the slide's title)."""

STAGES = {"gfg_sigmoid": 8, "two_hidden_layers": 11, "xor_batch": 28, "six_wide": 16,
          "two_six_six_one": 11, "two_six_six_one_batch": 37}
"""Stages of each lesson: forward, loss, backward per sample, one update per layer, the check."""


@pytest.mark.parametrize("size", ["1280,800", "1024,768"])
@pytest.mark.parametrize("lesson", list(STAGES))
def test_every_slide_fits_the_window_and_the_diagram_stays_put(tmp_path: Path, lesson: str,
                                                                size: str) -> None:
    """Up to 6 units per layer, several samples: the diagram's smallest text is 14 px at
    1280×800 (it was 10 px for two_hidden_layers, 5 px for 6-6-6, whose tables spilled out,
    12.1 px for 2-6-6-1), and no line break cuts a quantity's name in a formula."""
    path = network(tmp_path, *NETWORKS[lesson]) if lesson in NETWORKS else lesson
    found = walk(tmp_path, path, size, "--explain")
    views = found["views"]
    n = STAGES[lesson]
    assert views[0]["size"] == [int(v) for v in size.split(",")]
    for view in views:
        assert not view["scrolls"] and view["boxOverflow"] <= 1 and view["spill"] <= 1, view
        assert view["broken"] == [], view
    stages = [v for v in views if v["id"].startswith("stage-")]
    assert {v["id"] for v in stages} == {f"stage-{k}" for k in range(1, n + 1)}
    assert len({tuple(v["diagram"]) for v in stages}) == 1  # same size and place on every slide
    assert all(re.fullmatch(rf"stage \d+ of {n}( · part \d+ of \d+)?", v["where"]) for v in stages)
    assert [v["where"] for v in views][-1] == "summary"
    assert len(found["back"]) == len(views) - 1  # PageUp walks back through every part
    for slide in {v["id"] for v in views}:  # every row and formula in exactly one part
        parts = [v for v in views if v["id"] == slide]
        shown = sorted(k for v in parts for k in v["shown"])
        assert shown == list(range(parts[0]["blocks"])), (slide, [v["shown"] for v in parts])
    smallest = min(v["smallest"] for v in stages)
    if size == "1280,800":
        assert smallest >= 14, smallest


def test_a_tall_stage_is_split_into_parts_the_clicker_reaches(tmp_path: Path) -> None:
    """Four samples' formulas do not fit beside the diagram at 1024×768: Space shows the rest."""
    views = walk(tmp_path, "xor_batch", "1024,768", "--explain")["views"]
    for view in views:
        assert not view["scrolls"] and view["boxOverflow"] <= 1 and view["spill"] <= 1, view
    stages = [v for v in views if v["id"].startswith("stage-")]
    assert len({tuple(v["diagram"]) for v in stages}) == 1  # long titles included
    parts = [v["where"] for v in views if " · part " in v["where"]]
    assert any(w.endswith("part 1 of 2") for w in parts) and any(w.endswith("part 2 of 2")
                                                                 for w in parts), parts


def test_the_diagram_uses_a_wide_screen(tmp_path: Path) -> None:
    views = walk(tmp_path, "gfg_sigmoid", "1920,1080", "--explain")["views"]
    stage = next(v for v in views if v["id"] == "stage-1")
    assert stage["diagram"][2] > 1100 and stage["smallest"] >= 17, stage
