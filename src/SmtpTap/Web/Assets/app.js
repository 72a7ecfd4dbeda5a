// SmtpTap web UI: the sessions list (live through /api/events) and one session's timeline (live through
// /api/sessions/{id}/events). Every value from the tap is shown with textContent, never as HTML.
'use strict';

(function () {
  const token = new URLSearchParams(location.search).get('token');
  const sessions = new Map();
  let listSource = null;
  let detailSource = null;
  let openId = null;
  let lastSeq = 0;

  const $ = (id) => document.getElementById(id);

  function api(path, params) {
    const url = new URL(path, location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v) url.searchParams.set(k, v);
    }
    if (token) url.searchParams.set('token', token);
    return url.pathname + url.search;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function time(iso) {
    const d = new Date(iso);
    return d.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }

  function duration(s) {
    if (!s.ended) return '';
    const ms = new Date(s.ended) - new Date(s.started);
    return ms < 1000 ? ms + ' ms' : (ms / 1000).toFixed(1) + ' s';
  }

  function size(octets) {
    if (octets === null || octets === undefined) return '';
    if (octets < 1024) return octets + ' B';
    if (octets < 1024 * 1024) return (octets / 1024).toFixed(1) + ' KiB';
    return (octets / (1024 * 1024)).toFixed(1) + ' MiB';
  }

  // The helpers message.js shares (it runs after this file: both are deferred, in document order).
  window.SmtpTapUi = Object.freeze({ api, el, size });

  // The messages cell: one message as "size · verdict code", several as "N msgs, M refused · total size";
  // recipients the server refused (in a message it accepted, too) are added as "K rcpt refused".
  function messagesCell(s) {
    // Counts come from the verdicts in the transcript (every message); sizes from the message records (messages lists the first 50).
    const messages = s.messages || [];
    const count = Math.max(s.messagesAccepted + s.messagesRejected, messages.length);
    const parts = [];
    if (count === 1 && messages.length === 1) {
      parts.push([size(messages[0].size), String(messages[0].verdict)].filter(Boolean).join(' · '));
    } else if (count > 1) {
      parts.push(count + ' msgs' + (s.messagesRejected ? ', ' + s.messagesRejected + ' refused' : '') + (s.messageOctets ? ' · ' + size(s.messageOctets) : ''));
    }
    if (s.recipientsRefused) parts.push(s.recipientsRefused + ' rcpt refused');
    return parts.join(', ');
  }

  // The route in the list, short: the listener without smtp:// (smtps:// stays), the upstream without its note in
  // parentheses; the cell's title has both in full.
  function hops(s) {
    if (!s.listener && !s.upstream) return '';
    const listener = (s.listener || '?').replace(/^smtp:\/\//, '');
    const upstream = (s.upstream || '…').replace(/ \(.*\)$/, '');
    return listener + ' → ' + upstream;
  }

  function fullHops(s) {
    return (s.listener || '?') + ' → ' + (s.upstream || '…');
  }

  function matches(s) {
    const q = $('q').value.trim().toLowerCase();
    const status = $('status').value;
    if (status && s.status !== status) return false;
    if (!q) return true;
    const fields = [s.id, s.clientAddress, s.listener, s.upstream, s.ehlo, s.user].concat(s.senders, s.recipients, s.subjects);
    return fields.some((f) => f && String(f).toLowerCase().includes(q));
  }

  // A list in one short line: the first (at 0) or newest (at -1) item and how many more; the cell's title has them all.
  // A busy session lists up to 50 senders and subjects: drawn in full, every update of its row re-laid out a tall cell.
  function few(items, at) {
    const list = items || [];
    if (list.length === 0) return '';
    const one = list[at < 0 ? list.length - 1 : at];
    return list.length === 1 ? one : one + ' (+' + (list.length - 1) + ')';
  }

  // The cells of one row: [class, text, title (default: the text)].
  function cells(s) {
    return [
      [null, time(s.started)],
      [null, s.id],
      [null, s.clientAddress || ''],
      ['route', hops(s), fullHops(s)],
      [null, (s.clientTls ? 'TLS' : 'plain') + ' / ' + (s.upstreamTls ? 'TLS' : 'plain')],
      [null, s.ehlo || ''],
      [null, s.user || ''],
      ['senders', few(s.senders, 0), (s.senders || []).join(', ')],
      [null, (s.recipients || []).length],
      ['subjects', few(s.subjects, -1), (s.subjects || []).join(' | ')],
      ['messages' + (s.recipientsRefused ? ' rcpt-refused' : ''), messagesCell(s)],
      ['status status-' + s.status, s.status],
      [null, duration(s)],
    ];
  }

  // Fills a row, touching only the cells whose text or class changed (a focused row keeps its focus).
  function fillRow(tr, s) {
    const values = cells(s);
    if (tr.children.length !== values.length) {
      tr.replaceChildren(...values.map(() => el('td')));
    }
    values.forEach(([className, text, title], i) => {
      const td = tr.children[i];
      const value = String(text);
      const tip = title === undefined ? value : String(title);
      if (td.textContent !== value) td.textContent = value;
      if (td.title !== tip) td.title = tip;
      if ((td.className || null) !== className) td.className = className || '';
    });
  }

  function newRow(s) {
    const tr = el('tr');
    tr.tabIndex = 0;
    tr.dataset.id = s.id;
    fillRow(tr, s);
    return tr;
  }

  function newestFirst(a, b) {
    return a.started < b.started ? 1 : a.started > b.started ? -1 : 0;
  }

  // The whole table from the sessions known (after a load, a filter change, or when a row's place is not simple).
  function renderList() {
    pending.clear();
    const body = $('sessions').tBodies[0];
    const rows = [...sessions.values()].filter(matches).sort(newestFirst);
    const fragment = document.createDocumentFragment();
    for (const s of rows) fragment.append(newRow(s));
    body.replaceChildren(fragment);
    $('empty').hidden = rows.length > 0;
  }

  // Live updates are coalesced: the ids changed since the last paint, drawn at most once per animation frame
  // (or after a short timer where frames do not run, e.g. a background tab), changing only their rows.
  const pending = new Set();
  let frame = 0;
  let timer = 0;

  function schedule(id) {
    pending.add(id);
    if (frame || timer) return;
    frame = requestAnimationFrame(flush);
    timer = setTimeout(flush, 250);
  }

  function flush() {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    frame = timer = 0;
    if (pending.size === 0) return;
    const ids = [...pending];
    pending.clear();
    if ($('list-pane').hidden) return;
    const body = $('sessions').tBodies[0];
    const shown = new Map([...body.rows].map((tr) => [tr.dataset.id, tr]));
    const added = [];
    for (const id of ids) {
      const s = sessions.get(id);
      const tr = shown.get(id);
      if (!s || !matches(s)) {
        if (tr) tr.remove();
      } else if (tr) {
        fillRow(tr, s);
      } else {
        added.push(s);
      }
    }
    // New rows go on top when they are the newest (the usual case); anything else redraws in order.
    added.sort(newestFirst);
    const first = body.rows[0] && sessions.get(body.rows[0].dataset.id);
    if (added.length > 0 && first && added[added.length - 1].started < first.started) {
      renderList();
      return;
    }
    body.prepend(...added.map(newRow));
    $('empty').hidden = body.rows.length > 0;
  }

  async function loadList() {
    const response = await fetch(api('/api/sessions', { q: $('q').value.trim(), status: $('status').value }));
    if (!response.ok) return;
    const data = await response.json();
    sessions.clear();
    for (const s of data.sessions) sessions.set(s.id, s);
    renderList();
  }

  function watchList() {
    listSource = new EventSource(api('/api/events'));
    listSource.onopen = () => { $('live').textContent = 'live'; $('live').className = 'live'; loadList(); };
    listSource.onerror = () => { $('live').textContent = 'reconnecting…'; $('live').className = 'live off'; };
    listSource.addEventListener('session', (e) => {
      const s = JSON.parse(e.data);
      sessions.set(s.id, s);
      schedule(s.id);
    });
    listSource.addEventListener('removed', (e) => {
      const id = JSON.parse(e.data).id;
      sessions.delete(id);
      schedule(id);
    });
  }

  function renderFacts(s) {
    $('detail-title').textContent = 'Session ' + s.id;
    const facts = [
      ['Status', s.status + (s.outcome ? ' (' + s.outcome + ')' : '')],
      ['Started', new Date(s.started).toLocaleString()],
      ['Ended', s.ended ? new Date(s.ended).toLocaleString() + ' (' + duration(s) + ')' : '—'],
      ['Client', s.clientAddress], ['Listener', s.listener], ['Upstream', s.upstream],
      ['TLS, client leg', s.clientTls || 'plain'], ['TLS, upstream leg', s.upstreamTls || 'plain'],
      ['EHLO', s.ehlo], ['AUTH', [s.authMechanism, s.user].filter(Boolean).join(' ')],
      ['From', (s.senders || []).join(', ')], ['To', (s.recipients || []).join(', ')],
      ['Subject', (s.subjects || []).join(' | ')],
      ['Messages', s.messagesAccepted + ' accepted, ' + s.messagesRejected + ' refused'
        + (s.recipientsRefused ? ', ' + s.recipientsRefused + ' recipients refused' : '')
        + ((s.messages || []).length ? ' (' + s.messages.map((m) => size(m.size) + ' → ' + m.verdict).join('; ') + ')' : '')],
    ];
    const fragment = document.createDocumentFragment();
    for (const [name, value] of facts) {
      fragment.append(el('dt', null, name), el('dd', null, value || '—'));
    }
    $('detail-facts').replaceChildren(fragment);
  }

  // What the tap did to a line (TimelineLine.mark), as the badge shows it.
  const markLabels = {
    'tap-sent': 'sent by the tap',
    'capability-removed': 'removed by the tap',
    'capability-added': 'added by the tap',
    'capability-changed': 'changed by the tap',
    'capability-rewrite': 'capability rewrite',
    'certificate': 'certificate',
    'auth-challenge': 'decoded',
  };

  function appendLine(line) {
    if (line.seq <= lastSeq) return;
    // The store keeps a session's first and newest lines (--web-lines): the gap between says how many are missing.
    if (line.seq > lastSeq + 1 && lastSeq > 0) {
      const missing = line.seq - lastSeq - 1;
      $('timeline').append(el('li', 'gap', '… ' + missing + (missing === 1 ? ' line' : ' lines') + ' not kept in memory here (the transcript file has them) …'));
    }
    lastSeq = line.seq;
    const li = el('li', 'dir-' + line.direction.replace('>', '-') + (line.warning ? ' warning' : '') + (line.mark ? ' has-' + line.mark : ''));
    li.dataset.seq = line.seq;
    const text = el('span', 'text');
    if (line.mark) text.append(el('span', 'mark mark-' + line.mark, markLabels[line.mark] || line.mark), ' ');
    // A 334 challenge is shown by the tap as "334 BASE64 [decoded text]": the decoded part stands out.
    const challenge = line.mark === 'auth-challenge' ? /^(334 \S*) \[(.*)\]$/.exec(line.text) : null;
    if (challenge) {
      text.append(el('span', null, challenge[1] + ' '), el('span', 'decoded', challenge[2]));
    } else {
      text.append(el('span', null, line.text));
    }
    if (line.explanation) text.append(el('span', 'explain', line.explanation));
    li.append(el('span', 'time', time(line.time)), el('span', 'dir', line.direction), text);
    $('timeline').append(li);
    if (line.mark === 'certificate' && openId) loadCertificates(openId);
  }

  // The certificate of each TLS leg (GET /api/sessions/{id}: certificates).
  function renderCertificates(certificates) {
    const list = $('certificate-list');
    const fragment = document.createDocumentFragment();
    for (const c of certificates || []) {
      const box = el('div', 'certificate trust-' + c.trust);
      box.append(el('h4', null, (c.leg === 'client' ? 'Client leg (the certificate the tap presented)' : 'Upstream leg (the server\'s certificate)')));
      const dl = el('dl');
      const facts = [
        ['TLS', [c.protocol, c.cipherSuite].filter(Boolean).join(' ')],
        ['Subject', c.subject], ['Issuer', c.issuer],
        ['Valid', new Date(c.notBefore).toISOString().slice(0, 10) + ' to ' + new Date(c.notAfter).toISOString().slice(0, 10)],
        ['SHA-256', c.sha256],
        ['Verdict', ({ 'trusted': 'trusted', 'not-trusted': 'NOT trusted', 'not-checked': 'not checked by the tap' })[c.trust] + ': ' + c.verdict],
      ];
      for (const [name, value] of facts) dl.append(el('dt', null, name), el('dd', name === 'SHA-256' ? 'fingerprint' : null, value || '—'));
      box.append(dl);
      fragment.append(box);
    }
    list.replaceChildren(fragment);
    $('certificates').hidden = list.children.length === 0;
  }

  async function loadCertificates(id) {
    const response = await fetch(api('/api/sessions/' + encodeURIComponent(id)));
    if (response.ok && openId === id) renderCertificates((await response.json()).certificates);
  }

  async function openSession(id) {
    closeSession();
    openId = id;
    lastSeq = 0;
    $('timeline').replaceChildren();
    renderCertificates([]);
    bundleLink(id);
    $('list-pane').hidden = true;
    $('detail-pane').hidden = false;
    const response = await fetch(api('/api/sessions/' + encodeURIComponent(id)));
    if (openId !== id) return;
    if (!response.ok) {
      $('detail-title').textContent = 'Session ' + id + ' is not in the web history';
      $('detail-facts').replaceChildren();
      return;
    }
    const detail = await response.json();
    renderFacts(detail.session);
    renderCertificates(detail.certificates);
    for (const line of detail.lines) appendLine(line);
    const notKept = $('not-kept');
    notKept.hidden = detail.linesNotKept === 0;
    notKept.textContent = detail.linesNotKept + ' lines between the start and the newest lines are not kept in memory (--web-lines; the transcript file has them).';
    detailSource = new EventSource(api('/api/sessions/' + encodeURIComponent(id) + '/events', { after: String(lastSeq) }));
    detailSource.addEventListener('line', (e) => appendLine(JSON.parse(e.data)));
    detailSource.addEventListener('session', (e) => renderFacts(JSON.parse(e.data)));
  }

  // The support bundle of the open session (GET /api/sessions/{id}/bundle); the checkbox adds maskAddresses=true.
  function bundleLink(id) {
    const link = $('bundle-link');
    link.href = api('/api/sessions/' + encodeURIComponent(id) + '/bundle', { maskAddresses: $('bundle-mask').checked ? 'true' : '' });
    link.setAttribute('download', 'smtptap-' + id + '.zip');
    for (const kind of ['txt', 'jsonl']) {
      const a = $('transcript-' + kind + '-link');
      a.href = api('/api/sessions/' + encodeURIComponent(id) + '/transcript.' + kind);
      a.setAttribute('download', 'smtptap-' + id + '.' + kind);
    }
  }

  function closeSession() {
    if (detailSource) detailSource.close();
    detailSource = null;
    openId = null;
  }

  function route() {
    const m = /^#\/session\/(.+)$/.exec(location.hash);
    if (/^#\/message\//.test(location.hash)) {
      // The message page (message.js) shows itself.
      closeSession();
      $('detail-pane').hidden = true;
      $('list-pane').hidden = true;
    } else if (m) {
      openSession(decodeURIComponent(m[1]));
    } else {
      closeSession();
      $('detail-pane').hidden = true;
      $('list-pane').hidden = false;
      renderList();
    }
  }

  function show(id) { location.hash = '#/session/' + encodeURIComponent(id); }

  document.addEventListener('DOMContentLoaded', () => {
    const body = $('sessions').tBodies[0];
    body.addEventListener('click', (e) => { const tr = e.target.closest('tr'); if (tr) show(tr.dataset.id); });
    body.addEventListener('keydown', (e) => {
      const tr = e.target.closest('tr');
      if (!tr) return;
      if (e.key === 'Enter') show(tr.dataset.id);
      if (e.key === 'ArrowDown' || e.key === 'j') { (tr.nextElementSibling || tr).focus(); e.preventDefault(); }
      if (e.key === 'ArrowUp' || e.key === 'k') { (tr.previousElementSibling || tr).focus(); e.preventDefault(); }
    });
    $('filter').addEventListener('submit', (e) => e.preventDefault());
    $('q').addEventListener('input', () => loadList());
    $('status').addEventListener('change', () => loadList());
    $('bundle-mask').addEventListener('change', () => { if (openId) bundleLink(openId); });
    $('back').addEventListener('click', (e) => { e.preventDefault(); location.hash = ''; });
    document.addEventListener('keydown', (e) => {
      if (e.key === '/' && document.activeElement !== $('q')) { e.preventDefault(); $('q').focus(); }
      if (e.key === 'Escape' && openId) location.hash = '';
    });
    window.addEventListener('hashchange', route);
    watchList();
    loadList().then(route);
  });
})();
