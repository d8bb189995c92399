// The one place HTML enters the document.
import { config } from './config.js';

/** @typedef {import('./config.js').TrustedHTML} TrustedHTML */

/**
 * Trusted Types, as far as the loader uses them (no DOM lib declares them yet).
 * @typedef {{ createHTML(html: string): TrustedHTML }} Policy
 * @typedef {{ createPolicy(name: string, rules: { createHTML(html: string): string }): Policy }} TrustedTypes
 */

/** @type {Policy | undefined} */
let policy;

/** @type {Promise<void> | undefined} */
let parsing;

/**
 * Resolves once the document is parsed. The loader runs in <head>, so requests start while
 * the page is parsed; a response can arrive while the parser is still inside the element,
 * and swapping then would leave parser-appended fallback after the new content. So swaps
 * wait for this.
 * @returns {Promise<void>}
 */
export const parsed = () =>
  (parsing ||= new Promise((resolve) => {
    if (document.readyState === 'loading') addEventListener('DOMContentLoaded', () => resolve());
    else resolve();
  }));

/**
 * The HTML as TrustedHTML: through config.createHTML when set (your policy or sanitizer),
 * else under Trusted Types through the "composekit" policy, created on first use.
 * @param {string} html
 * @returns {TrustedHTML | string}
 */
const trusted = (html) => {
  if (config.createHTML) return config.createHTML(html);
  const { trustedTypes } = /** @type {{ trustedTypes?: TrustedTypes }} */ (/** @type {unknown} */ (self));
  if (!trustedTypes) return html;
  policy ||= trustedTypes.createPolicy('composekit', { createHTML: (s) => s });
  return policy.createHTML(html);
};

/**
 * Replaces el's children with html. A <template> parses inertly, so its scripts never run, and
 * takes what any element may hold (a row's cells, options); createContextualFragment leaves scripts runnable: they run when inserted (external ones in
 * order), carrying the loader's CSP nonce.
 * @param {Element} el
 * @param {string} html
 * @param {boolean} scripts
 */
export const swap = (el, html, scripts) => {
  const markup = /** @type {string} */ (trusted(html)); // the DOM takes TrustedHTML where a string goes
  let fragment;
  if (scripts) {
    // Parsed in the element's context, so a row's <td>s stay cells (the attribute form).
    const range = document.createRange();
    range.selectNodeContents(el);
    fragment = range.createContextualFragment(markup);
  } else {
    const template = document.createElement('template');
    template.innerHTML = markup;
    fragment = template.content;
  }
  for (const script of fragment.querySelectorAll('script')) script.nonce = config.nonce;
  el.replaceChildren(fragment);
};
