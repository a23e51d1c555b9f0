// console-book.js: the reception book (Sổ tiếp công dân): registrations (the four
// classifications, protected identity), the schedule with its timing duties (late ones marked),
// reception records, conclusions and their follow-up (overdue ones marked), the export (CSV or
// JSON as the daemon gives it, or the book as XLSX and PDF, laid out by the daemon as
// receptionctl lays it out) and the monthly report (shown, or as XLSX and PDF).
'use strict';
window.RD = window.RD || {};
RD.pages = RD.pages || {};

const TABS = ['registrations', 'schedule', 'receptions', 'conclusions', 'export', 'report'];
const CLASSES = ['khieu-nai', 'to-cao', 'kien-nghi', 'phan-anh'];

function tabs(current) {
  return RD.el('nav', { class: 'tabs' }, TABS.map((t) => RD.el('a', { href: `#/book/${t}`,
    id: `tab-${t}`, text: RD.t(t), class: t === current ? 'current' : null })));
}

function input(id, attrs) {
  return RD.el('input', Object.assign({ id, name: id }, attrs || {}));
}

function select(id, options) {
  return RD.el('select', { id, name: id }, options.map(([v, text]) => RD.el('option', { value: v, text })));
}

// A form whose submit runs @action(values) and then @after; values are the named fields.
function form(id, fields, label, action, after) {
  const note = RD.el('p', { id: id + '-result' });
  const f = RD.el('form', { class: 'grid', id }, fields, RD.el('div', { class: 'wide' },
    RD.el('button', { type: 'submit', text: label }), note));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = {};
    for (const el of f.elements) {
      if (!el.name) continue;
      if (el.type === 'checkbox') values[el.name] = el.checked;
      else if (el.value.trim() !== '') values[el.name] = el.value.trim();
    }
    const r = await RD.run(note, () => action(values));
    if (r !== undefined) {
      RD.clear(note, RD.el('span', { class: 'ok',
        text: r && r.message !== undefined ? r.message : RD.t('added', (r && r.id) || '') }));
      f.reset();
      if (after) after(r);
    }
  });
  return f;
}

function wide(node) {
  node.classList.add('wide');
  return node;
}

// A protected identity: shown as protected; a supervisor may reveal it with a reason, which the
// daemon records (registration.show with reveal).
function protectedName(r) {
  const cell = RD.el('div', {}, RD.el('em', { text: `${r.name} (${RD.t('protected')})` }));
  if (RD.api.me && RD.api.me.role === 'supervisor') {
    const reason = RD.el('input', { 'aria-label': RD.t('revealReason'), placeholder: RD.t('revealReason') });
    cell.appendChild(RD.el('div', { class: 'row' }, reason, RD.el('button', { type: 'button',
      class: 'secondary', text: RD.t('reveal'), id: `reveal-${r.id}`, onclick: () => RD.run(null, async () => {
        if (!reason.value.trim()) throw new Error(RD.t('needReason'));
        const shown = await RD.api.call('registration.show',
          { id: r.id, reveal: true, reason: reason.value.trim() });
        RD.clear(cell, RD.el('strong', { text: shown.name || '' }),
          RD.el('div', { text: [shown.address, shown.id_document, shown.contact].filter(Boolean).join(' · ') }));
      }) })));
  }
  return cell;
}

async function registrations(main) {
  const list = RD.el('div', { id: 'registration-list' });
  const load = async () => {
    const rows = await RD.run(null, () => RD.api.call('registration.list'));
    if (!rows) return;
    RD.clear(list, RD.table([RD.t('number'), RD.t('created'), RD.t('classification'),
      RD.t('citizenName'), RD.t('summary'), RD.t('peopleCount')], rows.map((r) => [String(r.id),
      RD.formatTime(r.created_at), r.classification_vi || r.classification,
      r.protected ? protectedName(r) : r.name,
      r.summary || '', String(r.people_count || 1)])));
  };
  const fields = [
    RD.field(RD.t('citizenName'), input('name', { required: true })),
    RD.field(RD.t('classification'), select('classification',
      CLASSES.map((c) => [c, RD.t('cls_' + c.replace('-', '_'))]))),
    RD.field(RD.t('citizenAddress'), input('address')),
    RD.field(RD.t('idDocument'), input('id_document')),
    RD.field(RD.t('contact'), input('contact')),
    RD.field(RD.t('peopleCount'), input('people_count', { type: 'number', min: '1', value: '1' })),
    RD.field(RD.t('field'), input('field')),
    RD.field(RD.t('priorBody'), input('prior_body')),
    wide(RD.field(RD.t('summary'), RD.el('textarea', { id: 'summary', name: 'summary', required: true }))),
    wide(RD.el('label', { class: 'check' }, input('protection_requested', { type: 'checkbox' }),
      RD.t('protect'))),
    wide(RD.el('p', { class: 'muted-text', text: RD.t('protectedNote') })),
  ];
  RD.clear(main, tabs('registrations'),
    RD.el('section', { class: 'card wide' }, RD.el('h2', { text: RD.t('newRegistration') }),
      form('registration-form', fields, RD.t('add'), (v) => {
        if (v.people_count) v.people_count = parseInt(v.people_count, 10);
        return RD.api.call('registration.add', v);
      }, load)),
    RD.el('section', { class: 'card wide' }, RD.el('h2', { text: RD.t('registrations') }), list));
  await load();
}

async function schedule(main) {
  const s = await RD.run(null, () => RD.api.call('status'));
  const list = (s && s.scheduled) || [];
  const fields = [
    RD.field(RD.t('scheduleAt'), input('at', { required: true, placeholder: 'dd/mm/yyyy HH:MM' })),
    RD.field(RD.t('registrationIds'), input('registrations', { required: true })),
    wide(RD.field(RD.t('sessionTitle'), input('title'))),
  ];
  RD.clear(main, tabs('schedule'),
    RD.el('section', { class: 'card wide' }, RD.el('h2', { text: RD.t('schedule') }),
      form('schedule-form', fields, RD.t('scheduleSession'), (v) => {
        v.at = RD.parseWhen(v.at);
        v.registrations = v.registrations.split(/[ ,;]+/).filter(Boolean).map((x) => parseInt(x, 10));
        return RD.api.call('session.schedule', v);
      }, () => RD.route())),
    RD.el('section', { class: 'card wide', id: 'schedule-list' },
      RD.el('h2', { text: RD.t('scheduled') }),
      list.length ? RD.table([RD.t('session'), RD.t('when'), RD.t('duties')], list.map((x) => [
        `${x.id} ${x.title || ''}`, RD.formatTime(x.scheduled_for), RD.dutiesList(x.timing)]),
        (i) => (list[i].late ? 'late' : null)) : RD.el('p', { text: RD.t('none') })));
}

async function receptions(main) {
  const from = input('from', { placeholder: 'dd/mm/yyyy' });
  const to = input('to', { placeholder: 'dd/mm/yyyy' });
  const list = RD.el('div', { id: 'reception-list' });
  const load = () => RD.run(null, async () => {
    const p = {};
    if (from.value.trim()) p.from = RD.parseDay(from.value);
    if (to.value.trim()) p.to = RD.parseDay(to.value);
    const rows = await RD.api.call('reception.list', p);
    RD.clear(list, RD.table([RD.t('number'), RD.t('date'), RD.t('registrations'), RD.t('session'),
      RD.t('content'), RD.t('handling'), RD.t('officer')], rows.map((r) => [String(r.id),
      RD.formatDay(r.reception_date), String(r.registration_id || ''), r.session_id || '',
      r.content || '', r.handling ? RD.t('hand_' + r.handling) : '', r.officer || ''])));
  });
  const fields = [
    RD.field(RD.t('registrations'), input('registration_id', { required: true, type: 'number' })),
    RD.field(RD.t('session'), input('session_id')),
    RD.field(RD.t('handling'), select('handling', ['competent', 'guided', 'transferred', 'refused']
      .map((h) => [h, RD.t('hand_' + h)]))),
    RD.field(RD.t('officer'), input('officer', { required: true })),
    RD.field(RD.t('confirmation'), select('confirmation', ['signature', 'fingerprint', 'verbal',
      'declined'].map((h) => [h, RD.t('conf_' + h)]))),
    RD.field(RD.t('date'), input('reception_date', { placeholder: 'dd/mm/yyyy' })),
    RD.field(RD.t('handlingBody'), input('handling_body')),
    RD.field(RD.t('documentNumber'), input('document_number')),
    RD.field(RD.t('legalBasis'), input('legal_basis')),
    RD.field(RD.t('refusalReason'), input('refusal_reason')),
    wide(RD.field(RD.t('content'), RD.el('textarea', { id: 'content', name: 'content', required: true }))),
  ];
  RD.clear(main, tabs('receptions'),
    RD.el('section', { class: 'card wide' }, RD.el('h2', { text: RD.t('receptions') }),
      form('reception-form', fields, RD.t('add'), (v) => {
        v.registration_id = parseInt(v.registration_id, 10);
        if (v.reception_date) v.reception_date = RD.parseDay(v.reception_date);
        return RD.api.call('reception.add', v);
      }, load)),
    RD.el('section', { class: 'card wide' }, RD.el('div', { class: 'row' },
      RD.field(RD.t('from'), from), RD.field(RD.t('to'), to),
      RD.el('button', { type: 'button', text: RD.t('show'), onclick: load })), list));
  await load();
}

async function conclusions(main) {
  const list = RD.el('div', { id: 'conclusion-list' });
  const load = () => RD.run(null, async () => {
    const [rows, overdue] = await Promise.all([RD.api.call('conclusion.list'),
      RD.api.call('followup.overdue')]);
    const late = new Set(((overdue && overdue.conclusions) || []).map((c) => c.id));
    RD.clear(list, RD.table(['#', RD.t('session'), RD.t('content'), RD.t('assignee'), RD.t('due'),
      RD.t('state'), RD.t('progress')], rows.map((c) => {
      const progress = RD.el('input', { 'aria-label': RD.t('progress') });
      const outcome = RD.el('input', { 'aria-label': RD.t('outcome'), placeholder: RD.t('outcome') });
      const done = c.state === 'done' || c.outcome;
      return [String(c.id), c.session_id || '', c.text || '', c.assignee || '', RD.formatDay(c.due),
        late.has(c.id) ? RD.t('overdue') : (done ? RD.t('done') : RD.t('open')),
        RD.el('div', {}, RD.el('ul', {}, (c.followups || c.notes || []).map((n) =>
          RD.el('li', { text: `${RD.formatTime(n.at)} ${n.progress || ''} ${n.outcome || ''}` }))),
        done ? null : RD.el('div', { class: 'row' }, progress, outcome,
          RD.el('button', { type: 'button', class: 'secondary', text: RD.t('update'),
            onclick: () => RD.run(null, async () => {
              const p = { id: c.id, progress: progress.value.trim() };
              if (outcome.value.trim()) p.outcome = outcome.value.trim();
              await RD.api.call('followup.update', p);
              await load();
            }) })))];
    }), (i) => (late.has(rows[i].id) ? 'overdue' : null)));
  });
  const fields = [
    RD.field(RD.t('session'), input('session', { required: true })),
    RD.field(RD.t('assignee'), input('assignee', { required: true })),
    RD.field(RD.t('due'), input('due', { required: true, placeholder: 'dd/mm/yyyy' })),
    RD.field(RD.t('registrations'), input('registration_id', { type: 'number' })),
    wide(RD.field(RD.t('content'), RD.el('textarea', { id: 'text', name: 'text', required: true }))),
  ];
  RD.clear(main, tabs('conclusions'),
    RD.el('section', { class: 'card wide' }, RD.el('h2', { text: RD.t('conclusions') }),
      form('conclusion-form', fields, RD.t('add'), (v) => {
        v.due = RD.parseDay(v.due);
        if (v.registration_id) v.registration_id = parseInt(v.registration_id, 10);
        return RD.api.call('conclusion.add', v);
      }, load)),
    RD.el('section', { class: 'card wide' }, list));
  await load();
}

// Links to the XLSX and PDF of a document (/console/api/NAME.xlsx, NAME.pdf): each href follows
// @query() (the form's fields, null while they do not parse); a click fetches the file and
// saves it, an error shown in @note.
function documentLinks(id, name, query, note) {
  const links = ['xlsx', 'pdf'].map((ext) => {
    const a = RD.el('a', { id: `${id}-${ext}`, class: 'button', download: '',
      text: RD.t(ext === 'xlsx' ? 'downloadXlsx' : 'downloadPdf') });
    a.addEventListener('click', async (e) => {
      e.preventDefault();
      if (!a.getAttribute('href')) {
        RD.clear(note, RD.el('span', { class: 'error', text: RD.t('badDate', '') }));
        return;
      }
      RD.clear(note);
      await RD.run(note, () => RD.downloadUrl(a.getAttribute('href')));
    });
    return a;
  });
  const update = () => {
    let q = null;
    try {
      q = query();
    } catch (e) { /* a field that does not parse yet */ }
    for (const a of links) {
      const ext = a.id.endsWith('xlsx') ? 'xlsx' : 'pdf';
      if (q) a.setAttribute('href', `/console/api/${name}.${ext}?${new URLSearchParams(q)}`);
      else a.removeAttribute('href');
    }
  };
  return { node: RD.el('div', { class: 'row wide' }, links), update };
}

function exportTab(main) {
  const today = RD.formatDay(RD.today());
  const fields = [
    RD.field(RD.t('from'), input('from', { required: true, value: `01/01/${today.slice(6)}` })),
    RD.field(RD.t('to'), input('to', { required: true, value: today })),
    RD.field(RD.t('format'), select('format', [['csv', RD.t('csvComma')],
      ['csv;', RD.t('csvSemicolon')], ['json', RD.t('json')]])),
  ];
  const note = RD.el('p', { id: 'export-documents-result' });
  const docs = documentLinks('export', 'book', () => ({
    from: RD.parseDay(document.getElementById('from').value),
    to: RD.parseDay(document.getElementById('to').value) }), note);
  const exportForm = form('export-form', fields, RD.t('download'), async (v) => {
      const p = { from: RD.parseDay(v.from), to: RD.parseDay(v.to), format: v.format.replace(';', '') };
      if (v.format === 'csv;') p.separator = ';';
      const r = await RD.api.call('book.export', p);
      const ext = p.format === 'json' ? 'json' : 'csv';
      const content = typeof r.content === 'string' ? r.content : JSON.stringify(r.content, null, 1);
      // A BOM, so that spreadsheet programs read the CSV as UTF-8.
      RD.download(`so-tiep-cong-dan-${p.from}-${p.to}.${ext}`,
        ext === 'csv' ? '\ufeff' + content : content, ext === 'csv' ? 'text/csv' : 'application/json');
      window.rdConsole.lastExport = { rows: r.rows, content };
      document.getElementById('export-form-result').dataset.rows = String(r.rows);
      return { message: RD.t('rows', r.rows) };
    }, docs.update);
  exportForm.addEventListener('input', docs.update);
  RD.clear(main, tabs('export'), RD.el('section', { class: 'card wide' },
    RD.el('h2', { text: RD.t('export') }), RD.el('p', { class: 'muted-text', text: RD.t('exportNote') }),
    exportForm, RD.el('h3', { text: RD.t('exportDocuments') }), docs.node, note));
  docs.update();
}

function reportValue(v) {
  if (v === null || v === undefined) return '–';
  if (Array.isArray(v) || typeof v === 'object')
    return RD.el('dl', { class: 'kv' }, Object.entries(v).map(([k, x]) =>
      [RD.el('dt', { text: k }), RD.el('dd', {}, reportValue(x))]));
  return String(v);
}

function report(main) {
  const now = RD.formatDay(RD.today());
  const out = RD.el('div', { id: 'report-result' });
  const fields = [RD.field(RD.t('month'), input('month', { required: true, value: now.slice(3) }))];
  const note = RD.el('p', { id: 'report-documents-result' });
  const docs = documentLinks('report', 'report', () => ({
    month: RD.parseMonth(document.getElementById('month').value) }), note);
  const reportForm = form('report-form', fields, RD.t('show'), async (v) => {
    const r = await RD.api.call('report', { month: RD.parseMonth(v.month) });
    RD.clear(out, RD.el('h3', { text: `${r.title || ''} ${r.period_vi || ''}` }), reportValue(r));
    return { message: '' };
  }, docs.update);
  reportForm.addEventListener('input', docs.update);
  RD.clear(main, tabs('report'), RD.el('section', { class: 'card wide' },
    RD.el('h2', { text: RD.t('report') }), reportForm, docs.node, note, out));
  docs.update();
}

RD.pages.book = {
  allowed: () => RD.can('book'),
  async render(main, args) {
    const tab = TABS.includes(args[0]) ? args[0] : 'registrations';
    await ({ registrations, schedule, receptions, conclusions, export: exportTab, report })[tab](main);
  },
};
