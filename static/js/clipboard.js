// One clipboard helper for every page script: window.readerClipboard.copy(text) -> Promise.
// navigator.clipboard needs a secure context; on plain http a hidden textarea and
// execCommand('copy') still work. The reader's own selection is kept (copying must not reset
// their find position). Loaded with defer before reader.js and zotero.js (CSP: no inline JS).
(function () {
  'use strict';

  function fallbackCopy(text) {
    var sel = document.getSelection();
    var ranges = [];
    for (var i = 0; sel && i < sel.rangeCount; i++) ranges.push(sel.getRangeAt(i));
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(area);
    if (sel) { sel.removeAllRanges(); ranges.forEach(function (r) { sel.addRange(r); }); }
    return ok ? Promise.resolve() : Promise.reject(new Error('copy refused'));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  window.readerClipboard = { copy: copy };
})();
