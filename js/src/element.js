// A fragment placeholder: fetches its src and swaps the response in as its children.
// <ck-fragment> is one; so is any element marked data-ck-src (attached.js), for places where
// the HTML parser moves unknown elements away (table rows, list items, options). The logic
// lives in Placeholder, which works on either through its host element.

import { lazyWaiting } from './batch.js';
import { config } from './config.js';
import { shared } from './dedupe.js';
import { showError } from './error.js';
import { failure } from './fetch.js';
import { checkIdentity } from './identity.js';
import { parsed, swap } from './swap.js';
import { trigger } from './triggers.js';

/**
 * @typedef {object} CkErrorDetail
 * @property {number} status HTTP status of the last response, 0 when there was none (network error, timeout, refused).
 * @property {number} attempt Requests made: 0 when refused before fetching, up to 1 + retries.
 * @property {Error} error
 */

/**
 * @typedef {object} CkBeforeSwapDetail
 * @property {string} html The fragment HTML; listeners may replace it.
 */

/** @typedef {import('./identity.js').CkRenewDetail} CkRenewDetail */
/** @typedef {import('./fetch.js').Fetched} Fetched */

/** What makes an element a placeholder, in either form. */
export const PLACEHOLDER = 'ck-fragment, [data-ck-src]';

/**
 * @param {unknown} error
 * @returns {CkErrorDetail}
 */
const detailOf = (error) => {
  const { status = 0, attempt = 0 } = /** @type {{ status?: number, attempt?: number }} */ (error);
  return { status, attempt, error: /** @type {Error} */ (error) };
};

/** @type {WeakMap<Element, Placeholder>} */
const placeholders = new WeakMap();

/**
 * The placeholder of an element: <ck-fragment>'s own, or one made for an element marked data-ck-src.
 * @param {HTMLElement} host
 */
export const placeholderOf = (host) => placeholders.get(host) || new Placeholder(host);

export class Placeholder {
  /** @type {HTMLElement} */
  host;
  /** @type {AbortController | undefined} the load in progress */
  #controller;
  /** @type {IntersectionObserver | undefined} waiting for a lazy element to come near */
  #observer;
  connected = false;
  // Whether a load was ever started here: a state the server wrote (inline mode) is final.
  #started = false;
  /**
   * The children the shell gave it (its fallback), kept at the first swap: shown again
   * whenever per-user content must go before new content is in.
   * @type {Node[] | undefined}
   */
  #fallback;
  // Whether the content came from a public response (the same for everyone). Content
  // rendered by the server (inline mode) is treated as private unless marked `public`.
  #public = false;
  // Attribute names: <ck-fragment src>, or <tr data-ck-src> for the attribute form.
  #prefix;
  /** @type {string | undefined} the HTML last swapped in: refresh() compares with it */
  #html;

  /** @param {HTMLElement} host */
  constructor(host) {
    this.host = host;
    this.#prefix = host.localName === 'ck-fragment' ? '' : 'data-ck-';
    placeholders.set(host, this);
  }

  /** @param {string} name */
  getAttribute(name) {
    return this.host.getAttribute(this.#prefix + name);
  }

  /** @param {string} name */
  hasAttribute(name) {
    return this.host.hasAttribute(this.#prefix + name);
  }

  /**
   * The network call: the host's fetchFragment when it has one (<ck-fragment> does).
   * @param {string} url
   * @param {RequestInit} init
   * @returns {Promise<Response>}
   */
  fetchFragment(url, init) {
    const host = /** @type {HTMLElement & { fetchFragment?: Placeholder['fetchFragment'] }} */ (this.host);
    return host.fetchFragment ? host.fetchFragment(url, init) : fetch(url, init);
  }

  /**
   * Identity changed, page restored or going into the back/forward cache, or reset()
   * (identity.js): private content goes, and the element loads again unless the page is
   * being frozen. `source` started a fresh load of its own already.
   * @param {Event} event
   */
  #onRenew = (event) => {
    const { reason, source } = /** @type {CustomEvent<CkRenewDetail>} */ (event).detail;
    if (!this.connected || !this.#private() || source === this.host) return;
    this.#forget();
    if (reason !== 'pagehide') this.load(true);
  };

  connect() {
    if (this.connected) return;
    this.connected = true;
    // The template tag marks public fragments; until a response says otherwise, trust it.
    this.#public ||= !this.#controller && this.hasAttribute('public');
    addEventListener('ck:renew', this.#onRenew);
    // Already rendered by the server (inline mode: loaded, or failed), or loaded and only
    // moved: nothing to fetch.
    const state = this.getAttribute('state');
    if (state === 'loaded' || (state === 'error' && !this.#started)) return;
    if (this.getAttribute('loading') === 'lazy') this.#loadWhenNear();
    else this.load();
  }

  disconnect() {
    this.connected = false;
    removeEventListener('ck:renew', this.#onRenew);
    this.#cancel();
  }

  /**
   * A new src is loaded at once; a lazy element that has not started waits as before.
   * @param {string | null} oldValue
   * @param {string | null} newValue
   */
  srcChanged(oldValue, newValue) {
    if (this.connected && oldValue !== newValue && this.hasAttribute('state')) this.load();
  }

  /**
   * Asks the server whether the content changed (revalidating what the browser or the loader
   * keeps) and swaps only if it did: unchanged, there is no DOM work at all, not even a
   * state change or an event. Changed: ck:beforeswap, ck:load and ck:loadend, no
   * ck:loadstart (the old content stays until the new one is in). Does nothing while a load
   * is in flight (it answers already) or before the first one. Resolves to whether the
   * content changed; rejects, leaving the content, when the request fails.
   * @returns {Promise<boolean>}
   */
  async refresh() {
    const state = this.getAttribute('state');
    if (!this.connected || !state || state === 'loading') return false;
    const controller = (this.#controller = new AbortController());
    const result = await shared(this, this.getAttribute('src'), controller.signal, true);
    await parsed();
    if (controller.signal.aborted || result.html === this.#html) return false;
    this.#show(result);
    this.#fire('loadend');
    return true;
  }

  // Whether it has (or is getting) content that may be someone's own.
  #private() {
    return this.hasAttribute('state') && !this.#public;
  }

  #loadWhenNear() {
    this.#observer = new IntersectionObserver(
      (entries) => {
        if (entries[entries.length - 1].isIntersecting) this.load();
      },
      { rootMargin: config.lazyMargin },
    );
    this.#observer.observe(this.host);
    lazyWaiting.add(this.#joinIfNear);
  }

  // Called by a batch about to go (batch.js): in view already, this element joins it.
  #joinIfNear = () => {
    const margin = parseFloat(config.lazyMargin) || 0; // its first length, in px
    const rects = this.host.getClientRects(); // none: not rendered (display: none)
    const box = this.host.getBoundingClientRect();
    if (rects.length && box.bottom >= -margin && box.top <= innerHeight + margin) this.load();
  };

  #cancel() {
    this.#observer?.disconnect();
    lazyWaiting.delete(this.#joinIfNear);
    this.#controller?.abort();
  }

  #forget() {
    this.#cancel();
    this.host.replaceChildren(...(this.#fallback || []).map((node) => node.cloneNode(true)));
  }

  /**
   * Dispatches ck:<type>; only ck:beforeswap is cancelable.
   * @param {string} type
   * @param {unknown} [detail]
   */
  #fire(type, detail = null) {
    const event = new CustomEvent('ck:' + type, {
      bubbles: true,
      composed: true,
      cancelable: type === 'beforeswap',
      detail,
    });
    return this.host.dispatchEvent(event);
  }

  /** @param {'loading' | 'loaded' | 'error'} state */
  #setState(state) {
    if (this.getAttribute('state') !== state) this.host.setAttribute(this.#prefix + 'state', state);
    if (state === 'loading') this.host.setAttribute('aria-busy', 'true');
    else this.host.removeAttribute('aria-busy');
  }

  /**
   * Swaps the answer in (unless a ck:beforeswap listener takes over), then dispatches the
   * events its server named (CK-Trigger).
   * @param {Fetched} answer
   */
  #show({ html, isPublic, triggers }) {
    /** @type {CkBeforeSwapDetail} */
    const detail = { html };
    if (this.#fire('beforeswap', detail)) {
      this.#fallback ??= [...this.host.childNodes];
      swap(this.host, detail.html, config.allowScripts || this.hasAttribute('allow-scripts'));
    }
    this.#html = html;
    this.#public = isPublic;
    this.#setState('loaded');
    this.#fire('load');
    for (const name of triggers) trigger(name, this.host);
  }

  /** Why this element must not load its src here, or '' when it may. */
  #nestingProblem() {
    const src = this.getAttribute('src');
    let depth = 0;
    for (
      let parent = this.host.parentElement?.closest(PLACEHOLDER);
      parent;
      parent = parent.parentElement?.closest(PLACEHOLDER)
    ) {
      if (parent.getAttribute(parent.localName === 'ck-fragment' ? 'src' : 'data-ck-src') === src)
        return 'includes itself';
      if (++depth >= config.maxDepth) return 'too deep';
    }
    return '';
  }

  /** @param {boolean} [fresh] revalidate with the server (a reload) */
  async load(fresh = false) {
    // Another identity than the page's: every other private fragment renews as well, so the
    // page never shows two people at once. This one is about to load anyway.
    checkIdentity(this.host);
    this.#cancel(); // a new load supersedes a pending one
    this.#started = true;
    const controller = (this.#controller = new AbortController());
    this.#setState('loading');
    this.#fire('loadstart'); // once per load: retries do not repeat it
    try {
      const nesting = this.#nestingProblem();
      if (nesting) throw failure(Error(nesting), 0, 0);
      const answer = await shared(this, this.getAttribute('src'), controller.signal, fresh);
      await parsed();
      if (controller.signal.aborted) return;
      this.#show(answer);
    } catch (error) {
      if (controller.signal.aborted) return; // removed from the document, or superseded
      this.#setState('error');
      showError(this.host, this.#fallback || [...this.host.childNodes]);
      this.#fire('error', detailOf(error));
    }
    this.#fire('loadend');
  }
}

export class CkFragment extends HTMLElement {
  static observedAttributes = ['src'];

  #placeholder = new Placeholder(this);

  connectedCallback() {
    this.#placeholder.connect();
  }

  disconnectedCallback() {
    this.#placeholder.disconnect();
  }

  /**
   * Initial attributes (before the element is in the document) start nothing here.
   * @param {string} _name
   * @param {string | null} oldValue
   * @param {string | null} newValue
   */
  attributeChangedCallback(_name, oldValue, newValue) {
    this.#placeholder.srcChanged(oldValue, newValue);
  }

  /**
   * Fetches again, even in inline mode; a settled shared response for the same src is
   * dropped. Resolves once the load has ended, however it ended.
   * @returns {Promise<void>}
   */
  reload() {
    return this.#placeholder.load(true);
  }

  /**
   * Revalidates with the server and swaps only if the content changed (see Placeholder.refresh).
   * @returns {Promise<boolean>}
   */
  refresh() {
    return this.#placeholder.refresh();
  }

  /**
   * The network call: the one seam to stub in tests or to wrap (e.g. add a header).
   * @param {string} url
   * @param {RequestInit} init
   * @returns {Promise<Response>}
   */
  fetchFragment(url, init) {
    return fetch(url, init);
  }
}
