// Status page: the last dry run of an initialization (counts per object and direction, the
// Salesforce calls it would cost, when it ran) and a button to run one. Loaded after app.js,
// whose helpers it uses; app.js calls loadDryRun() on every refresh.
'use strict';

Object.assign(I18N.zh, {
  dry_run: '试运行（初始化将做什么，不写入任何数据）', dry_run_go: '运行试运行', dry_running: '试运行中…',
  dry_never: '尚未运行试运行', dry_ran: (at, ms) => `运行于 ${at}，用时 ${ms} 毫秒`,
  dry_sample: (s) => `未读完（时间预算 ${s} 秒）：标 * 的行只是前面部分记录的样本`,
  dry_read: '读取', dry_create: '新建', dry_bind: '绑定已有', dry_update: '更新', dry_unchanged: '无变化',
  dry_out: '不在范围内', dry_errors: '预检错误',
  dry_calls: (side, reads, writes, c, u) => `${side}：本次试运行读取 ${reads} 次；真正运行约需写入请求 ${writes} 次（新建 ${c}、更新 ${u}）`,
  dry_done: '试运行完成，未写入任何数据',
});
Object.assign(I18N.en, {
  dry_run: 'Dry run (what an initialization would do, writing nothing)', dry_run_go: 'Run a dry run', dry_running: 'Dry run running…',
  dry_never: 'No dry run yet', dry_ran: (at, ms) => `Ran at ${at} in ${ms} ms`,
  dry_sample: (s) => `Not read to the end (time budget ${s} s): rows marked * are a sample of their first records`,
  dry_read: 'Read', dry_create: 'Create', dry_bind: 'Bind', dry_update: 'Update', dry_unchanged: 'Unchanged',
  dry_out: 'Out of scope', dry_errors: 'Pre-flight errors',
  dry_calls: (side, reads, writes, c, u) => `${side}: ${reads} reads for this dry run; the real run would make ~${writes} write requests (${c} creates, ${u} updates)`,
  dry_done: 'Dry run done; nothing was written',
});

function dryRead(o) {
  const total = o.source_total == null ? '' : ` / ${o.source_total}`;
  return `${o.read}${total}${o.complete ? '' : ' *'}`;
}

function dryErrors(o) {
  return Object.entries(o.errors || {}).map(([code, g]) => `${code} ${g.count}`).join(', ') || '0';
}

function renderDryRun(last) {
  const box = $('dry-run-report');
  if (!last) { box.replaceChildren(el('p', { class: 'muted', text: t('dry_never') })); return; }
  const head = el('tr', {}, ...['object', 'direction', 'dry_read', 'dry_create', 'dry_bind', 'dry_update', 'dry_unchanged', 'dry_out', 'dry_errors']
    .map((k) => el('th', { text: t(k) })));
  const rows = last.objects.map((o) => el('tr', { 'data-object': o.object, 'data-direction': o.direction },
    el('td', { text: objLabel(o.object) }), el('td', { text: t(o.direction) }), el('td', { text: dryRead(o) }),
    ...[o.would_create, o.would_bind, o.would_update, o.unchanged, o.out_of_scope].map((n) => el('td', { class: 'num', text: String(n) })),
    el('td', { text: dryErrors(o) })));
  const calls = [['Salesforce', last.salesforce], ['JING', last.jing]].map(([side, c]) =>
    el('p', { class: 'muted', text: t('dry_calls', side, c.reads, c.estimated_writes, c.would_create, c.would_update) }));
  box.replaceChildren(
    el('p', { id: 'dry-run-when', text: t('dry_ran', fmtTime(last.ran_at), last.elapsed_ms) }),
    ...(last.complete ? [] : [el('p', { id: 'dry-run-sample', class: 'paused-item', text: t('dry_sample', last.max_seconds) })]),
    el('table', { class: 'list' }, el('thead', {}, head), el('tbody', {}, ...rows)),
    ...calls);
}

async function loadDryRun() {
  const { last } = await api(app('/dry-run'));
  renderDryRun(last);
}

async function runDryRun() {
  const button = $('dry-run-go');
  button.disabled = true;
  button.textContent = t('dry_running');
  try {
    renderDryRun(await api(app('/dry-run'), { method: 'POST', body: { kind: 'init' } }));
    showInfo(t('dry_done'));
  } catch (e) { showError(e); }
  button.disabled = false;
  button.textContent = t('dry_run_go');
}

$('dry-run-go').addEventListener('click', runDryRun);
applyLang();
