// Registration and page-level API, kept apart from the element class.
import { watchAttached } from './attached.js';
import { CkFragment, PLACEHOLDER, placeholderOf } from './element.js';
import { renew, watchIdentity } from './identity.js';

export { trigger } from './triggers.js';

/**
 * A click on an element marked data-ck-retry inside a placeholder (its error content, say)
 * loads that fragment again. On a link, the link's own navigation (a page reload, with
 * href="") is what happens without the loader.
 * @param {MouseEvent} event
 */
const retry = (event) => {
  const button = event.target instanceof Element && event.target.closest('[data-ck-retry]');
  const host = button && button.closest(PLACEHOLDER);
  if (!(host instanceof HTMLElement)) return;
  event.preventDefault();
  placeholderOf(host).load(true);
};

/**
 * Registers `<ck-fragment>` (idempotent), starts on elements marked `data-ck-src`, and
 * watches for identity changes and retry clicks.
 */
export const define = () => {
  if (customElements.get('ck-fragment')) return;
  watchIdentity();
  customElements.define('ck-fragment', CkFragment);
  watchAttached();
  document.addEventListener('click', retry);
};

/**
 * Reloads every fragment named `name` on the page (`<ck-fragment name>` and `data-ck-name`);
 * elements with the same src share one request. Resolves once all of them have ended.
 * @param {string} name
 */
export const reload = (name) => {
  const value = CSS.escape(name);
  const hosts = document.querySelectorAll(`ck-fragment[name="${value}"], [data-ck-src][data-ck-name="${value}"]`);
  return Promise.all([...hosts].map((host) => placeholderOf(/** @type {HTMLElement} */ (host)).load(true)));
};

/**
 * Forgets every shared response and fetches every private fragment again, showing its
 * fallback meanwhile: what the loader does itself when the identity changes. Call it after
 * changing who is logged in without the server's identity cookie (a login through fetch()).
 */
export const reset = () => renew('reset');
