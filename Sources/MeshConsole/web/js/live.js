// Server-sent event watches (`/api/v1/watch/...`): the current state first, then each newer
// one. The browser sends the session cookie; EventSource reconnects by itself after a network
// error. When the server refuses the stream (401, 503), one plain GET learns why.
import { get } from './api.js';

/**
 * watch('/api/v1/watch/registry', state => …, status => …) → stop function.
 * status is 'live', 'reconnecting' or an Error.
 */
export function watch(path, onState, onStatus) {
  let stopped = false;
  const source = new EventSource(path, { withCredentials: true });
  source.addEventListener('open', () => onStatus('live'));
  source.addEventListener('state', (event) => {
    if (stopped) return;
    onState(JSON.parse(event.data));
  });
  source.addEventListener('error', async () => {
    if (stopped) return;
    if (source.readyState !== EventSource.CLOSED) { onStatus('reconnecting'); return; }
    // Refused: ask once with a normal request to get the error's words (it fails fast, as the
    // stream did; a stream that answers after all is cut off by the timeout).
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 3000);
    try {
      await get(path, { signal: controller.signal });
      onStatus(new Error('the live stream closed'));
    } catch (error) {
      onStatus(error.name === 'AbortError' ? new Error('the live stream closed') : error);
    } finally {
      clearTimeout(timer);
    }
  });
  return () => { stopped = true; source.close(); };
}

/** Coalesces bursts of updates into one render per animation frame. */
export function frameScheduler(render) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  };
}
