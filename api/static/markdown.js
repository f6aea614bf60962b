// A small, safe markdown renderer: it builds DOM nodes (text via text nodes only), never HTML strings.
// Supports headings, paragraphs, **bold**, *italic*, `code`, fenced code, lists (nested by indent),
// blockquotes, tables, horizontal rules, links to the service's own relative paths only (any other link is shown
// as inert text with its URL: answers quote untrusted data), and evidence chips [E:<id>].
// Raw HTML in the source is shown as text.

import { h, isExternal, safeUrl } from './dom.js';

const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)\s*$/;
const HR = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * Render markdown into a DocumentFragment.
 * opts.chip(id) -> Node renders an evidence citation; opts.headingOffset shifts heading levels (h1 -> h(1+offset)).
 */
export function renderMarkdown(src, opts = {}) {
  const frag = document.createDocumentFragment();
  const lines = String(src ?? '').replace(/\r\n?/g, '\n').split('\n');
  renderBlocks(lines, frag, opts, 0);
  return frag;
}

function isTableStart(lines, i) {
  return lines[i].includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes('-');
}

function startsBlock(lines, i) {
  const l = lines[i];
  return HEADING.test(l) || FENCE.test(l) || HR.test(l) || LIST_ITEM.test(l) || QUOTE.test(l) || isTableStart(lines, i);
}

function renderBlocks(lines, parent, opts, depth) {
  if (depth > 8) { parent.append(h('p', null, lines.join('\n'))); return; }
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }
    let m;
    if ((m = FENCE.exec(line))) {
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
      i++; // closing fence (or end)
      parent.append(h('pre', null, h('code', m[2] ? { 'data-lang': m[2] } : null, body.join('\n'))));
      continue;
    }
    if ((m = HEADING.exec(line))) {
      const level = Math.min(6, m[1].length + (opts.headingOffset || 0));
      parent.append(h(`h${level}`, null, inline(m[2], opts)));
      i++;
      continue;
    }
    if (HR.test(line)) {
      parent.append(h('hr'));
      i++;
      continue;
    }
    if (isTableStart(lines, i)) {
      const header = splitRow(lines[i]);
      const aligns = splitRow(lines[i + 1]).map((c) => (c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : null));
      i += 2;
      const rows = [];
      while (i < lines.length && lines[i].trim() && lines[i].includes('|')) rows.push(splitRow(lines[i++]));
      const cell = (tag, text, j) => h(tag, aligns[j] ? { class: `align-${aligns[j]}` } : null, inline(text, opts));
      parent.append(h('div', { class: 'table-wrap' }, h('table', null,
        h('thead', null, h('tr', null, header.map((c, j) => cell('th', c, j)))),
        h('tbody', null, rows.map((r) => h('tr', null, header.map((_, j) => cell('td', r[j] ?? '', j))))),
      )));
      continue;
    }
    if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && (m = QUOTE.exec(lines[i]))) { inner.push(m[1]); i++; }
      const bq = h('blockquote');
      renderBlocks(inner, bq, opts, depth + 1);
      parent.append(bq);
      continue;
    }
    if (LIST_ITEM.test(line)) {
      i = renderList(lines, i, parent, opts, depth);
      continue;
    }
    // paragraph: until a blank line or the start of another block
    const para = [line.trim()];
    i++;
    while (i < lines.length && lines[i].trim() && !startsBlock(lines, i)) para.push(lines[i++].trim());
    parent.append(h('p', null, inlineLines(para, opts)));
  }
}

function renderList(lines, i, parent, opts, depth) {
  const first = LIST_ITEM.exec(lines[i]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const list = ordered ? h('ol', Number.parseInt(first[2], 10) !== 1 ? { start: Number.parseInt(first[2], 10) } : null) : h('ul');
  while (i < lines.length) {
    const m = LIST_ITEM.exec(lines[i]);
    if (!m || m[1].length !== indent || /\d/.test(m[2]) !== ordered) {
      if (m && m[1].length > indent) { // a deeper list without a parent item line: attach to the last item
        const host = list.lastElementChild || list.appendChild(h('li'));
        i = renderList(lines, i, host, opts, depth + 1);
        continue;
      }
      break;
    }
    const text = [m[3]];
    i++;
    // continuation lines (indented more than the marker, not a list item)
    while (i < lines.length && lines[i].trim() && !LIST_ITEM.test(lines[i]) && /^\s+/.test(lines[i]) && !startsBlock(lines, i)) {
      text.push(lines[i++].trim());
    }
    const li = h('li', null, inlineLines(text, opts));
    list.append(li);
    // nested list
    while (i < lines.length && LIST_ITEM.test(lines[i]) && LIST_ITEM.exec(lines[i])[1].length > indent) {
      i = renderList(lines, i, li, opts, depth + 1);
    }
  }
  parent.append(list);
  return i;
}

function splitRow(line) {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells = [];
  let cur = '';
  let inCode = false;
  for (let k = 0; k < s.length; k++) {
    const ch = s[k];
    if (ch === '\\' && s[k + 1] === '|') { cur += '|'; k++; continue; }
    if (ch === '`') inCode = !inCode;
    if (ch === '|' && !inCode) { cells.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}

function inlineLines(lines, opts) {
  const out = [];
  lines.forEach((l, k) => {
    if (k) out.push(' ');
    out.push(...inline(l, opts));
  });
  return out;
}

const PUNCT = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;

/** Inline markdown -> array of Nodes/strings. */
export function inline(text, opts = {}, depth = 0) {
  const out = [];
  let buf = '';
  const flush = () => { if (buf) { out.push(buf); buf = ''; } };
  const s = String(text);
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length && PUNCT.test(s[i + 1])) { buf += s[i + 1]; i += 2; continue; }
    if (ch === '`') {
      let n = 1;
      while (s[i + n] === '`') n++;
      const ticks = '`'.repeat(n);
      const end = s.indexOf(ticks, i + n);
      if (end > 0) {
        flush();
        out.push(h('code', null, s.slice(i + n, end).replace(/^ (.*) $/, '$1')));
        i = end + n;
        continue;
      }
      buf += ticks; i += n; continue;
    }
    if (ch === '[') {
      const chip = /^\[E:(\d{1,18})\]/.exec(s.slice(i));
      if (chip) {
        flush();
        out.push(opts.chip ? opts.chip(chip[1]) : h('span', { class: 'chip' }, `E:${chip[1]}`));
        i += chip[0].length;
        continue;
      }
      const link = depth < 3 ? parseLink(s, i) : null;
      if (link) {
        flush();
        const href = ownUrl(link.url);
        const label = inline(link.label, { ...opts, noLinks: true }, depth + 1);
        if (href && !opts.noLinks) {
          out.push(h('a', { href, title: link.title || null }, label));
        } else if (!opts.noLinks && safeUrl(link.url)) {
          // A link elsewhere (answers quote untrusted data: runbooks, tickets, commit messages): inert text that
          // shows where it would lead, never an anchor.
          out.push(h('span', { class: 'inert-link', title: 'link from the data, not followed' }, label, ` <${link.url}>`));
        } else {
          out.push(...label); // unsafe or nested link: keep the words, drop the link
        }
        i = link.end;
        continue;
      }
    }
    if ((ch === '*' || ch === '_') && depth < 6) {
      const em = parseEmphasis(s, i);
      if (em) {
        flush();
        out.push(h(em.strong ? 'strong' : 'em', null, inline(em.inner, opts, depth + 1)));
        i = em.end;
        continue;
      }
    }
    if (ch === '~' && s[i + 1] === '~' && depth < 6) {
      const end = s.indexOf('~~', i + 2);
      if (end > i + 2) {
        flush();
        out.push(h('del', null, inline(s.slice(i + 2, end), opts, depth + 1)));
        i = end + 2;
        continue;
      }
    }
    buf += ch;
    i++;
  }
  flush();
  return out;
}

/** Only the service's own pages become links: a same-origin relative path ("/…" or "#/…"), nothing absolute. */
function ownUrl(raw) {
  const url = safeUrl(raw);
  if (!url || !/^(#|\/(?![\/\\]))/.test(url)) return null;
  return isExternal(url) ? null : url;
}

function parseLink(s, i) {
  // [label](url "title")
  let depthB = 0;
  let j = i;
  for (; j < s.length; j++) {
    if (s[j] === '\\') { j++; continue; }
    if (s[j] === '[') depthB++;
    else if (s[j] === ']') { depthB--; if (depthB === 0) break; }
  }
  if (j >= s.length || s[j + 1] !== '(') return null;
  let k = j + 2;
  let paren = 1;
  for (; k < s.length; k++) {
    if (s[k] === '(') paren++;
    else if (s[k] === ')') { paren--; if (paren === 0) break; }
  }
  if (k >= s.length) return null;
  const target = s.slice(j + 2, k).trim();
  const tm = /^(\S+)(?:\s+"([^"]*)")?$/.exec(target);
  if (!tm) return null;
  return { label: s.slice(i + 1, j), url: tm[1].replace(/^<(.*)>$/, '$1'), title: tm[2], end: k + 1 };
}

function parseEmphasis(s, i) {
  const ch = s[i];
  const prev = i > 0 ? s[i - 1] : '';
  const strong = s[i + 1] === ch;
  const mark = strong ? ch + ch : ch;
  const after = s[i + mark.length];
  if (!after || /\s/.test(after)) return null;
  if (ch === '_' && prev && WORD.test(prev)) return null; // snake_case is not emphasis
  let from = i + mark.length;
  while (true) {
    const end = s.indexOf(mark, from);
    if (end < 0) return null;
    const before = s[end - 1];
    const next = s[end + mark.length];
    const okClose = before && !/\s/.test(before) && end > i + mark.length
      && !(ch === '_' && next && WORD.test(next))
      && !(!strong && next === ch); // a single * must not close on a **
    if (okClose) return { strong, inner: s.slice(i + mark.length, end), end: end + mark.length };
    from = end + mark.length;
  }
}

/** The plain text of a markdown answer (for titles and previews). */
export function plainText(src) {
  const div = document.createElement('div');
  div.append(renderMarkdown(src));
  return div.textContent || '';
}
