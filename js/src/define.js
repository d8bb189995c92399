// Registration and page-level API, kept apart from the element class.
import { CkFragment } from './element.js';
import { renew, watchIdentity } from './identity.js';

export const define = () => {
  if (customElements.get('ck-fragment')) return;
  watchIdentity();
  customElements.define('ck-fragment', CkFragment);
};

// Reloads every <ck-fragment name="..."> on the page; they share one request per src.
export const reload = (name) =>
  Promise.all([...document.getElementsByName(name)].map((e) => e instanceof CkFragment && e.reload()));

// Forgets every shared response and fetches every private fragment again, showing its
// fallback meanwhile: what the loader does itself when the identity changes. Call it after
// changing who is logged in without the server's identity cookie (a login through fetch()).
export const reset = () => renew('reset');
