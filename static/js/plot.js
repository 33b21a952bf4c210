/* Small SVG plots drawn from a demo result's `series` entry (no library, no build step).
 *
 * DemoPlot.render(container, plot) where plot = {kind: "line" | "loglog" | "scatter" | "bar",
 * x_label, y_label, lines: {label: {x: [...], y: [...]}}}. Null or non-positive values (on log
 * axes) are skipped, so a line breaks instead of lying. Text goes in with textContent only.
 */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var W = 560, H = 340, M = {top: 16, right: 16, bottom: 52, left: 70};
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

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
    if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace("e+", "e");
    return String(Number(v.toPrecision(3)));
  }

  function niceTicks(lo, hi, count) {
    if (lo === hi) { lo -= 1; hi += 1; }
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count)));
    var err = (hi - lo) / count / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
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

  function pad(range, log) {
    // 4% headroom so points on the extremes are not drawn on the axes.
    if (log) { var f = Math.pow(range[1] / range[0] || 10, 0.04); return [range[0] / f, range[1] * f]; }
    var d = (range[1] - range[0]) * 0.04 || Math.abs(range[0]) * 0.1 || 1;
    return [range[0] - d, range[1] + d];
  }

  function scale(lo, hi, a, b, log) {
    if (log) { lo = Math.log10(lo); hi = Math.log10(hi); }
    if (hi === lo) { lo -= 0.5; hi += 0.5; }
    return function (v) { return a + ((log ? Math.log10(v) : v) - lo) / (hi - lo) * (b - a); };
  }

  function extent(values, log) {
    var ok = values.filter(function (v) { return isNum(v) && (!log || v > 0); });
    if (!ok.length) return null;
    return [Math.min.apply(null, ok), Math.max.apply(null, ok)];
  }

  function axes(svg, xs, ys, xTicks, yTicks, plot) {
    var g = el("g", {"class": "demos-axes", "font-size": "13", fill: "#333"}, svg);
    el("line", {x1: M.left, y1: H - M.bottom, x2: W - M.right, y2: H - M.bottom, stroke: "#555"}, g);
    el("line", {x1: M.left, y1: M.top, x2: M.left, y2: H - M.bottom, stroke: "#555"}, g);
    xTicks.forEach(function (t) {
      var x = xs(t.v);
      el("line", {x1: x, y1: H - M.bottom, x2: x, y2: H - M.bottom + 4, stroke: "#555"}, g);
      text(g, x, H - M.bottom + 16, t.label, {"text-anchor": "middle"});
    });
    yTicks.forEach(function (t) {
      var y = ys(t);
      el("line", {x1: M.left, y1: y, x2: W - M.right, y2: y, stroke: "#eee"}, g);
      text(g, M.left - 6, y + 4, fmt(t), {"text-anchor": "end"});
    });
    text(g, (M.left + W - M.right) / 2, H - 10, plot.x_label || "", {"text-anchor": "middle"});
    text(g, 14, (M.top + H - M.bottom) / 2, plot.y_label || "",
      {"text-anchor": "middle", transform: "rotate(-90 14 " + (M.top + H - M.bottom) / 2 + ")"});
  }

  function legend(container, labels) {
    var ul = document.createElement("ul");
    ul.className = "demos-legend";
    labels.forEach(function (label, i) {
      var li = document.createElement("li");
      var sw = document.createElement("span");
      sw.className = "demos-swatch";
      sw.style.background = COLORS[i % COLORS.length];
      li.appendChild(sw);
      li.appendChild(document.createTextNode(" " + label));
      ul.appendChild(li);
    });
    container.appendChild(ul);
  }

  function render(container, plot) {
    container.textContent = "";
    var kind = plot.kind || "line";
    var lines = plot.lines || {};
    var labels = Object.keys(lines);
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, "class": "demos-svg demos-svg-" + kind,
                         role: "img", "aria-label": (plot.y_label || "") + " vs " + (plot.x_label || "")});
    var allY = [], allX = [], categories = [];
    labels.forEach(function (l) {
      allY = allY.concat(lines[l].y);
      lines[l].x.forEach(function (x) {
        if (typeof x === "string") { if (categories.indexOf(x) < 0) categories.push(x); }
        else allX.push(x);
      });
    });
    var logX = kind === "loglog", logY = kind === "loglog";
    var yr = extent(allY.concat(kind === "bar" && !logY ? [0] : []), logY);
    if (!yr) { container.textContent = "No finite values to plot."; return; }
    yr = kind === "bar" && !logY ? [yr[0], yr[1] * 1.04] : pad(yr, logY);
    var ys = scale(yr[0], yr[1], H - M.bottom, M.top, logY);
    var yTicks = logY ? logTicks(yr[0], yr[1]) : niceTicks(yr[0], yr[1], 5);
    var xs, xTicks;
    var categorical = kind === "bar" || categories.length > 0;
    if (categorical) {
      if (!categories.length) categories = allX.map(String).filter(function (v, i, a) { return a.indexOf(v) === i; });
      var band = (W - M.left - M.right) / Math.max(1, categories.length);
      xs = function (v) { return M.left + band * (categories.indexOf(String(v)) + 0.5); };
      xTicks = categories.map(function (c) { return {v: c, label: c.length > 14 ? c.slice(0, 13) + "…" : c}; });
    } else {
      var xr = extent(allX, logX);
      if (!xr) { container.textContent = "No finite values to plot."; return; }
      xr = pad(xr, logX);
      xs = scale(xr[0], xr[1], M.left, W - M.right, logX);
      xTicks = (logX ? logTicks(xr[0], xr[1]) : niceTicks(xr[0], xr[1], 6)).map(function (t) { return {v: t, label: fmt(t)}; });
    }
    axes(svg, xs, ys, xTicks, yTicks, plot);
    var ok = function (x, y) {
      return isNum(y) && (!logY || y > 0) && (categorical || (isNum(x) && (!logX || x > 0)));
    };
    labels.forEach(function (label, i) {
      var color = COLORS[i % COLORS.length], line = lines[label];
      var g = el("g", {"class": "demos-series", "data-label": label}, svg);
      if (kind === "bar") {
        var bw = (W - M.left - M.right) / Math.max(1, categories.length) / (labels.length + 1);
        line.x.forEach(function (x, j) {
          var y = line.y[j];
          if (!ok(x, y)) return;
          var base = ys(logY ? yr[0] : 0), top = ys(y);
          el("rect", {x: xs(x) - bw * labels.length / 2 + bw * i, y: Math.min(base, top),
                      width: bw * 0.9, height: Math.abs(base - top), fill: color}, g);
        });
      } else if (kind === "scatter") {
        line.x.forEach(function (x, j) {
          if (ok(x, line.y[j])) el("circle", {cx: xs(x), cy: ys(line.y[j]), r: 2.2, fill: color, "fill-opacity": 0.6}, g);
        });
      } else {
        var d = "", pen = false;
        line.x.forEach(function (x, j) {
          if (!ok(x, line.y[j])) { pen = false; return; }
          d += (pen ? "L" : "M") + xs(x).toFixed(1) + "," + ys(line.y[j]).toFixed(1);
          pen = true;
          el("circle", {cx: xs(x), cy: ys(line.y[j]), r: 3, fill: color}, g);
        });
        if (d) el("path", {d: d, fill: "none", stroke: color, "stroke-width": 1.8}, g);
      }
    });
    container.appendChild(svg);
    if (labels.length > 1 || kind !== "bar") legend(container, labels);
  }

  window.DemoPlot = {render: render};
})();
