// MathJax 3 configuration. Load order (no inline scripts: CSP script-src 'self'):
// this file first, then static/js/math.js and static/vendor/mathjax/tex-chtml.js (any order;
// all three may be `defer`).
//
// The server already decided what is math (renderer/): every formula sits in an element with
// class "math" holding \(...\) or \[...\], inside a container with class
// "mathjax_ignore tex2jax_ignore notranslate". So MathJax scans nothing else, knows only the
// \( \) and \[ \] delimiters (never $), and runs with ui/safe (design/rendering.md §4).
'use strict';

(function () {
  // Cool Papers' notranslate hand-over (rendering.md §4.4): protect the typeset math first,
  // then let translators at the prose of the containers.
  function afterTypeset(root) {
    // Belt and braces for safeOptions below: typeset math never links anywhere.
    root.querySelectorAll('mjx-container [href]').forEach((el) => el.removeAttribute('href'));
    root.querySelectorAll('.math, mjx-container').forEach((el) => el.classList.add('notranslate'));
    const containers = Array.from(root.querySelectorAll('.mathjax_ignore'));
    if (root.classList && root.classList.contains('mathjax_ignore')) containers.push(root);
    containers.forEach((el) => el.classList.remove('notranslate'));
  }

  let pageTypeset;
  // window.readerMath.ready resolves after the page's first typeset; math.js adds typeset().
  window.readerMath = Object.assign(window.readerMath || {}, {
    afterTypeset,
    ready: new Promise((resolve) => {
      pageTypeset = resolve;
    }),
  });

  window.MathJax = {
    loader: { load: ['ui/safe'] }, // filters \href{javascript:...}, \class, \style, \cssId, ...
    tex: {
      inlineMath: [['\\(', '\\)']], // never ['$', '$']: a $ that reaches the page is text
      displayMath: [['\\[', '\\]']],
      processEscapes: false,
      processEnvironments: false, // amsmath blocks arrive wrapped in \[ ... \]
      processRefs: false,
    },
    options: {
      // No links out of formulas at all: ui/safe's protocol check in 3.2.2 reads
      // "java\nscript:" as protocol-less and keeps it, and the browser then drops the newline.
      safeOptions: { allow: { URLs: 'none', classes: 'safe', cssIDs: 'safe', styles: 'safe' } },
      ignoreHtmlClass: 'mathjax_ignore|tex2jax_ignore', // set on every rendered container
      processHtmlClass: 'math', // re-enabled only inside .math
    },
    startup: {
      pageReady() {
        // The page's one global typeset; later fragments go through readerMath.typeset().
        return MathJax.startup
          .defaultPageReady()
          .then(() => afterTypeset(document))
          .finally(() => pageTypeset());
      },
    },
  };
})();
