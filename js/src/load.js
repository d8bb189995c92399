// Where a fragment's HTML comes from: kept from an earlier page view in this browser (store.js),
// a batch shared with other fragments (batch.js), or a request of its own (fetch.js).
import { batched, batchKey } from './batch.js';
import { config } from './config.js';
import { fetched, request } from './fetch.js';
import { keep, kept, snapshot } from './store.js';

/** @typedef {import('./fetch.js').Fetched} Fetched */
/** @typedef {import('./fetch.js').Requester} Requester */

/**
 * The HTML of the fragment at src for el. Kept HTML still fresh is used without a request,
 * unless fresh (a reload) asks the server; kept HTML gone stale is revalidated (a 304 reuses
 * it). Private answers are kept for later page views. Public fragments (the `public`
 * attribute, from the template tag) are never batched, shared caches keep their own URLs;
 * nor are fragments marked `batch="off"` or `batch="session"` (kept per session by a shared cache). One deadline (el's `timeout`, else config.timeout) bounds the whole
 * load: the batch, its fallback to a request of its own, every retry.
 * @param {string | null} src
 * @param {Requester & { hasAttribute(name: string): boolean }} el
 * @param {AbortSignal} signal
 * @param {boolean} fresh
 * @returns {Promise<Fetched>}
 */
export const obtain = async (src, el, signal, fresh) => {
  const entry = src ? kept(src) : null;
  if (entry && !fresh && entry.expires > Date.now()) {
    return fetched(304, entry.html, null, entry.etag, null); // as a 304 would: still current
  }
  const under = snapshot();
  const etag = entry ? entry.etag : null;
  const alone = el.hasAttribute('public') || /^(off|session)$/.test(el.getAttribute('batch') || '');
  const key = alone ? '' : batchKey(src);
  // When the load must have ended, however it goes: every attempt and backoff, a batch and
  // its fallback to a request of its own share it.
  const deadline = Date.now() + (Number(el.getAttribute('timeout')) || config.timeout);
  const result =
    key && src
      ? await batched(key, src, el, signal, etag, deadline)
      : await request(src, el, signal, fresh, deadline, etag);
  if (result.notModified && entry) result.html = entry.html;
  if (result.notModified) result.triggers = []; // they were fired when the HTML first came
  if (src && !result.isPublic) keep(src, result, under);
  return result;
};
