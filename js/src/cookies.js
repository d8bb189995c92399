// The two cookies the server moves for the loader: the identity marker (composekit/identity.py)
// and the write generations (composekit/generations.py), both set by composekit/cookies.py.
// Neither is secret: their values only say "not the same as before".
import { config } from './config.js';

/**
 * The value of the cookie `name`, decoded, '' when there is none (composekit-live has a copy:
 * live/config.js).
 * @param {string} name
 */
const cookie = (name) => {
  const prefix = name + '=';
  const found = document.cookie.split('; ').find((c) => c.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : '';
};

/** The identity marker: moves on every login and logout. */
export const identityMarker = () => cookie(config.identityCookie);

/**
 * The generation tokens: "@" moves on every write, "*" on writes that named no scope, each
 * scope on writes that named it (cookie `scope:token.scope:token`).
 * @returns {Record<string, string>}
 */
export const generations = () => {
  /** @type {Record<string, string>} */
  const tokens = {};
  for (const pair of cookie(config.generationCookie).split('.')) {
    const at = pair.indexOf(':');
    if (at > 0) tokens[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return tokens;
};
