// The Orion Mesh dashboard: renders the gateway's mesh snapshots, pushed over server-sent
// events. Plain browser JavaScript, no build step, no dependencies.
'use strict';
/* global document, Node, EventSource */

/** Creates an element: h('td', { class: 'num' }, 'text', childNode, ...). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  for (const child of children.flat()) if (child !== undefined && child !== null) el.append(child instanceof Node ? child : String(child));
  return el;
}
const $ = (id) => document.getElementById(id);
/** The array, or [] for anything else: a snapshot field that is missing or malformed must not break the page. */
const list = (value) => (Array.isArray(value) ? value : []);
/** Builds each item's element; one that throws is left out (and logged) instead of emptying its panel. */
const each = (items, build) =>
  list(items).flatMap((item) => {
    try {
      return [build(item)];
    } catch (error) {
      console.warn('dashboard: skipped a malformed entry', error, item);
      return [];
    }
  });
const fixed = (n, digits = 1) => (typeof n === 'number' ? n.toFixed(digits) : '–');
const percent = (n) => (typeof n === 'number' ? `${Math.round(n * 100)}%` : '–');
const portOf = (address) => /:(\d+)(?:\/|$)/.exec(address)?.[1] ?? '?';
const time = (at) => new Date(at).toLocaleTimeString();
const table = (headers, rows) =>
  h(
    'table',
    null,
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        headers.map(([text, cls]) => h('th', { class: cls }, text)),
      ),
    ),
    h('tbody', null, rows),
  );

function renderMeta(s) {
  $('meta').replaceChildren(
    ...[
      ['gateway', s.gateway],
      ['registry', s.registry],
      ['broker', s.broker],
      ['strategy', s.strategy],
    ].map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))),
  );
}

function renderServices(s) {
  const headers = [
    ['instance'],
    ['status'],
    ['zone'],
    ['version'],
    ['weight', 'num'],
    ['pid', 'num'],
    ['endpoints'],
    ['in-flight', 'num'],
    ['req/s', 'num'],
    ['latency ms', 'num'],
    ['event loop', 'num'],
  ];
  $('services').replaceChildren(
    ...each(s.services, (service) =>
      h(
        'div',
        { class: 'card', 'data-service': service.name },
        h(
          'h3',
          null,
          service.name,
          ' ',
          h('span', { class: 'count' }, `${list(service.instances).length} instance${list(service.instances).length === 1 ? '' : 's'}`),
        ),
        list(service.instances).length === 0
          ? h('p', { class: 'muted' }, 'no instances')
          : table(
              headers,
              each(service.instances, (i) =>
                h(
                  'tr',
                  { 'data-instance-id': i.id, 'data-status': i.status },
                  h(
                    'td',
                    { class: 'mono' },
                    i.id,
                    list(i.leads).length ? h('span', { class: 'leader', title: `leads ${list(i.leads).join(', ')}` }, ' ★ leader') : null,
                    i.restarts > 0
                      ? h(
                          'span',
                          { class: 'restarts', title: `restarted ${i.restarts} × by the launcher after a crash` },
                          ` ↻ ${i.restarts}`,
                        )
                      : null,
                  ),
                  h('td', null, h('span', { class: `badge ${i.status}` }, i.status)),
                  h('td', null, i.zone ?? '–'),
                  h('td', null, i.version),
                  h('td', { class: 'num' }, i.weight),
                  h('td', { class: 'num mono' }, i.pid ?? '–'),
                  h(
                    'td',
                    null,
                    each(i.endpoints, (e) => h('span', { class: 'chip', title: e.address }, `${e.protocol} :${portOf(e.address)}`)),
                  ),
                  h('td', { class: 'num' }, i.load?.inFlight ?? '–'),
                  h('td', { class: 'num' }, fixed(i.load?.requestsPerSecond)),
                  h('td', { class: 'num' }, fixed(i.load?.latencyEwmaMs, 2)),
                  h('td', { class: 'num' }, percent(i.load?.eventLoopUtilization)),
                ),
              ),
            ),
      ),
    ),
  );
}

function renderBalancers(s) {
  $('balancers').replaceChildren(
    ...each(s.balancers, ({ owner, stats }) => {
      const picks = list(stats.instances).reduce((sum, i) => sum + (Number(i.picks) || 0), 0) || 1;
      return h(
        'div',
        { class: 'card', 'data-client': `${owner}->${stats.service}` },
        h(
          'h3',
          null,
          h('span', { class: 'mono' }, owner),
          ` → ${stats.service} `,
          h('span', { class: 'count' }, `over ${stats.transport}, ${stats.strategy}`),
        ),
        h(
          'p',
          { class: 'muted' },
          `requests ${stats.requests} · retries ${stats.retries} · budget exhausted ${stats.budgetExhausted}${stats.isStale ? ' · STALE view (registry unreachable)' : ''}`,
        ),
        table(
          [
            ['instance'],
            ['protocol'],
            ['version'],
            ['picks'],
            ['in-flight', 'num'],
            ['latency ms', 'num'],
            ['ok', 'num'],
            ['failed', 'num'],
            ['ejections', 'num'],
          ],
          each(stats.instances, (i) =>
            h(
              'tr',
              { 'data-balanced-instance': i.id },
              h('td', { class: 'mono' }, i.id, i.isEjected ? h('span', { class: 'badge ejected' }, ' ejected') : null),
              h(
                'td',
                { class: 'protocol', title: protocolTitle(i) },
                h('span', { class: 'chip' }, typeof i.protocol === 'string' ? i.protocol : '?'),
                i.protocolSwitches > 0 ? h('span', { class: 'muted' }, ` ⇄ ${i.protocolSwitches}`) : null,
              ),
              h('td', { class: 'version mono' }, typeof i.version === 'string' ? i.version : '–'),
              h('td', null, h('span', { class: 'bar', style: `width:${Math.round((i.picks / picks) * 80)}px` }), i.picks),
              h('td', { class: 'num' }, i.inFlight),
              h('td', { class: 'num' }, fixed(i.latencyEwmaMs, 2)),
              h('td', { class: 'num' }, i.successes),
              h('td', { class: 'num' }, i.failures),
              h('td', { class: 'num' }, i.ejections),
            ),
          ),
        ),
        renderVersions(stats),
      );
    }),
  );
}

/** Tooltip of a protocol cell: the instance's advertised protocols, in the client's order of preference. */
const protocolTitle = (i) =>
  list(i.protocols).length ? `advertises ${list(i.protocols).join(', ')}; switched ${i.protocolSwitches ?? 0} ×` : undefined;

/**
 * The version split of a client (`stats().versions`): per subset its weight, the share of
 * picks it got and its instances; without a split, the versions its instances run.
 */
function renderVersions(stats) {
  const subsets = list(stats.versions);
  if (subsets.length === 0) {
    const counts = new Map();
    for (const i of list(stats.instances)) if (typeof i.version === 'string') counts.set(i.version, (counts.get(i.version) ?? 0) + 1);
    if (counts.size === 0) return null;
    return h(
      'p',
      { class: 'muted versions', 'data-versions': [...counts.keys()].join(' ') },
      'versions: ',
      [...counts].map(([version, n]) => h('span', { class: 'chip' }, `${version} × ${n}`)),
    );
  }
  const weights = subsets.reduce((sum, v) => sum + (Number(v.weight) || 0), 0) || 1;
  const picks = subsets.reduce((sum, v) => sum + (Number(v.picks) || 0), 0) || 1;
  return h(
    'div',
    { class: 'version-split', 'data-version-split': stats.service },
    h('h4', null, 'Version split'),
    table(
      [['version'], ['weight', 'num'], ['share of picks'], ['instances', 'num']],
      each(subsets, (v) =>
        h(
          'tr',
          { 'data-version': v.version },
          h('td', { class: 'mono' }, v.version),
          h('td', { class: 'num' }, percent(v.weight / weights)),
          h(
            'td',
            null,
            h('span', { class: 'bar', style: `width:${Math.round((v.picks / picks) * 80)}px` }),
            `${percent(v.picks / picks)} (${v.picks})`,
          ),
          h('td', { class: 'num' }, v.instances === 0 ? h('span', { class: 'badge critical' }, 'none') : v.instances),
        ),
      ),
    ),
  );
}

function renderSide(s) {
  const target = list(s.services)[0]?.advice?.target;
  $('advice-source').textContent = `AutoscaleAdvisor, target ${percent(target)} · also GET /autoscale`;
  $('advice').replaceChildren(
    ...each(s.services, ({ name, advice }) =>
      h(
        'div',
        { class: 'card', 'data-advice': name, 'data-recommendation': advice.recommendation },
        h('h3', null, name, ' ', h('span', { class: 'count' }, `${advice.current} → ${advice.desired}`)),
        h(
          'div',
          null,
          h('span', { class: 'bar', style: `width:${Math.min(100, Math.round((advice.utilization ?? 0) * 100))}px` }),
          percent(advice.utilization),
        ),
        h('div', { class: 'muted' }, advice.reason),
      ),
    ),
  );
  $('leaders').replaceChildren(
    list(s.leaders).length === 0
      ? h('p', { class: 'muted' }, 'no leader groups yet')
      : table(
          [['group'], ['leader'], ['fencing token', 'num']],
          each(s.leaders, (l) =>
            h(
              'tr',
              { 'data-group': l.group },
              h('td', null, l.group),
              h('td', { class: 'mono leader' }, l.leaderId ?? 'none'),
              h('td', { class: 'num' }, l.fencingToken ?? '–'),
            ),
          ),
        ),
  );
  const t = s.traffic ?? {};
  $('traffic').textContent =
    `${t.rps > 0 ? `${t.rps} demo orders/s in the background` : 'no background traffic'} · sent ${t.sent} · rejected ${t.rejected} (out of stock, rate limit) · failed ${t.failed}${t.lastError ? ` · last: ${t.lastError.slice(0, 100)}` : ''}`;
  $('events').replaceChildren(
    ...each(s.events, (e) => h('li', null, h('time', null, time(e.at)), h('span', { class: 'kind' }, e.kind), e.text)),
  );
}

function render(snapshot) {
  // Each panel on its own: one that fails keeps its last content, the others still update.
  for (const panel of [renderMeta, renderServices, renderBalancers, renderSide]) {
    try {
      panel(snapshot ?? {});
    } catch (error) {
      console.warn(`dashboard: ${panel.name} failed`, error);
    }
  }
  document.body.dataset.updatedAt = String(snapshot?.at);
}

function connect() {
  const status = $('connection');
  const source = new EventSource('/api/mesh/stream');
  source.onopen = () => Object.assign(status, { textContent: 'live' }).setAttribute('data-state', 'live');
  source.onmessage = (message) => {
    try {
      render(JSON.parse(message.data));
    } catch (error) {
      console.warn('dashboard: unreadable snapshot', error);
    }
  };
  // EventSource reconnects by itself; just say so.
  source.onerror = () => Object.assign(status, { textContent: 'reconnecting…' }).setAttribute('data-state', 'lost');
}

$('burst').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    await fetch('/api/demo/burst', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count":50}' });
  } finally {
    button.disabled = false;
  }
});
connect();
