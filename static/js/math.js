// Typesetting for fragments added after page load (lazy-loaded listing batches, swapped notes).
// Needs static/js/mathjax-config.js loaded before it (it creates window.readerMath).
//
//   window.readerMath.typeset(elements) -> Promise     typeset these elements (list or one node)
//   window.readerMath.replace(oldEl, newEl) -> Promise swap a typeset node for a new fragment
//   window.readerMath.ready -> Promise                 resolves after the page's first typeset
//
// MathJax must never run two typesetting operations at once, so every call is chained on
// MathJax.startup.promise, after the first page typeset; each ends with the notranslate
// hand-over (readerMath.afterTypeset, defined with the configuration).
'use strict';

(function () {
  const readerMath = window.readerMath;
  if (!readerMath || !readerMath.ready) {
    console.error('math.js: load static/js/mathjax-config.js first');
    return;
  }

  function asList(elements) {
    if (!elements) return [];
    if (elements instanceof Element) return [elements];
    return Array.from(elements);
  }

  function chain(step) {
    return readerMath.ready.then(() => {
      MathJax.startup.promise = MathJax.startup.promise
        .then(step)
        .catch((err) => console.error('MathJax typeset failed', err));
      return MathJax.startup.promise;
    });
  }

  // Only the server's .math spans inside the given elements are ever typeset.
  function typeset(elements) {
    const list = asList(elements);
    const marked = list.flatMap(readerMath.mathIn);
    return chain(() =>
      marked.length
        ? MathJax.typesetPromise(marked)
            .catch(() => readerMath.typesetEach(marked))
            .then(() => list.forEach(readerMath.afterTypeset))
        : null,
    );
  }

  function replace(oldEl, newEl) {
    return chain(() => {
      MathJax.typesetClear([oldEl]); // drop MathJax's records for the old nodes first
      oldEl.replaceWith(newEl);
      const marked = readerMath.mathIn(newEl);
      return MathJax.typesetPromise(marked)
        .catch(() => readerMath.typesetEach(marked))
        .then(() => readerMath.afterTypeset(newEl));
    });
  }

  readerMath.typeset = typeset;
  readerMath.replace = replace;
})();
