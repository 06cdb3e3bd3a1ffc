// The on-call page: reads the front door's API every few seconds and renders it. Every text that came with an alert
// is set as text (never as markup), and the content security policy runs no other script.
'use strict';

const REFRESH_MS = 3000;
const ACK = 'ACK!'; // an acknowledgement is a silence whose comment begins so, as karma writes them
const $ = id => document.getElementById(id);
// location.origin, not a relative URL: a page opened as http://user:password@host/ cannot fetch URLs that carry them.
const api = async (path, options = {}) => {
  const response = await fetch(location.origin + path, {
    ...options,
    cache: 'no-store',
    headers: options.body ? { 'Content-Type': 'application/json' } : {},
  });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { /* not JSON: the status says enough */ }
  if (!response.ok) throw new Error(body?.error ?? `${response.status} ${response.statusText}`);
  return body;
};

/** An element with attributes and children; strings become text nodes. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value != null) element.setAttribute(name, value);
  }
  for (const child of children.flat()) if (child != null) element.append(child);
  return element;
}

const time = at => at ? new Date(at).toLocaleString() : '';
const labelText = labels => Object.entries(labels).sort(([a], [b]) => a < b ? -1 : 1).map(([k, v]) => `${k}="${v}"`).join(' ');
const labelChips = labels => h('span', { class: 'labels' },
  Object.entries(labels).sort(([a], [b]) => a < b ? -1 : 1).map(([k, v]) => h('span', { class: 'label' }, `${k}="${v}"`)));

/** Matchers as amtool takes them: name="value", name=~"regex", name!=value, name!~"regex", spaces or commas between, braces allowed. */
function parseMatchers(text) {
  const matchers = [];
  const pattern = /\s*,?\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^\s,{}"]*)\s*/y;
  const body = text.trim().replace(/^\{(.*)\}$/s, '$1');
  pattern.lastIndex = 0;
  while (pattern.lastIndex < body.length) {
    const start = pattern.lastIndex;
    const match = pattern.exec(body);
    if (!match) throw new Error(`cannot read a matcher at "${body.slice(start, start + 20)}": write name="value", name=~"regex", name!="value"`);
    const [, name, op, raw] = match;
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    matchers.push({ name, value, isRegex: op.includes('~'), isEqual: !op.startsWith('!'), text: `${name}${op}${JSON.stringify(value)}` });
  }
  return matchers;
}

function parseDuration(text) {
  const parts = [...text.trim().matchAll(/(\d+)\s*(d|h|m|s)/g)];
  if (parts.length === 0 || parts.map(p => p[0]).join('').replace(/\s/g, '') !== text.replace(/\s/g, '')) throw new Error(`"${text}" is not a duration such as 30m, 2h or 1d`);
  const unit = { d: 86400, h: 3600, m: 60, s: 1 };
  return parts.reduce((seconds, [, n, u]) => seconds + Number(n) * unit[u], 0) * 1000;
}

const query = matchers => matchers.map(m => `filter=${encodeURIComponent(m.text)}`).join('&');
const state = { filter: [], silences: new Map(), open: new Set(), rendered: '' };

// ---- Firing ----

function topOf(values, count = 3) {
  const counts = new Map();
  for (const value of values) if (value) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, count);
}

/** The labels every alert of a group shares: what a silence over the group matches when the route groups by nothing. */
function groupMatchers(group) {
  if (Object.keys(group.labels).length > 0) return group.labels;
  const [first, ...rest] = group.alerts.map(alert => alert.labels);
  return Object.fromEntries(Object.entries(first ?? {}).filter(([k, v]) => rest.every(labels => labels[k] === v)));
}

function groupCard(group) {
  const key = `${group.receiver.name} ${labelText(group.labels)}`;
  const alerts = group.alerts;
  const starts = alerts.map(a => a.startsAt).sort();
  const updates = alerts.map(a => a.updatedAt).sort();
  const silencers = [...new Set(alerts.flatMap(a => a.status.silencedBy))].map(id => state.silences.get(id)).filter(Boolean);
  const owners = silencers.filter(s => s.comment.startsWith(ACK));
  const allSilenced = alerts.every(a => a.status.state === 'suppressed');
  const status = owners.length > 0
    ? h('p', { class: 'badge ack' }, `Acknowledged by ${[...new Set(owners.map(s => s.createdBy))].join(', ')}`)
    : allSilenced ? h('p', { class: 'badge silenced' }, `Silenced by ${[...new Set(silencers.map(s => s.createdBy))].join(', ')} until ${time(silencers[0]?.endsAt)}`)
    : null;
  // Each alert's labels are rendered once asked for: a storm's groups hold thousands.
  const list = h('div');
  const fill = () => list.replaceChildren(h('ul', { class: 'alerts' }, alerts.slice(0, 200).map(alert => h('li', {},
      labelChips(alert.labels), ' ', h('span', { class: 'text' }, alert.annotations.summary ?? alert.annotations.description ?? ''),
      /^https?:\/\//.test(alert.generatorURL ?? '') ? h('a', { href: alert.generatorURL, rel: 'noreferrer' }, ' source') : null))),
    alerts.length > 200 ? h('p', {}, `and ${alerts.length - 200} more`) : '');
  const details = h('details', {
    ontoggle: e => {
      if (e.target.open) { state.open.add(key); fill(); } else { state.open.delete(key); list.replaceChildren(); }
    },
  }, h('summary', {}, `Alerts (${alerts.length})`), list);
  if (state.open.has(key)) { details.open = true; fill(); }
  const name = Object.keys(group.labels).length ? labelText(group.labels) : 'every alert of the route';
  return h('article', { class: `group${owners.length ? ' acknowledged' : allSilenced ? ' silenced' : ''}`, 'data-group': key, 'aria-label': name },
    h('h4', {}, Object.keys(group.labels).length ? labelChips(group.labels) : name),
    status,
    h('p', { class: 'meta' }, `${alerts.length} alert${alerts.length === 1 ? '' : 's'} · first seen ${time(starts[0])} · last seen ${time(updates.at(-1))}`),
    h('ul', { class: 'top', 'aria-label': 'Most frequent texts' },
      topOf(alerts.map(a => a.annotations.summary ?? a.annotations.description)).map(([text, n]) => h('li', {}, h('span', { class: 'text' }, text), ` ×${n}`))),
    h('p', { class: 'meta' }, 'Sources: ', topOf(alerts.map(a => a.labels.instance ?? a.labels.source ?? a.labels.job)).map(([s, n]) => `${s} ×${n}`).join(', ') || 'none'),
    details,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => openSilence(groupMatchers(group)), 'aria-label': `Silence ${name}` }, 'Silence…'),
      h('button', { type: 'button', onclick: () => openAck(group), 'aria-label': `Acknowledge ${name}` }, 'Acknowledge…')));
}

function renderGroups(groups) {
  const routes = new Map();
  for (const group of groups) routes.set(group.receiver.name, [...(routes.get(group.receiver.name) ?? []), group]);
  const newest = group => group.alerts.reduce((at, a) => a.startsAt > at ? a.startsAt : at, '');
  $('firing-count').textContent = `(${new Set(groups.flatMap(g => g.alerts.map(a => a.fingerprint))).size})`;
  $('routes').replaceChildren(...[...routes].map(([route, inRoute]) => h('section', { class: 'route', 'aria-label': `Route ${route}` },
    h('h3', {}, `Route ${route} · ${inRoute.length} group${inRoute.length === 1 ? '' : 's'}`),
    inRoute.sort((a, b) => newest(b).localeCompare(newest(a))).map(groupCard))));
  if (groups.length === 0) $('routes').append(h('p', {}, 'Nothing is firing.'));
}

// ---- Silences ----

function renderSilences(silences) {
  const byState = s => ({ active: 0, pending: 1, expired: 2 })[s.status.state];
  const sorted = [...silences].sort((a, b) => byState(a) - byState(b) || b.endsAt.localeCompare(a.endsAt));
  const row = s => h('li', { class: `silence ${s.status.state}`, 'data-silence': s.id },
    h('span', { class: 'badge' }, s.comment.startsWith(ACK) ? `acknowledgement, ${s.status.state}` : s.status.state), ' ',
    labelChips(Object.fromEntries(s.matchers.map(m => [m.name, m.value]))),
    h('p', { class: 'meta' }, `${s.createdBy}: `, h('span', { class: 'text' }, s.comment), ` · ${time(s.startsAt)} to ${time(s.endsAt)}`),
    s.status.state === 'expired' ? null
      : h('button', { type: 'button', onclick: () => expire(s), 'aria-label': `Expire the silence by ${s.createdBy}: ${s.comment}` }, 'Expire'));
  const current = sorted.filter(s => s.status.state !== 'expired');
  const expired = sorted.filter(s => s.status.state === 'expired').slice(0, 20);
  $('silence-list').replaceChildren(
    current.length ? h('ul', { class: 'silences' }, current.map(row)) : h('p', {}, 'No active or pending silences.'),
    expired.length ? h('details', {}, h('summary', {}, `Recently expired (${expired.length})`), h('ul', { class: 'silences' }, expired.map(row))) : '');
}

async function expire(silence) {
  try {
    await api(`/api/v2/silence/${silence.id}`, { method: 'DELETE' });
    say(`Expired the silence by ${silence.createdBy}.`);
    await refresh(true);
  } catch (failure) { say(`Could not expire the silence: ${failure.message}`, true); }
}

function openSilence(labels) {
  $('silence-matchers').value = labels ? labelText(labels) : '';
  $('silence-author').value = localStorage.getItem('author') ?? '';
  $('silence-error').textContent = '';
  $('silence-dialog').showModal();
}

function openAck(group) {
  state.ackGroup = group;
  $('ack-group').replaceChildren(labelChips(groupMatchers(group)));
  $('ack-author').value = localStorage.getItem('author') ?? '';
  $('ack-error').textContent = '';
  $('ack-dialog').showModal();
}

async function createSilence(matchers, duration, author, comment) {
  localStorage.setItem('author', author);
  const now = Date.now();
  const silence = {
    matchers: matchers.map(({ name, value, isRegex, isEqual }) => ({ name, value, isRegex, isEqual })),
    startsAt: new Date(now).toISOString(), endsAt: new Date(now + duration).toISOString(), createdBy: author, comment,
  };
  return api('/api/v2/silences', { method: 'POST', body: JSON.stringify(silence) });
}

function submitting(form, errorId, action) {
  $(form).addEventListener('submit', async event => {
    event.preventDefault();
    try {
      await action();
      $(form).closest('dialog').close();
      await refresh(true);
    } catch (failure) { $(errorId).textContent = failure.message; }
  });
}

// ---- Parked and unrouted ----

function renderParked(parked) {
  const replayButton = (route, what) => h('button', { type: 'button', onclick: () => replay(route), 'aria-label': `Replay ${what}` }, 'Replay');
  $('parked-list').replaceChildren(h('ul', { class: 'parked' },
    parked.routes.map(r => h('li', { 'data-route': r.route },
      h('strong', {}, `Route ${r.route}`), `: ${r.alerts} alert${r.alerts === 1 ? '' : 's'} and ${r.notifications} notification${r.notifications === 1 ? '' : 's'} parked `,
      replayButton(r.route, `what route ${r.route} parked`),
      r.reasons.length ? h('ul', { class: 'reasons', 'aria-label': 'Newest reasons' }, r.reasons.map(reason =>
        h('li', {}, `${time(reason.at)}: `, h('span', { class: 'text' }, reason.reason ?? ''), reason.text ? ' · ' : '', h('span', { class: 'text' }, reason.text ?? '')))) : null)),
    h('li', { 'data-route': 'unrouted' }, h('strong', {}, 'Unrouted'), `: ${parked.unrouted} alert${parked.unrouted === 1 ? '' : 's'} wait for a route `,
      replayButton('unrouted', 'the unrouted alerts'))));
}

async function replay(route) {
  try {
    const result = await api(`/api/parked/${encodeURIComponent(route)}/replay`, { method: 'POST' });
    $('replay-result').textContent = result.moved.map(m => `Moved ${m.count} ${m.description}.`).join(' ');
    await refresh(true);
  } catch (failure) { $('replay-result').textContent = `Replay failed: ${failure.message}`; }
}

// ---- History ----

async function searchHistory() {
  $('history-error').textContent = '';
  try {
    const matchers = parseMatchers($('history-filter').value);
    const found = await api(`/api/history?${query(matchers)}&limit=${$('history-limit').value}`);
    $('history-list').replaceChildren(found.events.length === 0 ? h('p', {}, 'No events.') : h('ol', { class: 'history' },
      found.events.map(e => h('li', {}, h('span', { class: `badge ${e.kind}` }, e.kind), ` ${time(e.at)} `, e.route ? `route ${e.route} ` : '',
        e.receiver ? `to ${e.receiver} ` : '', labelChips(e.labels), ' ', h('span', { class: 'text' }, e.text ?? ''),
        e.count > 1 ? ` ×${e.count}` : '', e.reason ? h('span', { class: 'text reason' }, ` · ${e.reason}`) : null))),
      found.more ? h('p', {}, 'More events match: narrow the matchers or raise the limit.') : '');
  } catch (failure) { $('history-error').textContent = failure.message; }
}

// ---- Refresh ----

function say(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

async function refresh(force = false) {
  try {
    const silenced = $('show-silenced').checked;
    const [groups, silences, parked] = await Promise.all([
      api(`/api/v2/alerts/groups?silenced=${silenced}&${query(state.filter)}`),
      api('/api/v2/silences'),
      api('/api/parked'),
    ]);
    const snapshot = JSON.stringify([groups, silences, parked]);
    if (force || snapshot !== state.rendered) { // an unchanged answer keeps the page (and the focus) as it is
      state.rendered = snapshot;
      state.silences = new Map(silences.map(s => [s.id, s]));
      renderGroups(groups);
      renderSilences(silences);
      renderParked(parked);
    }
    say(`Updated ${new Date().toLocaleTimeString()}`);
  } catch (failure) { say(`Cannot reach the front door: ${failure.message}; trying again`, true); }
}

document.addEventListener('DOMContentLoaded', () => {
  $('filter-form').addEventListener('submit', event => {
    event.preventDefault();
    try {
      state.filter = parseMatchers($('filter').value);
      $('filter-error').textContent = '';
      refresh(true);
    } catch (failure) { $('filter-error').textContent = failure.message; }
  });
  $('show-silenced').addEventListener('change', () => refresh(true));
  $('history-form').addEventListener('submit', event => { event.preventDefault(); searchHistory(); });
  $('new-silence').addEventListener('click', () => openSilence(null));
  for (const button of document.querySelectorAll('dialog .close')) button.addEventListener('click', () => button.closest('dialog').close());
  submitting('silence-form', 'silence-error', () => createSilence(parseMatchers($('silence-matchers').value),
    parseDuration($('silence-duration').value), $('silence-author').value.trim(), $('silence-comment').value.trim()));
  submitting('ack-form', 'ack-error', () => {
    const matchers = Object.entries(groupMatchers(state.ackGroup)).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
    const note = $('ack-note').value.trim();
    return createSilence(matchers, parseDuration($('ack-duration').value), $('ack-author').value.trim(),
      `${ACK} ${note || 'acknowledged on the on-call page'}`);
  });
  refresh(true);
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
});
