// One request for many fragments. Loads of private fragments on the composekit endpoint that
// start together (the eager ones of a page being parsed, lazy ones coming into view at once,
// reloads of several names in one task) go to the batch endpoint as one GET.
// The server runs each part through its own fragment view, with its own status, ETag and
// cache policy, and answers a JSON array of the parts. A part the batch did not answer (the
// batch failed or timed out, or the part got a 502/503/504) is fetched on its own, with the
// usual retries, within what is left of its deadline: batching never turns one failure into
// many, nor makes a load take longer than its timeout. A fragment too slow to wait for
// (`batch="off"`, from its class) goes alone.
import { config } from './config.js';
import { failure, fetched, request } from './fetch.js';
import { credentialsFor } from './http.js';
import { parsed } from './swap.js';

// While the page is parsed, its fragments arrive one parser task after another: the batch
// waits for the rest of the page (DOMContentLoaded), though not longer than this (ms), so
// a page streamed slowly still gets its first fragments early.
const WAIT_WHILE_PARSING = 50;

/** @typedef {import('./fetch.js').Fetched} Fetched */
/** @typedef {import('./fetch.js').Requester} Requester */

/**
 * One fragment load waiting in, or answered by, a batch.
 * @typedef {object} Part
 * @property {string} key name:token, as the batch endpoint takes it
 * @property {string} src
 * @property {Requester} el
 * @property {AbortSignal} signal aborted when nobody waits for this part any more
 * @property {string | null} etag of the HTML kept for it: a 304 may answer
 * @property {number} deadline when its load must have ended (load.js), a request of its own included
 * @property {(value: Fetched) => void} resolve
 * @property {(reason: unknown) => void} reject
 * @property {boolean} settled
 */

/**
 * One part of the batch response.
 * @typedef {object} Answer
 * @property {number} i the part's index in the request
 * @property {number} status
 * @property {string} [html]
 * @property {string | null} [cache] its Cache-Control
 * @property {string | null} [etag]
 * @property {string[] | null} [scopes]
 * @property {string | null} [trigger] its CK-Trigger
 */

/** @type {Part[]} */
let queue = [];

/**
 * Lazy elements not started yet: each function starts its element's load if it is already
 * near the viewport. A batch about to go calls them first, so a lazy fragment in view on the
 * first view comes in the page's batch rather than in a request of its own a frame later.
 * @type {Set<() => void>}
 */
export const lazyWaiting = new Set();

/**
 * The batch key (name:token) of src, or '' when src cannot go in a batch: batching is off
 * (no config.batchUrl), or src is on another origin or is not a fragment URL under the
 * batch endpoint's prefix.
 * @param {string | null} src
 */
export const batchKey = (src) => {
  if (!config.batchUrl || !src) return '';
  const batch = new URL(config.batchUrl, document.baseURI);
  const url = new URL(src, document.baseURI);
  const prefix = batch.pathname.replace(/[^/]+\/?$/, ''); // "/_composekit/_batch/" -> "/_composekit/"
  const name = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
  const token = url.searchParams.get('p');
  const onlyParams = [...url.searchParams.keys()].join() === 'p';
  if (url.origin !== batch.origin || !/^[a-z0-9][a-z0-9-]*\/$/.test(name) || !token || !onlyParams) return '';
  return name.slice(0, -1) + ':' + token;
};

/**
 * The fragment at src, through the next batch (see batchKey() for key).
 * @param {string} key
 * @param {string} src
 * @param {Requester} el
 * @param {AbortSignal} signal
 * @param {string | null} etag
 * @param {number} deadline
 * @returns {Promise<Fetched>}
 */
export const batched = (key, src, el, signal, etag, deadline) =>
  new Promise((resolve, reject) => {
    queue.push({ key, src, el, signal, etag, deadline, resolve, reject, settled: false });
    if (queue.length > 1) return; // a send is coming
    if (document.readyState === 'loading') {
      Promise.race([parsed(), new Promise((r) => setTimeout(r, WAIT_WHILE_PARSING))]).then(send);
    } else {
      setTimeout(send); // what starts in this task goes together
    }
  });

/** @param {Part} part */
const alone = (part) => {
  part.settled = true;
  request(part.src, part.el, part.signal, true, part.deadline, part.etag).then(part.resolve, part.reject);
};

/**
 * @param {Part[]} parts
 * @param {Answer} answer
 */
const settle = (parts, { i, status, html = '', cache = null, etag = null, scopes = null, trigger = null }) => {
  const part = parts[i];
  if (!part || part.settled || (status > 501 && status < 505)) return; // 502, 503, 504: alone, below
  part.settled = true;
  if (status === 200 || (status === 304 && part.etag)) {
    part.resolve(fetched(status, html, cache, etag, scopes && scopes.join(' '), trigger));
  } else {
    part.reject(failure(Error('HTTP ' + status), status, 1));
  }
};

const send = async () => {
  for (const join of [...lazyWaiting]) join(); // each may add a part, before the queue is taken
  const parts = queue.filter((part) => !part.signal.aborted);
  queue = [];
  if (parts.length < 2) return parts.forEach(alone); // nothing to share a request with
  const url = new URL(config.batchUrl, document.baseURI);
  for (const part of parts) url.searchParams.append('f', part.etag ? part.key + '!' + part.etag : part.key);
  const controller = new AbortController();
  const stopIfUnwanted = () => {
    if (parts.every((part) => part.settled || part.signal.aborted)) controller.abort();
  };
  for (const part of parts) {
    part.signal.addEventListener('abort', stopIfUnwanted);
    // Each part fails at its own deadline if the batch has not answered it by then, with no
    // request of its own after it; the batch goes on while a part still waits for it. (For a
    // part settled meanwhile the timer does nothing.)
    setTimeout(() => {
      if (!part.settled) {
        part.settled = true;
        part.reject(failure(Error('timeout'), 0, 1));
      }
      stopIfUnwanted();
    }, part.deadline - Date.now());
  }
  try {
    const credentials = credentialsFor(url.href);
    if (!credentials) throw Error('batch endpoint refused');
    const response = await parts[0].el.fetchFragment(url.href, {
      credentials,
      headers: { Accept: 'application/json' },
      signal: controller.signal,
      cache: 'no-store',
    });
    const type = response.headers.get('Content-Type') || '';
    if (!response.ok || response.redirected || !/^application\/json\s*(;|$)/i.test(type)) {
      throw Error('batch answered ' + response.status);
    }
    const answers = /** @type {Answer[]} */ (await response.json());
    for (const answer of answers) settle(parts, answer);
  } catch {
    // What the batch did not answer goes on its own, below.
  }
  for (const part of parts) if (!part.settled && !part.signal.aborted) alone(part);
};
