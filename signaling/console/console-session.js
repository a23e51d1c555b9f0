// console-session.js: the session page: start and end the live session, invite a party (the
// join link as a QR code, with a copy button), revoke an invite, mute and unmute the room, the
// layout, pause and resume the recording with a reason. Controls a role may not use are
// disabled (the server refuses them anyway).
'use strict';
window.RD = window.RD || {};
RD.pages = RD.pages || {};

function liveSession(s) {
  return s && s.sessions && s.sessions.length ? s.sessions[0] : null;
}

function button(text, id, onclick, cls) {
  return RD.el('button', { type: 'button', id, class: cls || null, text, onclick,
    disabled: !RD.can('room') });
}

function startCard() {
  const title = RD.el('input', { id: 'session-title', name: 'title' });
  return RD.el('section', { class: 'card wide', id: 'session-start' },
    RD.el('h2', { text: RD.t('noLive') }),
    RD.can('room') ? RD.el('div', { class: 'row' }, RD.field(RD.t('sessionTitle'), title),
      button(RD.t('start'), 'start-session', () => RD.run(null, async () => {
        await RD.api.call('session.start', title.value.trim() ? { title: title.value.trim() } : {});
        await RD.live.refresh();
      }))) : null);
}

// Shows an invite's join link, its QR code and the copy button.
RD.showInvite = function (box, invite) {
  const link = invite.join_url;
  const copied = RD.el('span', { class: 'ok', id: 'copied' });
  const img = RD.el('img', { id: 'invite-qr', alt: link, src: RD.qr.toDataUrl(link, 6) });
  RD.clear(box, RD.el('div', { class: 'invite' }, img, RD.el('div', {},
    RD.el('h3', { text: `${RD.t('joinLink')} (#${invite.invite_id}, ${RD.roleName(invite.role)}` +
      `${invite.name ? ', ' + invite.name : ''})` }),
    RD.el('p', { class: 'link', id: 'invite-link', text: link }),
    RD.el('button', { type: 'button', id: 'copy-link', text: RD.t('copy'), onclick: async () => {
      try {
        await navigator.clipboard.writeText(link);
      } catch (e) {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById('invite-link'));
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        document.execCommand('copy');
      }
      copied.textContent = ' ' + RD.t('copied');
    } }), copied)));
};

function inviteCard(id) {
  const role = RD.el('select', { id: 'invite-role' },
    [['citizen', 'roleCitizen'], ['board', 'roleBoard'], ['agency', 'roleAgency']].map(([v, k]) =>
      RD.el('option', { value: v, text: RD.t(k) })));
  // A citizen's invite carries no name (the daemon names it "citizen N"; the person is in the
  // book): the field is for a board or agency.
  const name = RD.el('input', { id: 'invite-name', disabled: true });
  role.addEventListener('change', () => { name.disabled = role.value === 'citizen'; });
  const result = RD.el('div', { id: 'invite-result' });
  const list = RD.el('div', { id: 'invite-list' });
  const refresh = async () => {
    const shown = await RD.run(null, () => RD.api.call('session.show', { id }));
    if (!shown) return;
    const invites = shown.invites || [];
    RD.clear(list, invites.length ? RD.table(['#', RD.t('inviteRole'), RD.t('inviteName'),
      RD.t('state'), ''], invites.map((i) => [String(i.id), RD.roleName(i.role), i.name || '',
      i.revoked_at ? RD.t('revoked') : (i.state || ''),
      i.revoked_at ? '' : button(RD.t('revoke'), 'revoke-' + i.id, () => RD.run(null, async () => {
        await RD.api.call('session.revoke', { id, invite_id: i.id });
        await refresh();
      }), 'secondary')])) : RD.el('p', { text: RD.t('none') }));
  };
  refresh();
  return RD.el('section', { class: 'card wide', id: 'session-invite' },
    RD.el('h2', { text: RD.t('invite') }),
    RD.el('div', { class: 'row' }, RD.field(RD.t('inviteRole'), role),
      RD.field(RD.t('inviteName'), name),
      button(RD.t('makeInvite'), 'make-invite', () => RD.run(null, async () => {
        const params = { id, role: role.value };
        if (!name.disabled && name.value.trim()) params.name = name.value.trim();
        const invite = await RD.api.call('session.invite', params);
        RD.showInvite(result, invite);
        await refresh();
      }))), result, RD.el('h3', { text: RD.t('invites') }), list);
}

function roomCard(id, s) {
  const reason = RD.el('input', { id: 'rec-reason-input' });
  const layout = RD.el('select', { id: 'layout-select', disabled: !RD.can('room') },
    ['auto', 'room', 'grid', 'speaker'].map((l) => RD.el('option', { value: l,
      text: RD.t('layout_' + l), selected: s.layout && s.layout.layout === l })));
  layout.addEventListener('change', () => RD.run(null, () => RD.api.call('layout', { name: layout.value })));
  const recording = (method) => RD.run(null, async () => {
    if (!reason.value.trim()) throw new Error(RD.t('needReason'));
    await RD.api.call(method, { session: id, reason: reason.value.trim() });
    reason.value = '';
    await RD.live.refresh();
  });
  const mute = (method, track) => RD.run(null, async () => {
    await RD.api.call(method, { track });
    await RD.live.refresh();
  });
  return RD.el('section', { class: 'card wide', id: 'session-room' },
    RD.el('h2', {}, `${RD.t('session')} ${id} `, RD.el('span', { id: 'session-rec' },
      RD.recordingBadge(s.recording))),
    RD.el('p', { id: 'session-rec-reason', class: 'muted-text',
      text: s.recording && s.recording.reason ? `${RD.t('reason')}: ${s.recording.reason}` : '' }),
    RD.el('div', { class: 'row' }, RD.field(RD.t('pauseReason'), reason),
      button(RD.t('pause'), 'pause', () => recording('recording.pause'), 'secondary'),
      button(RD.t('resume'), 'resume', () => recording('recording.resume'), 'secondary')),
    RD.el('div', { class: 'row' },
      button(`${RD.t('mute')} ${RD.t('mic')}`, 'mute-mic', () => mute('mute', 'mic'), 'secondary'),
      button(`${RD.t('unmute')} ${RD.t('mic')}`, 'unmute-mic', () => mute('unmute', 'mic'), 'secondary'),
      button(`${RD.t('mute')} ${RD.t('camera')}`, 'mute-camera', () => mute('mute', 'camera'), 'secondary'),
      button(`${RD.t('unmute')} ${RD.t('camera')}`, 'unmute-camera', () => mute('unmute', 'camera'), 'secondary')),
    RD.field(RD.t('layout'), layout),
    RD.el('div', { class: 'row' }, button(RD.t('end'), 'end-session', (e) => RD.run(null, async () => {
      // Two taps: the first asks, the second ends (no modal dialog on a touch panel).
      if (!e.target.dataset.armed) {
        e.target.dataset.armed = '1';
        e.target.textContent = RD.t('endConfirm', id);
        return;
      }
      await RD.api.call('session.end', { id });
      await RD.live.refresh();
    }), 'danger')));
}

RD.pages.session = {
  allowed: () => true,
  main: null,
  sessionId: undefined,
  render(main) {
    RD.pages.session.main = main;
    RD.pages.session.sessionId = undefined;
    RD.pages.session.onStatus(RD.live.status);
  },
  draw() {
    const s = RD.live.status || {};
    const live = liveSession(s);
    RD.pages.session.sessionId = live ? live.id : null;
    if (!live) RD.clear(RD.pages.session.main, startCard());
    else RD.clear(RD.pages.session.main, roomCard(live.id, s), inviteCard(live.id));
  },
  // Redraws when the live session changes; otherwise only the recording's state.
  onStatus(s) {
    const live = liveSession(s);
    if (!RD.pages.session.main) return;
    if ((live ? live.id : null) !== RD.pages.session.sessionId) {
      RD.pages.session.draw();
      return;
    }
    const badge = document.getElementById('session-rec');
    if (badge && s) RD.clear(badge, RD.recordingBadge(s.recording));
    const why = document.getElementById('session-rec-reason');
    if (why && s) why.textContent = s.recording && s.recording.reason ? `${RD.t('reason')}: ${s.recording.reason}` : '';
  },
};
