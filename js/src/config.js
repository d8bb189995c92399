// Loader configuration: one shared, mutable object. The drop-in script fills it from its own
// data- attributes (see iife.js); ESM users assign to it before define().

/**
 * Trusted Types' TrustedHTML, as far as the loader needs it (no DOM lib declares it yet).
 * @typedef {{ readonly __brand?: 'TrustedHTML' } & object} TrustedHTML
 */

/**
 * @typedef {object} ComposekitConfig
 * @property {number} timeout Deadline of a fragment load in ms, shared by its retries and a batch's fallback; an element's `timeout` attribute overrides it. Default 10000.
 * @property {number} retries Extra attempts after a network error or a 502/503/504, within the deadline. Default 2.
 * @property {string} lazyMargin IntersectionObserver rootMargin for `loading="lazy"`. Default "200px".
 * @property {string[]} allowedOrigins Origins (scheme://host[:port], no path) a src may use besides the page's own. Default [].
 * @property {number} maxDepth A fragment with this many `<ck-fragment>` ancestors is refused. Default 5.
 * @property {boolean} allowScripts Run `<script>` elements in fragments (per element: the `allow-scripts` attribute). Default false.
 * @property {string} nonce CSP nonce given to fragment scripts that run. Default: the loader script's nonce.
 * @property {string} identityCookie Name of the cookie the server moves on every login and logout. Default "ck_identity".
 * @property {string} generationCookie Name of the cookie the server moves on the user's writes. Default "ck_gen".
 * @property {string} batchUrl The batch endpoint; '' turns batching off. The drop-in script takes it from {% composekit_script %}.
 * @property {(html: string) => TrustedHTML | string} [createHTML] Turns fragment HTML into TrustedHTML (or a sanitized string); replaces the built-in "composekit" policy. Unset by default.
 */

/** @type {ComposekitConfig} */
export const config = {
  timeout: 10000,
  retries: 2,
  lazyMargin: '200px',
  allowedOrigins: [],
  maxDepth: 5,
  allowScripts: false,
  nonce: '',
  identityCookie: 'ck_identity',
  generationCookie: 'ck_gen',
  batchUrl: '',
};

/**
 * A data- attribute's value parsed after the type of the setting's current value. A malformed
 * number keeps the current value: a typo cannot break every fragment.
 * @param {string} value
 * @param {unknown} current
 */
const parse = (value, current) => {
  if (typeof current === 'number') return /^\d+$/.test(value) ? Number(value) : current;
  if (typeof current === 'boolean') return value !== 'false';
  if (Array.isArray(current)) return value.match(/\S+/g) || [];
  return value;
};

/**
 * Sets config from a dataset (data-max-depth -> maxDepth). Only config's own keys are read,
 * so other data- attributes are ignored.
 * @param {Record<string, string | undefined>} dataset
 */
export const configure = (dataset) => {
  const settings = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (config));
  for (const key of Object.keys(config)) {
    const value = dataset[key];
    if (value !== undefined) settings[key] = parse(value, settings[key]);
  }
};
