// What needs an operator: unhealthy instances, certificates close to expiry, config warnings.
// Pure functions over API answers, so the rules read in one place.

const DAY = 86400 * 1000;

/** Instances whose health check fails. */
export function unhealthyInstances(instances) {
  return instances.filter((instance) => instance.health === 'critical');
}

/**
 * CA certificates (roots, intermediates) within 30 days of expiry, and workload certificates
 * that were not renewed: the newest certificate of an identity past 80% of its lifetime, or
 * expired within the last week.
 */
export function expiringCertificates(status, now = Date.now()) {
  const found = [];
  for (const cert of [...status.roots, ...status.intermediates]) {
    const left = new Date(cert.notAfter).getTime() - now;
    if (cert.state !== 'retiring' && left < 30 * DAY) {
      found.push({ kind: 'ca', name: cert.subject, notAfter: cert.notAfter, expired: left <= 0 });
    }
  }
  const newest = new Map();
  for (const record of status.issued) {
    const seen = newest.get(record.spiffeID);
    if (!seen || new Date(record.notAfter) > new Date(seen.notAfter)) newest.set(record.spiffeID, record);
  }
  for (const record of newest.values()) {
    const end = new Date(record.notAfter).getTime();
    const start = new Date(record.issuedAt).getTime();
    const left = end - now;
    if (left <= 0 ? -left < 7 * DAY : left < 0.2 * (end - start)) {
      found.push({ kind: 'workload', name: record.spiffeID, notAfter: record.notAfter, expired: left <= 0 });
    }
  }
  return found.sort((a, b) => new Date(a.notAfter) - new Date(b.notAfter));
}

/** "VirtualService default/reviews" → {kind, namespace, name}, or null ("document 2"). */
export function parseResourceName(text) {
  const match = /^(\w+) ([^/\s]+)\/(\S+)$/.exec(text || '');
  return match ? { kind: match[1], namespace: match[2], name: match[3] } : null;
}
