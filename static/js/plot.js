/* Small SVG plots drawn from a demo result's `series` entry (no library, no build step).
 *
 * DemoPlot.render(container, plot) where plot = {kind: "line" | "loglog" | "scatter" | "bar",
 * x_label, y_label, lines: {label: {x: [...], y: [...]}}} and optional hints: x_log, y_log
 * (log axes for any kind; "loglog" sets both), x_integer (ticks only at whole numbers: the axis
 * is a count). Null or non-positive values (on log axes) are skipped, so a line breaks instead
 * of lying. Every line has its own colour, marker and dash, so lines that coincide (Euler and
 * DDIM) stay distinguishable. Scatter axes cover the central 99% of the points; points beyond
 * are clipped and counted under the plot. Text goes in with textContent only.
 */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  // W narrows on phones so that 13 px text is not scaled down to 8 px; H grows with the bottom
  // margin that rotated category labels need.
  var W = 560, H0 = 340, H = H0;
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  var DASHES = ["", "7 4", "2 3", "9 3 2 3", "4 2", "1 4"];
  var MARKERS = ["circle", "square", "triangle", "diamond", "cross", "down"];

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, content, attrs) {
    var t = el("text", Object.assign({x: x, y: y}, attrs || {}), parent);
    t.textContent = content;
    return t;
  }

  function isNum(v) { return typeof v === "number" && isFinite(v); }

  function fmt(v) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace("e+", "e");
    if (a >= 1e3) return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return String(Number(v.toPrecision(3)));
  }

  function style(i) {
    // Odd lines get larger hollow markers: drawn over an identical line (DDIM over Euler), the
    // earlier line's filled marker still shows inside.
    return {color: COLORS[i % COLORS.length], dash: DASHES[i % DASHES.length],
            marker: MARKERS[i % MARKERS.length], hollow: i % 2 === 1};
  }

  function styled(s, r) {
    return s.hollow ? {r: r + 1.6, attrs: {fill: "#fff", "fill-opacity": 0, stroke: s.color, "stroke-width": 1.6}}
                    : {r: r, attrs: {stroke: "#fff", "stroke-width": 0.6}};
  }

  function marker(parent, shape, x, y, r, color, extra) {
    var a = Object.assign({fill: color}, extra || {});
    if (shape === "circle") return el("circle", Object.assign({cx: x, cy: y, r: r}, a), parent);
    if (shape === "square") return el("rect", Object.assign({x: x - r, y: y - r, width: 2 * r, height: 2 * r}, a), parent);
    var pts;
    if (shape === "triangle") pts = [[x, y - r * 1.2], [x + r * 1.1, y + r * 0.8], [x - r * 1.1, y + r * 0.8]];
    else if (shape === "down") pts = [[x, y + r * 1.2], [x + r * 1.1, y - r * 0.8], [x - r * 1.1, y - r * 0.8]];
    else if (shape === "diamond") pts = [[x, y - r * 1.3], [x + r * 1.1, y], [x, y + r * 1.3], [x - r * 1.1, y]];
    if (pts) return el("polygon", Object.assign({points: pts.map(function (p) { return p.join(","); }).join(" ")}, a), parent);
    return el("path", {d: "M" + (x - r) + "," + (y - r) + "L" + (x + r) + "," + (y + r) + "M" + (x - r) + "," + (y + r) + "L" + (x + r) + "," + (y - r),
                       stroke: color, "stroke-width": 1.8, fill: "none"}, parent);
  }

  function niceTicks(lo, hi, count, integer) {
    if (lo === hi) { lo -= 1; hi += 1; }
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count)));
    var err = (hi - lo) / count / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    if (integer) step = Math.max(1, Math.round(step));
    var ticks = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
      ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return ticks;
  }

  function logTicks(lo, hi) {
    // Decades, plus 2x and 5x when the range spans less than about two decades.
    var mults = Math.log10(hi / lo) < 2 ? [1, 2, 5] : [1];
    var ticks = [];
    for (var e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      mults.forEach(function (m) {
        var t = m * Math.pow(10, e);
        if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
      });
    }
    if (ticks.length < 2) { ticks = [lo, hi]; }
    return ticks;
  }

  function integerLogTicks(values, lo, hi) {
    // A count on a log axis: tick at the counts the data uses (when few), else at 1-2-5 steps.
    var uniq = values.filter(function (v, i, a) { return a.indexOf(v) === i && v >= lo && v <= hi; })
                     .sort(function (a, b) { return a - b; });
    if (uniq.length >= 2 && uniq.length <= 10) return uniq;
    return logTicks(lo, hi).filter(function (t) { return Math.round(t) === t; });
  }

  function pad(range, log) {
    // 4% headroom so points on the extremes are not drawn on the axes.
    if (log) { var f = Math.pow(range[1] / range[0] || 10, 0.04) || 1.1; if (f === 1) f = 1.5; return [range[0] / f, range[1] * f]; }
    var d = (range[1] - range[0]) * 0.04 || Math.abs(range[0]) * 0.1 || 1;
    return [range[0] - d, range[1] + d];
  }

  function scale(lo, hi, a, b, log) {
    if (log) { lo = Math.log10(lo); hi = Math.log10(hi); }
    if (hi === lo) { lo -= 0.5; hi += 0.5; }
    return function (v) { return a + ((log ? Math.log10(v) : v) - lo) / (hi - lo) * (b - a); };
  }

  function finite(values, log) {
    return values.filter(function (v) { return isNum(v) && (!log || v > 0); });
  }

  function extent(values, log) {
    var ok = finite(values, log);
    if (!ok.length) return null;
    return [Math.min.apply(null, ok), Math.max.apply(null, ok)];
  }

  function central(values, log) {
    // The 0.5th to 99.5th percentile: a few diverged points must not shrink the rest to a dot.
    var ok = finite(values, log).sort(function (a, b) { return a - b; });
    if (!ok.length) return null;
    var q = function (p) { return ok[Math.min(ok.length - 1, Math.max(0, Math.round(p * (ok.length - 1))))]; };
    return ok.length < 50 ? [ok[0], ok[ok.length - 1]] : [q(0.005), q(0.995)];
  }

  function axes(svg, M, xs, ys, xTicks, yTicks, plot, rotate) {
    var g = el("g", {"class": "demos-axes", "font-size": "13", fill: "#333"}, svg);
    el("line", {x1: M.left, y1: H - M.bottom, x2: W - M.right, y2: H - M.bottom, stroke: "#555"}, g);
    el("line", {x1: M.left, y1: M.top, x2: M.left, y2: H - M.bottom, stroke: "#555"}, g);
    xTicks.forEach(function (t) {
      var x = xs(t.v), y = H - M.bottom;
      el("line", {x1: x, y1: y, x2: x, y2: y + 4, stroke: "#555"}, g);
      if (rotate) text(g, x, y + 10, t.label, {"text-anchor": "end", transform: "rotate(-35 " + x + " " + (y + 10) + ")", "font-size": "12"});
      else text(g, x, y + 17, t.label, {"text-anchor": "middle"});
    });
    yTicks.forEach(function (t) {
      var y = ys(t);
      el("line", {x1: M.left, y1: y, x2: W - M.right, y2: y, stroke: "#eee"}, g);
      text(g, M.left - 6, y + 4, fmt(t), {"text-anchor": "end"});
    });
    text(g, (M.left + W - M.right) / 2, H - 8, plot.x_label || "", {"text-anchor": "middle"});
    text(g, 14, (M.top + H - M.bottom) / 2, plot.y_label || "",
      {"text-anchor": "middle", transform: "rotate(-90 14 " + (M.top + H - M.bottom) / 2 + ")"});
  }

  function legendSwatch(s, kind) {
    var svg = el("svg", {width: 30, height: 12, viewBox: "0 0 30 12", "class": "demos-swatch-svg", "aria-hidden": "true"});
    if (kind === "bar") el("rect", {x: 8, y: 1, width: 14, height: 10, fill: s.color}, svg);
    else {
      if (kind !== "scatter") el("line", {x1: 1, y1: 6, x2: 29, y2: 6, stroke: s.color, "stroke-width": 2, "stroke-dasharray": s.dash}, svg);
      var m = styled(s, 3.2);
      marker(svg, s.marker, 15, 6, kind === "scatter" ? 3.2 : m.r, s.color, kind === "scatter" ? {} : m.attrs);
    }
    return svg;
  }

  function legend(container, labels, kind) {
    var ul = document.createElement("ul");
    ul.className = "demos-legend";
    labels.forEach(function (label, i) {
      var li = document.createElement("li");
      li.appendChild(legendSwatch(style(i), kind));
      li.appendChild(document.createTextNode(" " + label));
      ul.appendChild(li);
    });
    container.appendChild(ul);
  }

  function render(container, plot) {
    W = (container.clientWidth || 560) < 460 ? 420 : 560;
    container.textContent = "";
    var kind = plot.kind || "line";
    var lines = plot.lines || {};
    var labels = Object.keys(lines);
    var allY = [], allX = [], categories = [];
    labels.forEach(function (l) {
      allY = allY.concat(lines[l].y);
      lines[l].x.forEach(function (x) {
        if (typeof x === "string") { if (categories.indexOf(x) < 0) categories.push(x); }
        else allX.push(x);
      });
    });
    var logX = kind === "loglog" || !!plot.x_log, logY = kind === "loglog" || !!plot.y_log;
    var categorical = kind === "bar" || categories.length > 0;
    if (categorical && !categories.length) categories = allX.map(String).filter(function (v, i, a) { return a.indexOf(v) === i; });
    // Long or many category labels are drawn rotated, with the bottom margin they need.
    var longest = categories.reduce(function (m, c) { return Math.max(m, c.length); }, 0);
    var rotate = categorical && (categories.length * Math.max(longest, 4) * 7.5 > W - 90);
    var M = {top: 16, right: 16, bottom: rotate ? Math.min(170, 40 + longest * 5.6) : 52, left: 74};
    H = H0 + M.bottom - 52;
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, "class": "demos-svg demos-svg-" + kind,
                         role: "img", "aria-label": (plot.y_label || "") + " vs " + (plot.x_label || "")});
    var yr = kind === "scatter" ? central(allY, logY) : extent(allY.concat(kind === "bar" && !logY ? [0] : []), logY);
    if (!yr) { container.textContent = "No finite values to plot."; return; }
    yr = kind === "bar" && !logY ? [yr[0], yr[1] * 1.04] : pad(yr, logY);
    var ys = scale(yr[0], yr[1], H - M.bottom, M.top, logY);
    var yTicks = logY ? logTicks(yr[0], yr[1]) : niceTicks(yr[0], yr[1], 5, false);
    var xs, xTicks, xr;
    if (categorical) {
      var band = (W - M.left - M.right) / Math.max(1, categories.length);
      xs = function (v) { return M.left + band * (categories.indexOf(String(v)) + 0.5); };
      xTicks = categories.map(function (c) { return {v: c, label: c}; });
    } else {
      xr = kind === "scatter" ? central(allX, logX) : extent(allX, logX);
      if (!xr) { container.textContent = "No finite values to plot."; return; }
      var data = xr;
      xr = pad(xr, logX);
      xs = scale(xr[0], xr[1], M.left, W - M.right, logX);
      var ticks = logX ? (plot.x_integer ? integerLogTicks(finite(allX, true), data[0], data[1]) : logTicks(xr[0], xr[1]))
                       : niceTicks(xr[0], xr[1], 6, !!plot.x_integer);
      xTicks = ticks.map(function (t) { return {v: t, label: fmt(t)}; });
    }
    axes(svg, M, xs, ys, xTicks, yTicks, plot, rotate);
    var clipId = "demos-clip-" + Math.random().toString(36).slice(2);
    var clip = el("clipPath", {id: clipId}, el("defs", {}, svg));
    el("rect", {x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom}, clip);
    var ok = function (x, y) {
      return isNum(y) && (!logY || y > 0) && (categorical || (isNum(x) && (!logX || x > 0)));
    };
    var outside = 0;
    labels.forEach(function (label, i) {
      var s = style(i), line = lines[label];
      var g = el("g", {"class": "demos-series", "data-label": label, "clip-path": "url(#" + clipId + ")"}, svg);
      if (kind === "bar") {
        var bw = (W - M.left - M.right) / Math.max(1, categories.length) / (labels.length + 1);
        line.x.forEach(function (x, j) {
          var y = line.y[j];
          if (!ok(x, y)) return;
          var base = ys(logY ? yr[0] : 0), top = ys(y);
          el("rect", {x: xs(x) - bw * labels.length / 2 + bw * i, y: Math.min(base, top),
                      width: bw * 0.9, height: Math.abs(base - top), fill: s.color}, g);
        });
      } else if (kind === "scatter") {
        line.x.forEach(function (x, j) {
          var y = line.y[j];
          if (!ok(x, y)) return;
          if (x < xr[0] || x > xr[1] || y < yr[0] || y > yr[1]) { outside++; return; }
          marker(g, s.marker, xs(x), ys(y), 2.2, s.color, {"fill-opacity": 0.55});
        });
      } else {
        var d = "", pen = false;
        line.x.forEach(function (x, j) {
          if (!ok(x, line.y[j])) { pen = false; return; }
          d += (pen ? "L" : "M") + xs(x).toFixed(1) + "," + ys(line.y[j]).toFixed(1);
          pen = true;
        });
        if (d) el("path", {d: d, fill: "none", stroke: s.color, "stroke-width": 1.8, "stroke-dasharray": s.dash}, g);
        var m = styled(s, 3.4);
        line.x.forEach(function (x, j) {
          if (ok(x, line.y[j])) marker(g, s.marker, xs(x), ys(line.y[j]), m.r, s.color, m.attrs);
        });
      }
    });
    container.appendChild(svg);
    if (labels.length > 1 || kind !== "bar") legend(container, labels, kind);
    if (outside) {
      var note = document.createElement("p");
      note.className = "demos-plot-note";
      note.textContent = outside + " point" + (outside === 1 ? "" : "s") + " outside the central 99% not drawn.";
      container.appendChild(note);
    }
  }

  window.DemoPlot = {render: render};
})();
