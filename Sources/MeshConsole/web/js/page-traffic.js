// Traffic: what the gateway serves, from the compiled snapshot. For a host, its routes in the
// order they are tried and where each sends traffic (weighted splits as a diagram); the
// listeners with their TLS chains, every host they serve, and the certificates they present.
import { get } from './api.js';
import { h, replace, badge } from './dom.js';
import { plural } from './format.js';
import { renderSplitDiagram, clusterLabel } from './traffic-diagram.js';
import { explainLink } from './page-explain.js';

export async function renderTraffic(view, route) {
  let host = route.query.get('host') || '';
  let traffic;
  try {
    traffic = await get(`/api/v1/traffic${host ? `?host=${encodeURIComponent(host)}` : ''}`);
  } catch (error) {
    if (error.status !== 503) throw error;
    replace(view, h('h1', {}, 'Traffic'), h('p', { class: 'muted' }, `${error.message}.`));
    return;
  }
  const hostNames = [...new Set(traffic.hosts.map((entry) => entry.host))].sort();
  if (!host && hostNames.length) {
    host = hostNames[0];
    traffic = await get(`/api/v1/traffic?host=${encodeURIComponent(host)}`);
  }
  const picker = h('select', { id: 'traffic-host', 'aria-label': 'Host' },
    hostNames.map((name) => h('option', { value: name, selected: name === host }, name)));
  if (host && !hostNames.includes(host)) picker.prepend(h('option', { value: host, selected: true }, `${host} (not served)`));
  picker.addEventListener('change', () => { location.hash = `#/traffic?host=${encodeURIComponent(picker.value)}`; });

  replace(view,
    h('div', { class: 'toolbar' }, h('h1', { class: 'grow' }, 'Traffic'),
      hostNames.length ? [h('label', { for: 'traffic-host' }, 'Host'), picker] : null,
      h('span', { class: 'muted' }, `snapshot v${traffic.snapshotVersion}`)),
    traffic.listeners.length
      ? routesSection(traffic, host)
      : h('section', { class: 'panel' }, h('p', { class: 'muted' },
        'The gateway serves nothing yet: apply a Gateway and a VirtualService bound to it.')),
    listenersSection(traffic),
    hostsSection(traffic, host),
    certificatesSection(traffic));
}

function routesSection(traffic, host) {
  if (!host) return null;
  const section = h('section', { class: 'panel', id: 'traffic-routes', 'aria-labelledby': 'routes-title' },
    h('h2', { id: 'routes-title' }, `Routes for ${host}`));
  if (!traffic.routes.length) {
    section.append(h('p', { class: 'muted' }, `No listener serves ${host}: requests for it get 404.`));
    return section;
  }
  for (const group of traffic.routes) {
    section.append(h('h3', {}, `${group.virtualHost} on ${group.listener} (${group.protocol})`,
      group.requireTLS ? [' ', badge('TLS required', 'warning')] : null));
    if (!group.routes.length) {
      section.append(h('p', { class: 'muted' }, group.requireTLS
        ? 'No routes here; the virtual host requires TLS (see Explain for what a request gets).' : 'No routes: every request gets 404.'));
      continue;
    }
    section.append(renderSplitDiagram(group.routes, { title: `Routes of ${group.virtualHost} and their destinations` }));
    section.append(h('div', { class: 'table-wrap' }, h('table', { class: 'routes' },
      h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Route'), h('th', {}, 'Match'),
        h('th', {}, 'Sends to'), h('th', { class: 'hide-narrow' }, 'Policies'), h('th', {}, ''))),
      h('tbody', {}, group.routes.map((entry) => routeRow(entry))))));
  }
  return section;
}

function routeRow(entry) {
  const s = entry.summary;
  let target;
  if (s.action === 'redirect') target = `redirect ${s.redirect}`;
  else if (s.action === 'directResponse') target = `answer ${s.directResponse}`;
  else target = h('ul', { class: 'plain' }, s.clusters.map((c) => h('li', {},
    h('span', { class: 'mono' }, clusterLabel(c)), ` ${Math.round(c.share * 10) / 10}%`)));
  return h('tr', { 'data-route': s.name },
    h('td', {}, String(entry.index)),
    h('td', { class: 'mono' }, s.name),
    h('td', {}, s.match),
    h('td', {}, target),
    h('td', { class: 'hide-narrow' }, s.details.length ? h('ul', { class: 'plain' }, s.details.map((d) => h('li', {}, d))) : h('span', { class: 'muted' }, '—')),
    h('td', {}, entry.example ? h('a', { href: explainLink(entry.example), class: 'button quiet' }, 'Explain') : null));
}

function listenersSection(traffic) {
  return h('section', { class: 'panel table-wrap', 'aria-labelledby': 'listeners-title' },
    h('h2', { id: 'listeners-title' }, 'Listeners'),
    traffic.listeners.length ? h('table', { id: 'traffic-listeners' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Listener'), h('th', {}, 'Protocol'), h('th', {}, 'Filter chains'))),
      h('tbody', {}, traffic.listeners.map((listener) => h('tr', {},
        h('td', { class: 'mono' }, `${listener.address}:${listener.port}`),
        h('td', {}, listener.protocol),
        h('td', {}, h('ul', { class: 'plain' }, listener.filterChains.map((chain) => h('li', {},
          h('span', { class: 'mono' }, chain.name),
          chain.serverNames.length ? ` SNI ${chain.serverNames.join(', ')}` : '',
          chain.tlsMode ? [' ', badge(`TLS ${chain.tlsMode}`, 'ok'), ` ${chain.certificateSecretName}`] : '',
          chain.tcpClusters.length ? ` → ${chain.tcpClusters.map((c) => `${clusterLabel(c)} ${Math.round(c.share)}%`).join(', ')}` : ''))))))))
      : h('p', { class: 'muted' }, 'No listener.'));
}

function hostsSection(traffic, current) {
  return h('section', { class: 'panel table-wrap', 'aria-labelledby': 'hosts-title' },
    h('h2', { id: 'hosts-title' }, `Hosts (${traffic.hosts.length})`),
    traffic.hosts.length ? h('table', { id: 'traffic-hosts' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Host'), h('th', {}, 'Port'), h('th', { class: 'hide-narrow' }, 'Virtual host'), h('th', {}, 'Routes'))),
      h('tbody', {}, traffic.hosts.map((entry) => h('tr', {},
        h('td', {}, entry.host === current ? h('strong', {}, entry.host)
          : h('a', { href: `#/traffic?host=${encodeURIComponent(entry.host)}` }, entry.host)),
        h('td', {}, String(entry.port)),
        h('td', { class: 'mono hide-narrow' }, entry.virtualHost),
        h('td', {}, entry.requireTLS && !entry.routes ? 'TLS required, no routes' : plural(entry.routes, 'route'))))))
      : h('p', { class: 'muted' }, 'No HTTP host is served.'));
}

function certificatesSection(traffic) {
  return h('section', { class: 'panel table-wrap', 'aria-labelledby': 'tls-title' },
    h('h2', { id: 'tls-title' }, 'Certificates'),
    traffic.certificates.length ? h('table', { id: 'traffic-certificates' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Secret'), h('th', {}, 'Use'), h('th', { class: 'hide-narrow' }, 'From'), h('th', {}, 'Listener'), h('th', {}, 'Server names'))),
      h('tbody', {}, traffic.certificates.map((c) => h('tr', {},
        h('td', { class: 'mono' }, c.secret),
        h('td', {}, c.kind === 'certificate' ? 'server certificate' : 'client CA'),
        h('td', { class: 'hide-narrow' }, c.source),
        h('td', { class: 'mono' }, c.listener),
        h('td', {}, c.serverNames.join(', ') || 'any')))))
      : h('p', { class: 'muted' }, 'No listener terminates TLS.'));
}
