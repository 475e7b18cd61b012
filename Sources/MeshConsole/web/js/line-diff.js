// Line diff of two texts (longest common subsequence), and its rendering with long unchanged
// stretches folded. Resources are a few hundred lines at most, so O(n·m) is fine.
import { h } from './dom.js';

/** → [{op: 'same'|'add'|'del', text}] */
export function diffLines(before, after) {
  const a = before ? before.replace(/\n$/, '').split('\n') : [];
  const b = after ? after.replace(/\n$/, '').split('\n') : [];
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { out.push({ op: 'same', text: a[i] }); i += 1; j += 1; }
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) { out.push({ op: 'del', text: a[i] }); i += 1; }
    else { out.push({ op: 'add', text: b[j] }); j += 1; }
  }
  while (i < n) { out.push({ op: 'del', text: a[i] }); i += 1; }
  while (j < m) { out.push({ op: 'add', text: b[j] }); j += 1; }
  return out;
}

/** A diff view; unchanged runs longer than 2·context lines fold into "… N unchanged lines". */
export function renderDiff(before, after, { context = 3, label = 'Changes' } = {}) {
  const lines = diffLines(before, after);
  const view = h('div', { class: 'diff', role: 'region', 'aria-label': label, tabindex: '0' });
  if (!lines.some((line) => line.op !== 'same')) {
    view.append(h('div', { class: 'fold' }, 'No changes.'));
    return view;
  }
  let index = 0;
  while (index < lines.length) {
    if (lines[index].op !== 'same') {
      view.append(h('div', { class: lines[index].op }, lines[index].text));
      index += 1;
      continue;
    }
    let end = index;
    while (end < lines.length && lines[end].op === 'same') end += 1;
    const head = index === 0 ? 0 : context;
    const tail = end === lines.length ? 0 : context;
    if (end - index > head + tail + 1) {
      for (let k = index; k < index + head; k += 1) view.append(h('div', { class: 'same' }, lines[k].text));
      view.append(h('div', { class: 'fold' }, `… ${end - index - head - tail} unchanged lines`));
      for (let k = end - tail; k < end; k += 1) view.append(h('div', { class: 'same' }, lines[k].text));
    } else {
      for (let k = index; k < end; k += 1) view.append(h('div', { class: 'same' }, lines[k].text));
    }
    index = end;
  }
  return view;
}
