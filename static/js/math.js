// Typesetting for fragments added after page load (lazy-loaded listing batches, swapped notes).
//
//   window.readerMath.typeset(elements) -> Promise   typeset these elements (array or one node)
//   window.readerMath.replace(oldEl, newEl) -> Promise  swap a typeset node for a new fragment
//   window.readerMath.ready -> Promise                 resolves after the page's first typeset
//
// MathJax must never run two typesetting operations at once, so every call is chained on
// MathJax.startup.promise. After each typeset, afterTypeset() does Cool Papers' notranslate
// hand-over: protect the math first, then let translators at the prose (rendering.md §4.4).
'use strict';

(function () {
  function afterTypeset(root) {
    // Belt and braces for mathjax-config.js's safeOptions: typeset math never links anywhere.
    root.querySelectorAll('mjx-container [href]').forEach((el) => el.removeAttribute('href'));
    root.querySelectorAll('.math, mjx-container').forEach((el) => el.classList.add('notranslate'));
    const containers = Array.from(root.querySelectorAll('.mathjax_ignore'));
    if (root.classList && root.classList.contains('mathjax_ignore')) containers.push(root);
    containers.forEach((el) => el.classList.remove('notranslate'));
  }

  function asList(elements) {
    if (!elements) return [];
    if (elements instanceof Element) return [elements];
    return Array.from(elements);
  }

  // MathJax.startup.promise exists once tex-chtml.js has loaded; before that, wait for it.
  function startupPromise() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      window.addEventListener('load', resolve, { once: true });
    });
  }

  function typeset(elements) {
    const list = asList(elements);
    return startupPromise().then(() => {
      MathJax.startup.promise = MathJax.startup.promise
        .then(() => (list.length ? MathJax.typesetPromise(list) : null))
        .then(() => list.forEach(afterTypeset))
        .catch((err) => console.error('MathJax typeset failed', err));
      return MathJax.startup.promise;
    });
  }

  function replace(oldEl, newEl) {
    return startupPromise().then(() => {
      MathJax.startup.promise = MathJax.startup.promise.then(() => {
        MathJax.typesetClear([oldEl]); // drop MathJax's records for the old nodes first
        oldEl.replaceWith(newEl);
      });
      return typeset([newEl]);
    });
  }

  window.readerMath = {
    typeset,
    replace,
    afterTypeset,
    ready: startupPromise().then(() => MathJax.startup.promise),
  };
})();
