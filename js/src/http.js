// Pure HTTP helpers: no DOM, no network, so node --test covers them.
import { config } from './config.js';

const MAX_RETRY_AFTER = 30000; // ms

/**
 * Milliseconds to wait before retry n (1-based): the response's Retry-After (delta-seconds or
 * HTTP-date) clamped to [0, 30 s] when it has one; else exponential backoff with jitter,
 * 300 * 2^(n-1) * [0.5, 1.5) ms.
 * @param {string | null | undefined} retryAfter
 * @param {number} n
 */
export const delay = (retryAfter, n) => {
  const ms = /^\d+$/.test(String(retryAfter)) ? Number(retryAfter) * 1000 : Date.parse(String(retryAfter)) - Date.now();
  if (Number.isNaN(ms)) return 300 * 2 ** (n - 1) * (0.5 + Math.random()); // absent or unparsable
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER);
};

/**
 * The fetch credentials mode for src, or null when src must not be fetched: missing, or on an
 * origin that is neither the page's nor allowed (an unparsable src throws). Cookies go to an
 * allowed cross origin only because it was named explicitly.
 * @param {string | null} src
 * @returns {RequestCredentials | null}
 */
export const credentialsFor = (src) => {
  if (!src) return null;
  const origin = new URL(src, document.baseURI).origin;
  if (origin === location.origin) return 'same-origin';
  return config.allowedOrigins.includes(origin) ? 'include' : null;
};

/**
 * Why a response must not be swapped in, or '' when it may: it must be a 2xx text/html (any
 * parameters, any case), not redirected. A redirect is refused because it usually lands on a
 * login page, which must not end up inside the shell.
 * @param {Response} response
 */
export const problem = (response) => {
  if (!response.ok) return 'HTTP ' + response.status;
  if (response.redirected) return 'redirected';
  if (!/^text\/html\s*(;|$)/i.test(response.headers.get('Content-Type') || '')) return 'not text/html';
  return '';
};
