// "Copy BibTeX" buttons: fetch the paper's .bib from our server and put it on the clipboard.
// Loaded with defer from base.html (CSP forbids inline scripts). Buttons ship `hidden` so that
// readers without JavaScript never see a button that does nothing.
(function () {
  'use strict';

  var SELECTOR = '[data-copy-bibtex]';

  function reveal(root) {
    if (root.matches && root.matches(SELECTOR)) root.hidden = false;
    if (root.querySelectorAll) {
      Array.prototype.forEach.call(root.querySelectorAll(SELECTOR), function (b) { b.hidden = false; });
    }
  }

  function flash(btn, label) {
    var original = btn.getAttribute('data-label') || btn.textContent;
    btn.setAttribute('data-label', original);
    btn.textContent = label;
    window.setTimeout(function () { btn.textContent = original; btn.disabled = false; }, 1500);
  }

  function copyBibtex(btn) {
    btn.disabled = true;
    fetch(btn.getAttribute('data-copy-bibtex'), { credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(window.readerClipboard.copy)
      .then(function () { btn.setAttribute('data-copied', ''); flash(btn, 'Copied'); },
            function () { flash(btn, 'Copy failed'); });
  }

  document.addEventListener('click', function (ev) {
    var btn = ev.target.closest && ev.target.closest(SELECTOR);
    if (btn) copyBibtex(btn);
  });

  function start() {
    reveal(document);
    // Listing pages append cards as the reader scrolls: reveal their buttons too.
    new MutationObserver(function (records) {
      records.forEach(function (rec) { Array.prototype.forEach.call(rec.addedNodes, reveal); });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
