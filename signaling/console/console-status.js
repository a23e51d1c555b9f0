// console-status.js: the status page: the room, its recording, the camera's and the display's
// pictures, devices with the microphone's level, disk, the parties with their levels and network figures, bridge links and the
// scheduled sessions with late duties. Redrawn on every status the live feed brings
// (console.js).
'use strict';
window.RD = window.RD || {};
RD.pages = RD.pages || {};

RD.recordingBadge = function (rec) {
  const state = (rec && rec.state) || 'idle';
  const cls = state === 'recording' ? 'rec' : state === 'paused' ? 'paused' : 'idle';
  const key = 'recState_' + state;
  const label = RD.strings[RD.lang][key] || RD.strings.vi[key] ? RD.t(key) : state;
  return RD.el('span', { class: 'badge ' + cls, id: 'rec-badge', text: label });
};

function kv(pairs) {
  return RD.el('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) =>
    [RD.el('dt', { text: k }), RD.el('dd', {}, v)]));
}

function num(v) {
  return v === undefined || v === null || v < 0 ? '–' : String(v);
}

function overview(s) {
  const disk = s.disk || {};
  const freePart = disk.total_bytes ? disk.free_bytes / disk.total_bytes : null;
  const meter = freePart === null ? '–' : RD.el('div', {},
    RD.t('free', RD.formatBytes(disk.free_bytes), RD.formatBytes(disk.total_bytes)),
    RD.el('div', { class: 'meter' }, RD.el('div', { class: freePart < 0.1 ? 'low' : null,
      style: null, 'data-free': String(Math.round(freePart * 100)) })));
  if (meter !== '–') meter.querySelector('.meter > div').style.width = `${Math.round(freePart * 100)}%`;
  return RD.el('section', { class: 'card', id: 'status-room' },
    RD.el('h2', { text: `${RD.t('room')}: ${s.room || ''}` }),
    kv([[RD.t('state'), s.state === 'live' ? RD.el('span', { class: 'badge live', text: RD.t('live') })
      : RD.t('idle')],
      [RD.t('session'), (s.sessions || []).map((x) => `${x.id} ${x.title || ''}`).join(', ') || '–'],
      [RD.t('uptime'), RD.formatDuration(s.uptime_s || 0)],
      [RD.t('timezone'), s.timezone || RD.timezone],
      [RD.t('disk'), meter],
      s.memory ? [RD.t('memory'), `${Math.round((s.memory.rss_kb || 0) / 1024)} MB`] : null,
      [RD.t('layout'), s.layout ? `${RD.t('layout_' + s.layout.layout)} (${s.layout.shown || ''})` : '–'],
      [RD.t('muted'), s.muted ? `${RD.t('mic')}: ${s.muted.mic ? RD.t('yes') : RD.t('no')}, ` +
        `${RD.t('camera')}: ${s.muted.camera ? RD.t('yes') : RD.t('no')}` : '–']]),
    RD.el('p', { class: 'muted-text', text: s.status || '' }));
}

function recording(s) {
  const rec = s.recording || {};
  return RD.el('section', { class: 'card', id: 'status-recording' },
    RD.el('h2', { text: RD.t('recording') }),
    kv([[RD.t('state'), RD.recordingBadge(rec)],
      rec.session ? [RD.t('session'), rec.session] : null,
      rec.elapsed_s !== undefined ? [RD.t('uptime'), RD.formatDuration(rec.elapsed_s)] : null,
      rec.reason ? [RD.t('reason'), RD.el('span', { id: 'rec-reason', text: rec.reason })] : null,
      rec.disk_free_mb !== undefined ? [RD.t('disk'), `${rec.disk_free_mb} MB`] : null]));
}

// A sound level (dBFS) as a bar from LEVEL_EMPTY_DB (empty) to 0 (full) and its figure; the
// floor (-127: silent, muted, no audio) is an empty bar.
const LEVEL_EMPTY_DB = -60;
RD.levelMeter = function (db, id) {
  const level = typeof db === 'number' ? db : -127;
  const bar = RD.el('div', { class: level > -3 ? 'clip' : null });
  bar.style.width = `${Math.round(Math.max(0, Math.min(1, 1 - level / LEVEL_EMPTY_DB)) * 100)}%`;
  return RD.el('div', { class: 'level', id, 'data-dbfs': String(level) },
    RD.el('div', { class: 'meter' }, bar),
    RD.el('span', { text: level <= -127 ? RD.t('silent') : `${level.toFixed(0)} dBFS` }));
};

function devices(s) {
  const sound = s.sound || {};
  return RD.el('section', { class: 'card', id: 'status-devices' },
    RD.el('h2', { text: RD.t('devices') }),
    RD.table([RD.t('role'), RD.t('state'), RD.t('detail')], (s.devices || []).map((d) => [
      d.role, d.available ? RD.t('available') : RD.el('span', { class: 'error', text: RD.t('unavailable') }),
      `${d.setting || ''} ${d.detail || ''}`])),
    kv([[RD.t('micLevel'), RD.levelMeter(sound.mic_level_dbfs, 'mic-level')]]),
    s.sound ? RD.el('p', { class: 'muted-text', text: `${RD.t('sound')}: ` +
      Object.entries(sound).filter(([k]) => k !== 'mic_level_dbfs').map(([k, v]) =>
        `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ') }) : null,
);
}

// The pictures' preview: still JPEGs of the camera and of the display's picture, each fetched
// again a second after it arrives while the status page is shown and the tab visible (the
// daemon takes and encodes a picture only when asked). The card's nodes are kept across the
// page's redraws, so a redraw does not fetch them again.
const PREVIEW_EVERY_MS = 1000;
RD.preview = {
  card: null,
  timers: {},

  build() {
    const picture = (source) => {
      const label = RD.t(`preview_${source}`);
      const img = RD.el('img', { id: `preview-${source}`, alt: '', width: '320', height: '180' });
      const caption = RD.el('figcaption', { text: label });
      img.addEventListener('load', () => {
        img.classList.remove('stale');
        caption.textContent = label;
        window.rdConsole.previews++;
        RD.preview.later(source, PREVIEW_EVERY_MS);
      });
      img.addEventListener('error', () => {
        img.classList.add('stale');
        caption.textContent = `${label}: ${RD.t('noPicture')}`;
        RD.preview.later(source, 3 * PREVIEW_EVERY_MS);
      });
      return RD.el('figure', {}, img, caption);
    };
    RD.preview.card = RD.el('section', { class: 'card', id: 'status-preview' },
      RD.el('h2', { text: RD.t('preview') }),
      RD.el('div', { class: 'previews' }, picture('camera'), picture('composite')));
    return RD.preview.card;
  },

  load(source) {
    const img = document.getElementById(`preview-${source}`);
    if (!img || document.visibilityState !== 'visible' || !RD.current || RD.current.page !== 'status') {
      return; // drawn again (and fetched) when the page is shown
    }
    img.src = `/console/api/preview?source=${source}&t=${Date.now()}`;
  },

  later(source, ms) {
    clearTimeout(RD.preview.timers[source]);
    RD.preview.timers[source] = setTimeout(() => RD.preview.load(source), ms);
  },

  start() {
    ['camera', 'composite'].forEach((source) => RD.preview.later(source, 0));
  },
};

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') RD.preview.start();
});

function parties(s) {
  const list = s.parties || [];
  return RD.el('section', { class: 'card wide', id: 'status-parties' },
    RD.el('h2', { text: `${RD.t('parties')} (${list.length})` }),
    list.length === 0 ? RD.el('p', { text: RD.t('noParties') })
      : RD.table([RD.t('partyName'), RD.t('role'), RD.t('state'), RD.t('level'), RD.t('address'),
        RD.t('bitrateIn'), RD.t('bitrateOut'), RD.t('rtt'), RD.t('lost')], list.map((p) => [
        p.name || '–', RD.roleName(p.role), p.state, RD.levelMeter(p.level_dbfs, `level-${p.peer_id}`),
        `${p.remote_address || ''} ${p.candidate_pair || ''}`,
        num(p.bitrate_in_kbps), num(p.bitrate_out_kbps), num(p.rtt_ms),
        `${p.packets_lost || 0} / ${p.remote_packets_lost || 0}`])));
}

function links(s) {
  const list = s.links || [];
  if (!list.length) return null;
  return RD.el('section', { class: 'card wide', id: 'status-links' },
    RD.el('h2', { text: RD.t('links') }),
    RD.table([RD.t('kind'), RD.t('state'), 'URL', RD.t('rtt'), RD.t('bitrateIn'), RD.t('bitrateOut')],
      list.map((l) => [l.kind || '', l.state || '', l.url || '', num(l.rtt_ms),
        num(l.bitrate_in_kbps), num(l.bitrate_out_kbps)])));
}

function scheduled(s) {
  const list = s.scheduled || [];
  if (!list.length) return null;
  return RD.el('section', { class: 'card wide', id: 'status-scheduled' },
    RD.el('h2', { text: RD.t('scheduled') }),
    RD.table([RD.t('session'), RD.t('when'), RD.t('duties')], list.map((x) => [
      `${x.id} ${x.title || ''}`, RD.formatTime(x.scheduled_for),
      RD.dutiesList(x.timing)]), (i) => (list[i].late ? 'late' : null)));
}

// The timing duties of a scheduled session, late ones marked.
RD.dutiesList = function (timing) {
  const duties = (timing && timing.duties) || [];
  return RD.el('ul', {}, duties.map((d) => RD.el('li', { class: d.state === 'late' ? 'error' : null,
    text: `${d.what || d.duty} (${RD.formatTime(d.by) || RD.formatDay(d.by)}): ` +
      (d.state === 'late' ? RD.t('late') : d.state === 'done' ? RD.t('done') : d.state) })));
};

RD.pages.status = {
  allowed: () => true,
  main: null,
  render(main) {
    RD.pages.status.main = main;
    RD.preview.build();
    RD.pages.status.draw(RD.live.status);
    RD.preview.start();
  },
  draw(s) {
    const main = RD.pages.status.main;
    if (!main) return;
    if (!s) {
      RD.clear(main, RD.el('p', { text: RD.t('loading') }));
      return;
    }
    RD.clear(main, overview(s), recording(s), RD.preview.card, devices(s), parties(s), links(s),
      scheduled(s));
  },
  onStatus(s) {
    RD.pages.status.draw(s);
  },
};
