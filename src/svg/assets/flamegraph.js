// Interactive flame graph: hover details, click to zoom, regex search with a
// matched percentage, zoom and search state kept in the URL (?x=&y=, ?s=).
//
// Runs inside the SVG after a script that sets the configuration variables
// nametype, fontsize, fontwidth, xpad, inverted and searchcolor (fluiddrawing
// and truncate_text_right are not used: the geometry is fixed in pixels and
// labels keep the start of a name, as in flamegraph.pl). Plain browser
// JavaScript, no modules, no network.
// Frame names are data: they are only read and written as text
// (textContent, attribute values), never parsed as markup or run as code.
//
// Speed on huge graphs: every frame is read once at init into flat arrays and
// its place in the call tree is worked out from the geometry (rows by y,
// parents by x range), so zoom and search never query the DOM or measure text
// again; they compute first and then only write what changes.
(function () {
  "use strict";

  var conf = {
    nametype: typeof nametype === "string" ? nametype : "Function:",
    fontsize: positive(typeof fontsize !== "undefined" ? fontsize : null, 12),
    fontwidth: positive(typeof fontwidth !== "undefined" ? fontwidth : null, 0.59),
    xpad: positive(typeof xpad !== "undefined" ? xpad : null, 10),
    inverted: typeof inverted !== "undefined" ? flag(inverted) : null,
    searchcolor: typeof searchcolor === "string" ? searchcolor : "rgb(230,0,230)"
  };
  var ui = null;      // fixed elements, found at init
  var fr = null;      // the frame index, built once at init
  var zoomed = -1;    // index of the frame zoomed into, -1 for the full view
  var term = null;    // the active search regexp source, null when not searching
  var ignorecase = false;

  function positive(v, fallback) {
    var n = parseFloat(v);
    return isFinite(n) && n > 0 ? n : fallback;
  }
  function flag(v) {
    return v === true || v === 1 || v === "1" || v === "true";
  }

  // ---- index ---------------------------------------------------------------

  // A title reads "NAME (COUNT COUNTNAME, PCT%)", or "...PCT%; +D%)" for a
  // differential graph; COUNT has thousands separators. NAME may itself hold
  // " (", so the suffix is looked for from the end.
  var SUFFIX = /^ \((\d[\d,]*(?:\.\d+)?) [^]*, -?\d+(?:\.\d+)?%(?:; [+-]?\d+(?:\.\d+)?%)?\)$/;

  function splitTitle(t) {
    for (var at = t.lastIndexOf(" ("); at >= 0; at = at > 0 ? t.lastIndexOf(" (", at - 1) : -1) {
      var m = SUFFIX.exec(t.slice(at));
      if (m) return { name: t.slice(0, at), count: parseFloat(m[1].replace(/,/g, "")) };
    }
    return { name: t, count: NaN };
  }

  function buildIndex(container) {
    var els = [], rects = [], texts = [], titles = [];
    for (var g = container.firstElementChild; g; g = g.nextElementSibling) {
      var rect = null, text = null, title = "";
      for (var c = g.firstElementChild; c; c = c.nextElementSibling) {
        if (c.localName === "rect" && !rect) rect = c;
        else if (c.localName === "text" && !text) text = c;
        else if (c.localName === "title" && !title) title = c.textContent;
      }
      if (!rect) continue;
      els.push(g); rects.push(rect); texts.push(text); titles.push(title);
    }
    var n = els.length;
    var f = {
      n: n, el: els, rect: rects, text: texts, title: titles,
      name: new Array(n), label0: new Array(n), label: new Array(n), blank: new Uint8Array(n),
      xs: new Array(n), ys: new Array(n), ws: new Array(n), tx: new Array(n), fill: new Array(n),
      x0: new Float64Array(n), w0: new Float64Array(n), y: new Float64Array(n), count: new Float64Array(n),
      depth: new Int32Array(n), parent: new Int32Array(n), pre: new Int32Array(n), end: new Int32Array(n),
      order: new Int32Array(n), state: new Uint8Array(n), moved: new Uint8Array(n), lit: new Uint8Array(n),
      total: 0, byEl: new Map()
    };
    var countsOk = true;
    for (var i = 0; i < n; i++) {
      var r = rects[i];
      f.xs[i] = r.getAttribute("x") || "0";
      f.ys[i] = r.getAttribute("y") || "0";
      f.ws[i] = r.getAttribute("width") || "0";
      f.fill[i] = r.getAttribute("fill");
      f.x0[i] = parseFloat(f.xs[i]) || 0;
      f.y[i] = parseFloat(f.ys[i]) || 0;
      f.w0[i] = parseFloat(f.ws[i]) || 0;
      f.tx[i] = texts[i] ? texts[i].getAttribute("x") : null;
      f.label0[i] = f.label[i] = texts[i] ? texts[i].textContent : "";
      var parts = splitTitle(titles[i]);
      f.name[i] = parts.name;
      f.count[i] = parts.count;
      if (!(parts.count >= 0)) countsOk = false;
      // A label left empty where the name clearly fits (the root "all") stays
      // empty; the margin covers widths rounded to 0.1 px.
      f.blank[i] = f.label0[i] === "" && fitLabel(parts.name, f.w0[i] - 0.2) !== "" ? 1 : 0;
      f.byEl.set(els[i], i);
    }
    // Without readable counts (a --nameattr title, say) widths stand in for them.
    if (!countsOk) f.count.set(f.w0);
    buildTree(f);
    return f;
  }

  // Rows come from y; a frame's parent is the frame one row nearer the root
  // whose x range holds the frame's midpoint.
  function buildTree(f) {
    var n = f.n, i, k;
    if (n === 0) return;
    var ymin = Infinity, ymax = -Infinity, widest = 0;
    for (i = 0; i < n; i++) {
      if (f.y[i] < ymin) ymin = f.y[i];
      if (f.y[i] > ymax) ymax = f.y[i];
      if (f.w0[i] > f.w0[widest]) widest = i;
    }
    var ysorted = Float64Array.from(f.y).sort(), step = Infinity;
    for (i = 1; i < n; i++) {
      var d = ysorted[i] - ysorted[i - 1];
      if (d > 0.5 && d < step) step = d;
    }
    if (step === Infinity) step = 1;
    var inv = conf.inverted !== null ? conf.inverted : f.y[widest] === ymin && ymin !== ymax;
    var maxDepth = 0;
    for (i = 0; i < n; i++) {
      f.depth[i] = Math.round((inv ? f.y[i] - ymin : ymax - f.y[i]) / step);
      if (f.depth[i] > maxDepth) maxDepth = f.depth[i];
    }
    var sorted = Array.from({ length: n }, function (_, j) { return j; });
    sorted.sort(function (a, b) { return f.depth[a] - f.depth[b] || f.x0[a] - f.x0[b]; });
    var levelStart = new Int32Array(maxDepth + 2);
    for (i = 0; i < n; i++) levelStart[f.depth[i] + 1]++;
    for (k = 1; k < levelStart.length; k++) levelStart[k] += levelStart[k - 1];

    var firstKid = new Int32Array(n), kids = new Int32Array(n);
    f.parent.fill(-1);
    for (var dep = 1; dep <= maxDepth; dep++) {
      var p = levelStart[dep - 1], pEnd = levelStart[dep];
      for (k = levelStart[dep]; k < levelStart[dep + 1]; k++) {
        var c = sorted[k], mid = f.x0[c] + f.w0[c] / 2;
        while (p + 1 < pEnd && f.x0[sorted[p + 1]] <= mid) p++;
        if (p >= pEnd) continue;
        var q = sorted[p];
        if (f.x0[q] <= mid + 1e-6 && mid <= f.x0[q] + f.w0[q] + 1e-6) {
          f.parent[c] = q;
          if (kids[q]++ === 0) firstKid[q] = k;
        }
      }
    }
    // Subtree sizes bottom-up, then a preorder walk: a subtree is the
    // contiguous slice order[pre[i] .. end[i]).
    var size = new Int32Array(n).fill(1);
    for (k = n - 1; k >= 0; k--) {
      i = sorted[k];
      if (f.parent[i] >= 0) size[f.parent[i]] += size[i];
      else if (f.depth[i] === 0) f.total += f.count[i];
    }
    var stack = new Int32Array(n), top = 0, pos = 0;
    for (k = 0; k < n; k++) {
      if (f.parent[sorted[k]] >= 0) continue;
      stack[top++] = sorted[k];
      while (top > 0) {
        var v = stack[--top];
        f.pre[v] = pos; f.end[v] = pos + size[v]; f.order[pos++] = v;
        for (var j = firstKid[v] + kids[v] - 1; j >= firstKid[v] && kids[v] > 0; j--) stack[top++] = sorted[j];
      }
    }
  }

  // ---- labels and zoom -----------------------------------------------------

  // As many characters as fit at fontwidth x fontsize each, the last two
  // replaced by ".." when the name is cut; nothing under three characters.
  // The start of a name is kept, as flamegraph.pl and the renderer draw it.
  function fitLabel(name, width) {
    var chars = Math.floor(width / (conf.fontsize * conf.fontwidth));
    if (chars < 3) return "";
    // Count characters, not UTF-16 units, so a cut never splits a pair.
    var cs = /[\uD800-\uDFFF]/.test(name) ? Array.from(name) : null;
    var len = cs ? cs.length : name.length;
    if (chars >= len) return name;
    var keep = chars - 2;
    return (cs ? cs.slice(0, keep).join("") : name.slice(0, keep)) + "..";
  }

  function fullWidth() {
    var vb = ui.svg.viewBox && ui.svg.viewBox.baseVal;
    var w = vb && vb.width > 0 ? vb.width : ui.svg.width.baseVal.value;
    return w - 2 * conf.xpad;
  }

  // 0 shown as drawn, 1 ancestor of the zoomed frame (faded, full width),
  // 2 inside the zoomed subtree (stretched), 3 hidden.
  function stateIn(z, i) {
    if (z < 0) return 0;
    if (fr.pre[z] <= fr.pre[i] && fr.pre[i] < fr.end[z]) return 2;
    if (fr.pre[i] < fr.pre[z] && fr.pre[z] < fr.end[i]) return 1;
    return 3;
  }

  function place(i, x, w) {
    var r = fr.rect[i], t = fr.text[i];
    r.setAttribute("x", x.toFixed(2));
    r.setAttribute("width", w.toFixed(2));
    fr.moved[i] = 1;
    if (!t) return;
    t.setAttribute("x", (x + 3).toFixed(2));
    var label = fr.blank[i] ? "" : fitLabel(fr.name[i], w);
    if (label !== fr.label[i]) t.textContent = fr.label[i] = label;
  }

  function restore(i) {
    var r = fr.rect[i], t = fr.text[i];
    r.setAttribute("x", fr.xs[i]);
    r.setAttribute("width", fr.ws[i]);
    fr.moved[i] = 0;
    if (!t) return;
    if (fr.tx[i] !== null) t.setAttribute("x", fr.tx[i]);
    if (fr.label[i] !== fr.label0[i]) t.textContent = fr.label[i] = fr.label0[i];
  }

  function apply(i, s, z, ratio, full) {
    var old = fr.state[i], cl = fr.el[i].classList;
    if (old === s && s !== 2) return;
    if (s === 3) {
      cl.add("hide");
    } else {
      if (old === 3) cl.remove("hide");
      if (s === 1) cl.add("parent"); else if (old === 1) cl.remove("parent");
      if (s === 1) place(i, conf.xpad, full);
      else if (s === 2) place(i, (fr.x0[i] - fr.x0[z]) * ratio + conf.xpad, fr.w0[i] * ratio);
      else if (fr.moved[i]) restore(i);
    }
    if (s === 3 && old === 1) cl.remove("parent");
    fr.state[i] = s;
  }

  // Visits the frames shown when zoomed into z: its ancestors and its subtree.
  function eachShown(z, fn) {
    for (var a = fr.parent[z]; a >= 0; a = fr.parent[a]) fn(a);
    for (var p = fr.pre[z]; p < fr.end[z]; p++) fn(fr.order[p]);
  }

  function zoom(z) {
    var full = fullWidth(), i;
    // Zooming into a root that already spans the graph is zooming out.
    if (z >= 0 && fr.depth[z] === 0 && fr.parent[z] < 0 && fr.w0[z] >= full - 0.5) z = -1;
    if (z === zoomed) return;
    var from = zoomed, ratio = z >= 0 ? full / (fr.w0[z] || 1) : 1;
    var set = function (j) { apply(j, stateIn(z, j), z, ratio, full); };
    if (from < 0 || z < 0) {
      for (i = 0; i < fr.n; i++) set(i);
    } else {
      eachShown(z, set);
      eachShown(from, function (j) { if (stateIn(z, j) === 3) set(j); });
    }
    zoomed = z;
    ui.unzoom.classList.toggle("hide", z < 0);
    setParams({ x: z < 0 ? null : fr.xs[z], y: z < 0 ? null : fr.ys[z] });
    if (term !== null) showMatched();
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
    var color = conf.searchcolor;
    for (var i = 0; i < fr.n; i++) {
      var hit = re.test(fr.name[i]) ? 1 : 0;
      if (hit === fr.lit[i]) continue;
      fr.lit[i] = hit;
      if (hit) fr.rect[i].setAttribute("fill", color);
      else restoreFill(i);
    }
    ui.search.classList.add("show");
    ui.search.textContent = "Reset Search";
    setParams({ s: source });
    showMatched();
  }

  function restoreFill(i) {
    if (fr.fill[i] === null) fr.rect[i].removeAttribute("fill");
    else fr.rect[i].setAttribute("fill", fr.fill[i]);
  }

  function resetSearch() {
    for (var i = 0; i < fr.n; i++) {
      if (fr.lit[i]) { fr.lit[i] = 0; restoreFill(i); }
    }
    term = null;
    ui.search.classList.remove("show");
    ui.search.textContent = "Search";
    ui.matched.classList.add("hide");
    ui.matched.textContent = " ";
    setParams({ s: null });
  }

  // The share of the samples in view whose stack holds a match: each stack
  // counts once however many of its frames match. In the full view that is
  // out of all samples; zoomed, out of the zoomed frame's samples (and all of
  // them when the zoomed frame or one of its ancestors matches).
  function matchedShare() {
    var lo = 0, hi = fr.n, whole = fr.total;
    if (zoomed >= 0) {
      for (var a = zoomed; a >= 0; a = fr.parent[a]) if (fr.lit[a]) return 1;
      lo = fr.pre[zoomed]; hi = fr.end[zoomed]; whole = fr.count[zoomed];
    }
    var sum = 0, covered = -1;
    for (var p = lo; p < hi; p++) {
      var i = fr.order[p];
      if (fr.lit[i] && p >= covered) { sum += fr.count[i]; covered = fr.end[i]; }
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
      } catch (e) { /* a malformed escape: skip that parameter */ }
    }
    return out;
  }

  // Merges changes (null deletes) into the query without adding history.
  function setParams(changes) {
    var params = getParams(), key, query = [];
    for (key in changes) {
      if (changes[key] === null) delete params[key]; else params[key] = changes[key];
    }
    for (key in params) query.push(encodeURIComponent(key) + "=" + encodeURIComponent(params[key]));
    var base = window.location.href.split(/[?#]/)[0];
    try {
      history.replaceState(history.state, "", base + (query.length ? "?" + query.join("&") : "") + window.location.hash);
    } catch (e) { /* some viewers forbid it; the graph works without */ }
  }

  function findFrame(x, y) {
    var px = parseFloat(x), py = parseFloat(y);
    for (var i = 0; i < fr.n; i++) {
      if (Math.abs(fr.x0[i] - px) < 0.005 && Math.abs(fr.y[i] - py) < 0.005) return i;
    }
    return -1;
  }

  // ---- events --------------------------------------------------------------

  function frameOf(node) {
    while (node && node.parentNode !== ui.frames) node = node.parentNode;
    if (!node) return -1;
    var i = fr.byEl.get(node);
    return i === undefined ? -1 : i;
  }

  function onClick(e) {
    var i = frameOf(e.target);
    if (i >= 0) {
      // A frame given a link by --nameattr follows it; Ctrl-click zooms.
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

  function onOver(e) {
    var i = frameOf(e.target);
    if (i >= 0) ui.details.textContent = conf.nametype + " " + fr.title[i];
  }

  function onOut(e) {
    if (frameOf(e.target) >= 0) ui.details.textContent = " ";
  }

  function onKey(e) {
    var key = e.key || "";
    if (key === "F3" || e.keyCode === 114 || (e.ctrlKey && (key === "f" || key === "F" || e.keyCode === 70))) {
      e.preventDefault();
      promptSearch();
    } else if (e.ctrlKey && (key === "i" || key === "I" || e.keyCode === 73)) {
      e.preventDefault();
      toggleCase();
    }
  }

  function init() {
    if (fr) return;
    var byId = function (id) { return document.getElementById(id); };
    var frames = byId("frames");
    if (!frames) return;
    ui = {
      svg: frames.ownerSVGElement || document.documentElement, frames: frames, details: byId("details"), unzoom: byId("unzoom"),
      search: byId("search"), ignorecase: byId("ignorecase"), matched: byId("matched")
    };
    var missing = function () { return { classList: { add: nop, remove: nop, toggle: nop }, textContent: "" }; };
    for (var k in ui) if (!ui[k]) ui[k] = missing();
    fr = buildIndex(frames);
    window.addEventListener("click", onClick, false);
    window.addEventListener("keydown", onKey, false);
    frames.addEventListener("mouseover", onOver, false);
    frames.addEventListener("mouseout", onOut, false);

    var params = getParams();
    if (params.x && params.y) {
      var z = findFrame(params.x, params.y);
      if (z >= 0) zoom(z);
    }
    if (params.s) search(params.s);
  }
  function nop() {}

  // The root element calls init(evt) on load; the window listener covers a
  // document without that attribute.
  window.init = init;
  window.addEventListener("load", init, false);
})();
