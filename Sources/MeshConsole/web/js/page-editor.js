// Config → Apply YAML: an editor that validates on the server as you type (a dry run), shows
// each issue at its field, shows the diff against what is stored before anything is written,
// and applies all documents in one transaction.
import { ApiError, get, post, resourcePath } from './api.js';
import { h, replace, badge, toast } from './dom.js';
import { keyText, plural } from './format.js';
import { renderDiff } from './line-diff.js';
import { YAMLEditor } from './editor.js';

const EXAMPLE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: default
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews`;

export async function renderEditor(view, route) {
  const from = route.query.get('from');
  let initial = '';
  if (from) {
    const [kind, namespace, name] = from.split('/');
    initial = await get(`${resourcePath({ kind, namespace, name })}?format=yaml`);
  }
  const status = h('p', { class: 'status-line', id: 'editor-status', role: 'status' });
  const issuesList = h('ol', { class: 'issues', id: 'yaml-issues', 'aria-label': 'Issues' });
  const review = h('div', { id: 'review' });
  let sequence = 0;
  let timer = null;
  const editor = new YAMLEditor({
    value: initial,
    label: 'Resources as YAML',
    onInput: () => {
      replace(review);
      clearTimeout(timer);
      timer = setTimeout(() => validate(), 700);
    },
  });
  editor.textarea.setAttribute('placeholder', EXAMPLE);

  const showIssues = (error) => {
    const located = editor.showIssues(error.issues);
    status.className = 'status-line bad';
    status.textContent = error.issues.length ? `${plural(error.issues.length, 'issue')}: nothing was written.` : error.message;
    replace(issuesList, located.map((issue) => h('li', { 'data-path': issue.path, 'data-line': issue.line || '' },
      h('button', { type: 'button', disabled: !issue.line, onclick: () => editor.goToLine(issue.line) },
        badge(issue.severity || 'error'), ' ',
        issue.line ? `line ${issue.line}: ` : '',
        h('span', { class: 'muted' }, `${issue.resource}: `),
        issue.path ? h('span', { class: 'path' }, issue.path) : null,
        issue.path ? ': ' : '', issue.message))));
    if (!error.issues.length) replace(issuesList, error.details.map((detail) => h('li', {}, detail)));
  };

  const showWarnings = (warnings) => {
    if (!warnings.length) return;
    const located = editor.showIssues(warnings.map((w) => ({ ...w, severity: 'warning' })));
    replace(issuesList, located.map((issue) => h('li', { 'data-path': issue.path },
      h('button', { type: 'button', disabled: !issue.line, onclick: () => editor.goToLine(issue.line) },
        badge('warning'), ' ', issue.line ? `line ${issue.line}: ` : '', `${issue.resource}: ${issue.path ? issue.path + ': ' : ''}${issue.message}`))));
  };

  /** Dry run; true when valid. */
  const validate = async () => {
    const text = editor.value;
    const mine = ++sequence;
    if (!text.trim()) { status.textContent = ''; replace(issuesList); editor.clearIssues(); return false; }
    try {
      const result = await post('/api/v1/apply?dryRun=true', { yaml: text });
      if (mine !== sequence) return false;
      replace(issuesList);
      editor.clearIssues();
      status.className = 'status-line ok';
      const changes = result.outcomes.filter((o) => o.action !== 'unchanged');
      status.textContent = changes.length
        ? `Valid. Applying would change ${changes.map((o) => `${keyText(o.key)} (${o.action})`).join(', ')}.`
        : 'Valid. Applying would change nothing.';
      showWarnings(result.warnings);
      return true;
    } catch (error) {
      if (mine !== sequence || !(error instanceof ApiError)) return false;
      showIssues(error);
      return false;
    }
  };

  const startReview = async () => {
    clearTimeout(timer);
    const text = editor.value;
    ++sequence;
    let diff;
    try {
      diff = await post('/api/v1/diff', { yaml: text });
    } catch (error) {
      if (error instanceof ApiError) showIssues(error);
      return;
    }
    replace(issuesList);
    editor.clearIssues();
    showWarnings(diff.warnings);
    const changes = diff.items.filter((item) => item.action !== 'unchanged');
    status.className = 'status-line ok';
    status.textContent = changes.length ? `Valid. Review ${plural(changes.length, 'change')} below, then apply.` : 'Valid. Nothing would change.';
    const apply = h('button', { type: 'button', class: 'primary', id: 'apply', disabled: !changes.length }, `Apply ${plural(changes.length, 'change')}`);
    apply.addEventListener('click', async () => {
      if (editor.value !== text) { toast('The text changed since the review; review again.'); replace(review); return; }
      apply.disabled = true;
      try {
        const result = await post('/api/v1/apply', { yaml: text });
        showApplied(result);
      } catch (error) {
        apply.disabled = false;
        if (error instanceof ApiError) showIssues(error);
      }
    });
    replace(review, h('section', { class: 'panel', 'aria-labelledby': 'review-title' },
      h('h2', { id: 'review-title' }, 'Changes against the stored config'),
      diff.items.map((item) => h('div', { 'data-resource': keyText(item.key) },
        h('h3', {}, badge(item.action), ' ', keyText(item.key)),
        item.action === 'unchanged' ? null
          : renderDiff(item.current || '', item.proposed, { label: `Changes to ${keyText(item.key)}` }))),
      h('div', { class: 'toolbar' }, apply, h('span', { class: 'muted' }, `against revision ${diff.revision}`))));
    apply.focus();
  };

  const showApplied = (result) => {
    status.className = 'status-line ok';
    status.textContent = `Applied as revision ${result.revision}.`;
    toast(`Applied as revision ${result.revision}`);
    replace(review, h('section', { class: 'panel', id: 'applied' },
      h('h2', {}, `Applied: revision ${result.revision}`),
      h('ul', {}, result.outcomes.map((outcome) => h('li', {}, badge(outcome.action), ' ',
        outcome.action === 'deleted' ? keyText(outcome.key)
          : h('a', { href: `#/config/${outcome.key.kind}/${outcome.key.namespace}/${outcome.key.name}` }, keyText(outcome.key)))))));
  };

  editor.textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); startReview(); }
  });

  replace(view,
    h('p', {}, h('a', { href: '#/config' }, '← Config')),
    h('h1', {}, from ? `Edit ${from.replace('/', ' ')}` : 'Apply YAML'),
    h('p', { class: 'muted' }, 'One or more resources, separated by ', h('code', {}, '---'),
      '. The server checks them as you type; nothing is written until you review and apply.'),
    editor.element,
    status,
    issuesList,
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', id: 'validate', onclick: () => validate() }, 'Validate'),
      h('button', { type: 'button', class: 'primary', id: 'review-button', onclick: () => startReview() }, 'Review changes'),
      h('span', { class: 'muted' }, h('kbd', {}, 'Ctrl'), '+', h('kbd', {}, 'Enter'))),
    review);
  editor.refresh();
  editor.textarea.focus();
  return () => clearTimeout(timer);
}
