// Certificates: the CA's roots and intermediates, the certificates it issued, and when each
// expires, on two timelines (CA certificates live for years, workload ones for hours).
import { get } from './api.js';
import { h, replace, badge } from './dom.js';
import { dateTime, relative, plural } from './format.js';
import { renderTimeline } from './timeline.js';

const PAGE_SIZE = 50;
const TIMELINE_ROWS = 30;

export async function renderCertificates(view) {
  let status;
  try {
    status = await get('/api/v1/ca/status');
  } catch (error) {
    if (error.status !== 503) throw error;
    replace(view, h('h1', {}, 'Certificates'), h('p', { class: 'muted' }, `${error.message}.`));
    return;
  }
  const caCerts = [...status.roots.map((c) => ({ ...c, role: 'root' })), ...status.intermediates.map((c) => ({ ...c, role: 'intermediate' }))];
  // The newest certificate of each identity is the one in use; older ones are history.
  const newest = new Map();
  for (const record of status.issued) {
    const seen = newest.get(record.spiffeID);
    if (!seen || new Date(record.notAfter) > new Date(seen.notAfter)) newest.set(record.spiffeID, record);
  }
  const current = [...newest.values()].sort((a, b) => new Date(a.notAfter) - new Date(b.notAfter));

  const filter = h('input', { type: 'search', class: 'grow', 'data-filter': true, id: 'certs-filter',
    placeholder: 'Filter by SPIFFE ID, serial or requester (press /)', 'aria-label': 'Filter issued certificates' });
  const body = h('tbody', { id: 'issued-rows' });
  const pager = h('div', { class: 'pager' });
  let page = 0;
  const render = () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = status.issued.filter((r) => words.every((w) => `${r.spiffeID} ${r.serialNumber} ${r.requester}`.toLowerCase().includes(w)));
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    body.replaceChildren(...rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE).map((r) => h('tr', {},
      h('td', { class: 'mono' }, r.spiffeID),
      h('td', { class: 'mono hide-narrow', title: r.serialNumber }, r.serialNumber.slice(0, 16)),
      h('td', {}, dateTime(r.issuedAt)),
      h('td', {}, new Date(r.notAfter) < new Date() ? badge('expired') : relative(r.notAfter)),
      h('td', {}, r.requester))));
    if (!rows.length) body.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, status.issued.length ? 'No certificate matches.' : 'The CA has issued no certificate yet.')));
    replace(pager,
      h('button', { type: 'button', disabled: page === 0, onclick: () => { page -= 1; render(); } }, 'Previous'),
      h('span', { class: 'muted' }, `${plural(rows.length, 'certificate')}`),
      h('button', { type: 'button', disabled: page >= pages - 1, onclick: () => { page += 1; render(); } }, 'Next'));
  };
  filter.addEventListener('input', () => { page = 0; render(); });

  replace(view,
    h('div', { class: 'toolbar' }, h('h1', { class: 'grow' }, 'Certificates'),
      h('a', { class: 'button', href: '/api/v1/ca/bundle', download: 'meshbox-trust-bundle.pem' }, 'Download trust bundle')),
    h('div', { class: 'grid' },
      h('section', { class: 'panel' }, h('h2', {}, 'Authority'),
        h('dl', { class: 'facts' },
          h('dt', {}, 'Trust domain'), h('dd', { id: 'trust-domain' }, status.trustDomain),
          h('dt', {}, 'Mode'), h('dd', {}, status.mode),
          h('dt', {}, 'Issued'), h('dd', {}, `${plural(status.issued.length, 'certificate')}, ${plural(newest.size, 'identity')}`)))),
    h('section', { class: 'panel table-wrap', 'aria-labelledby': 'ca-title' },
      h('h2', { id: 'ca-title' }, 'Roots and intermediates'),
      h('table', { id: 'ca-certs' }, h('thead', {}, h('tr', {},
        h('th', {}, 'Subject'), h('th', {}, 'Role'), h('th', {}, 'State'), h('th', {}, 'Valid from'),
        h('th', {}, 'Expires'), h('th', { class: 'hide-narrow' }, 'SHA-256'))),
      h('tbody', {}, caCerts.map((c) => h('tr', {},
        h('td', {}, c.subject), h('td', {}, c.role), h('td', {}, badge(c.state)),
        h('td', {}, dateTime(c.notBefore)), h('td', { title: dateTime(c.notAfter) }, relative(c.notAfter)),
        h('td', { class: 'mono hide-narrow', title: c.fingerprintSHA256 }, `${c.fingerprintSHA256.slice(0, 16)}…`))))),
      caCerts.length ? renderTimeline(caCerts.map((c) => ({ label: `${c.role}: ${c.subject}`, start: c.notBefore, end: c.notAfter, state: c.state })),
        { title: 'Expiry of the CA certificates', soon: 0.1 }) : null),
    h('section', { class: 'panel', 'aria-labelledby': 'leaf-title' },
      h('h2', { id: 'leaf-title' }, 'Workload and node certificates in use'),
      current.length
        ? [renderTimeline(current.slice(0, TIMELINE_ROWS).map((r) => ({ label: r.spiffeID.replace(/^spiffe:\/\/[^/]+/, ''), start: r.issuedAt, end: r.notAfter })),
          { title: 'Expiry of the newest certificate of each identity' }),
        current.length > TIMELINE_ROWS ? h('p', { class: 'muted' }, `The ${TIMELINE_ROWS} that expire first of ${current.length}.`) : null]
        : h('p', { class: 'muted' }, 'None yet. Nodes and workloads get theirs from the CA; ', h('code', {}, 'meshbox ca issue'), ' makes one by hand.')),
    h('section', { class: 'panel table-wrap', 'aria-labelledby': 'issued-title' },
      h('h2', { id: 'issued-title' }, 'Issued, newest first'),
      h('div', { class: 'toolbar' }, filter),
      h('table', {}, h('thead', {}, h('tr', {},
        h('th', {}, 'SPIFFE ID'), h('th', { class: 'hide-narrow' }, 'Serial'), h('th', {}, 'Issued'),
        h('th', {}, 'Expires'), h('th', {}, 'Requester'))), body),
      pager));
  render();
}
