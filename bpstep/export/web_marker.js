// bpstep's marker for the web page: `bpstep verify` (bpstep/verify.py) over the data Python sends
// (bpstep/marking_data.py). Generic: every rule, mistake and hint word of a step comes as data;
// this file knows only how to evaluate, bound and rewrite a rule tree, and verify's order of
// judgement. Python's floats and JavaScript's numbers are both IEEE doubles; where the two
// languages round differently (math.fsum, decimal ties) the Python behaviour is ported exactly.
"use strict";
var bpstepMarker = (function () {
  // --- numbers ---------------------------------------------------------------------------
  function num(x) { return typeof x === "number" ? x : x === "inf" ? Infinity : x === "-inf" ? -Infinity : NaN; }
  function fin(x) { return Number.isFinite(x); }
  function pow10(k) { return Number("1e" + k); }  // correctly rounded, as Python's 10.0 ** k

  // math.fsum: Shewchuk's exact partials, rounded once at the end (half-even corrected).
  function fsum(items) {
    var partials = [], i, j, x, y, hi, lo, t;
    for (i = 0; i < items.length; i++) {
      x = items[i];
      var n = 0;
      for (j = 0; j < partials.length; j++) {
        y = partials[j];
        if (Math.abs(x) < Math.abs(y)) { t = x; x = y; y = t; }
        hi = x + y; lo = y - (hi - x);
        if (lo) partials[n++] = lo;
        x = hi;
      }
      partials.length = n; partials.push(x);
    }
    var k = partials.length; hi = 0;
    if (k > 0) {
      hi = partials[--k];
      while (k > 0) {
        x = hi; y = partials[--k]; hi = x + y; lo = y - (hi - x);
        if (lo) break;
      }
      if (k > 0 && ((lo < 0 && partials[k - 1] < 0) || (lo > 0 && partials[k - 1] > 0))) {
        y = lo * 2; x = hi + y;
        if (y === x - hi) hi = x;
      }
    }
    return hi;
  }
  function plainSum(items) { var s = 0; for (var i = 0; i < items.length; i++) s += items[i]; return s; }
  // expr._fsum: exact, but inf − inf (a replay gone wild) is nan and an overflow inf, not errors.
  function safeSum(items) {
    for (var i = 0; i < items.length; i++) if (!fin(items[i])) return plainSum(items);
    var s = fsum(items);
    return fin(s) ? s : plainSum(items);
  }
  function divide(top, bottom) {
    if (bottom === 0) {
      if (top === 0 || top !== top) return NaN;
      var sb = (1 / bottom) > 0 ? 1 : -1;
      return (top > 0 ? Infinity : -Infinity) * sb;
    }
    return top / bottom;
  }
  function pmax(a, b) { return b > a ? b : a; }  // Python's max(a, b): a unless b is larger
  function pmin(a, b) { return b < a ? b : a; }

  // Exact decimal digits of a double, for rounding as Python's format() and Decimal do.
  function exactDecimal(x) {  // {neg, digits (BigInt), exp}: |x| = digits · 10^exp exactly
    var buf = new DataView(new ArrayBuffer(8)); buf.setFloat64(0, x);
    var hiw = buf.getUint32(0), low = buf.getUint32(4);
    var neg = (hiw >>> 31) === 1, e = (hiw >>> 20) & 0x7ff;
    var m = (BigInt(hiw & 0xfffff) << 32n) | BigInt(low);
    if (e === 0) e = 1; else m |= 1n << 52n;
    e -= 1075;
    if (e >= 0) return { neg: neg, digits: m << BigInt(e), exp: 0 };
    return { neg: neg, digits: m * 5n ** BigInt(-e), exp: e };  // m/2^k = m·5^k/10^k
  }
  // Python's f"{x:.{places}f}": the exact value rounded half-even (JS toFixed rounds ties up).
  function fixed(x, places) {
    if (!fin(x)) return x !== x ? "nan" : x > 0 ? "inf" : "-inf";
    var d = exactDecimal(x), drop = -places - d.exp, q = d.digits;
    if (drop > 0) {
      var unit = 10n ** BigInt(drop), r = q % unit; q = q / unit;
      var twice = 2n * r;
      if (twice > unit || (twice === unit && q % 2n === 1n)) q += 1n;
    } else if (drop < 0) {
      q = q * 10n ** BigInt(-drop);
    }
    var s = q.toString();
    if (places > 0) {
      while (s.length <= places) s = "0" + s;
      s = s.slice(0, s.length - places) + "." + s.slice(s.length - places);
    }
    return (d.neg ? "-" : "") + s;
  }
  // The shortest decimal that reads back as x (Python's repr), as sign, digit string, exponent.
  function shortest(x) {
    var s = Math.abs(x).toExponential();  // shortest round-trip digits, as repr
    var parts = s.split("e"), mant = parts[0].replace(".", "");
    return { neg: x < 0, digits: mant, exp: parseInt(parts[1], 10) - (mant.length - 1) };
  }
  // written.round_figures: rounded to `figures` significant figures from the shortest decimal,
  // a 5 going up (away from 0), as Decimal.quantize(ROUND_HALF_UP).
  function roundFigures(value, figures) {
    if (value === 0 || !fin(value)) return value;
    var d = shortest(value), adjusted = d.exp + d.digits.length - 1;
    var stepExp = adjusted - figures + 1, drop = stepExp - d.exp;
    var q = BigInt(d.digits);
    if (drop > 0) {
      var unit = 10n ** BigInt(drop), r = q % unit; q = q / unit;
      if (2n * r >= unit) q += 1n;
    } else { stepExp = d.exp; }
    return Number((d.neg ? "-" : "") + q.toString() + "e" + stepExp);
  }
  // Python's f"{x:.{precision}g}": the exact value rounded half-even to `precision` figures,
  // fixed notation for exponents from −4 to precision − 1, trailing zeros dropped.
  function formatG(x, precision) {
    if (x === 0) return (1 / x < 0 ? "-" : "") + "0";
    var d = exactDecimal(x), q = d.digits, e = d.exp, n = q.toString().length;
    var drop = n - precision;
    if (drop > 0) {
      var unit = 10n ** BigInt(drop), r = q % unit; q = q / unit; e += drop;
      var twice = 2n * r;
      if (twice > unit || (twice === unit && q % 2n === 1n)) q += 1n;
      if (q.toString().length > precision) { q = q / 10n; e += 1; }
    }
    var digits = q.toString(), exp10 = e + digits.length - 1, out;
    if (exp10 >= -4 && exp10 < precision) {
      if (e >= 0) out = digits + "0".repeat(e);
      else {
        var whole = digits.length + e;
        out = whole > 0 ? digits.slice(0, whole) + "." + digits.slice(whole) : "0." + "0".repeat(-whole) + digits;
        out = out.replace(/0+$/, "").replace(/\.$/, "");
      }
    } else {
      var mant = digits.length > 1 ? (digits[0] + "." + digits.slice(1)).replace(/0+$/, "").replace(/\.$/, "") : digits;
      out = mant + "e" + (exp10 < 0 ? "-" : "+") + (Math.abs(exp10) < 10 ? "0" : "") + Math.abs(exp10);
    }
    return (d.neg ? "-" : "") + out;
  }
  // numbers.fmt: `precision` significant digits, an exponent only below 1e-5 or from 1e7.
  function fmt(value, precision) {
    precision = precision || 6;
    if (value === 0) return "0";
    if (value !== value) return "undefined";
    if (!fin(value)) return "overflow";
    var text = formatG(value, precision);
    if (text.indexOf("e") >= 0) {
      var parts = text.split("e");
      return parts[0] + "e" + parseInt(parts[1], 10);
    }
    return text;
  }

  // --- numbers as written (bpstep/written.py) ---------------------------------------------
  // Python's \d matches every decimal digit of Unicode (٣, 𝟏), and float() reads them: so here.
  var NUMBER = /^[+-]?(?:(\p{Nd}+)(\.)(\p{Nd}*)|\.(\p{Nd}+)|(\p{Nd}+))(?:[eE]([+-]?\p{Nd}+))?$/u;
  var DECIMAL_COMMA = /^[+-]?\p{Nd}+,\p{Nd}+$/u;
  var ND = /^\p{Nd}$/u;
  var MAX_EXPONENT_DIGITS = 5;
  // What Python's str.strip() takes away: the characters str.isspace() is true of.
  var PY_SPACE = /^[\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
  function ascii(text) {  // every decimal digit as 0-9: its place in its run of ten
    return Array.from(text).map(function (c) {
      if (c >= "0" && c <= "9" || !ND.test(c)) return c;
      var cp = c.codePointAt(0), n = 0;
      while (ND.test(String.fromCodePoint(cp - n - 1))) n += 1;
      return String(n % 10);
    }).join("");
  }
  function points(text) { return Array.from(text).length; }
  function readNumber(text) {
    var cleaned = String(text).replace(PY_SPACE, "").replace(/[\u2212\u2013]/g, "-");
    var comma = DECIMAL_COMMA.test(cleaned);
    if (comma) cleaned = cleaned.replace(",", ".");
    var m = NUMBER.exec(cleaned);
    if (!m) return null;
    var exponent = m[6] || "0";
    if (points(exponent.replace(/^[+-]/, "").replace(/^0+/, "")) > MAX_EXPONENT_DIGITS) return null;
    var after = m[2] ? m[3] : (m[4] || "");
    var whole = m[1] || m[5] || "";
    var significant = (whole + after).replace(/^0+/, "");
    var placing = 0;
    if (m[5] && significant) {
      var stripped = significant.replace(/0+$/, "");
      placing = points(significant) - points(stripped); significant = stripped;
    }
    var decimals = points(after) - parseInt(ascii(exponent), 10) - placing;
    if (-decimals > 308) return null;
    var value = Number(ascii(cleaned));
    if (!fin(value)) return null;
    return { value: value, text: cleaned, decimals: decimals, figures: points(significant), comma: comma,
             halfUnit: 0.5 * pow10(-decimals) };
  }
  function floorMet(floor, w) {
    return floor === null || (floor.kind === "digits" ? w.figures : w.decimals) >= floor.count;
  }
  function floorAdvice(floor, w) {
    var have = floor.kind === "digits" ? w.figures : Math.max(w.decimals, 0);
    var unit = floor.kind === "digits" ? "significant figure" : "decimal place";
    var count = function (n) { return n + " " + unit + (n !== 1 ? "s" : ""); };
    return w.text + " has " + count(have) + "; write at least " + floor.count;
  }

  // --- affine ranges (bpstep/affine.py) -----------------------------------------------------
  function Affine(centre, terms, rest) { this.centre = centre; this.terms = terms; this.rest = rest; }
  Affine.prototype.radius = function () {
    var s = 0; this.terms.forEach(function (c) { s += Math.abs(c); }); return s + this.rest;
  };
  Affine.prototype.bounded = function () { return fin(this.centre) && fin(this.radius()); };
  Affine.prototype.low = function () { return this.bounded() ? this.centre - this.radius() : -Infinity; };
  Affine.prototype.high = function () { return this.bounded() ? this.centre + this.radius() : Infinity; };
  var UNBOUNDED = new Affine(0, new Map(), Infinity);
  function point(v) { return fin(v) ? new Affine(v, new Map(), 0) : UNBOUNDED; }
  function writtenForm(name, v, half) {
    if (!fin(v)) return UNBOUNDED;
    var t = new Map(); if (half) t.set(name, half);
    return new Affine(v, t, 0);
  }
  function between(low, high) {
    if (!(fin(low) && fin(high))) return UNBOUNDED;
    return new Affine(0.5 * (low + high), new Map(), 0.5 * (high - low));
  }
  function checked(c, terms, rest) { var f = new Affine(c, terms, rest); return f.bounded() ? f : UNBOUNDED; }
  Affine.prototype.plus = function (o) {
    if (!(this.bounded() && o.bounded())) return UNBOUNDED;
    var terms = new Map(this.terms);
    o.terms.forEach(function (c, n) { terms.set(n, (terms.has(n) ? terms.get(n) : 0) + c); });
    return checked(this.centre + o.centre, terms, this.rest + o.rest);
  };
  Affine.prototype.scaled = function (k) {
    if (!this.bounded() || !fin(k)) return UNBOUNDED;
    var terms = new Map(); this.terms.forEach(function (c, n) { terms.set(n, k * c); });
    return checked(k * this.centre, terms, Math.abs(k) * this.rest);
  };
  Affine.prototype.negated = function () { return this.scaled(-1); };
  Affine.prototype.times = function (o) {
    if (!(this.bounded() && o.bounded())) return UNBOUNDED;
    var x0 = this.centre, y0 = o.centre;
    if (!o.terms.size && !o.rest) return this.scaled(y0);
    if (!this.terms.size && !this.rest) return o.scaled(x0);
    var terms = new Map(); this.terms.forEach(function (c, n) { terms.set(n, y0 * c); });
    o.terms.forEach(function (c, n) { terms.set(n, (terms.has(n) ? terms.get(n) : 0) + x0 * c); });
    var rest = Math.abs(x0) * o.rest + Math.abs(y0) * this.rest + this.radius() * o.radius();
    return checked(x0 * y0, terms, rest);
  };
  Affine.prototype.square = function () {
    if (!this.bounded()) return UNBOUNDED;
    var x0 = this.centre, r = this.radius(), half = 0.5 * r * r;
    var terms = new Map(); this.terms.forEach(function (c, n) { terms.set(n, 2 * x0 * c); });
    return checked(x0 * x0 + half, terms, 2 * Math.abs(x0) * this.rest + half);
  };
  function safely(fn) {  // affine._safely: a bound that cannot be computed bounds nothing
    var args = Array.prototype.slice.call(arguments, 1), v = fn.apply(null, args);
    return v !== v ? Infinity : v;
  }
  Affine.prototype.smooth = function (f, slope, bend) {
    if (!this.bounded()) return UNBOUNDED;
    var low = this.low(), high = this.high(), most = safely(bend, low, high);
    if (!fin(most)) return between(safely(f, low), safely(f, high));
    var x0 = this.centre, r = this.radius(), k = safely(slope, x0);
    var terms = new Map(); this.terms.forEach(function (c, n) { terms.set(n, k * c); });
    return checked(safely(f, x0), terms, Math.abs(k) * this.rest + 0.5 * most * r * r);
  };
  Affine.prototype.exp = function () { return this.smooth(Math.exp, Math.exp, function (l, h) { return Math.exp(h); }); };
  Affine.prototype.log = function (least) {
    if (this.bounded() && this.low() > least) {
      return this.smooth(Math.log, function (x) { return 1 / x; }, function (l) { return 1 / (l * l); });
    }
    return this.bounded() ? between(Math.log(pmax(this.low(), least)), Math.log(pmax(this.high(), least))) : UNBOUNDED;
  };
  Affine.prototype.reciprocal = function () {
    if (!this.bounded() || (this.low() <= 0 && 0 <= this.high())) return UNBOUNDED;
    var nearest = Math.min(Math.abs(this.low()), Math.abs(this.high()));
    return this.smooth(function (x) { return 1 / x; }, function (x) { var s = x * x; return s === 0 ? Infinity : -1 / s; },
                       function () { var c = Math.pow(nearest, 3); return c === 0 ? Infinity : 2 / c; });
  };
  function total(forms) { var r = point(0); for (var i = 0; i < forms.length; i++) r = r.plus(forms[i]); return r; }
  function product(forms) { var r = point(1); for (var i = 0; i < forms.length; i++) r = r.times(forms[i]); return r; }

  // --- rule trees (bpstep/expr.py as_data) --------------------------------------------------
  var KIDS_AT = { ref: 99, "const": 99, sum: 2, diff: 1, prod: 2, div: 1, neg: 1, square: 1, exp: 1,
                  ln: 1, call: 2, group: 1, slope: 3, softmax: 2 };
  function kids(n) { return n.length > KIDS_AT[n[0]] ? n.slice(KIDS_AT[n[0]]) : []; }
  function withKids(n, k) { return n.slice(0, KIDS_AT[n[0]]).concat(k); }
  var keys = new WeakMap();
  function key(n) { var k = keys.get(n); if (k === undefined) { k = JSON.stringify(n); keys.set(n, k); } return k; }
  function same(a, b) { return a === b || key(a) === key(b); }
  function rewrite(n, change) {
    var r = change(n);
    if (r !== null && r !== undefined) return r;
    var k = kids(n);
    if (!k.length) return n;
    var changed = false, out = k.map(function (c) { var d = rewrite(c, change); if (d !== c) changed = true; return d; });
    return changed ? withKids(n, out) : n;
  }
  function nodes(n, out) { out = out || []; out.push(n); kids(n).forEach(function (c) { nodes(c, out); }); return out; }
  function refs(n) {
    var seen = new Set(), out = [];
    nodes(n).forEach(function (m) { if (m[0] === "ref" && !seen.has(m[1])) { seen.add(m[1]); out.push(m[1]); } });
    return out;
  }
  function size(n) { return nodes(n).length; }
  function substitute(n, repl) {
    return rewrite(n, function (m) { return m[0] === "ref" && repl.has(m[1]) ? repl.get(m[1]) : null; });
  }
  function renaming(n, names) {
    var repl = new Map(); names.forEach(function (nw, old) { repl.set(old, ["ref", nw]); });
    return substitute(n, repl);
  }
  function inline(n, ruleOf, depth) {
    if (depth <= 0) return n;
    return rewrite(n, function (m) {
      if (m[0] !== "ref") return null;
      var r = ruleOf(m[1]);
      return r === null || r === undefined ? null : inline(r, ruleOf, depth - 1);
    });
  }
  function constOf(value, text) { return ["const", value, text]; }

  function makeFunctions(f) {  // the named functions of expr.Call, by the pattern they print with
    var step = function (a) { return a > 0 ? 1 : 0; }, flat = function () { return 0; };
    var kink = function (l, h) { return l >= 0 || h <= 0 ? 0 : Infinity; };
    var jump = function (l, h) { return l > 0 || h <= 0 ? 0 : Infinity; };
    var leakyStep = function (a) { return a > 0 ? 1 : f.leaky_slope; };
    return {
      "tanh({})": [Math.tanh, function (v) { var t = Math.tanh(v); return 1 - t * t; }, function () { return f.tanh_bend; }],
      "max(0, {})": [function (v) { return pmax(v, 0); }, step, kink],
      "step({})": [step, flat, jump],
      "leaky_relu({})": [function (a) { return a > 0 ? a : f.leaky_slope * a; }, leakyStep, kink],
      "leaky_step({})": [leakyStep, flat, jump],
    };
  }

  function evaluator(functions) {
    function ev(n, env) {
      switch (n[0]) {
        case "ref": return env(n[1]);
        case "const": return n[1];
        case "sum": return safeSum(kids(n).map(function (c) { return ev(c, env); }));
        case "diff": return ev(n[1], env) - ev(n[2], env);
        case "prod": { var r = 1; for (var i = 2; i < n.length; i++) r *= ev(n[i], env); return r; }
        case "div": return divide(ev(n[1], env), ev(n[2], env));
        case "neg": return -ev(n[1], env);
        case "square": { var x = ev(n[1], env); return x * x; }
        case "exp": return Math.exp(ev(n[1], env));
        case "ln": { var y = ev(n[1], env); return y === y ? Math.log(pmax(y, TINY)) : y; }
        case "call": return functions[n[1]][0](ev(n[2], env));
        case "group": return ev(n[1], env);
        case "slope": return ev(n[3], env);
        case "softmax": {
          var vals = kids(n).map(function (c) { return ev(c, env); });
          if (!vals.every(fin)) return NaN;
          var top = vals.reduce(pmax);
          return Math.exp(vals[n[1]] - top) / fsum(vals.map(function (v) { return Math.exp(v - top); }));
        }
      }
      throw new Error("unknown node " + n[0]);
    }
    function bound(n, ranges) {
      switch (n[0]) {
        case "ref": return ranges(n[1]);
        case "const": return point(n[1]);
        case "sum": return total(kids(n).map(function (c) { return bound(c, ranges); }));
        case "diff": return bound(n[1], ranges).plus(bound(n[2], ranges).negated());
        case "prod": return product(kids(n).map(function (c) { return bound(c, ranges); }));
        case "div": return bound(n[1], ranges).times(bound(n[2], ranges).reciprocal());
        case "neg": return bound(n[1], ranges).negated();
        case "square": return bound(n[1], ranges).square();
        case "exp": return bound(n[1], ranges).exp();
        case "ln": return bound(n[1], ranges).log(TINY);
        case "call": { var fn = functions[n[1]]; return bound(n[2], ranges).smooth(fn[0], fn[1], fn[2]); }
        case "group": return bound(n[1], ranges);
        case "slope": return bound(n[3], ranges);
        case "softmax": {
          var forms = kids(n).map(function (c) { return bound(c, ranges); });
          var top = forms.map(function (f) { return f.centre; }).reduce(pmax);
          var powers = forms.map(function (f) { return f.plus(point(-top)).exp(); });
          return powers[n[1]].times(total(powers).reciprocal());
        }
      }
      throw new Error("unknown node " + n[0]);
    }
    return { evaluate: ev, bound: bound };
  }
  // expr's printer in names (Expr.names): what a hint calls an intermediate result.
  var SUM = 1, NEGATION = 2, PRODUCT = 3, ATOM = 5;
  function strength(n) {
    switch (n[0]) {
      case "sum": case "diff": return SUM;
      case "prod": case "div": case "softmax": return PRODUCT;
      case "neg": return NEGATION;
      case "slope": return strength(n[3]);
      default: return ATOM;
    }
  }
  function wrapped(n, least) {
    if (n[0] === "ref") return n[1];
    var text = write(n);
    if (strength(n) >= least) return text;
    return n[0] === "sum" ? n[1].charAt(0) + text + n[1].charAt(1) : "(" + text + ")";
  }
  function factor(n, first) { return first && n[0] === "neg" ? write(n) : wrapped(n, PRODUCT); }
  function write(n) {
    switch (n[0]) {
      case "ref": return n[1];
      case "const": return n[2];
      case "sum": return kids(n).map(function (t) { return wrapped(t, SUM); }).join(" + ");
      case "diff": return wrapped(n[1], SUM) + " − " + wrapped(n[2], SUM + 1);
      case "prod": {
        var k = kids(n);
        return [factor(k[0], true)].concat(k.slice(1).map(function (f) { return wrapped(f, PRODUCT); })).join(n[1] ? "·" : " · ");
      }
      case "div": return factor(n[1], true) + " / " + wrapped(n[2], PRODUCT + 1);
      case "neg": return "−" + wrapped(n[1], PRODUCT);
      case "square": return wrapped(n[1], ATOM) + "²";
      case "exp": return "e^" + wrapped(n[1], ATOM);
      case "ln": return strength(n[1]) === ATOM ? "ln " + write(n[1]) : "ln(" + write(n[1]) + ")";
      case "call": return n[1].replace("{}", write(n[2]));
      case "group": return "(" + write(n[1]) + ")";
      case "slope": return write(n[3]);
      case "softmax": {
        var ops = kids(n);
        return write(["div", ["exp", ops[n[1]]], ["sum", "()"].concat(ops.map(function (a) { return ["exp", a]; }))]);
      }
    }
    throw new Error("unknown node " + n[0]);
  }
  var TINY = 2.2250738585072014e-308;

  // --- the marker (bpstep/verify.py) ----------------------------------------------------------
  var ACCEPTED = { correct: 1, rounding: 1, carried: 1 };

  function Model(data) {
    this.data = data;
    this.L = data.limits;
    this.fns = makeFunctions(data.functions);
    this.ex = evaluator(this.fns);
    this.q = new Map(); this.order = new Map(); this.list = data.quantities;
    var self = this;
    data.quantities.forEach(function (q, i) { q.valueN = num(q.value); self.q.set(q.name, q); self.order.set(q.name, i); });
    this.truth = new Map(); Object.keys(data.truth).forEach(function (k) { self.truth.set(k, num(data.truth[k])); });
    this.given = new Map(); Object.keys(data.given).forEach(function (k) { self.given.set(k, num(data.given[k])); });
  }

  function Marker(model, answers, tol, floor) {
    this.M = model; this.L = model.L; this.answers = answers; this.tol = tol; this.floor = floor;
    var self = this;
    this.world = new Map(model.given);
    this.recomputed = new Map(); this.writtenAbove = new Map();
    this.chain = this.newChain(new Set()); this.readings = new Map([["", this.chain]]);
    this.formsWorked = 0; this.plainWorld = null; this.taint = new Map();
    this.fed = new Map(); this.deeps = new Map(); this.roads = new Map(); this.shapes = new Map();
    this.asMistaken = new Map(); this.revealed = new Map(); this.overrides = new Map();
    this.worldFn = function (n) { return self.world.get(n); };
    this.truthFn = function (n) { return model.truth.get(n); };
  }
  var P = Marker.prototype;
  P.ev = function (rule, env) { return this.M.ex.evaluate(rule, env); };
  P.bd = function (rule, chain) { return this.M.ex.bound(rule, chain.get); };
  P.newChain = function (excluded) {
    var self = this, forms = new Map();
    var chain = { excluded: excluded, forms: forms, get: null };
    chain.get = function (name) {
      var f = forms.get(name);
      if (f === undefined) { f = self.formOf(name, chain); forms.set(name, f); }
      return f;
    };
    return chain;
  };
  P.tolerance = function (a) { return this.tol === null ? a.halfUnit : this.tol; };
  P.close = function (v, ref, tol) {
    if (!(fin(v) && fin(ref))) return false;
    return Math.abs(v - ref) <= tol + this.L.epsilon * Math.max(1, Math.abs(ref));
  };
  P.exactly = function (v, ref) {
    return fin(v) && fin(ref) && Math.abs(v - ref) <= this.L.epsilon * Math.abs(ref) + this.L.float_noise;
  };
  P.reaches = function (v, form, tol) {
    if (!(form.bounded() && fin(v))) return false;
    return this.close(v, pmin(pmax(v, form.low()), form.high()), tol);
  };
  P.formOf = function (name, chain) {
    if (this.overrides.has(name) && !chain.excluded.has(name)) return this.overrides.get(name);
    var a = this.answers.get(name);
    if (a) return this.writtenFormOf(a, chain);
    if (!this.M.q.has(name) || !this.writtenAbove.get(name)) return point(this.M.truth.get(name));
    this.formsWorked += 1;
    if (this.formsWorked > this.L.most_forms) return UNBOUNDED;
    return this.bd(this.M.q.get(name).rule, chain);
  };
  P.writtenFormOf = function (a, chain) {
    var x = a.value, t = this.M.truth.has(a.name) ? this.M.truth.get(a.name) : NaN;
    if (fin(t) && Math.abs(x - t) <= this.L.epsilon * Math.abs(t)) return point(t);
    if (floorMet(this.floor, a)) return writtenForm(a.name, x, a.halfUnit);
    var rule = this.asMistaken.get(a.name);
    var own = rule !== undefined ? this.bd(rule, chain)
      : this.writtenAbove.get(a.name) ? this.bd(this.M.q.get(a.name).rule, chain) : point(t);
    if (own.bounded() && own.radius() <= this.L.epsilon * Math.abs(x) + this.L.float_noise && this.exactly(x, own.centre)) return point(x);
    var tol = this.tolerance(a), ends = [x];
    if (this.reaches(x, own, tol)) ends.push(own.low(), own.high());
    if (this.close(x, t, tol)) ends.push(t);
    if (ends.length === 1) return writtenForm(a.name, x, a.halfUnit);
    return between(ends.reduce(pmin), ends.reduce(pmax));
  };
  P.unwrittenRule = function (name) {
    if (this.answers.has(name) || !this.M.q.has(name) || !this.M.q.get(name).backward) return null;
    return this.M.q.get(name).rule;
  };
  P.deep = function (q) {
    var e = this.deeps.get(q.name), self = this;
    if (e === undefined) {
      var road = new Set(this.feeding(q).filter(function (n) { return self.unwrittenRule(n) !== null; }));
      if (this.roadSize(q, road) <= Math.floor(this.L.most_work / 10)) {
        e = inline(q.rule, function (n) { return road.has(n) ? self.M.q.get(n).rule : null; }, road.size);
      } else {
        e = inline(q.rule, function (n) { return self.unwrittenRule(n); }, this.L.depth);
      }
      this.deeps.set(q.name, e);
    }
    return e;
  };
  P.unwrittenSources = function (q, levels) {
    if (levels === undefined) levels = this.L.most_path;
    var found = [], seen = new Set(), level = [q.name];
    for (var i = 0; i < levels; i++) {
      if (!level.length || found.length >= this.L.most_path) break;
      var next = [];
      for (var j = 0; j < level.length; j++) {
        var ins = this.M.q.get(level[j]).inputs;
        for (var k = 0; k < ins.length; k++) {
          var s = ins[k];
          if (this.M.q.has(s) && !this.answers.has(s) && !seen.has(s)) { seen.add(s); found.push(s); next.push(s); }
        }
      }
      level = next;
    }
    return found;
  };
  P.workOut = function (qs) {
    for (var i = 0; i < qs.length; i++) {
      var q = qs[i], again = this.ev(q.rule, this.worldFn);
      this.recomputed.set(q.name, again);
      var a = this.answers.get(q.name);
      if (!this.overrides.has(q.name)) this.world.set(q.name, a ? a.value : again);
      var self = this;
      this.writtenAbove.set(q.name, q.inputs.some(function (n) {
        return self.answers.has(n) || self.overrides.has(n) || self.writtenAbove.get(n) === true;
      }));
    }
  };
  P.upstreamOf = function (inputs) {
    var out = new Set(), self = this;
    inputs.forEach(function (n) { var t = self.taint.get(n); if (t) t.forEach(function (x) { out.add(x); }); });
    return out;
  };
  P.override = function (name, rule, shownIn) {
    if (this.overrides.has(name)) return;
    if (!this.overrides.size) this.plainWorld = new Map(this.world);
    this.overrides.set(name, this.bd(rule, this.chain));
    this.world.set(name, this.ev(rule, this.worldFn));
    this.taint.set(name, new Set([shownIn]));
    if (!this.revealed.has(shownIn)) this.revealed.set(shownIn, name);
    this.readings.forEach(function (c) { c.forms.clear(); });
    var later = this.M.list.slice(this.M.order.get(name) + 1);
    this.workOut(later);
    for (var i = 0; i < later.length; i++) {
      var q = later[i];
      if (this.M.order.get(q.name) >= this.M.order.get(shownIn)) break;
      if (!this.answers.has(q.name)) this.taint.set(q.name, this.upstreamOf(q.inputs));
    }
  };
  P.mark = function () {
    this.workOut(this.M.list);
    var out = [];
    for (var i = 0; i < this.M.list.length; i++) {
      var q = this.M.list[i], upstream = this.upstreamOf(q.inputs), a = this.answers.get(q.name), v;
      if (!a) { v = { name: q.name, verdict: "not attempted", stage: q.stage }; this.taint.set(q.name, upstream); }
      else {
        v = this.judge(q, a, upstream);
        v.stage = q.stage;
        var clean = v.verdict === "correct" || v.verdict === "rounding";
        this.taint.set(q.name, clean ? new Set() : new Set([q.name]));
      }
      v.carried_from = v.carried_from || [];
      v.mistake = v.mistake || null; v.hint = v.hint || null;
      v.accepted = v.verdict === "not attempted" ? null : !!ACCEPTED[v.verdict];
      v.credit = this.M.data.credit[v.verdict];
      v.expected = q.valueN;
      if (a) { v.written = a.text; v.given = a.value; }
      out.push(v);
    }
    return out;
  };
  P.judge = function (q, a, upstream) {
    var tol = this.tolerance(a), x = a.value, again = this.recomputed.get(q.name), self = this;
    var coarse = floorMet(this.floor, a) ? null : floorAdvice(this.floor, a);
    var V = function (verdict, extra) { var o = { name: q.name, verdict: verdict, recomputed: again }; for (var k in extra) o[k] = extra[k]; return o; };
    if (this.close(x, q.valueN, tol)) {
      if (coarse && !(this.exactly(x, q.valueN) || this.exactlyOwn(q, x))) return V("too coarse", { hint: coarse, mistake: "coarse" });
      return V("correct", {});
    }
    if (this.ownValue(q, x, tol)) {
      if (coarse && !this.exactlyOwn(q, x)) return V("too coarse", { hint: coarse, mistake: "coarse" });
      if (upstream.size) {
        var sources = Array.from(upstream).sort(function (p, r) { return self.M.order.get(p) - self.M.order.get(r); });
        return V("carried", { hint: "consistent with your " + this.listing(sources), carried_from: sources });
      }
      var rounded = q.inputs.filter(function (n) { return self.answers.has(n) && self.world.get(n) !== self.valueOf(n); });
      return V("rounding", { hint: rounded.length ? "from your rounded " + this.listing(rounded) : "from your rounded earlier values" });
    }
    if (!fin(q.valueN)) return V("wrong", { hint: this.M.data.words.not_finite, mistake: "not_finite" });
    var low = num(q.low), high = num(q.high), inside = low <= x && x <= high;
    var named = this.namedMistake(q, a, tol, inside ? [low, high] : [-Infinity, Infinity]);
    if (named) {
      if (named[1].source === null) this.asMistaken.set(q.name, named[1].rule);
      return V("wrong", { hint: inside ? named[1].hint : named[1].hint + ": " + q.outside, mistake: named[0] });
    }
    if (!inside) return V("wrong", { hint: q.outside, mistake: "out_of_range" });
    var early = this.roundedEarly(q, a, tol);
    if (early) {
      var verdict = coarse ? "wrong" : "rounded too early";
      return V(verdict, { hint: verdict === "rounded too early" ? early.hint : this.M.data.words.early + early.hint, mistake: "early" });
    }
    var digits = this.digitMistake(q, a, again);
    if (digits) return V("wrong", { hint: this.M.data.words.digits[digits], mistake: digits });
    return V("wrong", {});
  };
  P.valueOf = function (n) { return this.M.q.has(n) ? this.M.q.get(n).valueN : this.M.given.get(n); };
  P.ownValue = function (q, x, tol) {
    if (this.close(x, this.recomputed.get(q.name), tol)) return true;
    if (!this.overrides.size) return this.writtenAbove.get(q.name) && this.reaches(x, this.bd(q.rule, this.chain), tol);
    var found = Array.from(this.overrides.keys()), readings = [[], found];
    found.forEach(function (n) { readings.push([n]); readings.push(found.filter(function (m) { return m !== n; })); });
    var pw = this.plainWorld;
    if (this.close(x, this.ev(q.rule, function (n) { return pw.get(n); }), tol)) return true;
    for (var i = 0; i < readings.length; i++) {
      if (this.reaches(x, this.bd(q.rule, this.reading(readings[i])), tol)) return true;
    }
    return false;
  };
  P.reading = function (excluded) {
    var k = excluded.slice().sort().join("\u0000"), c = this.readings.get(k);
    if (c === undefined) { c = this.newChain(new Set(excluded)); this.readings.set(k, c); }
    return c;
  };
  P.exactlyOwn = function (q, x) {
    if (!this.writtenAbove.get(q.name)) return this.exactly(x, q.valueN);
    var f = this.bd(q.rule, this.chain);
    return f.bounded() && f.radius() <= this.L.epsilon * Math.abs(x) + this.L.float_noise && this.exactly(x, f.centre);
  };
  P.spread = function (q) {
    if (!this.writtenAbove.get(q.name)) return 0;
    var f = this.bd(q.rule, this.chain);
    return f.bounded() ? f.radius() : 0;
  };
  P.variantsOf = function (q) {  // [key, {rule, hint, source, sourceRule}] of each mistake, in order
    var out = [], self = this, applies = new Set(q.mistakes);
    this.M.data.strategies.forEach(function (s) {
      if (!applies.has(s.key)) return;
      self.strategy(s, q).forEach(function (v) { out.push([s.key, v]); });
    });
    return out;
  };
  function variant(rule, hint, source, sourceRule) {
    return { rule: rule, hint: hint, source: source === undefined ? null : source, sourceRule: sourceRule === undefined ? null : sourceRule };
  }
  P.strategy = function (s, q) {
    var self = this, out = [];
    if (s.replayed) return this.misrules(q, s.key, true, this.L.most_path);
    if (s.negated) return [variant(["neg", q.rule], "sign flipped")];
    if (s.slopes) {
      if (s.fused && this.M.data.fused) {
        var expr = this.deep(q), pairs = this.M.data.fused.pairs;
        var terms = nodes(expr).filter(function (n) { return pairs.some(function (p) { return same(p[0], n); }); });
        if (terms.length) {
          out.push(variant(rewrite(expr, function (n) {
            for (var i = 0; i < pairs.length; i++) if (same(pairs[i][0], n)) return pairs[i][1];
            return null;
          }), this.M.data.fused.hint + this.deltaOf(q, terms[0])));
        }
      }
      return out.concat(this.eachSlope(q, s.slopes, s.how));
    }
    if (s.rename === "net_input") {
      var hint = this.M.data.words.a_for_y;
      out.push(variant(renaming(q.rule, this.renamed(q.rule, q, "net_input")), hint));
      var deep = this.deep(q);
      if (!same(deep, q.rule)) {
        this.renamed(deep, q, "net_input").forEach(function (nw, old) {
          out.push(variant(renaming(deep, new Map([[old, nw]])), hint + " (" + nw + " for " + old + ")"));
        });
      }
      return out;
    }
    if (s.rename === "updated") {
      var e = this.deep(q), names = this.renamed(e, q, "updated"), own = new Set(q.inputs), source = null;
      var anyOwn = false; names.forEach(function (nw, old) { if (own.has(old)) anyOwn = true; });
      if (!anyOwn) {
        var srcs = this.unwrittenSources(q);
        for (var i = 0; i < srcs.length; i++) {
          var ins = new Set(self.M.q.get(srcs[i]).inputs), hit = false;
          names.forEach(function (nw, old) { if (ins.has(old)) hit = true; });
          if (hit) { source = srcs[i]; break; }
        }
      }
      return [variant(renaming(e, names), this.M.data.words.new_for_old, source,
                      source === null ? null : renaming(this.M.q.get(source).rule, names))];
    }
    if (s.powers) {
      var powers = this.M.data.powers;
      powers.forEach(function (p) { out.push(variant(["prod", false, q.rule, constOf(p[2], String(p[2]))], "off by a power of ten (×" + p[1] + ")")); });
      out = out.concat(this.misrules(q, s.key, false, this.L.depth));
      if (q.inputs.length > this.L.most_operands) return out;
      q.inputs.forEach(function (name) {
        if ((self.M.q.has(name) && !self.answers.has(name)) || self.world.get(name) === 0) return;
        powers.forEach(function (p) {
          var scaled = substitute(q.rule, new Map([[name, ["prod", false, ["ref", name], constOf(p[2], String(p[2]))]]]));
          out.push(variant(scaled, "off by a power of ten: " + name + " taken ×" + p[1]));
        });
      });
      return out;
    }
    throw new Error("unknown strategy for " + s.key);
  };
  P.renamed = function (expr, q, field) {
    var start = null, info = this.M.data.names;
    if ((q.kind === "w" || q.kind === "b") && info[q.name]) {
      start = q.name.replace(/^[a-z_0-9]+/, q.kind === "w" ? "w0" : "b0");
    }
    var out = new Map(), self = this;
    refs(expr).forEach(function (r) {
      var entry = info[r];
      var other = entry && r !== start ? entry[field] : undefined;
      if (other !== undefined && self.M.q.has(other)) out.set(r, other);
    });
    return out;
  };
  P.deltaOf = function (q, part) {  // verify._delta_of: " in delta[o]" when part is another unit's
    var info = this.M.data.names, rs = refs(part);
    for (var i = 0; i < rs.length; i++) {
      var e = info[rs[i]];
      if (e && e.unit) return q.kind === "delta" && e.unit === q.unit ? "" : " in " + e.delta;
    }
    return "";
  };
  P.eachSlope = function (q, replace, how) {
    var expr = this.deep(q), slopes = [], self = this;
    nodes(expr).forEach(function (n) {
      if (n[0] === "slope" && n[1] !== "identity" && !slopes.some(function (s) { return same(s, n); })) slopes.push(n);
    });
    var rep = function (s) { return replace === "one" ? constOf(1, "1") : ["prod", false, s, s]; };
    var out = slopes.map(function (s) {
      var where = self.deltaOf(q, s), source = where ? where.slice(4) : null;
      var change = function (n) { return same(n, s) ? rep(s) : null; };
      return variant(rewrite(expr, change), "activation derivative f′(a) = " + s[2] + " of " + s[1] + " " + how + where,
                     source, source !== null && self.M.q.has(source) ? rewrite(self.M.q.get(source).rule, change) : null);
    });
    if (slopes.length > 1) {
      out.push(variant(rewrite(expr, function (n) { return n[0] === "slope" ? rep(n) : null; }),
                       "activation derivative f′(a) " + how + " in every δ"));
    }
    return out;
  };
  P.misrules = function (q, key, own, levels) {
    var out = [], self = this;
    var ownRules = function (p) { return (p.rewrites[key] || []); };
    if (own) ownRules(q).forEach(function (r) { out.push(variant(r[0], r[1])); });
    var work = 0, sources = this.unwrittenSources(q, levels);
    for (var i = 0; i < sources.length; i++) {
      var name = sources[i], src = this.M.q.get(name), path = new Set(this.between(q, name));
      var road = this.roadSize(q, new Set(Array.from(path).concat([name])));
      if (road > Math.floor(this.L.most_work / 10)) continue;
      var made = ownRules(src);
      for (var j = 0; j < made.length; j++) {
        work += road;
        if (work > this.L.most_work) return out;
        var wrong = made[j][0], hint = made[j][1];
        var ruleOf = (function (wrong, name, path) {
          return function (n) { return n === name ? wrong : path.has(n) ? self.M.q.get(n).rule : null; };
        })(wrong, name, path);
        var said = hint.indexOf(name) >= 0 ? hint : hint + ", in " + name;
        out.push(variant(inline(q.rule, ruleOf, path.size + 1), said + " (not written)", name, wrong));
      }
    }
    return out;
  };
  P.replays = function (q, a, tol, bounds) {
    var low = bounds[0], high = bounds[1], x = a.value, again = this.recomputed.get(q.name), self = this;
    var reach = tol + this.L.near * this.spread(q);
    var bases = [this.worldFn];
    var names = new Set(q.inputs.concat(refs(this.deep(q))));
    var differs = false; names.forEach(function (n) { if (self.M.truth.get(n) !== self.world.get(n)) differs = true; });
    if (differs) bases.push(this.truthFn);
    var variants = this.variantsOf(q), found = [];
    for (var b = 0; b < bases.length; b++) {
      for (var i = 0; i < variants.length; i++) {
        var v = variants[i][1], value = this.ev(v.rule, bases[b]);
        if (!(low <= value && value <= high) || this.close(value, q.valueN, tol) || this.close(value, again, tol)) continue;
        if (this.close(x, value, tol) || (b === 0 && Math.abs(x - value) <= reach + this.L.near_share * Math.abs(value)
            && this.reaches(x, this.bd(v.rule, this.chain), tol))) found.push(variants[i]);
      }
    }
    return found;
  };
  P.namedMistake = function (q, a, tol, bounds) {
    var own = null, hidden = null, found = this.replays(q, a, tol, bounds);
    for (var i = 0; i < found.length; i++) {
      if (found[i][1].source === null) own = own || found[i]; else hidden = hidden || found[i];
      if (own && hidden) break;
    }
    if (hidden && hidden[1].sourceRule !== null) this.override(hidden[1].source, hidden[1].sourceRule, q.name);
    return own || hidden;
  };
  P.roundedEarly = function (q, a, tol) {
    var figures = Math.min(a.figures, this.L.most_figures), x = a.value, self = this;
    var pairs = [[this.worldFn, this.recomputed.get(q.name)], [this.truthFn, q.valueN]];
    for (var p = 0; p < pairs.length; p++) {
      var base = pairs[p][0], worked = pairs[p][1], gap = Math.abs(x - worked);
      var found = this.earlyValues(q, base, figures).filter(function (e) {
        return self.close(x, e[0], tol) && Math.abs(e[0] - worked) >= 0.25 * gap;
      }).map(function (e) { return e[1]; });
      if (found.length) {
        var hidden = found.find(function (v) { return v.source !== null; }) || null;
        if (hidden && hidden.sourceRule !== null) this.override(hidden.source, hidden.sourceRule, q.name);
        return found.find(function (v) { return v.source === null; }) || hidden;
      }
      if (q.inputs.every(function (n) { return self.M.truth.get(n) === self.world.get(n); })) break;
    }
    return null;
  };
  P.earlyValues = function (q, base, figures) {
    var sources = this.unwrittenSources(q), self = this, out = [];
    var rules = [[null, q.rule]].concat(sources.map(function (s) { return [s, self.M.q.get(s).rule]; }));
    var sizes = new Map(); rules.forEach(function (r) { sizes.set(r[0], size(r[1])); });
    var whole = sizes.get(null); sizes.forEach(function (s) { whole += s; });
    var work = 0, sourceSet = new Set(sources), given = this.M.data.given;
    var skip = { "const": 1, group: 1, slope: 1, neg: 1 };
    for (var pass = 0; pass < 2; pass++) {
      var values = pass === 0, seen = new Set();
      for (var r = 0; r < rules.length; r++) {
        var owner = rules[r][0], rule = rules[r][1], all = nodes(rule);
        for (var k = 0; k < all.length; k++) {
          var node = all[k];
          if (node === rule || skip[node[0]] || (node[0] === "ref") !== values || (values && Object.prototype.hasOwnProperty.call(given, node[1]))) continue;
          var places = values && sourceSet.has(node[1]) && owner !== null ? [node[1], owner]
            : values && sourceSet.has(node[1]) ? [node[1]] : [owner];
          var text = this.names(node), exact = this.ev(node, base);
          for (var w = 0; w < places.length; w++) {
            var where = places[w], sk = (where === null ? "\u0000" : where) + "\u0001" + text;
            if (seen.has(sk)) continue;
            seen.add(sk);
            var rs = roundings(exact, figures, this.L.least_figures);
            for (var i = 0; i < rs.length; i++) {
              work += where === null ? sizes.get(null) : whole;
              if (work > this.L.most_work) return out;
              var constant = constOf(rs[i][0], rs[i][1]);
              var wrong = where !== owner ? constant : rewrite(rule, (function (nd, c) { return function (n) { return same(n, nd) ? c : null; }; })(node, constant));
              out.push([this.workedThrough(q, where, wrong, base),
                        variant(wrong, text + " = " + fmt(exact) + " taken as " + rs[i][1] + "; keep every digit until the answer",
                                where, where === null ? null : wrong)]);
            }
          }
        }
      }
    }
    return out;
  };
  P.names = function (node) { return write(node); };
  function roundings(exact, figures, least) {
    if (!fin(exact)) return [];
    var tried = new Set(), out = [];
    for (var k = figures; k >= least; k--) {
      var r = roundFigures(exact, k);
      if (r !== exact && !tried.has(r)) { tried.add(r); out.push([r, fmt(r, k)]); }
    }
    return out;
  }
  P.workedThrough = function (q, source, rule, base) {
    if (source === null) return this.ev(rule, base);
    var changed = new Map(), env = function (n) { return changed.has(n) ? changed.get(n) : base(n); };
    changed.set(source, this.ev(rule, env));
    var path = this.between(q, source);
    for (var i = 0; i < path.length; i++) changed.set(path[i], this.ev(this.M.q.get(path[i]).rule, env));
    return this.ev(q.rule, env);
  };
  P.between = function (q, source) {
    var k = q.name + "\u0000" + source, path = this.roads.get(k), self = this;
    if (path === undefined) {
      var reached = new Set([source]); path = [];
      this.roads.set(k, path);
      this.feeding(q).forEach(function (n) {
        if (self.M.order.get(n) > self.M.order.get(source) && self.M.q.get(n).inputs.some(function (i) { return reached.has(i); })) {
          reached.add(n); path.push(n);
        }
      });
    }
    return path;
  };
  P.roadSize = function (q, road) {
    var sizes = new Map(), self = this;
    var sizeOf = function (name) {
      if (!sizes.has(name)) {
        var shape = self.shapes.get(name);
        if (shape === undefined) {
          var rule = self.M.q.get(name).rule, uses = new Map();
          nodes(rule).forEach(function (n) { if (n[0] === "ref") uses.set(n[1], (uses.get(n[1]) || 0) + 1); });
          shape = [size(rule), uses]; self.shapes.set(name, shape);
        }
        var total = shape[0];
        shape[1].forEach(function (times, r) { if (road.has(r)) total += times * (sizeOf(r) - 1); });
        sizes.set(name, total);
      }
      return sizes.get(name);
    };
    return sizeOf(q.name);
  };
  P.feeding = function (q) {
    var found = this.fed.get(q.name), self = this;
    if (found === undefined) {
      var seen = new Set(), stack = [q.name];
      while (stack.length && seen.size < this.L.most_path) {
        this.M.q.get(stack.pop()).inputs.forEach(function (n) {
          if (self.M.q.has(n) && !self.answers.has(n) && !seen.has(n)) { seen.add(n); stack.push(n); }
        });
      }
      found = Array.from(seen).sort(function (a, b) { return self.M.order.get(a) - self.M.order.get(b); });
      this.fed.set(q.name, found);
    }
    return found;
  };
  P.listing = function (names) {
    var self = this, most = 3;
    var shown = names.slice(0, most).map(function (n) {
      return n + " = " + self.answers.get(n).text + (self.revealed.has(n) ? " and the " + self.revealed.get(n) + " it shows" : "");
    });
    var more = names.length - most;
    return shown.join(", ") + (more > 0 ? " and " + more + " more" : "");
  };
  P.digitMistake = function (q, a, again) {
    var places = decimalsOf(this.tolerance(a));
    if (places === null || !fin(a.value)) return null;
    var written = fixed(Math.abs(a.value), places);
    if (written.replace(".", "").replace(/^0+/, "").length < this.L.slip_digits) return null;
    var refsTried = [again, q.valueN];
    for (var i = 0; i < refsTried.length; i++) {
      var r = refsTried[i];
      if (fin(r) && (r < 0) === (a.value < 0)) {
        var found = digitsDiffer(written, fixed(Math.abs(r), places));
        if (found) return found;
      }
    }
    return null;
  };
  function decimalsOf(tol) {
    if (tol <= 0) return 0;
    var places = -Math.log10(2 * tol), r = Math.round(places);
    return Math.abs(places - r) < 1e-6 && r >= 0 && r <= 15 ? r : null;
  }
  function digitsDiffer(w, o) {
    if (w.length !== o.length || w === o) return null;
    var diff = [];
    for (var i = 0; i < w.length; i++) if (w[i] !== o[i]) diff.push(i);
    if (diff.length === 1) return "slip";
    if (diff.length === 2 && diff[1] === diff[0] + 1 && w[diff[0]] === o[diff[1]] && w[diff[1]] === o[diff[0]]) return "swapped_digits";
    return null;
  }

  // --- the public face ---------------------------------------------------------------------
  function create(data) {
    var model = new Model(data);
    // `answers`: {quantity name: number as written}; names the step lacks and blanks are left out.
    function verify(answers, options) {
      options = options || {};
      var floor = options.floor !== undefined ? options.floor : data.floor;
      var tol = options.tol !== undefined ? options.tol : data.tol;
      var read = new Map();
      Object.keys(answers || {}).forEach(function (name) {
        var text = answers[name];
        if (!model.q.has(name) || text === null || text === undefined || String(text).trim() === "") return;
        var w = readNumber(text);
        if (w) { w.name = name; read.set(name, w); }
      });
      var ordered = new Map();
      model.list.forEach(function (q) { if (read.has(q.name)) ordered.set(q.name, read.get(q.name)); });
      return new Marker(model, ordered, tol, floor).mark();
    }
    function evaluate(name, env) {  // a quantity's rule on other values (a student's own numbers)
      return model.ex.evaluate(model.q.get(name).rule, function (n) { return env.has(n) ? env.get(n) : model.truth.get(n); });
    }
    return { verify: verify, readNumber: readNumber, fmt: fmt, evaluate: evaluate, model: model };
  }
  return { create: create, fsum: fsum, fixed: fixed, roundFigures: roundFigures, readNumber: readNumber,
           fmt: fmt, names: write };
})();
if (typeof module !== "undefined") module.exports = bpstepMarker;
