// The Services page's data: meshbox Service resources (VIP, ports) joined with the registry's
// instances, one row per namespace/name, and the data plane's live traffic to each. Kept apart
// from rendering so updates stay cheap.

export class ServicesModel {
  constructor() {
    this.services = new Map(); // "ns/name" → Service resource (StoredResource)
    this.instances = new Map(); // "ns/name" → [Instance]
    this.rows = [];
    this.dirty = true;
    this.traffic = new Map(); // "ns/name" → requests over the last 10 s (rps, errorRate, p99Ms, …)
  }

  /** Takes a sample of `/api/v1/watch/traffic`; only destinations that are meshbox Services count. */
  setTraffic(sample) {
    this.traffic = new Map(sample.services.filter((entry) => entry.service).map((entry) => [entry.service, entry.last10s]));
  }

  /** The service's traffic over the last 10 s, or null when none went to it in the last minute. */
  trafficOf(key) {
    return this.traffic.get(key) || null;
  }

  setServiceResources(items) {
    this.services = new Map(items.map((stored) => {
      const meta = stored.resource.metadata;
      return [`${meta.namespace || 'default'}/${meta.name}`, stored];
    }));
    this.dirty = true;
  }

  setInstances(items) {
    const grouped = new Map();
    for (const instance of items) {
      const key = `${instance.namespace}/${instance.service}`;
      if (!grouped.has(key)) grouped.set(key, []);
      grouped.get(key).push(instance);
    }
    this.instances = grouped;
    this.dirty = true;
  }

  /** Every service, sorted by namespace then name. */
  allRows() {
    if (!this.dirty) return this.rows;
    const keys = new Set([...this.services.keys(), ...this.instances.keys()]);
    this.rows = [...keys].sort().map((key) => {
      const [namespace, name] = key.split('/');
      const stored = this.services.get(key);
      const instances = this.instances.get(key) || [];
      const counts = { passing: 0, critical: 0, unknown: 0 };
      for (const instance of instances) counts[instance.health] = (counts[instance.health] || 0) + 1;
      const vips = stored ? vipsOf(stored) : [];
      return {
        key, namespace, name, instances, counts, vips,
        ports: stored ? stored.resource.spec.ports || [] : [],
        declared: Boolean(stored),
        search: `${namespace}/${name} ${vips.map((v) => v.address).join(' ')} ${instances.map((i) => i.address).join(' ')}`.toLowerCase(),
      };
    });
    this.dirty = false;
    return this.rows;
  }

  /** Rows whose name, namespace, VIP or an instance address contains every word of the filter. */
  filtered(text) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = this.allRows();
    return words.length ? rows.filter((row) => words.every((word) => row.search.includes(word))) : rows;
  }
}

/** "passing" when every instance passes, "critical" when none does, else "degraded". */
export function serviceHealth(row) {
  const total = row.instances.length;
  if (total === 0) return 'no instances';
  if (row.counts.passing === total) return 'passing';
  if (row.counts.passing === 0) return row.counts.critical ? 'critical' : 'unknown';
  return 'degraded';
}

/** The store's VIPs of a Service (fixed or allocated, both families: in status, not in the spec). */
function vipsOf(stored, host) {
  const vips = ((stored.status && stored.status.vips) || []).filter((v) => (host ? v.host === host : !v.host));
  if (!vips.length && !host && stored.resource.spec.vip) return [{ address: stored.resource.spec.vip, fixed: true }];
  return vips.map((v) => ({ address: v.address, fixed: Boolean(v.fixed) }));
}

/**
 * ServiceEntry resources (StoredResource) → one row per host: its VIPs (allocated by the store)
 * or the addresses its spec lists, and its ports. Wildcard hosts get neither.
 */
export function serviceEntryHosts(items) {
  const rows = [];
  for (const stored of items) {
    const meta = stored.resource.metadata;
    const spec = stored.resource.spec;
    const namespace = meta.namespace || 'default';
    for (const host of spec.hosts || []) {
      const listed = spec.addresses || [];
      rows.push({
        key: `${namespace}/${meta.name}/${host}`, host, namespace, name: meta.name,
        vips: listed.length ? [] : vipsOf(stored, host),
        addresses: listed,
        ports: spec.ports || [],
      });
    }
  }
  return rows.sort((a, b) => a.host.localeCompare(b.host) || a.key.localeCompare(b.key));
}
