// The chat view: threads, turns (question, streamed answer, charts, hypotheses) and the live timeline.

import { api, ApiError, followRun } from './api.js';
import { renderFigure } from './charts.js';
import { append, clear, copyText, fmtMs, fmtTime, h, toast } from './dom.js';
import { chip, fetchEvidence, knownEvidence, noteEvidence, noteFigure } from './evidence.js';
import { renderMarkdown } from './markdown.js';

const $ = (sel) => document.querySelector(sel);

const chat = {
  threadId: null,
  thread: null,
  investigation: null,
  loadController: null, // aborts the replay/follow of the thread on screen when another is opened
  running: 0,
  turns: [],
};

// ------------------------------------------------------------------ timeline clock

setInterval(() => {
  const now = performance.now();
  for (const el of document.querySelectorAll('.tl-item.running > .tl-row .dur[data-t0]')) {
    el.textContent = fmtMs(now - Number(el.dataset.t0));
  }
}, 100);

// ------------------------------------------------------------------ a turn

const AGENT_LABELS = {
  coordinator: 'Coordinator', kpi_analyst: 'KPI analyst', change_correlator: 'Change correlator',
  ticket_triager: 'Ticket triager', report_writer: 'Report writer', composer: 'Composer',
};
// The specialist registry's titles (a new specialist gets its label without a panel change).
fetch('/static/agents.json').then((r) => (r.ok ? r.json() : null))
  .then((j) => { if (j && j.titles) Object.assign(AGENT_LABELS, j.titles); }).catch(() => {});

class Turn {
  constructor(question, { live = false } = {}) {
    this.live = live;
    this.text = '';       // the answer as shown (tokens, then the final message)
    this.streamed = '';   // the tokens exactly as received, in order (each seq once)
    this.final = null;
    this.evidenceIds = [];
    this.evidence = new Map();
    this.hypothesisIds = [];
    this.steps = new Map();
    this.tools = new Map();
    this.runId = null;
    this.status = 'queued';
    this.renderPending = false;
    this.seqs = [];       // every event seq handled, in order (each once: the stream dedupes by seq)

    this.md = h('div', { class: 'md answer-body' });
    this.stateEl = h('p', { class: 'run-state', role: 'status' });
    this.charts = h('div', { class: 'charts' });
    this.extra = h('div', { class: 'answer-extra' });
    this.copyBtn = h('button', {
      type: 'button', class: 'secondary small copy-md', disabled: true, title: 'Copy the answer as markdown',
      onclick: async () => toast((await copyText(this.final ?? this.text)) ? 'Answer copied as markdown' : 'Copy failed'),
    }, 'Copy markdown');
    this.meta = h('span', { class: 'muted run-meta' });
    this.timelineList = h('ol', { class: 'tl' });
    this.timelineFoot = h('p', { class: 'tl-foot muted' });
    this.el = h('article', { class: 'turn', dataset: { status: 'queued' } },
      h('div', { class: 'question' }, h('span', { class: 'sr-only' }, 'You asked: '), h('p', null, question)),
      h('div', { class: 'turn-grid' },
        h('section', { class: 'answer', 'aria-label': 'Answer', 'aria-busy': 'true' }, this.stateEl, this.md, this.charts, this.extra,
          h('div', { class: 'answer-actions' }, this.copyBtn, this.meta)),
        h('aside', { class: 'timeline', 'aria-label': 'Agents and tools' },
          h('h3', { class: 'tl-title' }, 'Steps'), this.timelineList, this.timelineFoot)));
    this.el.__og = this; // for tests and debugging: the streamed text, seqs, reconnects
    this.setState('connecting');
  }

  setState(state, info = {}) {
    this.connection = state;
    this.reconnects = info.reconnects ?? this.reconnects ?? 0;
    this.el.dataset.connection = state;
    this.el.dataset.reconnects = String(this.reconnects);
    if (this.status === 'completed' || this.status === 'failed') return;
    const text = {
      connecting: this.runId ? 'Connecting…' : 'Sending…',
      live: this.steps.size ? 'Working…' : 'Starting…',
      reconnecting: 'Connection lost — reconnecting, the answer will resume where it stopped…',
      done: '',
    }[state] ?? '';
    this.stateEl.textContent = text;
    this.stateEl.dataset.state = state;
    this.stateEl.hidden = !text;
  }

  handle(ev) {
    const d = ev.data || {};
    if (ev.id !== null) this.seqs.push(ev.id);
    this.lastSeq = ev.id ?? this.lastSeq;
    this.el.dataset.seq = String(this.lastSeq);
    switch (ev.event) {
      case 'run.started':
        this.runId = d.run_id;
        this.el.dataset.runId = d.run_id;
        this.setStatus('running');
        break;
      case 'agent.started': this.agentStarted(d); break;
      case 'agent.completed': this.agentCompleted(d); break;
      case 'tool.started': this.toolStarted(d); break;
      case 'tool.completed': this.toolCompleted(d); break;
      case 'evidence':
        noteEvidence(d);
        this.evidence.set(String(d.id), d);
        if (d.kind === 'hypotheses') this.hypothesisIds.push(d.id);
        break;
      case 'token':
        this.streamed += d.text ?? '';
        this.text += d.text ?? '';
        this.scheduleRender();
        break;
      case 'chart': this.addChart(d); break;
      case 'message':
        this.final = d.content ?? '';
        this.text = this.final;
        this.evidenceIds = d.evidence_ids || [];
        this.scheduleRender();
        break;
      case 'run.completed':
        this.setStatus('completed');
        if (this.final === null) this.final = this.text;
        this.renderNow();
        this.finish(d);
        break;
      case 'run.failed':
        this.setStatus('failed');
        this.renderNow();
        this.stateEl.hidden = false;
        this.stateEl.dataset.state = 'failed';
        this.stateEl.textContent = `The run failed: ${d.error || 'unknown error'}`;
        this.timelineFoot.textContent = 'failed';
        break;
      default: break;
    }
    if (['agent.started', 'tool.started'].includes(ev.event) && this.connection === 'live') this.setState('live', { reconnects: this.reconnects });
  }

  setStatus(status) {
    this.status = status;
    this.el.dataset.status = status;
    if (status === 'completed' || status === 'failed') {
      this.el.querySelector('.answer').setAttribute('aria-busy', 'false'); // read it out once, complete
      this.stateEl.hidden = true;
      for (const item of this.el.querySelectorAll('.tl-item.running')) item.classList.replace('running', 'unfinished');
    }
  }

  scheduleRender() {
    if (this.renderPending) return;
    this.renderPending = true;
    requestAnimationFrame(() => { this.renderPending = false; this.renderNow(); });
  }

  renderNow() {
    clear(this.md).append(renderMarkdown(this.text, { chip, headingOffset: 1 }));
    if (this.status === 'running' && this.text) this.md.append(h('span', { class: 'cursor', 'aria-hidden': 'true' }));
    this.copyBtn.disabled = !this.text;
    if (this.text && this.stateEl.dataset.state !== 'reconnecting') this.stateEl.hidden = true;
  }

  // -- timeline

  agentStarted(d) {
    const dur = h('span', { class: 'dur', dataset: { t0: performance.now() } });
    const tools = h('ol', { class: 'tl-tools' });
    const summary = h('p', { class: 'tl-summary' });
    const item = h('li', { class: 'tl-item agent running', dataset: { stepId: d.step_id, agent: d.agent } },
      h('div', { class: 'tl-row' }, h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
        h('span', { class: 'tl-name' }, AGENT_LABELS[d.agent] || d.agent), dur),
      summary, tools);
    if (d.input && Object.keys(d.input).length) item.insertBefore(details('input', d.input), tools);
    this.steps.set(String(d.step_id), { item, dur, tools, summary });
    this.timelineList.append(item);
  }

  agentCompleted(d) {
    const s = this.steps.get(String(d.step_id));
    if (!s) return;
    s.item.classList.remove('running');
    s.item.classList.add(d.status === 'completed' ? 'done' : 'error');
    delete s.dur.dataset.t0;
    s.dur.textContent = fmtMs(d.latency_ms);
    s.dur.title = `${d.latency_ms} ms`;
    if (d.summary) s.summary.textContent = String(d.summary).split('\n')[0].replace(/\*\*/g, '').slice(0, 240);
  }

  toolStarted(d) {
    const step = this.steps.get(String(d.step_id));
    const dur = h('span', { class: 'dur', dataset: { t0: performance.now() } });
    const summary = h('p', { class: 'tl-summary' });
    const chips = h('span', { class: 'tl-chips' });
    const item = h('li', { class: 'tl-item tool running', dataset: { toolCallId: d.tool_call_id, tool: d.tool } },
      h('div', { class: 'tl-row' }, h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
        h('code', { class: 'tl-name' }, d.tool), dur),
      summary, chips);
    if (d.arguments && Object.keys(d.arguments).length) item.append(details('arguments', d.arguments));
    this.tools.set(String(d.tool_call_id), { item, dur, summary, chips });
    (step ? step.tools : this.timelineList).append(item);
  }

  toolCompleted(d) {
    const t = this.tools.get(String(d.tool_call_id));
    if (!t) return;
    t.item.classList.remove('running');
    t.item.classList.add(d.status === 'completed' ? 'done' : 'error');
    delete t.dur.dataset.t0;
    t.dur.textContent = fmtMs(d.latency_ms);
    t.dur.title = `${d.latency_ms} ms`;
    if (d.summary) t.summary.textContent = String(d.summary).slice(0, 240);
    clear(t.chips).append(...(d.evidence_ids || []).map((id) => chip(id)));
  }

  addChart(d) {
    if (d.evidence_id != null) noteFigure(d.evidence_id, d);
    const el = h('div', { class: 'chart', role: 'img', 'aria-label': d.title || 'chart' });
    this.charts.append(h('figure', { class: 'chart-figure' }, el,
      h('figcaption', null, 'XmR chart', d.evidence_id != null ? [' · data ', chip(d.evidence_id)] : null)));
    renderFigure(el, d.figure);
  }

  finish(d) {
    this.timelineFoot.textContent = [
      d.elapsed_ms != null ? `total ${fmtMs(d.elapsed_ms)}` : null,
      `${(d.evidence_ids || this.evidenceIds).length} evidence`,
      d.prompt_tokens || d.completion_tokens ? `${(d.prompt_tokens || 0) + (d.completion_tokens || 0)} tokens` : null,
      d.cost_usd ? `$${Number(d.cost_usd).toFixed(4)}` : null,
    ].filter(Boolean).join(' · ');
    this.meta.textContent = this.runId ? `run ${this.runId.slice(0, 8)}` : '';
    for (const id of this.hypothesisIds) this.showHypotheses(id);
  }

  // -- hypotheses and feedback

  async showHypotheses(evidenceId) {
    let ev;
    try { ev = await fetchEvidence(evidenceId); } catch { return; }
    const hyps = ev.payload?.hypotheses || [];
    if (!hyps.length) return;
    const incident = ev.ref?.args?.incident || null;
    const card = h('section', { class: 'card hypotheses', dataset: { evidenceId, incident } },
      h('h3', null, incident ? `Hypotheses for ${incident}` : 'Ranked hypotheses', ' ', chip(evidenceId)));
    const list = h('ol', { class: 'hyp-list' });
    const log = h('ul', { class: 'feedback-log', 'aria-label': 'Feedback events' });
    card.append(list);
    const rows = new Map();
    for (const hyp of hyps) {
      const verdict = h('span', { class: 'verdict' });
      const actions = h('span', { class: 'hyp-actions' });
      const li = h('li', { class: 'hyp', dataset: { subject: hyp.subject } },
        h('div', { class: 'hyp-head' }, h('strong', null, hyp.subject), ' ',
          h('span', { class: 'muted' }, `${hyp.type?.replace(/_/g, ' ') || ''} on ${hyp.service || '?'} · confidence ${Number(hyp.confidence).toFixed(2)}`),
          ' ', verdict),
        h('p', { class: 'hyp-why' }, hyp.rationale || ''), actions);
      rows.set(String(hyp.subject).toUpperCase(), { li, verdict, actions });
      list.append(li);
    }
    if (incident) {
      for (const hyp of hyps) {
        const { actions } = rows.get(String(hyp.subject).toUpperCase());
        actions.append(
          h('button', { type: 'button', class: 'small confirm', onclick: () => send({ kind: 'confirm', hypothesis: hyp.subject }) }, 'Confirm'),
          h('button', { type: 'button', class: 'small secondary reject', onclick: () => send({ kind: 'reject', hypothesis: hyp.subject }) }, 'Reject'));
      }
      const noteInput = h('input', { type: 'text', name: 'note', placeholder: `Add a note to ${incident}…`, 'aria-label': `Note on ${incident}`, maxlength: 5000 });
      const form = h('form', {
        class: 'note-form', onsubmit: (e) => {
          e.preventDefault();
          const body = noteInput.value.trim();
          if (body) send({ kind: 'note', body }).then((ok) => { if (ok) noteInput.value = ''; });
        },
      }, noteInput, h('button', { type: 'submit', class: 'small secondary' }, 'Add note'));
      card.append(form, h('h4', null, 'Feedback'), log);
      const addLog = (f) => {
        log.querySelector('.empty')?.remove();
        const label = { confirm: 'Confirmed', reject: 'Rejected', note: 'Note', rating: 'Rating' }[f.kind] || f.kind;
        log.append(h('li', { class: `feedback kind-${f.kind}`, dataset: { feedbackId: f.id } },
          h('span', { class: 'badge' }, label), ' ',
          f.target_type === 'hypothesis' ? h('strong', null, f.target_id) : null,
          f.body ? [' ', h('q', null, f.body)] : null,
          h('span', { class: 'muted' }, ` — ${f.actor || 'someone'}, ${fmtTime(f.created_at)} (feedback event #${f.id})`)));
      };
      const applyVerdicts = (hypotheses) => {
        for (const hy of hypotheses || []) {
          const row = rows.get(String(hy.subject).toUpperCase());
          if (!row) continue;
          const v = hy.feedback?.verdict;
          row.verdict.textContent = v ? `${v} (${hy.feedback.confirmed}✓ ${hy.feedback.rejected}✗)` : '';
          row.verdict.className = `verdict ${v || ''}`;
          row.li.dataset.verdict = v || '';
        }
      };
      const refresh = async () => {
        try {
          const inc = await api(`/api/incidents/${encodeURIComponent(incident)}`);
          clear(log);
          if (!inc.feedback.length) log.append(h('li', { class: 'empty muted' }, 'No feedback yet.'));
          inc.feedback.forEach(addLog);
          applyVerdicts(inc.hypotheses);
        } catch { /* the card still works without the history */ }
      };
      const send = async (body) => {
        try {
          const f = await api(`/api/incidents/${encodeURIComponent(incident)}/feedback`, { method: 'POST', body });
          toast(`Feedback stored: ${f.kind}${f.target_type === 'hypothesis' ? ` ${f.target_id}` : ''}`);
          await refresh();
          return true;
        } catch (err) {
          toast(`Feedback not stored: ${err.message}`, 'error');
          return false;
        }
      };
      refresh();
    } else if (chat.investigation && chat.investigation.status === 'open') {
      for (const hyp of hyps) {
        rows.get(String(hyp.subject).toUpperCase()).actions.append(h('button', {
          type: 'button', class: 'small secondary use-root-cause',
          onclick: () => openFinalize({ rootCause: `${hyp.subject} on ${hyp.service}: ${hyp.rationale}`, evidenceIds: [evidenceId] }),
        }, 'Use as root cause'));
      }
    }
    else {
      card.append(h('p', { class: 'muted small-print' }, 'Confirm/reject feedback is recorded per incident. For a KPI, open an investigation from the dashboard signal to record the root cause.'));
    }
    this.extra.append(card);
  }
}

function details(label, obj) {
  return h('details', { class: 'tl-details' }, h('summary', null, label),
    h('dl', null, Object.entries(obj).map(([k, v]) => [h('dt', null, k), h('dd', null, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))])));
}

// ------------------------------------------------------------------ threads

export async function refreshThreads() {
  const list = $('#thread-list');
  try {
    const data = await api('/api/threads?limit=100');
    clear(list);
    if (!data.items.length) list.append(h('li', { class: 'muted empty' }, 'No threads yet. Ask something!'));
    for (const t of data.items) {
      const current = t.id === chat.threadId;
      list.append(h('li', null, h('a', {
        href: `#/t/${t.id}`, class: ['thread-link', current && 'current'], 'aria-current': current ? 'page' : null,
        dataset: { threadId: t.id },
      }, h('span', { class: 'thread-title' }, t.title || 'Untitled'),
      h('span', { class: 'thread-meta muted' }, `${t.runs} turn${t.runs === 1 ? '' : 's'} · ${t.last_status || '—'} · ${fmtTime(t.updated_at)}`))));
    }
  } catch (err) {
    clear(list).append(h('li', { class: 'error' }, `Could not load threads: ${err.message}`));
  }
}

function markCurrentThread() {
  for (const a of document.querySelectorAll('#thread-list .thread-link')) {
    const cur = a.dataset.threadId === chat.threadId;
    a.classList.toggle('current', cur);
    if (cur) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

function resetConversation() {
  chat.loadController?.abort();
  chat.loadController = new AbortController();
  chat.turns = [];
  chat.thread = null;
  chat.investigation = null;
  clear($('#conversation'));
  clear($('#thread-head'));
  setBusy(false);
}

// Example questions from the organisation's own catalogue (its KPIs and stations), never a fixed vocabulary.
let examplesCache = null;
async function exampleQuestions() {
  if (examplesCache) return examplesCache;
  const out = [];
  try {
    const c = await api('/api/techops/kpis');
    const kpi = c.kpis?.[0]?.name;
    const station = c.stations?.[0]?.name || c.stations?.[0]?.code;
    if (kpi && station) out.push(`why did ${kpi} at ${station} change last week?`);
    if (kpi && c.stations?.length > 1) out.push(`which station is worst on ${kpi} this month?`);
    if (kpi) out.push('what needs my attention today?');
  } catch (err) { /* the generic examples below still help */ }
  out.push('which tickets are at risk of breaching SLA?', 'what changed before the latest incident?');
  examplesCache = out.slice(0, 3);
  return examplesCache;
}

export function newThread() {
  resetConversation();
  chat.threadId = null;
  const hint = h('p', { class: 'muted' }, 'Ask about a KPI, an incident, a change or a ticket.');
  $('#thread-head').append(h('h2', null, 'New thread'), hint);
  exampleQuestions().then((qs) => {
    if (chat.threadId !== null || !hint.isConnected) return;
    hint.append(' For example: ', ...qs.flatMap((q, i) => [i ? ', ' : '',
      h('button', { type: 'button', class: 'link example', onclick: () => { setComposer(q); } }, `“${q}”`)]));
  });
  markCurrentThread();
  focusComposer();
}

export async function openThread(id, { force = false } = {}) {
  if (id === chat.threadId && !force) return chat.thread;
  resetConversation();
  chat.threadId = id;
  markCurrentThread();
  const signal = chat.loadController.signal;
  let detail;
  try {
    detail = await api(`/api/threads/${encodeURIComponent(id)}`, { signal });
  } catch (err) {
    if (signal.aborted) return;
    $('#thread-head').append(h('p', { class: 'error' }, err instanceof ApiError && err.status === 404 ? 'This thread does not exist.' : `Could not load the thread: ${err.message}`));
    return;
  }
  chat.thread = detail;
  renderThreadHead(detail);
  setBusy(true); // no new question until the thread's turns are on screen, in order
  if (detail.investigation_id) await loadInvestigation(detail.investigation_id);
  for (const run of detail.runs) {
    if (signal.aborted) return;
    const turn = addTurn(run.question);
    try {
      await followRun({ runId: run.id, after: 0, signal, onEvent: (ev) => turn.handle(ev), onState: (s, info) => turn.setState(s, info) });
    } catch (err) {
      turn.stateEl.hidden = false;
      turn.stateEl.textContent = `Could not load this turn: ${err.message}`;
      const msg = detail.messages.find((m) => m.run_id === run.id && m.role === 'assistant');
      if (msg) { turn.text = msg.content; turn.renderNow(); }
    }
  }
  if (!signal.aborted) setBusy(false);
  return detail;
}

function renderThreadHead(detail) {
  const head = clear($('#thread-head'));
  head.append(h('h2', { class: 'thread-heading' }, detail.title || 'Thread'));
}

function addTurn(question, opts) {
  const turn = new Turn(question, opts);
  chat.turns.push(turn);
  $('#conversation').append(turn.el);
  return turn;
}

// ------------------------------------------------------------------ asking

function setBusy(busy) {
  chat.running = busy ? 1 : 0;
  const form = $('#composer');
  form.dataset.busy = busy ? 'true' : 'false';
  $('#send').disabled = busy;
}

export function setComposer(text) {
  const ta = $('#message');
  ta.value = text;
  autosize(ta);
  ta.focus();
}

export function focusComposer() { $('#message')?.focus(); }

export async function ask(message, { investigationId = null } = {}) {
  const text = message.trim();
  if (!text || chat.running) return null;
  const body = { message: text };
  const inv = investigationId ?? (chat.investigation?.status === 'open' ? chat.investigation.id : null);
  if (inv) body.investigation_id = inv;
  else if (chat.threadId) body.thread_id = chat.threadId;
  const turn = addTurn(text, { live: true });
  turn.el.scrollIntoView({ block: 'start', behavior: 'smooth' });
  setBusy(true);
  const signal = chat.loadController.signal;
  let result = null;
  try {
    result = await followRun({
      signal,
      open: () => fetch('/api/chat', {
        method: 'POST', credentials: 'same-origin', signal,
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' }, body: JSON.stringify(body),
      }),
      onState: (s, info) => turn.setState(s, info),
      onEvent: (ev) => {
        turn.handle(ev);
        if (ev.event === 'run.started' && !chat.threadId) {
          chat.threadId = ev.data.thread_id;
          history.replaceState(null, '', `#/t/${chat.threadId}`);
          chat.thread = { id: chat.threadId, title: text, runs: [], messages: [] };
          renderThreadHead(chat.thread);
          refreshThreads();
        }
      },
    });
  } catch (err) {
    turn.setStatus('failed');
    turn.stateEl.hidden = false;
    turn.stateEl.dataset.state = 'failed';
    turn.stateEl.textContent = `Not sent: ${err.message}`;
  } finally {
    if (!signal.aborted) setBusy(false);
  }
  if (!signal.aborted) refreshThreads();
  return result;
}

function autosize(ta) {
  ta.style.height = 'auto';
  ta.style.height = `${Math.min(ta.scrollHeight, 220)}px`;
}

export function initComposer() {
  const form = $('#composer');
  const ta = $('#message');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = ta.value;
    if (!text.trim() || chat.running) return;
    ta.value = '';
    autosize(ta);
    ask(text);
  });
  ta.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  ta.addEventListener('input', () => autosize(ta));
}

// ------------------------------------------------------------------ investigations

async function loadInvestigation(id) {
  try {
    chat.investigation = await api(`/api/techops/investigations/${id}`);
  } catch (err) {
    $('#thread-head').append(h('p', { class: 'error' }, `Could not load investigation ${id}: ${err.message}`));
    return;
  }
  renderInvestigation();
}

function renderInvestigation() {
  const inv = chat.investigation;
  const head = $('#thread-head');
  head.querySelector('.investigation')?.remove();
  const box = h('section', { class: ['card', 'investigation', inv.status], dataset: { investigationId: inv.id, status: inv.status } },
    h('div', { class: 'inv-row' },
      h('span', { class: `badge ${inv.status}` }, inv.status === 'open' ? 'Investigation open' : 'Investigation finalised'),
      h('span', { class: 'muted' }, ` #${inv.id} · ${[inv.kpi_name || inv.kpi, inv.station || inv.region || inv.summary_level].filter(Boolean).join(' at ')}`),
      inv.status === 'open' ? h('button', { type: 'button', class: 'small finalize-open', onclick: () => openFinalize() }, 'Finalise…') : null));
  if (inv.status === 'finalized') {
    for (const b of document.querySelectorAll('#conversation .use-root-cause')) b.remove();
    append(box, [
      h('h4', null, 'Root cause'), h('p', { class: 'root-cause' }, inv.root_cause || ''),
      inv.actions.length ? [h('h4', null, 'Actions'), h('ul', null, inv.actions.map((a) => h('li', null, a.description, a.owner ? h('span', { class: 'muted' }, ` — ${a.owner}`) : null, a.due_date ? h('span', { class: 'muted' }, ` (due ${a.due_date})`) : null)))] : null,
      inv.notes.length ? [h('h4', null, 'Notes'), inv.notes.map((n) => h('p', { class: 'note' }, n.body))] : null,
      inv.evidence.length ? [h('h4', null, 'Evidence'), h('p', null, inv.evidence.map((e) => [chip(e.id), ' ']))] : null,
      h('p', { class: 'muted' }, `Finalised ${fmtTime(inv.finalized_at)}`)]);
  }
  for (const r of inv.reports || []) {
    box.append(h('details', { class: 'report', dataset: { reportId: r.id } },
      h('summary', null, `Report: ${r.title}`),
      h('div', { class: 'md' }, renderMarkdown(r.markdown, { chip, headingOffset: 2 })),
      h('button', {
        type: 'button', class: 'secondary small copy-md',
        onclick: async () => toast((await copyText(r.markdown)) ? 'Report copied as markdown' : 'Copy failed'),
      }, 'Copy report as markdown')));
  }
  head.append(box);
}

export function openFinalize({ rootCause = '', evidenceIds = [] } = {}) {
  const inv = chat.investigation;
  if (!inv || inv.status !== 'open') return;
  const dlg = $('#finalize-dialog');
  const form = dlg.querySelector('form');
  form.reset();
  if (rootCause) form.elements.root_cause.value = rootCause;
  const list = clear(dlg.querySelector('.evidence-picks'));
  const cited = new Set(evidenceIds.map(String));
  for (const turn of chat.turns) for (const id of turn.evidenceIds) cited.add(String(id));
  const all = new Map();
  for (const turn of chat.turns) for (const [id, ev] of turn.evidence) all.set(id, ev);
  if (!all.size) list.append(h('p', { class: 'muted' }, 'No evidence in this thread yet.'));
  for (const [id, ev] of all) {
    list.append(h('label', { class: 'pick' }, h('input', { type: 'checkbox', name: 'evidence', value: id, checked: cited.has(id) }),
      ' ', h('strong', null, `E:${id}`), ' ', h('span', { class: 'muted' }, `${ev.kind}: ${(ev.summary || knownEvidence(id)?.summary || '').slice(0, 140)}`)));
  }
  dlg.querySelector('.form-error').textContent = '';
  dlg.showModal();
  form.elements.root_cause.focus();
}

export function initFinalize() {
  const dlg = $('#finalize-dialog');
  const form = dlg.querySelector('form');
  dlg.querySelector('.cancel').addEventListener('click', () => dlg.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const inv = chat.investigation;
    const f = form.elements;
    const body = {
      root_cause: f.root_cause.value.trim(),
      actions: f.actions.value.split('\n').map((s) => s.trim()).filter(Boolean),
      notes: f.notes.value.trim() || null,
      evidence_ids: [...form.querySelectorAll('input[name=evidence]:checked')].map((x) => Number(x.value)),
    };
    if (!body.root_cause) { dlg.querySelector('.form-error').textContent = 'Give the root cause.'; return; }
    try {
      chat.investigation = await api(`/api/techops/investigations/${inv.id}/finalize`, { method: 'POST', body });
      dlg.close();
      renderInvestigation();
      toast(`Investigation #${inv.id} finalised`);
    } catch (err) {
      dlg.querySelector('.form-error').textContent = err.message;
    }
  });
}

/** Open an investigation about a dashboard signal and ask its question in the new thread. */
export async function startInvestigation({ title, question, kpi, station, summaryLevel }) {
  const inv = await api('/api/techops/investigations', {
    method: 'POST', body: { title, question, kpi, station: summaryLevel === 'company' ? null : station, summary_level: summaryLevel },
  });
  location.hash = `#/t/${inv.thread_id}`;
  await openThread(inv.thread_id);
  refreshThreads();
  return ask(question, { investigationId: inv.id });
}

export const chatState = chat;
