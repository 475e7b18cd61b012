// Services: each service with its VIPs, ports, instances and their health, kept live by the
// config and registry watches, and the requests/s, 5xx rate and p99 the data plane sees for it
// (the traffic watch, once a second); ServiceEntry hosts with their VIPs; where the node proxy
// runs, whether each VIP is captured. Renders one page of rows at a time, so 1,000 services
// cost no more than 100.
import { get } from './api.js';
import { h, replace, badge } from './dom.js';
import { CaptureState } from './capture.js';
import { relative, plural } from './format.js';
import { watch, frameScheduler } from './live.js';
import { ServicesModel, serviceHealth, serviceEntryHosts } from './services-model.js';
import { rate, milliseconds, percentOf } from './live-model.js';

const PAGE_SIZE = 100;
const CAPTURE_REFRESH_MS = 10000;

export async function renderServices(view, route) {
  const model = new ServicesModel();
  const expanded = new Set();
  let page = 0;
  const filter = h('input', {
    type: 'search', class: 'grow', id: 'services-filter', 'data-filter': true,
    placeholder: 'Filter by name, namespace, VIP or address (press /)', 'aria-label': 'Filter services',
    value: route.query.get('q') || '',
  });
  const live = h('span', { class: 'live', id: 'services-live', role: 'status' }, 'connecting…');
  const summary = h('span', { class: 'muted', id: 'services-summary' });
  const body = h('tbody', { id: 'services-rows' });
  const pager = h('div', { class: 'pager' });
  const problems = h('div', { role: 'alert' });
  const captureLine = h('p', { class: 'muted', id: 'services-capture', hidden: true });
  const entries = h('section', { class: 'panel table-wrap', id: 'serviceentry-hosts', hidden: true });
  const loaded = { config: false, registry: false };
  let capture = null; // CaptureState while the proxy role runs here
  let entryRows = [];

  replace(view,
    h('h1', {}, 'Services'),
    h('div', { class: 'toolbar' }, filter, summary, live),
    problems,
    captureLine,
    h('div', { class: 'panel table-wrap' },
      h('table', { id: 'services-table' },
        h('thead', {}, h('tr', {},
          h('th', {}, 'Service'), h('th', {}, 'VIPs'), h('th', {}, 'Ports'),
          h('th', {}, 'Instances'), h('th', {}, 'Health'),
          h('th', { class: 'num', title: 'Requests per second through the gateway, over the last 10 s' }, 'Req/s'),
          h('th', { class: 'num hide-narrow', title: 'Share of 5xx answers over the last 10 s' }, '5xx'),
          h('th', { class: 'num hide-narrow', title: '99th percentile latency over the last 10 s' }, 'p99'))),
        body),
      pager),
    entries);

  const render = () => {
    const rows = model.filtered(filter.value);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const shown = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    const fragment = document.createDocumentFragment();
    for (const row of shown) {
      fragment.append(serviceRow(row, expanded, render, model.trafficOf(row.key), capture));
      if (expanded.has(row.key)) fragment.append(instancesRow(row));
    }
    body.replaceChildren(fragment);
    if (!rows.length) {
      body.append(h('tr', {}, h('td', { colspan: COLUMNS, class: 'muted' },
        loaded.config || loaded.registry ? 'No service matches.' : 'Loading…')));
    }
    summary.textContent = `${plural(rows.length, 'service')}${rows.length !== model.allRows().length ? ` of ${model.allRows().length}` : ''}`;
    replace(pager,
      h('button', { type: 'button', disabled: page === 0, onclick: () => { page -= 1; render(); } }, 'Previous'),
      h('span', { class: 'muted' }, rows.length ? `${page * PAGE_SIZE + 1}–${page * PAGE_SIZE + shown.length} of ${rows.length}` : ''),
      h('button', { type: 'button', disabled: page >= pages - 1, onclick: () => { page += 1; render(); } }, 'Next'));
    renderEntries(entries, entryRows, capture);
  };
  const schedule = frameScheduler(render);
  filter.addEventListener('input', () => { page = 0; schedule(); });

  // Traffic numbers change every second: they are written into the rows shown, in place, so
  // that the table (and the focus in it) stays put.
  const scheduleTraffic = frameScheduler(() => {
    for (const tr of body.querySelectorAll('tr[data-service]')) fillTraffic(tr, model.trafficOf(tr.dataset.service));
  });

  // 'absent': no data plane runs in this process (503); the traffic columns then stay empty.
  const statuses = { config: 'connecting', registry: 'connecting', traffic: 'connecting' };
  const showStatus = () => {
    const values = Object.values(statuses).filter((status) => status !== 'absent');
    const failed = Object.entries(statuses).filter(([, status]) => status instanceof Error);
    live.className = `live ${values.every((s) => s === 'live') ? 'on' : failed.length ? 'off' : ''}`;
    live.textContent = values.every((s) => s === 'live') ? 'live' : failed.length ? 'not live' : 'reconnecting…';
    replace(problems, failed.map(([name, error]) => h('p', { class: 'error-text' }, `${name}: ${error.message}`)));
  };
  const stops = [
    watch('/api/v1/watch/config?kind=Service', (state) => {
      loaded.config = true; model.setServiceResources(state.items); schedule();
    }, (status) => { statuses.config = status; showStatus(); }),
    watch('/api/v1/watch/config?kind=ServiceEntry', (state) => {
      entryRows = serviceEntryHosts(state.items); schedule();
    }, () => {}),
    watch('/api/v1/watch/registry', (state) => {
      loaded.registry = true; model.setInstances(state.items); schedule();
    }, (status) => { statuses.registry = status; showStatus(); }),
    watch('/api/v1/watch/traffic', (sample) => {
      model.setTraffic(sample); scheduleTraffic();
    }, (status) => {
      statuses.traffic = status instanceof Error && status.status === 503 ? 'absent' : status;
      showStatus();
    }),
  ];
  // The proxy's capture state has no stream: read every few seconds while it answers (503: no
  // proxy role here, asked no more).
  let timer = null;
  let stopped = false;
  const readCapture = async () => {
    try {
      const status = await get('/api/v1/proxy/status');
      if (stopped) return;
      capture = new CaptureState(status);
      captureLine.textContent = capture.summary();
      captureLine.hidden = false;
      timer = setTimeout(readCapture, CAPTURE_REFRESH_MS);
    } catch (error) {
      if (stopped) return;
      capture = null;
      captureLine.hidden = true;
      if (error.status !== 503) timer = setTimeout(readCapture, CAPTURE_REFRESH_MS);
    }
    schedule();
  };
  readCapture();
  stops.push(() => { stopped = true; clearTimeout(timer); });
  render();
  return () => stops.forEach((stop) => stop());
}

/** One line per VIP: the address, fixed or allocated, and (with the proxy here) whether it is captured. */
function vipCell(vips, capture, key) {
  if (!vips.length) return h('td', { class: 'mono' }, '—');
  return h('td', { class: 'vips' }, vips.map((vip) => {
    const state = capture ? capture.of(vip.address, key) : null;
    return h('div', { class: 'vip', 'data-vip': vip.address },
      h('span', { class: 'mono' }, vip.address),
      h('span', { class: 'muted', title: vip.fixed ? 'spec.vip' : 'allocated from the service range' }, vip.fixed ? ' fixed' : ' allocated'),
      state ? h('span', { class: state.captured ? 'capture ok' : 'capture off', title: state.text },
        state.captured ? ' · captured' : ' · not captured') : null);
  }));
}

function renderEntries(section, rows, capture) {
  section.hidden = rows.length === 0;
  if (!rows.length) return;
  replace(section, h('h2', {}, 'ServiceEntry hosts'),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Host'), h('th', {}, 'VIPs'), h('th', {}, 'Ports'), h('th', {}, 'ServiceEntry'))),
      h('tbody', {}, rows.map((row) => h('tr', { 'data-host': row.host },
        h('td', { class: 'mono' }, row.host),
        row.addresses.length
          ? h('td', { class: 'mono', title: 'spec.addresses: no VIP is allocated' }, row.addresses.join(', '))
          : vipCell(row.vips, capture, row.key),
        h('td', { class: 'mono' }, portsText(row.ports)),
        h('td', {}, h('a', { href: `#/config/ServiceEntry/${encodeURIComponent(row.namespace)}/${encodeURIComponent(row.name)}` },
          `${row.namespace}/${row.name}`)))))));
}

function portsText(ports) {
  return ports.map((port) => `${port.name ? port.name + ' ' : ''}${port.number}/${port.protocol || 'TCP'}`).join(', ') || '—';
}

function serviceRow(row, expanded, render, traffic, capture) {
  const open = expanded.has(row.key);
  const toggle = h('button', {
    type: 'button', class: 'quiet', 'aria-expanded': String(open),
    'aria-label': `${open ? 'Hide' : 'Show'} instances of ${row.key}`,
    onclick: () => { if (open) expanded.delete(row.key); else expanded.add(row.key); render(); },
  }, open ? '▾' : '▸');
  const health = serviceHealth(row);
  const total = row.instances.length;
  const bar = h('span', { class: 'healthbar', 'aria-hidden': 'true' },
    ['passing', 'critical', 'unknown'].map((state) => (row.counts[state]
      ? h('span', { class: state, 'data-width': row.counts[state] / total }) : null)));
  for (const part of bar.children) part.style.width = `${part.dataset.width * 100}%`;
  return h('tr', { 'data-service': row.key },
    h('td', {}, toggle, ' ', h('strong', {}, row.name), h('span', { class: 'muted' }, ` ${row.namespace}`),
      row.declared ? null : h('span', { class: 'muted', title: 'No Service resource declares it; known from the registry only' }, ' (registry only)')),
    vipCell(row.vips, capture, row.key),
    h('td', { class: 'mono' }, portsText(row.ports)),
    h('td', {}, total ? bar : null, `${row.counts.passing}/${total}`),
    h('td', {}, badge(health, health === 'degraded' ? 'warning' : health)),
    fillTraffic(null, traffic));
}

const COLUMNS = 8;

/** The Req/s, 5xx and p99 cells of a row: made (tr null) or updated in place. */
function fillTraffic(tr, traffic) {
  const values = traffic
    ? [rate(traffic.requestsPerSecond), percentOf(traffic.errorRate), milliseconds(traffic.p99Ms)]
    : ['—', '—', '—'];
  if (!tr) {
    return ['rps', 'errors', 'p99'].map((metric, index) => h('td', {
      class: `num traffic${index ? ' hide-narrow' : ''}${metric === 'errors' && traffic && traffic.serverErrors ? ' error-text' : ''}`,
      'data-metric': metric,
    }, values[index]));
  }
  tr.querySelectorAll('td.traffic').forEach((cell, index) => {
    if (cell.textContent !== values[index]) cell.textContent = values[index];
    if (cell.dataset.metric === 'errors') cell.classList.toggle('error-text', Boolean(traffic && traffic.serverErrors));
  });
  return null;
}

function instancesRow(row) {
  const content = row.instances.length === 0
    ? h('p', { class: 'muted' }, 'No instance is registered.')
    : h('table', {}, h('thead', {}, h('tr', {},
      h('th', {}, 'Address'), h('th', {}, 'Node'), h('th', {}, 'Service account'), h('th', {}, 'Health'), h('th', {}, 'Check'),
      h('th', { class: 'hide-narrow' }, 'Labels'), h('th', {}, 'Since'))),
    h('tbody', {}, row.instances.map((instance) => h('tr', { 'data-instance': instance.id },
      h('td', { class: 'mono' }, `${instance.address}:${instance.ports.map((p) => p.number).join(',')}`),
      h('td', {}, instance.node),
      h('td', {}, instance.serviceAccount),
      h('td', {}, badge(instance.health)),
      h('td', {}, instance.check ? `${instance.check.kind}${instance.healthOutput ? ': ' + instance.healthOutput : ''}` : (instance.source === 'serviceEntry' ? 'ServiceEntry' : 'none')),
      h('td', { class: 'hide-narrow' }, Object.entries(instance.labels).map(([k, v]) => h('span', { class: 'chip' }, `${k}=${v}`))),
      h('td', {}, relative(instance.healthChangedAt))))));
  return h('tr', { class: 'sub' }, h('td', { colspan: COLUMNS }, content));
}
