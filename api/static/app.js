// opsgraph chat panel: bootstrap, session, views and keyboard shortcuts. Plain ES modules, no build step.

import { api, onUnauthorized } from './api.js';
import { h } from './dom.js';
import { initDrawer } from './evidence.js';
import { chatState, focusComposer, initComposer, initFinalize, newThread, openThread, refreshThreads } from './chat.js';
import { initDashboard, showDashboard } from './dashboard.js';

const $ = (sel) => document.querySelector(sel);

function showLogin(reason) {
  $('#login').hidden = false;
  $('#app').hidden = true;
  $('#login-reason').textContent = reason || '';
  $('#token-input')?.focus();
}

function showView(name) {
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${name}`;
  for (const a of document.querySelectorAll('.tabs a')) {
    const cur = a.dataset.view === name;
    a.classList.toggle('current', cur);
    if (cur) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  document.body.dataset.view = name;
}

async function route() {
  const hash = location.hash || '#/';
  if (hash.startsWith('#/dashboard')) {
    showView('dashboard');
    await showDashboard();
    return;
  }
  showView('chat');
  const m = /^#\/t\/([0-9a-f-]{36})$/i.exec(hash);
  if (m) await openThread(m[1].toLowerCase());
  else if (chatState.threadId !== null || !document.querySelector('#thread-head').childElementCount) newThread();
}

function shortcuts(e) {
  const typing = e.target.closest('input, textarea, select, [contenteditable]');
  if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    if (document.body.dataset.view !== 'chat') location.hash = chatState.threadId ? `#/t/${chatState.threadId}` : '#/';
    focusComposer();
  } else if (e.altKey && (e.key === 'n' || e.key === 'N')) {
    e.preventDefault();
    location.hash = '#/';
    if (chatState.threadId === null) newThread();
  } else if (e.altKey && (e.key === 'd' || e.key === 'D')) {
    e.preventDefault();
    location.hash = '#/dashboard';
  }
}

async function main() {
  onUnauthorized((detail) => showLogin(detail));
  initDrawer();
  initComposer();
  initFinalize();
  initDashboard();
  $('#new-thread').addEventListener('click', () => { location.hash = '#/'; if (chatState.threadId === null) newThread(); });
  document.addEventListener('keydown', shortcuts);
  let me;
  try {
    me = await api('/api/me');
  } catch (err) {
    if (err.status !== 401) showLogin(`The service did not answer: ${err.message}`);
    return;
  }
  $('#who').textContent = `${me.org} · ${me.role}`;
  $('#who').title = `API key ${me.key_prefix}…`;
  $('#app').hidden = false;
  if (me.role === 'viewer') {
    $('#message').disabled = true;
    $('#message').placeholder = 'Your key is read-only (viewer): you can browse threads but not ask.';
  }
  window.addEventListener('hashchange', route);
  await Promise.all([refreshThreads(), route()]);
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  document.body.append(h('p', { class: 'error' }, `The panel failed to start: ${err.message}`));
});
