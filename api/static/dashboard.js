// The Tech Ops dashboard: KPI cards per station, region or company (value, YoY, signal state, limits,
// chart) and the active signals; a signal opens an investigation thread already asking about it.

import { api } from './api.js';
import { renderFigure } from './charts.js';
import { clear, fmtNumber, h, toast } from './dom.js';
import { startInvestigation } from './chat.js';

const $ = (sel) => document.querySelector(sel);
const dash = { catalog: null, grain: 'daily', level: 'station', scope: null, loading: null };

function fmtValue(v, kpi) {
  if (v == null) return '—';
  const s = fmtNumber(v, kpi.decimals ?? 2);
  return kpi.unit === '%' ? `${s}%` : kpi.unit ? `${s} ${kpi.unit}` : s;
}

function verb(kpi, side) {
  if (side === 'below') return kpi.higher_is_better ? 'drop' : 'fall';
  if (side === 'above') return kpi.higher_is_better ? 'rise' : 'rise';
  return 'change';
}

export async function initDashboard() {
  const form = $('#dash-controls');
  form.addEventListener('change', () => {
    const f = form.elements;
    dash.grain = f.grain.value;
    const levelChanged = dash.level !== f.level.value;
    dash.level = f.level.value;
    if (levelChanged) fillScopes();
    dash.scope = dash.level === 'company' ? null : f.scope.value;
    load();
  });
  form.addEventListener('submit', (e) => e.preventDefault());
}

function fillScopes() {
  const sel = $('#dash-controls').elements.scope;
  clear(sel);
  const c = dash.catalog;
  if (dash.level === 'station') for (const s of c.stations) sel.append(h('option', { value: s.code }, `${s.code} — ${s.name}`));
  else if (dash.level === 'region') for (const r of c.regions) sel.append(h('option', { value: r.code }, `${r.code} — ${r.name}`));
  sel.disabled = dash.level === 'company';
  sel.closest('label').hidden = dash.level === 'company';
  dash.scope = dash.level === 'company' ? null : sel.value;
}

export async function showDashboard() {
  if (!dash.catalog) {
    try {
      dash.catalog = await api('/api/techops/kpis');
    } catch (err) {
      clear($('#dash-cards')).append(h('p', { class: 'error' }, `Could not load the KPI catalogue: ${err.message}`));
      return;
    }
    fillScopes();
  }
  return load();
}

async function load() {
  const q = new URLSearchParams({ summary_level: dash.level });
  if (dash.scope) q.set('station', dash.scope);
  const cards = $('#dash-cards');
  const sig = $('#dash-signals');
  cards.setAttribute('aria-busy', 'true');
  const key = `${dash.grain}?${q}`;
  dash.loading = key;
  try {
    const [board, signals] = await Promise.all([
      api(`/api/techops/dashboard/${dash.grain}?${q}`),
      api(`/api/techops/signals/active?${q}&grain=${dash.grain}`),
    ]);
    if (dash.loading !== key) return;
    renderSignals(sig, signals, board);
    renderCards(cards, board);
  } catch (err) {
    clear(cards).append(h('p', { class: 'error' }, `Could not load the dashboard: ${err.message}`));
  } finally {
    cards.removeAttribute('aria-busy');
  }
}

function renderSignals(el, data, board) {
  clear(el);
  const kpis = new Map(board.cards.map((c) => [c.kpi.code, c.kpi]));
  el.append(h('h3', null, `Active signals — ${data.scope.label}`));
  if (!data.signals.length) { el.append(h('p', { class: 'muted' }, 'No KPI is in a warning or critical state.')); return; }
  el.append(h('ul', { class: 'signal-list' }, data.signals.map((s) => {
    const kpi = kpis.get(s.kpi) || { code: s.kpi, name: s.kpi_name, decimals: 2 };
    return h('li', null, h('button', {
      type: 'button', class: `signal state-${s.state}`, dataset: { kpi: s.kpi },
      title: 'Open an investigation thread about this signal',
      onclick: () => investigate(kpi, data.scope, s),
    }, h('span', { class: `badge state-${s.state}` }, s.state), ' ', h('strong', null, s.kpi_name), ` ${s.rule?.replace(/_/g, ' ') || ''} (${s.side}) on ${s.date}: ${fmtValue(s.value, kpi)}`, h('span', { class: 'go' }, ' Investigate →')));
  })));
}

function renderCards(el, board) {
  clear(el);
  for (const c of board.cards) {
    const k = c.kpi;
    const bad = c.yoy_delta == null ? null : (k.higher_is_better ? c.yoy_delta < 0 : c.yoy_delta > 0);
    const signal = c.state === 'warning' || c.state === 'critical';
    const chartEl = h('div', { class: 'chart mini', role: 'img', 'aria-label': `${k.name} XmR chart` });
    const card = h('article', { class: `card kpi-card state-${c.state}`, dataset: { kpi: k.code, state: c.state } },
      h('header', null, h('h3', null, k.name), h('code', { class: 'muted' }, k.code)),
      h('div', { class: 'kpi-main' },
        h('span', { class: 'kpi-value' }, fmtValue(c.value, k)),
        signal
          ? h('button', { type: 'button', class: `badge state-${c.state} signal-badge`, title: 'Investigate this signal', onclick: () => investigate(k, board.scope, { state: c.state, rule: c.rule, date: c.latest_date, value: c.value, side: sideOf(c) }) }, `${c.state}${c.rule ? ` · ${c.rule.replace(/_/g, ' ')}` : ''}`)
          : h('span', { class: `badge state-${c.state}` }, c.state)),
      h('p', { class: 'kpi-yoy' }, c.yoy_value == null ? 'no value a year earlier'
        : [h('span', { class: bad ? 'worse' : 'better' }, `${c.yoy_delta > 0 ? '+' : ''}${fmtNumber(c.yoy_delta, k.decimals ?? 2)}`), ` YoY (was ${fmtValue(c.yoy_value, k)})`]),
      h('p', { class: 'kpi-limits muted' }, `CL ${fmtNumber(c.cl, k.decimals)} · limits ${fmtNumber(c.lcl, k.decimals)}–${fmtNumber(c.ucl, k.decimals)} · ${c.latest_date}`),
      chartEl);
    el.append(card);
    if (c.chart) renderFigure(chartEl, c.chart, { compact: true });
    else chartEl.remove();
  }
}

function sideOf(card) {
  if (card.value == null || card.cl == null) return null;
  return card.value < card.cl ? 'below' : 'above';
}

async function investigate(kpi, scope, s) {
  const where = scope.summary_level === 'company' ? 'company-wide' : `at ${scope.code}`;
  const question = `Why did ${kpi.name} ${where} ${verb(kpi, s.side)}? ${s.state[0].toUpperCase()}${s.state.slice(1)} signal (${s.rule || 'signal'}${s.side ? `, ${s.side}` : ''}) on ${s.date}.`;
  try {
    await startInvestigation({
      title: `${kpi.name} ${where}: ${s.state} signal on ${s.date}`, question, kpi: kpi.code,
      station: scope.summary_level === 'company' ? null : scope.code, summaryLevel: scope.summary_level,
    });
  } catch (err) {
    toast(`Could not open the investigation: ${err.message}`, 'error');
  }
}
