// Private fragments kept for the next page views of every tab of this browser (localStorage),
// so a page shown again, or opened in a new tab, costs no request at all, yet never shows what
// the user changed since nor anything fetched for someone else.
//
// An entry is used only while three things hold: the identity cookie is the one it was
// fetched under (identity.js); every generation it depends on is unchanged (the server moves
// them in the `ck_gen` cookie on the user's own writes, see composekit/generations.py); and, to be
// used without asking the server, its max-age has not run out. A stale entry with an ETag is
// revalidated: a 304 reuses its HTML. Cleared when the identity changes, in any tab (the
// tabs share the storage, and identity.js tells the others); a page that loads without the
// identity cookie it was kept for clears it too. At most 50 entries (past that, or when the
// storage is full, all go and pages keep again what they use); storage refused only means
// fetching again.
import { generations, identityMarker } from './cookies.js';

const PREFIX = 'composekit:fragment:';
// The identity the kept fragments were fetched for: a tab keeps one person's at a time.
const OWNER = 'composekit:kept-for';

/**
 * What the server said about a private response, for keeping it.
 * @typedef {object} Keepable
 * @property {string} html
 * @property {string | null} etag
 * @property {number} maxAge Seconds it may be reused without asking (0: revalidate each time).
 * @property {string[] | null} scopes What the user's writes must leave alone for it to stay valid; null: any write.
 */

/**
 * @typedef {object} Entry
 * @property {string} html
 * @property {string | null} etag
 * @property {number} expires Client time (ms) after which it is revalidated before use.
 * @property {string} identity
 * @property {Record<string, string>} depends Generation token of each scope it depends on, when fetched.
 */

/**
 * Who and which generations a request is made under: taken when it starts, so a write that
 * lands while it is in flight leaves its answer stale, not wrongly fresh.
 * @typedef {{ identity: string, generations: Record<string, string> }} Snapshot
 * @returns {Snapshot}
 */
export const snapshot = () => ({ identity: identityMarker(), generations: generations() });

/** @param {string[] | null} scopes */
const dependencies = (scopes) => (scopes === null ? ['@'] : ['*', ...scopes]);

/**
 * The entry kept for src, if it is still this identity's and no write it depends on happened
 * since; it may be stale by time (check `expires`).
 * @param {string} src
 * @returns {Entry | null}
 */
export const kept = (src) => {
  let entry;
  try {
    // No entry: JSON.parse(null) is null.
    entry = /** @type {Entry | null} */ (JSON.parse(/** @type {string} */ (localStorage.getItem(PREFIX + src))));
  } catch {
    return null; // storage refused, or an entry that is not ours
  }
  if (entry?.identity !== identityMarker()) return null; // none, or not this identity's
  const now = generations();
  for (const [scope, token] of Object.entries(entry.depends)) if ((now[scope] || '') !== token) return null;
  return entry;
};

/**
 * Keeps a private response for later page views, when it may be reused (max-age) or
 * revalidated (ETag).
 * @param {string} src
 * @param {Keepable} response
 * @param {Snapshot} under
 */
export const keep = (src, { html, etag, maxAge, scopes }, under) => {
  if (!maxAge && !etag) return;
  /** @type {Entry} */
  const entry = {
    html,
    etag,
    expires: Date.now() + maxAge * 1000,
    identity: under.identity,
    depends: Object.fromEntries(dependencies(scopes).map((scope) => [scope, under.generations[scope] || ''])),
  };
  try {
    // Bounded: past 50 entries (or when the storage is full, below) all go, and pages
    // keep again what they use. Refused: the fragment is fetched again next time.
    if (keys()[49]) forgetKept(); // 50 kept already
    keepOnlyFor(under.identity);
    localStorage.setItem(PREFIX + src, JSON.stringify(entry));
  } catch {
    forgetKept();
  }
};

const keys = () => Object.keys(localStorage).filter((k) => k.startsWith(PREFIX));

/**
 * Deletes what the browser kept for anyone but `identity`: the first page after a logout or
 * a login (which may not have seen the change happen), or without the identity cookie the
 * entries were kept under, leaves nothing of the previous person.
 * @param {string} identity
 */
export const keepOnlyFor = (identity) => {
  try {
    if (localStorage.getItem(OWNER) !== identity) {
      forgetKept();
      localStorage.setItem(OWNER, identity);
    }
  } catch {
    // Storage refused: nothing was kept.
  }
};

/** Forgets every kept fragment (on an identity change). */
export const forgetKept = () => {
  try {
    for (const key of keys()) localStorage.removeItem(key);
    localStorage.removeItem(OWNER);
  } catch {
    // Storage refused: nothing was kept.
  }
};
