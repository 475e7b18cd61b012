// Numbers and times as people read them.

/** 93784 → "1d 2h", 125 → "2m 5s" */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const units = [['y', 31536000], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts = [];
  let rest = s;
  for (const [unit, size] of units) {
    if (rest >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** "in 3d 4h" or "5m ago", relative to now. */
export function relative(date, now = Date.now()) {
  const seconds = (new Date(date).getTime() - now) / 1000;
  return seconds >= 0 ? `in ${duration(seconds)}` : `${duration(-seconds)} ago`;
}

/** ISO text → "2025-03-01 14:02 UTC" */
export function dateTime(date) {
  const d = new Date(date);
  if (Number.isNaN(d.getTime())) return String(date);
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function keyText(key) { return `${key.kind} ${key.namespace}/${key.name}`; }

export function plural(count, word) { return `${count} ${word}${count === 1 ? '' : 's'}`; }
