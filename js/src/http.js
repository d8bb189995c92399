// Pure HTTP helpers: no DOM, no network, so node --test covers them.
import { config } from './config.js';

// Milliseconds to wait before retry n (1-based): the response's Retry-After (delta-seconds or
// HTTP-date) clamped to [0, 30 s] when it has one; else (NaN: absent or unparsable) exponential
// backoff with jitter, 300 * 2^(n-1) * [0.5, 1.5) ms.
export const delay = (retryAfter, n) => {
  const ms = /^\d+$/.test(retryAfter) ? retryAfter * 1000 : Date.parse(retryAfter) - Date.now();
  return ms > 30000 ? 30000 : ms >= 0 ? ms : ms < 0 ? 0 : 300 * 2 ** (n - 1) * (0.5 + Math.random());
};

// The fetch credentials mode for src, or a falsy value when src must not be fetched: missing,
// or on an origin that is neither the page's nor allowed (an unparsable src throws). Cookies
// go to an allowed cross origin only because it was named explicitly.
export const credentialsFor = (src) => {
  const o = new URL(src, document.baseURI).origin;
  return src && (o == location.origin ? 'same-origin' : config.allowedOrigins.includes(o) && 'include');
};

// Why a response must not be swapped in, or '' when it may: it must be a 2xx text/html (any
// parameters, any case), not redirected. A redirect is refused because it usually lands on a
// login page, which must not end up inside the shell.
export const problem = (res) =>
  !res.ok
    ? 'HTTP ' + res.status
    : res.redirected
      ? 'redirected'
      : /^text\/html\s*(;|$)/i.test(res.headers.get('Content-Type'))
        ? ''
        : 'not text/html';
