// Overview: this process (roles, version, uptime, config revision) and what needs attention.
import { ApiError, getAll } from './api.js';
import { h, replace, badge } from './dom.js';
import { duration, relative, plural } from './format.js';
import { unhealthyInstances, expiringCertificates, parseResourceName } from './attention.js';

export async function renderOverview(view) {
  replace(view, h('h1', {}, 'Overview'), h('p', { class: 'muted' }, 'Loading…'));
  let timer = null;
  const refresh = async () => {
    const [status, instances, ca, analysis] = await getAll([
      '/api/v1/status', '/api/v1/instances', '/api/v1/ca/status', '/api/v1/analysis',
    ]);
    if (!view.isConnected) return;
    if (status instanceof ApiError) throw status;
    replace(view,
      h('div', { class: 'toolbar' }, h('h1', {}, 'Overview'),
        h('span', { class: 'muted grow' }, `updated ${new Date().toLocaleTimeString()}`),
        h('button', { type: 'button', onclick: () => refresh().catch(() => {}) }, 'Refresh')),
      h('div', { class: 'grid' }, processPanel(status), registryPanel(instances), configPanel(status, analysis)),
      attentionPanel(instances, ca, analysis));
  };
  await refresh();
  timer = setInterval(() => refresh().catch(() => {}), 15000);
  return () => clearInterval(timer);
}

function processPanel(status) {
  return h('section', { class: 'panel', 'aria-labelledby': 'process-title' },
    h('h2', { id: 'process-title' }, 'This meshbox'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Version'), h('dd', { id: 'overview-version' }, status.version),
      h('dt', {}, 'Roles'), h('dd', { id: 'overview-roles' }, status.roles.map((role) => h('span', { class: 'chip' }, role))),
      h('dt', {}, 'Uptime'), h('dd', {}, duration(status.uptimeSeconds))));
}

function registryPanel(instances) {
  if (instances instanceof ApiError) {
    return h('section', { class: 'panel' }, h('h2', {}, 'Registry'), h('p', { class: 'muted' }, instances.message));
  }
  const items = instances.items;
  const services = new Set(items.map((i) => `${i.namespace}/${i.service}`));
  const count = (state) => items.filter((i) => i.health === state).length;
  return h('section', { class: 'panel' },
    h('h2', {}, h('a', { href: '#/services' }, 'Registry')),
    h('div', { class: 'stat' }, plural(services.size, 'service')),
    h('p', {}, plural(items.length, 'instance'), ': ', badge(`${count('passing')} passing`, 'passing'), ' ',
      badge(`${count('critical')} critical`, 'critical'), ' ', badge(`${count('unknown')} unknown`, 'unknown')));
}

function configPanel(status, analysis) {
  return h('section', { class: 'panel' },
    h('h2', {}, h('a', { href: '#/config' }, 'Config')),
    status.configRevision === null || status.configRevision === undefined
      ? h('p', { class: 'muted' }, 'The config role is not running here.')
      : [h('div', { class: 'stat', id: 'overview-revision' }, `revision ${status.configRevision}`),
        analysis instanceof ApiError ? null
          : h('p', {}, plural(analysis.warnings.length + (analysis.compilerWarnings || []).length, 'warning'))]);
}

function attentionPanel(instances, ca, analysis) {
  const items = [];
  if (!(instances instanceof ApiError)) {
    for (const instance of unhealthyInstances(instances.items)) {
      items.push(h('li', {}, badge('unhealthy', 'critical'),
        h('span', {}, h('a', { href: `#/services?q=${encodeURIComponent(instance.service)}` }, `${instance.namespace}/${instance.service}`),
          ` instance ${instance.address}: ${instance.healthOutput || 'check failing'} (since ${relative(instance.healthChangedAt)})`)));
    }
  }
  if (!(ca instanceof ApiError)) {
    for (const cert of expiringCertificates(ca)) {
      items.push(h('li', {}, badge(cert.expired ? 'expired' : 'expiring', cert.expired ? 'expired' : 'warning'),
        h('span', {}, h('a', { href: '#/certificates' }, cert.kind === 'ca' ? `CA certificate ${cert.name}` : cert.name),
          ` ${cert.expired ? 'expired' : 'expires'} ${relative(cert.notAfter)}`)));
    }
  }
  if (!(analysis instanceof ApiError)) {
    for (const issue of [...analysis.warnings, ...(analysis.compilerWarnings || [])]) {
      const key = parseResourceName(issue.resource);
      const where = key ? h('a', { href: `#/config/${key.kind}/${key.namespace}/${key.name}` }, issue.resource) : issue.resource;
      items.push(h('li', {}, badge('config', 'warning'),
        h('span', {}, where, issue.path ? [': ', h('code', {}, issue.path)] : null, `: ${issue.message}`)));
    }
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'attention-title' },
    h('h2', { id: 'attention-title' }, 'Needs attention'),
    items.length ? h('ul', { class: 'attention', id: 'attention' }, items)
      : h('p', { class: 'muted', id: 'attention' }, 'Nothing needs attention: every instance passes its checks, no certificate is close to expiry, the config has no warnings.'));
}
