// The admin API as the console uses it: session cookie, CSRF token on writes, JSON errors.

let csrfToken = null;
let onLoggedOut = () => {};

export class ApiError extends Error {
  constructor(status, envelope) {
    const body = envelope && envelope.error;
    super(body ? body.message : `HTTP ${status}`);
    this.status = status;
    this.code = body ? body.code : `http_${status}`;
    this.issues = (body && body.issues) || [];
    this.details = (body && body.details) || [];
  }
}

export function setCsrfToken(token) { csrfToken = token; }

/** Called when the server says the session is gone (expired, logged out elsewhere). */
export function whenLoggedOut(callback) { onLoggedOut = callback; }

/**
 * request('GET', '/api/v1/status') → parsed JSON (or text, or null for 204).
 * Options: json (sent as JSON), yaml (sent as text), signal.
 */
export async function request(method, path, { json, yaml, signal } = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  if (yaml !== undefined) { headers['Content-Type'] = 'application/yaml'; body = yaml; }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(path, { method, headers, body, signal, credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 401 && !(path === '/api/v1/session' && method === 'POST')) {
    csrfToken = null;
    onLoggedOut();
  }
  const type = response.headers.get('content-type') || '';
  if (!response.ok) {
    const envelope = type.includes('json') ? await response.json().catch(() => null) : null;
    throw new ApiError(response.status, envelope);
  }
  if (response.status === 204) return null;
  return type.includes('json') ? response.json() : response.text();
}

export const get = (path, options) => request('GET', path, options);
export const post = (path, options) => request('POST', path, options);
export const del = (path, options) => request('DELETE', path, options);

/** Path of a resource: /api/v1/resources/Kind/ns/name */
export function resourcePath(key) {
  return `/api/v1/resources/${encodeURIComponent(key.kind)}/${encodeURIComponent(key.namespace)}/${encodeURIComponent(key.name)}`;
}

/** Runs several GETs; a failing one gives its ApiError instead of a value. */
export async function getAll(paths) {
  return Promise.all(paths.map((path) => get(path).catch((error) => (error instanceof ApiError ? error : Promise.reject(error)))));
}
