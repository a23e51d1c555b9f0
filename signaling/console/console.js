// console.js: the console's frame: login, the navigation (hash routes), the language switch and
// the live status feed (GET /console/api/events, server-sent events: a "status" event with the
// daemon's status JSON on connect and every second or so). Pages are in console-*.js (the login
// and the operator's own account here); each is
// RD.pages[name] = {title, allowed(), render(main, args), onStatus(status)}.
//
// For tests, window.rdConsole holds: route (the current one), statusEvents (how many arrived),
// status (the last), rendered (the number of pages drawn), cspViolations and previews (the
// preview pictures loaded).
'use strict';
window.RD = window.RD || {};
RD.pages = RD.pages || {};
window.rdConsole = { route: null, statusEvents: 0, status: null, rendered: 0, cspViolations: [],
  previews: 0 };

document.addEventListener('securitypolicyviolation', (e) => {
  window.rdConsole.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});

RD.live = {
  status: null,
  source: null,
  online: false,

  start() {
    if (RD.live.source || !window.EventSource) return;
    const source = new EventSource('/console/api/events');
    RD.live.source = source;
    source.addEventListener('status', (e) => {
      let status;
      try {
        status = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      RD.live.online = true;
      RD.live.set(status);
      window.rdConsole.statusEvents++;
    });
    source.addEventListener('error', () => {
      // Each stream ends after a while and EventSource connects again at once: only a feed
      // still silent two seconds later counts as lost.
      const seen = window.rdConsole.statusEvents;
      setTimeout(() => {
        if (window.rdConsole.statusEvents !== seen || RD.live.source !== source) return;
        RD.live.online = false;
        RD.showLiveBadge();
      }, 2000);
      // A closed stream (the session ended): EventSource gives up; check the login.
      if (source.readyState === EventSource.CLOSED) {
        RD.live.stop();
        RD.api.session().then((me) => (me ? setTimeout(RD.live.start, 2000) : RD.onLoggedOut()));
      }
    });
  },

  stop() {
    if (RD.live.source) RD.live.source.close();
    RD.live.source = null;
    RD.live.online = false;
  },

  set(status) {
    RD.live.status = status;
    window.rdConsole.status = status;
    if (status && status.timezone) RD.timezone = status.timezone;
    RD.showLiveBadge();
    const page = RD.pages[RD.current && RD.current.page];
    if (page && page.onStatus) page.onStatus(status);
  },

  // Asks for the status once (the feed may take a moment to connect).
  async refresh() {
    const status = await RD.run(null, () => RD.api.call('status'));
    if (status) RD.live.set(status);
  },
};

RD.showLiveBadge = function () {
  const who = document.getElementById('who');
  if (!who || !RD.api.me) return;
  const role = { technician: 'roleTechnician', officer: 'roleOfficer', supervisor: 'roleSupervisor' };
  const online = RD.live.online || (RD.live.status && !RD.live.source);
  RD.clear(who,
    RD.el('span', { class: 'badge ' + (online ? 'live' : 'offline'),
      text: online ? RD.t('live') : RD.t('offline') }),
    document.createTextNode(` ${RD.api.me.name} (${RD.t(role[RD.api.me.role] || 'role')}) `),
    RD.el('button', { type: 'button', class: 'secondary', id: 'logout', text: RD.t('logout'),
      onclick: async () => { await RD.api.logout().catch(() => {}); RD.onLoggedOut(); } }));
};

RD.onLoggedOut = function () {
  RD.live.stop();
  RD.api.me = null;
  if (location.hash !== '#/login') location.hash = '#/login';
  else RD.route();
};

// ---- the login page ----

RD.pages.login = {
  allowed: () => true,
  render(main) {
    const name = RD.el('input', { name: 'name', autocomplete: 'username', required: true });
    const password = RD.el('input', { name: 'password', type: 'password', required: true,
      autocomplete: 'current-password' });
    const result = RD.el('p', { id: 'login-result', role: 'alert' });
    const form = RD.el('form', { class: 'login card', id: 'login-form' },
      RD.el('h2', { text: RD.t('login') }),
      RD.field(RD.t('name'), name), RD.field(RD.t('password'), password),
      RD.el('button', { type: 'submit', text: RD.t('login') }), result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await RD.api.login(name.value.trim(), password.value);
        password.value = '';
        location.hash = '#/status';
      } catch (err) {
        const locked = err.code === 'locked-out' || err.status === 429;
        // The lockout's end in the room's time when the server says it, else its message.
        const until = err.detail.until ? RD.t('lockedUntil', RD.formatTime(err.detail.until))
          : (err.message || '');
        RD.clear(result, RD.el('span', { class: 'error',
          text: locked ? RD.t('lockedOut', until) : RD.t('loginFailed') }));
      }
    });
    RD.clear(main, RD.el('section', { class: 'card wide' }, form));
    name.focus();
  },
};

// ---- the operator's own account: their password ----

RD.pages.account = {
  allowed: () => !!RD.api.me,
  render(main) {
    const input = (id, autocomplete) => RD.el('input', { id, type: 'password', required: true,
      autocomplete });
    const current = input('current-password', 'current-password');
    const fresh = input('new-password', 'new-password');
    const again = input('repeat-password', 'new-password');
    const result = RD.el('p', { id: 'password-result', role: 'alert' });
    const say = (cls, text) => RD.clear(result, RD.el('span', { class: cls, text }));
    const form = RD.el('form', { class: 'login card', id: 'password-form' },
      RD.el('h2', { text: `${RD.t('changePassword')}: ${RD.api.me.name}` }),
      RD.field(RD.t('currentPassword'), current), RD.field(RD.t('newPassword'), fresh),
      RD.field(RD.t('repeatPassword'), again),
      RD.el('button', { type: 'submit', id: 'change-password', text: RD.t('changePassword') }),
      result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (fresh.value !== again.value) {
        say('error', RD.t('passwordMismatch'));
        return;
      }
      try {
        const done = await RD.api.changePassword(current.value, fresh.value);
        [current, fresh, again].forEach((i) => { i.value = ''; });
        say('ok', RD.t('passwordChanged', done.sessions_ended || 0));
      } catch (err) {
        if (err.status === 401) {
          RD.onLoggedOut();
          return;
        }
        current.value = '';
        say('error', err.code === 'wrong-password' ? RD.t('wrongPassword')
          : err.code === 'too-short' ? RD.t('passwordTooShort', err.detail.min_length || 10)
            : err.code === 'locked-out' ? RD.t('lockedOut', err.detail.until
              ? RD.t('lockedUntil', RD.formatTime(err.detail.until)) : '')
              : RD.t('error', err.message));
      }
    });
    RD.clear(main, RD.el('section', { class: 'card wide' }, form));
  },
};

// ---- navigation ----

const NAV = [
  ['#/status', 'navStatus', () => true],
  ['#/session', 'navSession', () => true],
  ['#/history', 'navHistory', () => true],
  ['#/book/registrations', 'navBook', () => RD.can('book')],
  ['#/account', 'navAccount', () => true],
];

function drawNav(current) {
  const nav = document.getElementById('nav');
  if (!RD.api.me) {
    RD.clear(nav);
    RD.clear(document.getElementById('who'));
    return;
  }
  RD.clear(nav, ...NAV.filter(([, , ok]) => ok()).map(([href, key]) =>
    RD.el('a', { href, text: RD.t(key), id: 'nav-' + href.split('/')[1],
      class: href.split('/')[1] === current ? 'current' : null })));
  RD.showLiveBadge();
}

function parseHash() {
  const parts = (location.hash || '').replace(/^#\/?/, '').split('/').filter(Boolean)
    .map(decodeURIComponent);
  return { page: parts[0] || 'status', args: parts.slice(1) };
}

RD.route = async function () {
  const main = document.getElementById('main');
  let { page, args } = parseHash();
  if (!RD.api.me && page !== 'login') {
    await RD.api.session();
    if (!RD.api.me) {
      location.hash = '#/login';
      return;
    }
  }
  if (RD.api.me && page === 'login') page = 'status';
  if (!RD.pages[page] || !RD.pages[page].allowed()) {
    page = RD.api.me ? 'status' : 'login';
    args = [];
    history.replaceState(null, '', '#/' + page);
  }
  RD.current = { page, args };
  window.rdConsole.route = [page].concat(args).join('/');
  RD.clear(document.getElementById('message'));
  drawNav(page);
  if (RD.api.me) {
    RD.live.start();
    if (!RD.live.status) await RD.live.refresh();
  }
  await RD.pages[page].render(main, args);
  window.rdConsole.rendered++;
};

function applyLang() {
  document.documentElement.lang = RD.lang;
  document.title = RD.t('title');
  document.getElementById('app-title').textContent = RD.t('title');
  document.getElementById('lang').textContent = RD.t('lang');
}

document.addEventListener('DOMContentLoaded', () => {
  applyLang();
  document.getElementById('lang').addEventListener('click', () => {
    RD.setLang(RD.lang === 'vi' ? 'en' : 'vi');
    applyLang();
    RD.route();
  });
  window.addEventListener('hashchange', () => RD.route());
  RD.route();
});
