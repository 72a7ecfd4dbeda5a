// SmtpTap web UI, message page (#/message/ID) and the session page's list of messages. Every value from a message is
// shown with textContent, never as HTML; the HTML part is only ever loaded into a sandboxed iframe from
// /api/messages/{id}/html, which the server sends under its own policy (no script, nothing remote).
'use strict';

(function () {
  const { api, el, size } = window.SmtpTapUi;
  const MAX_RAW = 512 * 1024;
  let openMessage = null;
  let openSession = null;
  let refreshTimer = null;

  const $ = (id) => document.getElementById(id);

  // Bidi controls and line separators in the raw source are shown as \u{NNNN} (as the server does for headers and text),
  // so they cannot reorder what the page shows around them.
  function visible(text) {
    return text.replace(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]/g,
      (c) => '\\u{' + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0') + '}');
  }

  function reply(r) {
    const span = el('span', r ? (r.accepted ? 'reply ok' : 'reply refused') : 'reply none', r ? r.text : 'no reply');
    return span;
  }

  function link(text, href, download) {
    const a = el('a', null, text);
    a.href = href;
    if (download) a.setAttribute('download', download);
    return a;
  }

  // ----- the session page: its messages, refreshed as its timeline grows -----

  function sessionBox() {
    let box = $('session-messages');
    if (!box) {
      box = el('section');
      box.id = 'session-messages';
      box.setAttribute('aria-label', 'Messages');
      const anchor = $('certificates') || $('timeline');
      anchor.parentNode.insertBefore(box, anchor);
    }
    return box;
  }

  async function loadSessionMessages(id) {
    const response = await fetch(api('/api/sessions/' + encodeURIComponent(id) + '/messages'));
    if (!response.ok || openSession !== id) return;
    const data = await response.json();
    const box = sessionBox();
    if (data.messages.length === 0) { box.replaceChildren(); return; }
    const table = el('table', 'messages');
    const head = el('tr');
    for (const name of ['#', 'From', 'To', 'Subject', 'Size', 'Verdict']) head.append(el('th', null, name));
    table.append(el('thead'), el('tbody'));
    table.tHead.append(head);
    for (const m of data.messages) {
      const tr = el('tr');
      tr.dataset.message = m.id;
      tr.tabIndex = 0;
      const subject = el('td');
      subject.append(link(m.subject || '(no subject)', '#/message/' + encodeURIComponent(m.id)));
      tr.append(el('td', null, m.number), el('td', null, m.from || ''), el('td', null, m.recipients.join(', ')),
        subject, el('td', null, size(m.size)), el('td', null));
      tr.lastChild.append(reply(m.verdict));
      table.tBodies[0].append(tr);
    }
    box.replaceChildren(el('h3', null, 'Messages'), table);
  }

  function watchTimeline(id) {
    const timeline = $('timeline');
    if (!timeline) return;
    const observer = new MutationObserver(() => {
      if (openSession !== id) { observer.disconnect(); return; }
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => loadSessionMessages(id), 400);
    });
    observer.observe(timeline, { childList: true });
  }

  // ----- the message page -----

  function showPane(show) {
    const pane = $('message-pane');
    pane.hidden = !show;
    if (show) {
      $('list-pane').hidden = true;
      $('detail-pane').hidden = true;
    }
  }

  function renderEnvelope(m) {
    const body = $('message-envelope').tBodies[0];
    const rows = [];
    const row = (what, step) => {
      const tr = el('tr', step && step.reply && !step.reply.accepted ? 'refused' : null);
      const td = el('td');
      td.append(reply(step ? step.reply : null));
      tr.append(el('td', null, what), el('td', null, step ? step.address : '(none seen)'), td, el('td', 'command', step ? step.command : ''));
      rows.push(tr);
    };
    row('MAIL FROM', m.envelope.mailFrom);
    for (const r of m.envelope.recipients) row('RCPT TO', r);
    const verdict = el('tr', m.envelope.verdict.accepted ? 'verdict' : 'verdict refused');
    const td = el('td');
    td.append(reply(m.envelope.verdict));
    verdict.append(el('td', null, m.envelope.chunked ? 'BDAT LAST' : 'end of data'), el('td', null, ''), td, el('td', null, ''));
    rows.push(verdict);
    body.replaceChildren(...rows);
  }

  function renderFacts(f) {
    const list = $('message-facts');
    if (!f) { list.replaceChildren(); return; }
    const facts = [
      [f.bareLf > 0, 'Bare LF line endings: ' + f.bareLf, 'Line endings: CRLF only'],
      [f.bareCr > 0, 'Bare CR: ' + f.bareCr, null],
      [f.longLines > 0, 'Lines over 1000 octets (RFC 5321 limit): ' + f.longLines + ' (longest ' + f.longestLine + ' octets)', 'Longest line: ' + f.longestLine + ' octets'],
      [f.nul > 0, 'NUL octets: ' + f.nul, null],
      [f.nonAsciiHeaders, 'Non-ASCII (8-bit) octets in the header (needs SMTPUTF8)', 'Header: ASCII only'],
      [f.eightBitBody, '8-bit octets in the body (needs 8BITMIME)', 'Body: 7-bit'],
    ];
    const items = [];
    for (const [flagged, bad, good] of facts) {
      if (flagged) items.push(el('li', 'flag', bad));
      else if (good) items.push(el('li', 'fine', good));
    }
    list.replaceChildren(...items);
  }

  function renderHeaders(headers) {
    const body = $('message-headers').tBodies[0];
    body.replaceChildren(...headers.map((h) => {
      const tr = el('tr');
      tr.append(el('th', null, h.name), el('td', null, h.value));
      return tr;
    }));
  }

  function mimeItem(node) {
    const li = el('li');
    const facts = [node.contentType];
    if (node.charset) facts.push('charset=' + node.charset);
    if (node.transferEncoding) facts.push(node.transferEncoding);
    if (node.size !== null && node.size !== undefined) facts.push(size(node.size));
    if (node.disposition) facts.push(node.disposition);
    li.append(el('span', 'part-id', node.partId), el('span', 'part-type', facts.join(' · ')));
    if (node.fileName) li.append(el('span', 'part-name', node.fileName));
    if (node.children.length > 0) {
      const ul = el('ul');
      for (const child of node.children) ul.append(mimeItem(child));
      li.append(ul);
    }
    return li;
  }

  async function loadRaw(m) {
    const pre = $('message-raw');
    pre.textContent = '';
    if (!m.rawUrl) return;
    const response = await fetch(api(m.rawUrl));
    if (!response.ok || openMessage !== m.id) return;
    const text = await response.text();
    pre.textContent = visible(text.length > MAX_RAW ? text.slice(0, MAX_RAW) : text);
    $('message-raw-cut').hidden = text.length <= MAX_RAW;
  }

  async function openMessagePage(id) {
    openMessage = id;
    showPane(true);
    $('message-title').textContent = 'Message ' + id;
    for (const part of ['message-headers', 'message-envelope']) $(part).tBodies[0].replaceChildren();
    for (const part of ['message-facts', 'message-mime', 'message-attachments']) $(part).replaceChildren();
    $('message-text').textContent = '';
    $('message-raw').textContent = '';
    $('message-html').removeAttribute('src');
    const response = await fetch(api('/api/messages/' + encodeURIComponent(id)));
    if (openMessage !== id) return;
    if (!response.ok) {
      $('message-title').textContent = 'Message ' + id + ' is not in the web history';
      return;
    }
    const m = await response.json();
    $('message-back').href = '#/session/' + encodeURIComponent(m.sessionId);
    $('message-title').textContent = m.subject ? m.subject : 'Message ' + m.number + ' of session ' + m.sessionId;
    $('message-subtitle').textContent = 'Message ' + m.number + ' of session ' + m.sessionId + (m.stored ? ', ' + size(m.size) : '');
    const note = $('message-note');
    note.hidden = m.stored;
    note.textContent = m.notStoredReason || '';
    $('message-stored').hidden = !m.stored;
    renderEnvelope(m);
    renderFacts(m.facts);
    renderHeaders(m.headers);
    $('message-mime').replaceChildren(...(m.mime ? [mimeItem(m.mime)] : []));
    $('message-text-box').hidden = m.text === null;
    $('message-text').textContent = m.text || '';
    $('message-text-cut').hidden = !m.textCut;
    $('message-html-box').hidden = !m.htmlUrl;
    if (m.htmlUrl) $('message-html').src = api(m.htmlUrl);
    $('message-attachments').replaceChildren(...m.attachments.map((a) => {
      const li = el('li');
      li.append(link(a.fileName || 'part ' + a.partId, api(a.url), a.fileName || ('part-' + a.partId)),
        el('span', 'part-type', a.contentType + ' · ' + size(a.size)));
      return li;
    }));
    $('message-attachments-box').hidden = m.attachments.length === 0;
    if (m.rawUrl) {
      const raw = $('message-raw-link');
      raw.href = api(m.rawUrl);
      raw.setAttribute('download', 'smtptap-' + m.id + '.eml');
    }
    await loadRaw(m);
  }

  function route() {
    const message = /^#\/message\/(.+)$/.exec(location.hash);
    const session = /^#\/session\/(.+)$/.exec(location.hash);
    if (message) {
      openSession = null;
      openMessagePage(decodeURIComponent(message[1]));
      return;
    }
    openMessage = null;
    $('message-pane').hidden = true;
    $('message-html').removeAttribute('src');
    if (session) {
      const id = decodeURIComponent(session[1]);
      openSession = id;
      sessionBox().replaceChildren();
      loadSessionMessages(id);
      watchTimeline(id);
    } else {
      openSession = null;
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    window.addEventListener('hashchange', route);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && openMessage) location.hash = $('message-back').getAttribute('href') || '';
    });
    route();
  });
})();
