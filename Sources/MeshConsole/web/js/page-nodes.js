// Nodes: the data-plane nodes connected to this process's ADS server (Envoy, remote meshbox
// nodes), from `GET /api/v1/xds/nodes`: who each is, whether it is connected, per resource type
// the version sent and the version it acknowledged, and the last config it rejected (NACK).
// Read every few seconds; the server has no stream of it.
import { get } from './api.js';
import { h, replace, badge } from './dom.js';
import { duration, relative, dateTime, plural } from './format.js';

const REFRESH_MS = 5000;

export async function renderNodes(view) {
  const expanded = new Set();
  let nodes = null;
  let failure = null;
  let timer = null;
  let stopped = false;
  const updated = h('span', { class: 'muted grow', id: 'nodes-updated' });
  const content = h('div', { id: 'nodes' });
  const refresh = async () => {
    clearTimeout(timer);
    try {
      nodes = await get('/api/v1/xds/nodes');
      failure = null;
    } catch (error) {
      failure = error;
    }
    if (stopped) return;
    updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
    render();
    clearTimeout(timer);  // a Refresh click while a poll was in flight: still one timer
    timer = setTimeout(refresh, REFRESH_MS);
  };
  const render = () => {
    if (failure) return replace(content, failure.status === 503 ? notRunning() : h('p', { class: 'error-text', role: 'alert' }, failure.message));
    if (!nodes.length) return replace(content, emptyState());
    const connected = nodes.filter((node) => node.connected).length;
    replace(content,
      h('p', { class: 'muted', id: 'nodes-summary' }, `${plural(connected, 'node')} connected`,
        nodes.length > connected ? `, ${nodes.length - connected} recently disconnected` : ''),
      h('div', { class: 'panel table-wrap' }, h('table', { id: 'nodes-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Node'), h('th', {}, 'Roles'), h('th', {}, 'State'), h('th', {}, 'Config'),
          h('th', { class: 'hide-narrow' }, 'Mode'), h('th', { class: 'hide-narrow' }, 'Peer'), h('th', {}, 'Last NACK'))),
        h('tbody', {}, nodes.map((node) => nodeRows(node, expanded, render))))));
  };
  replace(view, h('div', { class: 'toolbar' }, h('h1', {}, 'Nodes'), updated,
    h('button', { type: 'button', id: 'nodes-refresh', onclick: () => refresh() }, 'Refresh')), content);
  await refresh();
  return () => { stopped = true; clearTimeout(timer); };
}

/** The node's row, and below it, when expanded, its versions per resource type. */
function nodeRows(node, expanded, render) {
  const key = String(node.streamID);
  const open = expanded.has(key);
  const types = typeURLs(node);
  const behind = types.filter((type) => node.sentVersions[type] !== node.ackedVersions[type]);
  const toggle = h('button', {
    type: 'button', class: 'quiet', 'aria-expanded': String(open), 'aria-label': `${open ? 'Hide' : 'Show'} versions of ${node.nodeID}`,
    onclick: () => { if (open) expanded.delete(key); else expanded.add(key); render(); },
  }, open ? '▾' : '▸');
  const rejection = node.lastRejection;
  const row = h('tr', { 'data-node': node.nodeID, 'data-stream': key },
    h('td', {}, toggle, ' ', h('strong', {}, node.nodeID),
      Object.entries(node.labels || {}).map(([k, v]) => [' ', h('span', { class: 'chip' }, `${k}=${v}`)])),
    h('td', {}, node.roles.map((role) => h('span', { class: 'chip' }, role))),
    h('td', { class: 'state' }, node.connected
      ? [badge('connected', 'passing'), h('span', { title: dateTime(node.connectedAt) }, ` for ${duration((Date.now() - new Date(node.connectedAt)) / 1000)}`)]
      : [badge('disconnected', 'unknown'), h('span', { title: dateTime(node.disconnectedAt) }, ` ${relative(node.disconnectedAt)}`)]),
    h('td', { class: 'sync' }, !types.length ? h('span', { class: 'muted' }, 'nothing sent yet')
      : behind.length ? h('span', { class: 'behind', title: behind.map(shortType).join(', ') }, `${behind.length} of ${types.length} types not acknowledged`)
        : `${plural(types.length, 'type')} acknowledged`, h('span', { class: 'muted' }, ` · ${node.pushes} push${node.pushes === 1 ? '' : 'es'}`)),
    h('td', { class: 'hide-narrow' }, node.mode),
    h('td', { class: 'mono hide-narrow' }, node.peer),
    h('td', { class: 'nack' }, rejection
      ? [badge(`${node.rejections} NACK${node.rejections === 1 ? '' : 's'}`, 'critical'), ' ', h('span', { class: 'mono' }, shortType(rejection.typeURL)),
        ` ${rejection.message} `, h('span', { class: 'muted', title: dateTime(rejection.time) }, relative(rejection.time))]
      : h('span', { class: 'muted' }, 'none')));
  if (!open) return row;
  const versions = h('table', { class: 'versions' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Type'), h('th', {}, 'Sent'), h('th', {}, 'Acknowledged'))),
    h('tbody', {}, types.map((type) => h('tr', { 'data-type': type, class: node.sentVersions[type] !== node.ackedVersions[type] ? 'behind' : '' },
      h('td', { title: type }, shortType(type)),
      h('td', { class: 'mono' }, node.sentVersions[type] || '—'),
      h('td', { class: 'mono' }, node.ackedVersions[type] || '—')))));
  return [row, h('tr', { class: 'sub' }, h('td', { colspan: 7 },
    h('p', { class: 'muted' }, `Stream ${key}, connected at ${dateTime(node.connectedAt)}`,
      node.disconnectedAt ? `, gone at ${dateTime(node.disconnectedAt)}` : ''),
    versions))];
}

function typeURLs(node) {
  return [...new Set([...Object.keys(node.sentVersions || {}), ...Object.keys(node.ackedVersions || {})])].sort();
}

/** 'type.googleapis.com/envoy.config.cluster.v3.Cluster' → 'Cluster'; meshbox's own types say so. */
export function shortType(typeURL) {
  const name = typeURL.slice(typeURL.lastIndexOf('/') + 1);
  const last = name.slice(name.lastIndexOf('.') + 1);
  return name.startsWith('meshbox.') ? `meshbox ${last}` : last;
}

function emptyState() {
  return h('section', { class: 'panel', id: 'nodes-empty' },
    h('h2', {}, 'No node has connected'),
    h('p', {}, 'Nodes take their config from this process over xDS. To connect one:'),
    h('ul', {},
      h('li', {}, 'Envoy: ', h('code', {}, 'meshbox envoy bootstrap --node NAME --out-dir DIR'),
        ' then ', h('code', {}, 'envoy -c DIR/bootstrap.yaml'), '.'),
      h('li', {}, 'A meshbox node on another host: ', h('code', {}, 'meshbox token create --node NAME'),
        ' here, then there ', h('code', {}, 'meshbox serve --roles gateway --control-plane https://HOST:15012 --join-token TOKEN'), '.')));
}

function notRunning() {
  return h('section', { class: 'panel', id: 'nodes-empty' },
    h('h2', {}, 'The ADS server does not run here'),
    h('p', {}, 'Set ', h('code', {}, 'xds.enabled: true'), ' in meshbox.yaml (with the ca, config and registry roles) and restart ',
      h('code', {}, 'meshbox serve'), '; then connect nodes with ', h('code', {}, 'meshbox envoy bootstrap --node NAME'), '.'));
}
