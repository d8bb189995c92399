// composekit-live's configuration: one shared, mutable object, filled by the drop-in script
// from its own data- attributes (iife.js); ESM users assign to it before start().

/**
 * @typedef {object} LiveConfig
 * @property {number} coalesce ms: events for one fragment within this window cause one refresh. Default 100.
 * @property {string[]} tabs Events that also refresh the same fragments in the user's other tabs. Default [].
 * @property {number} maxBackoff ms: the longest wait between polls of a failing fragment. Default 300000.
 * @property {string} csrfCookie Django's CSRF cookie (CSRF_COOKIE_NAME), sent with forms that have no token. Default "csrftoken".
 * @property {string} csrfHeader The header Django reads it from (CSRF_HEADER_NAME). Default "X-CSRFToken".
 */

/** @type {LiveConfig} */
export const liveConfig = {
  coalesce: 100,
  tabs: [],
  maxBackoff: 300000,
  csrfCookie: 'csrftoken',
  csrfHeader: 'X-CSRFToken',
};

/**
 * The cookie `name`'s value, decoded, '' when there is none: the core's reader (cookies.js),
 * copied, as this bundle is loaded on its own.
 * @param {string} name
 */
export const cookie = (name) => {
  const prefix = name + '=';
  const found = document.cookie.split('; ').find((c) => c.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : '';
};

/**
 * Milliseconds in an interval such as "30s", "500ms", "5m" or "1h"; NaN when it is not one.
 * @param {string | null} text
 */
export const interval = (text) => {
  const match = /^([1-9][0-9]*)(ms|s|m|h)$/.exec(text || '');
  if (!match) return NaN;
  return Number(match[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[/** @type {'ms' | 's' | 'm' | 'h'} */ (match[2])];
};
