// Sharing of loads: the same src is loaded once, however many elements show it, for as
// long as the page stays with one identity (identity.js clears it on a change, on a restore
// from the back/forward cache and on reset()). A request in flight is aborted only when
// every element waiting for it has gone.
import { obtain } from './load.js';

/** @typedef {import('./fetch.js').Fetched} Fetched */
/** @typedef {import('./fetch.js').Requester & { hasAttribute(name: string): boolean }} Requester */

/** One request and the elements waiting for it. */
class Shared {
  controller = new AbortController();
  waiters = 0;
  settled = false;
  /** @type {Promise<Fetched>} */
  response;

  /**
   * @param {string | null} src
   * @param {Requester} el the first element: its timeout and fetchFragment serve everyone
   * @param {boolean} fresh
   */
  constructor(src, el, fresh) {
    this.response = obtain(src, el, this.controller.signal, fresh);
  }
}

/** @type {Map<string | null, Shared>} */
const requests = new Map();

/**
 * The shared response for src, from request(src, el) if nothing is kept or in flight.
 * fresh (reload) drops a settled response but joins a request still in flight. When this
 * waiter's signal aborts it stops counting; the caller checks signal.aborted after awaiting.
 * @param {Requester} el
 * @param {string | null} src
 * @param {AbortSignal} signal
 * @param {boolean} [fresh]
 */
export const shared = (el, src, signal, fresh = false) => {
  let entry = requests.get(src);
  if (!entry || (fresh && entry.settled)) {
    const created = (entry = new Shared(src, el, fresh));
    const forget = () => {
      if (requests.get(src) === created) requests.delete(src);
    };
    requests.set(src, created);
    created.response.then(() => (created.settled = true), forget); // a failure is not kept
    created.controller.signal.addEventListener('abort', forget);
  }
  const current = entry;
  current.waiters++;
  signal.onabort = () => {
    current.waiters--;
    if (current.waiters === 0 && !current.settled) current.controller.abort();
  };
  return current.response;
};

/** Forgets every kept response and request in flight: later elements fetch again. */
export const clear = () => requests.clear();
