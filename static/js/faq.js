/* Paper FAQ: post the request, poll /arxiv/<id>/faq.json, stream the answer in and typeset it.
 *
 * Two places use it: the paper page's #faq section (server-rendered; the form works without
 * JavaScript) and the listing cards' [FAQ] links, which open the answer inline instead of
 * following the link. The answer HTML comes only from the server's renderer (raw HTML off,
 * nh3 last); this script never builds markup from the answer itself. No inline script: URLs
 * come from data attributes (CSP script-src 'self').
 */
(function () {
  "use strict";
  var STREAM_DELAY = 500, MIN_DELAY = 1000, MAX_DELAY = 5000, BACKOFF = 1.5;

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function csrfToken(panel) {
    var field = panel.querySelector("input[name=csrfmiddlewaretoken]");
    return (field && field.value) || cookie("csrftoken");
  }

  function stateText(data) {
    switch (data.status) {
      case "queued":
        return "Pending: " + (data.position || 0) + ". You can close this tab; the answer is written on the server.";
      case "running":
        return "Writing the answer… " + (data.tokens || 0) + " tokens so far.";
      case "failed":
        return "The answer could not be generated: " + (data.error || "unknown error");
      case "paused":
        return "FAQ paused until tomorrow.";
      case "off":
        return "The FAQ is not available on this site.";
      case "none":
        return "No FAQ for this paper yet.";
      default:
        return data.current === false ? "This answer is for v" + data.version + "." : "";
    }
  }

  // One swap at a time: MathJax must finish typesetting the previous fragment before the
  // next one replaces it; a newer answer that arrives meanwhile is applied right after.
  function setAnswer(panel, html) {
    if (panel._html === html) return;
    panel._html = html;
    if (panel._busy) { panel._again = true; return; }
    panel._busy = true;
    var old = panel.querySelector("[data-faq-answer]");
    var fresh = document.createElement("div");
    fresh.className = old.className;
    fresh.setAttribute("data-faq-answer", "");
    fresh.innerHTML = html;  // sanitised renderer output from our own server
    function done() {
      fresh.setAttribute("data-typeset", "1");
      panel._busy = false;
      if (panel._again) {
        panel._again = false;
        var latest = panel._html;
        panel._html = null;
        setAnswer(panel, latest);
      }
    }
    if (window.readerMath && window.readerMath.replace) {
      window.readerMath.replace(old, fresh).then(done, done);
    } else {
      old.replaceWith(fresh);
      done();
    }
  }

  function setNote(panel, name, text, show) {
    var note = panel.querySelector("[data-faq-" + name + "]");
    if (show && !note) {
      note = document.createElement("p");
      note.className = "faq-note";
      note.setAttribute("data-faq-" + name, "");
      note.textContent = text;
      panel.querySelector("[data-faq-answer]").before(note);
    } else if (!show && note) {
      note.remove();
    }
  }

  function render(panel, data) {
    panel.setAttribute("data-status", data.status);
    panel.querySelector("[data-faq-state]").textContent = stateText(data);
    if (data.html !== undefined) setAnswer(panel, data.html || "");
    setNote(panel, "truncated", "The answer was cut short at the length limit.", data.truncated);
    setNote(panel, "filtered", "The model's content filter stopped this answer.", data.content_filter);
    var button = panel.querySelector("[data-faq-generate]") || panel.querySelector("[data-faq-form] button");
    if (button) {
      var offer = data.status === "none" || data.status === "failed" || (data.status === "done" && data.current === false);
      button.hidden = !offer;
      var form = button.closest("form");
      if (form) form.hidden = !offer;
      if (data.status === "failed") button.textContent = "Try again";
    }
  }

  function poll(panel) {
    if (panel._polling) return;
    panel._polling = true;
    var url = panel.getAttribute("data-json-url");
    var delay = MIN_DELAY, last = null;
    function tick() {
      fetch(url, {headers: {Accept: "application/json"}, cache: "no-store", credentials: "same-origin"})
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(function (data) {
          render(panel, data);
          if (data.status !== "queued" && data.status !== "running") {
            panel._polling = false;
            return;
          }
          var seen = data.status + ":" + data.position + ":" + (data.html || "").length;
          if (data.status === "running") delay = STREAM_DELAY;
          else delay = seen === last ? Math.min(MAX_DELAY, delay * BACKOFF) : MIN_DELAY;
          last = seen;
          window.setTimeout(tick, delay);
        })
        .catch(function () {
          delay = Math.min(MAX_DELAY, delay * BACKOFF);
          window.setTimeout(tick, delay);
        });
    }
    tick();
  }

  function request(panel) {
    var body = new URLSearchParams({lang: panel.getAttribute("data-lang") || "en"});
    return fetch(panel.getAttribute("data-post-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {Accept: "application/json", "X-CSRFToken": csrfToken(panel)},
    })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.error) {
          panel.querySelector("[data-faq-state]").textContent = data.message || data.error;
          return;
        }
        render(panel, data);
        poll(panel);
      })
      .catch(function () {
        panel.querySelector("[data-faq-state]").textContent = "Could not reach the server; try again.";
      });
  }

  function inlinePanel(link) {
    var panel = document.createElement("section");
    panel.className = "faq faq-inline";
    panel.setAttribute("data-faq-panel", "");
    panel.setAttribute("data-json-url", link.getAttribute("data-json-url") + "?lang=en");
    panel.setAttribute("data-post-url", link.getAttribute("data-post-url"));
    panel.setAttribute("data-lang", "en");
    var state = document.createElement("p");
    state.className = "faq-state";
    state.setAttribute("data-faq-state", "");
    state.setAttribute("role", "status");
    state.textContent = "Loading the FAQ…";
    var answer = document.createElement("div");
    answer.className = "faq-answer markdown mathjax_ignore tex2jax_ignore notranslate";
    answer.setAttribute("data-faq-answer", "");
    var button = document.createElement("button");
    button.type = "button";
    button.hidden = true;
    button.textContent = "Generate FAQ";
    button.setAttribute("data-faq-generate", "");
    button.addEventListener("click", function () { button.hidden = true; request(panel); });
    var heading = document.createElement("p");
    heading.className = "faq-inline-heading";
    heading.textContent = "FAQ, generated by a language model ";
    var other = document.createElement("button");
    other.type = "button";
    other.className = "faq-lang";
    other.setAttribute("data-faq-lang", "");
    other.textContent = "中文";
    other.addEventListener("click", function () {
      var lang = panel.getAttribute("data-lang") === "en" ? "zh" : "en";
      other.textContent = lang === "en" ? "中文" : "English";
      panel.setAttribute("data-lang", lang);
      panel.setAttribute("data-json-url", link.getAttribute("data-json-url") + "?lang=" + lang);
      panel._html = null;
      poll(panel);
    });
    heading.append(other);
    panel.append(heading, state, answer, button);
    link.closest("article").append(panel);
    return panel;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-faq-link]");
    if (!link) return;
    event.preventDefault();
    var card = link.closest("article");
    var panel = card.querySelector(".faq-inline");
    if (panel) {
      panel.hidden = !panel.hidden;
      link.setAttribute("aria-expanded", String(!panel.hidden));
      return;
    }
    panel = inlinePanel(link);
    link.setAttribute("aria-expanded", "true");
    poll(panel);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector("section#faq[data-faq-panel]");
    if (!panel) return;
    var form = panel.querySelector("[data-faq-form]");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        form.hidden = true;
        request(panel);
      });
    }
    var status = panel.getAttribute("data-status");
    if (status === "queued" || status === "running") poll(panel);
  });
})();
