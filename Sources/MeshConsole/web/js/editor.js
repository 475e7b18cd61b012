// A YAML editor: a plain textarea over a layer that marks the lines issues point at, with the
// issue's words at the end of its line, and a gutter with line numbers. The textarea grows
// with its text; the frame around it scrolls, so the layers never need scroll syncing.
import { h } from './dom.js';
import { locateIssue } from './yaml-path.js';

export class YAMLEditor {
  constructor({ value = '', label = 'YAML', onInput = () => {} } = {}) {
    this.gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
    this.layer = h('div', { class: 'layer', 'aria-hidden': 'true' });
    this.textarea = h('textarea', {
      spellcheck: 'false', wrap: 'off', autocapitalize: 'off', autocomplete: 'off',
      'aria-label': label, id: 'yaml-input', 'aria-describedby': 'yaml-issues',
    });
    this.textarea.value = value;
    this.element = h('div', { class: 'editor' }, this.gutter, h('div', { class: 'code' }, this.layer, this.textarea));
    this.marks = new Map(); // line → [{severity, text}]
    this.textarea.addEventListener('input', () => { this.clearIssues(); onInput(this.value); });
    this.refresh();
  }

  get value() { return this.textarea.value; }

  set value(text) { this.textarea.value = text; this.clearIssues(); }

  /** Marks each issue's line; returns the issues with `line` (1-based or null) added. */
  showIssues(issues) {
    this.marks = new Map();
    const located = issues.map((issue) => ({ ...issue, line: locateIssue(this.value, issue) }));
    for (const issue of located) {
      if (!issue.line) continue;
      if (!this.marks.has(issue.line)) this.marks.set(issue.line, []);
      this.marks.get(issue.line).push({
        severity: issue.severity || 'error',
        text: issue.path ? `${issue.path}: ${issue.message}` : issue.message,
      });
    }
    this.refresh();
    return located;
  }

  clearIssues() {
    if (this.marks.size) this.marks = new Map();
    this.refresh();
  }

  /** Puts the caret on a line and selects it, scrolled into view. */
  goToLine(line) {
    const lines = this.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
    this.textarea.focus();
    this.textarea.setSelectionRange(start, start + (lines[line - 1] || '').length);
    const row = this.layer.children[line - 1];
    if (row) row.scrollIntoView({ block: 'center' });
  }

  refresh() {
    const lines = this.value.split('\n');
    const gutter = document.createDocumentFragment();
    const layer = document.createDocumentFragment();
    lines.forEach((text, index) => {
      const marks = this.marks.get(index + 1);
      const severity = marks ? (marks.some((m) => m.severity === 'error') ? 'error' : 'warning') : null;
      gutter.append(h('div', { class: severity, 'data-line': index + 1 }, index + 1));
      layer.append(h('div', { class: severity, 'data-line': index + 1 }, text,
        marks ? h('span', { class: 'lens' }, marks.map((m) => m.text).join('; ')) : null));
    });
    this.gutter.replaceChildren(gutter);
    this.layer.replaceChildren(layer);
    // Grow with the text (and with the messages at line ends), so that only the frame scrolls.
    this.textarea.rows = Math.max(16, lines.length);
    this.textarea.style.height = 'auto';
    this.textarea.style.height = `${this.textarea.scrollHeight}px`;
    const wide = this.layer.scrollWidth > this.textarea.parentElement.clientWidth + 1;
    this.textarea.style.width = wide ? `${this.layer.scrollWidth}px` : '100%';
  }
}
