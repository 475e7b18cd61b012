// Small DOM helpers. Text always goes in as text nodes, never as HTML.

/** h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child) */
export function h(tag, props, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A message in the live region at the bottom right, gone after a few seconds. */
export function toast(message) {
  const item = h('div', {}, message);
  document.getElementById('toast').append(item);
  setTimeout(() => item.remove(), 6000);
}

/** A badge whose colour follows its text (`passing`, `critical`, `created`, …). */
export function badge(text, kind = text) {
  return h('span', { class: `badge ${kind}` }, text);
}

/** A panel that shows an error from the API in words. */
export function errorPanel(error, what) {
  return h('div', { class: 'panel', role: 'alert' },
    h('p', { class: 'error-text' }, `${what}: ${error.message}`));
}

/** A button that asks once more before it acts: "Roll back" → "Confirm roll back | Cancel". */
export function confirmButton(label, confirmLabel, action, { danger = false } = {}) {
  const holder = h('span', { class: 'confirm' });
  const start = h('button', { type: 'button', class: danger ? 'danger' : '' }, label);
  start.addEventListener('click', () => {
    const yes = h('button', { type: 'button', class: danger ? 'danger' : 'primary' }, confirmLabel);
    const no = h('button', { type: 'button' }, 'Cancel');
    no.addEventListener('click', () => { replace(holder, start); start.focus(); });
    yes.addEventListener('click', async () => {
      yes.disabled = true; no.disabled = true;
      try { await action(); } finally { if (holder.isConnected) replace(holder, start); }
    });
    replace(holder, yes, no);
    yes.focus();
  });
  holder.append(start);
  return holder;
}
