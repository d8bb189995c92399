// Page-lifetime sharing of requests: the same src is fetched once, however many elements
// show it. A request in flight is aborted only when every element waiting for it has gone.
import { request } from './fetch.js';

const requests = new Map(); // src -> AbortController + {p: Promise<string>, n: waiters, done}

// The shared response text for src, from request(src, el) if nothing is cached or in flight.
// fresh (reload) drops a settled entry but joins one still in flight. When this waiter's
// signal aborts it stops counting; the caller checks signal.aborted after awaiting.
export function shared(el, src, signal, fresh) {
  let r = requests.get(src);
  const drop = () => requests.get(src) == r && requests.delete(src);
  if (!r || (fresh && r.done)) {
    requests.set(src, (r = new AbortController()));
    r.n = 0;
    (r.p = request(src, el, r.signal)).then(() => (r.done = 1), drop);
  }
  r.n++;
  signal.onabort = () => --r.n || r.done || (r.abort(), drop());
  return r.p;
}
