// One fragment request: a timeout per attempt, retries with backoff, response checks.
import { config } from './config.js';
import { credentialsFor, delay, problem } from './http.js';

// el.fetchFragment(url, init) makes each call (a GET, fetch's default); el's `timeout`
// attribute overrides config.timeout. fresh (a reload) revalidates with the server even when
// the browser's cache holds a response still fresh by its max-age: a reload follows a change.
// Resolves to { html, isPublic } (the response text, and whether its Cache-Control says
// public: the same for everyone), or rejects with an Error carrying `status` (HTTP status of
// the last response, 0 when there was none) and `attempt` (requests made, 0 when refused).
// Aborting signal stops the call in flight and any retry not
// yet started; nobody waits for the result then.
export const request = async (url, el, signal, fresh) => {
  const timeout = +el.getAttribute('timeout') || config.timeout;
  const credentials = credentialsFor(url);
  if (!credentials) throw Error('src refused');
  for (let attempt = 1; !signal.aborted; attempt++) {
    const c = new AbortController();
    const t = setTimeout(() => c.abort(Error('timeout')), timeout);
    let res, error, why, status = 0;
    signal.onabort = () => c.abort(); // signal is this request's alone (see dedupe.js)
    try {
      res = await el.fetchFragment(url, {
        credentials,
        headers: { Accept: 'text/html' },
        signal: c.signal,
        ...(fresh && { cache: 'no-cache' }),
      });
      if (!(why = problem(res))) {
        return { html: await res.text(), isPublic: /\bpublic\b/i.test(res.headers.get('Cache-Control')) };
      }
      status = res.status;
    } catch (e) {
      error = e; // network error, timeout, or the body failed to arrive
    } finally {
      clearTimeout(t);
    }
    // Retry only what may pass on its own: network errors, timeouts, 502, 503, 504.
    if (!(error || (status > 501 && status < 505)) || attempt > config.retries) {
      throw Object.assign(error || Error(why), { status, attempt });
    }
    await new Promise((r) => setTimeout(r, delay(res?.headers.get('Retry-After'), attempt)));
  }
};
