// HTTP helpers: JSON calls with readable errors, and resumable run event streams (SSE over fetch).

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

const listeners = { unauthorized: [] };
export function onUnauthorized(fn) { listeners.unauthorized.push(fn); }

async function errorFrom(resp) {
  let body = null;
  let detail = `${resp.status} ${resp.statusText}`;
  try {
    body = await resp.json();
    if (typeof body?.detail === 'string') detail = body.detail;
    else if (Array.isArray(body?.detail)) detail = body.detail.map((d) => d.msg || JSON.stringify(d)).join('; ');
    if (Array.isArray(body?.suggestions) && body.suggestions.length) detail += ` (did you mean ${body.suggestions.join(', ')}?)`;
  } catch { /* not JSON */ }
  if (resp.status === 401) listeners.unauthorized.forEach((fn) => fn(detail));
  return new ApiError(resp.status, detail, body);
}

export async function api(path, { method = 'GET', body, signal, headers } = {}) {
  const init = { method, signal, credentials: 'same-origin', headers: { Accept: 'application/json', ...(headers || {}) } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const resp = await fetch(path, init);
  if (!resp.ok) throw await errorFrom(resp);
  if (resp.status === 204) return null;
  return resp.json();
}

/** Parse a text/event-stream body; yields only complete events ({id, event, data}). */
export async function* sseEvents(resp) {
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      buf = buf.replace(/\r\n?/g, '\n');
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let id = null;
        let event = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (!line || line.startsWith(':')) continue; // comment / keep-alive ping
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let val = colon < 0 ? '' : line.slice(colon + 1);
          if (val.startsWith(' ')) val = val.slice(1);
          if (field === 'id') id = val;
          else if (field === 'event') event = val;
          else if (field === 'data') data.push(val);
        }
        if (!data.length) continue;
        let parsed;
        try { parsed = JSON.parse(data.join('\n')); } catch { parsed = data.join('\n'); }
        yield { id: id === null ? null : Number(id), event, data: parsed };
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

const TERMINAL = new Set(['run.completed', 'run.failed']);
const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); window.removeEventListener('online', done); signal?.removeEventListener('abort', done); resolve(); }
  window.addEventListener('online', done, { once: true }); // back online: retry at once
  signal?.addEventListener('abort', done, { once: true });
});

/**
 * Follow a run's events, resuming after any break from the last sequence number seen.
 *
 * - `open`: optional () => Promise<Response> for the first request (e.g. POST /api/chat);
 *   later requests are GET /api/runs/{id}/events with Last-Event-ID (and ?after=) = last seq.
 * - Events are deduplicated by seq (an id <= the last one is dropped) and checked for gaps
 *   (a gap reconnects from the last seq), so each event is handled exactly once and in order.
 * - `onEvent(ev)` for each event, `onState(state, info)` for 'connecting' | 'live' | 'reconnecting' | 'done'.
 * Resolves with {runId, lastSeq, terminal} when the run has ended (or the signal aborted).
 */
export async function followRun({ open, runId = null, after = 0, follow = true, onEvent, onState = () => {}, signal }) {
  let seq = after;
  let attempt = 0;
  let first = open || null;
  let terminal = null;
  let reconnects = 0;
  while (!signal?.aborted) {
    let resp;
    const opening = Boolean(first);
    try {
      onState(attempt ? 'reconnecting' : 'connecting', { attempt, reconnects });
      if (first) {
        const start = first;
        first = null;
        resp = await start();
      } else {
        if (!runId) throw new ApiError(0, 'the connection was lost before the run started; please ask again');
        const q = new URLSearchParams({ after: String(seq) });
        if (!follow) q.set('follow', 'false');
        resp = await fetch(`/api/runs/${encodeURIComponent(runId)}/events?${q}`, {
          credentials: 'same-origin', signal, headers: { Accept: 'text/event-stream', 'Last-Event-ID': String(seq) },
        });
      }
      if (resp.status === 204) { onState('done', { reconnects }); return { runId, lastSeq: seq, terminal: terminal || 'ended', reconnects }; }
      if (!resp.ok) {
        const err = await errorFrom(resp);
        if (opening) throw err; // the question was refused (422, 429 …): never re-send it
        if (resp.status >= 400 && resp.status < 500 && resp.status !== 429 && resp.status !== 408) throw err;
        throw Object.assign(err, { retry: true });
      }
      runId = runId || resp.headers.get('X-Run-Id');
      onState('live', { reconnects });
      let gap = false;
      for await (const ev of sseEvents(resp)) {
        if (ev.id !== null && ev.id <= seq) continue; // already seen: replayed after a reconnect
        if (ev.id !== null && ev.id > seq + 1) { gap = true; break; } // never expected; re-read from seq
        if (ev.id !== null) seq = ev.id;
        attempt = 0;
        if (ev.event === 'run.started' && ev.data?.run_id) runId = ev.data.run_id;
        onEvent(ev);
        if (TERMINAL.has(ev.event)) {
          terminal = ev.event;
          onState('done', { reconnects });
          return { runId, lastSeq: seq, terminal, reconnects };
        }
      }
      if (!follow && !gap) { onState('done', { reconnects }); return { runId, lastSeq: seq, terminal: null, reconnects }; }
    } catch (err) {
      if (signal?.aborted || err?.name === 'AbortError') break;
      if (err instanceof ApiError && !err.retry) throw err;
      if (opening && !runId) throw new ApiError(0, `the question could not be sent (${err?.message || 'network error'})`);
      // network error or a dropped stream: reconnect below
    }
    attempt += 1;
    reconnects += 1;
    onState('reconnecting', { attempt, reconnects });
    await sleep(Math.min(5000, 400 * 2 ** Math.min(attempt - 1, 4)), signal);
  }
  return { runId, lastSeq: seq, terminal, reconnects, aborted: true };
}
