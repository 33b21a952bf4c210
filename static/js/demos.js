/* Live run page: poll the run's JSON with back-off (1 s -> 5 s), update the queue position and the
 * progress bar, reload once the run finishes (the server renders the result tables), and draw
 * the result's plots with DemoPlot from the same JSON. No inline script: the URL comes from a
 * data attribute (CSP script-src 'self').
 */
(function () {
  "use strict";
  var MIN_DELAY = 1000, MAX_DELAY = 5000, BACKOFF = 1.5;

  function pct(fraction) { return Math.max(0, Math.min(100, Math.round((fraction || 0) * 100))); }

  function setState(box, data) {
    var state = box.querySelector("[data-role=state]");
    var message = box.querySelector("[data-role=message]");
    var bar = box.querySelector("[data-role=bar]");
    var fill = box.querySelector("[data-role=fill]");
    var p = pct(data.progress && data.progress.fraction);
    if (data.status === "queued") {
      var ahead = data.queue_position || 0;
      // Runs ahead on the demos queue (its own workers): "Next in line" rather than "0".
      state.textContent = ahead ? "Waiting: " + ahead + (ahead === 1 ? " run" : " runs") + " ahead" : "Next in line";
      message.textContent = "Waiting for a demo worker; you can close this tab, the run continues.";
    } else if (data.status === "running") {
      state.textContent = "Loading " + p + "%";
      message.textContent = (data.progress && data.progress.message) || "";
    }
    if (fill) fill.style.width = p + "%";
    if (bar) bar.setAttribute("aria-valuenow", String(p));
  }

  function drawPlots(series) {
    var figures = document.querySelectorAll(".demos-plot[data-plot]");
    Array.prototype.forEach.call(figures, function (fig) {
      var plot = series[fig.getAttribute("data-plot")];
      var area = fig.querySelector("[data-role=plot-area]");
      if (plot && area && window.DemoPlot) {
        try { window.DemoPlot.render(area, plot); fig.setAttribute("data-drawn", "1"); }
        catch (err) { area.textContent = "Could not draw this plot."; }
      }
    });
  }

  function poll(box) {
    var url = box.getAttribute("data-status-url");
    var initial = box.getAttribute("data-status");
    var delay = MIN_DELAY, lastDone = null;
    function tick() {
      fetch(url, {headers: {Accept: "application/json"}, cache: "no-store", credentials: "same-origin"})
        .then(function (r) {
          if (r.status === 404) return null;  // the run was deleted: stop polling
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(function (data) {
          if (data === null) return;
          if (data.finished) {
            if (data.status !== initial) { window.location.reload(); return; }
            if (data.result && data.result.series) drawPlots(data.result.series);
            return;
          }
          setState(box, data);
          // Back off while nothing changes; snap back to 1 s when progress moves.
          var done = data.status + ":" + (data.progress && data.progress.done);
          delay = done === lastDone ? Math.min(MAX_DELAY, delay * BACKOFF) : MIN_DELAY;
          lastDone = done;
          window.setTimeout(tick, delay);
        })
        .catch(function () {
          delay = Math.min(MAX_DELAY, delay * BACKOFF);
          window.setTimeout(tick, delay);
        });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("demos-status");
    if (box) poll(box);
  });
})();
