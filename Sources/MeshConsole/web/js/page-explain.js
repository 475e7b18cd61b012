// Explain: a request in (method, host, path, headers, source identity, listener port) → the
// listener, filter chain, virtual host, route, destinations with their endpoints, and the
// authorization decision, worked out by the data plane's own routing code on the server. Sent
// to a gateway listener, or (mesh) by a program on a proxy host to a service's VIP or name.
import { post } from './api.js';
import { h, replace, badge } from './dom.js';
import { clusterLabel } from './traffic-diagram.js';

const FIELDS = [
  ['method', 'Method', 'GET'], ['host', 'Host', ''], ['path', 'Path and query', '/'], ['port', 'Listener port', ''],
  ['ip', 'Source IP', ''], ['principal', 'Source principal', ''],
];

/** '#/explain?…' for a request (an ExplainRequest from the traffic API); opens with the answer. */
export function explainLink(request) {
  const query = new URLSearchParams();
  query.set('method', request.method || 'GET');
  query.set('host', request.host);
  query.set('path', request.path || '/');
  if (request.listenerPort) query.set('port', String(request.listenerPort));
  if (request.mesh) query.set('mesh', '1');
  for (const header of request.headers || []) query.append('header', `${header.name}: ${header.value}`);
  query.set('run', '1');
  return `#/explain?${query}`;
}

/** 'name: value' lines → [{name, value}]; blank lines skipped, a line without ':' is an error. */
export function parseHeaders(text) {
  const headers = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':', line.startsWith(':') ? 1 : 0);
    if (colon <= 0) throw new Error(`header line ${index + 1} needs "name: value"`);
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

export async function renderExplain(view, route) {
  const q = route.query;
  const inputs = {};
  const fields = FIELDS.map(([name, label, fallback]) => {
    inputs[name] = h('input', { id: `explain-${name}`, name, value: q.get(name) || fallback,
      ...(name === 'port' ? { inputmode: 'numeric', placeholder: 'any HTTP listener' } : {}),
      ...(name === 'principal' ? { placeholder: 'spiffe://cluster.local/ns/…/sa/…' } : {}),
      ...(name === 'host' ? { required: true, placeholder: 'bookinfo.example.com' } : {}) });
    return h('div', { class: 'field' }, h('label', { for: `explain-${name}` }, label), inputs[name]);
  });
  const via = h('select', { id: 'explain-via', name: 'via' },
    h('option', { value: 'gateway' }, 'A client of the gateway (to a gateway listener)'),
    h('option', { value: 'mesh', selected: q.get('mesh') === '1' }, 'A program on a proxy host (to a service VIP or name)'));
  const portLabel = fields.find((field) => field.contains(inputs.port)).querySelector('label');
  const showVia = () => {
    const mesh = via.value === 'mesh';
    portLabel.textContent = mesh ? 'Service port' : 'Listener port';
    inputs.port.placeholder = mesh ? 'the host\'s :port, else 80' : 'any HTTP listener';
    inputs.host.placeholder = mesh ? 'reviews.default.svc.cluster.local or a VIP' : 'bookinfo.example.com';
  };
  via.addEventListener('change', showVia);
  showVia();
  const headers = h('textarea', { id: 'explain-headers', name: 'headers', rows: 3, spellcheck: 'false',
    placeholder: 'end-user: jason' }, q.getAll('header').join('\n'));
  const error = h('p', { class: 'error-text', role: 'alert', id: 'explain-error' });
  const result = h('div', { id: 'explain-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'panel explain-form', id: 'explain-form', 'aria-label': 'Request to explain' },
    h('div', { class: 'field wide' }, h('label', { for: 'explain-via' }, 'Sent by'), via),
    h('div', { class: 'fields' }, fields),
    h('div', { class: 'field wide' }, h('label', { for: 'explain-headers' }, 'Headers (one "name: value" per line)'), headers),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'primary', id: 'explain-run' }, 'Explain'),
      h('span', { class: 'muted' }, 'Nothing is sent: the answer is computed from the snapshot the data plane serves.')),
    error);
  headers.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    let body;
    try {
      body = { method: inputs.method.value, host: inputs.host.value, path: inputs.path.value, headers: parseHeaders(headers.value) };
      if (via.value === 'mesh') body.mesh = true;
    } catch (failure) { error.textContent = failure.message; headers.focus(); return; }
    const port = inputs.port.value.trim();
    if (port) {
      if (!/^\d+$/.test(port)) { error.textContent = 'The port is a number.'; inputs.port.focus(); return; }
      body.listenerPort = Number(port);
    }
    if (inputs.ip.value.trim()) body.sourceIP = inputs.ip.value.trim();
    if (inputs.principal.value.trim()) body.sourcePrincipal = inputs.principal.value.trim();
    try {
      replace(result, renderAnswer(await post('/api/v1/explain', { json: body }), body.mesh));
    } catch (failure) {
      error.textContent = failure.message;
      replace(result);
    }
  });
  replace(view, h('h1', {}, 'Explain a request'), form, result);
  if (q.get('run') && inputs.host.value) form.requestSubmit();
  else inputs.host.focus();
}

const GOOD = new Set(['forwarded', 'redirected', 'directResponse', 'tlsRedirect', 'corsPreflight', 'tcpProxied']);

function renderAnswer(answer, mesh) {
  const good = GOOD.has(answer.verdict);
  const parts = [
    h('section', { class: `panel verdict ${good ? 'good' : 'bad'}`, id: 'explain-verdict' },
      h('h2', {}, badge(answer.status ? String(answer.status) : answer.verdict, good ? 'ok' : 'bad'), ' ', answer.summary),
      h('ol', { class: 'steps', id: 'explain-steps' }, answer.steps.map((step) => h('li', { class: step.passed ? 'pass' : 'fail' },
        h('span', { class: 'stage' }, step.stage), ' ', step.text)))),
  ];
  const facts = [];
  const fact = (term, ...value) => facts.push(h('dt', {}, term), h('dd', {}, ...value));
  if (answer.listener) fact('Listener', h('span', { class: 'mono' }, `${answer.listener.name}`), ` (${answer.listener.protocol})`);
  if (answer.filterChain) fact('Filter chain', h('span', { class: 'mono' }, answer.filterChain.name),
    answer.filterChain.tlsMode ? ` TLS ${answer.filterChain.tlsMode}, certificate ${answer.filterChain.certificateSecretName}` : '');
  if (answer.routeConfiguration) fact('Route configuration', h('span', { class: 'mono' }, answer.routeConfiguration));
  if (answer.virtualHost) fact('Virtual host', h('span', { class: 'mono' }, answer.virtualHost.name));
  if (answer.route) {
    fact('Route', h('span', { id: 'explain-route', class: 'mono' }, answer.route.summary.name), ` (rule #${answer.route.index})`);
    fact('Matches', answer.route.summary.match);
    if (answer.route.summary.details.length) fact('Policies', h('ul', { class: 'plain' }, answer.route.summary.details.map((d) => h('li', {}, d))));
  }
  if (answer.location) fact('Location', h('span', { class: 'mono' }, answer.location));
  if (answer.upstreamRequest) fact('Upstream request', h('span', { class: 'mono' }, `${answer.upstreamRequest.authority}${answer.upstreamRequest.path}`));
  if (facts.length) parts.push(h('section', { class: 'panel' }, h('h2', {}, mesh ? 'Path through the node proxy' : 'Path through the gateway'), h('dl', { class: 'facts' }, facts)));
  if (answer.destinations.length) parts.push(destinationsPanel(answer.destinations));
  if (answer.authorization) parts.push(authorizationPanel(answer.authorization));
  return parts;
}

function destinationsPanel(destinations) {
  return h('section', { class: 'panel table-wrap', id: 'explain-destinations' }, h('h2', {}, 'Destinations'),
    destinations.map((d) => h('div', { class: 'destination', 'data-cluster': d.split.cluster },
      h('h3', {}, clusterLabel(d.split), ' ', h('span', { class: 'muted' }, `${Math.round(d.split.share * 10) / 10}% of requests`),
        d.exists ? '' : [' ', badge('missing', 'bad')]),
      h('p', { class: 'muted mono' }, d.split.cluster, d.loadBalancer ? ` · ${d.loadBalancer}` : ''),
      d.endpoints.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Endpoint'), h('th', {}, 'Health'), h('th', { class: 'hide-narrow' }, 'Labels'), h('th', { class: 'hide-narrow' }, 'Instance'))),
        h('tbody', {}, d.endpoints.map((e) => h('tr', { class: e.receivesTraffic ? '' : 'no-traffic' },
          h('td', { class: 'mono' }, `${e.address}:${e.port}`),
          h('td', {}, badge(e.health, e.receivesTraffic ? 'passing' : 'critical'), e.receivesTraffic ? '' : ' no traffic'),
          h('td', { class: 'hide-narrow' }, Object.entries(e.labels || {}).map(([k, v]) => h('span', { class: 'chip' }, `${k}=${v}`))),
          h('td', { class: 'mono hide-narrow' }, e.instanceID)))))
        : h('p', { class: 'muted' }, 'No endpoint: requests for this destination get 503.'))));
}

function authorizationPanel(authz) {
  const decision = authz.decision;
  return h('section', { class: 'panel', id: 'explain-authorization' }, h('h2', {}, 'Authorization'),
    h('p', {}, decision ? badge(decision.allowed ? 'allowed' : 'denied', decision.allowed ? 'ok' : 'bad') : badge('unknown'), ' ',
      decision ? decision.reason : 'not evaluated'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Enforced as'), h('dd', {}, `namespace ${authz.workloadNamespace}`,
        Object.entries(authz.workloadLabels || {}).map(([k, v]) => [' ', h('span', { class: 'chip' }, `${k}=${v}`)])),
      h('dt', {}, 'Identity from'), h('dd', {}, authz.identity),
      h('dt', {}, 'Policies in the store'), h('dd', {}, String(authz.policiesConsidered)),
      decision && decision.audited && decision.audited.length ? [h('dt', {}, 'Audited by'), h('dd', {}, decision.audited.map((k) => `${k.namespace}/${k.name}`).join(', '))] : null));
}
