// One resource: its YAML, its history with the diff of each change, and one-click rollback
// to any earlier version (as a new revision, so the rollback itself can be undone).
import { get, post, del, resourcePath } from './api.js';
import { h, replace, badge, toast, confirmButton } from './dom.js';
import { dateTime, relative } from './format.js';
import { renderDiff } from './line-diff.js';

export async function renderResource(view, route) {
  const [kind, namespace, name] = route.parts;
  const key = { kind, namespace, name };
  const path = resourcePath(key);
  const [yaml, stored, history] = await Promise.all([
    get(`${path}?format=yaml`).catch((error) => (error.status === 404 ? null : Promise.reject(error))),
    get(path).catch((error) => (error.status === 404 ? null : Promise.reject(error))),
    get(`${path}/history?format=yaml`),
  ]);
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));

  const rollback = async (revision) => {
    try {
      const result = await post(`${path}/rollback`, { json: { revision } });
      toast(`${kind} ${namespace}/${name} is back at revision ${revision} (new revision ${result.revision})`);
      reload();
    } catch (error) {
      toast(`Rollback refused: ${error.message}`);
    }
  };

  const entries = history.items; // newest first
  const list = h('ol', { class: 'history', id: 'history', 'aria-label': 'History, newest first' },
    entries.map((entry, index) => {
      const previous = entries[index + 1];
      const isCurrent = index === 0 && stored && stored.revision === entry.revision;
      const diffHolder = h('div', {});
      const toggle = h('button', { type: 'button', class: 'quiet', 'aria-expanded': 'false' }, 'Show changes');
      toggle.addEventListener('click', () => {
        const open = toggle.getAttribute('aria-expanded') === 'true';
        toggle.setAttribute('aria-expanded', String(!open));
        toggle.textContent = open ? 'Show changes' : 'Hide changes';
        replace(diffHolder, open ? null : renderDiff(previous ? previous.yaml : '', entry.yaml,
          { label: `Changes in revision ${entry.revision}` }));
      });
      return h('li', { 'data-revision': entry.revision },
        h('div', { class: 'row' },
          h('strong', {}, `r${entry.revision}`), badge(entry.action),
          h('span', { class: 'muted', title: dateTime(entry.timestamp) }, relative(entry.timestamp)),
          toggle,
          isCurrent ? h('span', { class: 'chip' }, 'current')
            : h('button', {
              type: 'button', 'data-rollback': entry.revision,
              onclick: (event) => { event.target.disabled = true; rollback(entry.revision); },
            }, entry.action === 'deleted' ? `Roll back to r${entry.revision} (delete)` : `Roll back to r${entry.revision}`)),
        diffHolder);
    }));
  if (!entries.length) list.append(h('li', { class: 'muted' }, 'No history is kept for this resource.'));

  const remove = confirmButton('Delete', `Confirm: delete ${kind} ${namespace}/${name}`, async () => {
    try {
      const result = await del(path);
      toast(`Deleted as revision ${result.revision}; roll back to undo.`);
      reload();
    } catch (error) {
      toast(`Delete refused: ${error.message}`);
    }
  }, { danger: true });

  replace(view,
    h('p', {}, h('a', { href: `#/config?kind=${kind}` }, `← ${kind}`)),
    h('div', { class: 'toolbar' },
      h('h1', { class: 'grow', id: 'resource-title' }, `${kind} ${namespace}/${name}`),
      stored ? h('a', { class: 'button primary', href: `#/config/edit?from=${kind}/${namespace}/${name}`, id: 'edit' }, 'Edit') : null,
      stored ? remove : null),
    stored
      ? h('p', { class: 'muted', id: 'resource-meta' }, `Revision ${stored.revision} · version ${stored.version} · created at revision ${stored.createRevision} · updated ${relative(stored.updatedAt)}`)
      : h('p', { class: 'muted', id: 'resource-meta' }, 'Deleted. Roll back to an earlier revision to restore it.'),
    h('div', { class: 'grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'current-title' },
        h('h2', { id: 'current-title' }, 'Stored now'),
        yaml ? h('pre', { class: 'yaml', id: 'current-yaml', tabindex: '0' }, yaml) : h('p', { class: 'muted' }, 'Nothing: the resource is deleted.')),
      h('section', { class: 'panel', 'aria-labelledby': 'history-title' },
        h('h2', { id: 'history-title' }, 'History'),
        list)));
}
