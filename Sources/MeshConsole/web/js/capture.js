// Whether the node proxy captures a VIP, as the Services page shows it: from
// `GET /api/v1/proxy/status`, a VIP is captured when its family's rules are installed, the VIP
// lies in the captured range, and the proxy left its service out of no rule.

/** '240.240.3.7' → {bits: 32, value}; '2001:2::7' → {bits: 128, value}; null for other text. */
export function parseAddress(text) {
  if (text.includes(':')) {
    const halves = text.split('::');
    if (halves.length > 2 || text.includes('.')) return null;
    const groups = (part) => (part ? part.split(':') : []);
    const head = groups(halves[0]);
    const tail = halves.length === 2 ? groups(halves[1]) : [];
    const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
    const all = [...head, ...Array(Math.max(fill, 0)).fill('0'), ...tail];
    if (all.length !== 8 || !all.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null;
    return { bits: 128, value: all.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n) };
  }
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) < 256)) return null;
  return { bits: 32, value: parts.reduce((sum, part) => (sum << 8n) | BigInt(Number(part)), 0n) };
}

/** Whether `range` ('240.240.0.0/16', '2001:2::/48') holds `address`. */
export function inRange(range, address) {
  const [base, length] = range.split('/');
  const a = parseAddress(address);
  const b = parseAddress(base);
  if (!a || !b || a.bits !== b.bits) return false;
  const shift = BigInt(a.bits - Number(length === undefined ? a.bits : length));
  return a.value >> shift === b.value >> shift;
}

export class CaptureState {
  /** status: the body of /api/v1/proxy/status. */
  constructor(status) {
    this.status = status;
  }

  /** {captured, text} for one VIP of the service `key` ('ns/name', or 'ns/name/host' for a ServiceEntry host). */
  of(address, key) {
    const { capture, families, problems } = this.status;
    if (capture === 'none') return { captured: false, text: 'capture is off (proxy.capture: none)' };
    const family = families.find((entry) => inRange(entry.range, address));
    if (!family) return { captured: false, text: 'outside the captured VIP ranges' };
    if (!family.installed) return { captured: false, text: `the ${family.family} rules are not installed` };
    const problem = problems.find((text) => text.startsWith(`${key}: `));
    if (problem) return { captured: false, text: problem.slice(key.length + 2) };
    return { captured: true, text: `captured (${capture})` };
  }

  /** 'iptables: ipv4 240.240.0.0/16 installed (40 rules); ipv6 … not installed'. */
  summary() {
    const { capture, families, lastError } = this.status;
    if (capture === 'none') return 'Node proxy: capture off (proxy.capture: none), listeners only.';
    const parts = families.map((f) => `${f.family} ${f.range} ${f.installed ? `installed (${f.rules} rules)` : 'not installed'}`);
    return `Node proxy capture (${capture}): ${parts.join('; ') || 'no VIP range'}${lastError ? `. Last pass failed: ${lastError}` : '.'}`;
  }
}
