// The evidence drawer: what an [E:<id>] is, how to reproduce it, and its data as tables.

import { api } from './api.js';
import { renderFigure } from './charts.js';
import { clear, copyText, h, toast } from './dom.js';

const cache = new Map(); // id -> Promise<evidence>
const known = new Map(); // id -> {kind, summary} from the stream (chip titles)
const figures = new Map(); // evidence id -> chart figure seen in a run

export function noteEvidence(ev) { if (ev?.id != null) known.set(String(ev.id), ev); }
export function noteFigure(evidenceId, chart) { if (evidenceId != null) figures.set(String(evidenceId), chart); }
export function knownEvidence(id) { return known.get(String(id)); }

export function fetchEvidence(id) {
  const key = String(id);
  if (!cache.has(key)) {
    const p = api(`/api/evidence/${encodeURIComponent(key)}`);
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return cache.get(key);
}

/** A citation chip: a button that opens the drawer. */
export function chip(id) {
  const info = known.get(String(id));
  return h('button', {
    type: 'button', class: 'chip', dataset: { evidenceId: id },
    title: info?.summary ? `${info.kind}: ${info.summary}` : `Evidence ${id}`,
    'aria-label': `Evidence ${id}${info?.summary ? `: ${info.summary}` : ''}`,
    onclick: (e) => { e.preventDefault(); openEvidence(id, e.currentTarget); },
  }, `E:${id}`);
}

let returnFocus = null;

export async function openEvidence(id, opener) {
  const dlg = document.getElementById('evidence-drawer');
  const body = dlg.querySelector('.drawer-body');
  const title = dlg.querySelector('.drawer-title');
  returnFocus = opener || document.activeElement;
  title.textContent = `Evidence E:${id}`;
  clear(body).append(h('p', { class: 'muted' }, 'Loading…'));
  dlg.dataset.evidenceId = String(id);
  if (!dlg.open) dlg.showModal();
  try {
    const ev = await fetchEvidence(id);
    if (dlg.dataset.evidenceId !== String(id)) return;
    clear(body).append(...renderEvidence(ev));
    const figure = figures.get(String(id));
    if (figure) {
      const el = h('div', { class: 'chart' });
      body.querySelector('.evidence-chart-slot')?.append(el);
      renderFigure(el, figure.figure || figure);
    }
  } catch (err) {
    clear(body).append(h('p', { class: 'error' }, `Could not load evidence ${id}: ${err.message}`));
  }
}

export function initDrawer() {
  const dlg = document.getElementById('evidence-drawer');
  dlg.querySelector('.drawer-close').addEventListener('click', () => dlg.close());
  dlg.addEventListener('click', (e) => { if (e.target === dlg) dlg.close(); }); // click on the backdrop
  dlg.addEventListener('close', () => { returnFocus?.focus?.(); returnFocus = null; });
}

function renderEvidence(ev) {
  const ref = ev.ref || {};
  const out = [];
  out.push(h('p', { class: 'evidence-meta' },
    h('span', { class: 'badge' }, ev.kind), ' ', h('code', null, ev.source || ''),
    ev.created_at ? h('span', { class: 'muted' }, ` · ${new Date(ev.created_at).toLocaleString()}`) : null));
  out.push(h('section', { class: 'evidence-summary' }, h('h3', null, 'Summary'), h('p', null, ev.summary)));
  out.push(h('div', { class: 'evidence-chart-slot' }));

  const repro = h('section', { class: 'evidence-ref' }, h('h3', null, 'Reproduce'));
  if (ref.tool) repro.append(h('p', null, 'Tool ', h('code', null, ref.tool)));
  if (ref.query) repro.append(h('pre', { class: 'query' }, h('code', null, String(ref.query))));
  if (ref.args && typeof ref.args === 'object') repro.append(kvTable(ref.args, 'Arguments'));
  const other = Object.fromEntries(Object.entries(ref).filter(([k]) => !['tool', 'query', 'args'].includes(k)));
  if (Object.keys(other).length) repro.append(kvTable(other, 'Reference'));
  const refJson = JSON.stringify(ref, null, 2);
  repro.append(h('button', {
    type: 'button', class: 'secondary small',
    onclick: async () => toast((await copyText(refJson)) ? 'Reference copied as JSON' : 'Copy failed', 'info'),
  }, 'Copy reference'));
  out.push(repro);

  const data = h('section', { class: 'evidence-data' }, h('h3', null, 'Data'));
  const tables = payloadTables(ev.payload);
  if (!tables.length) data.append(h('p', { class: 'muted' }, 'No data rows.'));
  data.append(...tables);
  const raw = h('details', null, h('summary', null, 'Raw JSON'), h('pre', null, h('code', null, JSON.stringify(ev.payload, null, 2))));
  data.append(raw);
  out.push(data);
  return out;
}

const isPlainObj = (v) => v && typeof v === 'object' && !Array.isArray(v);

function fmtCell(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function kvTable(obj, caption) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'kv' },
    caption ? h('caption', null, caption) : null,
    h('tbody', null, Object.entries(obj).map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, fmtCell(v)))))));
}

/** One table per list of records in the payload (nested objects flattened one level), plus the scalars. */
export function payloadTables(payload, caption = null, depth = 0) {
  const out = [];
  if (Array.isArray(payload)) {
    if (payload.length && payload.every(isPlainObj)) out.push(recordsTable(payload, caption));
    else if (payload.length) out.push(kvTable(Object.fromEntries(payload.map((v, i) => [i, v])), caption));
    return out;
  }
  if (!isPlainObj(payload)) return payload == null ? out : [kvTable({ value: payload }, caption)];
  const scalars = {};
  const nested = [];
  for (const [k, v] of Object.entries(payload)) {
    if ((Array.isArray(v) && v.length && v.every(isPlainObj)) || (isPlainObj(v) && depth < 4)) nested.push([k, v]);
    else scalars[k] = Array.isArray(v) ? v.map(fmtCell).join(', ') : v;
  }
  if (Object.keys(scalars).length) out.push(kvTable(scalars, caption));
  for (const [k, v] of nested) out.push(...payloadTables(v, caption ? `${caption}.${k}` : k, depth + 1));
  return out;
}

function recordsTable(rows, caption) {
  const cols = [];
  const flat = rows.map((r) => {
    const f = {};
    for (const [k, v] of Object.entries(r)) {
      if (isPlainObj(v)) for (const [k2, v2] of Object.entries(v)) f[`${k}.${k2}`] = v2;
      else f[k] = v;
    }
    for (const k of Object.keys(f)) if (!cols.includes(k)) cols.push(k);
    return f;
  });
  const shown = flat.slice(0, 500);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
    h('caption', null, `${caption || 'rows'} (${rows.length}${rows.length > shown.length ? `, first ${shown.length} shown` : ''})`),
    h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, shown.map((r) => h('tr', null, cols.map((c) => h('td', { class: typeof r[c] === 'number' ? 'num' : null }, fmtCell(r[c]))))))));
}
