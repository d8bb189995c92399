// Registration and page-level API, kept apart from the element class.
import { CkFragment } from './element.js';

export const define = () => customElements.get('ck-fragment') || customElements.define('ck-fragment', CkFragment);

// Reloads every <ck-fragment name="..."> on the page; they share one request per src.
export const reload = (name) =>
  Promise.all([...document.getElementsByName(name)].map((e) => e instanceof CkFragment && e.reload()));
