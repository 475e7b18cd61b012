// Config: the stored resources by kind, the store's revision, and a rollback of the whole
// store to an earlier revision.
import { get, post } from './api.js';
import { h, replace, toast, confirmButton } from './dom.js';
import { relative, plural } from './format.js';

const PAGE_SIZE = 100;

export async function renderConfig(view, route) {
  const listing = await get('/api/v1/resources');
  const byKind = new Map();
  for (const stored of listing.items) {
    const kind = stored.resource.kind;
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind).push(stored);
  }
  const kinds = [...byKind.keys()].sort();
  let kind = route.query.get('kind');
  if (!byKind.has(kind)) kind = kinds[0];
  let page = 0;

  const filter = h('input', {
    type: 'search', class: 'grow', 'data-filter': true, id: 'config-filter',
    placeholder: 'Filter by name or namespace (press /)', 'aria-label': 'Filter resources',
  });
  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Kinds' });
  const body = h('tbody', { id: 'resource-rows' });
  const pager = h('div', { class: 'pager' });

  const render = () => {
    replace(tabs, kinds.map((name) => h('button', {
      type: 'button', 'aria-pressed': String(name === kind), 'data-kind': name,
      onclick: () => { kind = name; page = 0; history.replaceState(null, '', `#/config?kind=${name}`); render(); },
    }, `${name} (${byKind.get(name).length})`)));
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = (byKind.get(kind) || []).filter((stored) => {
      const text = `${stored.resource.metadata.namespace}/${stored.resource.metadata.name}`.toLowerCase();
      return words.every((word) => text.includes(word));
    });
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const shown = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    body.replaceChildren(...shown.map((stored) => {
      const meta = stored.resource.metadata;
      return h('tr', { 'data-resource': `${kind} ${meta.namespace}/${meta.name}` },
        h('td', {}, h('a', { href: `#/config/${kind}/${meta.namespace}/${meta.name}` }, meta.name)),
        h('td', {}, meta.namespace),
        h('td', { class: 'num' }, stored.revision),
        h('td', { class: 'num' }, stored.version),
        h('td', {}, relative(stored.updatedAt)));
    }));
    if (!shown.length) body.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, kinds.length ? 'No resource matches.' : 'The store is empty.')));
    replace(pager,
      h('button', { type: 'button', disabled: page === 0, onclick: () => { page -= 1; render(); } }, 'Previous'),
      h('span', { class: 'muted' }, rows.length ? `${page * PAGE_SIZE + 1}–${page * PAGE_SIZE + shown.length} of ${rows.length}` : ''),
      h('button', { type: 'button', disabled: page >= pages - 1, onclick: () => { page += 1; render(); } }, 'Next'));
  };
  filter.addEventListener('input', () => { page = 0; render(); });

  const target = h('input', { type: 'number', min: 0, max: listing.revision, id: 'store-revision' });
  const storeRollback = confirmButton('Roll back the store', 'Confirm: replace every resource with its state then', async () => {
    const revision = Number(target.value);
    if (!target.value || !Number.isInteger(revision)) { toast('Enter a revision number.'); return; }
    try {
      const result = await post('/api/v1/rollback', { json: { revision } });
      toast(`The store is back at revision ${revision}, as revision ${result.revision}`);
      if (location.hash === '#/config') window.dispatchEvent(new HashChangeEvent('hashchange'));
      else location.hash = '#/config';
    } catch (error) {
      toast(`Rollback refused: ${error.message}`);
    }
  }, { danger: true });

  replace(view,
    h('div', { class: 'toolbar' }, h('h1', { class: 'grow' }, 'Config'),
      h('a', { class: 'button primary', href: '#/config/edit', id: 'new-yaml' }, 'Apply YAML')),
    h('p', { class: 'muted' }, `Revision ${listing.revision}, ${plural(listing.items.length, 'resource')}. Each resource keeps its history; open one to see the changes and roll it back.`),
    tabs,
    h('div', { class: 'toolbar' }, filter),
    h('div', { class: 'panel table-wrap' },
      h('table', {}, h('thead', {}, h('tr', {},
        h('th', {}, 'Name'), h('th', {}, 'Namespace'), h('th', { class: 'num' }, 'Revision'),
        h('th', { class: 'num' }, 'Version'), h('th', {}, 'Updated'))), body),
      pager),
    h('section', { class: 'panel', 'aria-labelledby': 'store-title' },
      h('h2', { id: 'store-title' }, 'Roll back everything'),
      h('p', { class: 'muted' }, 'Puts every resource back to how it was at a revision, as one new revision (undo it the same way).'),
      h('div', { class: 'toolbar' }, h('label', { for: 'store-revision' }, 'Revision'), target, storeRollback)));
  render();
}
