// Status page of the JING ⇄ Salesforce connector. Plain JS, no dependencies, no network but
// this origin. Record names come from CRM data: they are only ever set with textContent.
// Texts (zh/en) are in i18n.js, loaded first.
'use strict';

const TOKEN_KEY = 'jingsf-admin-token';
const LANG_KEY = 'jingsf-admin-lang';
const PAGE = 10;

const state = {
  lang: localStorage.getItem(LANG_KEY) || 'zh',
  app: null,
  synced: { offset: 0, total: 0 },
  failures: { offset: 0, total: 0 },
  cache: {},
};

function t(key, ...args) {
  const v = I18N[state.lang][key];
  return typeof v === 'function' ? v(...args) : (v ?? key);
}
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

// --- token and API -------------------------------------------------------------------------

function takeToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/api${path}`, {
    method: options.method || 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

function showError(err) {
  const banner = $('banner');
  const e = err.body?.error;
  banner.replaceChildren();
  if (e) {
    banner.append(el('strong', { text: e[`cause_${state.lang}`] || e.message }), ' ',
      el('span', { text: `${t('fix')}: ${e[`fix_${state.lang}`]}` }));
  } else {
    banner.textContent = String(err.message || err);
  }
  banner.className = 'banner error';
  banner.hidden = false;
}

function showInfo(text) {
  const banner = $('banner');
  banner.textContent = text;
  banner.className = 'banner info';
  banner.hidden = false;
}

const app = (path) => `/apps/${encodeURIComponent(state.app)}${path}`;
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false }) : '');
const objLabel = (o) => t(`obj_${o}`);
const valueText = (v) => (v == null || v.t === 'empty' ? '∅' : Array.isArray(v.v) ? v.v.join('; ') : String(v.v));

// --- sections ------------------------------------------------------------------------------

async function loadApps() {
  const { apps } = await api('/apps');
  const picker = $('app-picker');
  picker.replaceChildren(...apps.map((a) => el('option', { value: a.app, text: a.name })));
  if (!apps.length) { showInfo(t('no_apps')); return false; }
  const wanted = new URLSearchParams(location.search).get('app');
  state.app = apps.some((a) => a.app === wanted) ? wanted : apps[0].app;
  picker.value = state.app;
  return true;
}

function renderOverview(o) {
  const u = o.usage;
  $('usage-used').textContent = u.used;
  $('usage-allocated').textContent = u.allocated;
  $('usage-pct').textContent = u.pct;
  $('usage-bar').style.width = `${Math.min(100, u.pct)}%`;
  $('usage-bar').className = u.pct >= 90 ? 'hot' : '';
  $('usage-forecast').textContent = o.forecast_hhmm ? t('forecast', o.forecast_hhmm) : t('forecast_none');
  const l = u.lanes;
  $('usage-lanes').textContent = t('lanes', l.initialization_allowance, l.live_reserve, l.live_reserve_pct, o.init_forecast_hhmm);
  $('usage-parked').textContent = u.parked;
  // The org's own 24-h figures (Sforce-Limit-Info), which cap the allocation in force.
  $('usage-org').hidden = !u.org;
  if (u.org) $('usage-org').textContent = t('org_usage', u.org.used, u.org.max);
  for (const obj of ['all', 'lead', 'account']) {
    const c = o.counts[obj] || { ok: 0, failed: 0 };
    $(`count-${obj}-ok`).textContent = c.ok;
    $(`count-${obj}-failed`).textContent = c.failed;
  }
  $('app-state').textContent = o.enabled ? t('enabled') : t('disabled');
  $('app-state').className = o.enabled ? 'pill on' : 'pill off';
  renderInit(o.init);
  renderPaused(o.paused);
  $('categories').replaceChildren(...(o.categories.length ? o.categories.map((c) =>
    el('li', { class: `chip cat-${c.category}`, 'data-category': c.category },
      el('span', { text: c[`label_${state.lang}`] }), ' ', el('b', { text: String(c.count) }))) : [el('li', { text: t('none') })]));
}

function renderInit(init) {
  let text = t('init_not_started');
  let pct = 0;
  if (init.state === 'running') {
    pct = init.total ? Math.round((init.done * 1000) / init.total) / 10 : 0;
    text = t('init_running', init.done, init.total, pct);
  } else if (init.state === 'done') { text = t('init_done', init.records); pct = 100; }
  else if (init.state === 'skipped') text = t('init_skipped');
  $('init-progress').textContent = text;
  $('init-bar').style.width = `${pct}%`;
}

function renderPaused(paused) {
  const list = $('paused');
  if (!paused.length) { list.replaceChildren(el('li', { class: 'muted', text: t('none') })); return; }
  list.replaceChildren(...paused.map((p) => el('li', { class: 'paused-item' },
    el('b', { text: `${objLabel(p.object)} · ${t(p.direction)}` }),
    el('p', { text: p[`cause_${state.lang}`] }),
    el('p', { class: 'muted', text: `${t('fix')}: ${p[`fix_${state.lang}`]}` }),
    el('button', { type: 'button', class: 'resume-btn', onclick: () => resume(p.object, p.direction), text: t('resume') }),
    el('button', { type: 'button', class: 'held-btn', onclick: (ev) => showHeld(ev.target.parentNode, p), text: t('show_held') }),
    el('button', { type: 'button', class: 'discard-btn', onclick: () => discard(p.object, p.direction), text: t('discard') }))));
}

// What a paused direction holds: records and the fields they would write (no values).
async function showHeld(item, p) {
  try {
    const q = new URLSearchParams({ object: p.object, direction: p.direction });
    const h = await api(app(`/held?${q}`));
    const rows = h.items.map((c) => el('li', { text: `${c.op} ${c.record} (${c.fields.join(', ')})` }));
    const list = el('ul', { class: 'held-list' }, el('li', { class: 'muted', text: t('held_total', h.total) }), ...rows);
    item.querySelector('.held-list')?.remove();
    item.append(list);
  } catch (e) { showError(e); }
}

async function discard(object, direction) {
  try { await api(app('/discard'), { method: 'POST', body: { object, direction } }); await refresh(); }
  catch (e) { showError(e); }
}

async function resume(object, direction) {
  try { await api(app('/resume'), { method: 'POST', body: { object, direction } }); await refresh(); }
  catch (e) { showError(e); }
}

function pager(kind, total) {
  const s = state[kind];
  s.total = total;
  const from = total ? s.offset + 1 : 0;
  $(`${kind}-page`).textContent = t('page', from, Math.min(s.offset + PAGE, total), total);
  $(`${kind}-prev`).disabled = s.offset === 0;
  $(`${kind}-next`).disabled = s.offset + PAGE >= total;
}

function listQuery(kind) {
  const q = new URLSearchParams({ offset: state[kind].offset, limit: PAGE });
  const obj = $(`${kind}-object`).value;
  const search = $(`${kind}-search`).value.trim();
  if (obj !== 'all') q.set('object', obj);
  if (search) q.set('search', search);
  return q.toString();
}

function nameCell(item) {
  const name = item.name || item.record_key;
  const cell = item.url ? el('td', {}, el('a', { href: item.url, target: '_blank', rel: 'noopener', title: t('sf_link'), text: name })) : el('td', { text: name });
  if (item.jing_url) cell.append(' ', el('a', { href: item.jing_url, target: '_blank', rel: 'noopener', class: 'jing-link', title: t('jing_link'), text: 'JING ↗' }));
  return cell;
}

async function loadSynced() {
  const page = await api(app(`/synced?${listQuery('synced')}`));
  $('synced-list').replaceChildren(...page.items.map((r) => el('tr', { 'data-key': r.record_key },
    nameCell(r), el('td', { text: objLabel(r.object) }), el('td', { text: fmtTime(r.synced_at) }))));
  pager('synced', page.total);
}

async function loadFailures() {
  const page = await api(app(`/failures?${listQuery('failures')}`));
  $('failures-list').replaceChildren(...page.items.map((r) => el('tr', { 'data-key': r.record_key, class: 'clickable', onclick: () => showDetail(r.object, r.record_key) },
    nameCell(r), el('td', { text: objLabel(r.object) }), el('td', { class: 'num', text: String(r.count) }),
    el('td', {}, el('span', { class: `chip cat-${r.error.category}`, text: r.error[`category_${state.lang}`] })))));
  pager('failures', page.total);
}

async function showDetail(object, key) {
  try {
    const d = await api(app(`/failures/${encodeURIComponent(object)}/${encodeURIComponent(key)}`));
    const e = d.error;
    const box = $('failure-detail');
    box.replaceChildren(
      el('h3', { text: `${d.name || d.record_key} · ${objLabel(d.object)}` }),
      el('p', {}, el('span', { class: `chip cat-${e.category}`, text: e[`category_${state.lang}`] }), ` ${e.code} × ${d.count}`),
      el('p', {}, el('b', { text: `${t('cause')}: ` }), e[`cause_${state.lang}`]),
      el('p', {}, el('b', { text: `${t('fix')}: ` }), e[`fix_${state.lang}`]),
      el('button', { type: 'button', id: 'retry-btn', onclick: () => retry(d.object, d.record_key), text: t('retry') }));
    box.hidden = false;
  } catch (err) { showError(err); }
}

async function retry(object, recordKey) {
  try {
    const r = await api(app('/retry'), { method: 'POST', body: { records: [{ object, record_key: recordKey }] } });
    showInfo(t('retried', r.requeued.length));
  } catch (err) { showError(err); }
}

async function loadGrouped() {
  const g = await api(app('/errors/grouped'));
  $('causes').replaceChildren(...(g.by_cause.length ? g.by_cause.map((c) => el('div', { class: 'cause' },
    el('div', { class: 'cause-head' }, el('span', { class: `chip cat-${c.category}`, text: c[`category_${state.lang}`] }),
      el('b', { text: ` ${c.count} ${t('records')}` }), el('span', { class: 'muted', text: ` · ${c.samples.length ? objLabel(c.samples[0].object) : c.object}${c.field ? ` · ${c.field}` : ''}` })),
    el('p', { text: c[`cause_${state.lang}`] }),
    el('p', { class: 'fix', text: `${t('fix')}: ${c[`fix_${state.lang}`]}` }),
    el('button', { type: 'button', class: 'secondary retry-cause', onclick: () => retryCause(c), text: t('retry_these', c.count) }))) :
    [el('p', { class: 'muted', text: t('none') })]));
}

async function retryCause(c) {
  try {
    const r = await api(app('/errors/retry'), { method: 'POST', body: { code: c.code, field: c.field, object: c.object } });
    showInfo(t('retried', r.requeued.length));
  } catch (err) { showError(err); }
}

// --- dead letters --------------------------------------------------------------------------

async function loadDeadLetters() {
  const d = await api(`/dead-letters?app=${encodeURIComponent(state.app)}`);
  $('dead-causes').replaceChildren(...d.causes.map((c) => el('div', { class: 'cause' },
    el('p', { text: `${c.reason} · ${c.count} ${t('records')}` }),
    el('button', { type: 'button', class: 'secondary redrive-cause', onclick: () => redrive({ app: state.app, reason: c.reason }), text: t('redrive_cause', c.count) }))));
  $('dead-letters').replaceChildren(...(d.items.length ? d.items.map((l) => el('tr', { 'data-id': l.id },
    el('td', { text: `${l.object ? objLabel(l.object) : ''} ${l.record || l.id}` }), el('td', { text: l.reason }),
    el('td', { text: t('tried', l.receive_count, fmtTime(l.first_try), fmtTime(l.last_try)) }),
    el('td', {}, el('button', { type: 'button', class: 'secondary redrive', onclick: () => redrive({ ids: [l.id] }), text: t('redrive') })))) :
    [el('tr', {}, el('td', { colspan: '4', class: 'muted', text: t('none') }))]));
}

async function redrive(body) {
  try {
    const r = await api('/dead-letters/redrive', { method: 'POST', body });
    showInfo(t('redriven', r.redriven));
    await loadDeadLetters();
  } catch (err) { showError(err); }
}

// --- setup ---------------------------------------------------------------------------------

function renderSetup(s) {
  $('checklist').replaceChildren(...s.checklist.map((i) => el('li', { class: i.done ? 'done' : 'todo', 'data-item': i.item },
    el('span', { class: 'mark', text: i.done ? '✓' : '·' }), ' ', el('span', { text: i[`label_${state.lang}`] }))));
  const rows = [
    ['callback_url', s.callback_url],
    ['outbound_url', s.outbound_url],
    ['webhook_url', s.webhook_url],
    ['webhook_secret', s.webhook_signing_secret || ''],
  ];
  $('setup-urls').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: t(k) }), el('dd', {}, el('code', { id: `setup-${k}`, text: v }))]));
  $('outbound-defs').replaceChildren(...s.outbound.map((d) => el('p', {},
    el('strong', { text: t('outbound_fields', d.object) + (d.required ? '' : ` ${t('optional')}`) }), ' ',
    el('span', { class: 'muted', text: d.last_received ? t('last_received', fmtTime(d.last_received)) : t('never_received') }),
    el('br'), el('code', { text: d.fields.join(', ') }))));
}

async function loadSetup() {
  renderSetup(await api(app('/setup')));
}

async function rotate(endpoint) {
  try {
    renderSetup(await api(app('/setup/rotate'), { method: 'POST', body: { endpoint } }));
    showInfo(t('rotated'));
  } catch (e) { showError(e); }
}

async function checkPermissions() {
  try {
    await api(app('/setup/permissions'), { method: 'POST' });
    await loadSetup();
    showInfo(t('checked'));
  } catch (e) { showError(e); }
}

// --- explain: why didn't a record sync? ----------------------------------------------------

function decisionReason(d) {
  switch (d.decision) {
    case 'synced': return `${t(`op_${d.op}`)}: ${(d.fields || []).join(', ')}`;
    case 'out_of_scope': return `${t('missed')}: ${(d.rules || []).join(' | ')}`;
    case 'trigger_off': return t(`trig_${d.trigger}`);
    case 'unchanged': return (d.conflicts || []).join(', ');
    case 'parked': return [t(`park_${d.cause}`), d.code || ''].join(' ').trim();
    case 'failed': return [d.code, d.field || ''].join(' ').trim();
    default: return '';
  }
}

function decisionLabel(d) {
  return d.decision === 'failed' && d.retry ? t('d_retry') : t(`d_${d.decision}`);
}

async function explainRecord(ev) {
  if (ev) ev.preventDefault();
  const record = $('explain-record').value.trim();
  if (!record) return;
  try {
    const object = $('explain-object').value;
    const r = await api(app(`/explain/${encodeURIComponent(object)}/${encodeURIComponent(record)}`));
    const b = r.binding;
    $('explain-binding').textContent = b ? t('explain_bound', b.sf_id, b.jing_id, b.name) : t('explain_unbound');
    const rows = r.decisions.map((d) => el('tr', { class: `decision-${d.decision}` },
      el('td', { text: fmtTime(d.at) }),
      el('td', { text: t(d.direction) }),
      el('td', { text: decisionLabel(d) }),
      el('td', { text: `${decisionReason(d)} · ${t('source')}: ${t(`lane_${d.source.lane}`)} ${fmtTime(d.source.at)}` })));
    $('explain-list').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '4', text: t('explain_none') }))]));
  } catch (e) { showError(e); }
}

// --- wiring --------------------------------------------------------------------------------

function applyLang() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
  $('lang-toggle').textContent = state.lang === 'zh' ? 'English' : '中文';
  for (const sel of document.querySelectorAll('.object-filter')) {
    const v = sel.value || 'all';
    sel.replaceChildren(...['all', 'lead', 'account'].map((o) => el('option', { value: o, text: objLabel(o) })));
    sel.value = v;
  }
  const ex = $('explain-object');
  const chosen = ex.value || 'lead';
  ex.replaceChildren(...['lead', 'account', 'opportunity'].map((o) => el('option', { value: o, text: objLabel(o) })));
  ex.value = chosen;
}

async function refresh() {
  document.body.dataset.ready = '0';
  try {
    renderOverview(await api(app('/status')));
    await Promise.all([loadSetup(), loadSynced(), loadFailures(), loadGrouped(), loadMembers(), loadConflicts(), loadDeadLetters(), loadDryRun()]);
  } catch (e) { showError(e); }
  document.body.dataset.ready = '1';
}

function debounce(fn, ms) {
  let timer;
  return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
}

function wireList(kind, load) {
  const reload = () => { state[kind].offset = 0; load().catch(showError); };
  $(`${kind}-object`).addEventListener('change', reload);
  $(`${kind}-search`).addEventListener('input', debounce(reload, 250));
  $(`${kind}-prev`).addEventListener('click', () => { state[kind].offset = Math.max(0, state[kind].offset - PAGE); load().catch(showError); });
  $(`${kind}-next`).addEventListener('click', () => { state[kind].offset += PAGE; load().catch(showError); });
}

async function main() {
  applyLang();
  $('lang-toggle').addEventListener('click', () => {
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem(LANG_KEY, state.lang);
    applyLang();
    if (state.app) refresh();
  });
  wireList('synced', loadSynced);
  wireList('failures', loadFailures);
  $('rotate-webhook').addEventListener('click', () => rotate('webhook'));
  $('rotate-outbound').addEventListener('click', () => rotate('outbound'));
  $('check-permissions').addEventListener('click', checkPermissions);
  $('explain-form').addEventListener('submit', explainRecord);
  $('app-picker').addEventListener('change', (ev) => {
    state.app = ev.target.value;
    state.synced.offset = 0; state.failures.offset = 0;
    refresh();
  });
  if (!takeToken()) { showInfo(t('no_token')); document.body.dataset.ready = '1'; return; }
  try {
    if (await loadApps()) await refresh();
    else document.body.dataset.ready = '1';
  } catch (e) { showError(e); document.body.dataset.ready = '1'; }
}

main();
