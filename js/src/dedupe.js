// Sharing of requests: the same src is fetched once, however many elements show it, for as
// long as the page stays with one identity (identity.js clears it on a change, on a restore
// from the back/forward cache and on reset()). A request in flight is aborted only when
// every element waiting for it has gone.
import { request } from './fetch.js';

// src -> AbortController of the request, plus promise_ (the response), waiters_ and done_.
// Names ending in _ are internal: the build shortens them (mangleProps).
const requests = new Map();

// The shared response ({ html, isPublic }) for src, from request(src, el) if nothing is cached or in flight.
// fresh (reload) drops a settled entry but joins one still in flight. When this waiter's
// signal aborts it stops counting; the caller checks signal.aborted after awaiting.
export const shared = (el, src, signal, fresh) => {
  let r = requests.get(src);
  const drop = () => requests.get(src) == r && requests.delete(src);
  if (!r || (fresh && r.done_)) {
    requests.set(src, (r = new AbortController()));
    r.waiters_ = 0;
    (r.promise_ = request(src, el, r.signal, fresh)).then(() => (r.done_ = 1), drop);
  }
  r.waiters_++;
  signal.onabort = () => --r.waiters_ || r.done_ || (r.abort(), drop());
  return r.promise_;
};

// Forgets every response and request: later elements fetch again.
export const clear = () => requests.clear();
