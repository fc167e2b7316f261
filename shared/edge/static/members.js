// Status page: members (search, binding filter, paging, bind picker) and the conflict ledger
// (settle: keep one side's value). Loaded after app.js, whose helpers it uses; app.js calls
// loadMembers() and loadConflicts() on every refresh. Record data is only set as textContent.
'use strict';

Object.assign(I18N.zh, {
  m_all: '全部', m_search: '搜索姓名、手机或邮箱', e_search: '搜索 JING 员工（姓名、手机、邮箱）',
  m_taken: (at) => `用户与员工名单读取于 ${at}（成员同步时更新）`, m_never: '尚未同步成员：请先运行成员同步',
  jing_link: '在 JING 中打开', keep_sf: '保留 Salesforce 的值', keep_jing: '保留 JING 的值',
  settled: (side, by, at) => `已处理：保留 ${side} 的值（${by}，${at}）`, settle_ok: '已排队：两边都将采用所选的值',
});
Object.assign(I18N.en, {
  m_all: 'All', m_search: 'Search name, mobile or e-mail', e_search: 'Search JING employees (name, mobile, e-mail)',
  m_taken: (at) => `Users and employees as read at ${at} (refreshed by member sync)`, m_never: 'Members not synced yet: run member sync first',
  jing_link: 'Open in JING', keep_sf: "Keep Salesforce's", keep_jing: "Keep JING's",
  settled: (side, by, at) => `Settled: kept ${side}'s value (${by}, ${at})`, settle_ok: 'Queued: both sides will hold the chosen value',
});

state.members = { offset: 0, total: 0 };
state.employees = [];

const sideName = (s) => (s === 'jing' ? 'JING' : 'Salesforce');

function linkTo(url, text, title, cls = '') {
  if (!url) return document.createTextNode(text);
  return el('a', { href: url, target: '_blank', rel: 'noopener', title, class: cls, text });
}

function memberState(m) {
  if (m.state.state === 'bound') return `${t('bound')} → ${m.state.employee_name || m.state.jing_id}`;
  if (m.state.state === 'ambiguous') return t('ambiguous');
  return t('unbound');
}

function membersQuery() {
  const q = new URLSearchParams({ offset: state.members.offset, limit: PAGE, status: $('members-status').value });
  const search = $('members-search').value.trim();
  if (search) q.set('q', search);
  return q.toString();
}

async function loadEmployees() {
  const q = new URLSearchParams({ limit: 50 });
  const search = $('employees-search').value.trim();
  if (search) q.set('q', search);
  state.employees = (await api(app(`/members/employees?${q}`))).employees;
}

function employeeOptions(list, first) {
  return [el('option', { value: '', text: first }),
    ...list.map((e) => el('option', { value: e.id, text: [e.name, e.mobile, e.email].filter(Boolean).join(' · ') }))];
}

function memberActions(m) {
  const actions = el('div', { class: 'actions' });
  if (m.state.state !== 'bound') {
    const pick = el('select', { class: 'employee-pick' }, ...employeeOptions(state.employees.filter((e) => !e.bound_user), t('pick')));
    actions.append(pick,
      el('button', { type: 'button', class: 'bind-btn', onclick: () => bind(m.user_id, pick.value), text: t('bind') }),
      el('button', { type: 'button', class: 'create-btn secondary', onclick: () => createMember(m.user_id), text: t('create_new') }));
  } else {
    // Bindings can be changed: moving a user to another employee releases the old pair.
    const pick = el('select', { class: 'employee-pick' }, ...employeeOptions(state.employees.filter((e) => e.id !== m.state.jing_id), t('change_to')));
    actions.append(pick, el('button', { type: 'button', class: 'rebind-btn secondary', onclick: () => rebind(m.user_id, pick.value), text: t('rebind') }));
  }
  return actions;
}

function memberRow(m) {
  const stateCell = el('td', { class: 'member-state', text: memberState(m) });
  if (m.links?.jing) stateCell.append(' ', linkTo(m.links.jing, 'JING ↗', t('jing_link'), 'jing-link'));
  return el('tr', { 'data-user': m.user_id, 'data-state': m.state.state },
    el('td', {}, linkTo(m.links?.salesforce, m.name, t('sf_link'), 'sf-link')),
    el('td', { class: 'muted', text: [m.email, m.mobile].filter(Boolean).join(' · ') }),
    stateCell, el('td', {}, memberActions(m)));
}

async function loadMembers() {
  let data;
  try {
    const [page] = await Promise.all([api(app(`/members?${membersQuery()}`)), loadEmployees()]);
    data = page;
  } catch (e) { if (e.status === 503) { $('members').replaceChildren(); return; } throw e; }
  $('members-taken').textContent = data.taken_at ? t('m_taken', fmtTime(data.taken_at)) : t('m_never');
  $('members').replaceChildren(...data.members.map(memberRow));
  pager('members', data.total);
}

async function bind(user, employee) {
  if (!employee) return;
  try {
    await api(app(`/members/${encodeURIComponent(user)}/bind`), { method: 'POST', body: { employee } });
    showInfo(t('bound_ok'));
    await loadMembers();
  } catch (e) { showError(e); }
}

async function rebind(user, employee) {
  if (!employee) return;
  try {
    await api(app(`/members/${encodeURIComponent(user)}/rebind`), { method: 'POST', body: { employee } });
    showInfo(t('bound_ok'));
    await loadMembers();
  } catch (e) { showError(e); }
}

async function createMember(user) {
  try { await api(app(`/members/${encodeURIComponent(user)}/create`), { method: 'POST' }); await loadMembers(); }
  catch (e) { showError(e); }
}

// --- the conflict ledger -------------------------------------------------------------------

/** Both values named by side when the entry says which side the change came from. */
function conflictValues(c) {
  const { incoming, target } = c.conflict;
  if (!c.direction) return `${valueText(incoming)} / ${valueText(target)}`;
  const [sf, jing] = c.direction === 'sf_to_jing' ? [incoming, target] : [target, incoming];
  return `Salesforce: ${valueText(sf)} · JING: ${valueText(jing)}`;
}

function conflictAction(c) {
  if (c.settled) return el('span', { class: 'muted settled', text: t('settled', sideName(c.settled.keep), c.settled.by, fmtTime(c.settled.at)) });
  const keep = (side, cls, label) => el('button', { type: 'button', class: `secondary ${cls}`, onclick: () => settle(c, side), text: t(label) });
  return el('div', { class: 'actions' }, keep('salesforce', 'keep-sf', 'keep_sf'), keep('jing', 'keep-jing', 'keep_jing'));
}

function conflictRecord(c) {
  const cell = el('td', {}, linkTo(c.url, `${objLabel(c.object)} ${c.record_key}`, t('sf_link'), 'sf-link'));
  if (c.jing_url) cell.append(' ', linkTo(c.jing_url, 'JING ↗', t('jing_link'), 'jing-link'));
  return cell;
}

async function loadConflicts() {
  const page = await api(app('/conflicts?limit=20'));
  $('conflicts').replaceChildren(...(page.items.length ? page.items.map((c) => el('tr', { 'data-key': c.record_key, 'data-field': c.field },
    conflictRecord(c), el('td', { text: c.field }), el('td', { text: conflictValues(c) }),
    el('td', { text: sideName(c.conflict.winner) }), el('td', { text: fmtTime(c.at) }), el('td', {}, conflictAction(c)))) :
    [el('tr', {}, el('td', { colspan: '6', class: 'muted', text: t('none') }))]));
}

async function settle(c, keep) {
  try {
    await api(app('/conflicts/settle'), { method: 'POST', body: { object: c.object, record_key: c.record_key, field: c.field, keep, by: 'status page' } });
    showInfo(t('settle_ok'));
    await loadConflicts();
  } catch (e) { showError(e); }
}

function wireMembers() {
  const reload = () => { state.members.offset = 0; loadMembers().catch(showError); };
  $('members-status').addEventListener('change', reload);
  $('members-search').addEventListener('input', debounce(reload, 250));
  $('employees-search').addEventListener('input', debounce(() => loadMembers().catch(showError), 250));
  $('members-prev').addEventListener('click', () => { state.members.offset = Math.max(0, state.members.offset - PAGE); loadMembers().catch(showError); });
  $('members-next').addEventListener('click', () => { state.members.offset += PAGE; loadMembers().catch(showError); });
  $('app-picker').addEventListener('change', () => { state.members.offset = 0; });
  applyLang();
}

wireMembers();
