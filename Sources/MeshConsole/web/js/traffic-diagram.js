// Routes in order on the left, where they send traffic on the right, drawn as SVG: one band
// per route and destination, as thick as the destination's share of the route's requests.
import { h } from './dom.js';

const WIDTH = 900;
const BOX = 250;
const ROW = 46;

/** 'reviews.default.svc.cluster.local' + subset v1 → 'reviews.default v1' */
export function clusterLabel(split) {
  const host = (split.serviceHost || split.cluster).replace(/\.svc\.cluster\.local$/, '');
  return split.subset ? `${host} ${split.subset}` : host;
}

function targetsOf(route) {
  const s = route.summary;
  if (s.action === 'redirect') return [{ key: `redirect:${s.redirect}`, label: `redirect ${s.redirect}`, share: 100, kind: 'local' }];
  if (s.action === 'directResponse') return [{ key: `direct:${s.directResponse}`, label: `answer ${s.directResponse}`, share: 100, kind: 'local' }];
  return s.clusters.filter((c) => c.weight > 0).map((c) => ({ key: c.cluster, label: clusterLabel(c), share: c.share, kind: 'cluster' }));
}

function clip(text, length) { return text.length > length ? `${text.slice(0, length - 1)}…` : text; }

/** routes: [{index, summary}] of one virtual host. */
export function renderSplitDiagram(routes, { title }) {
  const targets = new Map();
  const edges = [];
  routes.forEach((route, row) => {
    for (const target of targetsOf(route)) {
      if (!targets.has(target.key)) targets.set(target.key, { ...target, row: targets.size });
      edges.push({ from: row, to: targets.get(target.key).row, share: target.share });
    }
  });
  const rows = Math.max(routes.length, targets.size, 1);
  const height = rows * ROW + 10;
  const svg = h('svg:svg', { class: 'splits', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': title });
  svg.append(h('svg:title', {}, title));
  const y = (row) => 8 + row * ROW + (ROW - 10) / 2;
  for (const edge of edges) {
    const x1 = BOX + 10;
    const x2 = WIDTH - BOX - 10;
    const y1 = y(edge.from);
    const y2 = y(edge.to);
    const width = Math.max(2, (edge.share / 100) * 16);
    svg.append(h('svg:path', { class: 'band', 'stroke-width': width,
      d: `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}` }));
    const label = h('svg:text', { class: 'share', x: (x1 + x2) / 2, y: (y1 + y2) / 2 - width / 2 - 3, 'text-anchor': 'middle' },
      `${Math.round(edge.share * 10) / 10}%`);
    svg.append(label);
  }
  routes.forEach((route, row) => {
    const top = 8 + row * ROW;
    const group = h('svg:g', { class: 'route-box' });
    group.append(h('svg:rect', { x: 10, y: top, width: BOX, height: ROW - 10, rx: 6 }));
    group.append(h('svg:text', { x: 20, y: top + 15, class: 'name' }, clip(`#${route.index} ${route.summary.name}`, 34)));
    group.append(h('svg:text', { x: 20, y: top + 30, class: 'match' }, clip(route.summary.match, 40)));
    group.append(h('svg:title', {}, `Route ${route.index} ${route.summary.name}: ${route.summary.match}`));
    svg.append(group);
  });
  for (const target of targets.values()) {
    const top = 8 + target.row * ROW;
    const group = h('svg:g', { class: `target-box ${target.kind}` });
    group.append(h('svg:rect', { x: WIDTH - BOX - 10, y: top, width: BOX, height: ROW - 10, rx: 6 }));
    group.append(h('svg:text', { x: WIDTH - BOX, y: top + 22, class: 'name' }, clip(target.label, 36)));
    group.append(h('svg:title', {}, target.key));
    svg.append(group);
  }
  return svg;
}
