// Registration and page-level API, kept apart from the element class.
import { CkFragment } from './element.js';
import { renew, watchIdentity } from './identity.js';

export { trigger } from './triggers.js';

/** Registers `<ck-fragment>` (idempotent) and starts watching for identity changes. */
export const define = () => {
  if (customElements.get('ck-fragment')) return;
  watchIdentity();
  customElements.define('ck-fragment', CkFragment);
};

/**
 * Reloads every `<ck-fragment name="...">` on the page; elements with the same src share one
 * request. Resolves once all of them have ended.
 * @param {string} name
 */
export const reload = (name) => {
  const fragments = [...document.getElementsByName(name)].filter((el) => el instanceof CkFragment);
  return Promise.all(fragments.map((el) => /** @type {CkFragment} */ (el).reload()));
};

/**
 * Forgets every shared response and fetches every private fragment again, showing its
 * fallback meanwhile: what the loader does itself when the identity changes. Call it after
 * changing who is logged in without the server's identity cookie (a login through fetch()).
 */
export const reset = () => renew('reset');
