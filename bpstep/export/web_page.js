// The practice walk of the web page: `bpstep practice` (bpstep/practice.py) in a browser. Every
// answer is marked by verify's marker (web_marker.js) on the answers typed so far, so the page
// and `bpstep verify` on the downloaded file agree. Text is only ever set as text, never as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("bpstep-data").textContent);
  var pages = data.variants || null;  // a class: one page's data per student id
  var page = pages ? null : data;
  var marker = null, session = null;
  var $ = function (id) { return document.getElementById(id); };
  var OUTCOMES = ["right first time", "right after a retry", "right with hints", "revealed", "wrong",
                  "skipped", "not reached"];

  // Text from files is shown with its control and direction-changing characters as escapes
  // (\x1b, \u202e), as bpstep's terminal output shows them: the set comes from Python.
  var UNSAFE = new RegExp(data.unsafe, "gu");
  function printable(t) {
    return String(t).replace(UNSAFE, function (c) {
      var cp = c.codePointAt(0), hex = cp.toString(16);
      return cp < 0x100 ? "\\x" + ("0" + hex).slice(-2) : "\\u" + ("000" + hex).slice(-4);
    });
  }
  function text(el, t) { el.textContent = printable(t); return el; }
  function add(parent, tag, t, cls) {
    var el = document.createElement(tag);
    if (t !== undefined) el.textContent = printable(t);
    if (cls) el.className = cls;
    parent.appendChild(el);
    return el;
  }

  function Session(names, tries) {
    this.names = names; this.tries = tries; this.position = 0;
    this.answers = {}; this.accepted = {}; this.records = {};
    this.lines = [];  // every line that changed the session, in order ("?" a hint, "" a skip)
    var self = this;
    names.forEach(function (n) { self.records[n] = { attempts: [], hints: 0, outcome: "not reached" }; });
  }
  Session.prototype.current = function () { return this.names[this.position]; };
  Session.prototype.done = function () { return this.position >= this.names.length; };
  Session.prototype.world = function (n) {
    return Object.prototype.hasOwnProperty.call(this.accepted, n) ? this.accepted[n] : marker.model.truth.get(n);
  };
  Session.prototype.known = function (name) {
    var self = this;
    return marker.model.q.get(name).inputs.map(function (n) {
      var has = Object.prototype.hasOwnProperty.call(self.accepted, n);
      return n + " = " + (has ? self.answers[n] : marker.fmt(marker.model.truth.get(n)));
    });
  };
  Session.prototype.verdictOf = function (name) {
    var all = marker.verify(this.answers);
    for (var i = 0; i < all.length; i++) if (all[i].name === name) return all[i];
    return null;
  };
  Session.prototype.submit = function (typed) {
    var name = this.current(), w = marker.readNumber(typed);
    if (!w) return { event: "not a number", name: name };
    this.lines.push(typed);
    this.answers[name] = w.text;
    var v = this.verdictOf(name), r = this.records[name];
    r.attempts.push(v);
    var comma = w.comma ? typed.trim() : null;
    if (v.accepted) {
      this.accepted[name] = w.value;
      r.outcome = r.hints ? "right with hints" : r.attempts.length === 1 ? "right first time" : "right after a retry";
      this.position += 1;
      return { event: "accepted", name: name, verdict: v, comma: comma };
    }
    var left = this.tries - r.attempts.length;
    if (left > 0) return { event: "try again", name: name, verdict: v, left: left, comma: comma };
    r.outcome = "wrong";
    this.position += 1;
    return { event: "shown", name: name, verdict: v, comma: comma };
  };
  Session.prototype.hint = function () {
    var name = this.current(), r = this.records[name], q = page.questions[name], self = this;
    this.lines.push("?");
    r.hints += 1;
    if (r.hints === 1) return { event: "hint", name: name, text: q.formula, rung: 1 };
    if (r.hints < page.rungs) {
      var parts = q.layout[0].split("\u0000"), refs = q.layout[1], out = parts[0];
      for (var i = 0; i < refs.length; i++) {
        var t = marker.fmt(self.world(refs[i]));
        out += (t.charAt(0) === "-" ? "(" + t + ")" : t) + parts[i + 1];
      }
      out = out.replace(/[\u0001\u0002]/g, "×");
      return { event: "hint", name: name, text: name + " = " + out, rung: r.hints };
    }
    delete this.answers[name];
    r.outcome = "revealed";
    this.position += 1;
    return { event: "revealed", name: name, rung: r.hints };
  };
  Session.prototype.skip = function () {
    var name = this.current();
    this.lines.push("");
    delete this.answers[name];
    this.records[name].outcome = "skipped";
    this.position += 1;
    return { event: "skipped", name: name };
  };
  Session.prototype.report = function () { return marker.verify(this.answers); };
  Session.prototype.answersFile = function () {
    var clean = function (s) { return String(s).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " "); };
    var lines = ["# bpstep practice · " + clean(page.title),
                 "# The numbers typed (the last try of each); revealed and skipped values are left out.",
                 "scenario: " + JSON.stringify(page.scenario)];
    if (page.student !== null && page.student !== undefined) lines.push("student: " + JSON.stringify(page.student));
    var self = this;
    this.names.forEach(function (n) {
      if (Object.prototype.hasOwnProperty.call(self.answers, n)) lines.push(JSON.stringify(n) + ": " + self.answers[n]);
    });
    return lines.join("\n") + "\n";
  };

  var words = function () { return page.model.words.summary; };
  function verdictLine(v) {
    var ok = v.accepted, kind = ok ? "ok" : v.verdict === "rounded too early" || v.verdict === "too coarse" ? "warn" : "bad";
    return { text: (ok ? "✓ " : "✗ ") + words()[v.verdict] + (v.hint ? ": " + v.hint : ""), kind: kind };
  }

  function show() {
    if (session.done()) return finish();
    var name = session.current(), q = page.questions[name], stage = marker.model.q.get(name).stage;
    text($("progress"), "value " + (session.position + 1) + " of " + session.names.length + " · stage " +
         (stage + 1) + " of " + page.stages.length + ": " + page.stages[stage]);
    var lab = $("answer-label");
    lab.textContent = printable(name + " = ?");
    add(lab, "span", q.meaning, "meaning");
    var known = session.known(name);
    text($("needs"), known.length ? "needs " + known.join(", ") : "");
    $("answer").value = "";
    $("answer").focus();
  }
  function feedback(message, kind) { var f = $("feedback"); f.textContent = printable(message); f.className = kind || ""; }
  function log(message, kind) { add($("log"), "li", message, kind); }

  function onAnswer(ev) {
    ev.preventDefault();
    answer($("answer").value);
  }
  function answer(typed) {
    if (session.done()) return;
    if (typed.trim() === "?") { $("answer").value = ""; return onHint(); }
    if (typed.trim() === "") { feedback("Type a number, ? for a hint, or Skip.", "warn"); return; }
    var fb = session.submit(typed), name = fb.name;
    if (fb.event === "not a number") {
      feedback("Not a number: write it like 0.5523 or -3.71e-4 (? for a hint).", "warn"); return;
    }
    var line = verdictLine(fb.verdict), note = fb.comma ? " (read " + fb.comma + " as " + fb.verdict.written + ")" : "";
    if (fb.event === "accepted") {
      log(name + " = " + fb.verdict.written + "  " + line.text + note, line.kind);
      feedback(line.text + note, line.kind);
    } else if (fb.event === "try again") {
      var left = fb.left + " " + (fb.left === 1 ? "try" : "tries") + " left";
      log(name + " = " + fb.verdict.written + "  " + line.text + " · " + left, line.kind);
      feedback(line.text + note + " · " + left, line.kind);
      $("answer").select();
      report();
      return;
    } else {
      var shown = marker.fmt(marker.model.q.get(fb.name).valueN);
      log(name + " = " + fb.verdict.written + "  " + line.text + " · the value is " + shown, "bad");
      feedback(line.text + " · the value is " + shown + "; go on with it", "bad");
    }
    report();
    show();
  }
  function onHint() {
    if (session.done()) return;
    var fb = session.hint(), name = fb.name;
    if (fb.event === "hint") { feedback("hint " + fb.rung + ": " + fb.text, "warn"); $("answer").focus(); return; }
    var shown = marker.fmt(marker.model.q.get(fb.name).valueN);
    log(name + " = " + shown + "  (revealed)", "warn");
    feedback(name + " = " + shown + " (revealed; go on with it)", "warn");
    report();
    show();
  }
  function onSkip() {
    if (session.done()) return;
    var fb = session.skip(), shown = marker.fmt(marker.model.q.get(fb.name).valueN);
    log(fb.name + " = " + shown + "  (skipped)", "warn");
    feedback(fb.name + " skipped: it is " + shown, "warn");
    report();
    show();
  }

  function score() {  // values asked that verify accepts now, out of those asked
    var verdicts = session.report(), asked = new Set(session.names), raw = 0;
    verdicts.forEach(function (v) { if (asked.has(v.name) && v.accepted) raw += 1; });
    return { raw: raw, max: session.names.length, done: session.done(), verdicts: verdicts,
             resume: JSON.stringify({ id: page.student, lines: session.lines }) };
  }
  var replaying = false;
  function report() {
    if (replaying || !window.bpstepReport) return;
    try { window.bpstepReport(score()); } catch (e) { /* the LMS's trouble, not the student's */ }
  }
  // A session the LMS kept (scorm.js reads cmi.suspend_data): the same lines typed again.
  function resume(lines) {
    replaying = true;
    lines.forEach(function (line) {
      if (line === "?") onHint(); else if (line === "") onSkip(); else answer(line);
    });
    replaying = false;
  }

  function finish() {
    $("ask").hidden = true;
    text($("progress"), "all " + session.names.length + " values done");
    var s = $("summary"); s.hidden = false;
    var verdicts = session.report(), counts = {};
    verdicts.forEach(function (v) { counts[v.verdict] = (counts[v.verdict] || 0) + 1; });
    var parts = [];
    Object.keys(words()).forEach(function (k) {
      if (counts[k] || k === "correct" || k === "wrong") parts.push((counts[k] || 0) + " " + words()[k]);
    });
    text($("summary-text"), "bpstep verify would say: " + parts.join(", ") + ".");
    var body = $("summary-table").tBodies[0];
    var byStage = {};
    session.names.forEach(function (n) {
      var st = marker.model.q.get(n).stage, o = session.records[n].outcome;
      byStage[st] = byStage[st] || {}; byStage[st][o] = (byStage[st][o] || 0) + 1;
    });
    Object.keys(byStage).sort(function (a, b) { return a - b; }).forEach(function (st) {
      var row = add(body, "tr");
      add(row, "td", page.stages[st]);
      add(row, "td", OUTCOMES.filter(function (o) { return byStage[st][o]; }).map(function (o) { return byStage[st][o] + " " + o; }).join(", "));
    });
    var list = $("mistakes"), any = false;
    session.names.forEach(function (n) {
      var typed = new Set();
      session.records[n].attempts.forEach(function (v) {
        if (!v.accepted && !typed.has(v.written)) {
          typed.add(v.written); any = true;
          add(list, "li", n + " = " + v.written + ": " + verdictLine(v).text.slice(2));
        }
      });
    });
    if (!any) add(list, "li", "none");
    text($("download-help"), "The file holds your last number for each value; mark it again with: " + page.check);
    report();
    $("summary-heading").focus();
  }

  function download() {
    var blob = new Blob([session.answersFile()], { type: "application/x-yaml" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "answers.yaml";
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 0);
  }

  function start(chosen) {
    page = chosen;
    marker = bpstepMarker.create(page.model);
    session = new Session(page.asked, page.tries);
    document.title = page.title + " · bpstep practice";
    text($("title"), page.title);
    text($("problem"), page.problem);
    $("student-section").hidden = true;
    $("ask-section").hidden = false;
    window.bpstep.verify = function (answers) {
      return marker.verify(answers).map(function (v) {
        return { name: v.name, verdict: v.verdict, hint: v.hint, mistake: v.mistake, carried_from: v.carried_from,
                 accepted: v.accepted, credit: v.credit, written: v.written === undefined ? null : v.written };
      });
    };
    window.bpstep.session = session;
    show();
    var kept = window.bpstepResume;
    if (kept && kept.id === (page.student === undefined ? null : page.student) && Array.isArray(kept.lines)) {
      resume(kept.lines.map(String));
    }
    report();
  }

  window.bpstep = { answersFile: function () { return session.answersFile(); }, score: function () { return score(); } };
  $("ask").addEventListener("submit", onAnswer);
  $("hint").addEventListener("click", onHint);
  $("skip").addEventListener("click", onSkip);
  $("download").addEventListener("click", download);
  var kept = window.bpstepResume;
  if (pages && kept && Object.prototype.hasOwnProperty.call(pages, kept.id)) {
    start(pages[kept.id]);
  } else if (pages) {
    text($("title"), data.title);
    text($("problem"), "Type your student id to see your own numbers.");
    $("ask-section").hidden = true;
    $("student-section").hidden = false;
    $("student-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var id = $("student-id").value.trim();
      if (Object.prototype.hasOwnProperty.call(pages, id)) start(pages[id]);
      else text($("student-feedback"), "No student with the id " + JSON.stringify(id) + " on this class's list; check it and try again.");
    });
    window.bpstep.start = function (id) { start(pages[id]); };
    $("student-id").focus();
  } else {
    start(page);
  }
})();
