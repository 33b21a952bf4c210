// MathJax 3 configuration. Load order (no inline scripts: CSP script-src 'self'):
// this file first, then static/js/math.js and static/vendor/mathjax/tex-chtml.js (any order;
// all three may be `defer`).
//
// The server already decided what is math (renderer/): every formula sits in an element with
// class "math" holding \(...\) or \[...\], inside a container with class
// "mathjax_ignore tex2jax_ignore notranslate". So MathJax is handed those .math elements and
// nothing else (text elsewhere, such as author names or comments, is never scanned), knows
// only the \( \) and \[ \] delimiters (never $), and runs with ui/safe
// (design/rendering.md §4).
//
// One formula never affects another: \require loads only extensions we ship, a TeX error
// shows that formula's source in a red box (noerrors), and if a whole-page typeset still
// fails (an extension that did not load) every formula is typeset on its own and the one that
// fails is left as its source, marked with class "math-error" and the reason as its title.
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

  // Typeset each element alone, in order; one that fails keeps its source and is marked.
  function typesetEach(elements) {
    const list = Array.from(elements);
    // Forget what the failed typeset found in them, or every render retries the bad formula.
    if (list.length) MathJax.typesetClear(list);
    let done = Promise.resolve();
    list.forEach((el) => {
      done = done
        .then(() => MathJax.typesetPromise([el]))
        .catch((err) => {
          MathJax.typesetClear([el]);
          el.classList.add('math-error');
          el.title = 'This formula could not be typeset: ' + ((err && err.message) || err);
        });
    });
    return done;
  }

  // The server's math spans under root (root itself when it is one).
  function mathIn(root) {
    const found = Array.from(root.querySelectorAll('.math'));
    if (root.classList && root.classList.contains('math')) found.unshift(root);
    return found;
  }

  // Extensions in static/vendor/mathjax/input/tex/extensions that \require may load (html is
  // left out: its \class, \style, \cssId, \data only matter to ui/safe's filters).
  const ALLOWED_EXTENSIONS = Object.fromEntries(
    ['action', 'ams', 'amscd', 'bbox', 'boldsymbol', 'braket', 'bussproofs', 'cancel',
     'cases', 'centernot', 'color', 'colortbl', 'colorv2', 'empheq', 'enclose', 'extpfeil',
     'gensymb', 'mathtools', 'mhchem', 'newcommand', 'noerrors', 'noundefined', 'physics',
     'textcomp', 'textmacros', 'unicode', 'upgreek', 'verb'].map((name) => [name, true]),
  );

  let pageTypeset;
  // window.readerMath.ready resolves after the page's first typeset; math.js adds typeset().
  window.readerMath = Object.assign(window.readerMath || {}, {
    afterTypeset,
    typesetEach,
    mathIn,
    ready: new Promise((resolve) => {
      pageTypeset = resolve;
    }),
  });

  window.MathJax = {
    // ui/safe filters \href{javascript:...}, \class, \style, \cssId, ...
    loader: { load: ['ui/safe', '[tex]/noerrors'] },
    tex: {
      packages: { '[+]': ['noerrors'] }, // a TeX error shows the formula's source, boxed
      // \require{texhtml} (not in MathJax 3) made the loader fetch a file we do not serve, and
      // the 404 stopped every formula on the page: only what static/vendor/mathjax ships loads.
      require: { allow: ALLOWED_EXTENSIONS, defaultAllow: false },
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
      typeset: false, // never the whole body: only the server's .math spans (pageReady)
      pageReady() {
        // The page's one global typeset; later fragments go through readerMath.typeset().
        const marked = mathIn(document);
        return MathJax.startup
          .defaultPageReady()
          .then(() => MathJax.typesetPromise(marked))
          .catch(() => typesetEach(marked))
          .then(() => afterTypeset(document))
          .finally(() => pageTypeset());
      },
    },
  };
})();
