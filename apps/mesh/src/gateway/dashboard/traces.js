// The trace panel of the Orion Mesh dashboard: the recent traces the gateway received on
// its OTLP receiver (`GET /api/traces`, polled), and the waterfall of the one clicked
// (`GET /api/traces/:id`). Plain browser JavaScript; every text goes in as a text node.
'use strict';
/* global document, window, h, list, $ */

const TRACES_EVERY_MS = 2000;
let selected = decodeURIComponent(/^#trace=([0-9a-f]{32})$/.exec(window.location.hash)?.[1] ?? '') || undefined;
let shownSpans = -1;

const ms = (n) => (typeof n === 'number' ? (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)) : '–');
/** Well-apart hues, one per service name by its hash (a number: nothing of the name reaches the style). */
const HUES = [215, 25, 140, 280, 350, 180, 55, 95];
const hue = (name) => HUES[[...String(name)].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) % 9973, 7) % HUES.length];

function renderTraceList(traces) {
  $('traces').replaceChildren(
    ...(list(traces).length === 0
      ? [h('li', { class: 'muted' }, 'no traces yet: place an order')]
      : list(traces).map((t) =>
          h(
            'li',
            {
              'data-trace-id': t.traceId,
              'data-selected': t.traceId === selected ? 'true' : null,
              class: t.hasError ? 'error' : null,
              tabindex: 0,
              role: 'button',
            },
            h('span', { class: 'trace-name' }, t.hasError ? '⚠ ' : '', t.name),
            h('span', { class: 'muted' }, ` ${ms(t.durationMs)} ms · ${t.spanCount} spans`),
            h(
              'div',
              null,
              list(t.services).map((service) => h('span', { class: 'chip', style: `--hue:${hue(service)}` }, service)),
            ),
          ),
        )),
  );
}

function renderWaterfall(trace) {
  const spans = list(trace.spans);
  const start = trace.startMs;
  const total = Math.max(trace.durationMs, 0.001);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { style: `left:${f * 100}%` }, `${ms(f * total)} ms`));
  $('waterfall').replaceChildren(
    h(
      'div',
      { class: 'waterfall-head' },
      h('span', { class: 'mono' }, trace.traceId),
      ` · ${ms(trace.durationMs)} ms · ${spans.length} spans`,
      trace.droppedSpans > 0 ? ` (+${trace.droppedSpans} dropped)` : '',
    ),
    h('div', { class: 'span-row axis' }, h('div', { class: 'span-label' }), h('div', { class: 'span-track ticks' }, ticks)),
    ...spans.map((s) => {
      const left = ((s.startMs - start) / total) * 100;
      const width = Math.max((s.durationMs / total) * 100, 0.4);
      const attributes = Object.entries(s.attributes ?? {}).map(([k, v]) => `${k}: ${v}`);
      const title = [`${s.service} · ${s.kind} · ${ms(s.durationMs)} ms`, s.statusMessage, ...attributes].filter(Boolean).join('\n');
      return h(
        'div',
        {
          class: `span-row${s.status === 'error' ? ' error' : ''}`,
          'data-span-id': s.spanId,
          'data-service': s.service,
          'data-depth': s.depth,
          title,
        },
        h(
          'div',
          { class: 'span-label', style: `padding-left:${Math.min(Number(s.depth) || 0, 20) * 14 + 4}px` },
          h('span', { class: 'chip service', style: `--hue:${hue(s.service)}` }, s.service),
          ' ',
          h('span', { class: 'span-name' }, s.status === 'error' ? '⚠ ' : '', s.name),
          s.protocol ? h('span', { class: 'chip protocol' }, s.protocol) : null,
          s.targetInstance ? h('span', { class: 'muted mono instance' }, ` ${s.targetInstance}`) : null,
        ),
        h(
          'div',
          { class: 'span-track' },
          h('div', { class: 'span-bar', style: `left:${left}%;width:${width}%;--hue:${hue(s.service)}` }),
          // The duration after the bar, or before it when the bar ends near the right edge.
          left + width > 85
            ? h('span', { class: 'span-ms before', style: `right:${100 - left}%` }, `${ms(s.durationMs)} ms`)
            : h('span', { class: 'span-ms', style: `left:${left + width}%` }, `${ms(s.durationMs)} ms`),
        ),
      );
    }),
  );
  $('waterfall').dataset.traceId = trace.traceId;
}

async function showTrace(traceId) {
  const response = await fetch(`/api/traces/${traceId}`);
  if (!response.ok) {
    $('waterfall').replaceChildren(h('p', { class: 'muted' }, `trace ${traceId} is no longer among the recent ones`));
    return;
  }
  const trace = await response.json();
  shownSpans = list(trace.spans).length;
  renderWaterfall(trace);
}

async function pollTraces() {
  try {
    const { traces } = await (await fetch('/api/traces')).json();
    renderTraceList(traces);
    // Spans of a trace arrive as each process flushes them: redraw while it grows.
    const current = list(traces).find((t) => t.traceId === selected);
    if (selected && (!current || current.spanCount !== shownSpans)) await showTrace(selected);
  } catch (error) {
    console.warn('dashboard: traces unavailable', error);
  }
}

function select(traceId) {
  selected = traceId;
  shownSpans = -1;
  window.history.replaceState(null, '', `#trace=${traceId}`);
  for (const li of document.querySelectorAll('#traces li[data-trace-id]'))
    li.toggleAttribute('data-selected', li.dataset.traceId === traceId);
  void showTrace(traceId);
}

function onPick(event) {
  const item = event.target.closest('li[data-trace-id]');
  if (item && (event.type === 'click' || event.key === 'Enter')) select(item.dataset.traceId);
}
$('traces').addEventListener('click', onPick);
$('traces').addEventListener('keydown', onPick);
void pollTraces();
window.setInterval(() => void pollTraces(), TRACES_EVERY_MS);
