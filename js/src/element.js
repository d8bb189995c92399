// <ck-fragment>: fetches its src and swaps the response in as its children.
import { config } from './config.js';
import { shared } from './dedupe.js';
import { parsed, swap } from './swap.js';

export class CkFragment extends HTMLElement {
  #ctrl;
  #io;

  connectedCallback() {
    // Already rendered by the server (inline mode), or loaded and only moved: nothing to fetch.
    if (this.getAttribute('state') == 'loaded') return;
    if (this.getAttribute('loading') == 'lazy') {
      (this.#io = new IntersectionObserver((es) => es.pop().isIntersecting && this.#load(), {
        rootMargin: config.lazyMargin,
      })).observe(this);
    } else this.#load();
  }

  disconnectedCallback() {
    this.#io?.disconnect();
    this.#ctrl?.abort();
  }

  // Fetches again, even in inline mode; a settled shared response for the same src is dropped.
  // Resolves once the load has ended, however it ended.
  reload() {
    return this.#load(true);
  }

  // The network call: the one seam to stub in tests or to wrap (e.g. add a header).
  fetchFragment(url, init) {
    return fetch(url, init);
  }

  // Dispatches ck:<type>; with a state, sets it first. Only ck:beforeswap is cancelable.
  #fire(type, state, detail) {
    if (state) {
      this.setAttribute('state', state);
      if (state == 'loading') this.setAttribute('aria-busy', 'true');
      else this.removeAttribute('aria-busy');
    }
    return this.dispatchEvent(
      new CustomEvent('ck:' + type, { bubbles: true, composed: true, cancelable: type == 'beforeswap', detail }),
    );
  }

  async #load(fresh) {
    this.disconnectedCallback(); // a new load supersedes a pending one
    const { signal } = (this.#ctrl = new AbortController());
    const src = this.getAttribute('src');
    this.#fire('loadstart', 'loading'); // once per load: retries do not repeat it
    try {
      for (let p = this, depth = 0; (p = p.parentElement?.closest('ck-fragment')); ) {
        if (p.getAttribute('src') == src) throw Error('includes itself');
        if (++depth >= config.maxDepth) throw Error('too deep');
      }
      const detail = { html: await shared(this, src, signal, fresh) };
      await parsed;
      if (signal.aborted) return;
      if (this.#fire('beforeswap', '', detail)) {
        swap(this, detail.html, config.allowScripts || this.hasAttribute('allow-scripts'));
      }
      this.#fire('load', 'loaded');
    } catch (error) {
      if (signal.aborted) return; // removed from the document, or superseded by reload()
      this.#fire('error', 'error', { status: error.status | 0, attempt: error.attempt | 0, error });
    }
    this.#fire('loadend');
  }
}
