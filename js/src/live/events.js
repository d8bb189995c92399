// refresh-on: fragments that refresh when an event is dispatched on document, whoever
// dispatched it (the server's CK-Trigger, composekit.trigger(), the page's own code, another
// tab). Bursts coalesce: events for one fragment within liveConfig.coalesce ms cause one
// refresh, and events during a refresh cause at most one more after it.
import { cookie, liveConfig } from './config.js';

/** @typedef {HTMLElement & { refresh(): Promise<boolean> }} Fragment */

// localStorage key through which a tab tells the others of an event in liveConfig.tabs. A
// storage event, not a BroadcastChannel message: that would evict the origin's pages from
// the back/forward cache.
const KEY = 'composekit:event';

/** Event names there is a listener on document for. */
const listening = new Set();

/**
 * A fragment's refresh to come (timer), in flight (running), and whether another is owed.
 * @type {WeakMap<Element, { timer: number, running: boolean, again: boolean }>}
 */
const pending = new WeakMap();

/** @param {Element} el */
export const eventsOf = (el) => (el.getAttribute('refresh-on') || '').split(/\s+/).filter(Boolean);

/** @param {Fragment} el */
export const schedule = (el) => {
  let state = pending.get(el);
  if (!state) pending.set(el, (state = { timer: 0, running: false, again: false }));
  if (state.running) {
    state.again = true;
    return;
  }
  if (state.timer) return; // this burst is already on its way
  const owed = state;
  owed.timer = setTimeout(async () => {
    owed.timer = 0;
    owed.running = true;
    try {
      await el.refresh();
    } catch {
      // The content stays as it was; the next event tries again.
    } finally {
      owed.running = false;
      if (owed.again) {
        owed.again = false;
        schedule(el);
      }
    }
  }, liveConfig.coalesce);
};

/** The identity marker (see the core's identity.js): events cross only to the same person's tabs. */
const identity = () => cookie(self.composekit?.config?.identityCookie || 'ck_identity');

/**
 * @param {string} name
 * @param {Event} event
 */
const onEvent = (name, event) => {
  const detail = /** @type {CustomEvent<{ tab?: boolean, answered?: Set<Element> } | null>} */ (event).detail;
  for (const el of document.querySelectorAll('ck-fragment[refresh-on]')) {
    // A write's answer carried it already (answer.js): no request for it.
    if (eventsOf(el).includes(name) && !detail?.answered?.has(el)) schedule(/** @type {Fragment} */ (el));
  }
  const fromTab = detail?.tab;
  if (!fromTab && liveConfig.tabs.includes(name)) {
    try {
      // The time and a random part make each write a change, so it fires even when repeated.
      localStorage.setItem(KEY, JSON.stringify({ name, identity: identity(), id: Math.random() }));
    } catch {
      // Storage refused: the other tabs are not told.
    }
  }
};

/** @param {string} name */
export const listen = (name) => {
  if (listening.has(name)) return;
  listening.add(name);
  document.addEventListener(name, (event) => onEvent(name, event));
};

/**
 * Listens for every event a fragment in `root` (or `root` itself) refreshes on, and every
 * shared one.
 * @param {ParentNode} [root]
 */
export const watchEvents = (root = document) => {
  for (const el of within(root, 'ck-fragment[refresh-on]')) eventsOf(el).forEach(listen);
  liveConfig.tabs.forEach(listen);
};

/**
 * The elements matching `selector` in `root`, and `root` itself if it matches.
 * @param {ParentNode} root
 * @param {string} selector
 */
export const within = (root, selector) => [
  ...(root instanceof Element && root.matches(selector) ? [root] : []),
  ...root.querySelectorAll(selector),
];

/** Other tabs' events, for the same identity only. */
export const hearOtherTabs = () => {
  addEventListener('storage', (event) => {
    if (event.key !== KEY || !event.newValue) return;
    let told;
    try {
      told = JSON.parse(event.newValue);
    } catch {
      return;
    }
    if (told.identity !== identity() || !liveConfig.tabs.includes(told.name)) return;
    document.dispatchEvent(new CustomEvent(told.name, { detail: { source: null, tab: true } }));
  });
};
