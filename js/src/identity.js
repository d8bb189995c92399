// Who the page's private fragments were fetched for, and what to do when that changes.
//
// The server (composekit.identity) moves a cookie readable by scripts, `ck_identity` by
// default, on every login and logout. Its value says nothing about the person, only that
// they are not the one a page was loaded for. When it moves, or when a page comes back
// from the back/forward cache, every fragment that is not public is fetched again and,
// until its answer is in, shows its fallback: never the previous person's HTML.
import { identityMarker as marker } from './cookies.js';
import { clear } from './dedupe.js';
import { forgetKept, keepOnlyFor } from './store.js';

/**
 * @typedef {object} CkRenewDetail
 * @property {'identity' | 'restore' | 'pagehide' | 'reset'} reason Why private fragments are renewed: the identity cookie moved, the page came back from or is going into the back/forward cache, or reset().
 * @property {HTMLElement | null} source The fragment whose load noticed the change, or null.
 */

// localStorage key holding the last marker any tab of the origin saw. Writing a new value
// fires a storage event in every other tab: that is how they hear of a logout or login.
// (A BroadcastChannel message would evict the origin's pages from the back/forward cache.)
const KEY = 'composekit:identity';

let current = '';
// Between a pagehide into the back/forward cache and the pageshow that restores the page:
// the restore renews everything, so earlier checks (visibilitychange may come first) wait.
let away = false;

/** @param {string} value */
const tellOtherTabs = (value) => {
  try {
    if (localStorage.getItem(KEY) !== value) localStorage.setItem(KEY, value);
  } catch {
    // Storage refused (privacy settings, sandboxed frames): tabs still check when shown.
  }
};

/**
 * Tells every fragment that private content must go (element.js): for good, and loaded
 * again, unless the reason is 'pagehide'. `source` is a fragment already loading anew.
 * @param {CkRenewDetail['reason']} reason
 * @param {HTMLElement | null} [source]
 */
const announce = (reason, source = null) => {
  /** @type {CkRenewDetail} */
  const detail = { reason, source };
  dispatchEvent(new CustomEvent('ck:renew', { detail }));
};

/**
 * Drops every shared response and has every private fragment load again.
 * @param {CkRenewDetail['reason']} reason
 * @param {HTMLElement | null} [source]
 */
export const renew = (reason, source = null) => {
  current = marker();
  tellOtherTabs(current);
  clear();
  // Fragments kept for later page views: another person's after an identity change, and
  // reset() asks for everything afresh. A restore keeps them: they are checked before use.
  if (reason === 'identity' || reason === 'reset') forgetKept();
  keepOnlyFor(current);
  announce(reason, source);
};

/**
 * Renews the page if the identity moved since it last looked; true if it did.
 * @param {HTMLElement | null} [source]
 */
export const checkIdentity = (source = null) => {
  if (away || marker() === current) return false;
  renew('identity', source);
  return true;
};

/** Page-level listeners, registered once by define(). */
export const watchIdentity = () => {
  current = marker();
  tellOtherTabs(current);
  keepOnlyFor(current);
  addEventListener('storage', (event) => {
    if (event.key === KEY) checkIdentity();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) checkIdentity();
  });
  // Into the back/forward cache: private content goes before the page is frozen, so a
  // restored page never shows it, not even for a frame.
  addEventListener('pagehide', (event) => {
    away = event.persisted;
    if (away) announce('pagehide');
  });
  // Registered before any element's listener, so shared responses are dropped first.
  addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    away = false;
    renew('restore');
  });
};
