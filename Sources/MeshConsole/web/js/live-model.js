// The live metrics as the page keeps them: the last minute per second, for the gateway and for
// each destination, built from `/api/v1/watch/traffic`. The stream's first event carries whole
// series; each later one the newest second, which is appended here (a skipped second, when the
// browser fell behind, becomes a gap in the lines).

const GATEWAY = 'gateway';

export class LiveTraffic {
  constructor() {
    this.sequence = null;
    this.time = null;
    this.seconds = 60;
    this.entries = new Map(); // 'gateway' or host → entry
  }

  /** The gateway's entry, then the destinations by name. */
  gateway() { return this.entries.get(GATEWAY); }

  destinations() {
    return [...this.entries.values()].filter((entry) => entry.key !== GATEWAY)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Takes one event of the stream. */
  apply(sample) {
    const full = Boolean(sample.gateway.series);
    const shift = this.sequence === null ? 0 : sample.sequence - this.sequence;
    if (!full && (this.sequence === null || shift <= 0)) return;
    this.seconds = sample.windowSeconds;
    const seen = new Set([GATEWAY]);
    this.update(GATEWAY, sample.gateway, full, shift);
    for (const entry of sample.services) {
      seen.add(entry.host);
      this.update(entry.host, entry, full, shift);
    }
    // The server leaves out destinations without a request for a minute.
    for (const key of [...this.entries.keys()]) if (!seen.has(key)) this.entries.delete(key);
    this.sequence = sample.sequence;
    this.time = new Date(sample.time);
  }

  update(key, data, full, shift) {
    let entry = this.entries.get(key);
    if (!entry || full) {
      entry = {
        key,
        host: data.host || null,
        service: data.service || null,
        name: data.service || data.host || 'gateway',
        requests: new Array(this.seconds).fill(0),
        serverErrors: new Array(this.seconds).fill(0),
        p50: new Array(this.seconds).fill(null),
        p99: new Array(this.seconds).fill(null),
      };
      if (full) {
        entry.requests = data.series.requests.slice();
        entry.serverErrors = data.series.serverErrors.slice();
        entry.p50 = data.series.p50Ms.slice();
        entry.p99 = data.series.p99Ms.slice();
      }
      this.entries.set(key, entry);
    }
    if (!full) {
      for (let gap = 1; gap < shift; gap += 1) push(entry, null, null, null, null, this.seconds);
      const last = data.last1s;
      push(entry, last.requests, last.serverErrors, last.p50Ms ?? null, last.p99Ms ?? null, this.seconds);
    }
    entry.last1s = data.last1s;
    entry.last10s = data.last10s;
    entry.last60s = data.last60s;
  }
}

function push(entry, requests, serverErrors, p50, p99, seconds) {
  for (const [name, value] of [['requests', requests], ['serverErrors', serverErrors], ['p50', p50], ['p99', p99]]) {
    entry[name].push(value);
    if (entry[name].length > seconds) entry[name].splice(0, entry[name].length - seconds);
  }
}

/** 5xx answers / requests per second, in percent; null for seconds without requests. */
export function errorPercent(entry) {
  return entry.requests.map((requests, index) => {
    const errors = entry.serverErrors[index];
    return requests ? (100 * (errors || 0)) / requests : null;
  });
}

/** 12345 → "12.3k", 3.456 → "3.46", 0 → "0" */
export function rate(value) {
  if (value === null || value === undefined) return '—';
  if (value >= 10000) return `${(value / 1000).toFixed(value >= 100000 ? 0 : 1)}k`;
  if (value >= 100) return String(Math.round(value));
  return String(Math.round(value * 100) / 100);
}

/** Milliseconds: 0.42 → "0.42 ms", 12.3 → "12.3 ms", 2300 → "2.3 s" */
export function milliseconds(value) {
  if (value === null || value === undefined) return '—';
  if (value >= 1000) return `${Math.round(value / 100) / 10} s`;
  if (value >= 10) return `${Math.round(value * 10) / 10} ms`;
  return `${Math.round(value * 100) / 100} ms`;
}

/** A fraction 0…1 → "0.5 %"; null → "—" */
export function percentOf(fraction) {
  if (fraction === null || fraction === undefined) return '—';
  return percent(100 * fraction);
}

export function percent(value) {
  if (value === null || value === undefined) return '—';
  return `${value >= 10 || value === 0 ? Math.round(value) : Math.round(value * 10) / 10} %`;
}
