// Reader pages: infinite scroll, keyword highlight/filter, stars (localStorage), copy, shortcuts.
// Plain JavaScript, no build step. Every page works without it; this only adds conveniences.
(function () {
  'use strict';

  var STAR_KEY = 'reader.stars';
  var FILTER_KEY = 'reader.filter';
  var FIELDS = { title: '.paper-title', abstract: '.abstract', authors: '.authors' };

  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Math typesetting goes through math.js's single promise chain (design/rendering.md §4.3).
  function typeset(nodes) {
    if (!nodes.length) return Promise.resolve();
    if (window.readerMath && typeof window.readerMath.typeset === 'function') {
      return window.readerMath.typeset(nodes);
    }
    return Promise.resolve();
  }

  // ---- stars: [{id, t}] in localStorage, exported as /arxiv/<id1>,<id2> ----

  function loadStars() {
    try {
      var list = JSON.parse(localStorage.getItem(STAR_KEY) || '[]');
      return Array.isArray(list) ? list.filter(function (s) { return s && typeof s.id === 'string'; }) : [];
    } catch (e) {
      return [];
    }
  }

  function saveStars(list) {
    try { localStorage.setItem(STAR_KEY, JSON.stringify(list)); } catch (e) { /* storage full or off */ }
  }

  function isStarred(id) { return loadStars().some(function (s) { return s.id === id; }); }

  function exportUrl(list) { return '/arxiv/' + list.map(function (s) { return s.id; }).join(','); }

  function toggleStar(card) {
    var id = card.dataset.id;
    var list = loadStars();
    var at = list.findIndex(function (s) { return s.id === id; });
    if (at >= 0) list.splice(at, 1); else list.push({ id: id, t: card.dataset.title || id });
    saveStars(list);
    renderStars();
  }

  function renderStars() {
    var list = loadStars();
    var ids = {};
    list.forEach(function (s) { ids[s.id] = true; });
    $all('[data-star]').forEach(function (btn) {
      var card = btn.closest('[data-id]');
      var on = !!(card && ids[card.dataset.id]);
      btn.setAttribute('aria-pressed', on ? 'true' : 'false');
      btn.textContent = on ? '★' : '☆';
      btn.classList.toggle('on', on);
    });
    $all('[data-stars-count]').forEach(function (el) { el.textContent = String(list.length); });
    var ul = document.querySelector('[data-stars-list]');
    if (ul) {
      ul.textContent = '';
      list.forEach(function (s) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = '/arxiv/' + s.id;
        a.textContent = s.t + ' (' + s.id + ')';
        li.appendChild(a);
        ul.appendChild(li);
      });
    }
    var empty = document.querySelector('[data-stars-empty]');
    if (empty) empty.hidden = list.length > 0;
    var link = document.querySelector('[data-stars-export]');
    if (link) {
      link.hidden = list.length === 0;
      link.href = list.length ? exportUrl(list) : '#';
    }
  }

  // ---- copy: the plain-text twin (title, authors, link), never the typeset DOM ----

  function copyCard(card, btn) {
    var text = (card.dataset.title || '') + '\n' + (card.dataset.authors || '') + '\n' +
      location.origin + '/arxiv/' + card.dataset.id;
    var done = function () {
      var old = btn.textContent;
      btn.textContent = 'Copied';
      setTimeout(function () { btn.textContent = old; }, 1200);
    };
    window.readerClipboard.copy(text).then(done, done);
  }

  // ---- keyword highlight and filter (skips typeset math) ----

  var filter = { include: [], exclude: [], fields: ['title', 'abstract', 'authors'], mode: 'or', only: false };

  function loadFilter() {
    try {
      var f = JSON.parse(localStorage.getItem(FILTER_KEY) || 'null');
      if (f && Array.isArray(f.include)) filter = f;
    } catch (e) { /* keep the default */ }
  }

  function textNodes(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        var el = node.parentElement;
        return el && el.closest('.math, mjx-container') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    var out = [];
    while (walker.nextNode()) out.push(walker.currentNode);
    return out;
  }

  function fieldText(card, field) {
    var el = card.querySelector(FIELDS[field]);
    return el ? textNodes(el).map(function (n) { return n.nodeValue; }).join(' ').toLowerCase() : '';
  }

  function clearMarks(root) {
    $all('mark.kw', root).forEach(function (m) {
      var parent = m.parentNode;
      parent.replaceChild(document.createTextNode(m.textContent), m);
      parent.normalize();
    });
  }

  function markWords(root, words) {
    if (!words.length) return;
    textNodes(root).forEach(function (node) {
      var text = node.nodeValue;
      var lower = text.toLowerCase();
      var pieces = [];
      var pos = 0;
      while (pos < text.length) {
        var best = -1;
        var len = 0;
        words.forEach(function (w) {
          var at = lower.indexOf(w, pos);
          if (at >= 0 && (best < 0 || at < best)) { best = at; len = w.length; }
        });
        if (best < 0) break;
        pieces.push([best, len]);
        pos = best + len;
      }
      if (!pieces.length) return;
      var frag = document.createDocumentFragment();
      var last = 0;
      pieces.forEach(function (p) {
        frag.appendChild(document.createTextNode(text.slice(last, p[0])));
        var mark = document.createElement('mark');
        mark.className = 'kw';
        mark.textContent = text.slice(p[0], p[0] + p[1]);
        frag.appendChild(mark);
        last = p[0] + p[1];
      });
      frag.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(frag, node);
    });
  }

  function applyFilter(cards) {
    var inc = filter.include;
    var exc = filter.exclude;
    var active = inc.length > 0 || exc.length > 0;
    cards.forEach(function (card) {
      clearMarks(card);
      var texts = filter.fields.map(function (f) { return fieldText(card, f); });
      var has = function (k) { return texts.some(function (t) { return t.indexOf(k) >= 0; }); };
      var incOk = !inc.length || (filter.mode === 'and' ? inc.every(has) : inc.some(has));
      var excHit = exc.some(has);
      var match = active && incOk && !excHit;
      card.classList.toggle('kw-match', match && inc.length > 0);
      card.classList.toggle('kw-excluded', excHit);
      card.hidden = active && filter.only && !match;
      if (inc.length) {
        filter.fields.forEach(function (f) {
          var el = card.querySelector(FIELDS[f]);
          if (el) markWords(el, inc);
        });
      }
    });
    var all = $all('[data-papers] > .paper');
    var status = document.querySelector('[data-filter-status]');
    if (status) {
      var n = all.filter(function (c) { return c.classList.contains('kw-match'); }).length;
      var hidden = all.filter(function (c) { return c.hidden; }).length;
      status.textContent = active ? '(' + n + ' match' + (hidden ? ', ' + hidden + ' hidden' : '') + ')' : '';
    }
  }

  function readLines(value) {
    return value.split('\n').map(function (s) { return s.trim().toLowerCase(); }).filter(Boolean);
  }

  function setupFilter() {
    var form = document.querySelector('[data-filter-form]');
    if (!form) return;
    document.querySelector('[data-tools]').hidden = false;
    loadFilter();
    form.include.value = filter.include.join('\n');
    form.exclude.value = filter.exclude.join('\n');
    $all('input[name=in]', form).forEach(function (cb) { cb.checked = filter.fields.indexOf(cb.value) >= 0; });
    $all('input[name=mode]', form).forEach(function (r) { r.checked = r.value === filter.mode; });
    form.only.checked = !!filter.only;
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      filter = {
        include: readLines(form.include.value),
        exclude: readLines(form.exclude.value),
        fields: $all('input[name=in]:checked', form).map(function (cb) { return cb.value; }),
        mode: (form.querySelector('input[name=mode]:checked') || { value: 'or' }).value,
        only: form.only.checked,
      };
      try { localStorage.setItem(FILTER_KEY, JSON.stringify(filter)); } catch (e) { /* ignore */ }
      applyFilter($all('[data-papers] > .paper'));
    });
    form.querySelector('[data-filter-clear]').addEventListener('click', function () {
      form.include.value = '';
      form.exclude.value = '';
      form.only.checked = false;
      form.requestSubmit();
    });
    if (filter.include.length || filter.exclude.length) applyFilter($all('[data-papers] > .paper'));
  }

  // ---- cards: enable the buttons that need JavaScript ----

  function initCards(cards) {
    cards.forEach(function (card) {
      $all('[data-star], [data-copy]', card).forEach(function (b) { b.hidden = false; });
    });
    renderStars();
  }

  document.addEventListener('click', function (ev) {
    var btn = ev.target.closest('[data-star], [data-copy], [data-stars-toggle], [data-stars-clear], [data-more]');
    if (!btn) return;
    var card = btn.closest('[data-id]');
    if (btn.hasAttribute('data-star') && card) toggleStar(card);
    else if (btn.hasAttribute('data-copy') && card) copyCard(card, btn);
    else if (btn.hasAttribute('data-stars-toggle')) {
      var panel = document.getElementById('stars-panel');
      panel.hidden = !panel.hidden;
      btn.setAttribute('aria-expanded', panel.hidden ? 'false' : 'true');
    } else if (btn.hasAttribute('data-stars-clear')) {
      saveStars([]);
      renderStars();
    } else if (btn.hasAttribute('data-more')) {
      ev.preventDefault();
      loadMore();
    }
  });

  // ---- infinite scroll: 25 more papers per batch, typeset after insertion ----

  var loading = false;
  var observer = null;

  function loadMore() {
    var list = document.querySelector('[data-papers]');
    var link = list && list.querySelector('[data-more]');
    if (!link || loading) return Promise.resolve();
    loading = true;
    link.textContent = 'Loading…';
    link.setAttribute('aria-busy', 'true');
    return fetch(link.dataset.fragmentUrl, { headers: { Accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (resp) {
        if (!resp.ok) throw new Error('HTTP ' + resp.status);
        return resp.text();
      })
      .then(function (html) {
        var tpl = document.createElement('template');
        tpl.innerHTML = html;
        var nodes = Array.prototype.slice.call(tpl.content.children);
        link.closest('[data-pager]').remove();
        nodes.forEach(function (n) { list.appendChild(n); });
        var cards = nodes.filter(function (n) { return n.classList.contains('paper'); });
        initCards(cards);
        return typeset(cards).then(function () {
          applyFilter(cards);
          loading = false;
          watchPager();
          document.dispatchEvent(new CustomEvent('reader:batch', { detail: { count: cards.length } }));
        });
      })
      .catch(function (err) {
        loading = false;
        link.textContent = 'Loading failed; click to retry';
        link.removeAttribute('aria-busy');
        console.warn('loading more papers failed', err);
      });
  }

  function watchPager() {
    var link = document.querySelector('[data-papers] [data-more]');
    if (!link || !('IntersectionObserver' in window)) return;
    if (!observer) {
      observer = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) loadMore();
      }, { rootMargin: '400px 0px' });
    }
    observer.disconnect();
    observer.observe(link);
  }

  // ---- related papers on the paper page (a server-rendered fragment) ----

  function loadRelated() {
    var box = document.querySelector('[data-related-url]');
    if (!box) return;
    fetch(box.dataset.relatedUrl, { credentials: 'same-origin' })
      .then(function (resp) { if (!resp.ok) throw new Error('HTTP ' + resp.status); return resp.text(); })
      .then(function (html) {
        var tpl = document.createElement('template');
        tpl.innerHTML = html;
        var holder = document.createElement('div');
        holder.className = 'related-body';
        holder.appendChild(tpl.content);
        var fallback = box.querySelector('[data-related-fallback]');
        if (fallback) fallback.remove();
        box.appendChild(holder);
        return typeset([holder]);
      })
      .catch(function (err) { console.warn('related papers failed', err); });
  }

  // ---- keyboard: j/k move between papers, s stars, / opens the filter ----

  var current = -1;

  function visibleCards() {
    return $all('.paper[data-id]').filter(function (c) { return !c.hidden; });
  }

  function focusCard(step) {
    var cards = visibleCards();
    if (!cards.length) return;
    var prev = document.querySelector('.paper.current');
    var at = prev ? cards.indexOf(prev) : -1;
    current = Math.max(0, Math.min(cards.length - 1, at + step));
    if (prev) prev.classList.remove('current');
    var card = cards[current];
    card.classList.add('current');
    card.setAttribute('tabindex', '-1');
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: 'start', behavior: 'auto' });
  }

  document.addEventListener('keydown', function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
    if (ev.key === 'j') focusCard(1);
    else if (ev.key === 'k') focusCard(-1);
    else if (ev.key === 's') {
      var card = document.querySelector('.paper.current') || (visibleCards().length === 1 ? visibleCards()[0] : null);
      if (card) toggleStar(card);
    } else if (ev.key === '/') {
      var details = document.querySelector('[data-filter-details]');
      if (!details) return;
      ev.preventDefault();
      details.open = true;
      document.querySelector('[data-kw-include]').focus();
    } else return;
  });

  // Stars changed in another tab: keep this one in step.
  window.addEventListener('storage', function (ev) { if (ev.key === STAR_KEY) renderStars(); });

  function start() {
    $all('[data-stars-toggle]').forEach(function (b) { b.hidden = false; });
    initCards($all('.paper[data-id]'));
    setupFilter();
    watchPager();
    loadRelated();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
