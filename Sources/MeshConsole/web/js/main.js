// Boot: find out whether this browser has a session, show the login form or the page the
// address names (#/services, #/config/VirtualService/default/reviews, …).
import { ApiError, get, post, del, setCsrfToken, whenLoggedOut } from './api.js';
import { h, replace } from './dom.js';
import { renderOverview } from './page-overview.js';
import { renderServices } from './page-services.js';
import { renderConfig } from './page-config.js';
import { renderResource } from './page-resource.js';
import { renderEditor } from './page-editor.js';
import { renderCertificates } from './page-certificates.js';
import { renderTraffic } from './page-traffic.js';
import { renderExplain } from './page-explain.js';
import { renderLive } from './page-live.js';
import { renderNodes } from './page-nodes.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const sessionBar = document.getElementById('session-bar');
let cleanup = null;
let loggedIn = false;
let generation = 0; // which show() is current; a slower, older one must not install its page

/** '#/config/VirtualService/default/reviews?x=1' → {page: 'config', parts: [...], query} */
function parseHash() {
  const [path, search] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] || 'overview', parts: parts.slice(1), query: new URLSearchParams(search || '') };
}

function pageFor(route) {
  switch (route.page) {
    case 'overview': return renderOverview;
    case 'services': return renderServices;
    case 'certificates': return renderCertificates;
    case 'traffic': return renderTraffic;
    case 'explain': return renderExplain;
    case 'live': return renderLive;
    case 'nodes': return renderNodes;
    case 'config':
      if (route.parts[0] === 'edit') return renderEditor;
      return route.parts.length === 3 ? renderResource : renderConfig;
    default: return null;
  }
}

async function show() {
  if (!loggedIn) return;
  if (cleanup) { cleanup(); cleanup = null; }
  const mine = ++generation;
  const route = parseHash();
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.page === route.page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const render = pageFor(route);
  const view = h('div', {});
  replace(main, view);
  if (!render) {
    replace(view, h('h1', {}, 'Not found'), h('p', {}, 'No page here. ', h('a', { href: '#/overview' }, 'Go to the overview.')));
    return;
  }
  try {
    const stop = (await render(view, route)) || null;
    // Navigated away (or logged out) while the page loaded: stop what it started.
    if (mine !== generation || !loggedIn) { if (stop) stop(); return; }
    cleanup = stop;
  } catch (error) {
    if (mine !== generation || (error instanceof ApiError && error.status === 401)) return;
    replace(view, h('p', { class: 'error-text', role: 'alert' }, `This page failed to load: ${error.message}`));
  }
}

function showLogin(message) {
  loggedIn = false;
  generation += 1;
  if (cleanup) { cleanup(); cleanup = null; }
  nav.hidden = true;
  sessionBar.hidden = true;
  const input = h('input', { id: 'login-token', name: 'token', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error-text', id: 'login-error', role: 'alert' }, message || '');
  const form = h('form', { class: 'panel login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Log in to meshbox'),
    h('label', { for: 'login-token' }, 'Admin token'),
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Log in'),
    error,
    h('p', { class: 'muted' }, 'The token is in ', h('code', {}, '<data-dir>/admin-token'),
      ' on the host that runs meshbox (printed at start-up).'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const session = await post('/api/v1/session', { json: { token: input.value.trim() } });
      input.value = '';
      startSession(session);
    } catch (failure) {
      error.textContent = failure.status === 401 ? 'That is not the admin token.' : `Login failed: ${failure.message}`;
      input.select();
    }
  });
  replace(main, form);
  input.focus();
}

function startSession(session) {
  setCsrfToken(session.csrfToken || null);
  loggedIn = true;
  nav.hidden = false;
  sessionBar.hidden = false;
  show();
  main.focus({ preventScroll: true });
}

whenLoggedOut(() => { if (loggedIn) showLogin('Your session has ended. Log in again.'); });

document.getElementById('logout').addEventListener('click', async () => {
  try { await del('/api/v1/session'); } catch { /* logged out either way */ }
  setCsrfToken(null);
  showLogin('Logged out.');
});

// Keyboard: g then o/s/c/x/t/e/l/n jumps to a page, / focuses the page's filter, ? lists the keys.
const shortcuts = { o: 'overview', s: 'services', c: 'config', x: 'certificates', t: 'traffic', e: 'explain', l: 'live', n: 'nodes' };
let pendingG = false;
document.addEventListener('keydown', (event) => {
  const target = event.target;
  if (!loggedIn || event.ctrlKey || event.metaKey || event.altKey) return;
  if (target.closest('input, textarea, select, [contenteditable]')) return;
  if (pendingG && shortcuts[event.key]) {
    pendingG = false;
    location.hash = `#/${shortcuts[event.key]}`;
    event.preventDefault();
    return;
  }
  pendingG = event.key === 'g';
  if (event.key === '/') {
    const filter = main.querySelector('[data-filter]');
    if (filter) { filter.focus(); event.preventDefault(); }
  } else if (event.key === '?') {
    showShortcuts();
  }
});

function showShortcuts() {
  const dialog = h('dialog', { 'aria-labelledby': 'keys-title' },
    h('h2', { id: 'keys-title' }, 'Keyboard'),
    h('dl', { class: 'facts' },
      h('dt', {}, h('kbd', {}, 'g'), ' ', h('kbd', {}, 'o')), h('dd', {}, 'Overview'),
      h('dt', {}, h('kbd', {}, 'g'), ' ', h('kbd', {}, 's')), h('dd', {}, 'Services'),
      h('dt', {}, h('kbd', {}, 'g'), ' ', h('kbd', {}, 'c')), h('dd', {}, 'Config'),
      h('dt', {}, h('kbd', {}, 'g'), ' ', h('kbd', {}, 'x')), h('dd', {}, 'Certificates'),
      h('dt', {}, h('kbd', {}, 'g'), ' ', h('kbd', {}, 't')), h('dd', {}, 'Traffic'),
      h('dt', {}, h('kbd', {}, 'g'), ' ', h('kbd', {}, 'e')), h('dd', {}, 'Explain a request'),
      h('dt', {}, h('kbd', {}, 'g'), ' ', h('kbd', {}, 'l')), h('dd', {}, 'Live metrics'),
      h('dt', {}, h('kbd', {}, 'g'), ' ', h('kbd', {}, 'n')), h('dd', {}, 'Nodes (xDS)'),
      h('dt', {}, h('kbd', {}, '/')), h('dd', {}, 'Filter the list on this page'),
      h('dt', {}, h('kbd', {}, 'Ctrl'), '+', h('kbd', {}, 'Enter')), h('dd', {}, 'In the YAML editor: review the change'),
      h('dt', {}, h('kbd', {}, 'Esc')), h('dd', {}, 'Close this')),
    h('form', { method: 'dialog' }, h('button', { class: 'primary' }, 'Close')));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
document.getElementById('shortcuts').addEventListener('click', showShortcuts);

window.addEventListener('hashchange', show);

async function boot() {
  try {
    const session = await get('/api/v1/session');
    startSession(session);
  } catch (error) {
    if (error.status === 401) showLogin();
    else replace(main, h('p', { class: 'error-text', role: 'alert' }, `The admin API did not answer: ${error.message}`));
  }
}
boot();
