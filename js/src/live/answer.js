// Write answers: a form sent through the loader names the private fragments the page shows
// (CK-Fragments), and the server answers with those the write moved, re-rendered in the same
// request (composekit/answers.py; the batch's JSON parts). Each part is swapped in as a
// refresh() whose request the answer already made: through the element's own path, so the
// events, the swap rules and what the tab keeps (under the generations the write moved) are
// those of any refresh. The triggers' listeners then leave the answered elements alone.
import { eventsOf } from './events.js';

/**
 * @typedef {HTMLElement & {
 *   refresh(): Promise<boolean>,
 *   fetchFragment(url: string, init: RequestInit): Promise<Response>,
 * }} Fragment
 */

/**
 * One part of the answer (see batch.js's Answer).
 * @typedef {{ i: number, status: number, html?: string, cache?: string | null, etag?: string | null,
 *   scopes?: string[] | null, trigger?: string | null }} Part
 */

/**
 * The page's private fragments the server may answer: CK-Fragments entry
 * (`name:token[;event,...]`) -> the elements showing it.
 */
export const shown = () => {
  /** @type {Map<string, Fragment[]>} */
  const entries = new Map();
  for (const el of document.querySelectorAll('ck-fragment[state=loaded]:not([public]):not([batch=off])')) {
    const url = new URL(el.getAttribute('src') || '', document.baseURI);
    const token = url.searchParams.get('p');
    const name = el.getAttribute('name');
    if (url.origin !== location.origin || !token || !name) continue;
    const events = eventsOf(el);
    const entry = name + ':' + token + (events.length ? ';' + events : '');
    entries.set(entry, [...(entries.get(entry) || []), /** @type {Fragment} */ (el)]);
  }
  return entries;
};

/**
 * Swaps in each part of `response` (a write's answer) the server rendered, into the elements
 * of its entry; resolves to the elements answered.
 * @param {Response} response
 * @param {Fragment[][]} hosts the elements of each entry sent, in order
 */
export const swapAnswer = async (response, hosts) => {
  /** @type {Set<Element>} */
  const answered = new Set();
  if (!/^application\/json/i.test(response.headers.get('Content-Type') || '')) return answered; // a 204: none moved
  const parts = /** @type {Part[]} */ (await response.json());
  for (const { i, status, html = '', cache, etag, scopes, trigger } of parts) {
    if (status !== 200) continue; // refused or failed: its listeners fetch it as before
    // What fetch.js reads of a fragment's response, from the part's fields.
    const fields = {
      'Content-Type': 'text/html',
      'Cache-Control': cache,
      ETag: etag,
      'CK-Scopes': scopes?.join(),
      'CK-Trigger': trigger,
    };
    const headers = /** @type {[string, string][]} */ (Object.entries(fields).filter(([, value]) => value != null));
    for (const el of hosts[i] || []) {
      if (el.getAttribute('state') !== 'loaded') continue; // loading anew already
      const src = el.getAttribute('src');
      const own = Object.hasOwn(el, 'fetchFragment');
      const fetchFragment = el.fetchFragment;
      // One sequential refresh each, so none shares a batch: its request is the part.
      el.fetchFragment = (url, init) =>
        url === src ? Promise.resolve(new Response(html, { headers })) : fetchFragment.call(el, url, init);
      try {
        await el.refresh();
        answered.add(el);
      } catch {
        // Not shown: its listeners fetch it.
      } finally {
        if (own) el.fetchFragment = fetchFragment;
        else delete (/** @type {Partial<Fragment>} */ (el).fetchFragment);
      }
    }
  }
  return answered;
};
