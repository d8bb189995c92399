// One fragment request: retries with backoff, response checks, all within one deadline.
import { config } from './config.js';
import { credentialsFor, delay, problem } from './http.js';

/**
 * @typedef {object} Fetched
 * @property {string} html The response text ('' for a 304: the caller has the HTML).
 * @property {boolean} isPublic Whether its Cache-Control says public: the same for everyone.
 * @property {boolean} notModified A 304: the HTML kept for it is still current.
 * @property {string | null} etag
 * @property {number} maxAge Seconds a private response may be reused without asking; 0 for a public or no-store one.
 * @property {string[] | null} scopes Its CK-Scopes: what writes must leave alone for it to stay valid; null: any write.
 * @property {string[]} triggers Its CK-Trigger: events to dispatch once it is swapped in.
 */

/** @param {string} list comma- or space-separated names */
export const names = (list) => list.split(/[\s,]+/).filter(Boolean);

/**
 * A response's caching facts, from its headers (or a batch part's fields).
 * @param {number} status
 * @param {string} html
 * @param {string | null} cacheControl
 * @param {string | null} etag
 * @param {string | null} scopes comma- or space-separated scope names, null when not given
 * @param {string | null} [triggers] comma- or space-separated event names
 * @returns {Fetched}
 */
export const fetched = (status, html, cacheControl, etag, scopes, triggers = null) => {
  const directives = (cacheControl || '').toLowerCase();
  const isPublic = /\bpublic\b/.test(directives);
  const noStore = /\bno-store\b/.test(directives);
  const maxAge =
    isPublic || noStore || /\bno-cache\b/.test(directives) ? 0 : Number(/\bmax-age=(\d+)/.exec(directives)?.[1] || 0);
  return {
    html,
    isPublic,
    notModified: status === 304,
    etag: noStore ? null : etag,
    maxAge,
    scopes: scopes === null ? null : names(scopes),
    triggers: names(triggers || ''),
  };
};

/**
 * The element a request is made for: its network call.
 * @typedef {object} Requester
 * @property {(name: string) => string | null} getAttribute
 * @property {(url: string, init: RequestInit) => Promise<Response>} fetchFragment
 */

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An Error with the HTTP status of the last response (0 when there was none) and the number
 * of requests made (0 when refused before any).
 * @param {unknown} error
 * @param {number} status
 * @param {number} attempt
 */
export const failure = (error, status, attempt) =>
  Object.assign(error instanceof Error ? error : Error(String(error)), { status, attempt });

/**
 * Fetches url for el, retrying network errors and 502/503/504 (config.retries times), until
 * deadline (ms since the epoch, see load.js): the attempt still running then is aborted, and a
 * retry whose backoff would end past it is not made; either way the load fails with what it has.
 * Each call goes through el.fetchFragment(url, init), a GET. fresh (a reload) revalidates with
 * the server even when the browser's cache holds a response still fresh by its max-age: a
 * reload follows a change.
 * With etag (of the HTML the caller keeps), asks If-None-Match: a 304 resolves with
 * notModified. Rejects with an Error carrying `status` and `attempt` (see failure()). Aborting
 * signal stops the call in flight and any retry not yet started; nobody waits for the result then.
 * @param {string | null} url
 * @param {Requester} el
 * @param {AbortSignal} signal
 * @param {boolean} fresh
 * @param {number} deadline
 * @param {string | null} [etag]
 * @returns {Promise<Fetched>}
 */
export const request = async (url, el, signal, fresh, deadline, etag) => {
  const credentials = credentialsFor(url);
  if (!url || !credentials) throw failure(Error('src refused'), 0, 0);
  // One controller for every attempt: the deadline aborts whichever is in flight.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(Error('timeout')), deadline - Date.now());
  signal.onabort = () => controller.abort(); // signal is this request's alone (dedupe.js)
  try {
    for (let attempt = 1; ; attempt++) {
      /** @type {Response | undefined} */
      let response;
      let status = 0; // of a response refused by problem(); 0 after a network error or a timeout
      let error;
      try {
        response = await el.fetchFragment(url, {
          credentials,
          headers: { Accept: 'text/html', ...(etag && { 'If-None-Match': etag }) },
          signal: controller.signal,
          ...(fresh && { cache: 'no-cache' }),
        });
        const why = etag && response.status === 304 ? '' : problem(response);
        if (!why) {
          const { headers } = response;
          const html = await response.text();
          const [cacheControl, etagOf, scopes, triggers] = ['Cache-Control', 'ETag', 'CK-Scopes', 'CK-Trigger'].map(
            (h) => headers.get(h),
          );
          return fetched(response.status, html, cacheControl, etagOf, scopes, triggers);
        }
        status = response.status;
        error = Error(why);
      } catch (caught) {
        error = caught; // network error, timeout, or the body failed to arrive
      }
      // Retry only what may pass on its own: network errors, 502, 503, 504, and only if the
      // retry can start before the deadline (a timed-out attempt has none left).
      const retryable = !status || (status > 501 && status < 505);
      const wait = delay(response?.headers.get('Retry-After'), attempt);
      if (!retryable || attempt > config.retries || signal.aborted || Date.now() + wait >= deadline) {
        throw failure(error, status, attempt);
      }
      await sleep(wait);
      if (signal.aborted) throw failure(Error('aborted'), 0, attempt);
    }
  } finally {
    clearTimeout(timer);
  }
};
