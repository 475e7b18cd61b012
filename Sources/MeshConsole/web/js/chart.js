// A small SVG line chart for the live metrics: one or more lines over the same seconds, a
// y axis that rounds its top to a readable number, and the newest value written beside the
// title. Updating changes the paths and labels in place, so a chart redrawn every second keeps
// its element (and nothing on the page jumps).
import { h, replace } from './dom.js';

const WIDTH = 600;
const LEFT = 46;
const RIGHT = 8;
const TOP = 8;
const BOTTOM = 18;
let nextId = 0;

/** The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above value (1 for nothing). */
export function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (value <= step * magnitude * (1 + 1e-9)) return step * magnitude;
  }
  return 10 * magnitude;
}

/** The path of values (null breaks the line) scaled into the plot; '' when there is none. */
export function linePath(values, max, height, bottom = BOTTOM) {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = height - TOP - bottom;
  const step = values.length > 1 ? plotWidth / (values.length - 1) : 0;
  let d = '';
  let drawing = false;
  values.forEach((value, index) => {
    if (value === null || value === undefined || Number.isNaN(value)) { drawing = false; return; }
    const x = LEFT + index * step;
    const y = TOP + (1 - Math.min(value, max) / max) * plotHeight;
    d += `${drawing ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
    drawing = true;
  });
  return d;
}

/**
 * new LineChart({label: 'Requests/s', lines: [{key: 'rps', label: 'req/s'}], format: (v) => …})
 * → .element (a figure to insert), .update({rps: [values oldest first]}).
 * Options: id (of the figure), height (of the plot, default 150), small (no axis labels),
 * seconds (the span the values cover, for the x axis; default their count).
 */
export class LineChart {
  constructor({ label, lines, format = String, id, height = 150, small = false, seconds }) {
    this.label = label;
    this.lines = lines;
    this.format = format;
    this.height = height;
    this.seconds = seconds;
    this.small = small;
    this.bottom = small ? 4 : BOTTOM;
    const titleId = `chart-title-${nextId += 1}`;
    this.title = h('svg:title', { id: titleId }, label);
    this.grid = h('svg:g', { class: 'grid' });
    this.paths = new Map(lines.map((line) => [line.key, h('svg:path', { class: `line ${line.className || ''}`.trim(), d: '' })]));
    this.svg = h('svg:svg', {
      class: `chart${small ? ' small' : ''}`, viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-labelledby': titleId,
    }, this.title, this.grid, [...this.paths.values()]);
    this.latest = h('span', { class: 'chart-latest' });
    this.element = h('figure', { class: `chart-figure${small ? ' small' : ''}`, id },
      h('figcaption', {}, h('span', { class: 'chart-label' }, label), this.latest), this.svg);
  }

  /** valuesByKey: {key: [number|null, …]} with every line's values over the same seconds. */
  update(valuesByKey) {
    const all = this.lines.flatMap((line) => valuesByKey[line.key] || []).filter((v) => v !== null && v !== undefined);
    const max = niceCeiling(Math.max(0, ...all));
    const span = this.seconds || (valuesByKey[this.lines[0].key] || []).length;
    this.drawGrid(max, span);
    const latest = [];
    for (const line of this.lines) {
      const values = valuesByKey[line.key] || [];
      this.paths.get(line.key).setAttribute('d', linePath(values, max, this.height, this.bottom));
      const newest = values.length ? values[values.length - 1] : null;
      latest.push({ line, value: newest });
    }
    replace(this.latest, latest.map(({ line, value }, index) => [
      index ? ' · ' : '',
      h('span', { class: `value ${line.className || ''}`.trim(), 'data-key': line.key, 'data-value': value ?? '' },
        `${this.lines.length > 1 ? `${line.label} ` : ''}${value === null || value === undefined ? '—' : this.format(value)}`),
    ]));
    const peak = all.length ? this.format(Math.max(...all)) : 'none';
    const words = latest.map(({ line, value }) => `${line.label} ${value === null || value === undefined ? 'none' : this.format(value)}`);
    this.title.textContent = `${this.label}: latest ${words.join(', ')}; peak ${peak} over the last ${span} s`;
  }

  drawGrid(max, seconds) {
    const plotHeight = this.height - TOP - this.bottom;
    const parts = [];
    for (const fraction of [0, 0.5, 1]) {
      const y = TOP + (1 - fraction) * plotHeight;
      parts.push(h('svg:line', { x1: LEFT, x2: WIDTH - RIGHT, y1: y, y2: y, class: fraction ? 'tick' : 'axis' }));
      if (!this.small || fraction === 1) {
        parts.push(h('svg:text', { x: LEFT - 6, y: y + 4, 'text-anchor': 'end' }, this.format(max * fraction)));
      }
    }
    if (seconds && !this.small) {
      const bottom = this.height - 4;
      parts.push(h('svg:text', { x: LEFT, y: bottom, 'text-anchor': 'start' }, `${seconds} s ago`));
      parts.push(h('svg:text', { x: WIDTH - RIGHT, y: bottom, 'text-anchor': 'end' }, 'now'));
    }
    replace(this.grid, parts);
  }
}
