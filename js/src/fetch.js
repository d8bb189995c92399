// One fragment request: a timeout per attempt, retries with backoff, response checks.
import { config } from './config.js';
import { credentialsFor, delay, problem } from './http.js';

/**
 * @typedef {object} Fetched
 * @property {string} html The response text.
 * @property {boolean} isPublic Whether its Cache-Control says public: the same for everyone.
 */

/**
 * The element a request is made for: its `timeout` attribute and its network call.
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
const failure = (error, status, attempt) => Object.assign(error instanceof Error ? error : Error(String(error)), { status, attempt });

/**
 * Fetches url for el, retrying network errors, timeouts and 502/503/504 (config.retries times).
 * Each call goes through el.fetchFragment(url, init), a GET; el's `timeout` attribute overrides
 * config.timeout per attempt. fresh (a reload) revalidates with the server even when the
 * browser's cache holds a response still fresh by its max-age: a reload follows a change.
 * Rejects with an Error carrying `status` and `attempt` (see failure()). Aborting signal stops
 * the call in flight and any retry not yet started; nobody waits for the result then.
 * @param {string | null} url
 * @param {Requester} el
 * @param {AbortSignal} signal
 * @param {boolean} [fresh]
 * @returns {Promise<Fetched>}
 */
export const request = async (url, el, signal, fresh = false) => {
  const timeout = Number(el.getAttribute('timeout')) || config.timeout;
  const credentials = credentialsFor(url);
  if (!url || !credentials) throw failure(Error('src refused'), 0, 0);
  for (let attempt = 1; ; attempt++) {
    const attemptController = new AbortController();
    const timer = setTimeout(() => attemptController.abort(Error('timeout')), timeout);
    signal.onabort = () => attemptController.abort(); // signal is this request's alone (dedupe.js)
    /** @type {Response | undefined} */
    let response;
    let status = 0; // of a response refused by problem(); 0 after a network error or a timeout
    let error;
    try {
      response = await el.fetchFragment(url, {
        credentials,
        headers: { Accept: 'text/html' },
        signal: attemptController.signal,
        ...(fresh && { cache: 'no-cache' }),
      });
      const why = problem(response);
      if (!why) {
        const html = await response.text();
        return { html, isPublic: /\bpublic\b/i.test(response.headers.get('Cache-Control') || '') };
      }
      status = response.status;
      error = Error(why);
    } catch (caught) {
      error = caught; // network error, timeout, or the body failed to arrive
    } finally {
      clearTimeout(timer);
    }
    // Retry only what may pass on its own: network errors, timeouts, 502, 503, 504.
    const retryable = status === 0 || status === 502 || status === 503 || status === 504;
    if (!retryable || attempt > config.retries || signal.aborted) throw failure(error, status, attempt);
    await sleep(delay(response?.headers.get('Retry-After'), attempt));
    if (signal.aborted) throw failure(Error('aborted'), 0, attempt);
  }
};
