// Interactive flame graph: hover details, click to zoom, regex search with a
// matched percentage, zoom and search state in the URL (?x=&y=, ?s=).
//
// Runs inside the SVG after a script that sets nametype, fontsize, fontwidth,
// xpad, inverted and searchcolor (fluiddrawing and truncate_text_right are
// not used: the geometry is in fixed pixels and labels keep the start of a
// name, as flamegraph.pl draws them). Plain browser JavaScript, no network.
// Frame names are data: only ever read and written as text (textContent,
// attribute values), never parsed as markup or run as code.
//
// Speed on huge graphs: init reads each frame's geometry once into typed
// arrays and works out the call tree from it (rows by y, parents by x range),
// so zoom and search never query the DOM or measure text; they compute
// first, then write only what changes. Titles, labels and colours are read
// the first time something needs them.
(function () {
  "use strict";

  var conf = {
    nametype: typeof nametype === "string" ? nametype : "Function:",
    fontsize: positive(typeof fontsize !== "undefined" ? fontsize : null, 12),
    fontwidth: positive(typeof fontwidth !== "undefined" ? fontwidth : null, 0.59),
    xpad: positive(typeof xpad !== "undefined" ? xpad : null, 10),
    inverted: typeof inverted !== "undefined" ? inverted === true || inverted === 1 : null,
    searchcolor: typeof searchcolor === "string" ? searchcolor : "rgb(230,0,230)"
  };
  var ui = null;      // the fixed elements, found at init
  var fr = null;      // the frame index, built at init
  var zoomed = -1;    // the frame zoomed into, -1 for the full view
  var term = null;    // the active search (regexp source), null when none
  var ignorecase = false;

  function positive(v, fallback) {
    var n = parseFloat(v);
    return isFinite(n) && n > 0 ? n : fallback;
  }

  // ---- the frame index -------------------------------------------------------

  function buildIndex(container) {
    var els = [], rects = [];
    for (var g = container.firstElementChild; g; g = g.nextElementSibling) {
      var rect = g.querySelector("rect");
      if (rect) { els.push(g); rects.push(rect); }
    }
    var n = els.length;
    var f = {
      n: n, el: els, rect: rects, text: new Array(n), byEl: new Map(),
      x0: new Float64Array(n), w0: new Float64Array(n), y: new Float64Array(n),
      depth: new Int32Array(n), parent: new Int32Array(n), pre: new Int32Array(n), end: new Int32Array(n),
      order: new Int32Array(n), state: new Uint8Array(n), lit: new Uint8Array(n),
      // Read on first use:
      title: new Array(n), name: new Array(n), count: new Float64Array(n).fill(NaN), fill: new Array(n),
      orig: new Array(n), label: new Array(n), total: NaN, perPixel: NaN
    };
    for (var i = 0; i < n; i++) {
      f.x0[i] = parseFloat(rects[i].getAttribute("x")) || 0;
      f.y[i] = parseFloat(rects[i].getAttribute("y")) || 0;
      f.w0[i] = parseFloat(rects[i].getAttribute("width")) || 0;
      f.byEl.set(els[i], i);
    }
    buildTree(f);
    return f;
  }

  // Rows come from y; a frame's parent is the frame one row nearer the root
  // whose x range holds the frame's midpoint. Then a preorder walk numbers
  // the frames so that every subtree is the slice order[pre[i] .. end[i]).
  function buildTree(f) {
    var n = f.n, i, k;
    if (n === 0) return;
    var ymin = Infinity, ymax = -Infinity, widest = 0, step = Infinity;
    for (i = 0; i < n; i++) {
      ymin = Math.min(ymin, f.y[i]);
      ymax = Math.max(ymax, f.y[i]);
      if (f.w0[i] > f.w0[widest]) widest = i;
    }
    var ys = Float64Array.from(f.y).sort();
    for (i = 1; i < n; i++) if (ys[i] - ys[i - 1] > 0.5) step = Math.min(step, ys[i] - ys[i - 1]);
    if (step === Infinity) step = 1;
    // Without the setting, the root row is the one holding the widest frame.
    var inv = conf.inverted !== null ? conf.inverted : f.y[widest] === ymin && ymin !== ymax;
    var maxDepth = 0;
    for (i = 0; i < n; i++) {
      f.depth[i] = Math.round((inv ? f.y[i] - ymin : ymax - f.y[i]) / step);
      maxDepth = Math.max(maxDepth, f.depth[i]);
    }
    var sorted = Array.from({ length: n }, function (_, j) { return j; });
    sorted.sort(function (a, b) { return f.depth[a] - f.depth[b] || f.x0[a] - f.x0[b]; });
    var row = new Int32Array(maxDepth + 2);
    for (i = 0; i < n; i++) row[f.depth[i] + 1]++;
    for (k = 1; k < row.length; k++) row[k] += row[k - 1];

    var firstKid = new Int32Array(n), kids = new Int32Array(n);
    f.parent.fill(-1);
    for (var d = 1; d <= maxDepth; d++) {
      var p = row[d - 1];
      for (k = row[d]; k < row[d + 1] && p < row[d]; k++) {
        var c = sorted[k], mid = f.x0[c] + f.w0[c] / 2;
        while (p + 1 < row[d] && f.x0[sorted[p + 1]] <= mid) p++;
        var q = sorted[p];
        if (f.x0[q] <= mid + 1e-6 && mid <= f.x0[q] + f.w0[q] + 1e-6) {
          f.parent[c] = q;
          if (kids[q]++ === 0) firstKid[q] = k;
        }
      }
    }
    var size = new Int32Array(n).fill(1);
    for (k = n - 1; k >= 0; k--) if (f.parent[sorted[k]] >= 0) size[f.parent[sorted[k]]] += size[sorted[k]];
    var stack = new Int32Array(n), top = 0, pos = 0;
    for (k = 0; k < n; k++) {
      if (f.parent[sorted[k]] >= 0) continue;
      stack[top++] = sorted[k];
      while (top > 0) {
        var v = stack[--top];
        f.pre[v] = pos; f.end[v] = pos + size[v]; f.order[pos++] = v;
        for (var j = firstKid[v] + kids[v] - 1; kids[v] > 0 && j >= firstKid[v]; j--) stack[top++] = sorted[j];
      }
    }
  }

  // A title reads "NAME (COUNT COUNTNAME, PCT%)", or "...PCT%; +D%)" in a
  // differential graph, which may go on "; before B COUNTNAME, P%; after A
  // COUNTNAME, P%)"; COUNT with thousands separators. NAME may itself hold
  // " (", so the suffix is looked for from the end.
  var SUFFIX = /^ \((\d[\d,]*(?:\.\d+)?) [^]*, -?\d+(?:\.\d+)?%(?:; [+-]?\d+(?:\.\d+)?%(?:; before -?\d[\d,]* [^]*, -?\d+(?:\.\d+)?%; after -?\d[\d,]* [^]*, -?\d+(?:\.\d+)?%)?)?\)$/;

  function titleOf(i) {
    if (fr.title[i] === undefined) {
      var t = fr.el[i].querySelector("title");
      var text = fr.title[i] = t ? t.textContent : "";
      fr.name[i] = text;
      for (var at = text.lastIndexOf(" ("); at >= 0; at = at > 0 ? text.lastIndexOf(" (", at - 1) : -1) {
        var m = SUFFIX.exec(text.slice(at));
        if (m) {
          fr.name[i] = text.slice(0, at);
          fr.count[i] = parseFloat(m[1].replace(/,/g, ""));
          break;
        }
      }
    }
    return fr.title[i];
  }

  function nameOf(i) {
    titleOf(i);
    return fr.name[i];
  }

  // What the label is cut from: the renderer's data-label (python labels put
  // the function first), else the whole name. Search still matches the name.
  function labelOf(i) {
    var t = fr.text[i] || fr.el[i].querySelector("text");
    var source = t ? t.getAttribute("data-label") : null;
    return source !== null ? source : nameOf(i);
  }

  // Samples, from the title; where a title has none (a --nameattr title), in
  // proportion to the width.
  function countOf(i) {
    titleOf(i);
    if (fr.count[i] >= 0) return fr.count[i];
    if (isNaN(fr.perPixel)) totalCount();
    return fr.w0[i] * fr.perPixel;
  }

  function totalCount() {
    if (isNaN(fr.total)) {
      var sum = 0, width = 0, known = true;
      for (var i = 0; i < fr.n; i++) {
        if (fr.parent[i] >= 0 || fr.depth[i] !== 0) continue;
        titleOf(i);
        known = known && fr.count[i] >= 0;
        sum += fr.count[i];
        width += fr.w0[i];
      }
      fr.total = known ? sum : width;
      fr.perPixel = known && width > 0 ? sum / width : 1;
    }
    return fr.total;
  }

  // ---- labels and zoom -----------------------------------------------------

  // As many characters as fit at fontwidth x fontsize each, the last two
  // replaced by ".." when the name is cut; nothing under three characters.
  function fitLabel(name, width) {
    var chars = Math.floor(width / (conf.fontsize * conf.fontwidth));
    if (chars < 3) return "";
    // Count characters, not UTF-16 units, so a cut never splits a pair.
    var cs = /[\uD800-\uDFFF]/.test(name) ? Array.from(name) : null;
    var len = cs ? cs.length : name.length;
    if (chars >= len) return name;
    return (cs ? cs.slice(0, chars - 2).join("") : name.slice(0, chars - 2)) + "..";
  }

  // Keeps what the renderer drew, before the first change to a frame.
  function remember(i) {
    if (fr.orig[i]) return fr.orig[i];
    var r = fr.rect[i], t = fr.text[i] = fr.el[i].querySelector("text");
    var label = t ? t.textContent : "";
    fr.label[i] = label;
    return (fr.orig[i] = {
      x: r.getAttribute("x"), width: r.getAttribute("width"), textX: t ? t.getAttribute("x") : null, label: label,
      // A label left empty where the name clearly fits (the root "all") stays
      // empty; the margin covers widths rounded to 0.1 px.
      blank: label === "" && fitLabel(labelOf(i), fr.w0[i] - 0.2) !== ""
    });
  }

  function place(i, x, w) {
    var o = remember(i), t = fr.text[i];
    fr.rect[i].setAttribute("x", x.toFixed(2));
    fr.rect[i].setAttribute("width", w.toFixed(2));
    if (!t) return;
    t.setAttribute("x", (x + 3).toFixed(2));
    var label = o.blank ? "" : fitLabel(labelOf(i), w);
    if (label !== fr.label[i]) t.textContent = fr.label[i] = label;
  }

  function restore(i) {
    var o = fr.orig[i], t = fr.text[i];
    if (!o) return;
    fr.rect[i].setAttribute("x", o.x);
    fr.rect[i].setAttribute("width", o.width);
    if (!t) return;
    if (o.textX !== null) t.setAttribute("x", o.textX);
    if (fr.label[i] !== o.label) t.textContent = fr.label[i] = o.label;
  }

  function fullWidth() {
    var vb = ui.svg.viewBox && ui.svg.viewBox.baseVal;
    return (vb && vb.width > 0 ? vb.width : ui.svg.width.baseVal.value) - 2 * conf.xpad;
  }

  // Frame states: 0 as drawn, 1 ancestor of the zoomed frame (faded, full
  // width), 2 inside the zoomed subtree (stretched), 3 hidden.
  function stateIn(z, i) {
    if (z < 0) return 0;
    if (fr.pre[z] <= fr.pre[i] && fr.pre[i] < fr.end[z]) return 2;
    return fr.pre[i] < fr.pre[z] && fr.pre[z] < fr.end[i] ? 1 : 3;
  }

  function setState(i, s, z, ratio, full) {
    var old = fr.state[i], cl = fr.el[i].classList;
    if (old === s && s !== 2) return;
    fr.state[i] = s;
    if (old === 1) cl.remove("parent");
    if (s === 3) {
      cl.add("hide");
      return;
    }
    if (old === 3) cl.remove("hide");
    if (s === 1) cl.add("parent");
    if (s === 0) restore(i);
    else if (s === 1) place(i, conf.xpad, full);
    else place(i, (fr.x0[i] - fr.x0[z]) * ratio + conf.xpad, fr.w0[i] * ratio);
  }

  // Calls fn on each frame shown when zoomed into z: its ancestors and subtree.
  function eachShown(z, fn) {
    for (var a = fr.parent[z]; a >= 0; a = fr.parent[a]) fn(a);
    for (var p = fr.pre[z]; p < fr.end[z]; p++) fn(fr.order[p]);
  }

  function zoom(z) {
    var full = fullWidth();
    // Zooming into a root that already spans the graph is zooming out.
    if (z >= 0 && fr.parent[z] < 0 && fr.depth[z] === 0 && fr.w0[z] >= full - 0.5) z = -1;
    if (z === zoomed) return;
    var from = zoomed, ratio = z >= 0 ? full / (fr.w0[z] || 1) : 1;
    var update = function (i) { setState(i, stateIn(z, i), z, ratio, full); };
    if (from < 0 || z < 0) {
      for (var i = 0; i < fr.n; i++) update(i);
    } else {
      eachShown(z, update);
      eachShown(from, function (j) { if (stateIn(z, j) === 3) update(j); });
    }
    zoomed = z;
    ui.unzoom.classList.toggle("hide", z < 0);
    setParams({ x: z < 0 ? null : zoomX(z), y: z < 0 ? null : fr.rect[z].getAttribute("y") });
    if (term !== null) showMatched();
  }

  function zoomX(z) {
    return fr.orig[z] ? fr.orig[z].x : fr.rect[z].getAttribute("x");
  }

  // ---- search --------------------------------------------------------------

  function search(source) {
    var re;
    try {
      re = new RegExp(source, ignorecase ? "i" : "");
    } catch (e) {
      resetSearch();
      ui.matched.classList.remove("hide");
      ui.matched.textContent = "Invalid regexp";
      return;
    }
    term = source;
    for (var i = 0; i < fr.n; i++) highlight(i, re.test(nameOf(i)));
    ui.search.classList.add("show");
    ui.search.textContent = "Reset Search";
    setParams({ s: source });
    showMatched();
  }

  function highlight(i, on) {
    if (on === (fr.lit[i] === 1)) return;
    var r = fr.rect[i];
    if (fr.fill[i] === undefined) fr.fill[i] = r.getAttribute("fill");
    fr.lit[i] = on ? 1 : 0;
    if (on) r.setAttribute("fill", conf.searchcolor);
    else if (fr.fill[i] === null) r.removeAttribute("fill");
    else r.setAttribute("fill", fr.fill[i]);
  }

  function resetSearch() {
    for (var i = 0; i < fr.n; i++) highlight(i, false);
    term = null;
    ui.search.classList.remove("show");
    ui.search.textContent = "Search";
    ui.matched.classList.add("hide");
    ui.matched.textContent = " ";
    setParams({ s: null });
  }

  // The share of the samples in view whose stack holds a match, each stack
  // counted once however many of its frames match: in the full view out of
  // all samples; zoomed, out of the zoomed frame's (all of them when it or an
  // ancestor matches).
  function matchedShare() {
    var lo = 0, hi = fr.n, whole = totalCount();
    if (zoomed >= 0) {
      for (var a = zoomed; a >= 0; a = fr.parent[a]) if (fr.lit[a]) return 1;
      lo = fr.pre[zoomed]; hi = fr.end[zoomed]; whole = countOf(zoomed);
    }
    var sum = 0, covered = -1;
    for (var p = lo; p < hi; p++) {
      var i = fr.order[p];
      if (fr.lit[i] && p >= covered) { sum += countOf(i); covered = fr.end[i]; }
    }
    return whole > 0 ? Math.min(1, sum / whole) : 0;
  }

  function showMatched() {
    var share = matchedShare();
    ui.matched.classList.remove("hide");
    ui.matched.textContent = "Matched: " + (share === 1 ? "100" : (100 * share).toFixed(1)) + "%";
  }

  function promptSearch() {
    var answer = prompt("Search frames by regular expression (e.g. ^app/ or :handle_)" +
      (ignorecase ? ", ignoring case" : "") + ".\nCtrl-I toggles case sensitivity.", term || "");
    if (answer === null) return;
    if (answer === "") resetSearch(); else search(answer);
  }

  function toggleCase() {
    ignorecase = !ignorecase;
    ui.ignorecase.classList.toggle("show", ignorecase);
    if (term !== null) search(term);
  }

  // ---- URL state -----------------------------------------------------------

  function getParams() {
    var out = {}, parts = window.location.search.slice(1).split("&");
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (eq <= 0 || eq === parts[i].length - 1) continue;
      try {
        out[decodeURIComponent(parts[i].slice(0, eq))] = decodeURIComponent(parts[i].slice(eq + 1));
      } catch (e) { /* a malformed escape: leave that parameter out */ }
    }
    return out;
  }

  // Merges changes (null deletes) into the query, without a history entry.
  function setParams(changes) {
    var params = getParams(), key, query = [];
    for (key in changes) {
      if (changes[key] === null) delete params[key]; else params[key] = changes[key];
    }
    for (key in params) query.push(encodeURIComponent(key) + "=" + encodeURIComponent(params[key]));
    var base = window.location.href.split(/[?#]/)[0];
    try {
      history.replaceState(history.state, "", base + (query.length ? "?" + query.join("&") : "") + window.location.hash);
    } catch (e) { /* a viewer that forbids it: the graph works without */ }
  }

  function frameAt(x, y) {
    var px = parseFloat(x), py = parseFloat(y);
    for (var i = 0; i < fr.n; i++) {
      if (Math.abs(fr.x0[i] - px) < 0.005 && Math.abs(fr.y[i] - py) < 0.005) return i;
    }
    return -1;
  }

  // ---- events --------------------------------------------------------------

  function frameOf(node) {
    while (node && node.parentNode !== ui.frames) node = node.parentNode;
    var i = node ? fr.byEl.get(node) : undefined;
    return i === undefined ? -1 : i;
  }

  function onClick(e) {
    var i = frameOf(e.target);
    if (i >= 0) {
      // A frame that --nameattr made a link follows it; Ctrl-click zooms.
      if (fr.el[i].localName === "a") {
        if (!e.ctrlKey) return;
        e.preventDefault();
      }
      zoom(i);
      return;
    }
    var id = e.target && e.target.id;
    if (id === "unzoom") zoom(-1);
    else if (id === "search") { if (term !== null) resetSearch(); else promptSearch(); }
    else if (id === "ignorecase") toggleCase();
  }

  // F3 or Ctrl-F (Cmd-F) searches, Ctrl-I (Cmd-I) toggles case sensitivity.
  function onKey(e) {
    var key = (e.key || "").toLowerCase(), mod = e.ctrlKey || e.metaKey;
    if (key === "f3" || e.keyCode === 114 || (mod && (key === "f" || e.keyCode === 70))) {
      e.preventDefault();
      promptSearch();
    } else if (mod && (key === "i" || e.keyCode === 73)) {
      e.preventDefault();
      toggleCase();
    }
  }

  function init() {
    var frames = document.getElementById("frames");
    if (fr || !frames) return;
    var stub = { classList: { add: nop, remove: nop, toggle: nop }, textContent: "" };
    var byId = function (id) { return document.getElementById(id) || stub; };
    ui = {
      svg: frames.ownerSVGElement || document.documentElement, frames: frames, details: byId("details"),
      unzoom: byId("unzoom"), search: byId("search"), ignorecase: byId("ignorecase"), matched: byId("matched")
    };
    fr = buildIndex(frames);
    window.addEventListener("click", onClick, false);
    window.addEventListener("keydown", onKey, false);
    frames.addEventListener("mouseover", function (e) {
      var i = frameOf(e.target);
      if (i >= 0) ui.details.textContent = conf.nametype + " " + titleOf(i);
    }, false);
    frames.addEventListener("mouseout", function (e) {
      if (frameOf(e.target) >= 0) ui.details.textContent = " ";
    }, false);

    var params = getParams();
    var z = params.x && params.y ? frameAt(params.x, params.y) : -1;
    if (z >= 0) zoom(z);
    if (params.s) search(params.s);
  }
  function nop() {}

  // The root element calls init(evt) on load; the window listener covers a
  // document without that attribute.
  window.init = init;
  window.addEventListener("load", init, false);
})();
