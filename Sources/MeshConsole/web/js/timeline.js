// An expiry timeline drawn as SVG: one bar per certificate from its start to its end, a line
// for now, bars coloured by how soon they end.
import { h } from './dom.js';
import { dateTime, relative } from './format.js';

const ROW = 22;
const LABEL = 230;
const WIDTH = 900;

/** rows: [{label, start, end, state?}] with Date-able start/end. */
export function renderTimeline(rows, { title, soon = 0.2 } = {}) {
  const now = Date.now();
  const starts = rows.map((row) => new Date(row.start).getTime());
  const ends = rows.map((row) => new Date(row.end).getTime());
  const from = Math.min(now, ...starts);
  const to = Math.max(now + 1000, ...ends);
  const x = (time) => LABEL + ((time - from) / (to - from)) * (WIDTH - LABEL - 10);
  const height = rows.length * ROW + 44;
  const svg = h('svg:svg', { class: 'timeline', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': title });
  svg.append(h('svg:title', {}, title));
  rows.forEach((row, index) => {
    const y = 18 + index * ROW;
    const start = starts[index];
    const end = ends[index];
    const left = end - now;
    const state = row.state === 'retiring' ? 'retiring' : left <= 0 ? 'expired' : left < soon * (end - start) ? 'soon' : '';
    svg.append(h('svg:text', { x: 0, y: y + 13, class: 'label' }, row.label.length > 36 ? `${row.label.slice(0, 35)}…` : row.label));
    const bar = h('svg:rect', {
      x: x(start), y: y + 3, width: Math.max(2, x(end) - x(start)), height: ROW - 8, rx: 3, class: `bar ${state}`,
    });
    bar.append(h('svg:title', {}, `${row.label}: ${dateTime(row.start)} → ${dateTime(row.end)} (${left <= 0 ? 'expired' : 'expires'} ${relative(row.end)})`));
    svg.append(bar);
  });
  const axisY = rows.length * ROW + 22;
  svg.append(h('svg:line', { x1: LABEL, x2: WIDTH - 10, y1: axisY, y2: axisY, class: 'axis' }));
  for (let tick = 0; tick <= 4; tick += 1) {
    const time = from + ((to - from) * tick) / 4;
    svg.append(h('svg:text', { x: x(time), y: axisY + 14, 'text-anchor': tick === 0 ? 'start' : tick === 4 ? 'end' : 'middle' },
      dateTime(new Date(time)).slice(0, to - from > 5 * 86400000 ? 10 : 16)));
  }
  svg.append(h('svg:line', { x1: x(now), x2: x(now), y1: 14, y2: axisY, class: 'now' }));
  svg.append(h('svg:text', { x: x(now), y: 11, 'text-anchor': x(now) > WIDTH - 40 ? 'end' : 'start' }, 'now'));
  return svg;
}
