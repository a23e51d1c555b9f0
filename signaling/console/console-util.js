// console-util.js: what every page of the console uses: building DOM nodes (never HTML text, so
// nothing a citizen typed can become markup), the JSON API of /console/api/ (the CSRF token sent
// with every state change), the operator's role, and dates: shown dd/mm/yyyy HH:MM in the room's
// time zone, typed dd/mm/yyyy (or yyyy-mm-dd).
'use strict';
window.RD = window.RD || {};

// el('div', {class: 'x', onclick: f}, child, 'text', [more children]) -> HTMLElement.
RD.el = function (tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k in node && typeof v !== 'string') node[k] = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  const add = (c) => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach(add);
    else node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  };
  children.forEach(add);
  return node;
};

RD.clear = function (node, ...children) {
  node.replaceChildren();
  children.forEach((c) => c && node.appendChild(c));
  return node;
};

// A table: headers (texts) and rows (arrays of cells: text or nodes); rowClass(row index) may
// give a class (e.g. 'late').
RD.table = function (headers, rows, rowClass) {
  return RD.el('table', {},
    RD.el('thead', {}, RD.el('tr', {}, headers.map((h) => RD.el('th', { text: h })))),
    RD.el('tbody', {}, rows.map((r, i) => RD.el('tr', { class: rowClass ? rowClass(i) : null },
      r.map((c) => RD.el('td', {}, c))))));
};

RD.field = function (label, input) {
  return RD.el('label', { class: 'field' }, RD.el('span', { text: label }), input);
};

// ---- the API ----

RD.ApiError = class extends Error {
  constructor(status, code, message, detail) {
    super(message || code || String(status));
    this.status = status;
    this.code = code;
    this.detail = detail || {}; // the error object's other members (e.g. "until")
  }
};

RD.api = {
  me: null, // {name, role, csrf}

  async request(path, body) {
    const init = { credentials: 'same-origin', cache: 'no-store', headers: {} };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
      if (RD.api.me) init.headers['X-CSRF-Token'] = RD.api.me.csrf;
    }
    const response = await fetch(path, init);
    let json = null;
    try {
      json = await response.json();
    } catch (e) { /* an empty or non-JSON answer */ }
    const err = json && json.error;
    if (!response.ok || err) {
      throw new RD.ApiError(response.status, err && err.code, err && err.message, err);
    }
    return json;
  },

  async session() {
    try {
      RD.api.me = await RD.api.request('/console/api/session');
    } catch (e) {
      RD.api.me = null;
    }
    return RD.api.me;
  },

  async login(name, password) {
    RD.api.me = await RD.api.request('/console/api/login', { name, password });
    return RD.api.me;
  },

  async logout() {
    try {
      await RD.api.request('/console/api/logout', {});
    } finally {
      RD.api.me = null;
    }
  },

  // The operator's own password (the current one proved); other sessions of theirs end.
  changePassword(current, fresh) {
    return RD.api.request('/console/api/password', { current, new: fresh });
  },

  call(method, params) {
    return RD.api.request('/console/api/call', { method, params: params || {} });
  },
};

// What the operator's role may do (the server checks again): technician: the room, sessions,
// invites, recording; officer: the book; supervisor: everything.
RD.can = function (what) {
  const role = RD.api.me && RD.api.me.role;
  if (role === 'supervisor') return true;
  if (what === 'room') return role === 'technician';
  if (what === 'book') return role === 'officer';
  return false;
};

// Runs @action (an async function) and shows its error in @where (or the page's message bar).
RD.run = async function (where, action) {
  const bar = where || document.getElementById('message');
  try {
    return await action();
  } catch (e) {
    const text = e instanceof RD.ApiError && e.status === 403 ? RD.t('forbidden')
      : RD.t('error', e.message);
    if (bar) RD.clear(bar, RD.el('span', { class: 'error', text }));
    if (e instanceof RD.ApiError && e.status === 401) RD.onLoggedOut();
    return undefined;
  }
};

// ---- time ----

RD.timezone = 'Asia/Ho_Chi_Minh';

function parts(date, withTime) {
  const opts = { timeZone: RD.timezone, day: '2-digit', month: '2-digit', year: 'numeric' };
  if (withTime) Object.assign(opts, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const out = {};
  for (const p of new Intl.DateTimeFormat('en-GB', opts).formatToParts(date)) out[p.type] = p.value;
  return out;
}

// An ISO 8601 time (UTC, as the ledger keeps them) as dd/mm/yyyy HH:MM in the room's zone.
RD.formatTime = function (iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  const p = parts(d, true);
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
};

// A calendar day "YYYY-MM-DD" as dd/mm/yyyy.
RD.formatDay = function (day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : (day || '');
};

// Today in the room's zone, "YYYY-MM-DD".
RD.today = function () {
  const p = parts(new Date(), false);
  return `${p.year}-${p.month}-${p.day}`;
};

// "dd/mm/yyyy" or "yyyy-mm-dd" -> "yyyy-mm-dd"; throws on anything else.
RD.parseDay = function (text) {
  const t = (text || '').trim();
  let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  let y, mo, d;
  if (m) [y, mo, d] = [+m[3], +m[2], +m[1]];
  else if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) [y, mo, d] = [+m[1], +m[2], +m[3]];
  else throw new Error(RD.t('badDate', t));
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) throw new Error(RD.t('badDate', t));
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
};

// "dd/mm/yyyy HH:MM" -> "yyyy-mm-ddTHH:MM:00": a time without a zone, which the daemon takes
// in the room's time zone.
RD.parseWhen = function (text) {
  const m = /^(.+?)\s+(\d{1,2}):(\d{2})$/.exec((text || '').trim());
  if (!m || +m[2] > 23 || +m[3] > 59) throw new Error(RD.t('badDate', text));
  return `${RD.parseDay(m[1])}T${m[2].padStart(2, '0')}:${m[3]}:00`;
};

// "mm/yyyy" or "yyyy-mm" -> "yyyy-mm".
RD.parseMonth = function (text) {
  const t = (text || '').trim();
  let m = /^(\d{1,2})\/(\d{4})$/.exec(t);
  if (m && +m[1] >= 1 && +m[1] <= 12) return `${m[2]}-${m[1].padStart(2, '0')}`;
  m = /^(\d{4})-(\d{2})$/.exec(t);
  if (m && +m[2] >= 1 && +m[2] <= 12) return t;
  throw new Error(RD.t('badDate', t));
};

RD.formatBytes = function (n) {
  if (n === null || n === undefined || n < 0) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  for (; n >= 1000 && i < units.length - 1; i++) n /= 1000;
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
};

RD.formatDuration = function (s) {
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
};

// Fetches a document the console API offers for saving (GET with the session cookie) and offers
// it as a download under the name the server gives (Content-Disposition's filename*, RFC 6266);
// an error answer is thrown as for RD.api.request().
RD.downloadUrl = async function (url) {
  const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) {
    let err = null;
    try {
      err = (await response.json()).error;
    } catch (e) { /* not JSON */ }
    throw new RD.ApiError(response.status, err && err.code, err && err.message, err);
  }
  const disposition = response.headers.get('Content-Disposition') || '';
  const m = /filename\*=UTF-8''([^;]+)/.exec(disposition) || /filename="([^"]+)"/.exec(disposition);
  RD.download(m ? decodeURIComponent(m[1]) : url.split('?')[0].split('/').pop(), await response.blob());
};

// Offers @text (or a Blob) as a file download named @name.
RD.download = function (name, content, type) {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = RD.el('a', { href: url, download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
};
