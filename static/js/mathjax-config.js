// MathJax 3 configuration. Load order on every page (no inline scripts: CSP script-src 'self'):
//   <script src="/static/js/mathjax-config.js"></script>
//   <script src="/static/js/math.js"></script>
//   <script src="/static/vendor/mathjax/tex-chtml.js" defer></script>
//
// The server already decided what is math (renderer/): every formula sits in an element with
// class "math" holding \(...\) or \[...\], inside a container with class
// "mathjax_ignore tex2jax_ignore notranslate". So MathJax scans nothing else, knows only the
// \( \) and \[ \] delimiters (never $), and runs with ui/safe (design/rendering.md §4).
'use strict';

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
      // The first typeset of the page; later fragments go through readerMath.typeset().
      return MathJax.startup.defaultPageReady().then(() => {
        if (window.readerMath) window.readerMath.afterTypeset(document);
      });
    },
  },
};
