// console-history.js: the history page: the sessions (newest first), and one session's
// parties, events and recordings, each segment playable in the browser from
// /console/api/recording (Matroska VP8/Opus plays as WebM; an H.264 segment says the browser
// may not play it and offers the file).
'use strict';
window.RD = window.RD || {};
RD.pages = RD.pages || {};

function tracksOf(rec) {
  let tracks = rec.tracks !== undefined ? rec.tracks : rec.tracks_json;
  if (typeof tracks === 'string') {
    try {
      tracks = JSON.parse(tracks);
    } catch (e) {
      tracks = [];
    }
  }
  return Array.isArray(tracks) ? tracks : [];
}

RD.recordingUrl = function (session, segment) {
  return `/console/api/recording?session=${encodeURIComponent(session)}&segment=${encodeURIComponent(segment)}`;
};

function player(session, rec, box) {
  const tracks = tracksOf(rec);
  const video = tracks.some((t) => t.media === 'video') || !tracks.length;
  const h264 = tracks.some((t) => /264/.test(t.codec || ''));
  const url = RD.recordingUrl(session, rec.segment);
  const media = RD.el(video ? 'video' : 'audio', { controls: true, preload: 'metadata',
    id: `player-${rec.segment}`, src: url });
  RD.clear(box, h264 ? RD.el('p', { class: 'error', text: RD.t('h264Warning') }) : null, media);
  media.play().catch(() => { /* the user presses play */ });
}

async function showSession(main, id) {
  const s = await RD.run(null, () => RD.api.call('session.show', { id }));
  if (!s) return;
  const box = RD.el('div', { id: 'player' });
  const recordings = s.recordings || [];
  RD.clear(main,
    RD.el('div', { class: 'wide' }, RD.el('a', { href: '#/history', text: RD.t('back') })),
    RD.el('section', { class: 'card wide', id: 'history-session' },
      RD.el('h2', { text: `${RD.t('session')} ${s.id} ${s.title || ''}` }),
      RD.el('p', { text: `${RD.t('started')}: ${RD.formatTime(s.started_at)} · ` +
        `${RD.t('ended')}: ${RD.formatTime(s.ended_at) || '–'} · ${s.state || ''}` +
        (s.end_reason ? ` (${s.end_reason})` : '') })),
    RD.el('section', { class: 'card wide', id: 'history-recordings' },
      RD.el('h2', { text: RD.t('recordings') }),
      recordings.length ? RD.table([RD.t('segment'), RD.t('state'), RD.t('kind'), RD.t('when'), ''],
        recordings.map((r) => [String(r.segment), r.state || '',
          tracksOf(r).map((t) => `${t.track || ''} ${t.codec || ''}`).join(', '),
          RD.formatTime(r.created_at),
          RD.el('span', {},
            RD.el('button', { type: 'button', class: 'secondary', id: `play-${r.segment}`,
              text: RD.t('play'), onclick: () => player(s.id, r, box) }), ' ',
            RD.el('a', { href: RD.recordingUrl(s.id, r.segment), download: '', text: RD.t('download') }))]))
        : RD.el('p', { text: RD.t('none') }), box),
    RD.el('section', { class: 'card wide', id: 'history-parties' },
      RD.el('h2', { text: RD.t('parties') }),
      RD.table([RD.t('partyName'), RD.t('role'), RD.t('address'), RD.t('started'), RD.t('ended'), RD.t('reason')],
        (s.participants || []).map((p) => [p.name || '–', RD.roleName(p.role), p.remote_address || '',
          RD.formatTime(p.joined_at), RD.formatTime(p.left_at), p.leave_reason || '']))),
    RD.el('section', { class: 'card wide', id: 'history-events' },
      RD.el('h2', { text: RD.t('events') }),
      RD.table([RD.t('when'), RD.t('actor'), RD.t('kind'), RD.t('detail')],
        (s.events || []).map((e) => [RD.formatTime(e.at), e.actor || '', e.kind,
          e.detail ? (typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)) : '']))));
}

RD.pages.history = {
  allowed: () => true,
  async render(main, args) {
    if (args[0]) {
      await showSession(main, args[0]);
      return;
    }
    const list = await RD.run(null, () => RD.api.call('session.list'));
    if (!list) {
      RD.clear(main);
      return;
    }
    RD.clear(main, RD.el('section', { class: 'card wide', id: 'history-list' },
      RD.el('h2', { text: RD.t('history') }),
      RD.table([RD.t('session'), RD.t('state'), RD.t('started'), RD.t('ended'), RD.t('participants')],
        list.map((s) => [RD.el('a', { href: `#/history/${encodeURIComponent(s.id)}`,
          text: `${s.id} ${s.title || ''}` }), s.state, RD.formatTime(s.started_at || s.created_at),
        RD.formatTime(s.ended_at), String(s.participants || 0)]))));
  },
};
