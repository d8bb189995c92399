// Pure HTTP helpers: no DOM, no network, so node --test covers them.
import { config } from './config.js';

// Retry-After (delta-seconds or HTTP-date) in ms, clamped to [0, 30 s];
// null when absent or unparsable.
export function retryAfter(value, now = Date.now()) {
  const ms = /^\d+$/.test(value) ? value * 1000 : Date.parse(value) - now;
  return ms >= 0 ? Math.min(ms, 30000) : ms < 0 ? 0 : null;
}

// Exponential backoff with jitter: after attempt n (1-based) wait 300 * 2^(n-1) * [0.5, 1.5) ms.
export const backoff = (attempt, r = Math.random()) => 300 * 2 ** (attempt - 1) * (0.5 + r);

// The fetch credentials mode for src, or a falsy value when src must not be fetched: missing,
// or on an origin that is neither the page's nor allowed (an unparsable src throws). Cookies
// go to an allowed cross origin only because it was named explicitly.
export function credentialsFor(src, base = document.baseURI, origin = location.origin, allowed = config.allowedOrigins) {
  const o = new URL(src, base).origin;
  return src && (o == origin ? 'same-origin' : allowed.includes(o) && 'include');
}

export const isHTML = (contentType) => /^text\/html\s*(;|$)/i.test(contentType);

// Why a response must not be swapped in, or '' when it may. A redirect is refused because it
// usually lands on a login page, which must not end up inside the shell.
export const problem = (res) =>
  !res.ok ? 'HTTP ' + res.status : res.redirected ? 'redirected' : isHTML(res.headers.get('Content-Type')) ? '' : 'not text/html';
