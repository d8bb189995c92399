// <ck-fragment>: fetches its src and swaps the response in as its children.
import { config } from './config.js';
import { shared } from './dedupe.js';
import { checkIdentity } from './identity.js';
import { parsed, swap } from './swap.js';

export class CkFragment extends HTMLElement {
  #ctrl;
  #io;
  // The children the shell gave it (its fallback), kept at the first swap: shown again
  // whenever per-user content must go before the new content is in.
  #fallback;
  // Whether the content came from a public response (the same for everyone). Content
  // rendered by the server (inline mode) is treated as private.
  #public = false;

  // Identity changed, page restored or going into the back/forward cache, or reset()
  // (identity.js): private content goes, and the element loads again unless the page is
  // being frozen. `source` started a fresh load of its own already.
  #onRenew = ({ detail }) => {
    if (this.isConnected && this.#private() && detail.source !== this) {
      this.#forget();
      if (detail.reason != 'pagehide') this.#load(true);
    }
  };

  connectedCallback() {
    addEventListener('ck:renew', this.#onRenew);
    // Already rendered by the server (inline mode), or loaded and only moved: nothing to fetch.
    if (this.getAttribute('state') == 'loaded') return;
    if (this.getAttribute('loading') == 'lazy') {
      (this.#io = new IntersectionObserver((es) => es.pop().isIntersecting && this.#load(), {
        rootMargin: config.lazyMargin,
      })).observe(this);
    } else this.#load();
  }

  disconnectedCallback() {
    removeEventListener('ck:renew', this.#onRenew);
    this.#cancel();
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

  // Whether it has (or is getting) content that may be someone's own.
  #private() {
    return this.hasAttribute('state') && !this.#public;
  }

  #cancel() {
    this.#io?.disconnect();
    this.#ctrl?.abort();
  }

  #forget() {
    this.#cancel();
    this.replaceChildren(...(this.#fallback || []).map((node) => node.cloneNode(true)));
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
    // Another identity than the page's: every other private fragment renews as well, so the
    // page never shows two people at once. This one is about to load anyway.
    checkIdentity(this);
    this.#cancel(); // a new load supersedes a pending one
    const { signal } = (this.#ctrl = new AbortController());
    const src = this.getAttribute('src');
    this.#fire('loadstart', 'loading'); // once per load: retries do not repeat it
    try {
      for (let p = this, depth = 0; (p = p.parentElement?.closest('ck-fragment')); ) {
        if (p.getAttribute('src') == src) throw Error('includes itself');
        if (++depth >= config.maxDepth) throw Error('too deep');
      }
      const { html, isPublic } = await shared(this, src, signal, fresh);
      const detail = { html };
      await parsed;
      if (signal.aborted) return;
      if (this.#fire('beforeswap', '', detail)) {
        this.#fallback ??= [...this.childNodes];
        swap(this, detail.html, config.allowScripts || this.hasAttribute('allow-scripts'));
      }
      this.#public = isPublic;
      this.#fire('load', 'loaded');
    } catch (error) {
      if (signal.aborted) return; // removed from the document, or superseded by reload()
      this.#fire('error', 'error', { status: error.status | 0, attempt: error.attempt | 0, error });
    }
    this.#fire('loadend');
  }
}
