// Live metrics: requests/s, p50/p99 latency and 5xx rate over the last minute, for the gateway
// as a whole and per destination, one point per second from `/api/v1/watch/traffic`.
import { h, replace } from './dom.js';
import { plural } from './format.js';
import { watch, frameScheduler } from './live.js';
import { LineChart } from './chart.js';
import { LiveTraffic, errorPercent, rate, milliseconds, percent, percentOf } from './live-model.js';

const MAX_SHOWN = 50;

export async function renderLive(view, route) {
  const model = new LiveTraffic();
  const filter = h('input', {
    type: 'search', class: 'grow', id: 'live-filter', 'data-filter': true,
    placeholder: 'Filter destinations (press /)', 'aria-label': 'Filter destinations', value: route.query.get('q') || '',
  });
  const status = h('span', { class: 'live', id: 'live-status', role: 'status' }, 'connecting…');
  const updated = h('span', { class: 'muted', id: 'live-updated' });
  const problems = h('div', { role: 'alert' });
  const gatewayCharts = {
    rps: new LineChart({
      id: 'live-gateway-rps', label: 'Requests/s', lines: [{ key: 'requests', label: 'req/s' }], format: rate, seconds: 60,
    }),
    latency: new LineChart({
      id: 'live-gateway-latency', label: 'Latency', format: milliseconds, seconds: 60,
      lines: [{ key: 'p50', label: 'p50', className: 'p50' }, { key: 'p99', label: 'p99', className: 'p99' }],
    }),
    errors: new LineChart({
      id: 'live-gateway-errors', label: '5xx rate', lines: [{ key: 'errors', label: '5xx', className: 'bad' }], format: percent,
      seconds: 60,
    }),
  };
  for (const chart of Object.values(gatewayCharts)) chart.update({}); // axes until the first sample
  const minute = h('p', { class: 'muted', id: 'live-gateway-minute' });
  const destinations = h('div', { id: 'live-services' });
  const destinationSummary = h('span', { class: 'muted', id: 'live-services-summary' });
  const cards = new Map(); // host → card

  // Hidden while the stream is refused (no gateway here): empty charts would only puzzle.
  const content = h('div', {},
    h('section', { class: 'panel', id: 'live-gateway', 'aria-labelledby': 'live-gateway-title' },
      h('h2', { id: 'live-gateway-title' }, 'Gateway ', h('span', { class: 'muted' }, '· every request, per second, last minute')),
      h('div', { class: 'chart-row' }, Object.values(gatewayCharts).map((chart) => chart.element)),
      minute),
    h('div', { class: 'toolbar' }, h('h2', {}, 'By destination'), filter, destinationSummary),
    destinations);
  replace(view, h('div', { class: 'toolbar' }, h('h1', {}, 'Live metrics'), updated, status), problems, content);

  const render = () => {
    const gateway = model.gateway();
    if (!gateway) return;
    gatewayCharts.rps.update({ requests: gateway.requests });
    gatewayCharts.latency.update({ p50: gateway.p50, p99: gateway.p99 });
    gatewayCharts.errors.update({ errors: errorPercent(gateway) });
    minute.textContent = `Last minute: ${plural(gateway.last60s.requests, 'request')}, ${rate(gateway.last60s.requestsPerSecond)} req/s, `
      + `5xx ${percentOf(gateway.last60s.errorRate)}, p50 ${milliseconds(gateway.last60s.p50Ms)}, p99 ${milliseconds(gateway.last60s.p99Ms)}.`;
    updated.textContent = model.time ? `as of ${model.time.toLocaleTimeString()}` : '';
    renderDestinations();
  };

  const renderDestinations = () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const all = model.destinations();
    const matching = all.filter((entry) => words.every((word) => `${entry.name} ${entry.host}`.toLowerCase().includes(word)));
    const shown = matching.slice(0, MAX_SHOWN);
    for (const [host, card] of cards) {
      if (!shown.some((entry) => entry.host === host)) { card.element.remove(); cards.delete(host); }
    }
    let previous = null;
    for (const entry of shown) {
      let card = cards.get(entry.host);
      if (!card) { card = destinationCard(entry); cards.set(entry.host, card); }
      card.update(entry);
      // Keep the order by name without moving cards that are already in place.
      const expected = previous ? previous.nextSibling : destinations.firstChild;
      if (expected !== card.element) destinations.insertBefore(card.element, expected);
      previous = card.element;
    }
    const empty = destinations.querySelector('p.empty');
    if (!shown.length && !empty) {
      destinations.append(h('p', { class: 'muted empty' }, all.length
        ? 'No destination matches the filter.'
        : 'No request has been routed to a destination in the last minute.'));
    } else if (shown.length && empty) {
      empty.remove();
    } else if (empty) {
      empty.textContent = all.length ? 'No destination matches the filter.' : 'No request has been routed to a destination in the last minute.';
    }
    destinationSummary.textContent = `${plural(matching.length, 'destination')}${matching.length > shown.length ? ` (first ${shown.length} shown)` : ''}`;
  };

  const schedule = frameScheduler(render);
  filter.addEventListener('input', schedule);
  const stop = watch('/api/v1/watch/traffic', (sample) => { model.apply(sample); schedule(); }, (state) => {
    status.className = `live ${state === 'live' ? 'on' : state instanceof Error ? 'off' : ''}`;
    status.textContent = state === 'live' ? 'live' : state instanceof Error ? 'not live' : 'reconnecting…';
    content.hidden = state instanceof Error;
    if (state instanceof Error) {
      replace(problems, h('div', { class: 'panel' }, h('p', { class: 'error-text' }, `No live metrics: ${state.message}.`),
        state.status === 503 ? h('p', { class: 'muted' },
          'They come from the data plane: run meshbox with the gateway role (', h('code', {}, '--roles …,gateway'), ').') : null));
    } else {
      replace(problems);
    }
  });
  return stop;
}

/** One destination: its numbers over the last 10 s and two small charts. */
function destinationCard(entry) {
  const rps = new LineChart({ label: 'Requests/s', lines: [{ key: 'requests', label: 'req/s' }], format: rate, small: true, height: 70 });
  const latency = new LineChart({
    label: 'Latency', format: milliseconds, small: true, height: 70,
    lines: [{ key: 'p50', label: 'p50', className: 'p50' }, { key: 'p99', label: 'p99', className: 'p99' }],
  });
  const numbers = h('dl', { class: 'live-numbers' });
  const title = entry.service
    ? h('a', { href: `#/services?q=${encodeURIComponent(entry.service.split('/')[1])}` }, entry.service)
    : entry.host;
  const element = h('section', { class: 'panel live-service', 'data-host': entry.host, 'aria-label': `Live metrics of ${entry.name}` },
    h('div', { class: 'live-service-head' },
      h('h3', {}, title), entry.service ? h('span', { class: 'muted mono' }, entry.host) : null,
      numbers, h('span', { class: 'muted' }, 'last 10 s')),
    h('div', { class: 'chart-row' }, rps.element, latency.element));
  return {
    element,
    update(current) {
      const recent = current.last10s;
      replace(numbers,
        h('dt', {}, 'req/s'), h('dd', { 'data-metric': 'rps' }, rate(recent.requestsPerSecond)),
        h('dt', {}, '5xx'), h('dd', { 'data-metric': 'errors', class: recent.serverErrors ? 'error-text' : '' }, percentOf(recent.errorRate)),
        h('dt', {}, 'p50'), h('dd', { 'data-metric': 'p50' }, milliseconds(recent.p50Ms)),
        h('dt', {}, 'p99'), h('dd', { 'data-metric': 'p99' }, milliseconds(recent.p99Ms)));
      rps.update({ requests: current.requests });
      latency.update({ p50: current.p50, p99: current.p99 });
    },
  };
}
